//! The SGD machinery of [`crate::Bpr`]: the flattened ratings it samples from, factor
//! initialisation (implicit's: uniform(−½, ½)/factors, zero rows for users/items without
//! ratings, user bias column 1), one epoch of BPR steps over plain rows (single thread,
//! deterministic) or relaxed-atomic rows shared by Hogwild threads, and the user-only SGD
//! fold-in of a profile.

use crate::dense::{avx2_fn, dot};
use crate::factors::Factors;
use cinerec_core::{ItemIdx, RatingMatrix, Rng, UserIdx};
use std::sync::atomic::{AtomicU32, Ordering};

/// Ratings flattened for sampling: rating `j` is (`userids[j]`, `items[j]`); a user's items
/// are `items[user_ptr[u]..user_ptr[u + 1]]`, ascending.
pub(crate) struct Samples {
    pub user_ptr: Vec<usize>,
    pub items: Vec<u32>,
    pub userids: Vec<u32>,
    /// Catalogue size (uniform negatives are drawn from `0..n_items`).
    pub n_items: u64,
}

impl Samples {
    /// Flattens a rating matrix.
    pub fn of(m: &RatingMatrix) -> Self {
        let mut s = Samples {
            user_ptr: vec![0],
            items: Vec::with_capacity(m.nnz()),
            userids: Vec::with_capacity(m.nnz()),
            n_items: m.n_items() as u64,
        };
        for u in 0..m.n_users() {
            let (items, _) = m.user_row(UserIdx(u as u32));
            s.items.extend_from_slice(items);
            s.userids.extend(std::iter::repeat_n(u as u32, items.len()));
            s.user_ptr.push(s.items.len());
        }
        s
    }

    /// Whether user `u` rated item `i`.
    #[inline]
    fn rated(&self, u: usize, i: u32) -> bool {
        self.items[self.user_ptr[u]..self.user_ptr[u + 1]]
            .binary_search(&i)
            .is_ok()
    }
}

/// Initial factors with `factors + 1` columns.
pub(crate) fn init_factors(m: &RatingMatrix, factors: usize, rng: &mut Rng) -> Factors {
    let k1 = factors + 1;
    let mut f = Factors::zeros(m.n_users(), m.n_items(), k1);
    for (i, row) in f.items.chunks_exact_mut(k1).enumerate() {
        let keep = m.item_count(ItemIdx(i as u32)) > 0;
        for v in row.iter_mut() {
            let x = (rng.f32() - 0.5) / factors as f32;
            *v = if keep { x } else { 0.0 };
        }
    }
    for (u, row) in f.users.chunks_exact_mut(k1).enumerate() {
        let keep = m.user_count(UserIdx(u as u32)) > 0;
        for v in row.iter_mut() {
            let x = (rng.f32() - 0.5) / factors as f32;
            *v = if keep { x } else { 0.0 };
        }
        row[factors] = 1.0;
    }
    f
}

/// Row storage an epoch reads and writes.
pub(crate) trait Store {
    /// Copies `dst.len()` values starting at `off` into `dst`.
    fn get(&self, off: usize, dst: &mut [f32]);
    /// Writes `src` starting at `off`.
    fn put(&mut self, off: usize, src: &[f32]);
}

/// Exclusively owned rows (single thread).
pub(crate) struct Plain<'a>(pub &'a mut [f32]);
impl Store for Plain<'_> {
    #[inline(always)]
    fn get(&self, off: usize, dst: &mut [f32]) {
        dst.copy_from_slice(&self.0[off..off + dst.len()]);
    }
    #[inline(always)]
    fn put(&mut self, off: usize, src: &[f32]) {
        self.0[off..off + src.len()].copy_from_slice(src);
    }
}

/// Rows shared by Hogwild threads: relaxed atomic loads and stores of the f32 bits (races
/// lose updates, as Hogwild accepts, but are never undefined behaviour).
pub(crate) struct Shared<'a>(pub &'a [AtomicU32]);
impl Store for Shared<'_> {
    #[inline(always)]
    fn get(&self, off: usize, dst: &mut [f32]) {
        for (d, a) in dst.iter_mut().zip(&self.0[off..]) {
            *d = f32::from_bits(a.load(Ordering::Relaxed));
        }
    }
    #[inline(always)]
    fn put(&mut self, off: usize, src: &[f32]) {
        for (s, a) in src.iter().zip(&self.0[off..]) {
            a.store(s.to_bits(), Ordering::Relaxed);
        }
    }
}

/// One BPR step on the user row `u` and the liked/disliked item rows `l`/`d` (bias in the
/// last column). Returns whether the pair was already ordered correctly.
#[inline(always)]
fn step(u: &mut [f32], l: &mut [f32], d: &mut [f32], lr: f32, reg: f32) -> bool {
    let kf = u.len() - 1;
    let score = dot(u, l) - dot(u, d);
    let z = 1.0 / (1.0 + score.exp());
    for ((uj, lj), dj) in u[..kf].iter_mut().zip(&mut l[..kf]).zip(&mut d[..kf]) {
        let t = *uj;
        *uj += lr * (z * (*lj - *dj) - reg * t);
        *lj += lr * (z * t - reg * *lj);
        *dj += lr * (-z * t - reg * *dj);
    }
    l[kf] += lr * (z - reg * l[kf]);
    d[kf] += lr * (-z - reg * d[kf]);
    z < 0.5
}

/// The SGD settings of a BPR run: learning rate, regularisation, whether sampled
/// negatives the user rated are skipped, and the share of negatives drawn in proportion to
/// popularity (the rest uniformly over the catalogue).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sgd {
    pub lr: f32,
    pub reg: f32,
    pub verify: bool,
    pub pop_share: f32,
}

/// Whether this negative is drawn by popularity (`share` 1 draws no random number, so
/// implicit's sampling sequence is unchanged).
#[inline(always)]
fn by_popularity(share: f32, rng: &mut Rng) -> bool {
    share >= 1.0 || (share > 0.0 && rng.f32() < share)
}

/// `n` BPR samples; returns (correctly ordered, skipped) counts.
pub(crate) fn epoch<S: Store>(
    s: &Samples,
    users: &mut S,
    items: &mut S,
    k1: usize,
    n: usize,
    sgd: Sgd,
    rng: &mut Rng,
) -> (usize, usize) {
    let nnz = s.items.len() as u64;
    if nnz == 0 || k1 < 2 {
        return (0, 0);
    }
    let mut buf = vec![0f32; 3 * k1];
    run_samples(s, users, items, k1, n, sgd, rng, &mut buf)
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn run_samples_body<S: Store>(
    s: &Samples,
    users: &mut S,
    items: &mut S,
    k1: usize,
    n: usize,
    Sgd {
        lr,
        reg,
        verify,
        pop_share,
    }: Sgd,
    rng: &mut Rng,
    buf: &mut [f32],
) -> (usize, usize) {
    let nnz = s.items.len() as u64;
    let (mut correct, mut skipped) = (0, 0);
    for _ in 0..n {
        let li = rng.below(nnz) as usize;
        let (u, l) = (s.userids[li] as usize, s.items[li] as usize);
        let d = if by_popularity(pop_share, rng) {
            s.items[rng.below(nnz) as usize]
        } else {
            rng.below(s.n_items) as u32
        };
        if verify && s.rated(u, d) {
            skipped += 1;
            continue;
        }
        let d = d as usize;
        let (bu, rest) = buf.split_at_mut(k1);
        let (bl, bd) = rest.split_at_mut(k1);
        users.get(u * k1, bu);
        items.get(l * k1, bl);
        items.get(d * k1, bd);
        correct += usize::from(step(bu, bl, bd, lr, reg));
        users.put(u * k1, bu);
        items.put(l * k1, bl);
        items.put(d * k1, bd);
    }
    (correct, skipped)
}
avx2_fn!(fn run_samples[S: Store](s: &Samples, users: &mut S, items: &mut S, k1: usize, n: usize, sgd: Sgd, rng: &mut Rng, buf: &mut [f32]) -> (usize, usize) = run_samples_body);

/// A user vector for the distinct, ascending `liked` items by `iterations × |liked|` SGD
/// steps on the user alone, negatives drawn in proportion to `pop` (the training ratings per
/// item). No liked item gives the cold vector (zeros, bias column 1).
pub(crate) fn fold_in_user(
    f: &Factors,
    liked: &[u32],
    pop: &[u32],
    Sgd {
        lr,
        reg,
        verify,
        pop_share,
    }: Sgd,
    iterations: usize,
    rng: &mut Rng,
) -> Vec<f32> {
    let (k1, n_items) = (f.k, f.n_items());
    let kf = k1.saturating_sub(1);
    let mut x = vec![0f32; k1];
    if k1 == 0 {
        return x;
    }
    x[kf] = 1.0;
    if liked.is_empty() || n_items == 0 {
        return x;
    }
    for v in &mut x[..kf] {
        *v = (rng.f32() - 0.5) / kf.max(1) as f32;
    }
    let mut cum = Vec::with_capacity(pop.len());
    let mut total = 0u64;
    for &c in pop {
        total += c as u64;
        cum.push(total);
    }
    for _ in 0..iterations.saturating_mul(liked.len()) {
        let l = liked[rng.below(liked.len() as u64) as usize];
        let d = if total > 0 && by_popularity(pop_share, rng) {
            let t = rng.below(total);
            cum.partition_point(|&c| c <= t) as u32
        } else {
            rng.below(n_items as u64) as u32
        };
        if verify && liked.binary_search(&d).is_ok() {
            continue;
        }
        let (yl, yd) = (f.item(l as usize), f.item(d as usize));
        let z = 1.0 / (1.0 + (dot(&x, yl) - dot(&x, yd)).exp());
        for ((xj, a), b) in x[..kf].iter_mut().zip(yl).zip(yd) {
            *xj += lr * (z * (a - b) - reg * *xj);
        }
    }
    x
}
