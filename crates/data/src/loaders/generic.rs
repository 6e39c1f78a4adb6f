//! Generic delimited rating files (`user,item,rating[,timestamp]` or any column mapping given
//! by a [`GenericSpec`]), and sniffing a spec from a file's first line. The rating scale is
//! the observed min/max.

use super::assemble::{name_of, Parts};
use super::blocks::read_first_line;
use super::mlcsv::find_cols;
use super::ratings::{header_names, read_ratings, RatingsSpec};
use super::text::{parse_rating, split_quoted, utf8_or_latin1};
use super::GenericSpec;
use crate::error::{DataError, Result};
use rustc_hash::FxHashMap;
use std::path::Path;

/// Column names recognised in headers, per role (user, item, rating, timestamp).
pub(crate) const NAMES: [&[&str]; 4] = [
    &["user", "userid", "user_id", "uid", "user_id:token"],
    &[
        "item",
        "itemid",
        "item_id",
        "movie",
        "movieid",
        "movie_id",
        "iid",
        "item_id:token",
    ],
    &["rating", "score", "value", "rating:float"],
    &["timestamp", "time", "ts", "timestamp:float"],
];

/// Turns a [`GenericSpec`] into the reader's spec, naming fields from the header when there is one.
pub(crate) fn ratings_spec(path: &Path, spec: &GenericSpec) -> Result<RatingsSpec> {
    let header = if spec.has_header {
        header_names(
            &read_first_line(path)?.unwrap_or_default(),
            &[spec.delimiter],
        )
    } else {
        vec![]
    };
    let name = |c: Option<usize>, dflt: &str| {
        c.and_then(|c| header.get(c).cloned())
            .unwrap_or_else(|| dflt.to_string())
    };
    Ok(RatingsSpec {
        sep: vec![spec.delimiter],
        skip_header: spec.has_header,
        quotes: spec.delimiter != b'\t',
        user_col: spec.user_col,
        item_col: spec.item_col,
        rating_col: spec.rating_col,
        time_col: spec.time_col,
        names: [
            name(Some(spec.user_col), "user"),
            name(Some(spec.item_col), "item"),
            name(spec.rating_col, "rating"),
            name(spec.time_col, "timestamp"),
        ],
        columns: (!header.is_empty()).then_some(header.len()),
        range: None,
    })
}

/// Loads one generic ratings file.
pub(crate) fn read(path: &Path, spec: &GenericSpec, threads: usize) -> Result<Parts> {
    if !path.is_file() {
        return Err(DataError::Format {
            path: path.to_path_buf(),
            message: "ratings file not found".into(),
        });
    }
    let ratings = read_ratings(path, &ratings_spec(path, spec)?, threads)?;
    Ok(Parts {
        name: name_of(path),
        ratings,
        item_meta: FxHashMap::default(),
        listed_items: vec![],
        user_meta: FxHashMap::default(),
        genre_names: vec![],
        scale: None,
    })
}

/// Guesses a [`GenericSpec`] from the first line: delimiter tab, `;` or `,`; a header when a
/// field is a known column name (columns are then mapped by name) or when the third field is
/// not a number.
pub fn sniff(path: &Path) -> Result<GenericSpec> {
    let first = read_first_line(path)?.ok_or_else(|| DataError::Format {
        path: path.to_path_buf(),
        message: "empty file".into(),
    })?;
    let delimiter = if first.contains(&b'\t') {
        b'\t'
    } else if first.contains(&b';') && !first.contains(&b',') {
        b';'
    } else {
        b','
    };
    let fields: Vec<String> = split_quoted(&first, delimiter)
        .unwrap_or_default()
        .iter()
        .map(|f| utf8_or_latin1(f).trim().to_string())
        .collect();
    if fields.len() < 2 {
        return Err(DataError::Format {
            path: path.to_path_buf(),
            message: "not a ratings file: expected at least user and item columns".into(),
        });
    }
    let lower: Vec<String> = header_names(&first, &[delimiter])
        .iter()
        .map(|s| s.to_ascii_lowercase())
        .collect();
    let by_name = find_cols(&lower, &NAMES);
    if let (Some(u), Some(i)) = (by_name[0], by_name[1]) {
        return Ok(GenericSpec {
            delimiter,
            has_header: true,
            user_col: u,
            item_col: i,
            rating_col: by_name[2],
            time_col: by_name[3],
        });
    }
    let n = fields.len();
    let has_header = n >= 3 && parse_rating(fields[2].as_bytes()).is_none();
    Ok(GenericSpec {
        delimiter,
        has_header,
        user_col: 0,
        item_col: 1,
        rating_col: (n >= 3).then_some(2),
        time_col: (n >= 4).then_some(3),
    })
}
