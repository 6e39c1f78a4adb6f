//! The latent rating model behind synthetic data: item factors and biases, per-user factors
//! and biases, the half-star rating of a (user, item) pair, and `movies.csv` metadata whose
//! genres are drawn from the item factors (so genre and taste are correlated).

use super::config::SynthConfig;
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
}

impl UserModel {
    /// Scratch for a worker.
    pub(super) fn new(k: usize) -> Self {
        UserModel {
            p: vec![0.0; k],
            bias: 0.0,
        }
    }

    /// Draws a fresh user.
    pub(super) fn draw(&mut self, cfg: &SynthConfig, sig: f64, rng: &mut Rng) {
        self.bias = cfg.user_bias_std * rng.normal();
        for x in self.p.iter_mut() {
            *x = (sig * rng.normal()) as f32;
        }
    }

    /// Rating in half stars (1 = 0.5 … 10 = 5.0) of item `i`, noise included.
    #[inline]
    pub(super) fn half_stars(
        &self,
        cfg: &SynthConfig,
        items: &ItemModel,
        i: u32,
        rng: &mut Rng,
    ) -> u8 {
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
        (x * 2.0).round().clamp(1.0, 10.0) as u8
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
            u.draw(&cfg, factor_std(&cfg), &mut rng);
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
