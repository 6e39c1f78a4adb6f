//! `GET /health`: liveness plus what is being served (model, counts).

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::state::AppState;

/// Server status.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always "ok" when the server answers.
    pub status: &'static str,
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
}

/// Liveness and what is being served.
#[utoipa::path(get, path = "/health", tag = "health",
    responses((status = 200, description = "Server is up", body = Health)))]
pub async fn health(State(state): State<AppState>) -> Json<Health> {
    let s = state.serving();
    Json(Health {
        status: "ok",
        model_loaded: true,
        model_version: s.active.version,
        algorithm: s.active.algorithm.clone(),
        movies: s.data.n_items(),
        users: s.data.n_users() + s.live.created_users(),
        ratings: s.data.n_ratings(),
        live_changes: s.live.change_count(),
        store: state.store().backend().name(),
    })
}
