//! # cinerec-neural
//!
//! cinerec's neural models, trained on the CPU with [burn](https://burn.dev) 0.22 (its
//! pure-Rust `flex` backend) and served without it:
//! - `backend` (feature `train`): the burn device, the private training thread pool,
//!   tensor ↔ `Vec` conversions and seeded parameter initialisation;
//! - [`train`]: the training knobs every model's parameters share ([`train::Schedule`]),
//!   mini-batches, validation hold-out, early stopping, progress reporting;
//! - [`mlp`]: burn-free inference of trained dense layers, and their model state;
//! - [`twotower`]: the two-tower multitask model ([`TwoTower`]);
//! - [`features`]: movie embeddings from features and user embeddings from watched sets (new
//!   movies and users without retraining), density or likelihood scoring, cold-start evaluation;
//! - [`biases`]: the regularised global/user/movie biases the rating networks learn a residual
//!   over (never worse than the baseline on sparse data, any rating scale), and [`shrink`]:
//!   how much of a network's residual to trust by the user's and movie's training support;
//! - [`autoencoder`] / [`autorec`]: rating autoencoders — user-based with demographics, and
//!   item-based AutoRec — trained on sparse rows (`ae_*` modules hold their shared parts).
//!
//! Every model here implements [`cinerec_core::Recommender`] and [`cinerec_core::Configurable`];
//! `cinerec-engine` lists them in its registry (feature `neural`), so they pass the same
//! contract suite as every other model.
//!
//! ## Features
//!
//! - `train` (default): `Recommender::fit`, with burn and the training-only dependencies
//!   (burn-flex, gemm, rayon, libc). The burn-side modules — `backend`, `ae_fit`,
//!   `ae_net` and the private `features_net`/`features_train` and `twotower_fit`/`_net`/
//!   `_optim`/`_softmax`/`matmul` — exist only with it.
//! - Without `train` the crate does not link burn: the models are still built from their
//!   parameters, load model files (written by a training build), predict, score, explain
//!   (item similarities) and save their state; `fit` returns
//!   [`CoreError::Unsupported`](cinerec_core::CoreError::Unsupported).

pub mod ae_autoencoder;
pub mod ae_autorec;
pub mod ae_demo;
#[cfg(feature = "train")]
pub mod ae_fit;
#[cfg(feature = "train")]
pub mod ae_net;
pub mod ae_ridge;
pub mod ae_shape;
pub mod ae_sparse;
pub mod autoencoder;
pub mod autorec;
#[cfg(feature = "train")]
pub mod backend;
pub mod biases;
mod configurable;
pub mod error;
pub mod features;
pub mod features_eval;
mod features_fitted;
pub mod features_input;
mod features_model;
#[cfg(feature = "train")]
mod features_net;
#[cfg(feature = "train")]
mod features_train;
#[cfg(feature = "train")]
mod matmul;
pub mod mlp;
pub mod shrink;
pub mod train;
pub mod twotower;
#[cfg(feature = "train")]
mod twotower_fit;
#[cfg(feature = "train")]
mod twotower_net;
#[cfg(feature = "train")]
mod twotower_optim;
mod twotower_params;
#[cfg(feature = "train")]
mod twotower_prior;
#[cfg(feature = "train")]
mod twotower_softmax;
mod twotower_weights;

#[cfg(all(test, not(feature = "train")))]
mod no_train_tests;

pub use autoencoder::{Autoencoder, AutoencoderParams};
pub use autorec::{AutoRec, AutoRecParams};
pub use error::{NeuralError, Result};
pub use features::{Features, FeaturesParams, ScoreMethod};
pub use features_eval::{
    cold_start_recall, cold_start_split, ColdCandidates, ColdStartReport, ColdStartSplit,
};
pub use twotower::{Reduction, TwoTower, TwoTowerParams};
