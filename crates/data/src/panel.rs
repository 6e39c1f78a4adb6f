//! The dataset panel of issue #15: synthetic shapes real catalogues have (half-star and
//! 10-point scales, a long tail of 10k movies, many light users, cold users and movies after
//! a time cut, an ML-100K-like dense set), each with the split it is judged on, plus ML-100K
//! itself when `CINEREC_ML100K` names its folder. Tests and benchmarks build every dataset in
//! memory ([`PanelDataset::load`]); nothing is read from or left on disk but a temporary
//! folder the generator writes and the loader reads.
//!
//! [`PanelSize::Full`] uses the generator presets of the same names
//! ([`crate::synth::preset`]); [`PanelSize::Small`] keeps each shape (scale, skew, split,
//! cold parts) at about a tenth of the ratings so a contract test over every model is quick.

use crate::error::{DataError, Result};
use crate::loaders::{self, LoadOptions};
use crate::split::{split, split_interactions, RngKind, Split, SplitSpec};
use crate::synth::{generate_csv, preset, SynthConfig};
use cinerec_core::{Dataset, Interactions};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Seed of every panel dataset's generator.
pub const PANEL_SEED: u64 = 15;

/// Environment variable naming the ML-100K folder (any format the loaders detect: `u.data`,
/// RecBole `ml-100k.inter`, …).
pub const ML100K_ENV: &str = "CINEREC_ML100K";

/// How big the panel's datasets are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PanelSize {
    /// About a tenth of the ratings, for the contract test (ML-100K is not included).
    Small,
    /// The benchmark sizes (the generator presets), plus ML-100K when available.
    Full,
}

/// One dataset of the panel and the split it is judged on.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelDataset {
    /// Panel name (`halfstar-longtail`, `tenpoint`, `manyusers`, `coldstart`,
    /// `dense-temporal`, `ml100k-random`, `ml100k-temporal`).
    pub name: &'static str,
    /// Generator settings (unused when `ml100k` is set).
    pub config: SynthConfig,
    /// The split models are judged on.
    pub split: SplitSpec,
    /// ML-100K folder: the data is loaded from there instead of generated.
    pub ml100k: Option<PathBuf>,
    /// What the dataset stands for.
    pub about: &'static str,
}

/// The synthetic shapes: (name, split, what it stands for).
fn shapes() -> [(&'static str, SplitSpec, &'static str); 5] {
    let random = SplitSpec::Random {
        test_ratio: 0.2,
        seed: 42,
        rng: RngKind::Cinerec,
    };
    [
        (
            "halfstar-longtail",
            random.clone(),
            "few users, 10k movies mostly rated < 5 times, half stars; random 80/20",
        ),
        ("tenpoint", random, "integer 1-10 scale; random 80/20"),
        (
            "manyusers",
            SplitSpec::peer_temporal(),
            "tens of thousands of light users; per-user temporal 20%",
        ),
        (
            "coldstart",
            SplitSpec::GlobalTime { test_ratio: 0.2 },
            "late movies and late users; one global time cut, latest 20% is test",
        ),
        (
            "dense-temporal",
            SplitSpec::peer_temporal(),
            "ML-100K-like shape, whole stars; per-user temporal 20%",
        ),
    ]
}

/// The small version of a shape's full config: same scale, skew and cold parts.
fn small(name: &str, full: SynthConfig) -> SynthConfig {
    let (users, items, ratings) = match name {
        "halfstar-longtail" => (120, 2_000, 8_000),
        "tenpoint" => (200, 500, 10_000),
        "manyusers" => (3_000, 600, 15_000),
        "coldstart" => (400, 800, 12_000),
        _ => (200, 400, 12_000),
    };
    SynthConfig {
        users,
        items,
        ratings,
        ..full
    }
}

/// The panel at `size`: the synthetic shapes, then (Full only) ML-100K random and temporal
/// when [`ML100K_ENV`] names a folder.
pub fn datasets(size: PanelSize) -> Vec<PanelDataset> {
    let mut v = synthetic(size);
    if size == PanelSize::Full {
        if let Some(dir) = std::env::var_os(ML100K_ENV).map(PathBuf::from) {
            v.extend(ml100k(dir));
        }
    }
    v
}

/// The synthetic shapes at `size`.
pub fn synthetic(size: PanelSize) -> Vec<PanelDataset> {
    shapes()
        .into_iter()
        .filter_map(|(name, split, about)| {
            let full = SynthConfig {
                seed: PANEL_SEED,
                threads: 1,
                ..preset(name)?
            };
            let config = match size {
                PanelSize::Full => full,
                PanelSize::Small => small(name, full),
            };
            Some(PanelDataset {
                name,
                config,
                split,
                ml100k: None,
                about,
            })
        })
        .collect()
}

/// ML-100K from `dir` on the peers' random 80/20 split and their per-user temporal split.
pub fn ml100k(dir: PathBuf) -> Vec<PanelDataset> {
    let entry = |name, split, about| PanelDataset {
        name,
        config: SynthConfig::default(),
        split,
        ml100k: Some(dir.clone()),
        about,
    };
    vec![
        entry(
            "ml100k-random",
            SplitSpec::peer_random(),
            "MovieLens-100K, the peers' numpy 80/20 split",
        ),
        entry(
            "ml100k-temporal",
            SplitSpec::peer_temporal(),
            "MovieLens-100K, the peers' per-user temporal 20%",
        ),
    ]
}

/// The panel dataset `name` at `size` (ML-100K entries need [`ML100K_ENV`]).
pub fn find(name: &str, size: PanelSize) -> Option<PanelDataset> {
    datasets(size).into_iter().find(|d| d.name == name)
}

impl PanelDataset {
    /// The dataset and its ratings in file order (the order position-based splits use).
    pub fn dataset(&self) -> Result<(Dataset, Interactions)> {
        let (mut d, order) = match &self.ml100k {
            Some(dir) => loaders::load_with_file_order(dir, &LoadOptions::default())?,
            None => {
                let (mut d, order) = generate(&self.config)?;
                let s = self.config.scale;
                d.set_scale(s.lo as f32, s.hi as f32);
                (d, order)
            }
        };
        d.name = self.name.to_string();
        Ok((d, order))
    }

    /// The dataset split as the panel judges it (random splits of the file order, so the
    /// ML-100K random split is exactly the peers').
    pub fn load(&self) -> Result<Split> {
        let (d, order) = self.dataset()?;
        match self.split {
            SplitSpec::Random { .. } | SplitSpec::KFold { .. } => {
                split_interactions(&order, &self.split)?.into_split(&d, &self.split)
            }
            _ => split(&d, &self.split),
        }
    }
}

/// Generates `cfg` into a fresh temporary folder, loads it and removes the folder: the
/// dataset and its ratings in file order.
pub fn generate(cfg: &SynthConfig) -> Result<(Dataset, Interactions)> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "cinerec-synth-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let out = generate_csv(cfg, &dir, None)
        .and_then(|_| loaders::load_with_file_order(&dir, &LoadOptions::default()));
    // Best effort: a leftover temporary folder is not an error of the generation.
    let _ = std::fs::remove_dir_all(&dir);
    out.map_err(|e| match e {
        DataError::Invalid(m) => DataError::Invalid(format!("panel: {m}")),
        e => e,
    })
}

#[cfg(test)]
#[path = "panel_tests.rs"]
mod tests;
