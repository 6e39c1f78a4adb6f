//! # cinerec-models
//!
//! cinerec's models and what every model shares:
//! - the models: [`Popularity`], [`Baseline`] (Surprise's BaselineOnly), [`RandomNormal`]
//!   (Surprise's NormalPredictor), [`Svd`] and [`SvdPp`] (Surprise's SVD/SVDpp, parallel SGD),
//!   [`Als`] and [`Bpr`] (implicit's ALS with CG and BPR), [`ItemKnn`], [`Ease`], [`TfIdf`]
//!   (content) and [`Hybrid`] (collaborative + content with a cold-start chain);
//! - the neural models of `cinerec-neural` (two-tower, feature embeddings, autoencoders),
//!   registered here so they are built by name and pass the same contract suite;
//! - [`rerank`]: MMR diversity re-ranking on top of any model; [`hybrid_tune`]: weight tuning;
//! - [`registry`]: models by name, built from JSON parameters;
//! - [`persist`]: the versioned, atomically written model file format;
//! - [`state`]: bounds-checked binary helpers for model state;
//! - [`factors`] and [`linalg`]: latent factors (scoring, cosine, fold-in) and dense kernels
//!   shared by the factor models;
//! - `testing` (feature `testing`): the contract suite every registered model must pass;
//! - [`ModelError`], this crate's error type.

mod als;
mod als_kernel;
mod als_solve;
mod baseline;
mod bpr;
mod bpr_sgd;
mod common;
mod dense;
mod ease;
pub mod error;
pub mod factors;
mod hybrid;
pub mod hybrid_tune;
mod itemknn;
pub mod linalg;
mod neighbors;
mod neural;
pub mod persist;
mod popularity;
mod random;
pub mod registry;
pub mod rerank;
mod sgd;
mod sgd_model;
mod svd;
mod svdpp;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod tfidf;
mod tfidf_features;

pub use als::{Als, AlsParams};
pub use baseline::{Baseline, BaselineMethod, BaselineParams};
pub use bpr::{Bpr, BprParams};
/// Re-exported from `cinerec-core`, where it lives so that model crates outside this one
/// (the neural models) share it.
pub use cinerec_core::state;
pub use ease::{ease_memory, Ease, EaseParams};
pub use error::{DatasetMismatch, ModelError, Result};
pub use hybrid::{Hybrid, HybridParams, Normalize};
pub use itemknn::{ItemKnn, ItemKnnParams, KnnSimilarity};
pub use persist::{load, load_with, save, LoadOptions, ModelHeader};
pub use popularity::{Popularity, PopularityParams};
pub use random::{RandomNormal, RandomParams};
pub use registry::{create, Configurable};
pub use svd::{Svd, SvdParams};
pub use svdpp::{SvdPp, SvdPpParams};
pub use tfidf::{TfIdf, TfIdfParams};
pub use tfidf_features::FieldWeights;
