//! MovieLens CSV releases (ml-latest, ml-latest-small, ML-20M/25M/32M): `ratings.csv`
//! (userId,movieId,rating,timestamp — read by the parallel reader), `movies.csv`
//! (movieId,title,genres with quoted titles), `tags.csv` (→ lower-cased, deduplicated
//! [`ItemMeta::tags`]) and `links.csv` (→ [`ItemMeta::links`] `("imdb", …)`, `("tmdb", …)`).
//! Text is UTF-8 with a Latin-1 fallback per line. These are half-star releases: scale 0.5–5
//! (the observed scale when values fall outside it, e.g. synthetic 1–10 data).

use super::assemble::{list_movie, name_of, Parts};
use super::blocks::read_first_line;
use super::ratings::{header_names, read_ratings, RatingsSpec};
use super::text::{lines, perr, read_file, split_quoted, utf8_or_latin1};
use super::title::{split_title_year, Genres};
use crate::error::{DataError, Result};
use cinerec_core::ItemMeta;
use rustc_hash::FxHashMap;
use std::path::Path;

/// Finds named columns in a header (case-insensitive); `None` for a name not present.
pub(crate) fn find_cols(header: &[String], wanted: &[&[&str]]) -> Vec<Option<usize>> {
    wanted
        .iter()
        .map(|alts| {
            header
                .iter()
                .position(|h| alts.iter().any(|a| h.eq_ignore_ascii_case(a)))
        })
        .collect()
}

/// Loads a MovieLens CSV folder.
pub(crate) fn read(dir: &Path, threads: usize) -> Result<Parts> {
    let data = dir.join("ratings.csv");
    if !data.is_file() {
        return Err(DataError::Format {
            path: data,
            message: "missing required file ratings.csv".into(),
        });
    }
    let header = header_names(&read_first_line(&data)?.unwrap_or_default(), b",");
    let c = find_cols(
        &header,
        &[&["userId"], &["movieId"], &["rating"], &["timestamp"]],
    );
    let (user_col, item_col) = match (c[0], c[1]) {
        (Some(u), Some(i)) => (u, i),
        _ => {
            return Err(DataError::Format {
                path: data,
                message: format!("header must name userId and movieId columns, found {header:?}"),
            })
        }
    };
    let spec = RatingsSpec {
        sep: b",".to_vec(),
        skip_header: true,
        quotes: true,
        user_col,
        item_col,
        rating_col: c[2],
        time_col: c[3],
        names: ["userId", "movieId", "rating", "timestamp"].map(String::from),
        columns: Some(header.len()),
        range: None,
    };
    let ratings = read_ratings(&data, &spec, threads)?;
    // MovieLens CSV releases are half stars 0.5–5; a file in this layout with values outside
    // that range (a 1–10 scale, say) keeps its observed scale instead.
    let half_star = ratings.values().iter().all(|v| (0.5..=5.0).contains(v));
    let scale = half_star.then_some((0.5, 5.0));
    let mut genres = Genres::default();
    let mut item_meta: FxHashMap<String, ItemMeta> = FxHashMap::default();
    let mut listed_items = Vec::new();
    let movies = dir.join("movies.csv");
    if movies.is_file() {
        for (no, f) in csv_rows(&movies, &["movieId", "title", "genres"])? {
            let id = f[0].trim().to_string();
            if id.is_empty() {
                return Err(perr(&movies, no, "movieId", "empty id"));
            }
            let (title, year) = split_title_year(&f[1]);
            let g = genres.list(f[2].split('|'));
            list_movie(&mut item_meta, &mut listed_items, id, title, year, g);
        }
    }
    let tags_path = dir.join("tags.csv");
    if tags_path.is_file() {
        let mut tags: FxHashMap<String, Vec<String>> = FxHashMap::default();
        for (_, f) in csv_rows(&tags_path, &["userId", "movieId", "tag"])? {
            let tag = f[2].trim().to_lowercase();
            if !tag.is_empty() {
                tags.entry(f[1].trim().to_string()).or_default().push(tag);
            }
        }
        attach_tags(tags, &mut item_meta);
    }
    let links = dir.join("links.csv");
    if links.is_file() {
        for (_, f) in csv_rows(&links, &["movieId", "imdbId", "tmdbId"])? {
            let m = item_meta.entry(f[0].trim().to_string()).or_default();
            for (src, v) in [("imdb", &f[1]), ("tmdb", &f[2])] {
                if !v.trim().is_empty() {
                    m.links.push((src.to_string(), v.trim().to_string()));
                }
            }
        }
    }
    Ok(Parts {
        name: name_of(dir),
        ratings,
        item_meta,
        listed_items,
        user_meta: FxHashMap::default(),
        genre_names: genres.names,
        scale,
    })
}

/// Adds tags (sorted, deduplicated) to the items' metadata.
pub(crate) fn attach_tags(
    tags: FxHashMap<String, Vec<String>>,
    item_meta: &mut FxHashMap<String, ItemMeta>,
) {
    for (id, mut t) in tags {
        let m = item_meta.entry(id).or_default();
        t.append(&mut m.tags);
        t.sort();
        t.dedup();
        m.tags = t;
    }
}

/// Rows of a small quoted CSV file with a header, as the named columns in the given order
/// (`(1-based line, fields)`). A missing column in the header or a short row is an error.
pub(crate) fn csv_rows(path: &Path, wanted: &[&str]) -> Result<Vec<(usize, Vec<String>)>> {
    let bytes = read_file(path)?;
    let mut it = lines(&bytes);
    let Some((_, head)) = it.next() else {
        return Ok(vec![]);
    };
    let header = header_names(head, b",");
    let alts: Vec<[&str; 1]> = wanted.iter().map(|w| [*w]).collect();
    let alt_refs: Vec<&[&str]> = alts.iter().map(|a| &a[..]).collect();
    let cols = find_cols(&header, &alt_refs);
    let cols: Vec<usize> = cols
        .iter()
        .zip(wanted)
        .map(|(c, w)| {
            c.ok_or_else(|| perr(path, 1, w, format!("column missing from header {header:?}")))
        })
        .collect::<Result<_>>()?;
    let mut out = Vec::new();
    for (no, line) in it {
        if line.is_empty() {
            continue;
        }
        let f = split_quoted(line, b',').map_err(|m| perr(path, no, wanted[0], m))?;
        let mut row = Vec::with_capacity(cols.len());
        for (&c, w) in cols.iter().zip(wanted) {
            let v = f.get(c).ok_or_else(|| perr(path, no, w, "missing field"))?;
            row.push(utf8_or_latin1(v));
        }
        out.push((no, row));
    }
    Ok(out)
}
