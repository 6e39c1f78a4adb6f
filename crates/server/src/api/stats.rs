//! The web UI's data endpoints: `GET /ui/api/stats` (statistics of the training snapshot
//! for the dashboard, computed by `cinerec_core::stats`, the definitions `cinerec data info`
//! uses) and `GET /ui/api/movies/{id}/ratings` (one movie's rating distribution).
//!
//! The statistics are computed once per snapshot and cached (a model activation that
//! reloads the data gives a new snapshot and new figures).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use cinerec_core::stats::{dataset_stats, Counts};
use cinerec_core::{Dataset, ItemIdx};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use utoipa::ToSchema;

use super::json;
use crate::error::{ApiPath, ApiResult};
use crate::state::AppState;

/// Points kept of a long-tail curve.
const CURVE_POINTS: usize = 400;

/// One bar of a histogram.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct Bin {
    /// Label (rating value, month, genre …).
    pub label: String,
    /// How many.
    pub count: u64,
}

/// One point of a long-tail curve: the `rank`-th most active movie or user has `count` ratings.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct TailPoint {
    /// 1-based rank by decreasing count.
    pub rank: u64,
    /// Ratings at that rank.
    pub count: u64,
}

/// A long-tail summary of ratings per movie or per user.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct LongTail {
    /// Up to 400 points of the rank/count curve (ranks spread evenly, first and last kept).
    pub curve: Vec<TailPoint>,
    /// Share of all ratings going to the top 20 % (by count).
    pub top20_share: f64,
    /// Median ratings per entity (the upper median).
    pub median: f64,
    /// Entities with fewer than 5 ratings.
    pub under5: u64,
}

impl From<&Counts> for LongTail {
    fn from(c: &Counts) -> Self {
        LongTail {
            curve: c
                .curve(CURVE_POINTS)
                .into_iter()
                .map(|(rank, count)| TailPoint { rank, count })
                .collect(),
            top20_share: c.top_share(20),
            median: c.median() as f64,
            under5: c.below(5) as u64,
        }
    }
}

/// Movies and ratings of one genre.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct GenreStat {
    /// Genre name.
    pub genre: String,
    /// Movies of that genre.
    pub movies: u64,
    /// Ratings of movies of that genre.
    pub ratings: u64,
}

/// Dataset statistics for the dashboard.
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct DatasetStats {
    /// Dataset name.
    pub name: String,
    /// Users in the snapshot.
    pub users: u64,
    /// Movies in the catalogue.
    pub movies: u64,
    /// Ratings in the snapshot.
    pub ratings: u64,
    /// Mean rating.
    pub mean_rating: f64,
    /// Share of the user × movie matrix that is filled.
    pub density: f64,
    /// Rating scale `[lo, hi]`.
    #[schema(value_type = Vec<f32>)]
    pub scale: (f32, f32),
    /// Ratings per rating value, lowest first.
    pub rating_distribution: Vec<Bin>,
    /// Ratings per movie.
    pub per_movie: LongTail,
    /// Ratings per user.
    pub per_user: LongTail,
    /// Movies and ratings per genre, most rated first.
    pub genres: Vec<GenreStat>,
    /// Ratings per calendar month (UTC, "YYYY-MM"), oldest first; empty without timestamps.
    pub over_time: Vec<Bin>,
    /// What a new user may give as demographics (the "New here?" page's choices).
    pub demographics: DemographicChoices,
}

/// The demographic values a new user may give (`POST /users`, `POST /recommend`).
#[derive(Debug, Clone, Serialize, PartialEq, ToSchema)]
pub struct DemographicChoices {
    /// Accepted genders (the catalogue's values; "M", "F" when it has none).
    pub genders: Vec<String>,
    /// Accepted occupations (the catalogue's; empty = any short text).
    pub occupations: Vec<String>,
    /// Youngest accepted age.
    pub age_min: u16,
    /// Oldest accepted age.
    pub age_max: u16,
}

/// A rating value as a label: "4", "3.5".
fn value_label(v: f32) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// The dashboard statistics of `data`.
pub fn dashboard_stats(data: &Dataset) -> DatasetStats {
    let s = dataset_stats(data);
    let mut genres: Vec<GenreStat> = s
        .genres
        .into_iter()
        .map(|g| GenreStat {
            genre: g.genre,
            movies: g.movies,
            ratings: g.ratings,
        })
        .collect();
    genres.sort_by(|a, b| b.ratings.cmp(&a.ratings).then(a.genre.cmp(&b.genre)));
    let bin = |label: String, count: u64| Bin { label, count };
    DatasetStats {
        name: data.name.clone(),
        users: s.users as u64,
        movies: s.movies as u64,
        ratings: s.ratings as u64,
        mean_rating: s.mean_rating,
        density: s.density,
        scale: data.rating_scale(),
        rating_distribution: s
            .rating_histogram
            .iter()
            .map(|&(v, c)| bin(value_label(v), c))
            .collect(),
        per_movie: (&s.per_movie).into(),
        per_user: (&s.per_user).into(),
        genres,
        over_time: s
            .per_month
            .iter()
            .map(|&((y, m), c)| bin(format!("{y:04}-{m:02}"), c))
            .collect(),
        demographics: {
            use cinerec_core::demographics as d;
            let (genders, occupations) = d::vocabulary(data.catalog());
            let own = |v: Vec<&str>| v.into_iter().map(str::to_string).collect();
            DemographicChoices {
                genders: own(genders),
                occupations: own(occupations),
                age_min: d::AGE_MIN,
                age_max: d::AGE_MAX,
            }
        },
    }
}

/// Statistics cached per dataset snapshot (compared by the `Arc`'s address, kept alive by
/// the cache so the address cannot be reused while cached).
type StatsCache = Mutex<Option<(Arc<Dataset>, Arc<serde_json::Value>)>>;
static CACHE: StatsCache = Mutex::new(None);

/// Statistics of the served training snapshot, for the dashboard.
#[utoipa::path(get, path = "/ui/api/stats", tag = "ui",
    responses((status = 200, body = DatasetStats)))]
pub async fn stats(State(state): State<AppState>) -> ApiResult<Response> {
    let data = state.serving().data.clone();
    if let Ok(guard) = CACHE.lock() {
        if let Some((d, v)) = guard.as_ref() {
            if Arc::ptr_eq(d, &data) {
                return Ok(json(StatusCode::OK, v.as_ref()));
            }
        }
    }
    let d2 = data.clone();
    let v =
        tokio::task::spawn_blocking(move || serde_json::to_value(dashboard_stats(&d2))).await??;
    let v = Arc::new(v);
    if let Ok(mut guard) = CACHE.lock() {
        *guard = Some((data, v.clone()));
    }
    Ok(json(StatusCode::OK, v.as_ref()))
}

/// A movie's rating distribution in the training snapshot.
#[derive(Debug, Serialize, PartialEq, ToSchema)]
pub struct MovieRatings {
    /// Raw movie id.
    pub id: String,
    /// Ratings of it.
    pub count: u64,
    /// Mean (null without ratings).
    pub mean: Option<f64>,
    /// Count per rating value, over every value of the scale (half stars when the data
    /// has any), lowest first.
    pub distribution: Vec<Bin>,
}

/// The rating distribution of inner movie `i`.
pub fn movie_distribution(data: &Dataset, i: ItemIdx) -> MovieRatings {
    let m = data.matrix();
    let (_, pos) = m.item_col(i);
    let halves = m.values().iter().any(|v| v.fract() != 0.0);
    let (lo, hi) = data.rating_scale();
    let step = if halves { 0.5 } else { 1.0 };
    let mut bins: Vec<(f32, u64)> = Vec::new();
    let mut v = if halves {
        (lo * 2.0).floor() / 2.0
    } else {
        lo.floor()
    };
    while v <= hi + 1e-6 && bins.len() < 100 {
        bins.push((v, 0));
        v += step;
    }
    let mut sum = 0f64;
    for &p in pos {
        let r = m.value_at(p);
        sum += r as f64;
        let k = bins
            .iter()
            .enumerate()
            .min_by(|a, b| (a.1 .0 - r).abs().total_cmp(&(b.1 .0 - r).abs()))
            .map(|(k, _)| k);
        if let Some(k) = k {
            bins[k].1 += 1;
        }
    }
    MovieRatings {
        id: data.catalog().raw_item(i).0,
        count: pos.len() as u64,
        mean: (!pos.is_empty()).then(|| sum / pos.len() as f64),
        distribution: bins
            .into_iter()
            .map(|(v, c)| Bin {
                label: value_label(v),
                count: c,
            })
            .collect(),
    }
}

/// One movie's rating distribution in the training snapshot, for its page in the UI.
#[utoipa::path(get, path = "/ui/api/movies/{id}/ratings", tag = "ui",
    params(("id" = String, Path, description = "Raw movie id")),
    responses((status = 200, body = MovieRatings), (status = 404, description = "Unknown movie, with suggestions")))]
pub async fn movie_ratings(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    let s = state.serving();
    let i = s.index.by_id(&s.data, &id)?;
    Ok(json(StatusCode::OK, &movie_distribution(&s.data, i)))
}
