//! Descriptive statistics of a [`Dataset`]: sizes, density, mean rating, the rating
//! histogram, ratings per user and per movie (minimum, median, maximum, long tail), movies
//! and ratings per genre, the time range and ratings per calendar month.
//!
//! This is the one definition behind `cinerec data info` and the server's dashboard
//! (`GET /ui/api/stats`); each presents it in its own shape. The definitions:
//! - the **median** of a list of counts is its upper median: the element at index `n / 2`
//!   of the ascending order (0 for an empty list);
//! - a **genre** counts every movie listed under it, and every rating of those movies (a
//!   movie with two genres counts once in each);
//! - the **rating histogram** has one bar per distinct rating value;
//! - the **mean rating** is over every rating of the matrix;
//! - the **time range** spans every timestamp (0 when there is none); the **monthly**
//!   counts skip timestamp 0, which loaders use for "unknown".

use std::collections::BTreeMap;

use crate::dataset::Dataset;
use crate::ids::{ItemIdx, UserIdx};

/// A list of counts (ratings per user, or per movie), kept in ascending order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    sorted: Vec<u64>,
}

impl Counts {
    /// The counts in any order.
    pub fn new(mut counts: Vec<u64>) -> Self {
        counts.sort_unstable();
        Counts { sorted: counts }
    }

    /// The counts, ascending.
    pub fn ascending(&self) -> &[u64] {
        &self.sorted
    }

    /// Number of entities counted.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// True when nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// Sum of the counts.
    pub fn total(&self) -> u64 {
        self.sorted.iter().sum()
    }

    /// Smallest count (0 when empty).
    pub fn min(&self) -> u64 {
        self.sorted.first().copied().unwrap_or(0)
    }

    /// Largest count (0 when empty).
    pub fn max(&self) -> u64 {
        self.sorted.last().copied().unwrap_or(0)
    }

    /// The upper median: the count at index `n / 2` in ascending order (0 when empty).
    pub fn median(&self) -> u64 {
        self.sorted.get(self.sorted.len() / 2).copied().unwrap_or(0)
    }

    /// Entities with fewer than `k`.
    pub fn below(&self, k: u64) -> usize {
        self.sorted.partition_point(|&c| c < k)
    }

    /// Share of the total held by the `percent` % largest counts (their number rounded up);
    /// 0 when the total is 0.
    pub fn top_share(&self, percent: usize) -> f64 {
        let total = self.total();
        if total == 0 {
            return 0.0;
        }
        let top = (self.sorted.len() * percent).div_ceil(100);
        let top_sum: u64 = self.sorted.iter().rev().take(top).sum();
        top_sum as f64 / total as f64
    }

    /// The rank/count curve, largest first: up to `points` pairs `(rank, count)` with 1-based
    /// ranks spread evenly over all entities, the first and the last always included.
    pub fn curve(&self, points: usize) -> Vec<(u64, u64)> {
        let n = self.sorted.len();
        let mut ranks: Vec<usize> = if n <= points || points < 2 {
            (0..n.min(points)).collect()
        } else {
            (0..points).map(|k| k * (n - 1) / (points - 1)).collect()
        };
        ranks.dedup();
        ranks
            .into_iter()
            .map(|r| (r as u64 + 1, self.sorted[n - 1 - r]))
            .collect()
    }
}

/// Movies and ratings of one genre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenreCount {
    /// Genre name.
    pub genre: String,
    /// Movies listed under it.
    pub movies: u64,
    /// Ratings of those movies.
    pub ratings: u64,
}

/// Everything [`dataset_stats`] computes.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetStats {
    /// Users in the catalogue.
    pub users: usize,
    /// Movies in the catalogue.
    pub movies: usize,
    /// Ratings in the matrix.
    pub ratings: usize,
    /// Share of the user × movie matrix that is filled (0 for an empty catalogue).
    pub density: f64,
    /// Mean of every rating (0 without ratings).
    pub mean_rating: f64,
    /// Ratings per distinct value, lowest value first.
    pub rating_histogram: Vec<(f32, u64)>,
    /// Ratings per user.
    pub per_user: Counts,
    /// Ratings per movie.
    pub per_movie: Counts,
    /// Per genre, in the catalogue's genre order.
    pub genres: Vec<GenreCount>,
    /// Earliest and latest timestamp (Unix seconds); `(0, 0)` without ratings.
    pub time_range: (u32, u32),
    /// Ratings per calendar month `(year, month)` (UTC), oldest first; timestamp 0 skipped.
    pub per_month: Vec<((i64, u32), u64)>,
}

/// Computes the statistics of `ds`.
pub fn dataset_stats(ds: &Dataset) -> DatasetStats {
    let m = ds.matrix();
    let cat = ds.catalog();
    let (n_users, n_items, n_ratings) = (ds.n_users(), ds.n_items(), ds.n_ratings());

    let mut by_bits: BTreeMap<u32, u64> = BTreeMap::new();
    let mut sum = 0f64;
    for &v in m.values() {
        *by_bits.entry(v.to_bits()).or_default() += 1;
        sum += v as f64;
    }
    let mut rating_histogram: Vec<(f32, u64)> = by_bits
        .into_iter()
        .map(|(b, c)| (f32::from_bits(b), c))
        .collect();
    rating_histogram.sort_by(|a, b| a.0.total_cmp(&b.0));

    let per_item: Vec<u64> = (0..n_items as u32)
        .map(|i| m.item_count(ItemIdx(i)) as u64)
        .collect();
    let per_user: Vec<u64> = (0..n_users as u32)
        .map(|u| m.user_count(UserIdx(u)) as u64)
        .collect();

    let mut genres: Vec<GenreCount> = cat
        .genre_names
        .iter()
        .map(|g| GenreCount {
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

    let (mut tmin, mut tmax) = (u32::MAX, 0u32);
    let mut months: BTreeMap<(i64, u32), u64> = BTreeMap::new();
    for u in 0..n_users as u32 {
        for &t in m.user_times(UserIdx(u)) {
            tmin = tmin.min(t);
            tmax = tmax.max(t);
            if t > 0 {
                *months.entry(year_month(i64::from(t) / 86_400)).or_default() += 1;
            }
        }
    }
    if tmin > tmax {
        tmin = 0;
    }

    let cells = n_users as f64 * n_items as f64;
    DatasetStats {
        users: n_users,
        movies: n_items,
        ratings: n_ratings,
        density: if cells > 0.0 {
            n_ratings as f64 / cells
        } else {
            0.0
        },
        mean_rating: if m.values().is_empty() {
            0.0
        } else {
            sum / m.values().len() as f64
        },
        rating_histogram,
        per_user: Counts::new(per_user),
        per_movie: Counts::new(per_item),
        genres,
        time_range: (tmin, tmax),
        per_month: months.into_iter().collect(),
    }
}

/// Days since 1970-01-01 → `(year, month)` in the proleptic Gregorian calendar.
pub fn year_month(days: i64) -> (i64, u32) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, ItemMeta};
    use crate::ids::IdMap;
    use crate::interactions::Interactions;
    use std::sync::Arc;

    #[test]
    fn civil_months() {
        assert_eq!(year_month(0), (1970, 1));
        // 1997-09-20 = 874_713_600 s (first ML-100K month).
        assert_eq!(year_month(874_713_600 / 86_400), (1997, 9));
        assert_eq!(year_month(951_782_400 / 86_400), (2000, 2)); // 2000-02-29
        assert_eq!(year_month(-1), (1969, 12));
    }

    #[test]
    fn counts_figures() {
        let c = Counts::new(vec![1, 10, 3, 100, 2]);
        assert_eq!((c.min(), c.median(), c.max()), (1, 3, 100));
        assert_eq!(c.below(5), 3);
        assert!((c.top_share(20) - 100.0 / 116.0).abs() < 1e-12);
        let curve = c.curve(400);
        assert_eq!(curve.first(), Some(&(1, 100)));
        assert_eq!(curve.last(), Some(&(5, 1)));
        // Upper median of an even list.
        assert_eq!(Counts::new(vec![4, 1, 3, 2]).median(), 3);
        let big = Counts::new((0..10_000).collect());
        let curve = big.curve(400);
        assert_eq!(curve.len(), 400);
        assert_eq!(curve.last().map(|p| p.0), Some(10_000));
        let empty = Counts::default();
        assert_eq!((empty.min(), empty.median(), empty.max()), (0, 0, 0));
        assert_eq!(empty.top_share(20), 0.0);
        assert!(empty.curve(400).is_empty());
    }

    fn tiny() -> Dataset {
        let meta = |genres: Vec<u16>| ItemMeta {
            genres,
            ..Default::default()
        };
        let cat = Catalog {
            users: IdMap::from_ordered(vec!["u1".into(), "u2".into()]),
            items: IdMap::from_ordered(vec!["m1".into(), "m2".into(), "m3".into()]),
            item_meta: vec![meta(vec![0]), meta(vec![0, 1]), meta(vec![])],
            user_meta: vec![Default::default(); 2],
            genre_names: vec!["Drama".into(), "Comedy".into()],
        };
        let mut r = Interactions::with_capacity(4);
        r.push(0, 0, 4.0, 874_713_600);
        r.push(0, 1, 3.5, 951_782_400);
        r.push(1, 1, 4.0, 0);
        r.push(1, 2, 1.0, 874_713_601);
        Dataset::new("tiny", Arc::new(cat), r)
    }

    #[test]
    fn dataset_figures() {
        let ds = tiny();
        let s = dataset_stats(&ds);
        assert_eq!((s.users, s.movies, s.ratings), (2, 3, 4));
        assert!((s.density - 4.0 / 6.0).abs() < 1e-12);
        assert_eq!(s.mean_rating as f32, ds.global_mean());
        assert_eq!(s.rating_histogram, vec![(1.0, 1), (3.5, 1), (4.0, 2)]);
        assert_eq!(s.per_user.ascending(), &[2, 2]);
        assert_eq!(s.per_movie.ascending(), &[1, 1, 2]);
        let g = |genre: &str, movies, ratings| GenreCount {
            genre: genre.into(),
            movies,
            ratings,
        };
        assert_eq!(s.genres, vec![g("Drama", 2, 3), g("Comedy", 1, 2)]);
        assert_eq!(s.time_range, (0, 951_782_400));
        assert_eq!(s.per_month, vec![((1997, 9), 2), ((2000, 2), 1)]);
    }
}
