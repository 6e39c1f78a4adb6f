//! Loaders: turn a folder or file into a [`cinerec_core::Dataset`].
//!
//! Formats ([`Format`]): MovieLens 100K, 1M/10M (`.dat`), the CSV releases (ml-latest,
//! 20M/25M/32M), RecBole atomic files, Parquet folders (`ratings.parquet`, optional
//! `movies.parquet`/`users.parquet`: [`parquet`]) and generic CSV/TSV; detected from folder contents by
//! [`detect_format`] or named in [`LoadOptions`]. Big rating files go through a parallel,
//! block-wise reader (`ratings.rs`) that never holds the file in memory; metadata files are
//! small and read whole. Inner ids follow sorted raw-id order; items listed in the metadata
//! but never rated belong to the catalogue. [`load_split_files`] reads external train/test
//! CSVs into one shared catalogue.

mod assemble;
mod blocks;
mod generic;
mod intern;
mod ml100k;
mod mlcsv;
mod mldat;
mod movies_file;
pub mod parquet;
mod parquet_cols;
mod ratings;
mod recbole;
mod split_files;
#[cfg(test)]
mod tests;
mod text;
mod title;

use crate::error::{DataError, Result};
use cinerec_core::{Dataset, Interactions, Keep};
use std::path::{Path, PathBuf};

pub use generic::sniff as sniff_generic;
pub use mldat::OCCUPATIONS_1M;
pub use movies_file::{read_movies, MovieRow};

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
    /// A folder of Parquet files: `ratings.parquet`, optional `movies.parquet`, `users.parquet`.
    Parquet,
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
        GenericSpec {
            delimiter: b',',
            has_header: true,
            user_col: 0,
            item_col: 1,
            rating_col: Some(2),
            time_col: Some(3),
        }
    }
}

/// Options for [`load`].
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Force a format instead of detecting it.
    pub format: Option<Format>,
    /// Worker threads for parsing (0 = all cores).
    pub threads: usize,
    /// Optional parts of the rating matrix to keep (everything by default; a caller that
    /// loads for one model's fit can pass its [`cinerec_core::Recommender::data_needs`]).
    pub keep: Keep,
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|s| s.to_str()).unwrap_or("")
}

/// Detects the format of a folder (or single file).
///
/// A folder: `u.data` → ML-100K, `ratings.dat` → ML-1M/10M, `ratings.csv` → MovieLens CSV,
/// a `*.inter` file → RecBole. A file: `u.data` / `ratings.dat` / `*.inter` name their
/// format, `ratings.csv` next to `movies.csv` is MovieLens CSV, anything else is generic
/// with a spec sniffed from its first line ([`sniff_generic`]).
pub fn detect_format(path: &Path) -> Result<Format> {
    if path.is_dir() {
        for (file, fmt) in [
            ("u.data", Format::Ml100k),
            ("ratings.dat", Format::MlDat),
            ("ratings.csv", Format::MlCsv),
            ("ratings.parquet", Format::Parquet),
        ] {
            if path.join(file).is_file() {
                return Ok(fmt);
            }
        }
        if recbole::find_inter(path).is_ok() {
            return Ok(Format::RecBole);
        }
        return Err(DataError::Format {
            path: path.to_path_buf(),
            message: "no known dataset here: expected u.data (ML-100K), ratings.dat (ML-1M/10M), \
                      ratings.csv (MovieLens CSV), ratings.parquet (Parquet) or <name>.inter (RecBole)"
                .into(),
        });
    }
    if !path.is_file() {
        return Err(DataError::Format {
            path: path.to_path_buf(),
            message: "no such file or folder".into(),
        });
    }
    let parent = path.parent().unwrap_or(Path::new("."));
    match file_name(path) {
        "u.data" => return Ok(Format::Ml100k),
        "ratings.dat" => return Ok(Format::MlDat),
        "ratings.parquet" => return Ok(Format::Parquet),
        "ratings.csv" if parent.join("movies.csv").is_file() => return Ok(Format::MlCsv),
        _ => {}
    }
    if path.extension().is_some_and(|e| e == "inter") {
        return Ok(Format::RecBole);
    }
    Ok(Format::Generic(generic::sniff(path)?))
}

/// Loads a dataset from a folder or file. The dataset is named after the folder (the file
/// for generic files, the `.inter` stem for RecBole).
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Dataset> {
    Ok(assemble::assemble(read_parts(path, opts)?, false, opts.keep).0)
}

/// Like [`load`], and also returns the ratings in the order the file lists them (inner ids
/// of the returned dataset's catalogue). Position-based splits that must match another
/// tool's (the peers' numpy 80/20 split) need this order; a [`Dataset`] stores ratings
/// sorted by (user, item). Costs one extra copy of the rating columns.
pub fn load_with_file_order(path: &Path, opts: &LoadOptions) -> Result<(Dataset, Interactions)> {
    let (d, order) = assemble::assemble(read_parts(path, opts)?, true, opts.keep);
    Ok((d, order.unwrap_or_default()))
}

fn read_parts(path: &Path, opts: &LoadOptions) -> Result<assemble::Parts> {
    let format = match &opts.format {
        Some(f) => f.clone(),
        None => detect_format(path)?,
    };
    let dir = if path.is_file() {
        path.parent().unwrap_or(Path::new(".")).to_path_buf()
    } else {
        path.to_path_buf()
    };
    let t = opts.threads;
    match format {
        Format::Ml100k => ml100k::read(&dir, t),
        Format::MlDat => mldat::read(&dir, t),
        Format::MlCsv => mlcsv::read(&dir, t),
        Format::Parquet => parquet::read(&dir),
        Format::RecBole => {
            let inter = if path.is_file() {
                path.to_path_buf()
            } else {
                recbole::find_inter(path)?
            };
            recbole::read(&inter, t)
        }
        Format::Generic(spec) => generic::read(path, &spec, t),
    }
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
///
/// Without `base`, the catalogue is every id of train, test and `items.csv`, in sorted order,
/// and the rating scale is the observed range of train and test; with `base`, the base's ids
/// keep their inner ids, unknown ids are appended (sorted), and the base's scale is kept.
/// The train dataset is named after the train file.
pub fn load_split_files(
    files: &SplitFiles,
    base: Option<&Dataset>,
) -> Result<(Dataset, Interactions)> {
    split_files::load(files, base)
}
