//! `GET /metrics`: Prometheus text exposition of the request metrics and the active model.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::state::AppState;

/// Request counts and latency histograms per route, and the active model version.
#[utoipa::path(get, path = "/metrics", tag = "metrics",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let s = state.serving();
    let extra = [
        (
            "cinerec_live_rating_changes",
            "Rating changes applied live since the snapshot.",
            s.live.change_count() as f64,
        ),
        (
            "cinerec_catalog_movies",
            "Movies in the catalogue.",
            s.data.n_items() as f64,
        ),
        (
            "cinerec_snapshot_ratings",
            "Ratings in the training snapshot.",
            s.data.n_ratings() as f64,
        ),
    ];
    let body = state
        .metrics()
        .render(&s.active.version.to_string(), &s.active.algorithm, &extra);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}
