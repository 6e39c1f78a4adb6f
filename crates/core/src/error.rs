//! Errors of the core crate, including the typed "unknown user / unknown movie" outcomes.

use thiserror::Error;

/// Errors raised by core types and by models through the [`crate::Recommender`] trait.
#[derive(Debug, Error)]
pub enum CoreError {
    /// The user is not in the dataset the model was trained on.
    #[error("unknown user {0}")]
    UnknownUser(String),
    /// The movie is not in the catalogue.
    #[error("unknown movie {0}")]
    UnknownItem(String),
    /// The movie was added to the catalogue after the model was fitted, and this model has
    /// nothing to say about it until it is retrained (a collaborative model's cold movie).
    #[error("movie {0} was added after the model was fitted; it has no ratings to learn from yet")]
    ColdItem(String),
    /// The model has not been fitted yet.
    #[error("model {0} is not fitted")]
    NotFitted(&'static str),
    /// The model cannot do what was asked (e.g. similar items from a popularity model).
    #[error("{model} does not support {what}")]
    Unsupported {
        /// Model name.
        model: &'static str,
        /// What was asked.
        what: &'static str,
    },
    /// A parameter value is invalid.
    #[error("invalid parameter {name}: {reason}")]
    InvalidParam {
        /// Parameter name.
        name: String,
        /// Why.
        reason: String,
    },
    /// Data passed in does not fit the model (wrong size, other dataset, …).
    #[error("data mismatch: {0}")]
    Mismatch(String),
    /// Training failed (diverged, could not start its threads, …).
    #[error("training failed: {0}")]
    Training(String),
    /// The model state could not be decoded.
    #[error("corrupt model state: {0}")]
    Corrupt(String),
}

/// Result alias for the core crate.
pub type Result<T, E = CoreError> = std::result::Result<T, E>;
