//! Split options shared by `eval`, `tune` and `data split`: the kind of split and its
//! ratios, seeds and generator, turned into a [`SplitSpec`].

use crate::output::Output;
use crate::resolve;
use anyhow::{Context, Result};
use cinerec_core::{Dataset, Interactions};
use cinerec_data::loaders::{self, SplitFiles};
use cinerec_data::split::{RngKind, SplitSpec};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

/// How to split a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SplitKind {
    /// Random share of all ratings.
    Random,
    /// One fold of a k-fold partition.
    Kfold,
    /// Per user, the most recent share of ratings is test.
    Temporal,
    /// Per user, the last k ratings are test.
    LeaveLast,
    /// Per user, a share is given (train), the rest hidden (test).
    Given,
    /// One time cut for everybody: the most recent share of all ratings is test.
    GlobalTime,
}

/// Split options shared by `eval`, `tune` and `data split`.
#[derive(Args, Debug, Clone)]
pub struct SplitOpts {
    /// Split kind.
    #[arg(long = "split", value_enum, default_value = "temporal")]
    pub kind: SplitKind,
    /// Test share for random / temporal splits.
    #[arg(long, default_value_t = 0.2)]
    pub test_ratio: f64,
    /// Given (train) share for the given/hidden split.
    #[arg(long, default_value_t = 0.2)]
    pub given_ratio: f64,
    /// Seed for random, k-fold and given splits.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Number of folds for k-fold.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Test fold for k-fold (0-based).
    #[arg(long, default_value_t = 0)]
    pub fold: usize,
    /// Ratings held out per user for leave-last.
    #[arg(long, default_value_t = 1)]
    pub leave: usize,
    /// Random generator: cinerec's own or numpy-identical (`default_rng(seed).permutation`).
    #[arg(long, value_enum, default_value = "numpy")]
    pub rng: RngArg,
}

/// Generator choice on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RngArg {
    /// cinerec's xoshiro256**.
    Cinerec,
    /// Bit-identical to numpy's default_rng.
    Numpy,
}

impl SplitOpts {
    /// The split spec these options describe.
    pub fn spec(&self) -> SplitSpec {
        let rng = match self.rng {
            RngArg::Cinerec => RngKind::Cinerec,
            RngArg::Numpy => RngKind::Numpy,
        };
        match self.kind {
            SplitKind::Random => SplitSpec::Random {
                test_ratio: self.test_ratio,
                seed: self.seed,
                rng,
            },
            SplitKind::Kfold => SplitSpec::KFold {
                k: self.folds,
                fold: self.fold,
                seed: self.seed,
                rng,
            },
            SplitKind::Temporal => SplitSpec::Temporal {
                test_ratio: self.test_ratio,
                min_user_ratings: 0,
            },
            SplitKind::LeaveLast => SplitSpec::leave_last_k(self.leave),
            SplitKind::Given => SplitSpec::GivenHidden {
                given_ratio: self.given_ratio,
                seed: self.seed,
                min_user_ratings: 2,
            },
            SplitKind::GlobalTime => SplitSpec::GlobalTime {
                test_ratio: self.test_ratio,
            },
        }
    }
}

impl SplitOpts {
    /// The validation carve matching this (outer) split, with `ratio` held out: the same kind,
    /// except that carving a fold out of a train part is a random hold-out.
    pub fn validation_spec(&self, ratio: f64) -> SplitSpec {
        let opts = SplitOpts {
            test_ratio: ratio,
            kind: match self.kind {
                SplitKind::Kfold => SplitKind::Random,
                k => k,
            },
            ..self.clone()
        };
        opts.spec()
    }

    /// The seed recorded in reports, for the kinds that have one.
    pub fn seed_of(spec: &SplitSpec) -> Option<u64> {
        match spec {
            SplitSpec::Random { seed, .. }
            | SplitSpec::KFold { seed, .. }
            | SplitSpec::GivenHidden { seed, .. } => Some(*seed),
            _ => None,
        }
    }
}

/// What `eval` and `tune` split: a dataset (`--data`) or a store (`--store`), with the split
/// options, and the catalogue file that goes with given train/test files.
#[derive(Args, Debug, Clone)]
pub struct SplitSource {
    /// Dataset name or path (split here, or used for titles/metadata with --train).
    #[arg(long, short)]
    pub data: Option<String>,
    /// Split the contents of this store (sqlite://…, postgres://…, mysql://…) instead of --data.
    #[arg(long)]
    pub store: Option<String>,
    #[command(flatten)]
    pub split: SplitOpts,
    /// Catalogue file (CSV with an `item` column); default: items.csv beside --train.
    #[arg(long)]
    pub items: Option<PathBuf>,
}

impl SplitSource {
    /// The dataset to split (or to take titles and metadata from), when `--data` or `--store`
    /// is given.
    pub fn base(&self, data_dir: &Path, out: &Output) -> Result<Option<Dataset>> {
        resolve::base_dataset(self.data.as_deref(), self.store.as_deref(), data_dir, out)
    }

    /// Given train and test files (the same file twice when only a train part is wanted),
    /// with `--items` or the items.csv beside them, over `base`'s catalogue when given.
    pub fn files(
        &self,
        train: &Path,
        test: &Path,
        base: Option<&Dataset>,
    ) -> Result<(Dataset, Interactions)> {
        let files = SplitFiles {
            train: train.to_path_buf(),
            test: test.to_path_buf(),
            items: self.items.clone(),
        };
        let what = if train == test {
            train.display().to_string()
        } else {
            format!("{} / {}", train.display(), test.display())
        };
        loaders::load_split_files(&files, base).with_context(|| format!("reading {what}"))
    }
}
