//! The catalogue: `GET /movies` (listing and autocomplete search), `GET /movies/{id}`,
//! `GET /movies/{id}/similar` and `GET /popular`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cinerec_core::ItemIdx;
use cinerec_engine::query::{self as engine, Method};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{count, genre, json, MovieOut};
use crate::error::{ApiPath, ApiQuery, ApiResult};
use crate::state::AppState;

/// Query of `GET /movies`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page size (default 20).
    pub limit: Option<usize>,
    /// Rows to skip (default 0).
    pub offset: Option<usize>,
    /// Title search: prefix matches first, then word-prefix, then substring; each by popularity.
    pub q: Option<String>,
    /// Only this genre (case-insensitive name).
    pub genre: Option<String>,
}

/// A page of movies.
#[derive(Debug, Serialize, ToSchema)]
pub struct MoviePage<'a> {
    /// Movies matching the query in all.
    pub total: usize,
    /// Page size used.
    pub limit: usize,
    /// Offset used.
    pub offset: usize,
    /// This page.
    pub items: Vec<MovieOut<'a>>,
}

/// Lists or searches the catalogue (autocomplete-friendly).
#[utoipa::path(get, path = "/movies", tag = "movies", params(ListQuery),
    responses((status = 200, body = MoviePage), (status = 400, description = "Bad parameter")))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Response> {
    let s = state.serving();
    let limit = count("limit", q.limit, 20, state.config().max_results)?;
    let offset = q.offset.unwrap_or(0);
    let g = genre(&s.data, q.genre.as_deref())?;
    let meta = &s.data.catalog().item_meta;
    let keep = |i: &ItemIdx| g.is_none_or(|g| meta[i.ix()].genres.contains(&g));
    let all: Vec<ItemIdx> = match q.q.as_deref() {
        Some(text) => s.index.search(text).into_iter().filter(keep).collect(),
        None => (0..s.data.n_items() as u32)
            .map(ItemIdx)
            .filter(keep)
            .collect(),
    };
    let items = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(|&i| s.index.movie(i).into())
        .collect();
    Ok(json(
        StatusCode::OK,
        &MoviePage {
            total: all.len(),
            limit,
            offset,
            items,
        },
    ))
}

/// One movie with its rating statistics.
#[derive(Debug, Serialize, ToSchema)]
pub struct MovieDetail<'a> {
    /// Id, title, year, genres.
    #[serde(flatten)]
    pub movie: MovieOut<'a>,
    /// Ratings in the training snapshot.
    pub rating_count: u32,
    /// Mean rating in the training snapshot (null without ratings).
    pub rating_mean: Option<f32>,
    /// Free-text tags.
    pub tags: &'a [String],
    /// External links `(source, id)`.
    pub links: &'a [(String, String)],
}

/// A movie's details (id, or title as a convenience).
#[utoipa::path(get, path = "/movies/{id}", tag = "movies",
    params(("id" = String, Path, description = "Raw movie id")),
    responses((status = 200, body = MovieDetail), (status = 404, description = "Unknown movie, with suggestions")))]
pub async fn get_one(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    detail(&state, &id, StatusCode::OK)
}

/// The movie's detail as the current snapshot has it, answered with `status` (also what
/// `POST /movies` and `PATCH /movies/{id}` answer).
pub fn detail(state: &AppState, id: &str, status: StatusCode) -> ApiResult<Response> {
    let s = state.serving();
    let i = s.index.by_id(&s.data, id)?;
    let m = s.index.movie(i);
    let meta = s.data.catalog().meta(i);
    Ok(json(
        status,
        &MovieDetail {
            movie: m.into(),
            rating_count: m.rating_count,
            rating_mean: m.rating_mean,
            tags: &meta.tags,
            links: &meta.links,
        },
    ))
}

/// Query of `GET /movies/{id}/similar`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SimilarQuery {
    /// How many (default 10).
    pub n: Option<usize>,
    /// content | collaborative | hybrid (default hybrid).
    pub method: Option<Method>,
}

/// A movie with a score.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoredMovie<'a> {
    /// Id, title, year, genres.
    #[serde(flatten)]
    pub movie: MovieOut<'a>,
    /// Score (meaning depends on the endpoint; higher is better).
    pub score: f32,
}

/// Movies similar to one movie.
#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarOut<'a> {
    /// The movie asked about.
    pub movie: MovieOut<'a>,
    /// Method used.
    pub method: &'static str,
    /// Most similar first.
    pub items: Vec<ScoredMovie<'a>>,
}

/// Movies similar to a movie by content (genres, year), collaboratively (the model's item
/// similarity or rating cosine) or both.
#[utoipa::path(get, path = "/movies/{id}/similar", tag = "movies",
    params(("id" = String, Path, description = "Raw movie id"), SimilarQuery),
    responses((status = 200, body = SimilarOut), (status = 400), (status = 404)))]
pub async fn similar(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<SimilarQuery>,
) -> ApiResult<Response> {
    let s = state.serving();
    let i = s.index.by_id(&s.data, &id)?;
    let n = count("n", q.n, 10, state.config().max_results)?;
    let method = q.method.unwrap_or(Method::Hybrid);
    let found = engine::similar(
        s.active.model.as_ref(),
        &s.data,
        &s.index.item_norms,
        i,
        method,
        n,
    );
    let items = found
        .iter()
        .map(|x| ScoredMovie {
            movie: s.index.movie(x.item).into(),
            score: x.score,
        })
        .collect();
    let method = match method {
        Method::Content => "content",
        Method::Collaborative => "collaborative",
        Method::Hybrid => "hybrid",
    };
    Ok(json(
        StatusCode::OK,
        &SimilarOut {
            movie: s.index.movie(i).into(),
            method,
            items,
        },
    ))
}

/// Query of `GET /popular`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PopularQuery {
    /// How many (default 10).
    pub n: Option<usize>,
    /// Only this genre.
    pub genre: Option<String>,
}

/// The most-rated movies (score = number of ratings), optionally of one genre.
#[utoipa::path(get, path = "/popular", tag = "movies", params(PopularQuery),
    responses((status = 200, body = [ScoredMovie]), (status = 400)))]
pub async fn popular(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PopularQuery>,
) -> ApiResult<Response> {
    let s = state.serving();
    let n = count("n", q.n, 10, state.config().max_results)?;
    let g = genre(&s.data, q.genre.as_deref())?;
    let meta = &s.data.catalog().item_meta;
    let items: Vec<ScoredMovie> = s
        .index
        .popular
        .iter()
        .filter(|i| g.is_none_or(|g| meta[i.ix()].genres.contains(&g)))
        .take(n)
        .map(|&i| {
            let m = s.index.movie(i);
            ScoredMovie {
                movie: m.into(),
                score: m.rating_count as f32,
            }
        })
        .collect();
    Ok(json(StatusCode::OK, &items))
}
