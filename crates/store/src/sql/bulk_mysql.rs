//! The bulk import into MySQL/MariaDB: `LOAD DATA LOCAL INFILE` first
//! (`bulk_mysql_infile.rs`, another driver: sqlx (0.9) does not implement the client side of
//! it); where that is not available, the whole import in ONE InnoDB transaction of large
//! multi-row `INSERT … ON DUPLICATE KEY UPDATE` statements, ratings in primary-key order.
//!
//! A staging table would write every rating twice; InnoDB's MVCC already
//! gives what staging is for: readers (REPEATABLE READ or READ COMMITTED) see the previous
//! state until the commit, and a failure or a dropped connection (a killed client) makes
//! the server roll the whole transaction back.
//!
//! Foreign-key checks are off for the session during the import (`foreign_key_checks = 0`,
//! restored afterwards): the references hold by construction, every rating naming a user
//! and a movie upserted in the same transaction first.

use super::arrival;
use super::bulk::{Plan, Progress};
use super::bulk_mysql_infile::Outcome;
use super::rows::{RatingRow, RATING_COLS};
use crate::dialect::Backend;
use crate::error::Result;
use crate::import::ImportReport;
use sqlx::mysql::{MySqlConnection, MySqlPool};
use sqlx::Connection;

/// MySQL's bound-parameter limit per prepared statement.
const MAX_PARAMS: usize = 65_535;

/// Imports `plan` (see the module docs) through `LOAD DATA LOCAL INFILE` on `infile_url`
/// when given and the server allows it, else with multi-row upserts on `pool`.
pub(super) async fn import(
    pool: &MySqlPool,
    infile_url: Option<&str>,
    plan: &Plan<'_>,
    progress: Progress<'_>,
) -> Result<ImportReport> {
    if let Some(url) = infile_url {
        match super::bulk_mysql_infile::import(url, plan, progress).await? {
            Outcome::Done(rep) => return Ok(rep),
            Outcome::Unavailable(why) => {
                tracing::info!(%why, "no LOAD DATA LOCAL INFILE: importing with multi-row upserts");
            }
        }
    }
    let mut conn = pool.acquire().await?;
    sqlx::raw_sql("SET SESSION foreign_key_checks = 0")
        .execute(&mut *conn)
        .await?;
    let written = write(&mut conn, plan, progress).await;
    let restored = sqlx::raw_sql("SET SESSION foreign_key_checks = 1")
        .execute(&mut *conn)
        .await;
    if restored.is_err() {
        // Never hand a connection without foreign-key checks back to the pool.
        conn.close_on_drop();
    }
    written
}

async fn write(
    conn: &mut MySqlConnection,
    plan: &Plan<'_>,
    progress: Progress<'_>,
) -> Result<ImportReport> {
    let b = Backend::MySql;
    let t = arrival();
    let mut tx = conn.begin().await?;
    exec_users!(
        &mut *tx,
        b,
        &plan.users,
        t,
        1000.min(MAX_PARAMS / USER_COLS.len())
    );
    exec_movies!(
        &mut *tx,
        b,
        &plan.movies,
        t,
        1000.min(MAX_PARAMS / MOVIE_COLS.len())
    );
    let mut done = (plan.users.len() + plan.movies.len()) as u64;
    plan.step(progress, done);
    let per = plan.batch.min(MAX_PARAMS / RATING_COLS.len());
    let mut rows = plan.ratings();
    let mut buf: Vec<RatingRow<'_>> = Vec::with_capacity(per);
    loop {
        buf.clear();
        buf.extend(rows.by_ref().take(per));
        if buf.is_empty() {
            break;
        }
        exec_ratings!(&mut *tx, b, &buf);
        done += buf.len() as u64;
        plan.step(progress, done);
    }
    exec_info!(&mut *tx, b, &plan.info, plan.has_scale);
    tx.commit().await?;
    progress(plan.total, plan.total);
    Ok(ImportReport {
        ratings: plan.n_ratings(),
        ..Default::default()
    })
}
