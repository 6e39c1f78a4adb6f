//! Users: `POST /users` (create, stored durably) and `GET /users/{id}/ratings` (the user's
//! current ratings: training snapshot with live changes applied). A created user's
//! demographics are checked ([`crate::api::demographics`]) and kept in the live overlay, so
//! `GET /recommend/{id}` uses them at once, before any rating.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cinerec_store::UserRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{demographics, json, ApiId, MovieOut};
use crate::error::{ApiJson, ApiPath, ApiResult, ServerError};
use crate::state::AppState;

/// Body of `POST /users`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Raw id; omitted = the next free integer id.
    #[schema(schema_with = super::new_id_schema)]
    pub id: Option<ApiId>,
    /// Age in years.
    #[schema(minimum = 1, maximum = 120)]
    #[serde(default, deserialize_with = "super::whole")]
    pub age: Option<u16>,
    /// Gender, one of the catalogue's values (MovieLens: "M" / "F").
    pub gender: Option<String>,
    /// Occupation, one of the catalogue's occupations when it has them.
    pub occupation: Option<String>,
    /// Zip / postal code.
    pub zip: Option<String>,
}

/// A created user.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    /// The new user's id.
    pub id: String,
}

/// Creates a user (write endpoint: needs the API key when one is configured).
#[utoipa::path(post, path = "/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = Created), (status = 400, description = "Malformed JSON"), (status = 401), (status = 409, description = "Id taken"),
        (status = 413), (status = 415),
        (status = 422, description = "Bad id, or age outside [1, 120], gender or occupation not in the catalogue's values")),
    security(("api_key" = [])))]
pub async fn create(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewUser>,
) -> ApiResult<Response> {
    let _w = state.gate().write().await;
    let s = state.serving();
    let id = match body.id {
        // The store checks the id (422 when it cannot key on it).
        Some(ApiId(id)) => id,
        None => {
            let mut next = s.data.catalog().users.max_numeric() + 1;
            while s.live.who(&s.data, &next.to_string()).is_some() {
                next += 1;
            }
            next.to_string()
        }
    };
    let meta = demographics::check(s.data.catalog(), body.age, &body.gender, &body.occupation)?;
    let store = state.store();
    let taken = s.live.who(&s.data, &id).is_some() || store.get_user(&id).await?.is_some();
    if taken {
        return Err(ServerError::Conflict(format!("user `{id}` exists already")));
    }
    let rec = UserRecord {
        id: id.clone(),
        age: meta.as_ref().and_then(|m| m.age),
        gender: meta.as_ref().and_then(|m| m.gender.clone()),
        occupation: meta.as_ref().and_then(|m| m.occupation.clone()),
        zip: body.zip,
    };
    store.upsert_user(&rec).await?;
    s.live.create_user(&s.data, &id);
    s.live.set_meta(&id, meta);
    Ok(json(StatusCode::CREATED, &Created { id }))
}

/// One of a user's ratings.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserRating<'a> {
    /// The movie.
    pub movie: MovieOut<'a>,
    /// The rating.
    pub rating: f32,
    /// True when posted since the training snapshot.
    pub live: bool,
}

/// A user's ratings.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserRatings<'a> {
    /// The user.
    pub user: &'a str,
    /// Number of ratings.
    pub count: usize,
    /// By movie id order.
    pub ratings: Vec<UserRating<'a>>,
}

/// A user's current ratings (training snapshot plus live changes).
#[utoipa::path(get, path = "/users/{id}/ratings", tag = "users",
    params(("id" = String, Path, description = "Raw user id")),
    responses((status = 200, body = UserRatings), (status = 404)))]
pub async fn ratings(
    State(state): State<AppState>,
    ApiPath(user): ApiPath<String>,
) -> ApiResult<Response> {
    crate::replica::adopt(&state, &user).await?;
    let s = state.serving();
    let who = s.who(&user)?;
    let live = s.live.live_items(&user);
    let profile = s.live.profile(&s.data, who, &user);
    let ratings: Vec<UserRating> = profile
        .iter()
        .map(|&(i, r)| UserRating {
            movie: s.index.movie(i).into(),
            rating: r,
            live: live.contains(&i),
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        &UserRatings {
            user: &user,
            count: ratings.len(),
            ratings,
        },
    ))
}
