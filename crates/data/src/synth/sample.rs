//! Sampling primitives of the generator: per-user activity counts (log-normal on top of the
//! minimum, water-filled under the cap to the exact total), Zipf item weights, a Vose alias
//! table, and weighted sampling of distinct items (rejection over a bitset for light users,
//! Efraimidis–Spirakis exponential keys for heavy ones — both draw from the same
//! "successive sampling" distribution).

use cinerec_core::Rng;

/// Exponential(1) sample.
#[inline]
pub(super) fn exp1(rng: &mut Rng) -> f64 {
    -(1.0 - rng.f64()).ln()
}

/// Per-user rating counts: each in `[min, cap]`, summing to exactly `total`
/// (the caller has validated `users * min <= total <= users * cap`).
pub(super) fn user_counts(
    users: usize,
    total: u64,
    min: u32,
    cap: u32,
    sigma: f64,
    rng: &mut Rng,
) -> Vec<u32> {
    let w: Vec<f64> = (0..users).map(|_| (sigma * rng.normal()).exp()).collect();
    let extra = (total - min as u64 * users as u64) as f64;
    let room = (cap - min) as f64;
    // Water-filling: scale the weights so the uncapped users take what the capped ones leave.
    let mut capped = vec![false; users];
    let mut n_capped = 0usize;
    let mut scale = 0.0;
    loop {
        let free_w: f64 = w
            .iter()
            .zip(&capped)
            .filter(|(_, &c)| !c)
            .map(|(x, _)| x)
            .sum();
        let left = extra - n_capped as f64 * room;
        if free_w <= 0.0 || left <= 0.0 {
            break;
        }
        scale = left / free_w;
        let mut newly = 0;
        for (x, c) in w.iter().zip(capped.iter_mut()) {
            if !*c && scale * x >= room {
                *c = true;
                newly += 1;
            }
        }
        if newly == 0 {
            break;
        }
        n_capped += newly;
    }
    let mut counts: Vec<u32> = w
        .iter()
        .zip(&capped)
        .map(|(x, &c)| {
            if c {
                cap
            } else {
                min + ((scale * x).floor().min(room) as u32)
            }
        })
        .collect();
    // Settle the rounding remainder one unit at a time over users in a random order.
    let sum: u64 = counts.iter().map(|&c| c as u64).sum();
    let mut diff = total as i128 - sum as i128;
    let mut order: Vec<u32> = (0..users as u32).collect();
    rng.shuffle(&mut order);
    while diff != 0 {
        let mut moved = false;
        for &u in &order {
            let c = &mut counts[u as usize];
            if diff > 0 && *c < cap {
                *c += 1;
                diff -= 1;
                moved = true;
            } else if diff < 0 && *c > min {
                *c -= 1;
                diff += 1;
                moved = true;
            }
            if diff == 0 {
                break;
            }
        }
        if !moved {
            break; // unreachable after validation; the caller re-checks the total
        }
    }
    counts
}

/// Zipf weights by item index: the popularity ranks are a random permutation of the items.
/// Returns `(weight per item, item of each rank)`.
pub(super) fn zipf_weights(items: usize, exponent: f64, rng: &mut Rng) -> (Vec<f64>, Vec<u32>) {
    let mut rank_to_item: Vec<u32> = (0..items as u32).collect();
    rng.shuffle(&mut rank_to_item);
    let mut w = vec![0.0; items];
    for (r, &i) in rank_to_item.iter().enumerate() {
        w[i as usize] = ((r + 1) as f64).powf(-exponent);
    }
    (w, rank_to_item)
}

/// Vose alias table: O(1) draws from a discrete distribution.
#[derive(Debug, Clone)]
pub(super) struct AliasTable {
    prob: Vec<f64>,
    alias: Vec<u32>,
}

impl AliasTable {
    /// Table for non-negative weights with a positive sum.
    pub(super) fn new(weights: &[f64]) -> Self {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let mut prob: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
        for (i, &p) in prob.iter().enumerate() {
            if p < 1.0 {
                small.push(i as u32)
            } else {
                large.push(i as u32)
            }
        }
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            alias[s as usize] = l;
            prob[l as usize] -= 1.0 - prob[s as usize];
            if prob[l as usize] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Leftovers are 1 up to rounding.
        for i in small.into_iter().chain(large) {
            prob[i as usize] = 1.0;
        }
        AliasTable { prob, alias }
    }

    /// One draw.
    #[inline]
    pub(super) fn sample(&self, rng: &mut Rng) -> u32 {
        let i = rng.below(self.prob.len() as u64) as usize;
        if rng.f64() < self.prob[i] {
            i as u32
        } else {
            self.alias[i]
        }
    }
}

/// Shared, read-only item popularity: weights and their alias table.
#[derive(Debug, Clone)]
pub(super) struct Popularity {
    pub(super) weights: Vec<f64>,
    pub(super) alias: AliasTable,
}

/// Which method drew a user's items (for tests and statistics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Method {
    /// Alias draws with duplicates rejected.
    Rejection,
    /// Exponential keys over all items.
    Keys,
}

/// Per-worker scratch for drawing distinct items.
#[derive(Debug)]
pub(super) struct ItemSampler<'a> {
    pop: &'a Popularity,
    seen: Vec<u64>,
    keys: Vec<(f64, u32)>,
}

impl<'a> ItemSampler<'a> {
    /// Scratch for one worker.
    pub(super) fn new(pop: &'a Popularity) -> Self {
        ItemSampler {
            pop,
            seen: vec![0; pop.weights.len().div_ceil(64)],
            keys: Vec::new(),
        }
    }

    /// Draws from `pop` from now on (a user's taste-group table; same item count).
    pub(super) fn set_popularity(&mut self, pop: &'a Popularity) {
        debug_assert_eq!(pop.weights.len(), self.pop.weights.len());
        self.pop = pop;
    }

    /// Draws `k` distinct items (`k <= items`) into `out` (cleared first), in draw order for
    /// the rejection method and in no particular order for the key method.
    pub(super) fn sample(&mut self, k: usize, rng: &mut Rng, out: &mut Vec<u32>) -> Method {
        let n = self.pop.weights.len();
        out.clear();
        // Heavy users: an O(n) pass beats ever-rarer acceptances.
        if k * 16 > n {
            self.sample_keys(k, rng, out);
            return Method::Keys;
        }
        let budget = 8 * k + 256;
        let mut draws = 0;
        while out.len() < k {
            if draws == budget {
                // Too skewed for rejection: undo and fall back (still deterministic).
                for &i in out.iter() {
                    self.seen[i as usize / 64] &= !(1u64 << (i % 64));
                }
                out.clear();
                self.sample_keys(k, rng, out);
                return Method::Keys;
            }
            draws += 1;
            let i = self.pop.alias.sample(rng);
            let (w, b) = (i as usize / 64, 1u64 << (i % 64));
            if self.seen[w] & b == 0 {
                self.seen[w] |= b;
                out.push(i);
            }
        }
        for &i in out.iter() {
            self.seen[i as usize / 64] &= !(1u64 << (i % 64));
        }
        Method::Rejection
    }

    /// Efraimidis–Spirakis: the `k` smallest keys `Exp(1) / w_i` are a weighted sample
    /// without replacement with the same law as successive (rejection) sampling.
    fn sample_keys(&mut self, k: usize, rng: &mut Rng, out: &mut Vec<u32>) {
        self.keys.clear();
        self.keys
            .extend(self.pop.weights.iter().enumerate().map(|(i, &w)| {
                let e = exp1(rng);
                (if w > 0.0 { e / w } else { f64::INFINITY }, i as u32)
            }));
        if k < self.keys.len() {
            self.keys
                .select_nth_unstable_by(k, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        }
        out.extend(self.keys[..k].iter().map(|&(_, i)| i));
    }
}

#[cfg(test)]
#[path = "sample_tests.rs"]
mod tests;
