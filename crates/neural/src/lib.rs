//! # cinerec-neural
//!
//! cinerec's neural models, trained on the CPU with [burn](https://burn.dev) 0.22 (its
//! pure-Rust `flex` backend) and served without it:
//! - [`backend`]: the burn device, the private training thread pool, tensor ↔ `Vec`
//!   conversions and seeded parameter initialisation;
//! - [`train`]: mini-batches, validation hold-out, early stopping, progress reporting;
//! - [`mlp`]: burn-free inference of trained dense layers, and their model state.
//!
//! Every model here implements [`cinerec_core::Recommender`]; `cinerec-models` lists them in
//! its registry, so they pass the same contract suite as every other model.

pub mod backend;
pub mod error;
pub mod features;
pub mod features_eval;
mod features_fitted;
pub mod features_input;
mod features_model;
mod features_net;
mod features_train;
pub mod mlp;
pub mod train;

pub use error::{NeuralError, Result};
pub use features::{Features, FeaturesParams, ScoreMethod};
pub use features_eval::{
    cold_start_recall, cold_start_split, ColdCandidates, ColdStartReport, ColdStartSplit,
};
