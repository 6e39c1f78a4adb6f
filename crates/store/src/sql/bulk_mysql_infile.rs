//! The MySQL/MariaDB bulk import through `LOAD DATA LOCAL INFILE`, on a connection of the
//! `mysql_async` driver (sqlx cannot answer the server's file request). One InnoDB
//! transaction with foreign-key and unique checks off for the session:
//!
//! 1. users and movies: multi-row `INSERT … ON DUPLICATE KEY UPDATE` (a user's `created_at`
//!    is kept, and a `REPLACE` would delete the row first);
//! 2. ratings: one `LOAD DATA LOCAL INFILE` statement, streamed from the plan in primary-key
//!    order as tab-separated rows. Into a ratings table that is empty when the transaction
//!    starts, that one statement is InnoDB's bulk insert (MariaDB ≥ 10.6 with
//!    `unique_checks = 0` and `foreign_key_checks = 0`): every index, `ratings_movie`
//!    included, is built by sorting, and the undo log is one record. Measured on 5M ratings:
//!    10.2 s, as fast as `LOAD DATA` into a primary-key-only table (10.5 s), where the same
//!    statement without bulk mode took 16.8 s and the multi-row upserts 23 s
//!    (`bench/ingest/notes.md`). Into a table that holds ratings it is `LOAD DATA … REPLACE`
//!    (a rating has no dependents, so replacing is upserting);
//! 3. the dataset info, then the commit.
//!
//! The all-or-nothing contract is the other backends': readers see the previous state until
//! the commit, and an error, a dropped connection or a killed process rolls everything back.
//! A rating written by someone else between the emptiness check and the load makes the load
//! fail on its duplicate key, rolled back like any failure.
//!
//! When this path cannot run — the driver cannot connect with the store's URL, or the
//! server refuses `LOCAL INFILE` (`local_infile = OFF`) — [`import`] says so and the caller
//! uses the multi-row path of `bulk_mysql.rs`.

use super::arrival;
use super::bulk::{Plan, Progress};
use super::rows::{RatingRow, MOVIE_COLS, MOVIE_UPDATE, RATING_COLS, USER_COLS, USER_UPDATE};
use crate::dialect::Backend;
use crate::error::{Result, StoreError};
use crate::import::ImportReport;
use bytes::Bytes;
use futures_util::StreamExt;
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, Params, Value};
use tokio::sync::mpsc;

/// Most bytes of tab-separated rows per chunk sent to the server (a chunk also ends after
/// [`Plan::batch`] rows: the progress granularity).
const CHUNK_BYTES: usize = 1 << 20;
/// Parameters per multi-row statement.
const MAX_PARAMS: usize = 65_535;
/// Server errors that mean "no LOCAL INFILE here": 1148 (not allowed), 3948 (disabled), 4166
/// (MariaDB: disabled by the client/server setting).
const NO_INFILE: [u16; 3] = [1148, 3948, 4166];

/// What [`import`] did.
pub(super) enum Outcome {
    /// Imported and committed.
    Done(ImportReport),
    /// This path is not available for this store, and nothing was written: why.
    Unavailable(String),
}

fn err(e: mysql_async::Error) -> StoreError {
    if let mysql_async::Error::Server(s) = &e {
        if s.code == 1062 {
            return StoreError::Constraint {
                what: "duplicate",
                message: s.message.clone(),
            };
        }
    }
    StoreError::Infile(e)
}

/// `s` as a `LOAD DATA` field (tab-separated, backslash escapes).
fn escape_into(out: &mut Vec<u8>, s: &str) {
    for b in s.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0 => out.extend_from_slice(b"\\0"),
            _ => out.push(b),
        }
    }
}

fn row_into(out: &mut Vec<u8>, r: &RatingRow<'_>) {
    use std::io::Write;
    escape_into(out, r.user);
    out.push(b'\t');
    escape_into(out, r.movie);
    // `{}` of an f64 is the shortest text that parses back to the same value.
    let _ = writeln!(out, "\t{}\t{}", r.rating, r.time);
}

/// Imports `plan` through `url` (see the module docs).
pub(super) async fn import(url: &str, plan: &Plan<'_>, progress: Progress<'_>) -> Result<Outcome> {
    let opts = match Opts::from_url(&url.replacen("mariadb://", "mysql://", 1)) {
        Ok(o) => o,
        Err(e) => return Ok(Outcome::Unavailable(format!("the URL: {e}"))),
    };
    let mut conn = match Conn::new(opts).await {
        Ok(c) => c,
        Err(e) => return Ok(Outcome::Unavailable(format!("connecting: {e}"))),
    };
    let out = write(&mut conn, plan, progress).await;
    if !matches!(out, Ok(Outcome::Done(_))) {
        // Nothing of a failed or refused import stays (a dropped connection would roll back
        // too; this says so at once).
        let _ = conn.query_drop("ROLLBACK").await;
    }
    let _ = conn.disconnect().await;
    out
}

async fn write(conn: &mut Conn, plan: &Plan<'_>, progress: Progress<'_>) -> Result<Outcome> {
    conn.query_drop("SET SESSION foreign_key_checks = 0, unique_checks = 0")
        .await
        .map_err(err)?;
    let b = Backend::MySql;
    let t = arrival();
    conn.query_drop("START TRANSACTION").await.map_err(err)?;
    let per = 1000.min(MAX_PARAMS / USER_COLS.len());
    for chunk in plan.users.chunks(per) {
        let sql = b.upsert("users", &USER_COLS, &["id"], &USER_UPDATE, chunk.len());
        let mut v: Vec<Value> = Vec::with_capacity(chunk.len() * USER_COLS.len());
        for u in chunk {
            v.extend([
                Value::from(u.id.as_str()),
                Value::from(u.age.map(i64::from)),
                Value::from(u.gender.as_deref()),
                Value::from(u.occupation.as_deref()),
                Value::from(u.zip.as_deref()),
                Value::from(t),
            ]);
        }
        conn.exec_drop(sql, Params::Positional(v))
            .await
            .map_err(err)?;
    }
    let per = 1000.min(MAX_PARAMS / MOVIE_COLS.len());
    for chunk in plan.movies.chunks(per) {
        let sql = b.upsert("movies", &MOVIE_COLS, &["id"], &MOVIE_UPDATE, chunk.len());
        let mut v: Vec<Value> = Vec::with_capacity(chunk.len() * MOVIE_COLS.len());
        for m in chunk {
            v.extend([
                Value::from(m.id),
                Value::from(m.title),
                Value::from(m.year),
                Value::from(m.genres.as_str()),
                Value::from(m.meta.as_str()),
                Value::from(t),
            ]);
        }
        conn.exec_drop(sql, Params::Positional(v))
            .await
            .map_err(err)?;
    }
    let mut done = (plan.users.len() + plan.movies.len()) as u64;
    plan.step(progress, done);
    let held: Option<i64> = conn
        .query_first("SELECT COUNT(*) FROM (SELECT 1 FROM ratings LIMIT 1) t")
        .await
        .map_err(err)?;
    let how = if held.unwrap_or(0) == 0 {
        ""
    } else {
        "REPLACE "
    };
    // The rows go through a small channel: the handler's stream must be 'static, the plan
    // is borrowed; both ends run in this task (`select!` below), so memory stays at a few
    // chunks.
    let (send, recv) = mpsc::channel::<std::io::Result<Bytes>>(4);
    let stream =
        futures_util::stream::unfold(
            recv,
            |mut r| async move { r.recv().await.map(|item| (item, r)) },
        );
    conn.set_infile_handler(async move { Ok(stream.boxed()) });
    let load = format!(
        "LOAD DATA LOCAL INFILE 'cinerec-ratings' {how}INTO TABLE ratings \
         CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' \
         LINES TERMINATED BY '\\n' ({})",
        RATING_COLS.join(", ")
    );
    let cap = CHUNK_BYTES.min(plan.batch.saturating_mul(64)) + 256;
    let produce = async {
        let mut buf: Vec<u8> = Vec::with_capacity(cap);
        let (mut rows, mut in_buf) = (0u64, 0usize);
        let mut ratings = plan.ratings().peekable();
        while let Some(r) = ratings.next() {
            row_into(&mut buf, &r);
            rows += 1;
            in_buf += 1;
            let last = ratings.peek().is_none();
            if buf.len() >= CHUNK_BYTES || in_buf >= plan.batch || last {
                let chunk = std::mem::replace(&mut buf, Vec::with_capacity(cap));
                in_buf = 0;
                if send.send(Ok(Bytes::from(chunk))).await.is_err() {
                    return; // the load ended early (an error): it reports why
                }
                plan.step(progress, done + rows);
            }
        }
        drop(send);
    };
    let loaded = {
        let load = conn.query_drop(load);
        tokio::pin!(load, produce);
        // The load may end before it read everything (an error): then stop producing.
        tokio::select! {
            r = &mut load => r,
            () = &mut produce => load.await,
        }
    };
    if let Err(e) = loaded {
        if let mysql_async::Error::Server(s) = &e {
            if NO_INFILE.contains(&s.code) {
                let why = format!("the server refuses LOCAL INFILE: {}", s.message);
                return Ok(Outcome::Unavailable(why));
            }
        }
        return Err(err(e));
    }
    done += plan.n_ratings();
    plan.step(progress, done);
    let up = b.upsert(
        "store_info",
        &["info_key", "info_value"],
        &["info_key"],
        &["info_value"],
        1,
    );
    for (k, v) in &plan.info {
        let p = Params::Positional(vec![Value::from(*k), Value::from(v.as_str())]);
        conn.exec_drop(up.as_str(), p).await.map_err(err)?;
    }
    if !plan.has_scale {
        let p = Params::Positional(vec![Value::from("rating_scale")]);
        conn.exec_drop("DELETE FROM store_info WHERE info_key = ?", p)
            .await
            .map_err(err)?;
    }
    conn.query_drop("COMMIT").await.map_err(err)?;
    progress(plan.total, plan.total);
    Ok(Outcome::Done(ImportReport {
        ratings: plan.n_ratings(),
        ..Default::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_escaped_for_load_data() {
        let mut out = Vec::new();
        let r = RatingRow {
            user: "a\tb\\c",
            movie: "m\n1",
            rating: 3.5,
            time: 7,
        };
        row_into(&mut out, &r);
        assert_eq!(out, b"a\\tb\\\\c\tm\\n1\t3.5\t7\n");
    }
}
