//! Bulk import of a [`Dataset`] into any [`Store`] (what `cinerec import` runs), and the
//! conversions from a dataset's catalogue to store records.
//!
//! The dataset is fully parsed before this runs (a malformed file stops in the loader and
//! the store is never touched), and every record is validated before the first write.
//! [`import_dataset`] runs [`Store::import`]: for [`crate::SqlStore`] that is the
//! all-or-nothing bulk path of each backend (one transaction; see `sql/bulk.rs`): readers
//! see the store before the import or after it, never a part, and an import that fails or
//! is killed leaves the previous state. Other [`Store`] implementations get
//! [`import_batched`] (one transaction per batch). Every write is an upsert, so re-running
//! an import leaves exactly one row per key.

use crate::error::Result;
use crate::store::Store;
use crate::types::{DatasetInfo, MovieExtra, MovieRecord, RatingRecord, UserRecord};
use cinerec_core::Dataset;
use serde::Serialize;
use std::time::Instant;

/// What an import reads of a dataset's rating matrix: ratings by user with their times, not
/// the by-item positions (4 bytes a rating less to hold: 128 MB at 32M ratings). A caller
/// that loads a file only to import it loads it keeping just this.
pub const IMPORT_KEEP: cinerec_core::Keep = cinerec_core::Keep {
    times: true,
    item_positions: false,
};

/// How to import.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    /// Rows per write step: ratings per multi-row statement (SQLite, MySQL; capped by the
    /// backend's bound-parameter limit) or per `COPY` chunk (PostgreSQL), and the progress
    /// granularity. [`import_batched`]: rows per transaction.
    pub batch_rows: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions { batch_rows: 5000 }
    }
}

/// What an import wrote.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    /// Users written.
    pub users: u64,
    /// Movies written.
    pub movies: u64,
    /// Ratings written.
    pub ratings: u64,
    /// Transactions committed (1 for the all-or-nothing bulk path).
    pub batches: u64,
    /// Wall time.
    pub seconds: f64,
}

/// One record per catalogue entry, made from its raw id and its metadata (the default where
/// the catalogue has none).
fn records<M: Clone + Default, R>(
    ids: &[String],
    meta: &[M],
    make: impl Fn(String, M) -> R,
) -> Vec<R> {
    ids.iter()
        .enumerate()
        .map(|(k, id)| make(id.clone(), meta.get(k).cloned().unwrap_or_default()))
        .collect()
}

/// Every user of the dataset's catalogue, with demographics.
pub fn users_of(ds: &Dataset) -> Vec<UserRecord> {
    let c = ds.catalog();
    records(c.users.raws(), &c.user_meta, |id, m| UserRecord {
        id,
        age: m.age,
        gender: m.gender,
        occupation: m.occupation,
        zip: m.zip,
    })
}

/// Every movie of the dataset's catalogue, genres as names.
pub fn movies_of(ds: &Dataset) -> Vec<MovieRecord> {
    let c = ds.catalog();
    records(c.items.raws(), &c.item_meta, |id, m| MovieRecord {
        id,
        title: m.title,
        year: m.year,
        genres: m
            .genres
            .iter()
            .filter_map(|&g| c.genre_names.get(g as usize).cloned())
            .collect(),
        extra: MovieExtra {
            tags: m.tags,
            relations: m.relations,
            links: m.links,
        },
    })
}

/// The dataset's name, genre vocabulary and rating scale.
pub fn info_of(ds: &Dataset) -> DatasetInfo {
    let (lo, hi) = ds.rating_scale();
    DatasetInfo {
        name: ds.name.clone(),
        genre_names: ds.catalog().genre_names.clone(),
        rating_scale: Some((lo, hi)),
    }
}

/// Imports `ds` into `store` with [`Store::import`]; `progress(done, total)` is called after
/// every write step with rows sent so far and rows in all (users + movies + ratings).
pub async fn import_dataset(
    store: &dyn Store,
    ds: &Dataset,
    opts: &ImportOptions,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<ImportReport> {
    store.import(ds, opts, progress).await
}

/// The generic import, for any [`Store`]: batches of [`ImportOptions::batch_rows`] rows, one
/// transaction per batch (users, then movies, then ratings, then the dataset info). Not
/// all-or-nothing: a failure leaves the committed batches, and re-running completes it.
pub async fn import_batched<S: Store + ?Sized>(
    store: &S,
    ds: &Dataset,
    opts: &ImportOptions,
    progress: &(dyn Fn(u64, u64) + Send + Sync),
) -> Result<ImportReport> {
    let t = Instant::now();
    let batch = opts.batch_rows.max(1);
    let users = users_of(ds);
    let movies = movies_of(ds);
    let total = (users.len() + movies.len() + ds.n_ratings()) as u64;
    let mut rep = ImportReport::default();
    let mut done = 0u64;
    for chunk in users.chunks(batch) {
        rep.users += store.upsert_users(chunk).await?;
        rep.batches += 1;
        done += chunk.len() as u64;
        progress(done, total);
    }
    for chunk in movies.chunks(batch) {
        rep.movies += store.upsert_movies(chunk).await?;
        rep.batches += 1;
        done += chunk.len() as u64;
        progress(done, total);
    }
    let c = ds.catalog();
    let mut buf: Vec<RatingRecord> = Vec::with_capacity(batch);
    let mut ratings = ds.matrix().iter().peekable();
    while ratings.peek().is_some() {
        buf.clear();
        buf.extend(ratings.by_ref().take(batch).map(|r| RatingRecord {
            user: c.users.raw(r.user.0).to_string(),
            movie: c.items.raw(r.item.0).to_string(),
            rating: r.value,
            timestamp: i64::from(r.time),
        }));
        rep.ratings += store.upsert_ratings(&buf).await?;
        rep.batches += 1;
        done += buf.len() as u64;
        progress(done, total);
    }
    store.set_dataset_info(&info_of(ds)).await?;
    rep.batches += 1;
    rep.seconds = t.elapsed().as_secs_f64();
    Ok(rep)
}
