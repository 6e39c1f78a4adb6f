//! The change stream replicas follow, and the model files they share.
//!
//! The stream is the rating log (`rating_log`, migration 3): every transaction that writes
//! or deletes ratings takes the next rating generation under a row lock (`write.rs`), so
//! generations are dense sequence numbers in commit order (a rolled-back one is reused by
//! the next writer). A reader that remembers the last generation it applied reads the
//! changes after it up to the head it saw, and continues from there: no gap, no double, and
//! a reader that was away (restart, lost connection) catches up the same way. The process
//! that wrote a generation is kept in `rating_origin` (migration 4) when it named itself
//! ([`SqlStore::set_origin`]), so a replica skips its own writes, which it applied already.
//!
//! On PostgreSQL the writing transaction also NOTIFYs (delivered at commit): channel
//! `cinerec_ratings` with the generation, `cinerec_models` with an activated version,
//! `cinerec_movies` when movies change. [`SqlStore::listen`] turns them into
//! [`StoreEvent`]s on a dedicated connection that reconnects by itself and says
//! [`StoreEvent::Resync`] whenever notifications may have been missed. The other backends
//! have no NOTIFY: their stream can still be read by polling.
//!
//! Model files: `model_files` (migration 4) keeps a registered model's file by version, so
//! every replica can load a model another one trained.

use super::SqlStore;
use crate::dialect::Backend;
use crate::error::Result;
use crate::types::{ChangeBatch, RatingChange, StoreEvent};
use sqlx::postgres::{PgListener, PgPoolOptions};
use sqlx::{AssertSqlSafe, Row};
use std::time::Duration;
use tokio::sync::mpsc;

/// NOTIFY channel of rating writes (payload: the generation).
pub(crate) const RATINGS_CHANNEL: &str = "cinerec_ratings";
/// NOTIFY channel of model activations (payload: the version).
pub(crate) const MODELS_CHANNEL: &str = "cinerec_models";
/// NOTIFY channel of movie writes.
pub(crate) const MOVIES_CHANNEL: &str = "cinerec_movies";

/// Sends a NOTIFY on `$chan` with `$payload` inside the transaction `$conn` (PostgreSQL
/// only; delivered when it commits).
macro_rules! notify {
    ($conn:expr, $b:expr, $chan:expr, $payload:expr) => {{
        if $b == $crate::dialect::Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind($chan)
                .bind($payload)
                .execute(&mut *$conn)
                .await?;
        }
    }};
}

/// How long the listener waits before connecting again after a failure.
const RECONNECT_AFTER: Duration = Duration::from_millis(500);

/// The URL the listener connects with (kept out of `Debug`: it may hold a password).
#[derive(Clone)]
pub(crate) struct ListenUrl(pub String);

impl std::fmt::Debug for ListenUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::error::redact_url(&self.0))
    }
}

impl SqlStore {
    /// Names this process in the rating generations it writes from now on (at most 64
    /// characters; the first name set stays).
    pub fn set_origin(&self, origin: &str) -> bool {
        let o: String = origin.chars().take(64).collect();
        self.origin.set(o).is_ok()
    }

    /// The head of the change stream: the current rating generation.
    pub(crate) async fn change_head(&self) -> Result<i64> {
        Ok(self.generation().await?.0)
    }

    /// The changes of generations after `after`, at most `max_gens` of them (see the
    /// module docs): complete up to [`ChangeBatch::upto`].
    pub(crate) async fn read_changes(&self, after: i64, max_gens: i64) -> Result<ChangeBatch> {
        let head = self.change_head().await?;
        let upto = head.min(after.saturating_add(max_gens.max(1)));
        if upto <= after {
            return Ok(ChangeBatch {
                head,
                upto: after,
                changes: Vec::new(),
            });
        }
        // Every generation <= head had committed (or rolled back) when head was read, so
        // this later statement sees all of them.
        let sql = self.backend.sql(
            "SELECT l.gen, l.user_id, l.movie_id, r.rating, o.origin FROM rating_log l \
             LEFT JOIN ratings r ON r.user_id = l.user_id AND r.movie_id = l.movie_id \
             LEFT JOIN rating_origin o ON o.gen = l.gen \
             WHERE l.gen > ? AND l.gen <= ? ORDER BY l.gen",
        );
        let changes = with_pool!(self, pool => {
            let mut out = Vec::new();
            for r in sqlx::query(AssertSqlSafe(sql)).bind(after).bind(upto).fetch_all(pool).await? {
                let rating: Option<f64> = r.try_get(3)?;
                out.push(RatingChange {
                    gen: r.try_get(0)?,
                    user: r.try_get(1)?,
                    movie: r.try_get(2)?,
                    rating: rating.map(|v| v as f32),
                    origin: r.try_get(4)?,
                });
            }
            out
        });
        Ok(ChangeBatch {
            head,
            upto,
            changes,
        })
    }

    /// Keeps a registered model's file in the database (replacing any kept before).
    pub(crate) async fn write_model_file(&self, version: i64, bytes: &[u8]) -> Result<()> {
        let b = self.backend;
        let del = b.sql("DELETE FROM model_files WHERE version = ?");
        let ins = b.sql("INSERT INTO model_files (version, bytes) VALUES (?, ?)");
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(AssertSqlSafe(del)).bind(version).execute(&mut *tx).await?;
            sqlx::query(AssertSqlSafe(ins)).bind(version).bind(bytes).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// A model file kept in the database, if any.
    pub(crate) async fn read_model_file(&self, version: i64) -> Result<Option<Vec<u8>>> {
        let sql = self
            .backend
            .sql("SELECT bytes FROM model_files WHERE version = ?");
        let bytes: Option<Vec<u8>> = with_pool!(self, pool => {
            sqlx::query_scalar(AssertSqlSafe(sql)).bind(version).fetch_optional(pool).await?
        });
        Ok(bytes)
    }

    /// Events announced by other processes (PostgreSQL; `None` for the other backends).
    /// A background task owns the listening connection; it ends when the receiver is dropped.
    pub(crate) fn listen(&self) -> Option<mpsc::Receiver<StoreEvent>> {
        if self.backend != Backend::Postgres {
            return None;
        }
        let url = self.listen_url.clone()?;
        let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(listen_loop(url, tx));
        Some(rx)
    }
}

/// Connects, LISTENs and forwards notifications until the receiver goes away; after any
/// failure waits [`RECONNECT_AFTER`], connects again and sends [`StoreEvent::Resync`].
async fn listen_loop(url: ListenUrl, tx: mpsc::Sender<StoreEvent>) {
    loop {
        match listen_once(&url, &tx).await {
            Ok(()) => return,
            Err(e) => tracing::warn!(error = %e, "store notifications lost; reconnecting"),
        }
        if tx.is_closed() {
            return;
        }
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}

/// One listening connection: `Ok` when the receiver was dropped, `Err` when the connection
/// failed.
async fn listen_once(url: &ListenUrl, tx: &mpsc::Sender<StoreEvent>) -> Result<()> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .max_lifetime(None)
        .idle_timeout(None)
        .connect(&url.0)
        .await?;
    let mut l = PgListener::connect_with(&pool).await?;
    l.listen_all([RATINGS_CHANNEL, MODELS_CHANNEL, MOVIES_CHANNEL])
        .await?;
    // Anything before this point may have been missed.
    if tx.send(StoreEvent::Resync).await.is_err() {
        return Ok(());
    }
    loop {
        let ev = match l.try_recv().await? {
            None => StoreEvent::Resync,
            Some(n) => {
                let num = n.payload().parse::<i64>().unwrap_or(0);
                match n.channel() {
                    RATINGS_CHANNEL => StoreEvent::Ratings(num),
                    MODELS_CHANNEL => StoreEvent::ModelActivated(num),
                    _ => StoreEvent::Movies,
                }
            }
        };
        if tx.send(ev).await.is_err() {
            return Ok(());
        }
    }
}
