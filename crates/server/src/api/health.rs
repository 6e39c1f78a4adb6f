//! `GET /health`: liveness plus what is being served (model, counts), and whether the store
//! answers (it pings it): `degraded` while it does not — reads are then answered from
//! memory and writes refused with 503 until it is back ([`crate::harden`]); and this server
//! as a replica: its name, its position in the store's change stream and its lag
//! ([`crate::replica`]).

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

/// Server status.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// "ok", or "degraded" while the store does not answer (reads still do).
    pub status: &'static str,
    /// Whether the store answered a ping just now.
    pub store_ok: bool,
    /// Why the store is unavailable, when it is.
    pub store_error: Option<String>,
    /// Whether a model is loaded (always true once serving).
    pub model_loaded: bool,
    /// Registry version of the active model.
    pub model_version: i64,
    /// Algorithm of the active model.
    pub algorithm: String,
    /// Movies in the catalogue.
    pub movies: usize,
    /// Users in the training snapshot plus users created since.
    pub users: usize,
    /// Ratings in the training snapshot.
    pub ratings: usize,
    /// Rating changes (posts and deletes) applied live since the snapshot.
    pub live_changes: u64,
    /// Store backend.
    pub store: &'static str,
    /// This server among the replicas of its store.
    pub replica: ReplicaHealth,
}

/// This server as a replica: its name and how far it is behind the store's change stream.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplicaHealth {
    /// The replica's name (`replica_id`, else `<hostname>-<pid>`).
    pub id: String,
    /// Whether it follows the store's change stream (PostgreSQL stores only).
    pub following: bool,
    /// The last rating generation (sequence number of the change stream) applied here.
    pub position: i64,
    /// The store's rating generation now (the last one seen while the store is down).
    pub head: i64,
    /// Generations written to the store and not yet applied here (`head - position`).
    pub lag: i64,
    /// Rating changes written through other replicas applied here since start.
    pub applied_from_others: u64,
}

/// Liveness and what is being served.
#[utoipa::path(get, path = "/health", tag = "health",
    responses((status = 200, description = "Server is up (`status` says whether the store answers)", body = Health)))]
pub async fn health(State(state): State<AppState>) -> Json<Health> {
    let down = crate::harden::check_store(&state).await;
    let r = state.replica();
    if down.is_none() && r.following() {
        if let Ok(Some(head)) = state.store().change_head().await {
            r.saw_head(head);
        }
    }
    let replica = ReplicaHealth {
        id: r.id().to_string(),
        following: r.following(),
        position: r.applied(),
        head: r.head(),
        lag: (r.head() - r.applied()).max(0),
        applied_from_others: r.from_others(),
    };
    let s = state.serving();
    Json(Health {
        status: if down.is_some() { "degraded" } else { "ok" },
        store_ok: down.is_none(),
        store_error: down,
        model_loaded: true,
        model_version: s.active.version,
        algorithm: s.active.algorithm.clone(),
        movies: s.data.n_items(),
        users: s.data.n_users() + s.live.created_users(),
        ratings: s.data.n_ratings(),
        live_changes: s.live.change_count(),
        store: state.store().backend().name(),
        replica,
    })
}
