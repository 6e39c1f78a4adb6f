//! Recommendations: `GET /recommend/{user_id}` (the hot path: a known user without live
//! changes is scored directly; one with changes through a fold-in of their current profile)
//! and `POST /recommend` (anonymous, from a list of {movie, rating} and optional
//! demographics). A user asked about by profile (created users, users with changes) is scored
//! with their demographics ([`crate::api::demographics`]; a created user's as given to
//! `POST /users`), which models with a demographic input use — a created user without
//! ratings gets recommendations from their demographics alone.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cinerec_core::{ItemIdx, Scored, UserRef};
use cinerec_engine::query::{self as engine, Ask};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{count, genre, json, MovieOut};
use super::{demographics, ApiId};
use crate::error::{ApiJson, ApiPath, ApiQuery, ApiResult, ServerError};
use crate::index::CatalogIndex;
use crate::live::{Asked, Who};
use crate::state::{AppState, LoadedModel, Serving};

/// Query of `GET /recommend/{user_id}`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecQuery {
    /// How many movies (default 10).
    pub top_n: Option<usize>,
    /// A loaded model by version or algorithm name (default: the active model).
    pub model: Option<String>,
    /// MMR trade-off λ in [0, 1]: 1 = relevance only, lower = more varied genres.
    pub diversity: Option<f32>,
    /// Only movies of this genre.
    pub genre: Option<String>,
    /// Add the user's rated movies that support each recommendation.
    pub explain: Option<bool>,
}

/// One rated movie supporting a recommendation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Because<'a> {
    /// Raw movie id.
    pub id: &'a str,
    /// Display title.
    pub title: &'a str,
    /// Strength of the support (larger = more).
    pub weight: f32,
}

/// One recommended movie.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecItem<'a> {
    /// Id, title, year, genres.
    #[serde(flatten)]
    pub movie: MovieOut<'a>,
    /// Model score (higher is better).
    pub score: f32,
    /// Present with `explain=true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub because: Option<Vec<Because<'a>>>,
}

/// A recommendation list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Recommendations<'a> {
    /// The user (null for anonymous requests).
    pub user: Option<&'a str>,
    /// Model version used.
    pub model_version: i64,
    /// Its algorithm.
    pub algorithm: &'a str,
    /// True when the user's live ratings were folded in.
    pub live: bool,
    /// Best first.
    pub items: Vec<RecItem<'a>>,
}

fn ask(state: &AppState, s: &Serving, q: &RecQuery) -> Result<Ask, ServerError> {
    let n = count("top_n", q.top_n, 10, state.config().max_results)?;
    let diversity = match q.diversity {
        Some(d) if !(0.0..=1.0).contains(&d) => {
            return Err(ServerError::BadParam(
                "diversity must be within [0, 1]".into(),
            ))
        }
        d => d,
    };
    Ok(Ask {
        n,
        genre: genre(&s.data, q.genre.as_deref())?,
        diversity,
        include_seen: false,
    })
}

fn model<'a>(s: &'a Serving, key: Option<&str>) -> Result<&'a LoadedModel, ServerError> {
    match key {
        None => Ok(&s.active),
        Some(k) => s.pick(k).map(|m| m.as_ref()).ok_or_else(|| {
            ServerError::NotFound(format!(
                "model `{k}` is not loaded; loaded: {}",
                s.loaded
                    .iter()
                    .map(|m| format!("{} ({})", m.version, m.algorithm))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }),
    }
}

fn items<'a, F: Fn(ItemIdx) -> Vec<Because<'a>>>(
    index: &'a CatalogIndex,
    found: &[Scored],
    explain: Option<F>,
) -> Vec<RecItem<'a>> {
    found
        .iter()
        .map(|x| RecItem {
            movie: index.movie(x.item).into(),
            score: x.score,
            because: explain.as_ref().map(|f| f(x.item)),
        })
        .collect()
}

fn explainer<'a>(
    s: &'a Serving,
    m: &'a LoadedModel,
    profile: &'a [(ItemIdx, f32)],
) -> impl Fn(ItemIdx) -> Vec<Because<'a>> + 'a {
    move |item| {
        engine::explain(
            m.model.as_ref(),
            &s.data,
            &s.index.item_norms,
            profile,
            item,
            3,
        )
        .into_iter()
        .map(|c| {
            let mv = s.index.movie(c.item);
            Because {
                id: &mv.id,
                title: &mv.title,
                weight: c.weight,
            }
        })
        .collect()
    }
}

/// Top-N unseen movies for a user, reflecting ratings posted since training at once.
#[utoipa::path(get, path = "/recommend/{user_id}", tag = "recommend",
    params(("user_id" = String, Path, description = "Raw user id"), RecQuery),
    responses((status = 200, body = Recommendations), (status = 400), (status = 404, description = "Unknown user")))]
pub async fn for_user(
    State(state): State<AppState>,
    ApiPath(user): ApiPath<String>,
    ApiQuery(q): ApiQuery<RecQuery>,
) -> ApiResult<Response> {
    crate::replica::adopt(&state, &user).await?;
    let s = state.serving();
    let who = s.who(&user)?;
    let a = ask(&state, &s, &q)?;
    let m = model(&s, q.model.as_deref())?;
    let live = s.live.has_changes(who);
    let asked = if live || q.explain == Some(true) {
        s.live.ask(&s.data, who, &user)
    } else {
        Asked {
            profile: Vec::new(),
            trained: None,
        }
    };
    let uref = match who {
        Who::Known(u) if !live => UserRef::Known(u),
        _ => asked.user_ref(),
    };
    // A trained user's own row carries their demographics already.
    let meta = match uref {
        UserRef::Known(_) => None,
        _ => s.live.meta(&s.data, who, &user),
    };
    let found =
        engine::recommend_with_meta(m.model.as_ref(), &s.data, uref, meta.as_ref(), s.prior(), a)?;
    let ex = explainer(&s, m, &asked.profile);
    let explain = (q.explain == Some(true)).then_some(&ex);
    let out = Recommendations {
        user: Some(&user),
        model_version: m.version,
        algorithm: &m.algorithm,
        live,
        items: items(&s.index, &found, explain),
    };
    Ok(json(StatusCode::OK, &out))
}

/// One rating in an anonymous request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct GivenRating {
    /// Raw movie id or title.
    #[schema(schema_with = super::movie_ref_schema)]
    pub movie: ApiId,
    /// The rating (read as f64, so a value just past the scale is refused, not rounded in).
    pub rating: f64,
}

/// Body of `POST /recommend`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AnonymousRequest {
    /// The visitor's ratings (may be empty when demographics are given).
    #[serde(default)]
    pub ratings: Vec<GivenRating>,
    /// The visitor's age in years (optional).
    #[schema(minimum = 1, maximum = 120)]
    #[serde(default, deserialize_with = "super::whole")]
    pub age: Option<u16>,
    /// The visitor's gender, one of the catalogue's values (MovieLens: "M" / "F"; optional).
    pub gender: Option<String>,
    /// The visitor's occupation, one of the catalogue's occupations when it has them
    /// (optional).
    pub occupation: Option<String>,
    /// How many movies (default 10).
    #[serde(default, deserialize_with = "super::whole")]
    pub top_n: Option<usize>,
    /// Only movies of this genre.
    pub genre: Option<String>,
    /// MMR trade-off λ in [0, 1].
    pub diversity: Option<f32>,
    /// Add explanations.
    pub explain: Option<bool>,
}

/// Recommendations for a visitor without an account, from the ratings and the optional
/// demographics (age, gender, occupation) they give; demographics alone are enough.
#[utoipa::path(post, path = "/recommend", tag = "recommend", request_body = AnonymousRequest,
    responses((status = 200, body = Recommendations), (status = 300, description = "Ambiguous movie title"),
        (status = 400, description = "Bad top_n, genre or diversity, or malformed JSON"),
        (status = 404, description = "Unknown movie"), (status = 413), (status = 415),
        (status = 422, description = "Rating out of range, or age outside [1, 120], gender or occupation not in the catalogue's values")))]
pub async fn anonymous(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<AnonymousRequest>,
) -> ApiResult<Response> {
    let s = state.serving();
    let (lo, hi) = s.data.rating_scale();
    let mut profile: Vec<(ItemIdx, f32)> = Vec::with_capacity(body.ratings.len());
    // Every value is checked before any movie is resolved (a 422 whatever the titles match).
    if let Some(r) = body
        .ratings
        .iter()
        .find(|r| !r.rating.is_finite() || r.rating < f64::from(lo) || r.rating > f64::from(hi))
    {
        return Err(ServerError::InvalidBody(format!(
            "rating {} is outside [{lo}, {hi}]",
            r.rating
        )));
    }
    for r in &body.ratings {
        profile.push((s.index.resolve(&s.data, &r.movie.0)?, r.rating as f32));
    }
    profile.sort_by_key(|p| p.0);
    profile.dedup_by_key(|p| p.0);
    let meta = demographics::check(s.data.catalog(), body.age, &body.gender, &body.occupation)?;
    let q = RecQuery {
        top_n: body.top_n,
        genre: body.genre.clone(),
        diversity: body.diversity,
        ..Default::default()
    };
    let a = ask(&state, &s, &q)?;
    let m = &s.active;
    let found = engine::recommend_with_meta(
        m.model.as_ref(),
        &s.data,
        UserRef::Profile(&profile),
        meta.as_ref(),
        s.prior(),
        a,
    )?;
    let ex = explainer(&s, m, &profile);
    let explain = (body.explain == Some(true)).then_some(&ex);
    let out = Recommendations {
        user: None,
        model_version: m.version,
        algorithm: &m.algorithm,
        live: true,
        items: items(&s.index, &found, explain),
    };
    Ok(json(StatusCode::OK, &out))
}
