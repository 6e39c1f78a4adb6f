//! The model registry: `GET /models` (every registered model with its metrics, which one
//! is active, which are loaded) and `POST /models/{version}/activate` (load if needed, then
//! swap atomically; requests in flight finish on the previous model; on PostgreSQL every
//! other replica follows, [`crate::replica`]).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cinerec_store::StoreError;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::json;
use crate::boot;
use crate::error::{ApiPath, ApiResult};
use crate::state::AppState;

/// A registered model.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModelOut {
    /// Registry version.
    pub version: i64,
    /// Algorithm.
    pub algorithm: String,
    /// Hyper-parameters.
    #[schema(value_type = Object)]
    pub params: Value,
    /// Evaluation figures recorded at registration.
    #[schema(value_type = Option<Object>)]
    pub metrics: Option<Value>,
    /// Hash of the training data.
    pub dataset_hash: String,
    /// Registration time (seconds since the Unix epoch).
    pub created_at: i64,
    /// The active model of the registry.
    pub active: bool,
    /// The model this server answers with now.
    pub serving: bool,
    /// Loaded in this server (usable with `?model=`).
    pub loaded: bool,
}

/// The registry with metrics.
#[utoipa::path(get, path = "/models", tag = "models", responses((status = 200, body = [ModelOut])))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Response> {
    let recs = state.store().list_models().await?;
    let s = state.serving();
    let out: Vec<ModelOut> = recs
        .into_iter()
        .map(|r| ModelOut {
            serving: r.version == s.active.version,
            loaded: s.loaded.iter().any(|m| m.version == r.version),
            version: r.version,
            algorithm: r.algorithm,
            params: r.params,
            metrics: r.metrics,
            dataset_hash: r.dataset_hash,
            created_at: r.created_at,
            active: r.active,
        })
        .collect();
    Ok(json(StatusCode::OK, &out))
}

/// Result of an activation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Activated {
    /// Now-active version.
    pub version: i64,
    /// Its algorithm.
    pub algorithm: String,
    /// True when the dataset snapshot was reloaded from the store (the model was trained on
    /// newer data); live changes were carried over.
    pub reloaded_data: bool,
}

/// Makes a registered model the active one, without dropping requests.
#[utoipa::path(post, path = "/models/{version}/activate", tag = "models",
    params(("version" = i64, Path, description = "Registry version")),
    responses((status = 200, body = Activated), (status = 401), (status = 404), (status = 409, description = "Model file unusable with this data")),
    security(("api_key" = [])))]
pub async fn activate(
    State(state): State<AppState>,
    ApiPath(version): ApiPath<i64>,
) -> ApiResult<Response> {
    let rec = state
        .store()
        .get_model(version)
        .await?
        .ok_or(StoreError::ModelNotFound(version))?;
    let algorithm = rec.algorithm.clone();
    let reloaded = boot::switch(&state, rec, true).await?;
    let out = Activated {
        version,
        algorithm,
        reloaded_data: reloaded,
    };
    Ok(json(StatusCode::OK, &out))
}
