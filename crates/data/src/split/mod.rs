//! Seeded, reproducible train/test splits: the [`SplitSpec`] description, [`split`] on a
//! [`Dataset`], [`split_interactions`] / [`random_split_file_order`] on ratings in file order,
//! and [`carve_validation`] for a validation set taken from a train set only.
//!
//! Kinds (see [`SplitSpec`]):
//! - **random ratio**: `⌊n·test_ratio⌋` ratings drawn at random are test. With
//!   [`RngKind::Numpy`] the draw is `numpy.random.default_rng(seed).permutation(n)` and the
//!   rows `perm[..n_test]` are test — exactly `../shared/peers/split.py`, **provided the rows
//!   are in the original file order** (use [`random_split_file_order`]; a [`Dataset`] stores
//!   ratings sorted by (user, item), so [`split`] on a dataset permutes that order instead);
//! - **k-fold**: a seeded permutation cut into `k` near-equal folds; fold `f` is test;
//! - **temporal ratio**: per user, the most recent `⌈ratio·n_u⌉` ratings are test;
//! - **leave-last-k**: per user, the `k` most recent ratings are test;
//! - **given/hidden**: per user, a seeded `given_ratio` share (at least 1) stays in train
//!   ("given"), the rest is test ("hidden");
//! - **global time**: one cut in time for all users; the latest `⌊n·test_ratio⌋` ratings are
//!   test, so users and movies first seen after the cut are cold in test.
//!
//! Every kind is deterministic for a given spec and input; nothing reads the clock or OS
//! entropy. Train sets share the parent's catalogue ([`Dataset::with_ratings`]).

mod global_time;
mod numpy;
mod per_user;
mod random;
mod write;

#[cfg(test)]
mod peer_check;
#[cfg(test)]
mod tests;

pub use numpy::{numpy_permutation, NumpyPcg64, SeedSequence};
pub use random::{kfold_bounds, random_split_file_order, ratio_count};
pub use write::{write_dataset_csv, write_split_csv};

use crate::error::{DataError, Result};
use cinerec_core::{Dataset, Interactions};
use serde::{Deserialize, Serialize};

/// Which random generator draws a permutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RngKind {
    /// cinerec's own [`cinerec_core::Rng`] (xoshiro256**, Fisher–Yates with Lemire bounds).
    #[default]
    Cinerec,
    /// Bit-identical to `numpy.random.default_rng(seed).permutation(n)`.
    Numpy,
}

/// A split, as recorded in reports. Construct directly or with the helper constructors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SplitSpec {
    /// `⌊n·test_ratio⌋` random ratings are test (`test_ratio` in `(0, 1)`; 0.2 gives `n // 5`).
    Random {
        /// Share of ratings in the test set.
        test_ratio: f64,
        /// Seed of the permutation.
        seed: u64,
        /// Generator drawing the permutation.
        rng: RngKind,
    },
    /// Fold `fold` of a seeded `k`-fold partition is test; the folds of one seed cover every
    /// rating exactly once. Fold `f` holds permutation positions `⌊f·n/k⌋ .. ⌊(f+1)·n/k⌋`.
    KFold {
        /// Number of folds (≥ 2, ≤ number of ratings).
        k: usize,
        /// Test fold, `0..k`.
        fold: usize,
        /// Seed of the permutation.
        seed: u64,
        /// Generator drawing the permutation.
        rng: RngKind,
    },
    /// Per user, sort by (timestamp, item) ascending and hold out the last `⌈ratio·n_u⌉`
    /// ratings (ratio 0.2 → `(n_u + 4) // 5`, the peers' rule; equal timestamps: the larger
    /// item id counts as later). Users with fewer than `min_user_ratings` ratings stay wholly
    /// in train; with `min_user_ratings ≤ 1` a user with one rating goes wholly to test, as
    /// in `split.py`.
    Temporal {
        /// Share of each user's ratings held out, in `(0, 1)`.
        test_ratio: f64,
        /// Users with fewer ratings keep all of them in train.
        min_user_ratings: usize,
    },
    /// Per user, the `k` most recent ratings (same order as [`SplitSpec::Temporal`]) are test.
    /// Users with fewer than `min_user_ratings` ratings stay wholly in train (the
    /// [`SplitSpec::leave_last_k`] default `k + 1` keeps at least one train rating per user).
    LeaveLastK {
        /// Ratings held out per user (≥ 1).
        k: usize,
        /// Users with fewer ratings keep all of them in train.
        min_user_ratings: usize,
    },
    /// Per user, `max(1, ⌊given_ratio·n_u⌋)` ratings chosen at random (seeded per user, so
    /// one user's choice does not depend on the others) stay in train; the rest are hidden
    /// (test). At least one rating is always hidden; users with fewer than
    /// `max(2, min_user_ratings)` ratings stay wholly in train.
    GivenHidden {
        /// Share of each user's ratings given (train), in `(0, 1)`; default 0.2.
        given_ratio: f64,
        /// Seed.
        seed: u64,
        /// Users with fewer ratings keep all of them in train.
        min_user_ratings: usize,
    },
    /// All ratings sorted by (timestamp, user, item); the last `⌊n·test_ratio⌋` are test.
    /// Users and movies whose first rating falls after the cut are only in test.
    GlobalTime {
        /// Share of all ratings (the most recent) held out, in `(0, 1)`.
        test_ratio: f64,
    },
}

impl SplitSpec {
    /// The peers' rating-prediction split: random 20 % test, numpy seed 42.
    pub fn peer_random() -> Self {
        SplitSpec::Random {
            test_ratio: 0.2,
            seed: 42,
            rng: RngKind::Numpy,
        }
    }
    /// The peers' ranking split: per-user most recent 20 % test.
    pub fn peer_temporal() -> Self {
        SplitSpec::Temporal {
            test_ratio: 0.2,
            min_user_ratings: 0,
        }
    }
    /// Leave-last-`k` keeping at least one train rating per user.
    pub fn leave_last_k(k: usize) -> Self {
        SplitSpec::LeaveLastK {
            k,
            min_user_ratings: k + 1,
        }
    }
    /// Given/hidden with the default 20 % given.
    pub fn given_hidden(seed: u64) -> Self {
        SplitSpec::GivenHidden {
            given_ratio: 0.2,
            seed,
            min_user_ratings: 2,
        }
    }

    /// Short label for names and reports, e.g. `random(0.2,seed=42,numpy)`.
    pub fn label(&self) -> String {
        match self {
            SplitSpec::Random {
                test_ratio,
                seed,
                rng,
            } => {
                format!("random({test_ratio},seed={seed},{})", rng_name(*rng))
            }
            SplitSpec::KFold { k, fold, seed, rng } => {
                format!("kfold({fold}/{k},seed={seed},{})", rng_name(*rng))
            }
            SplitSpec::Temporal {
                test_ratio,
                min_user_ratings,
            } => {
                format!("temporal({test_ratio},min={min_user_ratings})")
            }
            SplitSpec::LeaveLastK {
                k,
                min_user_ratings,
            } => format!("leave_last({k},min={min_user_ratings})"),
            SplitSpec::GivenHidden {
                given_ratio,
                seed,
                min_user_ratings,
            } => {
                format!("given_hidden({given_ratio},seed={seed},min={min_user_ratings})")
            }
            SplitSpec::GlobalTime { test_ratio } => format!("global_time({test_ratio})"),
        }
    }

    /// Checks the parameters (ratios in `(0, 1)`, `k ≥ 1`, `fold < k`, …).
    pub fn validate(&self) -> Result<()> {
        let ratio = |name: &str, r: f64| {
            if r.is_finite() && r > 0.0 && r < 1.0 {
                Ok(())
            } else {
                Err(DataError::Invalid(format!(
                    "{name} must be in (0, 1), got {r}"
                )))
            }
        };
        match *self {
            SplitSpec::Random { test_ratio, .. } => ratio("test_ratio", test_ratio),
            SplitSpec::Temporal { test_ratio, .. } => ratio("test_ratio", test_ratio),
            SplitSpec::GivenHidden { given_ratio, .. } => ratio("given_ratio", given_ratio),
            SplitSpec::GlobalTime { test_ratio } => ratio("test_ratio", test_ratio),
            SplitSpec::KFold { k, fold, .. } if k < 2 => Err(DataError::Invalid(format!(
                "k-fold needs k >= 2, got k={k} (fold {fold})"
            ))),
            SplitSpec::KFold { k, fold, .. } if fold >= k => Err(DataError::Invalid(format!(
                "k-fold fold index {fold} out of range 0..{k}"
            ))),
            SplitSpec::LeaveLastK { k: 0, .. } => {
                Err(DataError::Invalid("leave-last-k needs k >= 1".into()))
            }
            _ => Ok(()),
        }
    }
}

fn rng_name(r: RngKind) -> &'static str {
    match r {
        RngKind::Cinerec => "cinerec",
        RngKind::Numpy => "numpy",
    }
}

/// A train/test split of a dataset.
#[derive(Debug, Clone)]
pub struct Split {
    /// Training ratings, over the parent's catalogue (named `<parent>:train`).
    pub train: Dataset,
    /// Test ratings, inner ids of the same catalogue. Order: see [`split`].
    pub test: Interactions,
    /// How the split was made.
    pub spec: SplitSpec,
    /// One-line description for reports, e.g. `ml-100k random(0.2,seed=42,numpy): 80000 train / 20000 test`.
    pub description: String,
}

/// A split of ratings kept as plain lists in the order the rows came in.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InteractionSplit {
    /// Training ratings.
    pub train: Interactions,
    /// Test ratings.
    pub test: Interactions,
}

impl InteractionSplit {
    /// Turns the parts into a [`Split`] whose train set is a dataset over `base`'s catalogue
    /// (the ids of both parts must index that catalogue, e.g. `base` was loaded from the same
    /// rows).
    pub fn into_split(self, base: &Dataset, spec: &SplitSpec) -> Result<Split> {
        check_ids(base, &self.train)?;
        check_ids(base, &self.test)?;
        Ok(finish(base, self, spec.clone()))
    }
}

/// A validation set carved out of a **train** set; the test set is not an input and cannot
/// be affected.
#[derive(Debug, Clone)]
pub struct ValidationSplit {
    /// What remains of the train set for fitting.
    pub fit: Dataset,
    /// The held-out validation ratings.
    pub validation: Interactions,
    /// How the validation ratings were chosen.
    pub spec: SplitSpec,
}

/// Splits a dataset.
///
/// The dataset's ratings are taken in its stored (user, item) order; position-based kinds
/// (random, k-fold) permute that order, so a numpy random split of a dataset is **not** the
/// peers' split unless the source file was itself sorted by (user, item) — use
/// [`random_split_file_order`] on the file-order ratings for that. Test order: (user, item)
/// for random, k-fold and given/hidden; (user, timestamp, item) for temporal and
/// leave-last-k (as `split.py` writes them).
pub fn split(data: &Dataset, spec: &SplitSpec) -> Result<Split> {
    let parts = split_interactions(&data.matrix().to_interactions(), spec)?;
    Ok(finish(data, parts, spec.clone()))
}

/// Splits ratings given as a list, keeping their order where the kind is position-based:
/// random, k-fold and global-time train/test keep input order; temporal and leave-last-k parts are in
/// (user, timestamp, item) order; given/hidden parts in (user, item) order.
pub fn split_interactions(ratings: &Interactions, spec: &SplitSpec) -> Result<InteractionSplit> {
    spec.validate()?;
    match *spec {
        SplitSpec::Random {
            test_ratio,
            seed,
            rng,
        } => random_split_file_order(ratings, test_ratio, seed, rng),
        SplitSpec::KFold { k, fold, seed, rng } => random::kfold(ratings, k, fold, seed, rng),
        SplitSpec::Temporal {
            test_ratio,
            min_user_ratings,
        } => per_user::temporal(
            ratings,
            per_user::Holdout::Ratio(test_ratio),
            min_user_ratings,
        ),
        SplitSpec::LeaveLastK {
            k,
            min_user_ratings,
        } => per_user::temporal(ratings, per_user::Holdout::Last(k), min_user_ratings),
        SplitSpec::GivenHidden {
            given_ratio,
            seed,
            min_user_ratings,
        } => per_user::given_hidden(ratings, given_ratio, seed, min_user_ratings),
        SplitSpec::GlobalTime { test_ratio } => global_time::global_time(ratings, test_ratio),
    }
}

/// Carves a validation set out of `train` (never the test set: it is not an argument) with
/// any split kind; returns what is left for fitting and the validation ratings.
pub fn carve_validation(train: &Dataset, spec: &SplitSpec) -> Result<ValidationSplit> {
    let s = split(train, spec)?;
    let mut fit = s.train;
    fit.name = format!("{}:fit", train.name);
    Ok(ValidationSplit {
        fit,
        validation: s.test,
        spec: spec.clone(),
    })
}

fn finish(base: &Dataset, parts: InteractionSplit, spec: SplitSpec) -> Split {
    let description = format!(
        "{} {}: {} train / {} test",
        base.name,
        spec.label(),
        parts.train.len(),
        parts.test.len()
    );
    let train = base.with_ratings(format!("{}:train", base.name), parts.train);
    Split {
        train,
        test: parts.test,
        spec,
        description,
    }
}

fn check_ids(base: &Dataset, r: &Interactions) -> Result<()> {
    let (nu, ni) = (base.n_users() as u32, base.n_items() as u32);
    if let Some(k) = (0..r.len()).find(|&k| r.users[k] >= nu || r.items[k] >= ni) {
        return Err(DataError::Invalid(format!(
            "rating {k} (user #{}, item #{}) is outside the catalogue of {} ({nu} users, {ni} items)",
            r.users[k], r.items[k], base.name
        )));
    }
    Ok(())
}

/// Checks that the four columns have the same length.
fn check_columns(r: &Interactions) -> Result<()> {
    let n = r.users.len();
    if r.items.len() != n || r.values.len() != n || r.times.len() != n {
        return Err(DataError::Invalid(format!(
            "interaction columns differ in length: users {n}, items {}, values {}, times {}",
            r.items.len(),
            r.values.len(),
            r.times.len()
        )));
    }
    Ok(())
}
