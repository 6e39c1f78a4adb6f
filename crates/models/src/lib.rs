//! # cinerec-models
//!
//! cinerec's models and what every model shares:
//! - the models: [`Popularity`], [`Baseline`] (Surprise's BaselineOnly), [`RandomNormal`]
//!   (Surprise's NormalPredictor);
//! - [`registry`]: models by name, built from JSON parameters;
//! - [`persist`]: the versioned, atomically written model file format;
//! - [`state`]: bounds-checked binary helpers for model state;
//! - [`factors`] and [`linalg`]: latent factors (scoring, cosine, fold-in) and dense kernels
//!   shared by the factor models;
//! - `testing` (feature `testing`): the contract suite every registered model must pass;
//! - [`ModelError`], this crate's error type.

mod als;
mod als_solve;
mod baseline;
mod bpr;
mod bpr_sgd;
mod common;
mod ease;
mod itemknn;
mod neighbors;
mod tfidf;
mod hybrid;
pub mod hybrid_tune;
pub mod rerank;
mod tfidf_features;
mod dense;
pub mod error;
pub mod factors;
pub mod linalg;
pub mod persist;
mod popularity;
mod random;
mod sgd;
mod sgd_model;
mod svd;
mod svdpp;
pub mod registry;
pub mod state;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use als::{Als, AlsParams};
pub use baseline::{Baseline, BaselineMethod, BaselineParams};
pub use ease::{ease_memory, Ease, EaseParams};
pub use bpr::{Bpr, BprParams};
pub use error::{DatasetMismatch, ModelError, Result};
pub use itemknn::{ItemKnn, ItemKnnParams, KnnSimilarity};
pub use tfidf::{TfIdf, TfIdfParams};
pub use tfidf_features::FieldWeights;
pub use hybrid::{Hybrid, HybridParams, Normalize};
pub use persist::{load, load_with, save, LoadOptions, ModelHeader};
pub use popularity::{Popularity, PopularityParams};
pub use random::{RandomNormal, RandomParams};
pub use svd::{Svd, SvdParams};
pub use svdpp::{SvdPp, SvdPpParams};
pub use registry::{create, Configurable};
