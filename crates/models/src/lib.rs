//! # cinerec-models
//!
//! cinerec's models and what every model shares:
//! - the models: [`Popularity`], [`Baseline`] (Surprise's BaselineOnly), [`RandomNormal`]
//!   (Surprise's NormalPredictor), [`Svd`] and [`SvdPp`] (Surprise's SVD/SVDpp, parallel SGD),
//!   [`Als`] and [`Bpr`] (implicit's ALS with CG and BPR), [`ItemKnn`], [`Ease`], [`TfIdf`]
//!   (content) and [`Hybrid`] (collaborative + content with a cold-start chain);
//! - [`rerank`]: MMR diversity re-ranking on top of any model;
//! - [`state`]: bounds-checked binary helpers for model state;
//! - [`factors`] and [`linalg`]: latent factors (scoring, cosine, fold-in) and dense kernels
//!   shared by the factor models (the serving kernel is `cinerec_core::scoring`).
//!
//! Every model implements [`cinerec_core::Configurable`]; the registry that builds them by
//! name, the model files and the contract suite live in `cinerec-engine`. This crate's errors
//! are [`cinerec_core::CoreError`]s: a model has no failure of its own beyond them.

mod als;
mod als_kernel;
mod als_solve;
mod baseline;
mod bpr;
mod bpr_sgd;
mod common;
mod dense;
mod ease;
mod ease_linalg;
pub mod factors;
mod hybrid;
mod itemknn;
pub mod linalg;
mod neighbors;
mod popularity;
pub mod prior;
mod random;
pub mod rerank;
mod sgd;
mod sgd_model;
mod svd;
mod svdpp;
mod tfidf;
mod tfidf_features;

pub use als::{Als, AlsParams};
pub use baseline::{Baseline, BaselineMethod, BaselineParams};
pub use bpr::{Bpr, BprParams};
/// Re-exported from `cinerec-core`, where it lives so that model crates outside this one
/// (the neural models) share it.
pub use cinerec_core::state;
pub use ease::{ease_memory, Ease, EaseParams};
pub use ease_linalg::auto_max_items;
pub use hybrid::{Hybrid, HybridParams, ModelFactory, Normalize};
pub use itemknn::{ItemKnn, ItemKnnParams, KnnSimilarity};
pub use popularity::{Popularity, PopularityParams};
pub use random::{RandomNormal, RandomParams};
pub use svd::{Svd, SvdParams};
pub use svdpp::{SvdPp, SvdPpParams};
pub use tfidf::{TfIdf, TfIdfParams};
pub use tfidf_features::FieldWeights;
