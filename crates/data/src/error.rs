//! Errors of the data crate. Every parse error names the file, the 1-based line and the field.

use std::path::PathBuf;
use thiserror::Error;

/// Errors from loading, fetching, generating or splitting data.
#[derive(Debug, Error)]
pub enum DataError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A line of a data file could not be parsed.
    #[error("{file}:{line}: field `{field}`: {message}")]
    Parse {
        /// The file.
        file: PathBuf,
        /// 1-based line number.
        line: usize,
        /// Field (column) name.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A row of a columnar (Parquet) file is malformed.
    #[error("{file}: row {row}: field `{field}`: {message}")]
    Row {
        /// The file.
        file: PathBuf,
        /// 1-based row number.
        row: usize,
        /// Field (column) name.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The folder or file is not in a format cinerec knows, or misses a required file.
    #[error("{path}: {message}")]
    Format {
        /// The folder or file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Downloading or unpacking a dataset failed.
    #[error("fetch {name}: {message}")]
    Fetch {
        /// Dataset name.
        name: String,
        /// What went wrong.
        message: String,
    },
    /// A downloaded file's checksum does not match.
    #[error("fetch {name}: checksum mismatch (expected sha256 {expected}, got {actual})")]
    Checksum {
        /// Dataset name.
        name: String,
        /// Expected sha256 hex.
        expected: String,
        /// Actual sha256 hex.
        actual: String,
    },
    /// A downloaded file's md5 does not match (GroupLens publishes only md5 for some zips).
    #[error("fetch {name}: checksum mismatch (expected md5 {expected}, got {actual})")]
    Md5Mismatch {
        /// Dataset name.
        name: String,
        /// Expected md5 hex.
        expected: String,
        /// Actual md5 hex.
        actual: String,
    },
    /// An invalid argument (ratio out of range, unknown dataset name, …).
    #[error("invalid argument: {0}")]
    Invalid(String),
}

impl DataError {
    /// Shorthand for an I/O error on a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DataError::Io {
            path: path.into(),
            source,
        }
    }
    /// Shorthand for a parse error.
    pub fn parse(
        file: impl Into<PathBuf>,
        line: usize,
        field: &str,
        message: impl Into<String>,
    ) -> Self {
        DataError::Parse {
            file: file.into(),
            line,
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl DataError {
    /// Shorthand for a malformed row of a columnar file.
    pub fn row(
        file: impl Into<PathBuf>,
        row: usize,
        field: &str,
        message: impl Into<String>,
    ) -> Self {
        DataError::Row {
            file: file.into(),
            row,
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// Result alias for the data crate.
pub type Result<T, E = DataError> = std::result::Result<T, E>;
