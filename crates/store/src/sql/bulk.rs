//! The all-or-nothing bulk import of [`SqlStore`] ([`crate::Store::import`]): everything is
//! validated and encoded first ([`Plan`]), then each backend writes the whole dataset in
//! ONE transaction with its fastest path:
//!
//! - SQLite (`bulk_sqlite.rs`): large multi-row upserts on one connection with bulk-load
//!   pragmas, in one `BEGIN IMMEDIATE` transaction;
//! - PostgreSQL (`bulk_pg.rs`): `COPY … FROM STDIN` into a temporary staging table, merged
//!   into `ratings` by one `INSERT … SELECT … ON CONFLICT DO UPDATE`;
//! - MySQL/MariaDB (`bulk_mysql_infile.rs`): `LOAD DATA LOCAL INFILE` on a `mysql_async`
//!   connection (InnoDB's bulk insert into an empty table); where the server refuses it,
//!   large multi-row `INSERT … ON DUPLICATE KEY UPDATE` through sqlx (`bulk_mysql.rs`).
//!
//! Readers see the previous state until the commit and the new one after it. A failure, a
//! dropped connection or a killed process rolls the transaction back: nothing of the import
//! stays (PostgreSQL's staging table is temporary and dies with the transaction).
//!
//! The import starts a new dataset version (`store_info.snapshot_base`, in the same
//! transaction), so older ratings snapshots stop being used, and writes the new snapshot
//! after the commit: straight from the imported dataset when the store held no rating
//! before and no rating was written meanwhile (the store then holds exactly it), else by
//! reading the store (`snapload.rs`). Rating-log rows older than the import are dropped.
//!
//! Ratings are streamed in the store's key order (user id, then movie id, as byte strings),
//! so the primary-key B-trees fill by appending; memory stays at one batch of rows besides
//! the dataset itself.

use super::rows::{
    check_rating, encode_movies, info_rows, last_per_key, user_rows, EncodedMovie, RatingRow,
};
use super::{Pool, SqlStore};
use crate::error::Result;
use crate::import::{info_of, movies_of, users_of, ImportOptions, ImportReport};
use crate::types::{MovieRecord, UserRecord};
use cinerec_core::{Dataset, UserIdx};
use std::time::Instant;

/// Progress callback of an import: rows sent so far, rows in all.
pub(crate) type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

/// An import, validated and encoded, ready to write.
pub(crate) struct Plan<'a> {
    /// Users, one per id.
    pub users: Vec<&'a UserRecord>,
    /// Movies, encoded, one per id.
    pub movies: Vec<&'a EncodedMovie<'a>>,
    /// `store_info` rows.
    pub info: Vec<(&'static str, String)>,
    /// Whether the dataset has a rating scale (it always does; kept for `exec_info!`).
    pub has_scale: bool,
    /// Rows per write step.
    pub batch: usize,
    /// Users + movies + ratings.
    pub total: u64,
    ds: &'a Dataset,
    user_order: Vec<u32>,
    item_rank: Vec<u32>,
}

/// A fresh dataset-version name: time and process.
fn new_base() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{nanos:x}-{}", std::process::id())
}

/// Positions `0..ids.len()` sorted by the id's bytes.
fn byte_order(ids: &[String]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..ids.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| ids[a as usize].as_bytes().cmp(ids[b as usize].as_bytes()));
    order
}

impl<'a> Plan<'a> {
    /// Reports `done` rows of the total, except the total itself, which the backend reports
    /// once, after the commit.
    pub fn step(&self, progress: Progress<'_>, done: u64) {
        if done < self.total {
            progress(done, self.total);
        }
    }

    /// Number of ratings.
    pub fn n_ratings(&self) -> u64 {
        self.ds.n_ratings() as u64
    }

    /// Every rating, in key order (user id bytes, then movie id bytes).
    pub fn ratings(&self) -> impl Iterator<Item = RatingRow<'a>> + '_ {
        let (ds, c) = (self.ds, self.ds.catalog());
        let m = ds.matrix();
        self.user_order.iter().flat_map(move |&u| {
            let ui = UserIdx(u);
            let (items, values) = m.user_row(ui);
            let times = m.user_times(ui);
            let mut ks: Vec<usize> = (0..items.len()).collect();
            ks.sort_unstable_by_key(|&k| self.item_rank[items[k] as usize]);
            let user = c.users.raw(u);
            ks.into_iter().map(move |k| RatingRow {
                user,
                movie: c.items.raw(items[k]),
                rating: f64::from(values[k]),
                time: i64::from(times.get(k).copied().unwrap_or(0)),
            })
        })
    }
}

/// Validates a dataset's ratings (finite values; ids are checked with the catalogue).
fn check_ratings(ds: &Dataset) -> Result<()> {
    if ds.matrix().values().iter().all(|v| v.is_finite()) {
        return Ok(());
    }
    let c = ds.catalog();
    for r in ds.matrix().iter() {
        check_rating(c.users.raw(r.user.0), c.items.raw(r.item.0), r.value)?;
    }
    Ok(())
}

impl SqlStore {
    /// [`crate::Store::import`] of a SQL store: see the module docs.
    pub(crate) async fn bulk_import(
        &self,
        ds: &Dataset,
        opts: &ImportOptions,
        progress: Progress<'_>,
    ) -> Result<ImportReport> {
        let t = Instant::now();
        let users: Vec<UserRecord> = users_of(ds);
        let movies: Vec<MovieRecord> = movies_of(ds);
        let info = info_of(ds);
        let encoded = encode_movies(&movies)?;
        check_ratings(ds)?;
        let c = ds.catalog();
        let base = new_base();
        let mut info_set = info_rows(&info)?;
        info_set.push(("snapshot_base", base.clone()));
        let was_empty = self.holds_no_rating().await?;
        let (gen_before, _) = self.generation().await?;
        let plan = Plan {
            users: user_rows(&users)?,
            movies: last_per_key(&encoded, |e| e.id),
            info: info_set,
            has_scale: info.rating_scale.is_some(),
            batch: opts.batch_rows.max(1),
            total: (users.len() + movies.len() + ds.n_ratings()) as u64,
            ds,
            user_order: byte_order(c.users.raws()),
            item_rank: {
                let order = byte_order(c.items.raws());
                let mut rank = vec![0u32; order.len()];
                for (r, &i) in order.iter().enumerate() {
                    rank[i as usize] = r as u32;
                }
                rank
            },
        };
        let mut rep = match &self.pool {
            Pool::Sqlite(p) => super::bulk_sqlite::import(p, &plan, progress).await?,
            Pool::Postgres(p) => super::bulk_pg::import(p, &plan, progress).await?,
            Pool::MySql(p) => {
                super::bulk_mysql::import(p, self.infile_url.as_deref(), &plan, progress).await?
            }
        };
        rep.users = plan.users.len() as u64;
        rep.movies = plan.movies.len() as u64;
        rep.batches = 1;
        self.snapshot_after_import(ds, &base, was_empty, gen_before)
            .await;
        rep.seconds = t.elapsed().as_secs_f64();
        Ok(rep)
    }

    /// Whether the ratings table is empty.
    async fn holds_no_rating(&self) -> Result<bool> {
        let q = "SELECT COUNT(*) FROM (SELECT 1 FROM ratings LIMIT 1) t";
        let n: i64 = with_pool!(self, pool => sqlx::query_scalar(q).fetch_one(pool).await?);
        Ok(n == 0)
    }

    /// Writes the snapshot of a committed import and drops the rating log before it (see
    /// the module docs). Failures only cost speed (the next load reads SQL): logged.
    async fn snapshot_after_import(&self, ds: &Dataset, base: &str, was_empty: bool, gen: i64) {
        if self.snapshot.is_none() {
            return;
        }
        let written = match self.generation().await {
            Ok((now, b)) if was_empty && now == gen && b == base => {
                self.write_snapshot_of(ds, base, gen).await
            }
            Ok(_) => self.compact().await,
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            tracing::warn!(error = %e, "no ratings snapshot after the import");
        }
        // Every snapshot of the new version contains these (they committed before it).
        let del = self.backend.sql("DELETE FROM rating_log WHERE gen <= ?");
        let dropped: std::result::Result<_, sqlx::Error> = with_pool!(self, pool => sqlx::query(sqlx::AssertSqlSafe(del)).bind(gen).execute(pool).await.map(drop));
        if let Err(e) = dropped {
            tracing::warn!(error = %e, "could not trim the rating log");
        }
    }
}
