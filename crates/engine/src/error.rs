//! [`EngineError`], the error of every engine service: it wraps the errors of the crates the
//! engine drives (models and model files, the store, the data loaders, evaluation, core) and
//! adds the few that belong to the services themselves. The server maps it to HTTP statuses
//! in one place; the CLI prints it.

use crate::model_error::ModelError;
use cinerec_core::CoreError;
use cinerec_data::DataError;
use cinerec_eval::EvalError;
use cinerec_store::StoreError;
use std::path::PathBuf;
use thiserror::Error;

/// Errors of the engine's services.
#[derive(Debug, Error)]
pub enum EngineError {
    /// Building, loading or saving a model failed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The store failed or refused.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Reading, fetching or splitting data failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Evaluation failed.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// A model or a core type refused (unknown user or movie, unsupported operation, …).
    #[error(transparent)]
    Core(#[from] CoreError),
    /// No dataset where the caller pointed.
    #[error(
        "no dataset at `{spec}` or `{}`; fetch it first with `cinerec data fetch {spec}` (or pass a folder/file path)",
        in_dir.display()
    )]
    NoDataset {
        /// The name or path given.
        spec: String,
        /// Where it was looked for under the data folder.
        in_dir: PathBuf,
    },
    /// A request's options are invalid (bad `--params`, unknown genre, …).
    #[error("{0}")]
    Invalid(String),
    /// A store holds nothing to train or serve on.
    #[error("{0}")]
    Empty(String),
    /// A named thing (a recorded run, a pipeline stage) does not exist.
    #[error("no {0}")]
    NotFound(String),
    /// A pipeline file or lock file is invalid (the message names the file and the key).
    #[error("{0}")]
    Pipeline(String),
    /// A file or folder could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A registered model cannot be loaded for the data being served (its file is missing or
    /// unreadable, or it was trained on another catalogue).
    #[error("model {version} cannot be served: {source}")]
    Unservable {
        /// Registry version.
        version: i64,
        /// Why.
        #[source]
        source: Box<EngineError>,
    },
    /// A Spark job could not be run or failed (the message says which step and where its log is).
    #[error("spark: {0}")]
    Spark(String),
    /// A background task failed to finish (panicked or was cancelled).
    #[error("background task failed: {0}")]
    Task(String),
}

impl EngineError {
    /// Shorthand for an I/O error on a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EngineError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result alias of the engine.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;
