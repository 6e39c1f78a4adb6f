//! The records the store reads and writes: users, movies, ratings, registered models, counts
//! and dataset-level information. Ids are the *raw* ids of the source data (strings).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Longest raw user or movie id the store accepts (a `VARCHAR(64)` key in MySQL).
pub const MAX_ID_LEN: usize = 64;

/// A user and their demographics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    /// Raw user id.
    pub id: String,
    /// Age in years.
    pub age: Option<u16>,
    /// Gender as the source writes it.
    pub gender: Option<String>,
    /// Occupation name.
    pub occupation: Option<String>,
    /// Zip / postal code.
    pub zip: Option<String>,
}

/// Movie metadata kept as one JSON document in the `movies.metadata` column.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MovieExtra {
    /// Free-text tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Knowledge-graph facts `(relation, value)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relations: Vec<(String, String)>,
    /// External links `(source, id)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<(String, String)>,
}

/// A movie.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MovieRecord {
    /// Raw movie id.
    pub id: String,
    /// Title without the trailing "(year)".
    pub title: Option<String>,
    /// Release year.
    pub year: Option<u16>,
    /// Genre names (stored `|`-separated, so a name may not contain `|`).
    pub genres: Vec<String>,
    /// Tags, relations and links.
    pub extra: MovieExtra,
}

/// One rating (a "view" in the MySQL-based reference).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingRecord {
    /// Raw user id (must exist in `users`).
    pub user: String,
    /// Raw movie id (must exist in `movies`).
    pub movie: String,
    /// Rating value (finite).
    pub rating: f32,
    /// Seconds since the Unix epoch (0 when unknown).
    pub timestamp: i64,
}

/// A model to add to the registry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewModel {
    /// Registry name of the algorithm ("baseline", "svd", …).
    pub algorithm: String,
    /// Hyper-parameters.
    pub params: Value,
    /// `Dataset::hash` of the training data.
    pub dataset_hash: String,
    /// Evaluation figures, if any.
    pub metrics: Option<Value>,
    /// Where the model file is (a path or URL).
    pub artifact: String,
}

/// A model in the registry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRecord {
    /// Version: assigned by the store, increasing.
    pub version: i64,
    /// Registry name of the algorithm.
    pub algorithm: String,
    /// Hyper-parameters.
    pub params: Value,
    /// Hash of the training data.
    pub dataset_hash: String,
    /// Evaluation figures, if any.
    pub metrics: Option<Value>,
    /// When it was registered (seconds since the Unix epoch).
    pub created_at: i64,
    /// Where the model file is.
    pub artifact: String,
    /// Whether this is the active model (at most one in the whole registry).
    pub active: bool,
}

/// One run of the experiment history (a `train`, an `eval`, a pipeline evaluation). The
/// store keeps the record as JSON: its shape belongs to the engine (`cinerec_engine::runs`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunEntry {
    /// Unique id, chosen by the caller (the engine's ids sort by time).
    pub id: String,
    /// What ran (`train`, `eval`, `pipeline`).
    pub kind: String,
    /// When it was recorded (seconds since the Unix epoch).
    pub created_at: i64,
    /// The whole record.
    pub record: Value,
}

/// Row counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Users.
    pub users: u64,
    /// Movies.
    pub movies: u64,
    /// Ratings.
    pub ratings: u64,
    /// Registered models.
    pub models: u64,
}

/// Dataset-level facts kept beside the rows, so that [`crate::Store::load_dataset`] rebuilds
/// the same `Dataset` an import came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    /// Dataset name ("ml-100k").
    pub name: String,
    /// Genre vocabulary in its original order (inner genre index = position).
    pub genre_names: Vec<String>,
    /// Rating scale `(lowest, highest)` of the source format.
    pub rating_scale: Option<(f32, f32)>,
}

/// How [`crate::Store::load_dataset_traced`] read the ratings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum DatasetLoad {
    /// From the columnar snapshot, with this many ratings written or deleted since applied.
    Snapshot {
        /// Ratings changed since the snapshot.
        changes: u64,
    },
    /// Through SQL, and why the snapshot was not used.
    Sql {
        /// Why (no file, damaged, stale, asked for, no snapshot location).
        why: String,
    },
}

/// Rejects ids the store cannot key on.
pub(crate) fn check_id(what: &'static str, id: &str) -> crate::Result<()> {
    // Characters, as VARCHAR(64) counts them in PostgreSQL and MySQL (utf8mb4).
    if id.is_empty() || id.chars().count() > MAX_ID_LEN || id.chars().any(char::is_control) {
        return Err(crate::StoreError::Invalid {
            what,
            why: format!(
                "id `{}` must be 1–{MAX_ID_LEN} characters without control characters",
                id.escape_default()
            ),
        });
    }
    Ok(())
}

/// One rating changed in the store's change stream (`rating_log`), with its value now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingChange {
    /// The rating generation (sequence number) of the write that changed it.
    pub gen: i64,
    /// Raw user id.
    pub user: String,
    /// Raw movie id.
    pub movie: String,
    /// The rating's current value (`None`: deleted, or its user or movie removed).
    pub rating: Option<f32>,
    /// Who wrote it: the origin the writing process set ([`crate::Store::set_origin`]).
    pub origin: Option<String>,
}

/// The changes of the generations `(after, upto]`, complete: every generation up to
/// `upto` has committed (or rolled back and is never reused), so a reader that applies them
/// and continues from `upto` sees every change once.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChangeBatch {
    /// The store's generation when the batch was read (the head of the stream).
    pub head: i64,
    /// The last generation the batch covers.
    pub upto: i64,
    /// The changed ratings, by generation.
    pub changes: Vec<RatingChange>,
}

/// What another process did to the store, as announced by PostgreSQL NOTIFY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreEvent {
    /// Ratings were written or deleted (up to this generation).
    Ratings(i64),
    /// A model was activated (this version).
    ModelActivated(i64),
    /// Movies were added or edited.
    Movies,
    /// The listening connection was (re)established: notifications may have been missed, so
    /// read the change stream from where you were.
    Resync,
}
