//! Configuration of the synthetic generator ([`SynthConfig`]), its presets and its validation.

use crate::error::{DataError, Result};

/// Everything that shapes a synthetic ratings file. Two runs with equal configs (any thread
/// count) write byte-identical files.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthConfig {
    /// Number of users (ids `1..=users`). Users with zero ratings are possible only when
    /// `min_per_user` is 0.
    pub users: u32,
    /// Number of items (ids `1..=items`); every item gets a `movies.csv` row, rated or not.
    pub items: u32,
    /// Exact number of rating rows to write.
    pub ratings: u64,
    /// Seed of every random choice.
    pub seed: u64,
    /// Rank of the latent user/item factors behind the ratings (0: biases and noise only).
    pub factors: usize,
    /// Zipf exponent of item popularity: the item of popularity rank `r` (1-based) is drawn
    /// with weight `r^-zipf_exponent`; 0 is uniform.
    pub zipf_exponent: f64,
    /// Minimum ratings per user.
    pub min_per_user: u32,
    /// Maximum ratings per user (`None`: the number of items).
    pub max_per_user: Option<u32>,
    /// Sigma of the log-normal user activity on top of the minimum.
    pub activity_sigma: f64,
    /// Global mean rating.
    pub global_mean: f64,
    /// Standard deviation of the user biases.
    pub user_bias_std: f64,
    /// Standard deviation of the item biases.
    pub item_bias_std: f64,
    /// Extra bias of the 5 % most popular items (popular films are rated a bit higher).
    pub popular_bonus: f64,
    /// Standard deviation of the latent interaction `p_u · q_i`.
    pub interaction_std: f64,
    /// Standard deviation of the per-rating Gaussian noise.
    pub noise_std: f64,
    /// Unix seconds `[start, end)` the timestamps fall in.
    pub time_range: (i64, i64),
    /// Worker threads (0: all cores). The output does not depend on it.
    pub threads: usize,
}

impl Default for SynthConfig {
    /// An ML-100K-sized set: 943 users, 1,682 items, 100,000 ratings, seed 0.
    fn default() -> Self {
        SynthConfig {
            users: 943,
            items: 1_682,
            ratings: 100_000,
            seed: 0,
            factors: 16,
            zipf_exponent: 1.0,
            min_per_user: 20,
            max_per_user: None,
            activity_sigma: 1.2,
            global_mean: 3.5,
            user_bias_std: 0.35,
            item_bias_std: 0.45,
            popular_bonus: 0.3,
            interaction_std: 0.6,
            noise_std: 0.5,
            time_range: (789_652_009, 1_697_000_000),
            threads: 0,
        }
    }
}

impl SynthConfig {
    /// A MovieLens-32M-sized set: 200,000 users, 87,000 items, 32,000,000 ratings (the scale
    /// anchors' shape), other settings as [`Default`].
    pub fn ml32m_like() -> Self {
        SynthConfig {
            users: 200_000,
            items: 87_000,
            ratings: 32_000_000,
            ..Default::default()
        }
    }

    /// The effective per-user cap: `max_per_user` limited to the number of items.
    pub fn cap_per_user(&self) -> u32 {
        self.max_per_user.unwrap_or(self.items).min(self.items)
    }

    /// Checks that the numbers describe a set that can exist and that every real parameter
    /// is finite and in range; `DataError::Invalid` says which is not.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(DataError::Invalid(format!("synth: {m}")));
        if self.users == 0 || self.items == 0 {
            return bad("users and items must be at least 1".into());
        }
        if self.ratings == 0 {
            return bad("ratings must be at least 1".into());
        }
        let cells = self.users as u128 * self.items as u128;
        if self.ratings as u128 > cells {
            return bad(format!(
                "{} ratings do not fit in {} users x {} items ({} pairs)",
                self.ratings, self.users, self.items, cells
            ));
        }
        let cap = self.cap_per_user();
        if self.min_per_user > cap {
            return bad(format!(
                "min_per_user {} exceeds the per-user cap {} (items or max_per_user)",
                self.min_per_user, cap
            ));
        }
        if self.min_per_user as u128 * self.users as u128 > self.ratings as u128 {
            return bad(format!(
                "min_per_user {} x {} users = {} exceeds the {} ratings",
                self.min_per_user,
                self.users,
                self.min_per_user as u64 * self.users as u64,
                self.ratings
            ));
        }
        if (cap as u128) * (self.users as u128) < self.ratings as u128 {
            return bad(format!(
                "{} ratings exceed {} users x per-user cap {}",
                self.ratings, self.users, cap
            ));
        }
        if self.factors > 1024 {
            return bad(format!("factors {} is above the limit 1024", self.factors));
        }
        let ranged = [
            ("zipf_exponent", self.zipf_exponent, 10.0),
            ("activity_sigma", self.activity_sigma, 5.0),
            ("user_bias_std", self.user_bias_std, 10.0),
            ("item_bias_std", self.item_bias_std, 10.0),
            ("interaction_std", self.interaction_std, 10.0),
            ("noise_std", self.noise_std, 10.0),
        ];
        for (name, v, max) in ranged {
            if !(v.is_finite() && (0.0..=max).contains(&v)) {
                return bad(format!("{name} must be a number in [0, {max}], got {v}"));
            }
        }
        for (name, v) in [
            ("global_mean", self.global_mean),
            ("popular_bonus", self.popular_bonus),
        ] {
            if !(v.is_finite() && v.abs() <= 100.0) {
                return bad(format!(
                    "{name} must be a finite number within +-100, got {v}"
                ));
            }
        }
        let (t0, t1) = self.time_range;
        // Every user's timestamps are strictly increasing, so the range must hold 2 x cap seconds.
        if t0 < 0 || t1 <= t0 || ((t1 - t0) as u128) < 2 * cap as u128 + 2 {
            return bad(format!(
                "time_range [{t0}, {t1}) must be non-negative and span at least {} seconds",
                2 * cap as u64 + 2
            ));
        }
        Ok(())
    }
}
