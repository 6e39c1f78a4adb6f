//! MovieLens 100K: `u.data` (tab: user, item, rating, timestamp), `u.item` (pipe, Latin-1:
//! id|title|release date|video release date|IMDb URL|19 genre flags), `u.genre`
//! (name|index) and `u.user` (id|age|gender|occupation|zip).

use super::assemble::{list_movie, name_of, Parts};
use super::ratings::read_positional;
use super::text::{each_nonempty_line, latin1, lines, opt_u16, perr, read_file, split_plain};
use super::title::{split_title_year, year_of, Genres};
use crate::error::Result;
use cinerec_core::{ItemMeta, UserMeta};
use rustc_hash::FxHashMap;
use std::path::Path;

/// The genre list of ML-100K's `u.genre`, used when that file is missing.
pub(crate) const GENRES_100K: [&str; 19] = [
    "unknown",
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
];

/// Loads an ML-100K folder.
pub(crate) fn read(dir: &Path, threads: usize) -> Result<Parts> {
    let names = ["user id", "item id", "rating", "timestamp"];
    let ratings = read_positional(
        dir,
        "u.data",
        "ML-100K ratings",
        b"\t",
        names,
        (1.0, 5.0),
        threads,
    )?;
    let genres = read_genres(&dir.join("u.genre"))?;
    let (item_meta, listed_items, genre_names) = read_items(&dir.join("u.item"), genres)?;
    let user_meta = read_users(&dir.join("u.user"))?;
    Ok(Parts {
        name: name_of(dir),
        ratings,
        item_meta,
        listed_items,
        user_meta,
        genre_names,
        scale: Some((1.0, 5.0)),
    })
}

fn read_genres(path: &Path) -> Result<Vec<String>> {
    if !path.is_file() {
        return Ok(GENRES_100K.iter().map(|s| s.to_string()).collect());
    }
    let bytes = read_file(path)?;
    let mut pairs: Vec<(usize, String)> = Vec::new();
    for (no, line) in lines(&bytes) {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let f = split_plain(line, b"|");
        let idx = f
            .get(1)
            .and_then(|s| std::str::from_utf8(s).ok())
            .and_then(|s| s.trim().parse::<usize>().ok())
            .ok_or_else(|| perr(path, no, "index", "expected name|index"))?;
        pairs.push((idx, latin1(f[0]).trim().to_string()));
    }
    pairs.sort();
    let mut names = Vec::new();
    for (k, (idx, name)) in pairs.into_iter().enumerate() {
        if idx != k {
            return Err(perr(
                path,
                k + 1,
                "index",
                format!("genre indices must be 0..n, found {idx}"),
            ));
        }
        names.push(name);
    }
    Ok(names)
}

type Items = (FxHashMap<String, ItemMeta>, Vec<String>, Vec<String>);

fn read_items(path: &Path, genre_names: Vec<String>) -> Result<Items> {
    let mut meta = FxHashMap::default();
    let mut listed = Vec::new();
    if !path.is_file() {
        return Ok((meta, listed, genre_names));
    }
    let genres = Genres::with_names(genre_names);
    let n_genres = genres.names.len();
    each_nonempty_line(path, |no, line| {
        let f = split_plain(line, b"|");
        if f.len() < 3 {
            return Err(perr(
                path,
                no,
                "release date",
                "expected id|title|release date|…",
            ));
        }
        let id = latin1(f[0]).trim().to_string();
        if id.is_empty() {
            return Err(perr(path, no, "movie id", "empty id"));
        }
        let (title, year) = split_title_year(&latin1(f[1]));
        let year = year.or_else(|| year_of(&latin1(f[2])));
        let mut g = Vec::new();
        for (k, flag) in f.iter().skip(5).enumerate() {
            match *flag {
                b"1" => {
                    if k >= n_genres {
                        return Err(perr(
                            path,
                            no,
                            "genres",
                            format!("genre flag {k} beyond the {n_genres} genres"),
                        ));
                    }
                    g.push(k as u16);
                }
                b"0" | b"" => {}
                other => {
                    return Err(perr(
                        path,
                        no,
                        "genres",
                        format!("genre flag must be 0 or 1, got {:?}", latin1(other)),
                    ))
                }
            }
        }
        list_movie(&mut meta, &mut listed, id, title, year, g);
        Ok(())
    })?;
    Ok((meta, listed, genres.names))
}

fn read_users(path: &Path) -> Result<FxHashMap<String, UserMeta>> {
    let mut out = FxHashMap::default();
    if !path.is_file() {
        return Ok(out);
    }
    each_nonempty_line(path, |no, line| {
        let f: Vec<String> = split_plain(line, b"|").into_iter().map(latin1).collect();
        if f.len() < 5 {
            return Err(perr(
                path,
                no,
                "zip code",
                "expected id|age|gender|occupation|zip",
            ));
        }
        let age = opt_u16(&f[1], path, no, "age")?;
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
        out.insert(
            f[0].trim().to_string(),
            UserMeta {
                age,
                gender: opt(&f[2]),
                occupation: opt(&f[3]),
                zip: opt(&f[4]),
            },
        );
        Ok(())
    })?;
    Ok(out)
}
