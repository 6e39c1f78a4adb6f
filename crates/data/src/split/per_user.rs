//! Per-user splits: temporal ratio and leave-last-k (most recent ratings of each user are
//! test) and given/hidden (a seeded share of each user's ratings is train, the rest test).
//!
//! "Most recent" means last in (timestamp, item) ascending order: on equal timestamps the
//! larger item id counts as later (`split.py`'s tie-break; inner item ids follow raw-id order
//! when the catalogue was built with `IdMap::from_raw_sorted`, as the loaders do). Ratings of
//! the same (user, item) pair — which a `Dataset` would merge — are further ordered by input
//! position, so the result is always fully determined.

use super::random::{ratio_ceil, ratio_count};
use super::{check_columns, InteractionSplit};
use crate::error::{DataError, Result};
use cinerec_core::{Interactions, Rng};

/// How many of a user's ratings to hold out.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Holdout {
    /// `⌈ratio·n_u⌉`.
    Ratio(f64),
    /// `min(k, n_u)`.
    Last(usize),
}

/// Positions grouped by user (ascending user id, counting sort, O(n)), each user's run then
/// sorted by `key` (ties by position), plus the runs `[a, b)` of each user with ratings.
fn by_user<K: Ord>(
    ratings: &Interactions,
    key: impl Fn(usize) -> K,
) -> (Vec<u32>, Vec<(usize, usize)>) {
    let n_users = ratings.users.iter().max().map_or(0, |&u| u as usize + 1);
    let mut ptr = vec![0usize; n_users + 1];
    for &u in &ratings.users {
        ptr[u as usize + 1] += 1;
    }
    for u in 0..n_users {
        ptr[u + 1] += ptr[u];
    }
    let mut cursor = ptr.clone();
    let mut order = vec![0u32; ratings.len()];
    for (k, &u) in ratings.users.iter().enumerate() {
        order[cursor[u as usize]] = k as u32;
        cursor[u as usize] += 1;
    }
    let mut runs = Vec::new();
    for u in 0..n_users {
        let (a, b) = (ptr[u], ptr[u + 1]);
        if a < b {
            order[a..b].sort_by_key(|&k| key(k as usize)); // stable: ties keep position order
            runs.push((a, b));
        }
    }
    (order, runs)
}

/// Temporal per-user split; both parts in (user, timestamp, item) order.
///
/// A user with `n_u < min_user_ratings` keeps every rating in train. Otherwise the last
/// `h = ⌈ratio·n_u⌉` (or `min(k, n_u)`) ratings are test — so with `min_user_ratings ≤ 1`
/// and a ratio, a single-rating user goes wholly to test (the peers' rule).
pub(crate) fn temporal(
    ratings: &Interactions,
    holdout: Holdout,
    min_user_ratings: usize,
) -> Result<InteractionSplit> {
    check_input(ratings)?;
    let (order, runs) = by_user(ratings, |k| (ratings.times[k], ratings.items[k]));
    let mut out = InteractionSplit {
        train: Interactions::with_capacity(ratings.len()),
        test: Interactions::with_capacity(ratings.len() / 4),
    };
    for (a, b) in runs {
        let n_u = b - a;
        let h = if n_u < min_user_ratings {
            0
        } else {
            match holdout {
                Holdout::Ratio(r) => ratio_ceil(n_u, r),
                Holdout::Last(k) => k.min(n_u),
            }
        };
        for (off, &k) in order[a..b].iter().enumerate() {
            let k = k as usize;
            let part = if off >= n_u - h {
                &mut out.test
            } else {
                &mut out.train
            };
            part.push_from(ratings, k);
        }
    }
    Ok(out)
}

/// Given/hidden per-user split; both parts in (user, item) order.
///
/// A user with `n_u ≥ max(2, min_user_ratings)` gives `g = clamp(⌊given_ratio·n_u⌋, 1, n_u−1)`
/// ratings to train, chosen by a partial Fisher–Yates over the user's ratings in item order
/// with `Rng::fork(seed, user)`; the other `n_u − g` are test. Smaller users stay in train.
pub(crate) fn given_hidden(
    ratings: &Interactions,
    given_ratio: f64,
    seed: u64,
    min_user_ratings: usize,
) -> Result<InteractionSplit> {
    check_input(ratings)?;
    let (order, runs) = by_user(ratings, |k| ratings.items[k]);
    let min = min_user_ratings.max(2);
    let mut is_given = vec![false; ratings.len()];
    let mut idx: Vec<usize> = Vec::new();
    for &(a, b) in &runs {
        let n_u = b - a;
        if n_u < min {
            for &k in &order[a..b] {
                is_given[k as usize] = true;
            }
            continue;
        }
        let g = ratio_count(n_u, given_ratio).clamp(1, n_u - 1);
        let mut rng = Rng::fork(seed, ratings.users[order[a] as usize] as u64);
        idx.clear();
        idx.extend(a..b);
        for i in 0..g {
            let j = i + rng.below((n_u - i) as u64) as usize;
            idx.swap(i, j);
            is_given[order[idx[i]] as usize] = true;
        }
    }
    let mut out = InteractionSplit::default();
    for &k in &order {
        let k = k as usize;
        let part = if is_given[k] {
            &mut out.train
        } else {
            &mut out.test
        };
        part.push_from(ratings, k);
    }
    Ok(out)
}

/// Checks the columns and that the ratings are indexable by `u32` (at most 2^32).
fn check_input(ratings: &Interactions) -> Result<()> {
    check_columns(ratings)?;
    if ratings.len() > u32::MAX as usize {
        return Err(DataError::Invalid(
            "more than 2^32 ratings are not supported".into(),
        ));
    }
    Ok(())
}
