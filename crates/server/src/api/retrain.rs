//! `GET /retrain`: guarded background retraining as the dashboard shows it — the settings,
//! whether an attempt is running, the rating changes counted toward the next one, and the
//! latest decisions with both scores and the timings ([`crate::retrain`]).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::json;
use crate::error::ApiResult;
use crate::retrain::status::Decision;
use crate::state::AppState;

/// Retraining settings and state.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetrainOut {
    /// Whether a trigger is configured (`--retrain-after` or `--retrain-every`).
    pub enabled: bool,
    /// Rating changes that trigger an attempt (0 = no count trigger).
    pub after: u64,
    /// Timer interval as configured (e.g. `30m`), if any.
    pub every: Option<String>,
    /// Timer interval in seconds, if any.
    pub every_seconds: Option<u64>,
    /// Algorithm retrained (`null`: the active model's algorithm with its parameters).
    pub model: Option<String>,
    /// Its hyper-parameters, if configured.
    #[schema(value_type = Option<Object>)]
    pub params: Option<Value>,
    /// Threads of the background fit.
    pub threads: usize,
    /// Relative tolerance of the guard.
    pub margin: f64,
    /// Held-back slice: a share of the new ratings (below 1) or a count.
    pub holdout: f64,
    /// Start of the attempt in progress (seconds since the Unix epoch), if one is running.
    pub running_since: Option<u64>,
    /// Rating changes counted toward the next `after` trigger.
    pub pending_changes: u64,
    /// When the timer fires next (seconds since the Unix epoch).
    pub next_due_unix: Option<u64>,
    /// Latest attempts, newest first (the registry keeps every candidate).
    pub decisions: Vec<Decision>,
}

/// Background retraining: settings, state and the latest decisions.
#[utoipa::path(get, path = "/retrain", tag = "models",
    responses((status = 200, description = "Settings, state and latest decisions (`enabled: false` when no trigger is configured)", body = RetrainOut)))]
pub async fn status(State(state): State<AppState>) -> ApiResult<Response> {
    let c = &state.config().retrain;
    let s = state.retrain_status().snapshot();
    let out = RetrainOut {
        enabled: c.enabled(),
        after: c.after,
        every: c.every.clone(),
        every_seconds: c.interval().map(|d| d.as_secs()),
        model: c.model.clone(),
        params: c.params.clone(),
        threads: c.threads,
        margin: c.margin,
        holdout: c.holdout,
        running_since: s.running_since,
        pending_changes: s.pending,
        next_due_unix: s.next_due_unix,
        decisions: s.decisions,
    };
    Ok(json(StatusCode::OK, &out))
}
