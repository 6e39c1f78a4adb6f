//! Cold-start evaluation (any model; written for [`crate::Features`]): hold a share of the
//! movies out of training entirely ([`cold_start_split`]), fit on the rest, then measure how
//! well each test user's held-out movies are retrieved against a random ranking
//! ([`cold_start_recall`]).
//!
//! Recall@K of user u = |top-K ∩ R_u| / |R_u|, R_u = the held-out movies u rated, averaged over
//! the users with at least one (macro, like `recall@K` of the ranking metrics). The candidates
//! are either the held-out movies only, or every movie u did not rate in training. A random
//! ranking of C candidates puts each relevant movie in its top K with probability min(K, C)/C,
//! which is the random recall reported beside it; the lift is their ratio. Ties rank the
//! smaller inner id first (the project's rule); a NaN or infinite score ranks last.

use cinerec_core::{top_k, Dataset, Interactions, ItemIdx, Recommender, Rng, UserIdx};
use cinerec_eval::parallel::{check_pairs, items_by_user, map_users, score_user};
use cinerec_eval::{EvalError, Result};

/// Movies held out of training entirely.
#[derive(Debug, Clone)]
pub struct ColdStartSplit {
    /// Every rating except those of the held-out movies (same catalogue, so the held-out
    /// movies keep their features).
    pub train: Dataset,
    /// The held-out movies' ratings.
    pub test: Interactions,
    /// The held-out movies, ascending.
    pub items: Vec<ItemIdx>,
}

/// Holds `fraction` of the movies that have ratings (seeded, uniformly; at least one when
/// `fraction > 0` and two movies have ratings) out of training: all their ratings go to test.
pub fn cold_start_split(data: &Dataset, fraction: f64, seed: u64) -> Result<ColdStartSplit> {
    if !(0.0..1.0).contains(&fraction) {
        return Err(EvalError::InvalidInput(format!(
            "cold-start fraction {fraction} is not in [0, 1)"
        )));
    }
    let m = data.matrix();
    let mut rated: Vec<u32> = (0..data.n_items() as u32)
        .filter(|&i| m.item_count(ItemIdx(i)) > 0)
        .collect();
    Rng::new(seed).shuffle(&mut rated);
    let mut n = (rated.len() as f64 * fraction).round() as usize;
    if fraction > 0.0 && rated.len() >= 2 {
        n = n.clamp(1, rated.len() - 1);
    }
    let mut cold = vec![false; data.n_items()];
    let mut items: Vec<ItemIdx> = rated[..n.min(rated.len())]
        .iter()
        .map(|&i| {
            cold[i as usize] = true;
            ItemIdx(i)
        })
        .collect();
    items.sort();
    let (mut train, mut test) = (Interactions::default(), Interactions::default());
    for r in m.iter() {
        let part = if cold[r.item.ix()] {
            &mut test
        } else {
            &mut train
        };
        part.push(r.user.0, r.item.0, r.value, r.time);
    }
    let name = format!("{}:cold-start-train", data.name);
    Ok(ColdStartSplit {
        train: data.with_ratings(name, train),
        test,
        items,
    })
}

/// Which movies the held-out ones are ranked among.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColdCandidates {
    /// The held-out movies only.
    ColdOnly,
    /// Every movie the user did not rate in training.
    All,
}

/// Cold-start recall against a random ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct ColdStartReport {
    /// Cut-off.
    pub k: usize,
    /// Candidate set.
    pub candidates: ColdCandidates,
    /// Held-out movies.
    pub n_cold_items: usize,
    /// Users with a held-out rating.
    pub n_users: usize,
    /// Held-out ratings.
    pub n_pairs: usize,
    /// Users the model could not score (counted with recall 0).
    pub n_unscored: usize,
    /// Mean recall@K of the model.
    pub recall: f64,
    /// Mean recall@K of a random ranking of the same candidates.
    pub random_recall: f64,
}

impl ColdStartReport {
    /// `recall / random_recall` (how many times better than random).
    pub fn lift(&self) -> f64 {
        if self.random_recall > 0.0 {
            self.recall / self.random_recall
        } else {
            0.0
        }
    }
}

/// Recall@`k` of the held-out movies `cold` for every user with a rating in `test` (the
/// held-out ratings), `model` fitted on `train` (see the module docs).
pub fn cold_start_recall(
    model: &dyn Recommender,
    train: &Dataset,
    test: &Interactions,
    cold: &[ItemIdx],
    k: usize,
    candidates: ColdCandidates,
    workers: usize,
) -> Result<ColdStartReport> {
    check_pairs(train, test)?;
    if k == 0 {
        return Err(EvalError::InvalidInput("K must be at least 1".into()));
    }
    let mut is_cold = vec![false; train.n_items()];
    for &i in cold {
        *is_cold
            .get_mut(i.ix())
            .ok_or_else(|| EvalError::InvalidInput(format!("cold movie {i} out of range")))? = true;
    }
    if test.items.iter().any(|&i| !is_cold[i as usize]) {
        return Err(EvalError::InvalidInput(
            "a test rating is not on a held-out movie".into(),
        ));
    }
    let mut by_user = items_by_user(train.n_users(), test);
    by_user.iter_mut().for_each(|v| {
        v.sort_unstable();
        v.dedup();
    });
    let users: Vec<UserIdx> = (0..train.n_users() as u32)
        .map(UserIdx)
        .filter(|u| !by_user[u.ix()].is_empty())
        .collect();
    if users.is_empty() {
        return Err(EvalError::Empty("no held-out ratings".into()));
    }
    let per_user = map_users(&users, train.n_items(), workers, |u, buf| {
        let rated = train.user_ratings(u).0;
        let candidate = |i: usize| match candidates {
            ColdCandidates::ColdOnly => is_cold[i],
            ColdCandidates::All => rated.binary_search(&(i as u32)).is_err(),
        };
        let n_cand = (0..buf.len()).filter(|&i| candidate(i)).count();
        let random = k.min(n_cand) as f64 / n_cand.max(1) as f64;
        if !score_user(model, u, buf)? {
            return Ok((None, random));
        }
        for (i, s) in buf.iter_mut().enumerate() {
            *s = if !candidate(i) {
                f32::NEG_INFINITY
            } else if s.is_finite() {
                *s
            } else {
                f32::MIN
            };
        }
        let rel = &by_user[u.ix()];
        let hits = top_k(buf, k)
            .iter()
            .filter(|s| rel.binary_search(&s.item.0).is_ok())
            .count();
        Ok((Some(hits as f64 / rel.len() as f64), random))
    })?;
    let n = users.len() as f64;
    Ok(ColdStartReport {
        k,
        candidates,
        n_cold_items: cold.len(),
        n_users: users.len(),
        n_pairs: test.len(),
        n_unscored: per_user.iter().filter(|r| r.0.is_none()).count(),
        recall: per_user.iter().map(|r| r.0.unwrap_or(0.0)).sum::<f64>() / n,
        random_recall: per_user.iter().map(|r| r.1).sum::<f64>() / n,
    })
}
