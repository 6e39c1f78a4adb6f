//! Optional structure of the generator beyond biases and factors: genre taste groups (what a
//! user watches leans toward one genre's direction in factor space, with per-group item
//! tables) and late releases (items with a release time before which nobody rates them).
//! Both are off by default and then draw nothing from any random stream.

use super::config::SynthConfig;
use super::model::{genre_directions, ItemModel, GENRES};
use super::sample::{AliasTable, Popularity};
use cinerec_core::Rng;

/// Unit genre directions (`GENRES.len()` rows of `k`), the same directions `movies.csv` draws
/// genres from (the first draws of `movies_stream`), normalised. Empty without affinity or
/// without factors.
pub(super) fn unit_directions(cfg: &SynthConfig, movies_stream: &mut Rng) -> Vec<f32> {
    if cfg.affinity <= 0.0 || cfg.factors == 0 {
        return Vec::new();
    }
    let k = cfg.factors;
    let mut dirs = genre_directions(k, movies_stream);
    for d in dirs.chunks_mut(k) {
        let n = d.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
        d.iter_mut().for_each(|x| *x /= n);
    }
    dirs
}

/// One item table per taste group: weight `popularity × exp(affinity × a)`, `a` the item's
/// factors projected on the group's direction divided by the factor sigma (about N(0, 1)).
pub(super) fn group_tables(
    cfg: &SynthConfig,
    base: &[f64],
    items: &ItemModel,
    dirs: &[f32],
    sig: f64,
) -> Vec<Popularity> {
    if dirs.is_empty() {
        return Vec::new();
    }
    let k = cfg.factors;
    (0..GENRES.len())
        .map(|g| {
            let d = &dirs[g * k..(g + 1) * k];
            let weights: Vec<f64> = base
                .iter()
                .enumerate()
                .map(|(i, &w)| {
                    let a: f32 = items
                        .factors(i as u32)
                        .iter()
                        .zip(d)
                        .map(|(x, y)| x * y)
                        .sum();
                    w * (cfg.affinity * a as f64 / sig.max(1e-12))
                        .clamp(-30.0, 30.0)
                        .exp()
                })
                .collect();
            Popularity {
                alias: AliasTable::new(&weights),
                weights,
            }
        })
        .collect()
}

/// Release time of every item: `None` for items available from the start, a time in the last
/// `late_window` of the range for a `late_items` share of items. Empty when no item is late.
pub(super) fn release_times(cfg: &SynthConfig, rng: &mut Rng) -> Vec<Option<i64>> {
    if cfg.late_items <= 0.0 {
        return Vec::new();
    }
    let (t0, t1) = cfg.time_range;
    let width = (((t1 - t0) as f64) * cfg.late_window).max(1.0) as i64;
    let from = t1 - width;
    (0..cfg.items)
        .map(|_| {
            let late = rng.f64() < cfg.late_items;
            let t = from + rng.below(width as u64) as i64;
            late.then_some(t)
        })
        .collect()
}

/// Moves a rating of a late item made before its release to a time after it (uniform in
/// what is left of the range): late movies are rated by whoever comes back later.
pub(super) fn after_release(
    release: &[Option<i64>],
    item: u32,
    t: i64,
    end: i64,
    rng: &mut Rng,
) -> i64 {
    match release.get(item as usize).copied().flatten() {
        Some(r) if t < r => r + rng.below((end - r).max(1) as u64) as i64,
        _ => t,
    }
}
