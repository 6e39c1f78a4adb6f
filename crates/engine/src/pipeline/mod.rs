//! The reproducible pipeline: a `cinerec.toml` ([`config`]) names a dataset, a split, models
//! with their parameters, the metrics, and optionally a store to register the models in and
//! activate the best. [`run`] executes its stages in order —
//!
//! - `import` (with `[data] import`): the dataset bulk-upserted into a store ([`import`]);
//! - `train.<model>`: fit on the split's train part → `<out>/models/<model>.cinerec`;
//! - `eval.<model>`: evaluate that file on the test part → `<out>/reports/<model>.json`, and a
//!   run record in the experiment history ([`crate::runs`]);
//! - `fit.<model>` and `register.<model>` (with `[register]`): fit the same configuration on
//!   all the data → `<out>/models/<model>-full.cinerec`, and register that file in the store
//!   with the evaluation's metrics (what the served model scored as a train-part fit);
//! - `activate` (with `register.activate_if_better`): activate the best model when it beats
//!   the store's active one —
//!
//! and records each stage's inputs, output hashes and metrics in the lock file
//! (`cinerec.lock`, [`lock`]), so the next run skips every stage whose inputs are unchanged
//! and whose outputs still hash as recorded; [`status`] says which stages are stale and why.
//! The data (its content hash) and the split are inputs of every stage; the code version is
//! an input of every train and eval stage.

pub mod config;
mod import;
pub mod lock;
mod stages;

pub use config::PipelineFile;
pub use lock::Lock;
pub use stages::{run, status, RunOptions, StageEvent, StageOutcome};
