//! `GET /predict/{user_id}/{movie}`: a predicted rating, the movie given by id or by title
//! (`/predict/1/Batman`); an ambiguous title answers 300 with the candidates.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cinerec_core::{CoreError, UserRef};
use serde::Serialize;
use utoipa::ToSchema;

use super::{json, MovieOut};
use crate::error::{ApiPath, ApiResult};
use crate::live::Who;
use crate::state::AppState;

/// A predicted rating.
#[derive(Debug, Serialize, ToSchema)]
pub struct Prediction<'a> {
    /// The user.
    pub user: &'a str,
    /// The movie.
    pub movie: MovieOut<'a>,
    /// Predicted rating on the dataset's scale.
    pub prediction: f32,
    /// The user's own rating of it, if any (training or live).
    pub actual: Option<f32>,
    /// Registry version of the model that predicted: the active model's, or when the active
    /// model only ranks, the newest loaded rating model's; 0 = the baseline the server fits
    /// on its data for that case.
    pub model_version: i64,
    /// Algorithm of the model that predicted.
    pub model: &'a str,
}

/// Predicted rating of a movie (by id or title) for a user.
#[utoipa::path(get, path = "/predict/{user_id}/{movie}", tag = "predict",
    params(("user_id" = String, Path, description = "Raw user id"),
           ("movie" = String, Path, description = "Raw movie id or (part of) a title")),
    responses((status = 200, body = Prediction),
              (status = 300, description = "Ambiguous title; `candidates` lists the matches"),
              (status = 404, description = "Unknown user, or unknown movie with `suggestions`")))]
pub async fn predict(
    State(state): State<AppState>,
    ApiPath((user, movie)): ApiPath<(String, String)>,
) -> ApiResult<Response> {
    crate::replica::adopt(&state, &user).await?;
    let s = state.serving();
    let who = s.who(&user)?;
    let item = s.index.resolve(&s.data, &movie)?;
    let rater = match s.rating_model_ready() {
        Some(m) => m,
        None => {
            // The first fit of the fallback baseline runs off the async workers.
            let s = std::sync::Arc::clone(&*s);
            tokio::task::spawn_blocking(move || s.rating_model()).await??
        }
    };
    let asked = s
        .live
        .has_changes(who)
        .then(|| s.live.ask(&s.data, who, &user));
    let uref = match (&asked, who) {
        (Some(a), _) => a.user_ref(),
        (None, Who::Known(u)) => UserRef::Known(u),
        (None, Who::Created) => UserRef::Profile(&[]),
    };
    let ask = |model: &dyn cinerec_core::Recommender| model.predict(uref, item);
    let (p, rater) = match ask(rater.model.as_ref()) {
        // A movie added since the model's fit: the snapshot's baseline knows it.
        Err(CoreError::ColdItem(_)) => {
            let s = std::sync::Arc::clone(&*s);
            let base = tokio::task::spawn_blocking(move || s.baseline()).await??;
            (ask(base.model.as_ref())?, base)
        }
        r => (r?, rater),
    };
    let (lo, hi) = s.data.rating_scale();
    Ok(json(
        StatusCode::OK,
        &Prediction {
            user: &user,
            movie: s.index.movie(item).into(),
            prediction: if p.is_finite() { p.clamp(lo, hi) } else { p },
            actual: s.live.current(&s.data, who, &user, item),
            model_version: rater.version,
            model: &rater.algorithm,
        },
    ))
}
