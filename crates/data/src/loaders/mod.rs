//! Loaders: turn a folder or file into a [`cinerec_core::Dataset`]. (Being written.)

use crate::error::{DataError, Result};
use cinerec_core::{Dataset, Interactions};
use std::path::{Path, PathBuf};

/// A known on-disk layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// ML-100K: `u.data` (tab), `u.item`, `u.user` (pipe, Latin-1).
    Ml100k,
    /// ML-1M / ML-10M: `ratings.dat`, `movies.dat`, `users.dat` with `::` separators.
    MlDat,
    /// ml-latest(-small) / ML-20M / 25M / 32M: `ratings.csv`, `movies.csv`, `tags.csv`, `links.csv`.
    MlCsv,
    /// RecBole atomic files: `<name>.inter`, `.item`, `.user`, `.kg`, `.link`.
    RecBole,
    /// One delimited ratings file with a column mapping.
    Generic(GenericSpec),
}

/// Column mapping for a generic ratings file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenericSpec {
    /// Field delimiter (b',' or b'\t' …).
    pub delimiter: u8,
    /// Whether the first line is a header.
    pub has_header: bool,
    /// 0-based column of the user id.
    pub user_col: usize,
    /// 0-based column of the item id.
    pub item_col: usize,
    /// 0-based column of the rating (absent: implicit feedback, rating 1).
    pub rating_col: Option<usize>,
    /// 0-based column of the timestamp.
    pub time_col: Option<usize>,
}

impl Default for GenericSpec {
    fn default() -> Self {
        GenericSpec { delimiter: b',', has_header: true, user_col: 0, item_col: 1, rating_col: Some(2), time_col: Some(3) }
    }
}

/// Options for [`load`].
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Force a format instead of detecting it.
    pub format: Option<Format>,
    /// Worker threads for parsing (0 = all cores).
    pub threads: usize,
}

/// Detects the format of a folder (or single file).
pub fn detect_format(path: &Path) -> Result<Format> {
    Err(DataError::Format { path: path.to_path_buf(), message: "not implemented yet".into() })
}

/// Loads a dataset from a folder or file.
pub fn load(path: &Path, _opts: &LoadOptions) -> Result<Dataset> {
    Err(DataError::Format { path: path.to_path_buf(), message: "not implemented yet".into() })
}

/// Split files as written by `../shared/peers/split.py`.
#[derive(Debug, Clone)]
pub struct SplitFiles {
    /// Train ratings CSV (`user,item,rating,timestamp`).
    pub train: PathBuf,
    /// Test ratings CSV.
    pub test: PathBuf,
    /// Optional catalogue CSV (`item` column); defaults to `items.csv` beside `train` when present.
    pub items: Option<PathBuf>,
}

/// Loads external train/test files into a train dataset and test interactions sharing one
/// catalogue. With `base`, ids are mapped through the base dataset's catalogue (and metadata
/// such as titles is kept); ids the base does not know are added.
pub fn load_split_files(files: &SplitFiles, _base: Option<&Dataset>) -> Result<(Dataset, Interactions)> {
    Err(DataError::Format { path: files.train.clone(), message: "not implemented yet".into() })
}
