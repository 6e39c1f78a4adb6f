//! RecBole atomic files: `<name>.inter` (required) and optional `.item`, `.user`, `.kg`,
//! `.link`. Tab-separated, first line a typed header (`user_id:token`, `item_id:token`,
//! `rating:float`, `timestamp:float`); columns are found by name, not position; `token_seq`
//! fields are space-separated. `.item` gives title (`movie_title`), year (`release_year`)
//! and genres (`class` or `genre`); `.kg` triples whose head is an item's entity (via
//! `.link`: item_id → entity_id) become [`ItemMeta::relations`].

use super::assemble::{list_movie, Parts};
use super::blocks::read_first_line;
use super::ratings::{header_names, read_ratings, RatingsSpec};
use super::text::{lines, parse_u16, perr, read_file, split_plain, utf8_or_latin1};
use super::title::{split_title_year, year_of, Genres};
use crate::error::{DataError, Result};
use cinerec_core::{ItemMeta, UserMeta};
use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};

/// Finds the `.inter` file of a folder: `<folder name>.inter`, else the only `.inter` file.
pub(crate) fn find_inter(dir: &Path) -> Result<PathBuf> {
    let name = super::assemble::name_of(dir);
    let preferred = dir.join(format!("{name}.inter"));
    if preferred.is_file() {
        return Ok(preferred);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| DataError::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "inter"))
        .collect();
    found.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(DataError::Format {
            path: dir.to_path_buf(),
            message: "missing required file <name>.inter (RecBole)".into(),
        }),
        _ => Err(DataError::Format {
            path: dir.to_path_buf(),
            message: format!("several .inter files and none named {name}.inter: {found:?}"),
        }),
    }
}

/// Header column names without their `:type` suffix.
fn plain_names(path: &Path) -> Result<Vec<String>> {
    let line = read_first_line(path)?.unwrap_or_default();
    Ok(header_names(&line, b"\t")
        .into_iter()
        .map(|h| h.split(':').next().unwrap_or("").trim().to_string())
        .collect())
}

/// Numbered rows of fields.
type Rows = Vec<(usize, Vec<String>)>;

/// Rows of a small atomic file as maps column name → value (`(1-based line, fields)`).
fn read_rows(path: &Path) -> Result<(Vec<String>, Rows)> {
    let bytes = read_file(path)?;
    let mut it = lines(&bytes);
    let Some((_, head)) = it.next() else {
        return Ok((vec![], vec![]));
    };
    let names: Vec<String> = header_names(head, b"\t")
        .into_iter()
        .map(|h| h.split(':').next().unwrap_or("").trim().to_string())
        .collect();
    let mut out = Vec::new();
    for (no, line) in it {
        if line.is_empty() {
            continue;
        }
        let f: Vec<String> = split_plain(line, b"\t")
            .into_iter()
            .map(utf8_or_latin1)
            .collect();
        out.push((no, f));
    }
    Ok((names, out))
}

fn col(names: &[String], alts: &[&str]) -> Option<usize> {
    names.iter().position(|n| alts.contains(&n.as_str()))
}

fn get(f: &[String], c: Option<usize>) -> Option<&str> {
    c.and_then(|c| f.get(c))
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
}

/// Loads RecBole atomic files from `inter` (a `.inter` file) and its siblings.
pub(crate) fn read(inter: &Path, threads: usize) -> Result<Parts> {
    let dir = inter.parent().unwrap_or(Path::new("."));
    let stem = inter
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let sib = |ext: &str| dir.join(format!("{stem}.{ext}"));
    let names = plain_names(inter)?;
    let (Some(user_col), Some(item_col)) = (col(&names, &["user_id"]), col(&names, &["item_id"]))
    else {
        return Err(DataError::Format {
            path: inter.to_path_buf(),
            message: format!("header must have user_id and item_id columns, found {names:?}"),
        });
    };
    let spec = RatingsSpec {
        sep: b"\t".to_vec(),
        skip_header: true,
        quotes: false,
        user_col,
        item_col,
        rating_col: col(&names, &["rating"]),
        time_col: col(&names, &["timestamp"]),
        names: ["user_id", "item_id", "rating", "timestamp"].map(String::from),
        columns: Some(names.len()),
        range: None,
    };
    let ratings = read_ratings(inter, &spec, threads)?;

    let mut genres = Genres::default();
    let mut item_meta: FxHashMap<String, ItemMeta> = FxHashMap::default();
    let mut listed_items = Vec::new();
    let item_path = sib("item");
    if item_path.is_file() {
        let (names, rows) = read_rows(&item_path)?;
        let id_c = col(&names, &["item_id"]).ok_or_else(|| {
            perr(
                &item_path,
                1,
                "item_id",
                format!("column missing from header {names:?}"),
            )
        })?;
        let (title_c, year_c) = (
            col(&names, &["movie_title", "title"]),
            col(&names, &["release_year", "year"]),
        );
        let genre_c = col(&names, &["class", "genre", "genres"]);
        for (no, f) in rows {
            let id = get(&f, Some(id_c))
                .ok_or_else(|| perr(&item_path, no, "item_id", "empty id"))?
                .to_string();
            let raw_title = get(&f, title_c).unwrap_or("");
            let (title, year) = match year_c {
                Some(_) => (raw_title.to_string(), get(&f, year_c).and_then(year_of)),
                None => split_title_year(raw_title),
            };
            let g = get(&f, genre_c)
                .map(|s| genres.list(s.split(' ')))
                .unwrap_or_default();
            list_movie(&mut item_meta, &mut listed_items, id, title, year, g);
        }
    }
    let (link, kg) = (sib("link"), sib("kg"));
    if link.is_file() && kg.is_file() {
        read_kg(&link, &kg, &mut item_meta)?;
    }
    let mut user_meta = FxHashMap::default();
    let user_path = sib("user");
    if user_path.is_file() {
        let (names, rows) = read_rows(&user_path)?;
        let id_c = col(&names, &["user_id"]).ok_or_else(|| {
            perr(
                &user_path,
                1,
                "user_id",
                format!("column missing from header {names:?}"),
            )
        })?;
        let (age_c, gender_c) = (col(&names, &["age"]), col(&names, &["gender"]));
        let (occ_c, zip_c) = (
            col(&names, &["occupation"]),
            col(&names, &["zip_code", "zip"]),
        );
        for (no, f) in rows {
            let id = get(&f, Some(id_c))
                .ok_or_else(|| perr(&user_path, no, "user_id", "empty id"))?
                .to_string();
            let age =
                match get(&f, age_c) {
                    None => None,
                    Some(a) => Some(parse_u16(a).ok_or_else(|| {
                        perr(&user_path, no, "age", format!("not a number: {a:?}"))
                    })?),
                };
            let s = |c| get(&f, c).map(str::to_string);
            user_meta.insert(
                id,
                UserMeta {
                    age,
                    gender: s(gender_c),
                    occupation: s(occ_c),
                    zip: s(zip_c),
                },
            );
        }
    }
    Ok(Parts {
        name: stem,
        ratings,
        item_meta,
        listed_items,
        user_meta,
        genre_names: genres.names,
        scale: None,
    })
}

/// Joins `.kg` (head_id, relation_id, tail_id) to items through `.link` (item_id, entity_id).
fn read_kg(link: &Path, kg: &Path, item_meta: &mut FxHashMap<String, ItemMeta>) -> Result<()> {
    let (names, rows) = read_rows(link)?;
    let (Some(ic), Some(ec)) = (col(&names, &["item_id"]), col(&names, &["entity_id"])) else {
        return Err(perr(
            link,
            1,
            "entity_id",
            format!("need item_id and entity_id columns, found {names:?}"),
        ));
    };
    let mut items_of: FxHashMap<String, Vec<String>> = FxHashMap::default();
    for (no, f) in rows {
        let (Some(i), Some(e)) = (get(&f, Some(ic)), get(&f, Some(ec))) else {
            return Err(perr(link, no, "entity_id", "missing field"));
        };
        items_of
            .entry(e.to_string())
            .or_default()
            .push(i.to_string());
    }
    let (names, rows) = read_rows(kg)?;
    let (Some(hc), Some(rc), Some(tc)) = (
        col(&names, &["head_id"]),
        col(&names, &["relation_id"]),
        col(&names, &["tail_id"]),
    ) else {
        return Err(perr(
            kg,
            1,
            "head_id",
            format!("need head_id, relation_id, tail_id columns, found {names:?}"),
        ));
    };
    for (no, f) in rows {
        let (Some(h), Some(r), Some(t)) = (get(&f, Some(hc)), get(&f, Some(rc)), get(&f, Some(tc)))
        else {
            return Err(perr(kg, no, "tail_id", "missing field"));
        };
        if let Some(items) = items_of.get(h) {
            for i in items {
                item_meta
                    .entry(i.clone())
                    .or_default()
                    .relations
                    .push((r.to_string(), t.to_string()));
            }
        }
    }
    Ok(())
}
