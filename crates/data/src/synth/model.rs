//! The latent rating model behind synthetic data: item factors and biases, per-user factors,
//! biases and taste group, the rating level of a (user, item) pair on the configured scale,
//! and `movies.csv` metadata whose genres are drawn from the item factors (so genre and taste
//! are correlated).

use super::config::{RatingScale, SynthConfig};
use super::sample::exp1;
use cinerec_core::Rng;

/// The MovieLens genre list (ml-latest spelling).
pub const GENRES: [&str; 19] = [
    "Action",
    "Adventure",
    "Animation",
    "Children",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "IMAX",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
];

/// Genres field of an item with none (as in MovieLens).
pub const NO_GENRES: &str = "(no genres listed)";

/// Item side of the model, shared read-only by all workers.
#[derive(Debug, Clone)]
pub(super) struct ItemModel {
    /// Factor rank.
    pub(super) k: usize,
    /// Row-major `items x k` factors.
    pub(super) q: Vec<f32>,
    /// Item biases (popular-item bonus included).
    pub(super) bias: Vec<f32>,
}

/// Per-component standard deviation giving `p · q` the configured standard deviation.
pub(super) fn factor_std(cfg: &SynthConfig) -> f64 {
    if cfg.factors == 0 {
        0.0
    } else {
        (cfg.interaction_std * cfg.interaction_std / cfg.factors as f64)
            .sqrt()
            .sqrt()
    }
}

impl ItemModel {
    /// Draws item factors and biases; the top 5 % of `rank_to_item` get the popular bonus.
    pub(super) fn new(cfg: &SynthConfig, rank_to_item: &[u32], rng: &mut Rng) -> Self {
        let (n, k) = (cfg.items as usize, cfg.factors);
        let sig = factor_std(cfg);
        let q = (0..n * k).map(|_| (sig * rng.normal()) as f32).collect();
        let mut bias: Vec<f32> = (0..n)
            .map(|_| (cfg.item_bias_std * rng.normal()) as f32)
            .collect();
        for &i in &rank_to_item[..n / 20] {
            bias[i as usize] += cfg.popular_bonus as f32;
        }
        ItemModel { k, q, bias }
    }

    /// Factors of item `i`.
    #[inline]
    pub(super) fn factors(&self, i: u32) -> &[f32] {
        &self.q[i as usize * self.k..(i as usize + 1) * self.k]
    }
}

/// One user's side of the model.
#[derive(Debug, Clone)]
pub(super) struct UserModel {
    p: Vec<f32>,
    bias: f64,
    /// Taste group (a genre index) when the config has genre affinity.
    pub(super) group: Option<usize>,
}

/// How far a user's factors lean toward their taste group's genre direction, in units of
/// the factor vector's typical length.
const TASTE_LEAN: f64 = 0.5;

impl UserModel {
    /// Scratch for a worker.
    pub(super) fn new(k: usize) -> Self {
        UserModel {
            p: vec![0.0; k],
            bias: 0.0,
            group: None,
        }
    }

    /// Draws a fresh user. With genre affinity (`dirs`: unit genre directions, `k` per
    /// genre) the user also draws a taste group and leans toward its direction; without it
    /// the draws are exactly those of a config without the feature.
    pub(super) fn draw(&mut self, cfg: &SynthConfig, sig: f64, dirs: &[f32], rng: &mut Rng) {
        self.bias = cfg.user_bias_std * rng.normal();
        for x in self.p.iter_mut() {
            *x = (sig * rng.normal()) as f32;
        }
        self.group = None;
        if cfg.affinity > 0.0 && !dirs.is_empty() {
            let k = self.p.len();
            let g = rng.below(GENRES.len() as u64) as usize;
            let lean = (TASTE_LEAN * sig * (k as f64).sqrt()) as f32;
            for (x, d) in self.p.iter_mut().zip(&dirs[g * k..(g + 1) * k]) {
                *x += lean * d;
            }
            self.group = Some(g);
        }
    }

    /// Rating level (0-based index into the config's [`RatingScale`]) of item `i`, noise
    /// included.
    #[inline]
    pub(super) fn level(
        &self,
        cfg: &SynthConfig,
        items: &ItemModel,
        i: u32,
        rng: &mut Rng,
    ) -> usize {
        let dot: f32 = self
            .p
            .iter()
            .zip(items.factors(i))
            .map(|(a, b)| a * b)
            .sum();
        let noise = if cfg.noise_std > 0.0 {
            cfg.noise_std * rng.normal()
        } else {
            0.0
        };
        let x = cfg.global_mean + self.bias + items.bias[i as usize] as f64 + dot as f64 + noise;
        if cfg.scale == RatingScale::HALF_STAR {
            // The historical formula, kept bit for bit (half stars 1..=10, level = h - 1).
            return (x * 2.0).round().clamp(1.0, 10.0) as usize - 1;
        }
        let top = (cfg.scale.levels() - 1) as f64;
        ((x - cfg.scale.lo) / cfg.scale.step)
            .round()
            .clamp(0.0, top) as usize
    }
}

/// Strictly increasing timestamps for `k` ratings of one user, written into `out`: a session
/// span (exponential, mean about a year) placed uniformly in the configured range, with the
/// ratings at uniform order statistics of that span.
pub(super) fn timestamps(cfg: &SynthConfig, k: usize, rng: &mut Rng, out: &mut Vec<i64>) {
    out.clear();
    let (lo, hi) = cfg.time_range;
    let width = hi - lo; // validated: >= 2 * cap + 2
    let kk = k as i64;
    let span = ((exp1(rng) * 3.0e7) as i64).clamp(kk, width - kk - 1);
    let start = lo + rng.below((width - span - kk) as u64) as i64;
    // Normalised exponential spacings are uniform order statistics.
    let mut acc = 0.0;
    let mut cum = Vec::with_capacity(k);
    for _ in 0..k {
        acc += exp1(rng);
        cum.push(acc);
    }
    let total = acc + exp1(rng);
    let mut prev = start - 1;
    for c in cum {
        let t = (start + (span as f64 * c / total) as i64).max(prev + 1);
        out.push(t);
        prev = t;
    }
}

/// Genre directions in factor space, one per genre.
pub(super) fn genre_directions(k: usize, rng: &mut Rng) -> Vec<f32> {
    (0..GENRES.len() * k).map(|_| rng.normal() as f32).collect()
}

/// The genre indices of an item: the 1–4 genres whose direction best matches its factors
/// (plus noise), or none for about 0.2 % of items.
pub(super) fn item_genres(
    items: &ItemModel,
    dirs: &[f32],
    i: u32,
    sig: f64,
    rng: &mut Rng,
    out: &mut Vec<usize>,
) {
    out.clear();
    if rng.f64() < 0.002 {
        return;
    }
    let k = items.k;
    let norm = if k == 0 { 1.0 } else { sig * (k as f64).sqrt() };
    let q = items.factors(i);
    let mut scored: Vec<(f64, usize)> = (0..GENRES.len())
        .map(|g| {
            let d = &dirs[g * k..(g + 1) * k];
            let dot: f32 = q.iter().zip(d).map(|(a, b)| a * b).sum();
            (dot as f64 / norm.max(1e-12) + 0.5 * rng.normal(), g)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let u = rng.f64();
    let m = if u < 0.45 {
        1
    } else if u < 0.80 {
        2
    } else if u < 0.95 {
        3
    } else {
        4
    };
    out.extend(scored[..m].iter().map(|&(_, g)| g));
    out.sort_unstable(); // MovieLens lists genres alphabetically
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_strictly_increase_within_range() {
        let cfg = SynthConfig {
            time_range: (1_000, 1_000 + 2 * 1_682 + 2),
            ..Default::default()
        };
        let mut rng = Rng::new(2);
        let mut out = Vec::new();
        for k in [1usize, 2, 20, 500, 1_682] {
            timestamps(&cfg, k, &mut rng, &mut out);
            assert_eq!(out.len(), k);
            assert!(out.windows(2).all(|w| w[0] < w[1]));
            assert!(
                out.iter()
                    .all(|&t| (cfg.time_range.0..cfg.time_range.1).contains(&t)),
                "{k}"
            );
        }
    }

    #[test]
    fn interaction_has_the_configured_spread() {
        let cfg = SynthConfig {
            items: 4_000,
            ..Default::default()
        };
        let mut rng = Rng::new(4);
        let ranks: Vec<u32> = (0..cfg.items).collect();
        let items = ItemModel::new(&cfg, &ranks, &mut rng);
        let mut u = UserModel::new(cfg.factors);
        let (mut s, mut s2, mut n) = (0.0, 0.0, 0.0);
        for _ in 0..200 {
            u.draw(&cfg, factor_std(&cfg), &[], &mut rng);
            for i in 0..200 {
                let d: f32 = u.p.iter().zip(items.factors(i)).map(|(a, b)| a * b).sum();
                s += d as f64;
                s2 += (d * d) as f64;
                n += 1.0;
            }
        }
        let sd = (s2 / n - (s / n) * (s / n)).sqrt();
        assert!((sd - cfg.interaction_std).abs() < 0.1, "sd {sd}");
    }
}
