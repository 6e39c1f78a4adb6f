//! The bulk import into MySQL/MariaDB: the whole import in ONE InnoDB transaction of large
//! multi-row `INSERT … ON DUPLICATE KEY UPDATE` statements, ratings in primary-key order.
//!
//! `LOAD DATA LOCAL INFILE` would be faster, but sqlx (0.9) does not implement the
//! client side of it (it never announces the capability and cannot answer the server's
//! file request). A staging table would write every rating twice; InnoDB's MVCC already
//! gives what staging is for: readers (REPEATABLE READ or READ COMMITTED) see the previous
//! state until the commit, and a failure or a dropped connection (a killed client) makes
//! the server roll the whole transaction back.

use super::bulk::{Plan, Progress};
use super::now;
use super::rows::{RatingRow, RATING_COLS};
use crate::dialect::Backend;
use crate::error::Result;
use crate::import::ImportReport;
use sqlx::mysql::MySqlPool;

/// MySQL's bound-parameter limit per prepared statement.
const MAX_PARAMS: usize = 65_535;

/// Imports `plan` (see the module docs).
pub(super) async fn import(
    pool: &MySqlPool,
    plan: &Plan<'_>,
    progress: Progress<'_>,
) -> Result<ImportReport> {
    let b = Backend::MySql;
    let t = now();
    let mut tx = pool.begin().await?;
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
