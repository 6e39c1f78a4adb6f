//! Ratings: `POST /ratings` (one or a batch) and `DELETE /ratings/{user}/{movie}`. Each
//! write goes to the store first (durable), then into the live overlay, so the user's next
//! recommendation reflects it at once.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cinerec_core::ItemIdx;
use cinerec_store::RatingRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{json, ApiId};
use crate::error::{ApiJson, ApiPath, ApiResult, ServerError};
use crate::live::Who;
use crate::state::AppState;

/// Largest batch accepted by `POST /ratings`.
pub const MAX_BATCH: usize = 10_000;

/// One rating to store.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRating {
    /// Raw user id.
    #[schema(schema_with = super::user_id_schema)]
    pub user: ApiId,
    /// Raw movie id or title.
    #[schema(schema_with = super::movie_ref_schema)]
    pub movie: ApiId,
    /// The rating (read as f64, so a value just past the scale is refused, not rounded in), within the dataset's scale.
    pub rating: f64,
    /// Seconds since the Unix epoch (default: now).
    #[serde(default, deserialize_with = "super::whole")]
    pub timestamp: Option<i64>,
}

/// Body of `POST /ratings`: one rating, a list, or `{"ratings": [...]}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum RatingsBody {
    /// One rating.
    One(NewRating),
    /// A list.
    Many(Vec<NewRating>),
    /// A wrapped list.
    Batch {
        /// The ratings.
        ratings: Vec<NewRating>,
    },
}

/// What a write did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Written {
    /// Ratings stored (or deleted).
    pub count: usize,
}

/// Stores ratings durably; the users' next recommendations change at once.
#[utoipa::path(post, path = "/ratings", tag = "ratings", request_body = RatingsBody,
    responses((status = 201, body = Written), (status = 300), (status = 401), (status = 404), (status = 413), (status = 422)),
    security(("api_key" = [])))]
pub async fn post(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RatingsBody>,
) -> ApiResult<Response> {
    let list = match body {
        RatingsBody::One(r) => vec![r],
        RatingsBody::Many(v) | RatingsBody::Batch { ratings: v } => v,
    };
    if list.is_empty() || list.len() > MAX_BATCH {
        return Err(ServerError::InvalidBody(format!(
            "send 1 to {MAX_BATCH} ratings"
        )));
    }
    let _g = state.gate().read().await;
    for r in &list {
        // An unknown user is a 404 below; one store read is enough to say so.
        if !crate::replica::adopt(&state, &r.user.0).await? {
            break;
        }
    }
    let s = state.serving();
    let (lo, hi) = s.data.rating_scale();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let mut resolved: Vec<(Who, &str, ItemIdx, f32)> = Vec::with_capacity(list.len());
    let mut records = Vec::with_capacity(list.len());
    // Every value is checked before any movie is resolved, so an invalid body is a 422
    // whatever its titles match.
    if let Some(r) = list
        .iter()
        .find(|r| !r.rating.is_finite() || r.rating < f64::from(lo) || r.rating > f64::from(hi))
    {
        return Err(ServerError::InvalidBody(format!(
            "rating {} is outside [{lo}, {hi}]",
            r.rating
        )));
    }
    for r in &list {
        let who = s.who(&r.user.0)?;
        let item = s.index.resolve(&s.data, &r.movie.0)?;
        resolved.push((who, &r.user.0, item, r.rating as f32));
        records.push(RatingRecord {
            user: r.user.0.clone(),
            movie: s.index.movie(item).id.clone(),
            rating: r.rating as f32,
            timestamp: r.timestamp.unwrap_or(now),
        });
    }
    state.store().upsert_ratings(&records).await?;
    for (who, user, item, v) in resolved {
        s.live.apply(who, user, &[(item, Some(v))]);
    }
    Ok(json(
        StatusCode::CREATED,
        &Written {
            count: records.len(),
        },
    ))
}

/// Deletes a rating (training or live); the user's next recommendations change at once.
#[utoipa::path(delete, path = "/ratings/{user}/{movie}", tag = "ratings",
    params(("user" = String, Path, description = "Raw user id"), ("movie" = String, Path, description = "Raw movie id or title")),
    responses((status = 200, body = Written), (status = 300, description = "Ambiguous movie title"), (status = 401), (status = 404, description = "Unknown user or movie, or no such rating")),
    security(("api_key" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    ApiPath((user, movie)): ApiPath<(String, String)>,
) -> ApiResult<Response> {
    let _g = state.gate().read().await;
    crate::replica::adopt(&state, &user).await?;
    let s = state.serving();
    let who = s.who(&user)?;
    let item = s.index.resolve(&s.data, &movie)?;
    if s.live.current(&s.data, who, &user, item).is_none() {
        return Err(ServerError::NotFound(format!(
            "user `{user}` has no rating of movie `{}`",
            s.index.movie(item).id
        )));
    }
    state
        .store()
        .delete_rating(&user, &s.index.movie(item).id)
        .await?;
    s.live.apply(who, &user, &[(item, None)]);
    Ok(json(StatusCode::OK, &Written { count: 1 }))
}
