//! The HTTP surface: one handler module per resource (health, movies, predict, recommend,
//! users, ratings, models, retrain, runs, metrics, docs, and the UI's data in stats), the one
//! route table that serves, lists and documents them ([`routes`]), the live contract
//! ([`contract`]), and the types and parameter checks the handlers share.

pub mod contract;
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
            F(f64),
        }
        match Raw::deserialize(d) {
            Ok(Raw::S(s)) if s.chars().any(char::is_control) => Err(serde::de::Error::custom(
                "an id must not contain control characters",
            )),
            Ok(Raw::S(s)) if !blank(&s) => Ok(ApiId(s.trim().to_string())),
            Ok(Raw::I(i)) => Ok(ApiId(i.to_string())),
            // JSON Schema's integer: a number without fraction (`12.0`).
            Ok(Raw::F(f)) if whole_id(f).is_some() => Ok(ApiId(whole_id(f).unwrap_or_default())),
            _ => Err(serde::de::Error::custom(
                "expected a non-empty string or an integer id",
            )),
        }
    }
}

/// The integer spelling of a number without fraction (`12.0` → `12`), as [`ApiId`] stores it.
fn whole_id(f: f64) -> Option<String> {
    (f.fract() == 0.0 && f.abs() < 9.0e15).then(|| (f as i64).to_string())
}

/// The id an [`ApiId`] would have stored for `raw` when it differs from `raw`: a whole number
/// written with a fraction or exponent (`12.0`, `1.2e1` → `12`). Path lookups try it after
/// `raw`, so an id created as `12.0` is found as `12.0` too.
pub fn stored_id(raw: &str) -> Option<String> {
    let id = whole_id(raw.trim().parse::<f64>().ok()?)?;
    (id != raw).then_some(id)
}

/// True when `s` has no character but white space — JSON Schema's `\s` (which counts the
/// byte-order mark U+FEFF as space, as Rust's `char::is_whitespace` does not), so the
/// documents' "non-blank" patterns and the handlers agree.
pub fn blank(s: &str) -> bool {
    s.chars().all(|c| c.is_whitespace() || c == '\u{feff}')
}

/// A string without control characters (U+0000–U+001F, U+007F–U+009F) holding a non-blank
/// character, as a JSON Schema pattern: what [`ApiId`] accepts as a string.
pub(crate) const ID_PATTERN: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$";

/// The schema of an [`ApiId`] field: a non-blank string of at most `max_len` characters
/// without control characters, or an integer (`nullable`: or null, for an optional field).
pub fn id_schema(max_len: usize, nullable: bool) -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
    let mut one = OneOfBuilder::new()
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(max_len))
                .pattern(Some(ID_PATTERN)),
        )
        .item(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
        );
    if nullable {
        one = one.item(ObjectBuilder::new().schema_type(Type::Null));
    }
    one.into()
}

/// [`id_schema`] for a user id (store ids: at most 64 characters).
pub fn user_id_schema() -> utoipa::openapi::schema::Schema {
    id_schema(cinerec_store::MAX_ID_LEN, false)
}

/// [`id_schema`] for an optional new id (user or movie; null = the server picks one).
pub fn new_id_schema() -> utoipa::openapi::schema::Schema {
    id_schema(cinerec_store::MAX_ID_LEN, true)
}

/// [`id_schema`] for a movie given by id or title (titles up to 300 characters).
pub fn movie_ref_schema() -> utoipa::openapi::schema::Schema {
    id_schema(300, false)
}

/// Integer body fields that also take a JSON number with no fraction (`43.0`), as JSON
/// Schema's `integer` does: `#[serde(default, deserialize_with = "whole")]`.
pub fn whole<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64>,
{
    use serde::Deserialize;
    let v = Option::<serde_json::Number>::deserialize(d)?;
    let Some(n) = v else { return Ok(None) };
    let i = match (n.as_i64(), n.as_f64()) {
        (Some(i), _) => Some(i),
        (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(f as i64),
        _ => None,
    };
    i.and_then(|i| T::try_from(i).ok())
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("{n} is not an integer in range")))
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
