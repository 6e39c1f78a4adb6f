//! # cinerec-store
//!
//! cinerec's persistent store: users (with demographics), movies (title, year, genres,
//! metadata), ratings and the model registry, in SQLite (embedded, bundled — the default),
//! PostgreSQL or MySQL/MariaDB, chosen by URL:
//!
//! | URL | backend |
//! |---|---|
//! | `sqlite://cinerec.db`, `sqlite:///abs/path.db`, `sqlite::memory:` | SQLite (file created if missing) |
//! | `postgres://user[:pw]@host:5432/db` (or `postgresql://`) | PostgreSQL |
//! | `mysql://user[:pw]@host:3306/db` (or `mariadb://`) | MySQL, MariaDB |
//!
//! - [`open`] connects and applies migrations ([`migrations`]), returning an
//!   `Arc<dyn` [`Store`]`>`; every method is async and every write is one transaction.
//! - [`import`] bulk-loads a [`cinerec_core::Dataset`] (what `cinerec import` runs) all or
//!   nothing, in one transaction with each backend's bulk path, and
//!   [`Store::load_dataset`] turns the store back into a `Dataset` for training: from the
//!   columnar ratings snapshot (`snapshot.rs`, written at import and compaction) plus the
//!   ratings written since, or through SQL when the snapshot is missing, stale or damaged.
//! - [`StoreError`] is the one error type; messages never show a URL's password.

mod dialect;
mod error;
pub mod import;
pub mod migrations;
mod snapshot;
mod sql;
mod store;
mod types;

pub use dialect::Backend;
pub use error::{redact_url, Result, StoreError};
pub use import::{import_dataset, ImportOptions, ImportReport, IMPORT_KEEP};
pub use sql::SqlStore;
pub use store::Store;
pub use types::{
    ChangeBatch, Counts, DatasetInfo, DatasetLoad, ModelRecord, MovieExtra, MovieRecord, NewModel,
    RatingChange, RatingRecord, RunEntry, StoreEvent, UserRecord, MAX_ID_LEN,
};

use std::sync::Arc;

/// The default store URL of the command-line tool.
pub const DEFAULT_URL: &str = "sqlite://cinerec.db";

/// Opens the store a URL names (see the crate docs) and brings its schema up to date.
///
/// Errors: [`StoreError::UnknownScheme`] for another scheme, [`StoreError::Connect`] (URL
/// without password) when the database cannot be reached, [`StoreError::Migration`].
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    Ok(Arc::new(SqlStore::open(url).await?))
}
