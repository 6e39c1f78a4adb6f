//! [`NeuralError`], this crate's error type, its conversion into the
//! [`CoreError`](cinerec_core::CoreError) the `Recommender` trait speaks, and the error `fit`
//! returns in a build without the `train` feature.

use cinerec_core::CoreError;

/// What can go wrong while building, training or restoring a neural model.
#[derive(Debug, thiserror::Error)]
pub enum NeuralError {
    /// A hyper-parameter is out of range.
    #[error("invalid parameter `{name}`: {message}")]
    InvalidParam {
        /// The parameter's name.
        name: &'static str,
        /// Why it is rejected.
        message: String,
    },
    /// Training diverged (a non-finite loss).
    #[error(
        "{model}: training diverged at epoch {epoch} (loss is {loss}); lower the learning rate"
    )]
    Diverged {
        /// The model.
        model: &'static str,
        /// 1-based epoch.
        epoch: usize,
        /// The loss seen.
        loss: f64,
    },
    /// The training thread pool could not be built.
    #[error("cannot start the training thread pool: {0}")]
    ThreadPool(String),
    /// An error from the core types (unknown user, corrupt state, …).
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl From<NeuralError> for CoreError {
    fn from(e: NeuralError) -> Self {
        match e {
            NeuralError::Core(c) => c,
            NeuralError::InvalidParam { name, message } => CoreError::InvalidParam {
                name: name.to_string(),
                reason: message,
            },
            other => CoreError::Training(other.to_string()),
        }
    }
}

/// What a model's `fit` returns in a build without the `train` feature:
/// `CoreError::Unsupported { model, what: "training (this build has no `train` feature)" }`.
#[cfg(not(feature = "train"))]
pub(crate) fn no_training<T>(model: &'static str) -> cinerec_core::Result<T> {
    Err(CoreError::Unsupported {
        model,
        what: "training (this build has no `train` feature)",
    })
}

/// Result with [`NeuralError`].
pub type Result<T> = std::result::Result<T, NeuralError>;

/// Rejects `value` for `name` unless `ok`.
pub fn check(ok: bool, name: &'static str, message: impl Into<String>) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(NeuralError::InvalidParam {
            name,
            message: message.into(),
        })
    }
}
