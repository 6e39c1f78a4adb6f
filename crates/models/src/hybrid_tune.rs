//! Choosing the hybrid's weight on validation data, never on the test set: a tiny temporal
//! carve of the training data ([`carve_last`]; `cinerec-data` is not a dependency of this
//! crate), NDCG@k with the peers' definition ([`ndcg_at`]) and [`tune_weight`], which fits
//! the components once and scores every weight of a grid.

use crate::hybrid::{Hybrid, HybridParams};
use crate::registry::Configurable;
use cinerec_core::{
    Dataset, Interactions, NoObserver, RecommendOptions, Recommender, RecommenderExt, Result,
    UserIdx, UserRef,
};
use std::collections::BTreeMap;

/// Splits `data` per user: the last `⌈ratio · n_u⌉` ratings by (time, item) are validation,
/// the rest stay for fitting. Users with a single rating keep it for fitting.
pub fn carve_last(data: &Dataset, ratio: f64) -> (Dataset, Interactions) {
    let (mut fit, mut val) = (Interactions::default(), Interactions::default());
    let m = data.matrix();
    for u in 0..data.n_users() as u32 {
        let (items, vals) = m.user_row(UserIdx(u));
        let times = m.user_times(UserIdx(u));
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_by_key(|&k| (times[k], items[k]));
        let hold = if items.len() < 2 {
            0
        } else {
            ((ratio * items.len() as f64).ceil() as usize).clamp(1, items.len() - 1)
        };
        for (pos, &k) in order.iter().enumerate() {
            let dst = if pos >= items.len() - hold {
                &mut val
            } else {
                &mut fit
            };
            dst.push(u, items[k], vals[k], times[k]);
        }
    }
    (data.with_ratings(format!("{}:fit", data.name), fit), val)
}

/// Mean NDCG@k over the users with validation ratings: every validation movie is relevant
/// (whatever its rating), seen movies are excluded, ties by smaller id.
pub fn ndcg_at(
    model: &dyn Recommender,
    fit: &Dataset,
    val: &Interactions,
    k: usize,
) -> Result<f64> {
    let mut relevant: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for r in val.iter() {
        relevant.entry(r.user.0).or_default().push(r.item.0);
    }
    let (mut total, mut users) = (0.0, 0usize);
    let opts = RecommendOptions {
        n: k,
        ..Default::default()
    };
    for (&u, rel) in &relevant {
        let top = model.recommend(fit, UserRef::Known(UserIdx(u)), &opts)?;
        let dcg: f64 = top
            .iter()
            .enumerate()
            .filter(|(_, s)| rel.contains(&s.item.0))
            .map(|(p, _)| 1.0 / (p as f64 + 2.0).log2())
            .sum();
        let idcg: f64 = (0..rel.len().min(k))
            .map(|p| 1.0 / (p as f64 + 2.0).log2())
            .sum();
        total += if idcg > 0.0 { dcg / idcg } else { 0.0 };
        users += 1;
    }
    Ok(if users == 0 {
        0.0
    } else {
        total / users as f64
    })
}

/// Validation NDCG@10 of every weight in `grid` for a hybrid with `params` fitted once on
/// `fit`, and the best weight (first best on ties).
pub fn tune_weight(
    params: &HybridParams,
    fit: &Dataset,
    val: &Interactions,
    grid: &[f64],
) -> Result<(f64, Vec<(f64, f64)>)> {
    let mut h = Hybrid::from_params(params.clone())?;
    h.fit(fit, &mut NoObserver)?;
    let mut table = Vec::with_capacity(grid.len());
    for &w in grid {
        h.set_weight(w)?;
        table.push((w, ndcg_at(&h, fit, val, 10)?));
    }
    let best = table
        .iter()
        .fold(None::<(f64, f64)>, |b, &(w, s)| match b {
            Some((_, bs)) if bs >= s => b,
            _ => Some((w, s)),
        })
        .map_or(params.weight, |b| b.0);
    Ok((best, table))
}
