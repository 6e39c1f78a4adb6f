//! # cinerec-data
//!
//! Everything between files and a [`cinerec_core::Dataset`]:
//! - [`loaders`]: MovieLens (100K, 1M/10M `.dat`, ml-latest/20M/25M/32M CSV), RecBole atomic
//!   files and generic CSV/TSV, with format detection and train/test split files;
//! - [`parquet_out`]: streaming Parquet writers (ratings, users, movies; Spark's interactions);
//! - [`fetch`]: `cinerec data fetch` — GroupLens zips with checksums, mirrors, local zips and
//!   the pip (recbole wheel) source for ML-100K, unpacked atomically;
//! - [`synth`]: a synthetic MovieLens-like generator for scale benchmarks;
//! - [`panel`]: the dataset panel of issue #15 (synthetic shapes + ML-100K) for tests and
//!   benchmarks, built in memory;
//! - [`split`]: seeded, reproducible train/test splits (random, k-fold, temporal,
//!   leave-last-k, given/hidden, validation) including numpy-identical permutations.

pub mod error;
pub mod fetch;
pub mod loaders;
pub mod panel;
pub mod parquet_out;
pub mod split;
pub mod synth;

pub use error::{DataError, Result};
