//! The one error type of `cinerec-eval`: [`EvalError`], wrapping [`cinerec_core::CoreError`].

use thiserror::Error;

/// Everything that can stop an evaluation or the writing of a report.
///
/// Per-pair or per-user model failures that evaluation tolerates (unknown user / unknown
/// movie) are *counted* in the metrics instead of being raised; see [`crate::rating`] and
/// [`crate::ranking`].
#[derive(Debug, Error)]
pub enum EvalError {
    /// A model (or core type) failed in a way evaluation cannot work around
    /// (not fitted, mismatched data, …).
    #[error(transparent)]
    Core(#[from] cinerec_core::CoreError),
    /// The inputs do not fit together (test ids outside the catalogue, K = 0, …).
    #[error("invalid evaluation input: {0}")]
    InvalidInput(String),
    /// Nothing to evaluate (e.g. an empty test set for a metric that needs one).
    #[error("nothing to evaluate: {0}")]
    Empty(String),
    /// Reading or writing a report file failed.
    #[error("i/o error on {path}: {source}")]
    Io {
        /// The file concerned.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Encoding a report as JSON failed.
    #[error("json error: {0}")]
    Json(#[from] serde_json::Error),
    /// A worker thread panicked (a bug in a model); the evaluation is abandoned.
    #[error("evaluation worker panicked")]
    WorkerPanic,
}

/// Result alias for this crate.
pub type Result<T, E = EvalError> = std::result::Result<T, E>;
