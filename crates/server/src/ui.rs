//! The web UI served by the binary: static assets compiled in with `include_str!` (no build
//! step, no CDN) at `/` and `/ui/*`, plus the few JSON endpoints only the UI needs and the
//! REST API does not provide: dataset statistics for the dashboard (`GET /ui/api/stats`)
//! and one movie's rating distribution (`GET /ui/api/movies/{id}/ratings`).
//!
//! The statistics describe the training snapshot; they are computed once per snapshot and
//! cached (a model activation that reloads the data gives a new snapshot and new figures).

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use cinerec_core::{Dataset, ItemIdx, UserIdx};
use serde::Serialize;
use std::sync::{Arc, Mutex};

use crate::api::json;
use crate::error::{ApiPath, ApiResult, ServerError};
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

const INDEX_HTML: &str = include_str!("../ui/index.html");

/// Every file under `/ui/`.
const ASSETS: &[Asset] = &[
    Asset {
        name: "index.html",
        mime: "text/html; charset=utf-8",
        body: INDEX_HTML,
    },
    Asset {
        name: "style.css",
        mime: "text/css; charset=utf-8",
        body: include_str!("../ui/style.css"),
    },
    Asset {
        name: "app.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../ui/app.js"),
    },
    Asset {
        name: "api.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../ui/api.js"),
    },
    Asset {
        name: "charts.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../ui/charts.js"),
    },
    Asset {
        name: "dom.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../ui/dom.js"),
    },
    Asset {
        name: "pages.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../ui/pages.js"),
    },
    Asset {
        name: "dashboard.js",
        mime: "text/javascript; charset=utf-8",
        body: include_str!("../ui/dashboard.js"),
    },
    Asset {
        name: "favicon.svg",
        mime: "image/svg+xml",
        body: include_str!("../ui/favicon.svg"),
    },
];

/// Routes of the UI, to merge into the application router before its state is set.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(index))
        .route("/favicon.ico", get(favicon))
        .route("/ui", get(index))
        .route("/ui/", get(index))
        .route("/ui/api/stats", get(stats))
        .route("/ui/api/movies/{id}/ratings", get(movie_ratings))
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

async fn favicon() -> Response {
    find("favicon.svg")
        .map(send)
        .unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
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

/// One bar of a histogram.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Bin {
    /// Label (rating value, month, genre …).
    pub label: String,
    /// How many.
    pub count: u64,
}

/// One point of a long-tail curve: the `rank`-th most active movie or user has `count` ratings.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TailPoint {
    /// 1-based rank by decreasing count.
    pub rank: u64,
    /// Ratings at that rank.
    pub count: u64,
}

/// A long-tail summary of ratings per movie or per user.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LongTail {
    /// Up to 400 points of the rank/count curve (ranks spread evenly, first and last kept).
    pub curve: Vec<TailPoint>,
    /// Share of all ratings going to the top 20 % (by count).
    pub top20_share: f64,
    /// Median ratings per entity.
    pub median: f64,
    /// Entities with fewer than 5 ratings.
    pub under5: u64,
}

/// Genre statistics.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GenreStat {
    /// Genre name.
    pub genre: String,
    /// Movies of that genre.
    pub movies: u64,
    /// Ratings of movies of that genre.
    pub ratings: u64,
}

/// Dataset statistics for the dashboard.
#[derive(Debug, Clone, Serialize, PartialEq)]
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
    pub scale: (f32, f32),
    /// Ratings per value.
    pub rating_distribution: Vec<Bin>,
    /// Ratings per movie.
    pub per_movie: LongTail,
    /// Ratings per user.
    pub per_user: LongTail,
    /// Movies and ratings per genre, most rated first.
    pub genres: Vec<GenreStat>,
    /// Ratings per calendar month (UTC, "YYYY-MM"), oldest first; empty without timestamps.
    pub over_time: Vec<Bin>,
}

/// Days since 1970-01-01 → (year, month) in the proleptic Gregorian calendar.
fn year_month(days: i64) -> (i64, u32) {
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m)
}

fn long_tail(mut counts: Vec<u64>) -> LongTail {
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let n = counts.len();
    let total: u64 = counts.iter().sum();
    if n == 0 {
        return LongTail {
            curve: vec![],
            top20_share: 0.0,
            median: 0.0,
            under5: 0,
        };
    }
    let top = n.div_ceil(5);
    let top_sum: u64 = counts[..top].iter().sum();
    let median = if n % 2 == 1 {
        counts[n / 2] as f64
    } else {
        (counts[n / 2 - 1] + counts[n / 2]) as f64 / 2.0
    };
    const POINTS: usize = 400;
    let mut ranks: Vec<usize> = if n <= POINTS {
        (0..n).collect()
    } else {
        (0..POINTS).map(|k| k * (n - 1) / (POINTS - 1)).collect()
    };
    ranks.dedup();
    LongTail {
        curve: ranks
            .into_iter()
            .map(|r| TailPoint {
                rank: r as u64 + 1,
                count: counts[r],
            })
            .collect(),
        top20_share: if total == 0 {
            0.0
        } else {
            top_sum as f64 / total as f64
        },
        median,
        under5: counts.iter().filter(|&&c| c < 5).count() as u64,
    }
}

fn value_label(v: f32) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// Computes the dashboard statistics of `data` (one pass over the ratings).
pub fn dataset_stats(data: &Dataset) -> DatasetStats {
    let m = data.matrix();
    let cat = data.catalog();
    let (n_users, n_items, n_ratings) = (data.n_users(), data.n_items(), data.n_ratings());

    // Rating values: bucket by value × 2 (half stars), skipping non-finite values.
    let mut by_value: std::collections::BTreeMap<i64, u64> = Default::default();
    let mut sum = 0f64;
    for &v in m.values() {
        if v.is_finite() {
            *by_value.entry((v * 2.0).round() as i64).or_default() += 1;
            sum += v as f64;
        }
    }
    let rating_distribution = by_value
        .into_iter()
        .map(|(k, c)| Bin {
            label: value_label(k as f32 / 2.0),
            count: c,
        })
        .collect();

    let per_item: Vec<u64> = (0..n_items as u32)
        .map(|i| m.item_count(ItemIdx(i)) as u64)
        .collect();
    let per_user: Vec<u64> = (0..n_users as u32)
        .map(|u| m.user_count(UserIdx(u)) as u64)
        .collect();

    let mut genres: Vec<GenreStat> = cat
        .genre_names
        .iter()
        .map(|g| GenreStat {
            genre: g.clone(),
            movies: 0,
            ratings: 0,
        })
        .collect();
    for (i, meta) in cat.item_meta.iter().enumerate() {
        for &g in &meta.genres {
            if let Some(s) = genres.get_mut(g as usize) {
                s.movies += 1;
                s.ratings += per_item.get(i).copied().unwrap_or(0);
            }
        }
    }
    genres.sort_by(|a, b| b.ratings.cmp(&a.ratings).then(a.genre.cmp(&b.genre)));

    let mut months: std::collections::BTreeMap<(i64, u32), u64> = Default::default();
    for u in 0..n_users as u32 {
        for &t in m.user_times(UserIdx(u)) {
            if t > 0 {
                *months.entry(year_month(i64::from(t) / 86_400)).or_default() += 1;
            }
        }
    }
    let over_time = months
        .into_iter()
        .map(|((y, mo), c)| Bin {
            label: format!("{y:04}-{mo:02}"),
            count: c,
        })
        .collect();

    let cells = n_users as f64 * n_items as f64;
    DatasetStats {
        name: data.name.clone(),
        users: n_users as u64,
        movies: n_items as u64,
        ratings: n_ratings as u64,
        mean_rating: if n_ratings == 0 {
            0.0
        } else {
            sum / n_ratings as f64
        },
        density: if cells > 0.0 {
            n_ratings as f64 / cells
        } else {
            0.0
        },
        scale: data.rating_scale(),
        rating_distribution,
        per_movie: long_tail(per_item),
        per_user: long_tail(per_user),
        genres,
        over_time,
    }
}

/// Statistics cached per dataset snapshot (keyed by the `Arc`'s address, kept alive by the
/// cache so the address cannot be reused while cached).
type StatsCache = Mutex<Option<(Arc<Dataset>, Arc<serde_json::Value>)>>;
static CACHE: StatsCache = Mutex::new(None);

/// `GET /ui/api/stats`: statistics of the served training snapshot.
async fn stats(State(state): State<AppState>) -> ApiResult<Response> {
    let data = state.serving().data.clone();
    if let Ok(guard) = CACHE.lock() {
        if let Some((d, v)) = guard.as_ref() {
            if Arc::ptr_eq(d, &data) {
                return Ok(json(StatusCode::OK, v.as_ref()));
            }
        }
    }
    let d2 = data.clone();
    let v = tokio::task::spawn_blocking(move || serde_json::to_value(dataset_stats(&d2)))
        .await
        .map_err(|e| ServerError::Internal(e.to_string()))?
        .map_err(|e| ServerError::Internal(e.to_string()))?;
    let v = Arc::new(v);
    if let Ok(mut guard) = CACHE.lock() {
        *guard = Some((data, v.clone()));
    }
    Ok(json(StatusCode::OK, v.as_ref()))
}

/// A movie's rating distribution in the training snapshot.
#[derive(Debug, Serialize, PartialEq)]
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

/// `GET /ui/api/movies/{id}/ratings`.
async fn movie_ratings(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    let s = state.serving();
    let i = s.index.by_id(&s.data, &id)?;
    Ok(json(StatusCode::OK, &movie_distribution(&s.data, i)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_months() {
        assert_eq!(year_month(0), (1970, 1));
        // 1997-09-20 = 874_713_600 s (first ML-100K month).
        assert_eq!(year_month(874_713_600 / 86_400), (1997, 9));
        assert_eq!(year_month(951_782_400 / 86_400), (2000, 2)); // 2000-02-29
        assert_eq!(year_month(-1), (1969, 12));
    }

    #[test]
    fn long_tail_figures() {
        let t = long_tail(vec![1, 10, 3, 100, 2]);
        assert_eq!(
            t.curve.first(),
            Some(&TailPoint {
                rank: 1,
                count: 100
            })
        );
        assert_eq!(t.curve.last(), Some(&TailPoint { rank: 5, count: 1 }));
        assert_eq!(t.median, 3.0);
        assert_eq!(t.under5, 3);
        assert!((t.top20_share - 100.0 / 116.0).abs() < 1e-12);
        let big = long_tail((0..10_000).collect());
        assert_eq!(big.curve.len(), 400);
        assert_eq!(big.curve.last().map(|p| p.rank), Some(10_000));
        assert_eq!(long_tail(vec![]).curve.len(), 0);
    }

    #[test]
    fn every_asset_is_served_with_a_type() {
        for a in ASSETS {
            assert!(!a.body.is_empty(), "{} is empty", a.name);
            assert!(find(a.name).is_some());
        }
        assert!(find("../Cargo.toml").is_none());
        assert!(INDEX_HTML.contains("app.js"));
    }
}
