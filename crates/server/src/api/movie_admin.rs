//! Adding and editing movies while the server runs: `POST /movies` and `PATCH /movies/{id}`
//! (write endpoints). The movie is stored, then joins the live catalogue at once
//! ([`crate::catalog`]): title search, similar movies and the models that embed movies from
//! their features (the feature model, the content side of the hybrid, TF-IDF) see it without
//! retraining; collaborative models treat it as cold until the next training.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cinerec_core::catalog::canonical_genres;
use cinerec_store::{MovieExtra, MovieRecord};
use serde::Deserialize;
use utoipa::ToSchema;

use super::movies::{detail, MovieDetail};
use super::ApiId;
use crate::catalog;
use crate::error::{ApiJson, ApiPath, ApiResult, ServerError};
use crate::state::AppState;

/// Longest title accepted.
const MAX_TITLE: usize = 300;
/// Most genres and keywords a movie may have, and the longest of each.
const MAX_GENRES: usize = 20;
const MAX_KEYWORDS: usize = 50;
const MAX_WORD: usize = 60;
/// Release years accepted.
const YEARS: std::ops::RangeInclusive<u16> = 1870..=2100;

/// Body of `POST /movies`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMovie {
    /// Raw id (a string or an integer, at most 64 characters); omitted = the next free integer id.
    #[schema(schema_with = super::new_id_schema)]
    pub id: Option<ApiId>,
    /// Title without the year.
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// Release year.
    #[schema(minimum = 1870, maximum = 2100)]
    #[serde(default, deserialize_with = "super::whole")]
    pub year: Option<u16>,
    /// Genre names (the catalogue's spelling is used when one matches regardless of case;
    /// other names become new genres). No `|`.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub genres: Vec<String>,
    /// Keywords / tags (stored lower-case).
    #[serde(default, alias = "tags")]
    #[schema(max_items = 50)]
    pub keywords: Vec<String>,
    /// Production country.
    #[schema(min_length = 1, max_length = 60)]
    pub country: Option<String>,
    /// Original language.
    #[schema(min_length = 1, max_length = 60)]
    pub language: Option<String>,
}

/// Body of `PATCH /movies/{id}`: the fields to change (absent fields keep their value).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoviePatch {
    /// Title without the year.
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    /// Release year.
    #[schema(minimum = 1870, maximum = 2100)]
    #[serde(default, deserialize_with = "super::whole")]
    pub year: Option<u16>,
    /// Genre names (replace the current ones).
    #[schema(max_items = 20)]
    pub genres: Option<Vec<String>>,
    /// Keywords / tags (replace the current ones).
    #[serde(alias = "tags")]
    #[schema(max_items = 50)]
    pub keywords: Option<Vec<String>>,
    /// Production country.
    #[schema(min_length = 1, max_length = 60)]
    pub country: Option<String>,
    /// Original language.
    #[schema(min_length = 1, max_length = 60)]
    pub language: Option<String>,
}

fn invalid(msg: String) -> ServerError {
    ServerError::InvalidBody(msg)
}

fn check_title(t: &str) -> Result<String, ServerError> {
    if super::blank(t) || t.chars().count() > MAX_TITLE || t.contains('\0') {
        return Err(invalid(format!(
            "title must have 1 to {MAX_TITLE} characters and no NUL"
        )));
    }
    Ok(t.trim().to_string())
}

fn check_year(y: Option<u16>) -> Result<Option<u16>, ServerError> {
    match y {
        Some(y) if !YEARS.contains(&y) => Err(invalid(format!(
            "year must be between {} and {}",
            YEARS.start(),
            YEARS.end()
        ))),
        y => Ok(y),
    }
}

/// Checks a list of short names: at most `max`, each 1..=MAX_WORD characters, no `|`, no
/// control character.
fn check_words(field: &str, v: &[String], max: usize) -> Result<(), ServerError> {
    if v.len() > max {
        return Err(invalid(format!("{field}: at most {max} entries")));
    }
    match v.iter().find(|w| {
        super::blank(w)
            || w.chars().count() > MAX_WORD
            || w.contains('|')
            || w.chars().any(char::is_control)
    }) {
        Some(w) => Err(invalid(format!(
            "{field}: `{}` must have 1 to {MAX_WORD} characters, no `|` and no control character",
            w.escape_default()
        ))),
        None => Ok(()),
    }
}

fn keywords(v: &[String]) -> Vec<String> {
    let mut out: Vec<String> = v.iter().map(|k| k.trim().to_lowercase()).collect();
    out.sort();
    out.dedup();
    out
}

/// Sets (or, with `None`, keeps) the relation `name` of a movie.
fn set_relation(
    extra: &mut MovieExtra,
    name: &str,
    value: Option<&str>,
) -> Result<(), ServerError> {
    let Some(v) = value else { return Ok(()) };
    if super::blank(v) || v.chars().count() > MAX_WORD || v.contains('\0') {
        return Err(invalid(format!(
            "{name} must have 1 to {MAX_WORD} characters and no NUL"
        )));
    }
    extra.relations.retain(|(r, _)| r != name);
    extra
        .relations
        .push((name.to_string(), v.trim().to_string()));
    Ok(())
}

/// Adds a movie: stored, then in the catalogue, search, similar movies and content-based
/// recommendations at once (write endpoint: needs the API key when one is configured).
#[utoipa::path(post, path = "/movies", tag = "movies", request_body = NewMovie,
    responses((status = 201, body = MovieDetail),
              (status = 400, description = "Body is not JSON"),
              (status = 401, description = "Missing or wrong API key"),
              (status = 409, description = "Id taken"),
              (status = 413, description = "Body too large"),
              (status = 415, description = "Body is not sent as application/json"),
              (status = 422, description = "Invalid field"),
              (status = 503, description = "The store is unavailable")),
    security(("api_key" = [])))]
pub async fn create(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewMovie>,
) -> ApiResult<Response> {
    let title = check_title(&body.title)?;
    let year = check_year(body.year)?;
    check_words("genres", &body.genres, MAX_GENRES)?;
    check_words("keywords", &body.keywords, MAX_KEYWORDS)?;
    let s = state.serving_arc();
    let id = match body.id {
        Some(ApiId(id)) if id.chars().count() > 64 => {
            return Err(invalid("id must have at most 64 characters".into()))
        }
        Some(ApiId(id)) => id,
        None => (s.data.catalog().items.max_numeric() + 1).to_string(),
    };
    let mut extra = MovieExtra {
        tags: keywords(&body.keywords),
        ..Default::default()
    };
    set_relation(&mut extra, "country", body.country.as_deref())?;
    set_relation(&mut extra, "language", body.language.as_deref())?;
    let rec = MovieRecord {
        id: id.clone(),
        title: Some(title),
        year,
        genres: canonical_genres(&s.data.catalog().genre_names, &body.genres),
        extra,
    };
    drop(s);
    catalog::insert(&state, rec).await?;
    detail(&state, &id, StatusCode::CREATED)
}

/// Edits a movie's metadata (write endpoint). Search, display and content similarity follow
/// at once; a movie added since the last training is embedded afresh by the content models.
#[utoipa::path(patch, path = "/movies/{id}", tag = "movies", request_body = MoviePatch,
    params(("id" = String, Path, description = "Raw movie id")),
    responses((status = 200, body = MovieDetail),
              (status = 400, description = "Body is not JSON"),
              (status = 401, description = "Missing or wrong API key"),
              (status = 404, description = "Unknown movie"),
              (status = 413, description = "Body too large"),
              (status = 415, description = "Body is not sent as application/json"),
              (status = 422, description = "Invalid field"),
              (status = 503, description = "The store is unavailable")),
    security(("api_key" = [])))]
pub async fn patch(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<MoviePatch>,
) -> ApiResult<Response> {
    // The stored spelling of the id (`12.0` in the path finds movie `12`).
    let id = {
        let s = state.serving();
        let i = s.index.by_id(&s.data, &id)?;
        s.data.catalog().raw_item(i).0.to_string()
    };
    let mut rec = state
        .store()
        .get_movie(&id)
        .await?
        .ok_or_else(|| ServerError::NotFound(format!("movie `{id}` is not in the store")))?;
    if let Some(t) = &body.title {
        rec.title = Some(check_title(t)?);
    }
    if body.year.is_some() {
        rec.year = check_year(body.year)?;
    }
    if let Some(g) = &body.genres {
        check_words("genres", g, MAX_GENRES)?;
        rec.genres = canonical_genres(&state.serving().data.catalog().genre_names, g);
    }
    if let Some(k) = &body.keywords {
        check_words("keywords", k, MAX_KEYWORDS)?;
        rec.extra.tags = keywords(k);
    }
    set_relation(&mut rec.extra, "country", body.country.as_deref())?;
    set_relation(&mut rec.extra, "language", body.language.as_deref())?;
    catalog::upsert(&state, vec![rec]).await?;
    detail(&state, &id, StatusCode::OK)
}
