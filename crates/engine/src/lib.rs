//! # cinerec-engine
//!
//! The engine the CLI and the server are thin shells over. It owns:
//! - [`registry`]: every algorithm by name (the neural ones behind the `neural` feature:
//!   scoring only, without burn; `neural-train`, the default, adds their training), built
//!   from JSON parameters; the hybrid gets its components from it;
//! - [`persist`]: the versioned, atomically written model file, and [`ModelError`];
//! - the services: [`source`] (a dataset from a file or a store), [`train`] (fit with
//!   progress, timings, losses, hold-out evaluation), [`lifecycle`] (model file paths, save,
//!   register, load, activate, seed), [`query`] (recommend / similar / explain with the same
//!   options everywhere), [`export`] (a store as a Parquet dataset folder) and [`params`] (model parameters as callers give them);
//! - [`pipeline`]: the `cinerec.toml` pipeline (stages re-run only when their inputs or
//!   outputs changed, recorded in `cinerec.lock`) and [`runs`]: the experiment history
//!   (record, list, compare, reproduce);
//! - [`spark`]: ALS fitted on Apache Spark (MLlib) from a Parquet export, read back as a
//!   cinerec ALS model;
//! - [`auto`]: the `auto` model (model selection by successive halving on validation carves
//!   within a time budget) and the `blend` rating model it may choose;
//! - [`EngineError`], the error of every service;
//! - `testing` (feature `testing`): the contract suite every registered model passes.
//!
//! Models (`cinerec-models`, `cinerec-neural`) depend only on `cinerec-core` (and
//! `cinerec-eval` where they must); they never see each other or the engine.

pub mod auto;
pub mod coldstart;
pub mod error;
pub mod export;
pub mod grow;
pub mod lifecycle;
pub mod model_error;
pub mod params;
pub mod persist;
pub mod pipeline;
pub mod query;
pub mod registry;
pub mod runs;
pub mod source;
pub mod spark;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod train;

pub use error::{EngineError, Result};
pub use model_error::{DatasetMismatch, ModelError};
pub use persist::{load, load_with, save, LoadOptions, ModelHeader};
pub use registry::create;
pub use source::Source;
pub use train::{TrainSpec, Trained};
