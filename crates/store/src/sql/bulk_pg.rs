//! The bulk import into PostgreSQL, in ONE transaction: users and movies by multi-row
//! upserts, then the ratings by `COPY … FROM STDIN` (text format, streamed in chunks, in
//! key order):
//!
//! - into an empty `ratings` table (the first import): the table is locked against other
//!   writers (`SHARE ROW EXCLUSIVE`), the `ratings_movie` index is dropped, the rows are
//!   copied straight into `ratings` and the index is rebuilt with one sort before the
//!   commit. Dropping the index locks the table exclusively, so readers of `ratings` wait
//!   for the commit (there is nothing to read yet);
//! - otherwise: into a temporary staging table (`ON COMMIT DROP`: no WAL, gone with the
//!   transaction), then one `INSERT … SELECT … ON CONFLICT DO UPDATE` into `ratings` that
//!   rewrites only the rows whose values changed. Readers keep reading the previous state.
//!
//! When the session is a superuser, the ratings are written with
//! `session_replication_role = replica` for this transaction (`SET LOCAL`), which skips
//! the per-row foreign-key triggers (and any user trigger on these tables): the references
//! hold by construction, every rating naming a user and a movie upserted in the same
//! transaction. Other roles keep the checks (slower).
//!
//! A failure, a dropped connection or a killed client aborts the transaction: the staging
//! table, the index change and every written row vanish.

use super::arrival;
use super::bulk::{Plan, Progress};
use crate::dialect::Backend;
use crate::error::Result;
use crate::import::ImportReport;
use crate::migrations::RATINGS_MOVIE_INDEX;
use sqlx::postgres::PgPool;
use std::fmt::Write as _;

/// The staging table (temporary: private to the session, dropped at commit or rollback).
const STAGE: &str = "CREATE TEMP TABLE cinerec_import_ratings (user_id TEXT NOT NULL, \
     movie_id TEXT NOT NULL, rating DOUBLE PRECISION NOT NULL, rated_at BIGINT NOT NULL) \
     ON COMMIT DROP";

/// Streams the staging rows.
const COPY_STAGE: &str =
    "COPY cinerec_import_ratings (user_id, movie_id, rating, rated_at) FROM STDIN";

/// Streams the rows straight into an empty `ratings`.
const COPY_DIRECT: &str = "COPY ratings (user_id, movie_id, rating, rated_at) FROM STDIN";

/// Merges the staging rows into `ratings` (one row per key in the stage: the dataset has
/// one rating per user and movie).
const MERGE: &str = "INSERT INTO ratings (user_id, movie_id, rating, rated_at) \
     SELECT user_id, movie_id, rating, rated_at FROM cinerec_import_ratings \
     ON CONFLICT (user_id, movie_id) DO UPDATE SET rating = excluded.rating, \
     rated_at = excluded.rated_at \
     WHERE ratings.rating <> excluded.rating OR ratings.rated_at <> excluded.rated_at";

/// Bytes of COPY text sent at once.
const CHUNK_BYTES: usize = 1 << 20;

/// Appends `s` as a COPY text field (ids have no control characters: only `\` needs
/// escaping).
fn push_field(buf: &mut String, s: &str) {
    if s.contains('\\') {
        buf.push_str(&s.replace('\\', "\\\\"));
    } else {
        buf.push_str(s);
    }
}

/// Imports `plan` (see the module docs).
pub(super) async fn import(
    pool: &PgPool,
    plan: &Plan<'_>,
    progress: Progress<'_>,
) -> Result<ImportReport> {
    let b = Backend::Postgres;
    let t = arrival();
    let mut tx = pool.begin().await?;
    exec_users!(
        &mut *tx,
        b,
        &plan.users,
        t,
        b.rows_per_statement(USER_COLS.len())
    );
    exec_movies!(
        &mut *tx,
        b,
        &plan.movies,
        t,
        b.rows_per_statement(MOVIE_COLS.len())
    );
    let mut done = (plan.users.len() + plan.movies.len()) as u64;
    plan.step(progress, done);
    let superuser: bool = sqlx::query_scalar("SELECT current_setting('is_superuser') = 'on'")
        .fetch_one(&mut *tx)
        .await?;
    if superuser {
        sqlx::raw_sql("SET LOCAL session_replication_role = replica")
            .execute(&mut *tx)
            .await?;
    }
    let is_empty = "SELECT NOT EXISTS (SELECT 1 FROM ratings)";
    let mut empty: bool = sqlx::query_scalar(is_empty).fetch_one(&mut *tx).await?;
    if empty {
        // Keep other writers out, then make sure it is still empty.
        sqlx::raw_sql("LOCK TABLE ratings IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
        empty = sqlx::query_scalar(is_empty).fetch_one(&mut *tx).await?;
    }
    if empty {
        sqlx::raw_sql("DROP INDEX IF EXISTS ratings_movie")
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::raw_sql(STAGE).execute(&mut *tx).await?;
    }
    let mut copy = tx
        .copy_in_raw(if empty { COPY_DIRECT } else { COPY_STAGE })
        .await?;
    let mut buf = String::with_capacity(CHUNK_BYTES + 256);
    let mut rows_in_buf = 0u64;
    for r in plan.ratings() {
        push_field(&mut buf, r.user);
        buf.push('\t');
        push_field(&mut buf, r.movie);
        // Writing into a String cannot fail.
        let _ = writeln!(buf, "\t{}\t{}", r.rating, r.time);
        rows_in_buf += 1;
        if buf.len() >= CHUNK_BYTES || rows_in_buf >= plan.batch as u64 {
            copy.send(buf.as_bytes()).await?;
            buf.clear();
            done += rows_in_buf;
            rows_in_buf = 0;
            plan.step(progress, done);
        }
    }
    if !buf.is_empty() {
        copy.send(buf.as_bytes()).await?;
    }
    let staged = copy.finish().await?;
    if empty {
        sqlx::raw_sql(RATINGS_MOVIE_INDEX).execute(&mut *tx).await?;
    } else {
        sqlx::raw_sql(MERGE).execute(&mut *tx).await?;
    }
    exec_info!(&mut *tx, b, &plan.info, plan.has_scale);
    tx.commit().await?;
    progress(plan.total, plan.total);
    Ok(ImportReport {
        ratings: staged,
        ..Default::default()
    })
}
