//! A popularity prior chosen on a hold-out, for ranking models whose learned scores know
//! less than popularity does where users are light (issue #15: BPR at its defaults lost to
//! popularity on 30k users with a few ratings each). [`hold_out_one`] carves one rating per
//! user (the latest when the ratings carry times, else a random one) off the training data;
//! a model fitted on the rest is asked, user by user, for its scores; [`choose_weight`]
//! picks the `β` of `score + β · ln(1 + n_i)` (`n_i` = movie `i`'s training ratings) from
//! [`GRID`] that puts the most held-out movies in those users' top 10. `β = 0` (the scores as
//! trained) is in the grid and wins ties, so the prior is only added where it ranks the
//! held-out movies better.

use cinerec_core::{Dataset, Interactions, Rng, UserIdx};

/// The candidate weights, in units of the scores' standard deviation per unit of
/// `ln(1 + n_i)` (1000: popularity first, the learned score breaking ties).
pub const GRID: [f32; 9] = [0.0, 0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 1000.0];
/// Users the choice looks at (spread over the catalogue's users).
pub const MAX_USERS: usize = 2000;
/// The cut-off of the hold-out's ranking.
const TOP: usize = 10;

/// The training data without one rating of every user with at least three, and the
/// held-out `(user, movie)` pairs; `None` when fewer than 20 users could give one.
pub fn hold_out_one(data: &Dataset, seed: u64) -> Option<(Dataset, Vec<(u32, u32)>)> {
    let m = data.matrix();
    let timed = m.has_times();
    let mut rng = Rng::new(seed ^ 0x9e11);
    let all = m.to_interactions();
    // Positions in `all` are user-major: user u's ratings follow its row.
    let mut keep = Vec::with_capacity(all.len());
    let mut held = vec![];
    let mut pos = 0usize;
    for u in 0..m.n_users() {
        let (items, _) = m.user_row(UserIdx(u as u32));
        let n = items.len();
        let out = (n >= 3).then(|| {
            if timed {
                let t = m.user_times(UserIdx(u as u32));
                (0..n).max_by_key(|&k| (t[k], k)).unwrap_or(0)
            } else {
                rng.below(n as u64) as usize
            }
        });
        for (k, &item) in items.iter().enumerate() {
            if Some(k) == out {
                held.push((u as u32, item));
            } else {
                keep.push(pos + k);
            }
        }
        pos += n;
    }
    if held.len() < 20 || pos != all.len() {
        return None;
    }
    let rest: Interactions = all.select(&keep);
    Some((
        data.with_ratings(format!("{}:prior", data.name), rest),
        held,
    ))
}

/// The `β` of [`GRID`] (scaled by the scores' spread) under which the most held-out movies
/// reach their users' top 10. `scores(u, out)` fills user `u`'s scores; `seen[u]` are the
/// movies the user rated in the fit part (never ranked); `prior[i] = ln(1 + n_i)`.
pub fn choose_weight(
    held: &[(u32, u32)],
    seen: impl Fn(u32) -> Vec<u32>,
    prior: &[f32],
    mut scores: impl FnMut(u32, &mut [f32]),
) -> f32 {
    let n_items = prior.len();
    let step = held.len().div_ceil(MAX_USERS).max(1);
    let users = || held.iter().step_by(step);
    let mut s = vec![0f32; n_items];
    // The unit of β: the users' mean score spread (one scale for all users, so a light
    // user, whose scores spread less, leans on the prior more).
    let (mut total, mut n) = (0f64, 0usize);
    for &(u, _) in users() {
        scores(u, &mut s);
        total += std_dev(&s);
        n += 1;
    }
    let sd = if n > 0 {
        (total / n as f64) as f32
    } else {
        0.0
    };
    if sd <= 0.0 || !sd.is_finite() {
        return 0.0;
    }
    let mut hits = [0usize; GRID.len()];
    let mut cand = Vec::with_capacity(n_items);
    for &(u, target) in users() {
        scores(u, &mut s);
        for i in seen(u) {
            if let Some(x) = s.get_mut(i as usize) {
                *x = f32::NEG_INFINITY;
            }
        }
        for (g, &beta) in GRID.iter().enumerate() {
            cand.clear();
            cand.extend(
                s.iter()
                    .zip(prior)
                    .enumerate()
                    .filter(|(_, (x, _))| x.is_finite())
                    .map(|(i, (x, p))| (x + beta * sd * p, i as u32)),
            );
            let k = TOP.min(cand.len());
            if k == 0 {
                continue;
            }
            if k < cand.len() {
                cand.select_nth_unstable_by(k - 1, |a, b| b.0.total_cmp(&a.0));
            }
            hits[g] += usize::from(cand[..k].iter().any(|c| c.1 == target));
        }
    }
    let mut best = 0;
    for g in 1..GRID.len() {
        if hits[g] > hits[best] {
            best = g;
        }
    }
    GRID[best] * sd
}

/// Standard deviation of the finite values.
fn std_dev(s: &[f32]) -> f64 {
    let (mut n, mut sum, mut sq) = (0f64, 0f64, 0f64);
    for &x in s.iter().filter(|x| x.is_finite()) {
        n += 1.0;
        sum += x as f64;
        sq += (x as f64) * (x as f64);
    }
    if n == 0.0 {
        return 0.0;
    }
    let mean = sum / n;
    (sq / n - mean * mean).max(0.0).sqrt()
}

/// `ln(1 + n_i)` of every movie's training ratings.
pub fn log_popularity(data: &Dataset) -> Vec<f32> {
    let m = data.matrix();
    (0..m.n_items())
        .map(|i| (m.item_count(cinerec_core::ItemIdx(i as u32)) as f32).ln_1p())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prior_is_chosen_only_where_it_ranks_the_held_out_movies_better() {
        // 50 movies, popularity descending with the index; every held-out movie is 0.
        let prior: Vec<f32> = (0..50).map(|i| ((50 - i) as f32).ln_1p()).collect();
        let held: Vec<(u32, u32)> = (0..100).map(|u| (u, 0)).collect();
        // Scores that rank movie 0 last: only a prior brings it to the top.
        let noisy = |_: u32, out: &mut [f32]| {
            for (i, o) in out.iter_mut().enumerate() {
                *o = i as f32 / 50.0;
            }
        };
        assert!(choose_weight(&held, |_| vec![], &prior, noisy) > 0.0);
        // Scores that already rank it first: β = 0.
        let good = |_: u32, out: &mut [f32]| {
            for (i, o) in out.iter_mut().enumerate() {
                *o = if i == 0 { 10.0 } else { 0.0 };
            }
        };
        assert_eq!(choose_weight(&held, |_| vec![], &prior, good), 0.0);
    }

    #[test]
    fn hold_out_takes_one_rating_of_users_with_three() {
        let data = cinerec_core::fixtures::synthetic(3);
        let (rest, held) = hold_out_one(&data, 1).unwrap();
        assert_eq!(rest.n_ratings() + held.len(), data.n_ratings());
        let m = rest.matrix();
        for &(u, i) in &held {
            let (items, _) = m.user_row(UserIdx(u));
            assert!(!items.contains(&i));
        }
    }
}
