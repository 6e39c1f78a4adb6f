//! Position-based splits: random ratio (cinerec or numpy-identical permutation) and k-fold.
//! Both work on rating *positions*, so the result depends on the input order; train and test
//! keep the input order.

use super::numpy::NumpyPcg64;
use super::{check_columns, InteractionSplit, RngKind};
use crate::error::{DataError, Result};
use cinerec_core::{Interactions, Rng};

/// `⌊n·ratio⌋`, tolerant to floating-point error (so `ratio_count(n, 0.2) == n / 5` for every
/// `n`, and `0.29·100` gives 29, not 28).
pub fn ratio_count(n: usize, ratio: f64) -> usize {
    let x = n as f64 * ratio;
    let c = snap(x).unwrap_or_else(|| x.floor());
    (c.max(0.0) as usize).min(n)
}

/// `⌈n·ratio⌉`, with the same tolerance as [`ratio_count`] (`ratio_ceil(n, 0.2) == (n + 4) / 5`).
pub(crate) fn ratio_ceil(n: usize, ratio: f64) -> usize {
    let x = n as f64 * ratio;
    let c = snap(x).unwrap_or_else(|| x.ceil());
    (c.max(0.0) as usize).min(n)
}

/// The integer `x` is meant to be, when it is within rounding error of one.
fn snap(x: f64) -> Option<f64> {
    let r = x.round();
    ((x - r).abs() <= 1e-9f64.max(x.abs() * 1e-12)).then_some(r)
}

/// The permutation of `0..n` drawn by `rng` from `seed`, as `u32` (4 bytes per rating;
/// the shuffle only depends on positions, so the values equal [`super::numpy_permutation`]'s).
pub(crate) fn permutation(n: usize, seed: u64, rng: RngKind) -> Result<Vec<u32>> {
    if n > u32::MAX as usize {
        return Err(DataError::Invalid(format!(
            "{n} ratings: more than 2^32 are not supported"
        )));
    }
    let mut v: Vec<u32> = (0..n as u32).collect();
    match rng {
        RngKind::Numpy => NumpyPcg64::new(seed).shuffle(&mut v),
        RngKind::Cinerec => Rng::new(seed).shuffle(&mut v),
    }
    Ok(v)
}

/// Random ratio split of ratings **in the order given** — the peer-identical split when the
/// ratings are in original file order and `rng` is [`RngKind::Numpy`]:
/// `perm = default_rng(seed).permutation(n)`; rows `perm[..⌊n·test_ratio⌋]` are test.
/// Train and test keep the input (file) order, as `split.py` writes them.
///
/// A [`cinerec_core::Dataset`] stores its ratings sorted by (user, item), so splitting a
/// dataset's ratings gives a different (equally valid, but not peer-identical) split.
pub fn random_split_file_order(
    ratings: &Interactions,
    test_ratio: f64,
    seed: u64,
    rng: RngKind,
) -> Result<InteractionSplit> {
    check_columns(ratings)?;
    if !(test_ratio.is_finite() && test_ratio > 0.0 && test_ratio < 1.0) {
        return Err(DataError::Invalid(format!(
            "test_ratio must be in (0, 1), got {test_ratio}"
        )));
    }
    let n = ratings.len();
    let perm = permutation(n, seed, rng)?;
    let n_test = ratio_count(n, test_ratio);
    let mut is_test = vec![false; n];
    for &p in &perm[..n_test] {
        is_test[p as usize] = true;
    }
    Ok(by_mask(ratings, &is_test))
}

/// Fold boundaries: fold `f` of `k` over `n` positions is `⌊f·n/k⌋ .. ⌊(f+1)·n/k⌋`.
pub fn kfold_bounds(n: usize, k: usize, fold: usize) -> (usize, usize) {
    let at = |f: usize| ((f as u128 * n as u128) / k as u128) as usize;
    (at(fold), at(fold + 1))
}

/// Fold `fold` of a seeded `k`-fold partition is test; the rest is train (input order kept).
pub(crate) fn kfold(
    ratings: &Interactions,
    k: usize,
    fold: usize,
    seed: u64,
    rng: RngKind,
) -> Result<InteractionSplit> {
    check_columns(ratings)?;
    let n = ratings.len();
    if k < 2 || fold >= k {
        return Err(DataError::Invalid(format!(
            "k-fold needs k >= 2 and fold < k, got k={k}, fold={fold}"
        )));
    }
    if k > n {
        return Err(DataError::Invalid(format!(
            "k-fold with k={k} folds over only {n} ratings"
        )));
    }
    let perm = permutation(n, seed, rng)?;
    let (a, b) = kfold_bounds(n, k, fold);
    let mut is_test = vec![false; n];
    for &p in &perm[a..b] {
        is_test[p as usize] = true;
    }
    Ok(by_mask(ratings, &is_test))
}

/// Splits by a test mask, keeping order.
pub(crate) fn by_mask(ratings: &Interactions, is_test: &[bool]) -> InteractionSplit {
    let n_test = is_test.iter().filter(|&&t| t).count();
    let mut out = InteractionSplit {
        train: Interactions::with_capacity(ratings.len() - n_test),
        test: Interactions::with_capacity(n_test),
    };
    for (k, &t) in is_test.iter().enumerate() {
        let part = if t { &mut out.test } else { &mut out.train };
        part.push_from(ratings, k);
    }
    out
}
