//! [`StoreError`], the one error type of the store, and [`redact_url`], which keeps passwords
//! out of every message that names a database URL.

use thiserror::Error;

/// Result alias of the store.
pub type Result<T> = std::result::Result<T, StoreError>;

/// Everything that can go wrong in the store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The URL's scheme names no backend.
    #[error(
        "unsupported store URL `{url}`: expected sqlite://PATH (or sqlite::memory:), \
         postgres://USER@HOST:PORT/DB (also postgresql://) or mysql://USER@HOST:PORT/DB \
         (MySQL and MariaDB)"
    )]
    UnknownScheme {
        /// The URL as given, password removed.
        url: String,
    },
    /// The database could not be reached or opened.
    #[error("cannot connect to {url}: {source}")]
    Connect {
        /// The URL, password removed.
        url: String,
        /// What the driver said.
        #[source]
        source: sqlx::Error,
    },
    /// A schema migration failed.
    #[error("migration {version} ({name}) failed: {source}")]
    Migration {
        /// Migration number.
        version: i64,
        /// Migration name.
        name: String,
        /// What the driver said.
        #[source]
        source: sqlx::Error,
    },
    /// The database holds a schema newer than this build knows.
    #[error("the store's schema is at version {found}, newer than this cinerec ({known}); upgrade cinerec")]
    SchemaTooNew {
        /// Highest migration recorded in the database.
        found: i64,
        /// Highest migration this build has.
        known: i64,
    },
    /// Input rejected before it reached the database (empty id, non-finite rating, …).
    #[error("invalid {what}: {why}")]
    Invalid {
        /// What was being written ("rating", "user", …).
        what: &'static str,
        /// Why it was rejected.
        why: String,
    },
    /// A write referred to a user or movie the store does not have, or broke another
    /// constraint; the whole batch was rolled back.
    #[error("constraint violated ({what}); nothing of this batch was written: {message}")]
    Constraint {
        /// Which kind of constraint ("unknown user or movie", "duplicate", …).
        what: &'static str,
        /// The database's message.
        message: String,
    },
    /// A model version that is not in the registry.
    #[error("no model with version {0} in the registry")]
    ModelNotFound(i64),
    /// Stored data that cannot be decoded (bad JSON in a metadata column, …).
    #[error("corrupt row in {table}: {why}")]
    Corrupt {
        /// Table of the row.
        table: &'static str,
        /// What is wrong.
        why: String,
    },
    /// A ratings snapshot file that cannot be read or written (the store then reads SQL).
    #[error("ratings snapshot {path}: {why}")]
    Snapshot {
        /// The snapshot file.
        path: std::path::PathBuf,
        /// What is wrong.
        why: String,
    },
    /// Any other database error.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
    /// A database error of the MySQL/MariaDB `LOAD DATA LOCAL INFILE` import.
    #[error("database error (bulk import): {0}")]
    Infile(#[source] mysql_async::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            use sqlx::error::ErrorKind;
            let what = match db.kind() {
                ErrorKind::ForeignKeyViolation => Some("unknown user or movie"),
                ErrorKind::UniqueViolation => Some("duplicate"),
                ErrorKind::NotNullViolation => Some("missing value"),
                ErrorKind::CheckViolation => Some("check"),
                _ => None,
            };
            if let Some(what) = what {
                return StoreError::Constraint {
                    what,
                    message: db.message().to_string(),
                };
            }
        }
        StoreError::Database(e)
    }
}

/// The URL with any password replaced by `***` (`postgres://u:secret@h/db` →
/// `postgres://u:***@h/db`), for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest_start = scheme_end + 3;
    let rest = &url[rest_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &authority[..at];
    let Some(colon) = userinfo.find(':') else {
        return url.to_string();
    };
    format!(
        "{}{}:***{}",
        &url[..rest_start],
        &userinfo[..colon],
        &rest[at..]
    )
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db?x=1"),
            "postgres://u:***@h:5432/db?x=1"
        );
        assert_eq!(redact_url("mysql://root@h/test"), "mysql://root@h/test");
        assert_eq!(redact_url("sqlite://a.db"), "sqlite://a.db");
        assert_eq!(redact_url("mysql://u:p%40ss@h/db"), "mysql://u:***@h/db");
    }
}
