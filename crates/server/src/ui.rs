//! The web UI served by the binary: static assets compiled in with `include_str!` (no build
//! step, no CDN) at `/` and `/ui/*`. The JSON the UI reads beyond the REST API (dataset
//! statistics, a movie's rating distribution) is served by [`crate::api::stats`], in the
//! route table and the OpenAPI document like every other endpoint.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::error::{ApiPath, ServerError};
use crate::state::AppState;

/// One compiled-in static file.
struct Asset {
    /// Path below `/ui/`.
    name: &'static str,
    /// Content-Type header value.
    mime: &'static str,
    /// The bytes.
    body: &'static str,
}

const JS: &str = "text/javascript; charset=utf-8";

/// A compiled-in file of `ui/` with its Content-Type.
macro_rules! asset {
    ($name:literal, $mime:expr) => {
        Asset {
            name: $name,
            mime: $mime,
            body: include_str!(concat!("../ui/", $name)),
        }
    };
}

/// Every file under `/ui/` (the page first).
const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("style.css", "text/css; charset=utf-8"),
    asset!("app.js", JS),
    asset!("api.js", JS),
    asset!("charts.js", JS),
    asset!("dom.js", JS),
    asset!("pages.js", JS),
    asset!("dashboard.js", JS),
    asset!("runs.js", JS),
    asset!("admin.js", JS),
    asset!("favicon.svg", "image/svg+xml"),
];

/// Routes of the UI, to merge into the application router before its state is set.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/favicon.ico", get(favicon))
        .route("/ui", get(index))
        .route("/ui/", get(index))
        .route("/ui/{*path}", get(asset))
}

fn send(a: &Asset) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(a.mime)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(
                    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'",
                ),
            ),
        ],
        a.body,
    )
        .into_response()
}

/// The single page (`/`).
async fn index() -> Response {
    send(&ASSETS[0])
}

/// The icon (`/favicon.ico`, served as SVG).
async fn favicon() -> Result<Response, ServerError> {
    asset(ApiPath("favicon.svg".into())).await
}

fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// A static file under `/ui/` (404 JSON for unknown names).
async fn asset(ApiPath(path): ApiPath<String>) -> Result<Response, ServerError> {
    find(&path)
        .map(send)
        .ok_or_else(|| ServerError::NotFound(format!("no UI asset `{path}`")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_is_served_with_a_type() {
        for a in ASSETS {
            assert!(!a.body.is_empty(), "{} is empty", a.name);
            assert!(find(a.name).is_some());
        }
        assert!(find("../Cargo.toml").is_none());
        assert!(ASSETS[0].body.contains("app.js"));
    }
}
