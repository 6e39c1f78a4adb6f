//! What every neural fit shares around burn: shuffled mini-batches, a validation hold-out
//! carved from the training ratings, early stopping with best-epoch restore, the divergence
//! check, and reporting to the [`FitObserver`] (running loss per batch, metrics per epoch).

use crate::error::{check, NeuralError, Result};
use cinerec_core::{EpochReport, FitObserver, Rng};
use serde::{Deserialize, Serialize};

/// Declares a parameter struct: its own fields, then the [`Schedule`] fields (same names, docs
/// and order, flat in the JSON, last), and for a model's parameters (every use but
/// [`Schedule`]'s own, `@struct`) a `schedule()` accessor. What one training example is for
/// the model (a user, a movie, a rating) belongs in the struct's docs.
macro_rules! with_schedule {
    (@struct $(#[$meta:meta])* $name:ident { $($own:tt)* }) => {
        $(#[$meta])*
        pub struct $name {
            $($own)*
            /// Passes over the training data.
            pub epochs: usize,
            /// Examples per mini-batch.
            pub batch_size: usize,
            /// Optimiser learning rate.
            pub learning_rate: f64,
            /// Share of the training examples held out to validate each epoch (0 = none: no
            /// validation metrics and no early stopping).
            pub validation_fraction: f64,
            /// Stop after this many epochs without a better validation loss and keep the best
            /// epoch's weights (0 = never stop early).
            pub patience: usize,
            /// Seed for initialisation, shuffling and the hold-out.
            pub seed: u64,
            /// Training threads (0 = one per core). With 1 the fit is bit-for-bit reproducible.
            pub threads: usize,
        }
    };
    ($(#[$meta:meta])* pub struct $name:ident { $($own:tt)* }) => {
        $crate::train::with_schedule!(@struct $(#[$meta])* $name { $($own)* });

        impl $name {
            /// The shared training-loop knobs.
            pub fn schedule(&self) -> $crate::train::Schedule {
                $crate::train::Schedule {
                    epochs: self.epochs,
                    batch_size: self.batch_size,
                    learning_rate: self.learning_rate,
                    validation_fraction: self.validation_fraction,
                    patience: self.patience,
                    seed: self.seed,
                    threads: self.threads,
                }
            }
        }
    };
}
pub(crate) use with_schedule;

with_schedule!(@struct
    /// The training-loop knobs every neural model has (flattened into its parameters).
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    Schedule {}
);

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            epochs: 15,
            batch_size: 1000,
            learning_rate: 0.1,
            validation_fraction: 0.05,
            patience: 0,
            seed: 42,
            threads: 1,
        }
    }
}

impl Schedule {
    /// Rejects out-of-range values.
    pub fn validate(&self) -> Result<()> {
        check(
            self.epochs >= 1 && self.epochs <= 100_000,
            "epochs",
            "must be in 1..=100000",
        )?;
        check(self.batch_size >= 1, "batch_size", "must be at least 1")?;
        check(
            self.learning_rate.is_finite() && self.learning_rate > 0.0,
            "learning_rate",
            "must be a positive number",
        )?;
        check(
            (0.0..0.9).contains(&self.validation_fraction),
            "validation_fraction",
            "must be in [0, 0.9)",
        )?;
        check(self.threads <= 1024, "threads", "must be at most 1024")
    }
}

/// Splits example indices `0..n` into a shuffled training part and a validation part of
/// `fraction × n` (at least one example when `fraction > 0` and `n ≥ 2`).
pub fn holdout(n: usize, fraction: f64, rng: &mut Rng) -> (Vec<u32>, Vec<u32>) {
    let mut idx: Vec<u32> = (0..n as u32).collect();
    rng.shuffle(&mut idx);
    let mut n_val = (n as f64 * fraction).round() as usize;
    if fraction > 0.0 && n >= 2 {
        n_val = n_val.clamp(1, n - 1);
    }
    let val = idx.split_off(n - n_val.min(n));
    (idx, val)
}

/// The mini-batches of one epoch: `examples` shuffled, cut into `batch_size` chunks.
pub fn batches(examples: &[u32], batch_size: usize, rng: &mut Rng) -> Vec<Vec<u32>> {
    let mut order = examples.to_vec();
    rng.shuffle(&mut order);
    order
        .chunks(batch_size.max(1))
        .map(|c| c.to_vec())
        .collect()
}

/// Running mean of the batch losses of one epoch, reported to the observer after each batch.
pub struct EpochLoss {
    epoch: usize,
    total: u64,
    done: u64,
    sum: f64,
    weight: f64,
}

impl EpochLoss {
    /// Starts epoch `epoch` (1-based) of `total` batches.
    pub fn new(epoch: usize, total: usize) -> Self {
        EpochLoss {
            epoch,
            total: total as u64,
            done: 0,
            sum: 0.0,
            weight: 0.0,
        }
    }

    /// Records a batch of `size` examples with mean loss `loss`; fails if it is not finite.
    pub fn add(
        &mut self,
        model: &'static str,
        loss: f64,
        size: usize,
        obs: &mut dyn FitObserver,
    ) -> Result<()> {
        if !loss.is_finite() {
            return Err(NeuralError::Diverged {
                model,
                epoch: self.epoch,
                loss,
            });
        }
        self.sum += loss * size as f64;
        self.weight += size as f64;
        self.done += 1;
        obs.on_batch(self.epoch, self.done, self.total, self.mean());
        Ok(())
    }

    /// Mean loss per example so far.
    pub fn mean(&self) -> f64 {
        if self.weight > 0.0 {
            self.sum / self.weight
        } else {
            0.0
        }
    }
}

/// What [`EarlyStopping::update`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Best validation loss so far: keep these weights.
    Improved,
    /// Not better, keep going.
    Continue,
    /// `patience` epochs without improvement: stop and restore the best weights.
    Stop,
}

/// Early stopping on a validation loss (lower is better).
#[derive(Debug, Clone)]
pub struct EarlyStopping {
    patience: usize,
    best: f64,
    best_epoch: usize,
    bad: usize,
}

impl EarlyStopping {
    /// Stops after `patience` epochs without improvement (0 = never).
    pub fn new(patience: usize) -> Self {
        EarlyStopping {
            patience,
            best: f64::INFINITY,
            best_epoch: 0,
            bad: 0,
        }
    }

    /// Records epoch `epoch`'s validation loss.
    pub fn update(&mut self, epoch: usize, val_loss: f64) -> Verdict {
        if val_loss < self.best {
            self.best = val_loss;
            self.best_epoch = epoch;
            self.bad = 0;
            return Verdict::Improved;
        }
        self.bad += 1;
        if self.patience > 0 && self.bad >= self.patience {
            Verdict::Stop
        } else {
            Verdict::Continue
        }
    }

    /// The epoch with the lowest validation loss (0 before any update).
    pub fn best_epoch(&self) -> usize {
        self.best_epoch
    }
}

/// Sends an epoch's figures to the observer: `train_loss`, then `val_loss` (when validated)
/// and any further metrics.
pub fn report_epoch(
    obs: &mut dyn FitObserver,
    epoch: usize,
    epochs: usize,
    train_loss: f64,
    metrics: Vec<(String, f64)>,
) {
    obs.on_epoch(&EpochReport {
        epoch,
        epochs,
        train_loss,
        metrics,
    });
}

/// Passes a fit's progress on with its epochs renumbered, so that several trainings in one
/// `fit` (AutoRec's `auto` target) report one sequence `1..=total`.
pub struct Renumbered<'a> {
    /// The caller's observer.
    pub inner: &'a mut dyn FitObserver,
    /// Epochs already reported by earlier trainings.
    pub offset: usize,
    /// Epochs planned over all trainings.
    pub total: usize,
}

impl FitObserver for Renumbered<'_> {
    fn on_epoch(&mut self, r: &EpochReport) {
        let mut r = r.clone();
        r.epoch += self.offset;
        r.epochs = self.total;
        self.inner.on_epoch(&r);
    }
    fn on_progress(&mut self, done: u64, total: u64) {
        self.inner.on_progress(done, total);
    }
    fn on_batch(&mut self, epoch: usize, done: u64, total: u64, running_loss: f64) {
        self.inner
            .on_batch(epoch + self.offset, done, total, running_loss);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holdout_partitions_and_is_seeded() {
        let (t, v) = holdout(100, 0.1, &mut Rng::new(1));
        assert_eq!((t.len(), v.len()), (90, 10));
        let mut all: Vec<u32> = t.iter().chain(&v).copied().collect();
        all.sort();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        assert_eq!(holdout(100, 0.1, &mut Rng::new(1)), (t, v));
        assert_eq!(holdout(5, 0.0, &mut Rng::new(1)).1.len(), 0);
        assert_eq!(holdout(3, 0.01, &mut Rng::new(1)).1.len(), 1);
    }

    #[test]
    fn batches_cover_every_example_once() {
        let ex: Vec<u32> = (0..25).collect();
        let b = batches(&ex, 10, &mut Rng::new(3));
        assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), vec![10, 10, 5]);
        let mut all: Vec<u32> = b.concat();
        all.sort();
        assert_eq!(all, ex);
    }

    #[test]
    fn early_stopping_waits_patience_epochs() {
        let mut es = EarlyStopping::new(2);
        assert_eq!(es.update(1, 1.0), Verdict::Improved);
        assert_eq!(es.update(2, 1.1), Verdict::Continue);
        assert_eq!(es.update(3, 0.9), Verdict::Improved);
        assert_eq!(es.update(4, 0.95), Verdict::Continue);
        assert_eq!(es.update(5, 0.95), Verdict::Stop);
        assert_eq!(es.best_epoch(), 3);
        let mut never = EarlyStopping::new(0);
        never.update(1, 1.0);
        assert_eq!(never.update(2, 2.0), Verdict::Continue);
    }

    #[test]
    fn a_non_finite_loss_is_divergence() {
        let mut l = EpochLoss::new(1, 2);
        let mut obs = cinerec_core::NoObserver;
        l.add("m", 2.0, 10, &mut obs).unwrap();
        l.add("m", 4.0, 30, &mut obs).unwrap();
        assert_eq!(l.mean(), 3.5);
        assert!(matches!(
            l.add("m", f64::NAN, 1, &mut obs),
            Err(NeuralError::Diverged { .. })
        ));
    }

    #[test]
    fn schedule_validation() {
        assert!(Schedule::default().validate().is_ok());
        let bad = Schedule {
            learning_rate: 0.0,
            ..Schedule::default()
        };
        assert!(bad.validate().is_err());
        let bad = Schedule {
            validation_fraction: 0.95,
            ..Schedule::default()
        };
        assert!(bad.validate().is_err());
    }
}
