//! Top-K ranking metrics with the peer definitions of `peers/common.py`, plus MRR,
//! intra-list genre diversity and novelty.
//!
//! Protocol (identical to `common.py::ranking_metrics`):
//! * users: every user with at least one test rating, in ascending inner id;
//! * relevant(u): the distinct movies of u's test ratings, whatever the rating value;
//! * candidates(u): the whole catalogue minus the movies u rated in train;
//! * list(u): the K best candidates by `score_all`, ties by the smaller inner id
//!   (= smaller raw id) — core's [`top_k`]. A list shorter than K counts its missing slots
//!   as misses (P@K always divides by K);
//! * P = hits/K, R = hits/|rel|, HR = [hits > 0],
//!   NDCG = Σ_k rel_k/log2(k+1) / Σ_{k ≤ min(K,|rel|)} 1/log2(k+1),
//!   AP = Σ_k P@k·rel_k / min(K,|rel|), RR = 1/rank of the first hit (0 if none);
//!   each averaged over the users; coverage = |∪ lists| / n_items.
//! * `mean_train_count_of_recommended` / `share_recommended_with_le5_train_ratings`: train
//!   rating count of every recommended slot, its mean and the share of slots with ≤ 5.
//!
//! Our additions (not in the peers):
//! * **diversity@K** — intra-list genre diversity: for each list with ≥ 2 movies, the mean
//!   over its movie pairs of `1 − |G_a ∩ G_b| / |G_a ∪ G_b|` (two genre-less movies count as
//!   identical, distance 0); averaged over those lists. `None` when the catalogue has no genres.
//! * **novelty@K** — mean self-information of the recommended slots:
//!   `−log2(max(c_i, 1) / U)` with `c_i` the number of train users who rated movie i and
//!   `U` the number of users with a train rating (Zhou et al. 2010; Microsoft Recommenders'
//!   `novelty`). Movies nobody rated in train count as rated once.
//!
//! Known edge differences from numpy: core's `top_k` never returns `-inf`/NaN scores, so a
//! user with fewer than K finite-scored candidates gets a shorter list, where numpy would pad
//! it with seen movies. A user the model does not know ([`CoreError::UnknownUser`]) gets an
//! empty list (all misses) and is counted in `n_users_unscored`.
//!
//! [`CoreError::UnknownUser`]: cinerec_core::CoreError::UnknownUser

use crate::error::{EvalError, Result};
use crate::parallel::{check_pairs, items_by_user, map_users, score_user};
use cinerec_core::{top_k, Dataset, Interactions, ItemIdx, Recommender, UserIdx};
use serde::{Deserialize, Serialize};

/// Ranking figures at one cut-off K.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RankingMetrics {
    /// The cut-off.
    pub k: usize,
    /// Mean precision@K.
    pub precision: f64,
    /// Mean recall@K.
    pub recall: f64,
    /// Mean NDCG@K.
    pub ndcg: f64,
    /// Share of users with at least one hit.
    pub hitrate: f64,
    /// Mean average precision@K.
    pub map: f64,
    /// Mean reciprocal rank of the first hit within the top K.
    pub mrr: f64,
    /// Distinct recommended movies / catalogue size.
    pub coverage: f64,
    /// Intra-list genre diversity (see module docs); `None` without genre data.
    pub diversity: Option<f64>,
    /// Mean self-information of recommended movies (see module docs).
    pub novelty: f64,
    /// Users evaluated (≥ 1 test rating).
    pub n_users: usize,
    /// Users the model could not score (empty list).
    pub n_users_unscored: usize,
    /// Mean train rating count of the recommended slots.
    pub mean_train_count_of_recommended: f64,
    /// Share of recommended slots whose movie has ≤ 5 train ratings.
    pub share_recommended_with_le5_train_ratings: f64,
}

/// Top-`k` lists (inner item ids, best first) for `users`, computed on `workers` threads.
///
/// With `exclude_seen`, movies the user rated in `train` are not candidates. `None` marks a
/// user the model does not know. Ties go to the smaller inner id.
pub fn top_lists(
    model: &dyn Recommender,
    train: &Dataset,
    users: &[UserIdx],
    k: usize,
    exclude_seen: bool,
    workers: usize,
) -> Result<Vec<Option<Vec<u32>>>> {
    let n_items = train.n_items();
    if let Some(u) = users.iter().find(|u| u.ix() >= train.n_users()) {
        return Err(EvalError::InvalidInput(format!(
            "user {u} is outside the catalogue"
        )));
    }
    map_users(users, n_items, workers, |u, buf| {
        if !score_user(model, u, buf)? {
            return Ok(None);
        }
        if exclude_seen {
            for &i in train.user_ratings(u).0 {
                buf[i as usize] = f32::NEG_INFINITY;
            }
        }
        Ok(Some(top_k(buf, k).into_iter().map(|s| s.item.0).collect()))
    })
}

/// Ranking metrics of `model` (fitted on `train`) against `test` at cut-off `k`.
pub fn ranking_metrics(
    model: &dyn Recommender,
    train: &Dataset,
    test: &Interactions,
    k: usize,
    workers: usize,
) -> Result<RankingMetrics> {
    check_pairs(train, test)?;
    if k == 0 {
        return Err(EvalError::InvalidInput("K must be at least 1".into()));
    }
    let relevant = relevant_sets(train.n_users(), test);
    let users: Vec<UserIdx> = (0..train.n_users() as u32)
        .map(UserIdx)
        .filter(|u| !relevant[u.ix()].is_empty())
        .collect();
    let lists = top_lists(model, train, &users, k, true, workers)?;
    metrics_from_lists(&users, &lists, &relevant, train, k)
}

/// Distinct test items per user (index = inner user id), ascending.
pub fn relevant_sets(n_users: usize, test: &Interactions) -> Vec<Vec<u32>> {
    let mut rel = items_by_user(n_users, test);
    for r in &mut rel {
        r.sort_unstable();
        r.dedup();
    }
    rel
}

/// The metrics for given top lists (`lists[j]` belongs to `users[j]`; `None` = unscored),
/// relevant sets indexed by inner user id (sorted, see [`relevant_sets`]) and the train data
/// (popularity figures, genres). Users with an empty relevant set are rejected.
pub fn metrics_from_lists(
    users: &[UserIdx],
    lists: &[Option<Vec<u32>>],
    relevant: &[Vec<u32>],
    train: &Dataset,
    k: usize,
) -> Result<RankingMetrics> {
    if users.len() != lists.len() || k == 0 {
        return Err(EvalError::InvalidInput(format!(
            "{} users but {} lists (K = {k})",
            users.len(),
            lists.len()
        )));
    }
    if users.is_empty() {
        return Err(EvalError::Empty("no user has a test rating".into()));
    }
    let n_items = train.n_items();
    let disc: Vec<f64> = (0..k).map(|j| 1.0 / ((j + 2) as f64).log2()).collect();
    let n_train_users = train.active_users().count().max(1) as f64;
    let cat = train.catalog();
    let has_genres = !cat.genre_names.is_empty();
    let mut m = RankingMetrics {
        k,
        n_users: users.len(),
        ..Default::default()
    };
    let mut shown = vec![false; n_items];
    let (mut slots, mut count_sum, mut le5, mut nov_sum) = (0usize, 0f64, 0usize, 0f64);
    let (mut div_sum, mut div_lists) = (0f64, 0usize);
    for (&u, list) in users.iter().zip(lists) {
        let rel = relevant
            .get(u.ix())
            .ok_or_else(|| EvalError::InvalidInput(format!("no relevant set for {u}")))?;
        if rel.is_empty() {
            return Err(EvalError::InvalidInput(format!(
                "user {u} has no relevant item"
            )));
        }
        let empty = Vec::new();
        let list = list.as_ref().unwrap_or_else(|| {
            m.n_users_unscored += 1;
            &empty
        });
        let list = &list[..list.len().min(k)];
        let (mut hits, mut dcg, mut ap, mut rr) = (0usize, 0f64, 0f64, 0f64);
        for (j, &i) in list.iter().enumerate() {
            if i as usize >= n_items {
                return Err(EvalError::InvalidInput(format!(
                    "recommended item #{i} is outside the catalogue"
                )));
            }
            shown[i as usize] = true;
            let c = train.matrix().item_count(ItemIdx(i));
            slots += 1;
            count_sum += c as f64;
            le5 += usize::from(c <= 5);
            nov_sum += -((c.max(1) as f64) / n_train_users).log2();
            if rel.binary_search(&i).is_ok() {
                hits += 1;
                dcg += disc[j];
                ap += hits as f64 / (j + 1) as f64;
                if rr == 0.0 {
                    rr = 1.0 / (j + 1) as f64;
                }
            }
        }
        let denom = k.min(rel.len());
        m.precision += hits as f64 / k as f64;
        m.recall += hits as f64 / rel.len() as f64;
        m.hitrate += if hits > 0 { 1.0 } else { 0.0 };
        m.ndcg += dcg / disc[..denom].iter().sum::<f64>();
        m.map += ap / denom as f64;
        m.mrr += rr;
        if has_genres && list.len() >= 2 {
            div_sum += intra_list_diversity(train, list);
            div_lists += 1;
        }
    }
    let n = users.len() as f64;
    for x in [
        &mut m.precision,
        &mut m.recall,
        &mut m.hitrate,
        &mut m.ndcg,
        &mut m.map,
        &mut m.mrr,
    ] {
        *x /= n;
    }
    m.coverage = shown.iter().filter(|&&s| s).count() as f64 / n_items.max(1) as f64;
    m.diversity = (div_lists > 0).then(|| div_sum / div_lists as f64);
    if slots > 0 {
        m.novelty = nov_sum / slots as f64;
        m.mean_train_count_of_recommended = count_sum / slots as f64;
        m.share_recommended_with_le5_train_ratings = le5 as f64 / slots as f64;
    }
    Ok(m)
}

/// Mean pairwise genre Jaccard distance within one list (≥ 2 movies).
fn intra_list_diversity(train: &Dataset, list: &[u32]) -> f64 {
    let genres: Vec<Vec<u16>> = list
        .iter()
        .map(|&i| {
            let mut g = train
                .catalog()
                .item_meta
                .get(i as usize)
                .map(|m| m.genres.clone())
                .unwrap_or_default();
            g.sort_unstable();
            g.dedup();
            g
        })
        .collect();
    let (mut sum, mut pairs) = (0f64, 0usize);
    for a in 0..genres.len() {
        for b in a + 1..genres.len() {
            sum += 1.0 - cinerec_core::catalog::genre_jaccard(&genres[a], &genres[b]);
            pairs += 1;
        }
    }
    sum / pairs as f64
}
