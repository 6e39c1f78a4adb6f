//! The [`Store`] trait: everything cinerec keeps in a database, as async methods on a
//! shareable (`Send + Sync`, object-safe) handle. [`crate::open`] returns one for a URL.
//!
//! Writes are atomic: every method that writes runs in one transaction, so a batch is
//! written whole or not at all.

use crate::error::Result;
use crate::import::{ImportOptions, ImportReport};
use crate::types::{
    ChangeBatch, Counts, DatasetInfo, DatasetLoad, ModelRecord, MovieRecord, NewModel,
    RatingRecord, RunEntry, StoreEvent, UserRecord,
};
use crate::Backend;
use async_trait::async_trait;
use cinerec_core::Dataset;

/// A cinerec store: users, movies, ratings and the model registry.
///
/// Object-safe (`Arc<dyn Store>`); all methods take `&self` and may run concurrently.
#[async_trait]
pub trait Store: Send + Sync {
    /// Which database this is.
    fn backend(&self) -> Backend;

    /// Applies missing schema migrations; returns the versions applied now (empty when the
    /// schema was current). [`crate::open`] already calls it.
    async fn migrate(&self) -> Result<Vec<i64>>;

    /// Highest applied migration version.
    async fn schema_version(&self) -> Result<i64>;

    /// Inserts or updates users (by id) in one transaction. `created_at` of an existing user
    /// is kept. Returns the number of records written.
    async fn upsert_users(&self, users: &[UserRecord]) -> Result<u64>;

    /// Inserts or updates movies (by id) in one transaction.
    async fn upsert_movies(&self, movies: &[MovieRecord]) -> Result<u64>;

    /// Inserts or replaces ratings (by (user, movie)) in one transaction. Every user and
    /// movie must exist; otherwise [`crate::StoreError::Constraint`] and nothing is written.
    /// A later record for the same pair in one batch wins.
    async fn upsert_ratings(&self, ratings: &[RatingRecord]) -> Result<u64>;

    /// One user.
    async fn upsert_user(&self, user: &UserRecord) -> Result<()> {
        self.upsert_users(std::slice::from_ref(user))
            .await
            .map(drop)
    }

    /// One movie.
    async fn upsert_movie(&self, movie: &MovieRecord) -> Result<()> {
        self.upsert_movies(std::slice::from_ref(movie))
            .await
            .map(drop)
    }

    /// One rating.
    async fn upsert_rating(&self, rating: &RatingRecord) -> Result<()> {
        self.upsert_ratings(std::slice::from_ref(rating))
            .await
            .map(drop)
    }

    /// Imports a whole dataset (users, movies, ratings, dataset info); what
    /// [`crate::import_dataset`] runs. [`crate::SqlStore`] does it all-or-nothing in one
    /// transaction with each backend's bulk path; this default runs
    /// [`crate::import::import_batched`] (one transaction per batch).
    async fn import(
        &self,
        ds: &Dataset,
        opts: &ImportOptions,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<ImportReport> {
        crate::import::import_batched(self, ds, opts, progress).await
    }

    /// Deletes one rating; `true` when it existed.
    async fn delete_rating(&self, user: &str, movie: &str) -> Result<bool>;

    /// A user by raw id.
    async fn get_user(&self, id: &str) -> Result<Option<UserRecord>>;

    /// A movie by raw id.
    async fn get_movie(&self, id: &str) -> Result<Option<MovieRecord>>;

    /// Every movie, in the order [`Store::load_dataset`] gives them inner ids (sorted raw ids).
    async fn list_movies(&self) -> Result<Vec<MovieRecord>>;

    /// Every user, sorted by raw id (the order [`Store::load_dataset`] gives them inner ids).
    async fn list_users(&self) -> Result<Vec<UserRecord>>;

    /// Streams every rating (in no particular order) to `sink` in batches of at most `batch`
    /// records, holding one batch at a time (export in bounded memory); `sink` returns false
    /// to stop early. Returns the number of ratings passed to it.
    async fn scan_ratings(
        &self,
        batch: usize,
        sink: &mut (dyn for<'r> FnMut(&'r [RatingRecord]) -> bool + Send),
    ) -> Result<u64>;

    /// A user's ratings, ordered by movie id (text order).
    async fn user_ratings(&self, user: &str) -> Result<Vec<RatingRecord>>;

    /// Row counts.
    async fn counts(&self) -> Result<Counts>;

    /// Records the dataset name, genre vocabulary and rating scale (one transaction).
    async fn set_dataset_info(&self, info: &DatasetInfo) -> Result<()>;

    /// The recorded dataset info (defaults when nothing was recorded).
    async fn dataset_info(&self) -> Result<DatasetInfo>;

    /// The whole store as a [`Dataset`] ("training reads from the store"): every user and
    /// movie, inner ids in sorted raw-id order (as the file loaders assign them), genre
    /// vocabulary from [`DatasetInfo`] followed by any other genre names in sorted order,
    /// and the recorded rating scale. Reads in one transaction (a consistent snapshot on
    /// PostgreSQL and MySQL; SQLite readers see one snapshot per transaction in WAL mode).
    /// [`crate::SqlStore`] reads the ratings from its columnar snapshot plus the ratings
    /// written since when it can (the same dataset as the SQL read), else through SQL.
    async fn load_dataset(&self) -> Result<Dataset>;

    /// [`Store::load_dataset`], saying whether the ratings came from the snapshot.
    async fn load_dataset_traced(&self) -> Result<(Dataset, DatasetLoad)> {
        let why = "this store keeps no snapshot".to_string();
        Ok((self.load_dataset().await?, DatasetLoad::Sql { why }))
    }

    /// [`Store::load_dataset`] through SQL only, ignoring any snapshot (the reference the
    /// snapshot path is checked against).
    async fn load_dataset_sql(&self) -> Result<Dataset> {
        self.load_dataset().await
    }

    /// Compaction: writes a fresh ratings snapshot of the store as it is now; returns its
    /// path (None when the store keeps no snapshot).
    async fn write_snapshot(&self) -> Result<Option<std::path::PathBuf>> {
        Ok(None)
    }

    /// Where the store's ratings snapshot lives, if it keeps one.
    fn snapshot_path(&self) -> Option<std::path::PathBuf> {
        None
    }

    /// Adds a model to the registry (inactive); returns it with its new version.
    async fn register_model(&self, model: &NewModel) -> Result<ModelRecord>;

    /// All registered models, by version.
    async fn list_models(&self) -> Result<Vec<ModelRecord>>;

    /// One model by version.
    async fn get_model(&self, version: i64) -> Result<Option<ModelRecord>>;

    /// Makes `version` the one active model of the whole registry, in one transaction
    /// (the previous active model, if any, is deactivated in the same transaction).
    /// [`crate::StoreError::ModelNotFound`] leaves the registry unchanged.
    async fn activate_model(&self, version: i64) -> Result<ModelRecord>;

    /// The active model, if any.
    async fn active_model(&self) -> Result<Option<ModelRecord>>;

    /// Adds a run to the experiment history (one row; an id already recorded is a
    /// [`crate::StoreError::Constraint`] and changes nothing).
    async fn record_run(&self, run: &RunEntry) -> Result<()>;

    /// Every recorded run, oldest first (by `created_at`, then id).
    async fn list_runs(&self) -> Result<Vec<RunEntry>>;

    /// One run by its exact id.
    async fn get_run(&self, id: &str) -> Result<Option<RunEntry>>;

    /// Names this process in the rating writes it makes from now on, so that it can tell its
    /// own writes in the change stream ([`Store::read_changes`]); the first name set stays.
    /// False when the store keeps no origins or a name was set already.
    fn set_origin(&self, _origin: &str) -> bool {
        false
    }

    /// The head of the change stream (the rating generation: a sequence number bumped by
    /// every rating write, in commit order); `None` when the store keeps no change stream.
    async fn change_head(&self) -> Result<Option<i64>> {
        Ok(None)
    }

    /// The ratings changed by the generations after `after` (at most `max_gens` of them),
    /// with their current values and who wrote them; complete up to the returned `upto`, from
    /// which the next read continues. `None` when the store keeps no change stream.
    async fn read_changes(&self, _after: i64, _max_gens: i64) -> Result<Option<ChangeBatch>> {
        Ok(None)
    }

    /// Events other processes announce (PostgreSQL LISTEN/NOTIFY), on a connection of its
    /// own that reconnects by itself; `None` when the store announces nothing. Must be called
    /// inside a Tokio runtime.
    fn listen(&self) -> Option<tokio::sync::mpsc::Receiver<StoreEvent>> {
        None
    }

    /// Keeps a registered model's file in the store, for processes that cannot read the
    /// registered path; false when the store keeps no model files.
    async fn put_model_file(&self, _version: i64, _bytes: &[u8]) -> Result<bool> {
        Ok(false)
    }

    /// A model file kept with [`Store::put_model_file`], if any.
    async fn get_model_file(&self, _version: i64) -> Result<Option<Vec<u8>>> {
        Ok(None)
    }

    /// Closes the connection pool (waits for checked-out connections).
    async fn close(&self);
}
