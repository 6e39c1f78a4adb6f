//! Diversity re-ranking by maximal marginal relevance (Carbonell & Goldstein 1998) on top of
//! any model: take the model's top `pool` candidates from [`RecommenderExt::recommend`], then
//! pick greedily the candidate maximising
//! `λ · rel(i) − (1 − λ) · max_{s already picked} sim(i, s)`,
//! where `rel` is the model score min-max scaled to `[0, 1]` over the pool and `sim` is
//! either the genre Jaccard similarity `|G_i ∩ G_s| / |G_i ∪ G_s|` (two genre-less movies
//! count as identical, as in the eval crate's diversity@K) or the model's own item
//! similarity (min-max scaled over the pool). `λ = 1` returns the base order; smaller `λ`
//! trades relevance for lists that span more genres. Ties keep the base order.

use cinerec_core::{
    CoreError, Dataset, ItemIdx, RecommendOptions, Recommender, RecommenderExt, Result, Scored,
    UserRef,
};
use serde::{Deserialize, Serialize};

/// What "similar" means for the diversity penalty.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DiversityBy {
    /// Genre Jaccard similarity from the catalogue.
    #[default]
    Genre,
    /// The model's `item_similarities`.
    Similarity,
}

/// Options of [`recommend_diverse`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MmrOptions {
    /// Relevance share λ in `[0, 1]` (1 = no re-ranking).
    pub lambda: f64,
    /// Candidates taken from the model before re-ranking.
    pub pool: usize,
    /// Similarity used for the penalty.
    pub by: DiversityBy,
}

impl Default for MmrOptions {
    fn default() -> Self {
        MmrOptions {
            lambda: 0.7,
            pool: 100,
            by: DiversityBy::Genre,
        }
    }
}

/// Genre Jaccard similarity of two movies ([`cinerec_core::catalog::genre_jaccard`]).
pub fn genre_jaccard(data: &Dataset, a: ItemIdx, b: ItemIdx) -> f32 {
    let cat = data.catalog();
    cinerec_core::catalog::genre_jaccard(&cat.meta(a).genres, &cat.meta(b).genres) as f32
}

/// Re-ranks `candidates` (best first) and returns the first `n` picks with their original
/// scores. `model` is only used with [`DiversityBy::Similarity`].
pub fn mmr(
    data: &Dataset,
    model: &dyn Recommender,
    candidates: &[Scored],
    n: usize,
    opts: &MmrOptions,
) -> Result<Vec<Scored>> {
    if !(0.0..=1.0).contains(&opts.lambda) {
        return Err(CoreError::InvalidParam {
            name: "lambda".into(),
            reason: "must be in [0, 1]".into(),
        });
    }
    let m = candidates.len();
    let (lo, hi) = candidates.iter().fold((f32::MAX, f32::MIN), |(l, h), s| {
        (l.min(s.score), h.max(s.score))
    });
    let rel: Vec<f64> = candidates
        .iter()
        .map(|s| {
            if hi > lo {
                ((s.score - lo) / (hi - lo)) as f64
            } else {
                1.0
            }
        })
        .collect();
    // sim[a][b] over the pool.
    let mut sim = vec![0f32; m * m];
    let mut row = vec![
        0f32;
        if opts.by == DiversityBy::Similarity {
            data.n_items()
        } else {
            0
        }
    ];
    for a in 0..m {
        let ia = candidates[a].item;
        if opts.by == DiversityBy::Similarity {
            model.item_similarities(ia, &mut row)?;
            let vals: Vec<f32> = candidates.iter().map(|c| row[c.item.ix()]).collect();
            let (l, h) = vals
                .iter()
                .fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
            for b in 0..m {
                sim[a * m + b] = if h > l { (vals[b] - l) / (h - l) } else { 0.0 };
            }
        } else {
            for b in 0..m {
                sim[a * m + b] = genre_jaccard(data, ia, candidates[b].item);
            }
        }
    }
    let mut max_sim = vec![0f32; m];
    let mut taken = vec![false; m];
    let mut out = Vec::with_capacity(n.min(m));
    let lambda = opts.lambda;
    while out.len() < n.min(m) {
        let mut best: Option<(usize, f64)> = None;
        for c in (0..m).filter(|&c| !taken[c]) {
            let penalty = if out.is_empty() {
                0.0
            } else {
                max_sim[c] as f64
            };
            let v = lambda * rel[c] - (1.0 - lambda) * penalty;
            if best.is_none_or(|b| v > b.1) {
                best = Some((c, v));
            }
        }
        let Some((c, _)) = best else { break };
        taken[c] = true;
        out.push(candidates[c]);
        for (o, ms) in max_sim.iter_mut().enumerate() {
            *ms = ms.max(sim[o * m + c]);
        }
    }
    Ok(out)
}

/// The model's top `opts.pool` unseen movies for `user`, re-ranked by [`mmr`] to `n`.
pub fn recommend_diverse(
    model: &dyn Recommender,
    data: &Dataset,
    user: UserRef<'_>,
    n: usize,
    opts: &MmrOptions,
) -> Result<Vec<Scored>> {
    let base = model.recommend(
        data,
        user,
        &RecommendOptions {
            n: opts.pool.max(n),
            ..Default::default()
        },
    )?;
    mmr(data, model, &base, n, opts)
}
