//! Replicas: any number of `cinerec serve` processes on one PostgreSQL store answer as one
//! service. Each one follows the store's change stream (`cinerec_store`'s rating log: dense
//! rating generations in commit order) into its own live overlay ([`crate::live`]):
//!
//! - **Position.** A replica remembers the last generation it applied. At start it takes
//!   the head *before* loading its training snapshot, so every change after the snapshot is
//!   read (a change both in the snapshot and read again sets the same current value).
//! - **Wake-up.** PostgreSQL NOTIFYs every rating write, activation and movie write at
//!   commit ([`Store::listen`]); the replica also reads the stream every `replica_poll_ms`
//!   and after any reconnection, so a missed notification delays a change, never loses it.
//! - **Exactly once.** It reads the generations after its position up to the head it saw,
//!   applies their current values and moves its position to that head, holding the write
//!   gate so no local write lands between the read and the apply. Its own writes (the
//!   store records each generation's origin, [`Store::set_origin`]) were applied by the
//!   handler that made them and are skipped.
//! - **Models.** An activation through any replica (NOTIFY `cinerec_models`, or the poll)
//!   makes every other one load and serve the store's active model ([`crate::boot::switch`]);
//!   model files come from the database when the registered path is not readable.
//! - **Movies.** A movie write makes it sync the catalogue at once ([`crate::catalog`]).
//! - **Users.** A request naming a user created through another replica, who has no rating
//!   yet, finds them in the store ([`adopt`]).
//!
//! SQLite and MySQL stores announce nothing: a server on them follows nothing (single server).

use cinerec_store::{ChangeBatch, Store, StoreEvent};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use crate::error::ServerError;
use crate::live::Who;
use crate::state::AppState;

/// Generations read per batch while catching up.
const BATCH_GENS: i64 = 5_000;

/// This server as a replica: its name and its position in the change stream.
#[derive(Debug)]
pub struct Replica {
    id: String,
    origin: String,
    following: AtomicBool,
    applied: AtomicI64,
    head: AtomicI64,
    from_others: AtomicU64,
}

impl Replica {
    /// A replica named `id` (empty: `<hostname>-<pid>`).
    pub fn new(id: &str) -> Self {
        let id = if id.is_empty() {
            let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_string())
                .unwrap_or_default();
            let host = if host.is_empty() {
                "cinerec".into()
            } else {
                host
            };
            format!(
                "{}-{}",
                host.chars().take(30).collect::<String>(),
                std::process::id()
            )
        } else {
            id.to_string()
        };
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        // Unique per process, so a restarted replica of the same name applies what its
        // previous life wrote after the new one's snapshot (nothing, but never skipped).
        let origin = format!("{id}/{}/{stamp}", std::process::id());
        Replica {
            id,
            origin,
            following: AtomicBool::new(false),
            applied: AtomicI64::new(0),
            head: AtomicI64::new(0),
            from_others: AtomicU64::new(0),
        }
    }

    /// The replica's name.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether it follows the store's change stream.
    pub fn following(&self) -> bool {
        self.following.load(Ordering::Acquire)
    }

    /// The last generation applied.
    pub fn applied(&self) -> i64 {
        self.applied.load(Ordering::Acquire)
    }

    /// The newest head seen.
    pub fn head(&self) -> i64 {
        self.head.load(Ordering::Acquire)
    }

    /// Rating changes written by other replicas applied here.
    pub fn from_others(&self) -> u64 {
        self.from_others.load(Ordering::Relaxed)
    }

    /// Records a head read elsewhere (e.g. by `/health`).
    pub fn saw_head(&self, head: i64) {
        self.head.fetch_max(head, Ordering::AcqRel);
    }
}

/// Prepares following, before the training snapshot is loaded: names this process in the
/// store's rating writes and takes the stream's head as the starting position. False (and
/// nothing set) when the store keeps no change stream it announces (not PostgreSQL), or
/// following is off.
pub async fn prepare(store: &dyn Store, r: &Replica, poll_ms: u64) -> Result<bool, ServerError> {
    if poll_ms == 0 || store.backend() != cinerec_store::Backend::Postgres {
        return Ok(false);
    }
    let Some(head) = store.change_head().await? else {
        return Ok(false);
    };
    store.set_origin(&r.origin);
    r.applied.store(head, Ordering::Release);
    r.head.store(head, Ordering::Release);
    r.following.store(true, Ordering::Release);
    tracing::info!(replica = %r.id, position = head, "following the store's change stream");
    Ok(true)
}

/// Follows the store until the process ends (see the module docs); no-op when not
/// [`prepare`]d.
pub async fn run(state: AppState) {
    if !state.replica().following() {
        return;
    }
    let poll = Duration::from_millis(state.config().replica_poll_ms.max(1));
    let mut events = state.store().listen();
    let mut failing = false;
    loop {
        let ev = match events.as_mut() {
            Some(rx) => match tokio::time::timeout(poll, rx.recv()).await {
                Ok(Some(ev)) => Some(ev),
                Ok(None) => {
                    events = None;
                    None
                }
                Err(_) => None,
            },
            None => {
                tokio::time::sleep(poll).await;
                None
            }
        };
        let done = match ev {
            Some(StoreEvent::Ratings(g)) if g <= state.replica().applied() => Ok(()),
            Some(StoreEvent::Ratings(_)) => catch_up(&state).await,
            Some(StoreEvent::ModelActivated(_)) => follow_model(&state).await,
            Some(StoreEvent::Movies) => crate::catalog::sync_from_store(&state).await.map(drop),
            // A reconnection or the poll: read everything that may have been missed.
            Some(StoreEvent::Resync) | None => match catch_up(&state).await {
                Ok(()) => follow_model(&state).await,
                Err(e) => Err(e),
            },
        };
        match done {
            Ok(()) if failing => {
                failing = false;
                tracing::info!("following the store again");
            }
            Ok(()) => {}
            Err(e) if !failing => {
                failing = true;
                tracing::warn!(error = %e, "following the store failed; retrying");
            }
            Err(_) => {}
        }
    }
}

/// Applies every change after the replica's position (see the module docs).
pub async fn catch_up(state: &AppState) -> Result<(), ServerError> {
    let mut synced = false;
    loop {
        let missing = {
            let _w = state.gate().write().await;
            let from = state.replica().applied();
            let Some(batch) = state.store().read_changes(from, BATCH_GENS).await? else {
                return Ok(());
            };
            state.replica().saw_head(batch.head);
            let missing = apply(state, &batch, synced).await?;
            if missing.is_none() {
                state.replica().applied.store(batch.upto, Ordering::Release);
                if batch.upto >= batch.head {
                    return Ok(());
                }
            }
            missing
        };
        if missing.is_some() {
            // A movie added through another replica the catalogue lacks yet: sync, retry.
            crate::catalog::sync_from_store(state).await?;
            synced = true;
        }
    }
}

/// Applies a batch to the overlay; stops at a movie the catalogue lacks (unless `synced`,
/// when it is skipped), moving the position before its generation and returning it.
async fn apply(
    state: &AppState,
    batch: &ChangeBatch,
    synced: bool,
) -> Result<Option<String>, ServerError> {
    let s = state.serving();
    let r = state.replica();
    for c in &batch.changes {
        if c.origin.as_deref() == Some(r.origin.as_str()) {
            continue;
        }
        let Some(item) = s.data.catalog().item(&c.movie) else {
            if synced || c.rating.is_none() {
                tracing::warn!(movie = %c.movie, gen = c.gen, "a change names a movie this replica cannot find; skipped");
                continue;
            }
            r.applied.store(c.gen - 1, Ordering::Release);
            return Ok(Some(c.movie.clone()));
        };
        let who = match s.live.who(&s.data, &c.user) {
            Some(w) => w,
            None => {
                // A user created through another replica.
                s.live.create_user(&s.data, &c.user);
                if let Some(u) = state.store().get_user(&c.user).await? {
                    join(&s, &u);
                }
                Who::Created
            }
        };
        s.live.apply(who, &c.user, &[(item, c.rating)]);
        r.from_others.fetch_add(1, Ordering::Relaxed);
    }
    Ok(None)
}

/// Makes a user created through another replica known here before a request about them is
/// answered: when following and the id is unknown locally but in the store, the user joins
/// the overlay as a created user with the store's demographics (one store read, only for ids
/// unknown here). False when the id is unknown here and (when following) in the store.
pub async fn adopt(state: &AppState, raw: &str) -> Result<bool, ServerError> {
    let s = state.serving();
    if s.live.who(&s.data, raw).is_some() {
        return Ok(true);
    }
    if !state.replica().following() {
        return Ok(false);
    }
    match state.store().get_user(raw).await? {
        Some(u) => {
            join(&s, &u);
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Adds a stored user to the overlay as a created user.
fn join(s: &crate::state::Serving, u: &cinerec_store::UserRecord) {
    s.live.create_user(&s.data, &u.id);
    let meta = crate::api::demographics::check(s.data.catalog(), u.age, &u.gender, &u.occupation)
        .ok()
        .flatten();
    s.live.set_meta(&u.id, meta);
}

/// Serves the store's active model when it is not the one served here.
pub async fn follow_model(state: &AppState) -> Result<(), ServerError> {
    let Some(rec) = state.store().active_model().await? else {
        return Ok(());
    };
    if rec.version == state.serving().active.version {
        return Ok(());
    }
    let version = rec.version;
    let reloaded = crate::boot::switch(state, rec, false).await?;
    tracing::info!(
        version,
        reloaded,
        "switched to the model activated through another replica"
    );
    Ok(())
}
