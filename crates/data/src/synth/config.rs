//! Configuration of the synthetic generator ([`SynthConfig`]), its rating scale
//! ([`RatingScale`]), its presets and its validation.

use crate::error::{DataError, Result};

/// The rating values a synthetic set uses: `lo, lo + step, …, hi`. The planted continuous
/// rating is rounded to the nearest level and clamped to `[lo, hi]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RatingScale {
    /// Lowest rating.
    pub lo: f64,
    /// Highest rating.
    pub hi: f64,
    /// Distance between two levels.
    pub step: f64,
}

impl RatingScale {
    /// MovieLens half stars: 0.5, 1.0, …, 5.0 (the default).
    pub const HALF_STAR: RatingScale = RatingScale {
        lo: 0.5,
        hi: 5.0,
        step: 0.5,
    };
    /// Whole stars 1–5 (ML-100K, ML-1M).
    pub const FIVE_STAR: RatingScale = RatingScale {
        lo: 1.0,
        hi: 5.0,
        step: 1.0,
    };
    /// A 10-point integer scale 1–10.
    pub const TEN_POINT: RatingScale = RatingScale {
        lo: 1.0,
        hi: 10.0,
        step: 1.0,
    };

    /// Number of levels, `(hi - lo) / step + 1`.
    pub fn levels(&self) -> usize {
        ((self.hi - self.lo) / self.step).round() as usize + 1
    }

    /// The value of level `k` (0-based).
    pub fn value(&self, k: usize) -> f64 {
        self.lo + self.step * k as f64
    }

    /// The text of every level as written in `ratings.csv` (`0.5`, `1.0`, … for half stars,
    /// `1`, `2`, … for integer scales).
    pub fn level_texts(&self) -> Vec<Vec<u8>> {
        let decimals = if (self.step.fract() == 0.0) && (self.lo.fract() == 0.0) {
            0
        } else {
            1
        };
        (0..self.levels())
            .map(|k| format!("{:.*}", decimals, self.value(k)).into_bytes())
            .collect()
    }

    fn validate(&self) -> std::result::Result<(), String> {
        let ok = self.lo.is_finite()
            && self.hi.is_finite()
            && self.step.is_finite()
            && self.step > 0.0
            && self.hi > self.lo
            && self.lo >= 0.0
            && self.hi <= 1000.0;
        if !ok {
            return Err(format!(
                "rating scale {}..{} step {} must have 0 <= lo < hi <= 1000 and step > 0",
                self.lo, self.hi, self.step
            ));
        }
        let n = (self.hi - self.lo) / self.step;
        if (n - n.round()).abs() > 1e-9 || n.round() > 1000.0 {
            return Err(format!(
                "rating scale {}..{}: step {} must divide the range into at most 1000 steps",
                self.lo, self.hi, self.step
            ));
        }
        // One decimal is written: levels must be representable with it.
        for k in 0..self.levels() {
            let v = self.value(k) * 10.0;
            if (v - v.round()).abs() > 1e-6 {
                return Err(format!(
                    "rating scale level {} needs more than one decimal",
                    self.value(k)
                ));
            }
        }
        Ok(())
    }
}

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
    /// Rating levels the planted continuous rating is quantised to (default half stars).
    pub scale: RatingScale,
    /// Genre affinity of what users watch: each user belongs to one genre's taste group and
    /// draws items with weight `popularity × exp(affinity × a)`, `a` the (standardised)
    /// alignment of the item's factors with that genre's direction; the user's own factors
    /// lean the same way, so users watch more of what they like. 0 (default): items are drawn
    /// by popularity alone.
    pub affinity: f64,
    /// Share of items released late: each gets a release time in the last `late_window` of
    /// the time range and no rating before it (cold movies after a time cut). 0: none.
    pub late_items: f64,
    /// Fraction of the time range (from its end) in which late items are released.
    pub late_window: f64,
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
            scale: RatingScale::HALF_STAR,
            affinity: 0.0,
            late_items: 0.0,
            late_window: 0.25,
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
            ("affinity", self.affinity, 5.0),
            ("late_items", self.late_items, 1.0),
            ("late_window", self.late_window, 1.0),
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
        if let Err(m) = self.scale.validate() {
            return bad(m);
        }
        if self.late_items > 0.0 && self.late_window <= 0.0 {
            return bad("late_window must be positive when late_items is".into());
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
