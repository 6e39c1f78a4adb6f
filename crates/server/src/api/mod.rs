//! The HTTP surface: one handler module per resource (health, movies, predict, recommend,
//! users, ratings, models, retrain, runs, metrics, docs, and the UI's data in stats), the one
//! route table that serves, lists and documents them ([`routes`]), and the types and
//! parameter checks the handlers share.

pub mod demographics;
pub mod docs;
pub mod health;
pub mod metrics;
pub mod models;
pub mod movie_admin;
pub mod movies;
pub mod predict;
pub mod ratings;
pub mod recommend;
pub mod retrain;
pub mod routes;
pub mod runs;
pub mod stats;
pub mod users;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ServerError;
use crate::index::MovieInfo;

pub use routes::{router, Access, Route, ROUTES};

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
    /// Added after the active model was trained (content models already use it;
    /// collaborative ones treat it as cold until the next training).
    pub new: bool,
}

impl<'a> From<&'a MovieInfo> for MovieOut<'a> {
    fn from(m: &'a MovieInfo) -> Self {
        MovieOut {
            id: &m.id,
            title: &m.title,
            year: m.year,
            genres: &m.genres,
            new: m.new,
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
        Err(e) => ServerError::from(e).into_response(),
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
