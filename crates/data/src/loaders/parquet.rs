//! The Parquet dataset loader: a folder with `ratings.parquet` and, optionally,
//! `movies.parquet` and `users.parquet` (what `cinerec export --format parquet` writes; any
//! tool's files with these columns load too).
//!
//! Schema (column names are case-insensitive; the first name listed is what cinerec writes):
//! - `ratings.parquet`: `user` (also `user_id`, `userId`, `uid`) and `movie` (`movie_id`,
//!   `movieId`, `item`, `item_id`, `itemId`, `iid`) — integers of any width or strings;
//!   `rating` (`value`, `score`) — any float or integer, absent = implicit feedback (1.0);
//!   `timestamp` (`rated_at`, `time`, `ts`) — integer seconds or a timestamp type, absent or
//!   null = 0. File metadata `cinerec.name` / `cinerec.rating_scale` (JSON `[lo, hi]`) name the
//!   dataset and fix its scale (else the folder name and the observed range).
//! - `movies.parquet`: `id` (or a movie id name above), `title`, `year`, `genres`
//!   (`list<string>` or one `|`-separated string), `metadata` (the store's JSON document of
//!   tags, relations and links); file metadata `cinerec.genre_names` (JSON list) orders the
//!   genre vocabulary. Every listed movie belongs to the catalogue.
//! - `users.parquet`: `id` (or a user id name above), `age`, `gender`, `occupation`, `zip`.
//!
//! Batches are read one at a time; a malformed value is a [`crate::DataError::Row`] naming
//! the file, the row and the field.

use super::assemble::{name_of, Parts};
use super::intern::Interner;
use super::parquet_cols::{self as cols, At};
use super::ratings::{require_file, RawRatings};
use super::title::Genres;
use crate::error::{DataError, Result};
use arrow_array::RecordBatchReader;
use cinerec_core::{Interactions, ItemMeta, UserMeta};
use rustc_hash::FxHashMap;
use std::path::Path;

/// Accepted names of the user id column.
pub const USER_NAMES: &[&str] = &["user", "user_id", "userId", "uid"];
/// Accepted names of the movie id column.
pub const MOVIE_NAMES: &[&str] = &[
    "movie", "movie_id", "movieId", "item", "item_id", "itemId", "iid",
];
const RATING_NAMES: &[&str] = &["rating", "value", "score"];
const TIME_NAMES: &[&str] = &["timestamp", "rated_at", "time", "ts"];

/// File metadata key of the dataset name.
pub const KV_NAME: &str = "cinerec.name";
/// File metadata key of the rating scale (JSON `[lo, hi]`).
pub const KV_SCALE: &str = "cinerec.rating_scale";
/// File metadata key of the genre vocabulary (JSON list of names).
pub const KV_GENRES: &str = "cinerec.genre_names";

fn kv<'a>(kv: &'a [(String, String)], key: &str) -> Option<&'a str> {
    kv.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn meta_err(path: &Path, key: &str, e: serde_json::Error) -> DataError {
    DataError::Format {
        path: path.to_path_buf(),
        message: format!("file metadata {key}: {e}"),
    }
}

fn column(schema: &arrow_schema::Schema, path: &Path, alts: &[&str], what: &str) -> Result<usize> {
    cols::find(schema, alts).ok_or_else(|| DataError::Format {
        path: path.to_path_buf(),
        message: format!(
            "no {what} column: expected one of {alts:?}, found {:?}",
            schema.fields().iter().map(|f| f.name()).collect::<Vec<_>>()
        ),
    })
}

/// Loads a Parquet dataset folder.
pub(crate) fn read(dir: &Path) -> Result<Parts> {
    let path = require_file(dir.join("ratings.parquet"), "the ratings")?;
    let (ratings, name, scale) = read_ratings(&path)?;
    let mut genres = Genres::default();
    let mut item_meta = FxHashMap::default();
    let mut listed_items = Vec::new();
    let movies = dir.join("movies.parquet");
    if movies.is_file() {
        read_movies(&movies, &mut genres, &mut item_meta, &mut listed_items)?;
    }
    let users = dir.join("users.parquet");
    let user_meta = if users.is_file() {
        read_users(&users)?
    } else {
        FxHashMap::default()
    };
    Ok(Parts {
        name: name.unwrap_or_else(|| name_of(dir)),
        ratings,
        item_meta,
        listed_items,
        user_meta,
        genre_names: genres.names,
        scale,
    })
}

type Scale = Option<(f32, f32)>;

fn read_ratings(path: &Path) -> Result<(RawRatings, Option<String>, Scale)> {
    let mut o = cols::open(path)?;
    let name = kv(&o.kv, KV_NAME).map(String::from);
    let scale: Scale = match kv(&o.kv, KV_SCALE) {
        Some(s) => Some(serde_json::from_str(s).map_err(|e| meta_err(path, KV_SCALE, e))?),
        None => None,
    };
    let schema = o.reader.schema();
    let uc = column(&schema, path, USER_NAMES, "user id")?;
    let ic = column(&schema, path, MOVIE_NAMES, "movie id")?;
    let rc = cols::find(&schema, RATING_NAMES);
    let tc = cols::find(&schema, TIME_NAMES);
    let field = |c: usize| schema.field(c).name().clone();
    let (uf, i_f) = (field(uc), field(ic));
    let mut inter = Interactions::default();
    let (mut ui, mut ii) = (Interner::default(), Interner::default());
    let mut row0 = 1usize;
    while let Some(b) = cols::next_batch(&mut o, path, row0)? {
        let at = At { file: path, row0 };
        let n = b.num_rows();
        cols::ids(b.column(uc).as_ref(), at, &uf, |raw, int| {
            let v = ui.put(raw, int, &mut inter.users);
            inter.users.push(v);
        })?;
        cols::ids(b.column(ic).as_ref(), at, &i_f, |raw, int| {
            let v = ii.put(raw, int, &mut inter.items);
            inter.items.push(v);
        })?;
        match rc {
            Some(c) => cols::ratings(b.column(c).as_ref(), at, &field(c), &mut inter.values)?,
            None => inter.values.resize(inter.values.len() + n, 1.0),
        }
        match tc {
            Some(c) => cols::times(b.column(c).as_ref(), at, &field(c), &mut inter.times)?,
            None => inter.times.resize(inter.times.len() + n, 0),
        }
        if let Some((lo, hi)) = scale {
            let start = inter.values.len() - n;
            if let Some(k) = inter.values[start..]
                .iter()
                .position(|v| !(lo..=hi).contains(v))
            {
                return Err(at.err(
                    k,
                    "rating",
                    format!("outside the file's rating scale {lo}..={hi}"),
                ));
            }
        }
        row0 += n;
    }
    Ok((RawRatings::single(inter, ui, ii, path)?, name, scale))
}

fn read_movies(
    path: &Path,
    genres: &mut Genres,
    item_meta: &mut FxHashMap<String, ItemMeta>,
    listed: &mut Vec<String>,
) -> Result<()> {
    let mut o = cols::open(path)?;
    if let Some(s) = kv(&o.kv, KV_GENRES) {
        let names: Vec<String> =
            serde_json::from_str(s).map_err(|e| meta_err(path, KV_GENRES, e))?;
        *genres = Genres::with_names(names);
    }
    let schema = o.reader.schema();
    let mut id_alts = vec!["id"];
    id_alts.extend_from_slice(MOVIE_NAMES);
    let idc = column(&schema, path, &id_alts, "movie id")?;
    let idf = schema.field(idc).name().clone();
    let [tc, yc, gc, mc] =
        ["title", "year", "genres", "metadata"].map(|n| cols::find(&schema, &[n]));
    let mut row0 = 1usize;
    while let Some(b) = cols::next_batch(&mut o, path, row0)? {
        let at = At { file: path, row0 };
        let n = b.num_rows();
        let mut ids = Vec::with_capacity(n);
        cols::ids(b.column(idc).as_ref(), at, &idf, |raw, _| {
            ids.push(String::from_utf8_lossy(raw).into_owned())
        })?;
        let titles = match tc {
            Some(c) => cols::opt_texts(b.column(c).as_ref(), at, "title")?,
            None => vec![None; n],
        };
        let years = match yc {
            Some(c) => cols::opt_u16(b.column(c).as_ref(), at, "year")?,
            None => vec![None; n],
        };
        let gl = match gc {
            Some(c) => cols::text_lists(b.column(c).as_ref(), at, "genres")?,
            None => vec![Vec::new(); n],
        };
        let extra = match mc {
            Some(c) => cols::opt_texts(b.column(c).as_ref(), at, "metadata")?,
            None => vec![None; n],
        };
        for (i, id) in ids.into_iter().enumerate() {
            let mut m = ItemMeta {
                title: titles[i].clone(),
                year: years[i],
                genres: gl[i].iter().filter_map(|g| genres.get(g)).collect(),
                ..Default::default()
            };
            if let Some(js) = extra[i].as_deref().filter(|s| !s.is_empty()) {
                let x: Extra =
                    serde_json::from_str(js).map_err(|e| at.err(i, "metadata", e.to_string()))?;
                (m.tags, m.relations, m.links) = (x.tags, x.relations, x.links);
            }
            listed.push(id.clone());
            item_meta.insert(id, m);
        }
        row0 += n;
    }
    Ok(())
}

/// The `metadata` document of a movie (the store's `movies.metadata` JSON).
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct Extra {
    /// Tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Relations `(relation, value)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relations: Vec<(String, String)>,
    /// Links `(source, id)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<(String, String)>,
}

fn read_users(path: &Path) -> Result<FxHashMap<String, UserMeta>> {
    let mut o = cols::open(path)?;
    let schema = o.reader.schema();
    let mut id_alts = vec!["id"];
    id_alts.extend_from_slice(USER_NAMES);
    let idc = column(&schema, path, &id_alts, "user id")?;
    let idf = schema.field(idc).name().clone();
    let ac = cols::find(&schema, &["age"]);
    let [gc, oc, zc] = [
        &["gender"][..],
        &["occupation"][..],
        &["zip", "zip_code", "zipcode"][..],
    ]
    .map(|n| cols::find(&schema, n));
    let mut out = FxHashMap::default();
    let mut row0 = 1usize;
    while let Some(b) = cols::next_batch(&mut o, path, row0)? {
        let at = At { file: path, row0 };
        let n = b.num_rows();
        let mut ids = Vec::with_capacity(n);
        cols::ids(b.column(idc).as_ref(), at, &idf, |raw, _| {
            ids.push(String::from_utf8_lossy(raw).into_owned())
        })?;
        let ages = match ac {
            Some(c) => cols::opt_u16(b.column(c).as_ref(), at, "age")?,
            None => vec![None; n],
        };
        let text = |c: Option<usize>, f: &str| -> Result<Vec<Option<String>>> {
            match c {
                Some(c) => cols::opt_texts(b.column(c).as_ref(), at, f),
                None => Ok(vec![None; n]),
            }
        };
        let (g, oc_, z) = (
            text(gc, "gender")?,
            text(oc, "occupation")?,
            text(zc, "zip")?,
        );
        for (i, id) in ids.into_iter().enumerate() {
            let m = UserMeta {
                age: ages[i],
                gender: g[i].clone(),
                occupation: oc_[i].clone(),
                zip: z[i].clone(),
            };
            out.insert(id, m);
        }
        row0 += n;
    }
    Ok(out)
}

/// Reads factor vectors as Spark's ALS writes them (`id int`, `features list<float>`) from a
/// Parquet file or a folder of `*.parquet` part files. Returns `(id, vector)` pairs.
pub fn read_factors(path: &Path) -> Result<Vec<(i64, Vec<f32>)>> {
    let mut files = Vec::new();
    if path.is_dir() {
        let rd = std::fs::read_dir(path).map_err(|e| DataError::io(path, e))?;
        for e in rd {
            let p = e.map_err(|e| DataError::io(path, e))?.path();
            if p.extension().is_some_and(|x| x == "parquet") {
                files.push(p);
            }
        }
        files.sort();
    } else {
        files.push(require_file(path.to_path_buf(), "factors")?);
    }
    let mut out = Vec::new();
    for f in &files {
        let mut o = cols::open(f)?;
        let schema = o.reader.schema();
        let idc = column(&schema, f, &["id"], "id")?;
        let fc = column(&schema, f, &["features"], "features")?;
        let mut row0 = 1usize;
        while let Some(b) = cols::next_batch(&mut o, f, row0)? {
            let at = At { file: f, row0 };
            let mut ids = Vec::with_capacity(b.num_rows());
            cols::ids(b.column(idc).as_ref(), at, "id", |raw, _| {
                ids.push(
                    std::str::from_utf8(raw)
                        .ok()
                        .and_then(|s| s.parse::<i64>().ok()),
                )
            })?;
            let vecs = cols::float_lists(b.column(fc).as_ref(), at, "features")?;
            for (i, (id, v)) in ids.into_iter().zip(vecs).enumerate() {
                let id = id.ok_or_else(|| at.err(i, "id", "not an integer"))?;
                out.push((id, v));
            }
            row0 += b.num_rows();
        }
    }
    Ok(out)
}
