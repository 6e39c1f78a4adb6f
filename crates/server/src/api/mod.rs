//! The HTTP surface: one handler module per resource (health, movies, predict, recommend,
//! users, ratings, models, metrics, docs), the router that mounts them with their
//! middleware (metrics + request log, CORS, body limit, API key on writes), and the shared
//! response types.

pub mod docs;
pub mod health;
pub mod metrics;
pub mod models;
pub mod movies;
pub mod predict;
pub mod ratings;
pub mod recommend;
pub mod users;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use serde::Serialize;
use std::sync::Arc;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};
use utoipa::ToSchema;

use crate::error::ServerError;
use crate::index::MovieInfo;
use crate::metrics::Metrics;
use crate::state::AppState;

/// Every `(method, route)` the router serves, for the metrics table.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/health"),
    ("GET", "/movies"),
    ("GET", "/movies/{id}"),
    ("GET", "/movies/{id}/similar"),
    ("GET", "/popular"),
    ("GET", "/predict/{user_id}/{movie}"),
    ("GET", "/recommend/{user_id}"),
    ("POST", "/recommend"),
    ("POST", "/users"),
    ("GET", "/users/{id}/ratings"),
    ("POST", "/ratings"),
    ("DELETE", "/ratings/{user}/{movie}"),
    ("GET", "/models"),
    ("POST", "/models/{version}/activate"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
];

/// A movie as every endpoint shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MovieOut<'a> {
    /// Raw movie id.
    pub id: &'a str,
    /// "Title (Year)".
    pub title: &'a str,
    /// Release year.
    pub year: Option<u16>,
    /// Genre names.
    pub genres: &'a [String],
}

impl<'a> From<&'a MovieInfo> for MovieOut<'a> {
    fn from(m: &'a MovieInfo) -> Self {
        MovieOut {
            id: &m.id,
            title: &m.title,
            year: m.year,
            genres: &m.genres,
        }
    }
}

/// An id in a JSON body: a string, or an integer (`"user": 1` and `"user": "1"` are the same).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiId(pub String);

impl<'de> serde::Deserialize<'de> for ApiId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            I(i64),
        }
        match Raw::deserialize(d) {
            Ok(Raw::S(s)) if !s.trim().is_empty() => Ok(ApiId(s.trim().to_string())),
            Ok(Raw::I(i)) => Ok(ApiId(i.to_string())),
            _ => Err(serde::de::Error::custom(
                "expected a non-empty string or an integer id",
            )),
        }
    }
}

/// Serialises `v` as a JSON response (used where the body borrows from the state).
pub fn json<T: Serialize>(status: StatusCode, v: &T) -> Response {
    match serde_json::to_vec(v) {
        Ok(b) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            b,
        )
            .into_response(),
        Err(e) => ServerError::Internal(e.to_string()).into_response(),
    }
}

/// Checks a count parameter: default when absent, 400 when 0 or above the configured cap.
pub fn count(
    name: &str,
    v: Option<usize>,
    default: usize,
    max: usize,
) -> Result<usize, ServerError> {
    match v {
        None => Ok(default.min(max)),
        Some(0) => Err(ServerError::BadParam(format!("{name} must be at least 1"))),
        Some(n) if n > max => Err(ServerError::BadParam(format!(
            "{name} must be at most {max}"
        ))),
        Some(n) => Ok(n),
    }
}

/// Genre name → index, 400 listing the known genres otherwise.
pub fn genre(data: &cinerec_core::Dataset, name: Option<&str>) -> Result<Option<u16>, ServerError> {
    let Some(name) = name else { return Ok(None) };
    let cat = data.catalog();
    cat.genre_index(name).map(Some).ok_or_else(|| {
        ServerError::BadParam(format!(
            "unknown genre `{name}`; known: {}",
            cat.genre_names.join(", ")
        ))
    })
}

async fn require_key(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(key) = state.config().api_key.as_deref() {
        let h = req.headers();
        let given = h
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .or_else(|| {
                h.get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
            });
        if !given.is_some_and(|g| constant_time_eq(g.as_bytes(), key.as_bytes())) {
            return ServerError::Unauthorized.into_response();
        }
    }
    next.run(req).await
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn fallback() -> ServerError {
    ServerError::NotFound("no such endpoint; see /docs".into())
}

fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let layer = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            "x-api-key".parse().ok()?,
        ]);
    Some(if origins.iter().any(|o| o == "*") {
        layer.allow_origin(Any)
    } else {
        let list: Vec<HeaderValue> = origins.iter().filter_map(|o| o.parse().ok()).collect();
        layer.allow_origin(AllowOrigin::list(list))
    })
}

/// The full application: routes, docs, middleware.
pub fn router(state: AppState) -> Router {
    let cfg = state.config().clone();
    let metrics: Arc<Metrics> = state.metrics().clone();
    let writes = Router::new()
        .route("/users", post(users::create))
        .route("/ratings", post(ratings::post))
        .route("/ratings/{user}/{movie}", delete(ratings::delete))
        .route("/models/{version}/activate", post(models::activate))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_key));
    let reads = Router::new()
        .route("/health", get(health::health))
        .route("/movies", get(movies::list))
        .route("/movies/{id}", get(movies::get_one))
        .route("/movies/{id}/similar", get(movies::similar))
        .route("/popular", get(movies::popular))
        .route("/predict/{user_id}/{movie}", get(predict::predict))
        .route("/recommend/{user_id}", get(recommend::for_user))
        .route("/recommend", post(recommend::anonymous))
        .route("/users/{id}/ratings", get(users::ratings))
        .route("/models", get(models::list))
        .route("/metrics", get(metrics::metrics));
    let mut app = Router::new()
        .merge(reads)
        .merge(writes)
        .merge(docs::routes())
        .merge(crate::ui::routes())
        .fallback(fallback)
        .with_state(state)
        .layer(DefaultBodyLimit::max(cfg.body_limit))
        .layer(middleware::from_fn_with_state(
            metrics,
            crate::metrics::track,
        ));
    if let Some(c) = cors(&cfg.cors_origins) {
        app = app.layer(c);
    }
    app
}
