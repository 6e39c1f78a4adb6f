//! [`TwoTowerParams`]: every knob of the two-tower model as a config field (defaults = the best
//! measured configuration; [`TwoTowerParams::reference`] = the reference's exact one), their
//! validation, and what the training loop and the fold-in take from them.

use crate::error::{check, Result};
use crate::train::{with_schedule, Schedule};
#[cfg(feature = "train")]
use crate::twotower_net::LossCfg;
use crate::twotower_weights::FoldIn;
use serde::{Deserialize, Serialize};

/// How a batch's retrieval losses are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reduction {
    /// Sum over the batch (TensorFlow Recommenders' default for retrieval).
    Sum,
    /// Mean over the batch.
    Mean,
}

with_schedule! {
/// Parameters of [`TwoTower`](crate::TwoTower). The defaults are the best configuration measured on
/// MovieLens-100K (`bench/RESULTS.md`, "Two-tower multitask": the reference architecture with
/// log-q correction, 1000 sampled negatives, rating weight 100, the rating output's bias
/// starting at the mean and embedding L2 0.1), with the rating network predicting residuals
/// over regularised biases (`residual`, for sparse and non-MovieLens data); [`TwoTowerParams::reference`] (the `reference`
/// preset) is the reference configuration itself (TensorFlow Recommenders' multitask model:
/// Keras initialisers and Adagrad, summed retrieval loss).
///
/// One training example is a rating; a mini-batch is also the in-batch softmax width, and
/// early stopping watches `val_loss`; the optimiser is Adagrad.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TwoTowerParams {
    /// Width of the user and movie embeddings.
    pub embedding_dim: usize,
    /// Hidden widths of the rating network (ReLU each), before its `Dense(1)` output.
    pub hidden: Vec<usize>,
    /// Weight of the rating (MSE) loss.
    pub rating_weight: f64,
    /// Weight of the retrieval (softmax cross-entropy) loss.
    pub retrieval_weight: f64,
    /// How the retrieval loss is reduced over a batch: `sum` of the examples' cross-entropies
    /// (TensorFlow Recommenders' `Retrieval` task) or their `mean`.
    pub retrieval_reduction: Reduction,
    /// Retrieval logits are divided by this.
    pub temperature: f64,
    /// Retrieval scores are cosines (L2-normalised embeddings) instead of dot products.
    pub normalize: bool,
    /// Movies drawn uniformly per batch as extra retrieval negatives (0 = in-batch only).
    pub negatives: usize,
    /// Add a learned per-movie bias to the retrieval logits (and so to `score_all`).
    pub retrieval_item_bias: bool,
    /// Correct the retrieval logits by the log of each candidate's sampling rate.
    pub logq_correction: bool,
    /// Mask in-batch candidates that are the row's own movie on another row.
    pub remove_accidental_hits: bool,
    /// The user tower adds the mean of a second, learned embedding of the user's training
    /// movies to the user's id embedding (each example leaves its own movie out of that
    /// mean, so the tower cannot just echo its label).
    pub user_history: bool,
    /// Keep the user-id embedding in the user tower; `false` (with `user_history`) makes a
    /// user the mean embedding of the movies they watched, with no per-user parameters.
    pub user_id_embedding: bool,
    /// Retrieval over all movies: every example's softmax runs over the whole catalogue (the
    /// exact softmax) instead of the batch's movies; `negatives`, `logq_correction` and
    /// `remove_accidental_hits` then do not apply. Costs `batch × n_items` logits a batch.
    pub full_softmax: bool,
    /// Embeddings start ~ Uniform(−init_scale, init_scale) (Keras' default 0.05).
    pub init_scale: f64,
    /// Start the rating output's bias at the training mean (of its targets) instead of 0.
    pub output_bias_at_mean: bool,
    /// The rating network predicts each rating's residual over regularised biases (global
    /// mean + user + movie, from the training data): sparse users and movies fall back to
    /// that baseline, on any rating scale. `false` = it predicts the rating itself.
    pub residual: bool,
    /// After training, add `β · ln(1 + n_i)` to the movies' retrieval scores, `β` picked on
    /// the hold-out from a grid that includes 0 (`twotower_prior.rs`); no hold-out, no prior.
    pub popularity_prior: bool,
    /// Penalty `embedding_l2 × (‖u‖² + ‖q‖²)` per example on the embeddings it uses (summed or
    /// averaged over the batch like the retrieval loss; 0 = none).
    pub embedding_l2: f64,
    /// L2 weight decay added to every gradient (0 = none).
    pub weight_decay: f64,
    /// Adagrad's starting accumulator of squared gradients (Keras: 0.1).
    pub adagrad_initial_accumulator: f64,
    /// Adagrad's ε (added to the root of the accumulated squares; Keras: 1e-7).
    pub adagrad_epsilon: f64,
    /// Fold-in: Adagrad steps fitting a profile's user embedding.
    pub foldin_steps: usize,
    /// Fold-in: Adagrad learning rate.
    pub foldin_learning_rate: f64,
    /// Fold-in: pull `λ‖u − ū‖²` towards the mean user embedding.
    pub foldin_l2: f64,
}
}

impl Default for TwoTowerParams {
    /// The best measured configuration: the reference with the tuned in-batch settings.
    fn default() -> Self {
        TwoTowerParams {
            rating_weight: 100.0,
            negatives: 1000,
            logq_correction: true,
            output_bias_at_mean: true,
            embedding_l2: 0.1,
            residual: true,
            popularity_prior: true,
            ..TwoTowerParams::reference()
        }
    }
}

impl TwoTowerParams {
    /// The reference configuration (the `reference` preset): 64-d towers, rating MLP
    /// 256-128-1, in-batch softmax with summed loss, Adagrad 0.1, 15 epochs, batch 1000.
    pub fn reference() -> Self {
        let s = Schedule::default();
        TwoTowerParams {
            embedding_dim: 64,
            hidden: vec![256, 128],
            rating_weight: 1.0,
            retrieval_weight: 1.0,
            retrieval_reduction: Reduction::Sum,
            temperature: 1.0,
            normalize: false,
            negatives: 0,
            retrieval_item_bias: false,
            logq_correction: false,
            remove_accidental_hits: false,
            full_softmax: false,
            user_history: false,
            user_id_embedding: true,
            init_scale: 0.05,
            output_bias_at_mean: false,
            residual: false,
            popularity_prior: false,
            embedding_l2: 0.0,
            weight_decay: 0.0,
            adagrad_initial_accumulator: 0.1,
            adagrad_epsilon: 1e-7,
            foldin_steps: 50,
            foldin_learning_rate: 0.1,
            foldin_l2: 0.1,
            epochs: 15,
            batch_size: 1000,
            learning_rate: 0.1,
            validation_fraction: s.validation_fraction,
            patience: 0,
            seed: s.seed,
            threads: s.threads,
        }
    }
}

impl TwoTowerParams {
    /// Rejects out-of-range values.
    pub fn validate(&self) -> Result<()> {
        self.schedule().validate()?;
        let fin = |x: f64| x.is_finite() && x >= 0.0;
        check(
            (1..=4096).contains(&self.embedding_dim),
            "embedding_dim",
            "must be in 1..=4096",
        )?;
        check(
            self.hidden.len() <= 16 && self.hidden.iter().all(|h| (1..=65_536).contains(h)),
            "hidden",
            "at most 16 layers of 1..=65536 units",
        )?;
        check(fin(self.rating_weight), "rating_weight", "must be ≥ 0")?;
        check(
            fin(self.retrieval_weight),
            "retrieval_weight",
            "must be ≥ 0",
        )?;
        check(
            self.rating_weight + self.retrieval_weight > 0.0,
            "retrieval_weight",
            "rating_weight and retrieval_weight cannot both be 0",
        )?;
        check(
            self.temperature.is_finite() && self.temperature > 0.0,
            "temperature",
            "must be > 0",
        )?;
        check(self.negatives <= 1_000_000, "negatives", "at most 1000000")?;
        check(
            self.user_id_embedding || self.user_history,
            "user_id_embedding",
            "can only be false with user_history (the user tower would be empty)",
        )?;
        check(fin(self.init_scale), "init_scale", "must be ≥ 0")?;
        check(fin(self.weight_decay), "weight_decay", "must be ≥ 0")?;
        check(fin(self.embedding_l2), "embedding_l2", "must be ≥ 0")?;
        check(
            fin(self.adagrad_initial_accumulator),
            "adagrad_initial_accumulator",
            "must be ≥ 0",
        )?;
        check(
            self.adagrad_epsilon.is_finite() && self.adagrad_epsilon > 0.0,
            "adagrad_epsilon",
            "must be > 0",
        )?;
        check(self.foldin_steps <= 10_000, "foldin_steps", "at most 10000")?;
        check(
            self.foldin_learning_rate.is_finite() && self.foldin_learning_rate > 0.0,
            "foldin_learning_rate",
            "must be > 0",
        )?;
        check(fin(self.foldin_l2), "foldin_l2", "must be ≥ 0")
    }

    /// What the training loss takes from the parameters.
    #[cfg(feature = "train")]
    pub(crate) fn loss_cfg(&self) -> LossCfg {
        LossCfg {
            rating_weight: self.rating_weight as f32,
            retrieval_weight: self.retrieval_weight as f32,
            sum_retrieval: self.retrieval_reduction == Reduction::Sum,
            temperature: self.temperature as f32,
            normalize: self.normalize,
            negatives: self.negatives,
            logq_correction: self.logq_correction,
            remove_accidental_hits: self.remove_accidental_hits,
            full_softmax: self.full_softmax,
            user_ids: self.user_id_embedding || !self.user_history,
            embedding_l2: self.embedding_l2 as f32,
        }
    }

    /// What the fold-in of a new visitor's profile takes from the parameters.
    pub(crate) fn fold_cfg(&self) -> FoldIn {
        // Per example, training weighs the squared error by rating_weight / batch_size when
        // the retrieval loss is summed over the batch: the fold-in keeps that balance.
        let per_example = match self.retrieval_reduction {
            Reduction::Sum => self.rating_weight / self.batch_size as f64,
            Reduction::Mean => self.rating_weight,
        };
        FoldIn {
            retrieval_weight: self.retrieval_weight as f32,
            rating_weight: per_example as f32,
            l2: self.foldin_l2 as f32,
            steps: self.foldin_steps,
            lr: self.foldin_learning_rate as f32,
        }
    }
}
