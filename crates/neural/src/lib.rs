//! # cinerec-neural
//!
//! cinerec's neural models, trained on the CPU with [burn](https://burn.dev) 0.22 (its
//! pure-Rust `flex` backend) and served without it:
//! - [`backend`]: the burn device, the private training thread pool, tensor ↔ `Vec`
//!   conversions and seeded parameter initialisation;
//! - [`train`]: mini-batches, validation hold-out, early stopping, progress reporting;
//! - [`mlp`]: burn-free inference of trained dense layers, and their model state;
//! - [`twotower`]: the two-tower multitask model ([`TwoTower`]).
//!
//! Every model here implements [`cinerec_core::Recommender`]; `cinerec-models` lists them in
//! its registry, so they pass the same contract suite as every other model.

pub mod backend;
pub mod error;
pub mod mlp;
pub mod train;
pub mod twotower;
mod twotower_fit;
mod twotower_net;
mod twotower_optim;
mod twotower_weights;

pub use error::{NeuralError, Result};
pub use twotower::{Reduction, TwoTower, TwoTowerParams};
