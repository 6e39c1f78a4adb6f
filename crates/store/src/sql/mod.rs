//! [`SqlStore`]: the [`Store`] implementation over sqlx for SQLite, PostgreSQL and
//! MySQL/MariaDB. This file owns connecting (URL → pool), the migration runner and the
//! trait impl, which delegates to `write.rs` (upserts, deletes; rows validated and encoded
//! in `rows.rs`), `bulk.rs` (the all-or-nothing import, one file per backend), `read.rs` (lookups,
//! counts, loading a `Dataset`), `registry.rs` (the model registry) and `runs.rs` (the
//! experiment history) and `changes.rs` (the change stream replicas follow, NOTIFY, model
//! files kept in the database).
//!
//! Each query is written once: the `with_pool!` macro expands a block once per backend
//! with `pool` bound to that backend's concrete pool type, so the same plain runtime
//! `sqlx::query` code type-checks against all three drivers.

use crate::dialect::Backend;
use crate::error::{redact_url, Result, StoreError};
use crate::import::{ImportOptions, ImportReport};
use crate::migrations::{bookkeeping_table, latest, MIGRATIONS};
use crate::store::Store;
use crate::types::{
    ChangeBatch, Counts, DatasetInfo, DatasetLoad, ModelRecord, MovieRecord, NewModel,
    RatingRecord, RunEntry, StoreEvent, UserRecord,
};
use async_trait::async_trait;
use cinerec_core::Dataset;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Row};
use std::str::FromStr;
use std::time::Duration;

/// Expands `$body` once per backend with `$p` bound to the concrete pool.
macro_rules! with_pool {
    ($store:expr, $p:ident => $body:expr) => {
        match &$store.pool {
            $crate::sql::Pool::Sqlite($p) => $body,
            $crate::sql::Pool::Postgres($p) => $body,
            $crate::sql::Pool::MySql($p) => $body,
        }
    };
}

/// Decodes the named columns of a row (any backend) into a tuple, in the order given.
macro_rules! columns {
    ($r:expr, $($col:literal),+ $(,)?) => {
        ($($r.try_get($col)?),+)
    };
}

#[macro_use]
mod rows;
#[macro_use]
mod changes;
mod bulk;
mod bulk_mysql;
mod bulk_mysql_infile;
mod bulk_pg;
mod bulk_sqlite;
#[macro_use]
mod read;
mod registry;
mod runs;
mod scan;
mod snapload;
mod write;

/// The connection pool of one backend.
#[derive(Debug, Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    MySql(MySqlPool),
}

/// A store in a SQL database (see the crate docs for URLs).
#[derive(Debug, Clone)]
pub struct SqlStore {
    pub(crate) pool: Pool,
    pub(crate) backend: Backend,
    /// Where its ratings snapshot lives (`crate::snapshot::location`), if anywhere.
    pub(crate) snapshot: Option<std::path::PathBuf>,
    /// Who this process is in the rating generations it writes (`changes.rs`), once set.
    pub(crate) origin: std::sync::OnceLock<String>,
    /// The URL notifications are listened on (PostgreSQL).
    pub(crate) listen_url: Option<changes::ListenUrl>,
    /// The URL the bulk import connects to with `LOAD DATA LOCAL INFILE` (MySQL/MariaDB).
    pub(crate) infile_url: Option<String>,
}

/// The arrival mark of users and movies written now (their `created_at`): microseconds since
/// the Unix epoch, strictly increasing within this process, so that every write of users or
/// movies is its own batch in the catalogue's arrival order (`snapload.rs`). Rows written
/// before this existed hold seconds, which sort before every mark.
pub(crate) fn arrival() -> i64 {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);
    let prev = LAST
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| {
            Some(micros.max(l + 1))
        })
        .unwrap_or(0);
    micros.max(prev + 1)
}

/// Seconds since the Unix epoch.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl SqlStore {
    /// Connects to the database a URL names and applies missing migrations.
    pub async fn open(url: &str) -> Result<SqlStore> {
        let backend = Backend::from_url(url)?;
        let connect_err = |source| StoreError::Connect {
            url: redact_url(url),
            source,
        };
        let timeout = Duration::from_secs(10);
        let pool = match backend {
            Backend::Sqlite => {
                let memory = url.contains(":memory:") || url.contains("mode=memory");
                let opts = SqliteConnectOptions::from_str(url)
                    .map_err(connect_err)?
                    .create_if_missing(true)
                    .foreign_keys(true)
                    .journal_mode(if memory {
                        SqliteJournalMode::Memory
                    } else {
                        SqliteJournalMode::Wal
                    })
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(30));
                let p = SqlitePoolOptions::new()
                    // An in-memory database exists per connection: keep exactly one.
                    .max_connections(if memory { 1 } else { 4 })
                    .min_connections(if memory { 1 } else { 0 })
                    .idle_timeout(if memory {
                        None
                    } else {
                        Some(Duration::from_secs(600))
                    })
                    .max_lifetime(if memory {
                        None
                    } else {
                        Some(Duration::from_secs(1800))
                    })
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(opts)
                    .await
                    .map_err(connect_err)?;
                Pool::Sqlite(p)
            }
            Backend::Postgres => {
                let opts = PgConnectOptions::from_str(url).map_err(connect_err)?;
                let p = PgPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(timeout)
                    .connect_with(opts)
                    .await
                    .map_err(connect_err)?;
                Pool::Postgres(p)
            }
            Backend::MySql => {
                let url = url.replacen("mariadb://", "mysql://", 1);
                let opts = MySqlConnectOptions::from_str(&url).map_err(connect_err)?;
                let p = MySqlPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(timeout)
                    .connect_with(opts)
                    .await
                    .map_err(connect_err)?;
                Pool::MySql(p)
            }
        };
        let snapshot = crate::snapshot::location(url, backend);
        let listen_url =
            (backend == Backend::Postgres).then(|| changes::ListenUrl(url.to_string()));
        let store = SqlStore {
            pool,
            backend,
            snapshot,
            origin: std::sync::OnceLock::new(),
            listen_url,
            infile_url: (backend == Backend::MySql).then(|| url.to_string()),
        };
        store.run_migrations().await?;
        Ok(store)
    }

    async fn run_migrations(&self) -> Result<Vec<i64>> {
        let b = self.backend;
        let record = b.upsert(
            "cinerec_migrations",
            &["version", "name", "applied_at"],
            &["version"],
            &[],
            1,
        );
        with_pool!(self, pool => {
            sqlx::raw_sql(bookkeeping_table(b)).execute(pool).await?;
            let found: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM cinerec_migrations")
                .fetch_one(pool)
                .await?
                .try_get(0)?;
            if found > latest() {
                return Err(StoreError::SchemaTooNew { found, known: latest() });
            }
            let rows = sqlx::query("SELECT version FROM cinerec_migrations").fetch_all(pool).await?;
            let mut applied = Vec::with_capacity(rows.len());
            for r in &rows {
                applied.push(r.try_get::<i64, _>(0)?);
            }
            let mut done = Vec::new();
            for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
                let fail = |source| StoreError::Migration { version: m.version, name: m.name.into(), source };
                let mut tx = pool.begin().await?;
                for s in m.statements(b) {
                    sqlx::raw_sql(*s).execute(&mut *tx).await.map_err(fail)?;
                }
                sqlx::query(AssertSqlSafe(record.clone()))
                    .bind(m.version)
                    .bind(m.name)
                    .bind(now())
                    .execute(&mut *tx)
                    .await
                    .map_err(fail)?;
                tx.commit().await.map_err(fail)?;
                done.push(m.version);
            }
            Ok(done)
        })
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }
    async fn migrate(&self) -> Result<Vec<i64>> {
        self.run_migrations().await
    }
    async fn schema_version(&self) -> Result<i64> {
        with_pool!(self, pool => {
            let v: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM cinerec_migrations")
                .fetch_one(pool)
                .await?
                .try_get(0)?;
            Ok(v)
        })
    }
    async fn upsert_users(&self, users: &[UserRecord]) -> Result<u64> {
        self.write_users(users).await
    }
    async fn upsert_movies(&self, movies: &[MovieRecord]) -> Result<u64> {
        self.write_movies(movies).await
    }
    async fn upsert_ratings(&self, ratings: &[RatingRecord]) -> Result<u64> {
        self.write_ratings(ratings).await
    }
    async fn import(
        &self,
        ds: &Dataset,
        opts: &ImportOptions,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> Result<ImportReport> {
        self.bulk_import(ds, opts, progress).await
    }
    async fn delete_rating(&self, user: &str, movie: &str) -> Result<bool> {
        self.remove_rating(user, movie).await
    }
    async fn get_user(&self, id: &str) -> Result<Option<UserRecord>> {
        self.read_user(id).await
    }
    async fn get_movie(&self, id: &str) -> Result<Option<MovieRecord>> {
        self.read_movie(id).await
    }
    async fn list_movies(&self) -> Result<Vec<MovieRecord>> {
        self.read_movies().await
    }
    async fn list_users(&self) -> Result<Vec<UserRecord>> {
        self.read_users().await
    }
    async fn scan_ratings(
        &self,
        batch: usize,
        sink: &mut (dyn for<'r> FnMut(&'r [RatingRecord]) -> bool + Send),
    ) -> Result<u64> {
        self.stream_ratings(batch, sink).await
    }
    async fn user_ratings(&self, user: &str) -> Result<Vec<RatingRecord>> {
        self.read_user_ratings(user).await
    }
    async fn counts(&self) -> Result<Counts> {
        self.read_counts().await
    }
    async fn set_dataset_info(&self, info: &DatasetInfo) -> Result<()> {
        self.write_dataset_info(info).await
    }
    async fn dataset_info(&self) -> Result<DatasetInfo> {
        self.read_dataset_info().await
    }
    async fn load_dataset(&self) -> Result<Dataset> {
        Ok(self.load_and_keep().await?.0)
    }
    async fn load_dataset_traced(&self) -> Result<(Dataset, DatasetLoad)> {
        self.load_and_keep().await
    }
    async fn load_dataset_sql(&self) -> Result<Dataset> {
        Ok(self.load(false).await?.data)
    }
    async fn write_snapshot(&self) -> Result<Option<std::path::PathBuf>> {
        self.compact().await
    }
    fn snapshot_path(&self) -> Option<std::path::PathBuf> {
        self.snapshot.clone()
    }
    async fn register_model(&self, model: &NewModel) -> Result<ModelRecord> {
        self.insert_model(model).await
    }
    async fn list_models(&self) -> Result<Vec<ModelRecord>> {
        self.read_models(None).await
    }
    async fn get_model(&self, version: i64) -> Result<Option<ModelRecord>> {
        Ok(self.read_models(Some(version)).await?.into_iter().next())
    }
    async fn activate_model(&self, version: i64) -> Result<ModelRecord> {
        self.activate(version).await
    }
    async fn active_model(&self) -> Result<Option<ModelRecord>> {
        self.read_active().await
    }
    async fn record_run(&self, run: &RunEntry) -> Result<()> {
        self.insert_run(run).await
    }
    async fn list_runs(&self) -> Result<Vec<RunEntry>> {
        self.read_runs(None).await
    }
    async fn get_run(&self, id: &str) -> Result<Option<RunEntry>> {
        Ok(self.read_runs(Some(id)).await?.into_iter().next())
    }
    fn set_origin(&self, origin: &str) -> bool {
        SqlStore::set_origin(self, origin)
    }
    async fn change_head(&self) -> Result<Option<i64>> {
        Ok(Some(SqlStore::change_head(self).await?))
    }
    async fn read_changes(&self, after: i64, max_gens: i64) -> Result<Option<ChangeBatch>> {
        Ok(Some(SqlStore::read_changes(self, after, max_gens).await?))
    }
    fn listen(&self) -> Option<tokio::sync::mpsc::Receiver<StoreEvent>> {
        SqlStore::listen(self)
    }
    async fn put_model_file(&self, version: i64, bytes: &[u8]) -> Result<bool> {
        self.write_model_file(version, bytes).await.map(|()| true)
    }
    async fn get_model_file(&self, version: i64) -> Result<Option<Vec<u8>>> {
        self.read_model_file(version).await
    }
    async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }
}
