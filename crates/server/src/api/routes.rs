//! The route table: every endpoint written once, as `access METHOD "path" => handler`. The
//! one [`route_table!`] invocation below gives
//! - [`ROUTES`], what the router serves (mounted by [`router`]) and what the request
//!   metrics are kept for;
//! - [`TablePaths`], the OpenAPI paths of those handlers, merged into the document by
//!   [`super::docs`] (the handlers' `#[utoipa::path]` attributes describe them; a test checks
//!   that the document has exactly the table's methods and paths).
//!
//! Also here: the middleware the router wraps the table in (request metrics and log, CORS,
//! body limit, the API key on [`Access::Write`] routes, and [`crate::harden`]'s rate limit
//! on writes and timeouts on every route) and the JSON 404 fallback.

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{on, MethodFilter};
use axum::Router;
use std::sync::Arc;
use tower_http::cors::{AllowOrigin, Any, CorsLayer};

use super::{
    docs, health, metrics, models, movie_admin, movies, predict, ratings, recommend, retrain, runs,
    stats, users,
};
use crate::error::ServerError;
use crate::metrics::Metrics;
use crate::state::AppState;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone.
    Read,
    /// Callers with the API key, when one is configured.
    Write,
}

/// One endpoint: served, listed in the metrics and documented.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path pattern as axum and OpenAPI write it (`/movies/{id}`).
    pub path: &'static str,
    /// Whether the API key is required.
    pub access: Access,
    /// Adds the handler to a router.
    mount: fn(Router<AppState>) -> Router<AppState>,
}

/// Expands the table into [`ROUTES`] and [`TablePaths`].
macro_rules! route_table {
    ($($access:ident $method:ident $path:literal => $module:ident :: $handler:ident,)*) => {
        /// Every endpoint of the API, in the order of the metrics table.
        pub const ROUTES: &[Route] = &[$(Route {
            method: stringify!($method),
            path: $path,
            access: Access::$access,
            mount: |r| r.route($path, on(MethodFilter::$method, $module::$handler)),
        },)*];

        /// The OpenAPI paths of every handler in [`ROUTES`].
        #[derive(utoipa::OpenApi)]
        #[openapi(paths($($module::$handler),*))]
        pub struct TablePaths;
    };
}

route_table! {
    Read GET "/health" => health::health,
    Read GET "/movies" => movies::list,
    Read GET "/movies/{id}" => movies::get_one,
    Read GET "/movies/{id}/similar" => movies::similar,
    Write POST "/movies" => movie_admin::create,
    Write PATCH "/movies/{id}" => movie_admin::patch,
    Read GET "/popular" => movies::popular,
    Read GET "/predict/{user_id}/{movie}" => predict::predict,
    Read GET "/recommend/{user_id}" => recommend::for_user,
    Read POST "/recommend" => recommend::anonymous,
    Write POST "/users" => users::create,
    Read GET "/users/{id}/ratings" => users::ratings,
    Write POST "/ratings" => ratings::post,
    Write DELETE "/ratings/{user}/{movie}" => ratings::delete,
    Read GET "/models" => models::list,
    Write POST "/models/{version}/activate" => models::activate,
    Read GET "/retrain" => retrain::status,
    Read GET "/runs" => runs::list,
    Read GET "/metrics" => metrics::metrics,
    Read GET "/openapi.json" => docs::openapi_json,
    Read GET "/ui/api/stats" => stats::stats,
    Read GET "/ui/api/movies/{id}/ratings" => stats::movie_ratings,
}

/// Answers 401 to a write without the configured API key (`x-api-key` or a bearer token).
/// Only a request for a write route of the table is checked: another method on a write
/// route's path passes through, so the router answers it (405) rather than this layer (401).
async fn require_key(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    let method = req.method().as_str();
    let writes = ROUTES
        .iter()
        .any(|r| r.access == Access::Write && Some(r.path) == path && r.method == method);
    if let Some(key) = state.config().api_key.as_deref().filter(|_| writes) {
        let h = req.headers();
        let given = h
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .or_else(|| {
                h.get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
            });
        if !given.is_some_and(|g| keys_match(g.as_bytes(), key.as_bytes())) {
            return ServerError::Unauthorized.into_response();
        }
    }
    next.run(req).await
}

/// Compares a given key with the configured one in time that does not depend on where they
/// differ (`subtle`'s constant-time equality; a length mismatch is answered at once, which
/// tells only the key's length).
fn keys_match(given: &[u8], key: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    given.ct_eq(key).into()
}

async fn fallback() -> ServerError {
    ServerError::NotFound("no such endpoint; see /docs".into())
}

fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let layer = CorsLayer::new()
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
        ])
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

/// The routes of [`ROUTES`] with the given access.
fn mounted(access: Access) -> Router<AppState> {
    ROUTES
        .iter()
        .filter(|r| r.access == access)
        .fold(Router::new(), |router, r| (r.mount)(router))
}

/// The full application: the route table, the docs page, the web UI, middleware.
pub fn router(state: AppState) -> Router {
    let cfg = state.config().clone();
    let metrics: Arc<Metrics> = state.metrics().clone();
    // The rate limit comes before the key check, so guessing keys is limited too.
    let writes = mounted(Access::Write)
        .route_layer(middleware::from_fn_with_state(state.clone(), require_key))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            crate::harden::writes,
        ));
    let reads = mounted(Access::Read).route_layer(middleware::from_fn_with_state(
        state.clone(),
        crate::harden::reads,
    ));
    let mut app = Router::new()
        .merge(reads)
        .merge(writes)
        .merge(docs::page())
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

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::OpenApi;

    const HTTP_METHODS: &[&str] = &[
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];

    #[test]
    fn the_document_has_exactly_the_table() {
        let doc = serde_json::to_value(TablePaths::openapi()).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        let mut documented = 0;
        for (path, item) in paths {
            let methods = item.as_object().unwrap().keys();
            for method in methods.filter(|k| HTTP_METHODS.contains(&k.as_str())) {
                let m = method.to_uppercase();
                assert!(
                    ROUTES.iter().any(|r| r.path == path && r.method == m),
                    "{m} {path} is documented but not in the table"
                );
                documented += 1;
            }
        }
        assert_eq!(
            documented,
            ROUTES.len(),
            "a table entry is documented elsewhere"
        );
    }

    #[test]
    fn keys_compare_whole() {
        assert!(keys_match(b"abc", b"abc"));
        assert!(!keys_match(b"abc", b"abd"));
        assert!(!keys_match(b"abc", b"abcd"));
        assert!(!keys_match(b"", b"abc"));
    }
}
