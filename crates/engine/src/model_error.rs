//! [`ModelError`]: what can go wrong with a model as a thing to build and keep: model files
//! (I/O, format, dataset mismatch), the registry (unknown names, bad parameters) and the
//! models' own [`CoreError`]s.

use cinerec_core::CoreError;
use std::path::PathBuf;
use thiserror::Error;

/// Errors raised by model construction, model files and the models themselves.
#[derive(Debug, Error)]
pub enum ModelError {
    /// Reading or writing a model file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A model file is not in cinerec's model format (bad magic, unsupported version,
    /// truncated, unreadable header, …).
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// No model is registered under this name.
    #[error("unknown model `{name}`; known models: {known}")]
    UnknownModel {
        /// The name asked for.
        name: String,
        /// The registered names, comma-separated.
        known: String,
    },
    /// The parameters given for a model could not be read or are out of range.
    #[error("model `{model}`: invalid parameters: {message}")]
    Params {
        /// Model name.
        model: String,
        /// What is wrong.
        message: String,
    },
    /// A model file was trained on other data than the dataset it is loaded against.
    #[error("{0}")]
    DatasetMismatch(Box<DatasetMismatch>),
    /// An error from a model or from core types.
    #[error(transparent)]
    Core(#[from] CoreError),
}

impl ModelError {
    /// Shorthand for an I/O error on a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ModelError::Io {
            path: path.into(),
            source,
        }
    }
    /// Shorthand for a format error on a path.
    pub fn format(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        ModelError::Format {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Details of [`ModelError::DatasetMismatch`]: both datasets' names, hashes and sizes.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetMismatch {
    /// The model file.
    pub path: PathBuf,
    /// Dataset name recorded in the file.
    pub trained_name: String,
    /// Dataset hash recorded in the file.
    pub trained_hash: String,
    /// User count recorded in the file.
    pub trained_users: usize,
    /// Item count recorded in the file.
    pub trained_items: usize,
    /// Name of the dataset given.
    pub this_name: String,
    /// Hash of the dataset given.
    pub this_hash: String,
    /// User count of the dataset given.
    pub this_users: usize,
    /// Item count of the dataset given.
    pub this_items: usize,
}

impl std::fmt::Display for DatasetMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: model was trained on dataset {} (hash {}, {} users, {} items), this is {} (hash {}, \
             {} users, {} items); retrain, or force loading if the ids are known to agree",
            self.path.display(),
            self.trained_name,
            self.trained_hash,
            self.trained_users,
            self.trained_items,
            self.this_name,
            self.this_hash,
            self.this_users,
            self.this_items
        )
    }
}

/// Result alias for this crate.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;
