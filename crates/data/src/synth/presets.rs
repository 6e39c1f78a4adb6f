//! Named generator settings ([`preset`]): the two historical sizes and the shapes of the
//! dataset panel ([`crate::panel`]) at full size. `cinerec data synth --preset NAME` uses them.

use super::config::{RatingScale, SynthConfig};

/// Every preset name with a one-line description.
pub const PRESETS: [(&str, &str); 7] = [
    (
        "ml100k-like",
        "943 users, 1,682 movies, 100,000 half-star ratings (the default)",
    ),
    (
        "ml32m-like",
        "200,000 users, 87,000 movies, 32,000,000 ratings (scale benchmarks)",
    ),
    (
        "halfstar-longtail",
        "600 users, 10,000 movies, 100,000 half-star ratings; most movies rated fewer than 5 times",
    ),
    (
        "tenpoint",
        "1,000 users, 2,500 movies, 100,000 ratings on an integer 1-10 scale",
    ),
    (
        "manyusers",
        "30,000 users with few ratings each (3 or more), 3,000 movies, 300,000 whole-star ratings",
    ),
    (
        "coldstart",
        "2,000 users, 4,000 movies, 100,000 half-star ratings; 20% of movies released in the last quarter of the time range",
    ),
    (
        "dense-temporal",
        "ML-100K shape (943 users, 1,682 movies, 100,000 whole-star ratings) with genre taste",
    ),
];

/// Genre affinity of the panel shapes: users draw movies with weight
/// `popularity × exp(2a)`, `a` ~ N(0, 1) their alignment with the user's taste genre.
const PANEL_AFFINITY: f64 = 2.0;

/// The config of preset `name` (seed 0; set `seed` after), or `None` for an unknown name.
pub fn preset(name: &str) -> Option<SynthConfig> {
    let d = SynthConfig::default();
    let cfg = match name {
        "ml100k-like" => d,
        "ml32m-like" => SynthConfig::ml32m_like(),
        "halfstar-longtail" => SynthConfig {
            users: 600,
            items: 10_000,
            ratings: 100_000,
            affinity: PANEL_AFFINITY,
            ..d
        },
        "tenpoint" => SynthConfig {
            users: 1_000,
            items: 2_500,
            ratings: 100_000,
            affinity: PANEL_AFFINITY,
            ..ten_point(d)
        },
        "manyusers" => SynthConfig {
            users: 30_000,
            items: 3_000,
            ratings: 300_000,
            min_per_user: 3,
            activity_sigma: 0.8,
            affinity: PANEL_AFFINITY,
            scale: RatingScale::FIVE_STAR,
            ..d
        },
        "coldstart" => SynthConfig {
            users: 2_000,
            items: 4_000,
            ratings: 100_000,
            min_per_user: 5,
            affinity: PANEL_AFFINITY,
            late_items: 0.2,
            late_window: 0.25,
            ..d
        },
        "dense-temporal" => SynthConfig {
            affinity: PANEL_AFFINITY,
            scale: RatingScale::FIVE_STAR,
            ..d
        },
        _ => return None,
    };
    Some(cfg)
}

/// `base` moved from 0.5–5 to a 1–10 scale: mean and spreads stretched by 2 (9 / 4.5, the
/// ratio of the scales' widths).
fn ten_point(base: SynthConfig) -> SynthConfig {
    let f = 2.0;
    SynthConfig {
        scale: RatingScale::TEN_POINT,
        global_mean: 1.0 + (base.global_mean - 0.5) * f,
        user_bias_std: base.user_bias_std * f,
        item_bias_std: base.item_bias_std * f,
        popular_bonus: base.popular_bonus * f,
        interaction_std: base.interaction_std * f,
        noise_std: base.noise_std * f,
        ..base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_is_valid_and_unknown_names_are_none() {
        for (name, _) in PRESETS {
            let cfg = preset(name).unwrap();
            cfg.validate().unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        assert!(preset("nope").is_none());
        assert_eq!(preset("ml100k-like"), Some(SynthConfig::default()));
    }
}
