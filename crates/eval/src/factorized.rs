//! Retrieval-style accuracy over the *whole* catalogue, seen movies included:
//! * factorized top-K accuracy (TensorFlow Recommenders' `FactorizedTopK` metric);
//! * precision@K in-sample and out-of-sample (the feature-embedding reference, as LightFM's
//!   `precision_at_k` computes them).

use crate::error::{EvalError, Result};
use crate::parallel::{check_pairs, items_by_user, map_users, score_user};
use crate::ranking::{relevant_sets, top_lists};
use cinerec_core::{Dataset, Interactions, Recommender, UserIdx};
use std::cmp::Ordering;

/// The cut-offs reported by default: keys `top1_accuracy` … `top100_accuracy`.
pub const FACTORIZED_KS: [usize; 5] = [1, 5, 10, 50, 100];

/// Factorized top-K accuracy at several cut-offs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FactorizedAccuracy {
    /// `(K, share of test pairs whose movie ranks within the top K)`, in the order asked.
    pub by_k: Vec<(usize, f64)>,
    /// Number of test pairs.
    pub n_pairs: usize,
    /// Pairs whose user the model does not know (counted as misses).
    pub n_unscored: usize,
}

/// The test pairs of one user with the 0-based rank of each movie among *all* movies.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRanks {
    /// The user.
    pub user: UserIdx,
    /// Their test movies (stored order, duplicates kept).
    pub items: Vec<u32>,
    /// Rank of each of `items` (`usize::MAX` for a NaN score); `None` when the model does
    /// not know the user.
    pub ranks: Option<Vec<usize>>,
}

/// For each test pair (u, i): the 0-based rank of i among *all* movies by `score_all(u)`
/// (seen movies not excluded), ties by the smaller inner id (core's `rank_of` rule), grouped
/// by user in inner-id order. `score_all` runs once per user.
pub fn factorized_ranks(
    model: &dyn Recommender,
    train: &Dataset,
    test: &Interactions,
    workers: usize,
) -> Result<Vec<UserRanks>> {
    check_pairs(train, test)?;
    if test.is_empty() {
        return Err(EvalError::Empty("the test set has no ratings".into()));
    }
    let mut by_user = items_by_user(train.n_users(), test);
    let users: Vec<UserIdx> = (0..train.n_users() as u32)
        .map(UserIdx)
        .filter(|u| !by_user[u.ix()].is_empty())
        .collect();
    let ranks: Vec<Option<Vec<usize>>> = map_users(&users, train.n_items(), workers, |u, buf| {
        if !score_user(model, u, buf)? {
            return Ok(None);
        }
        Ok(Some(ranks_of(buf, &by_user[u.ix()])))
    })?;
    Ok(users
        .into_iter()
        .zip(ranks)
        .map(|(user, ranks)| UserRanks {
            user,
            items: std::mem::take(&mut by_user[user.ix()]),
            ranks,
        })
        .collect())
}

/// Factorized top-K accuracy from [`factorized_ranks`]: the accuracy at K is the share of
/// pairs with rank < K. Duplicate pairs count each time; a NaN score for i, or an unknown
/// user, is a miss.
pub fn factorized_top_k(
    model: &dyn Recommender,
    train: &Dataset,
    test: &Interactions,
    ks: &[usize],
    workers: usize,
) -> Result<FactorizedAccuracy> {
    let ranks = factorized_ranks(model, train, test, workers)?;
    let mut acc = FactorizedAccuracy {
        n_pairs: test.len(),
        ..Default::default()
    };
    let mut hits = vec![0usize; ks.len()];
    for u in &ranks {
        match &u.ranks {
            None => acc.n_unscored += u.items.len(),
            Some(r) => {
                for &rank in r {
                    for (h, &k) in hits.iter_mut().zip(ks) {
                        *h += usize::from(rank < k);
                    }
                }
            }
        }
    }
    acc.by_k = ks
        .iter()
        .zip(&hits)
        .map(|(&k, &h)| (k, h as f64 / test.len() as f64))
        .collect();
    Ok(acc)
}

/// Ranks (tie rule of `cinerec_core::rank_of`) of `targets` in `scores`; `usize::MAX` for a
/// NaN target. Few targets: one linear scan each; many: one sort of the catalogue.
pub fn ranks_of(scores: &[f32], targets: &[u32]) -> Vec<usize> {
    if targets.len() <= 16 {
        return targets
            .iter()
            .map(|&t| match scores.get(t as usize) {
                Some(s) if !s.is_nan() => cinerec_core::rank_of(scores, t as usize),
                _ => usize::MAX,
            })
            .collect();
    }
    // Order consistent with rank_of for non-NaN targets: higher score first (−0 == +0),
    // NaN last, equal scores by smaller index.
    let mut order: Vec<u32> = (0..scores.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| {
        let (x, y) = (scores[a as usize], scores[b as usize]);
        let c = match (x.is_nan(), y.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            _ => y.partial_cmp(&x).unwrap_or(Ordering::Equal),
        };
        c.then(a.cmp(&b))
    });
    let mut pos = vec![0usize; scores.len()];
    for (r, &i) in order.iter().enumerate() {
        pos[i as usize] = r;
    }
    targets
        .iter()
        .map(|&t| match scores.get(t as usize) {
            Some(s) if !s.is_nan() => pos[t as usize],
            _ => usize::MAX,
        })
        .collect()
}

/// In-sample precision@K: for every user with a rating in `train`, the share of the top K
/// over *all* movies (seen not excluded) that the user rated in `train`; averaged over those
/// users. An unknown user scores 0. Measures how well the model fits its training data.
pub fn precision_in_sample(
    model: &dyn Recommender,
    train: &Dataset,
    k: usize,
    workers: usize,
) -> Result<f64> {
    if k == 0 {
        return Err(EvalError::InvalidInput("K must be at least 1".into()));
    }
    let users: Vec<UserIdx> = train.active_users().collect();
    if users.is_empty() {
        return Err(EvalError::Empty("the training set has no ratings".into()));
    }
    let lists = top_lists(model, train, &users, k, false, workers)?;
    let mut sum = 0f64;
    for (&u, list) in users.iter().zip(&lists) {
        let rated = train.user_ratings(u).0;
        let hits = list
            .iter()
            .flatten()
            .filter(|i| rated.binary_search(i).is_ok())
            .count();
        sum += hits as f64 / k as f64;
    }
    Ok(sum / users.len() as f64)
}

/// Out-of-sample precision@K: the model was fitted on `given` (e.g. 20% of each user's
/// movies); for every user with a `hidden` rating (the other 80%), the share of the top K
/// movies *not in `given`* that are in `hidden`; averaged over those users. This is
/// `precision@K` of [`crate::ranking::ranking_metrics`] with train = given, test = hidden.
pub fn precision_out_of_sample(
    model: &dyn Recommender,
    given: &Dataset,
    hidden: &Interactions,
    k: usize,
    workers: usize,
) -> Result<f64> {
    check_pairs(given, hidden)?;
    if k == 0 {
        return Err(EvalError::InvalidInput("K must be at least 1".into()));
    }
    let rel = relevant_sets(given.n_users(), hidden);
    let users: Vec<UserIdx> = (0..given.n_users() as u32)
        .map(UserIdx)
        .filter(|u| !rel[u.ix()].is_empty())
        .collect();
    if users.is_empty() {
        return Err(EvalError::Empty("the hidden set has no ratings".into()));
    }
    let lists = top_lists(model, given, &users, k, true, workers)?;
    let sum: f64 = users
        .iter()
        .zip(&lists)
        .map(|(u, l)| {
            l.iter()
                .flatten()
                .filter(|i| rel[u.ix()].binary_search(i).is_ok())
                .count() as f64
                / k as f64
        })
        .sum();
    Ok(sum / users.len() as f64)
}
