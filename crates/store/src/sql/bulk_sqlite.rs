//! The bulk import into SQLite: one connection, bulk-load pragmas for the duration (a
//! 64 MiB page cache, temporary files on disk, foreign-key checks off; all restored
//! afterwards), and the whole import in ONE `BEGIN IMMEDIATE` transaction of
//! large multi-row upserts, ratings in key order (the primary key fills by appending).
//!
//! Foreign-key checks can be off because the references hold by construction: every
//! rating names a user and a movie of the dataset's catalogue, and every one of those is
//! upserted in the same transaction first. When the import brings at least as many ratings
//! as the table holds, the `ratings_movie` index is dropped inside the transaction and
//! rebuilt (one sort) before the commit, instead of taking millions of random inserts;
//! readers keep using the old index until the commit.
//!
//! SQLite has a single writer: while an import runs, other writers wait (up to the busy
//! timeout, 30 s) and then fail with "database is locked"; readers keep reading the
//! previous state (WAL mode) until the commit. Durability is the store's usual
//! (`synchronous=NORMAL` in WAL: a committed import survives a process crash; a power
//! loss may lose the last commits, never corrupts). Uncommitted pages that spill into the
//! WAL are ignored by readers and discarded on recovery, so a killed import leaves the
//! previous state.

use super::arrival;
use super::bulk::{Plan, Progress};
use super::rows::{RatingRow, RATING_COLS};
use crate::dialect::Backend;
use crate::error::Result;
use crate::import::ImportReport;
use crate::migrations::RATINGS_MOVIE_INDEX;
use sqlx::sqlite::{SqliteConnection, SqlitePool};
use sqlx::{AssertSqlSafe, Connection};

/// SQLite's bound-parameter limit.
const MAX_PARAMS: usize = 32_766;

/// Page cache during an import, in KiB (negative `cache_size` = KiB). It also bounds the
/// sorter's memory for the index rebuild, which spills the rest to temporary files
/// (`temp_store = FILE`: in memory, with a 256 MiB cache, the 32M-rating import peaked at
/// 2,559 MiB in 160 s). At 32M ratings a 128 MiB cache peaked at 1,004 MiB; 64 MiB at
/// 868 MiB in the same ~60 s (`bench/ingest/notes.md`).
const IMPORT_CACHE_KIB: i64 = 65_536;

/// Imports `plan` (see the module docs).
pub(super) async fn import(
    pool: &SqlitePool,
    plan: &Plan<'_>,
    progress: Progress<'_>,
) -> Result<ImportReport> {
    let mut conn = pool.acquire().await?;
    let cache: i64 = sqlx::query_scalar("PRAGMA cache_size")
        .fetch_one(&mut *conn)
        .await?;
    sqlx::raw_sql(AssertSqlSafe(format!(
        "PRAGMA cache_size = -{IMPORT_CACHE_KIB}; PRAGMA temp_store = FILE; \
         PRAGMA foreign_keys = OFF"
    )))
    .execute(&mut *conn)
    .await?;
    let written = write(&mut conn, plan, progress).await;
    let restored = sqlx::raw_sql(AssertSqlSafe(format!(
        "PRAGMA cache_size = {cache}; PRAGMA temp_store = DEFAULT; PRAGMA foreign_keys = ON"
    )))
    .execute(&mut *conn)
    .await;
    if restored.is_err() {
        // Never hand a connection with import settings back to the pool.
        conn.close_on_drop();
    }
    written
}

async fn write(
    conn: &mut SqliteConnection,
    plan: &Plan<'_>,
    progress: Progress<'_>,
) -> Result<ImportReport> {
    let b = Backend::Sqlite;
    let t = arrival();
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    exec_users!(&mut *tx, b, &plan.users, t, MAX_PARAMS / USER_COLS.len());
    exec_movies!(&mut *tx, b, &plan.movies, t, MAX_PARAMS / MOVIE_COLS.len());
    let mut done = (plan.users.len() + plan.movies.len()) as u64;
    plan.step(progress, done);
    let held: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ratings")
        .fetch_one(&mut *tx)
        .await?;
    let rebuild = plan.n_ratings() >= held.unsigned_abs();
    if rebuild {
        sqlx::raw_sql("DROP INDEX IF EXISTS ratings_movie")
            .execute(&mut *tx)
            .await?;
    }
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
    if rebuild {
        sqlx::raw_sql(RATINGS_MOVIE_INDEX).execute(&mut *tx).await?;
    }
    exec_info!(&mut *tx, b, &plan.info, plan.has_scale);
    tx.commit().await?;
    progress(plan.total, plan.total);
    Ok(ImportReport {
        ratings: plan.n_ratings(),
        ..Default::default()
    })
}
