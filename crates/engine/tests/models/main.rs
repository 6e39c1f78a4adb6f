//! The model tests as one binary: the contract suite over every registered model, model
//! files, the registry, and each model family's own behaviour (classical and neural), on
//! fixtures generated in code (and on MovieLens-100K where `CINEREC_ML100K` names it).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod als_bpr;
mod contract;
mod ml100k_popularity;
mod models;
mod neighbours;
#[cfg(feature = "neural-train")]
mod neural_autoencoder;
#[cfg(feature = "neural-train")]
mod neural_autorec;
#[cfg(feature = "neural-train")]
mod neural_features;
#[cfg(feature = "neural-train")]
mod neural_twotower;
mod panel;
mod peers;
mod persist;
mod suite_catches_defects;
mod svd;
