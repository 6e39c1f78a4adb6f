//! The two-tower's popularity prior (feature `train`, parameter `popularity_prior`): after
//! training, `β · ln(1 + n_i)` (`n_i` = movie `i`'s training examples) is added to every
//! movie's retrieval bias, with `β` picked from a small grid by the hold-out: the number of
//! held-out movies in each user's top 10 among the movies they did not rate in training (the
//! hold-out's users, at most [`MAX_USERS`] of them). `β = 0`, the scores as trained, is in the
//! grid and wins ties, so the prior is only added where it ranks the held-out movies better —
//! on sparse data, where the learned scores know less than popularity does.

use crate::twotower_net::Examples;
use crate::twotower_weights::Weights;
use std::collections::BTreeMap;

/// The candidate weights of the prior (1000: popularity first, the learned score breaking ties).
const GRID: [f32; 9] = [0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 1000.0];
/// The cut-off of the hold-out's ranking.
const TOP: usize = 10;
/// Hold-out users the choice looks at (the first by index).
pub(crate) const MAX_USERS: usize = 1000;

/// Adds the prior with the `β` the hold-out `val_ids` prefers (nothing without a hold-out).
pub(crate) fn add_popularity_prior(
    w: &mut Weights,
    ex: &Examples,
    train_ids: &[u32],
    val_ids: &[u32],
) {
    if val_ids.is_empty() {
        return;
    }
    let n_items = w.n_items;
    let mut count = vec![0f32; n_items];
    let mut seen: Vec<Vec<u32>> = vec![vec![]; w.n_users];
    for &k in train_ids {
        let (u, i) = (ex.users[k as usize] as usize, ex.items[k as usize]);
        count[i as usize] += 1.0;
        seen[u].push(i);
    }
    let mut val: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
    for &k in val_ids {
        let u = ex.users[k as usize] as usize;
        val.entry(u).or_default().push(ex.items[k as usize]);
    }
    let prior: Vec<f32> = count.iter().map(|c| c.ln_1p()).collect();
    let mut hits = [0usize; GRID.len()];
    let (mut s, mut cand) = (vec![0f32; n_items], Vec::with_capacity(n_items));
    for (&u, targets) in val.iter().take(MAX_USERS) {
        w.scores(w.user(u), &mut s);
        for &i in &seen[u] {
            s[i as usize] = f32::NEG_INFINITY;
        }
        for (g, &beta) in GRID.iter().enumerate() {
            cand.clear();
            cand.extend(
                s.iter()
                    .zip(&prior)
                    .enumerate()
                    .filter(|(_, (x, _))| x.is_finite())
                    .map(|(i, (x, p))| (x + beta * p, i as u32)),
            );
            let k = TOP.min(cand.len());
            if k == 0 {
                continue;
            }
            if k < cand.len() {
                cand.select_nth_unstable_by(k - 1, |a, b| b.0.total_cmp(&a.0));
            }
            hits[g] += cand[..k].iter().filter(|c| targets.contains(&c.1)).count();
        }
    }
    let mut best = 0;
    for g in 1..GRID.len() {
        if hits[g] > hits[best] {
            best = g;
        }
    }
    let beta = GRID[best];
    if beta > 0.0 {
        if w.item_bias.len() != n_items {
            w.item_bias = vec![0.0; n_items];
        }
        for (b, p) in w.item_bias.iter_mut().zip(&prior) {
            *b += beta * p;
        }
    }
}
