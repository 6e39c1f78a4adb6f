//! MovieLens 1M and 10M (`::`-separated): `ratings.dat` (UserID::MovieID::Rating::Timestamp),
//! `movies.dat` (MovieID::Title::Genre|Genre), ML-1M `users.dat`
//! (UserID::Gender::Age::Occupation::Zip, occupation codes → names) and ML-10M `tags.dat`
//! (UserID::MovieID::Tag::Timestamp). ML-1M is Latin-1; ML-10M is UTF-8 (Latin-1 per-line
//! fallback). Ratings with half stars make the scale 0.5–5, else 1–5.

use super::assemble::{list_movie, name_of, Parts};
use super::ratings::read_positional;
use super::text::{each_nonempty_line, opt_u16, perr, split_plain, Enc};
use super::title::{split_title_year, Genres};
use crate::error::Result;
use cinerec_core::{ItemMeta, UserMeta};
use rustc_hash::FxHashMap;
use std::path::Path;

/// ML-1M occupation names by code (0–20), as `users.dat` codes are translated.
pub const OCCUPATIONS_1M: [&str; 21] = [
    "other",
    "academic/educator",
    "artist",
    "clerical/admin",
    "college/grad student",
    "customer service",
    "doctor/health care",
    "executive/managerial",
    "farmer",
    "homemaker",
    "K-12 student",
    "lawyer",
    "programmer",
    "retired",
    "sales/marketing",
    "scientist",
    "self-employed",
    "technician/engineer",
    "tradesman/craftsman",
    "unemployed",
    "writer",
];

/// Loads an ML-1M or ML-10M folder.
pub(crate) fn read(dir: &Path, threads: usize) -> Result<Parts> {
    let names = ["UserID", "MovieID", "Rating", "Timestamp"];
    let ratings = read_positional(
        dir,
        "ratings.dat",
        "ML-1M/10M ratings",
        b"::",
        names,
        (0.5, 5.0),
        threads,
    )?;
    // ML-1M ships users.dat and is Latin-1; ML-10M has tags.dat and is UTF-8.
    let tags_path = dir.join("tags.dat");
    let enc = if dir.join("users.dat").is_file() && !tags_path.is_file() {
        Enc::Latin1
    } else {
        Enc::Utf8
    };
    let mut genres = Genres::default();
    let mut item_meta = FxHashMap::default();
    let mut listed_items = Vec::new();
    let movies = dir.join("movies.dat");
    if movies.is_file() {
        each_nonempty_line(&movies, |no, line| {
            let f = split_plain(line, b"::");
            if f.len() < 2 {
                return Err(perr(
                    &movies,
                    no,
                    "Title",
                    "expected MovieID::Title::Genres",
                ));
            }
            let id = enc.decode(f[0]).trim().to_string();
            if id.is_empty() {
                return Err(perr(&movies, no, "MovieID", "empty id"));
            }
            // a title containing "::" would split further: genres are the last field
            let (title_parts, genre_field) = if f.len() >= 3 {
                (&f[1..f.len() - 1], f[f.len() - 1])
            } else {
                (&f[1..], &b""[..])
            };
            let title_raw = title_parts
                .iter()
                .map(|p| enc.decode(p))
                .collect::<Vec<_>>()
                .join("::");
            let (title, year) = split_title_year(&title_raw);
            let g = genres.list(
                enc.decode(genre_field)
                    .split('|')
                    .collect::<Vec<_>>()
                    .into_iter(),
            );
            list_movie(&mut item_meta, &mut listed_items, id, title, year, g);
            Ok(())
        })?;
    }
    if tags_path.is_file() {
        read_tags(&tags_path, enc, &mut item_meta)?;
    }
    let user_meta = read_users(&dir.join("users.dat"), enc)?;
    let half_stars = ratings.values().iter().any(|v| v.fract() != 0.0);
    Ok(Parts {
        name: name_of(dir),
        ratings,
        item_meta,
        listed_items,
        user_meta,
        genre_names: genres.names,
        scale: Some(if half_stars { (0.5, 5.0) } else { (1.0, 5.0) }),
    })
}

fn read_tags(path: &Path, enc: Enc, item_meta: &mut FxHashMap<String, ItemMeta>) -> Result<()> {
    let mut tags: FxHashMap<String, Vec<String>> = FxHashMap::default();
    each_nonempty_line(path, |no, line| {
        let f = split_plain(line, b"::");
        if f.len() < 3 {
            return Err(perr(
                path,
                no,
                "Tag",
                "expected UserID::MovieID::Tag::Timestamp",
            ));
        }
        let end = if f.len() >= 4 { f.len() - 1 } else { f.len() };
        let tag = f[2..end]
            .iter()
            .map(|p| enc.decode(p))
            .collect::<Vec<_>>()
            .join("::");
        let tag = tag.trim().to_lowercase();
        if !tag.is_empty() {
            tags.entry(enc.decode(f[1]).trim().to_string())
                .or_default()
                .push(tag);
        }
        Ok(())
    })?;
    super::mlcsv::attach_tags(tags, item_meta);
    Ok(())
}

fn read_users(path: &Path, enc: Enc) -> Result<FxHashMap<String, UserMeta>> {
    let mut out = FxHashMap::default();
    if !path.is_file() {
        return Ok(out);
    }
    each_nonempty_line(path, |no, line| {
        let f: Vec<String> = split_plain(line, b"::")
            .into_iter()
            .map(|b| enc.decode(b).trim().to_string())
            .collect();
        if f.len() < 5 {
            return Err(perr(
                path,
                no,
                "Zip-code",
                "expected UserID::Gender::Age::Occupation::Zip-code",
            ));
        }
        if f[0].is_empty() {
            return Err(perr(path, no, "UserID", "empty id"));
        }
        let age = opt_u16(&f[2], path, no, "Age")?;
        let occupation = if f[3].is_empty() {
            None
        } else {
            let code: usize = f[3]
                .parse()
                .map_err(|_| perr(path, no, "Occupation", format!("not a code: {:?}", f[3])))?;
            let name = OCCUPATIONS_1M.get(code).ok_or_else(|| {
                perr(
                    path,
                    no,
                    "Occupation",
                    format!("code {code} is not in 0–20"),
                )
            })?;
            Some(name.to_string())
        };
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        out.insert(
            f[0].clone(),
            UserMeta {
                age,
                gender: opt(&f[1]),
                occupation,
                zip: opt(&f[4]),
            },
        );
        Ok(())
    })?;
    Ok(out)
}
