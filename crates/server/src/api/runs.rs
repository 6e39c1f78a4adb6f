//! The experiment history: `GET /runs` — every run recorded in the server's store (what
//! `cinerec train`, `eval` and `pipeline run` record when given that store) and in the runs
//! folder (`runs_dir`, where they record without one), oldest first, for the UI's runs page
//! (metric chart over runs, compare view).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::json;
use crate::error::ApiResult;
use crate::state::AppState;

/// One recorded run.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunOut {
    /// Run id (`YYYYMMDD-HHMMSS-mmm-xxxxxx`, sorts by time).
    pub id: String,
    /// `train`, `eval` or `pipeline`.
    pub kind: String,
    /// Registry name of the algorithm.
    pub algorithm: String,
    /// Parameters as the model reported them.
    #[schema(value_type = Object)]
    pub params: Value,
    /// Dataset name.
    pub dataset: String,
    /// Content hash of the dataset.
    pub dataset_hash: String,
    /// Start (seconds since the Unix epoch).
    pub started_unix: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Metrics and timings.
    #[schema(value_type = Object)]
    pub metrics: Value,
    /// The evaluation's split and settings, for runs that evaluated.
    #[schema(value_type = Option<Object>)]
    pub eval: Option<Value>,
    /// Where it ran.
    #[schema(value_type = Object)]
    pub machine: Value,
    /// cinerec version of the run.
    pub code_version: String,
    /// The pipeline stage or model file.
    pub note: Option<String>,
}

/// Every recorded run, in the store and the runs folder, oldest first (an empty list when
/// nothing was recorded yet).
#[utoipa::path(get, path = "/runs", tag = "runs", responses((status = 200, body = [RunOut])))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Response> {
    let dir = state.config().runs_dir.clone();
    let mut recs = tokio::task::spawn_blocking(move || {
        cinerec_engine::runs::list_folder(std::path::Path::new(&dir))
    })
    .await??;
    for r in cinerec_engine::runs::list_store(state.store().as_ref()).await? {
        if !recs.iter().any(|x| x.id == r.id) {
            recs.push(r);
        }
    }
    recs.sort_by(|a, b| a.id.cmp(&b.id));
    let out: Vec<RunOut> = recs
        .into_iter()
        .map(|r| RunOut {
            id: r.id,
            kind: r.kind,
            algorithm: r.algorithm,
            params: r.params,
            dataset: r.data.name,
            dataset_hash: r.data.hash,
            started_unix: r.started_unix,
            seconds: r.seconds,
            metrics: Value::Object(r.metrics),
            eval: r.eval.and_then(|e| serde_json::to_value(e).ok()),
            machine: serde_json::to_value(r.machine).unwrap_or_default(),
            code_version: r.code_version,
            note: r.note,
        })
        .collect();
    Ok(json(StatusCode::OK, &out))
}
