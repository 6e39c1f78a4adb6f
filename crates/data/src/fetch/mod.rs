//! `cinerec data fetch`: download, verify and unpack datasets. (Being written.)

use crate::error::{DataError, Result};
use std::path::{Path, PathBuf};

/// What a fetch did.
#[derive(Debug, Clone)]
pub struct FetchReport {
    /// Dataset name (`ml-100k`, …).
    pub name: String,
    /// Folder the dataset now lives in.
    pub dir: PathBuf,
    /// Where it came from (URL, path, or "pip: recbole==1.2.1").
    pub source: String,
    /// True when it was already present and nothing was downloaded.
    pub already_present: bool,
}

/// Fetches dataset `name` into `data_dir/<name>`. `from` is a URL or a local zip path that
/// replaces the default source.
pub fn fetch(name: &str, _data_dir: &Path, _from: Option<&str>) -> Result<FetchReport> {
    Err(DataError::Fetch { name: name.into(), message: "not implemented yet".into() })
}
