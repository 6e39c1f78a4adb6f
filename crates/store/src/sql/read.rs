//! Reads of [`SqlStore`]: one user or movie, a user's ratings, counts, the dataset info, and
//! the row decoding and `Dataset` assembly that loading the whole store (`snapload.rs`) uses.

use super::SqlStore;
use crate::error::{Result, StoreError};
use crate::types::{Counts, DatasetInfo, MovieExtra, MovieRecord, RatingRecord, UserRecord};
use cinerec_core::{Catalog, Dataset, IdMap, Interactions, ItemMeta, UserMeta};
use rustc_hash::FxHashMap;
use sqlx::{AssertSqlSafe, Row};
use std::sync::Arc;

/// A users row: id, age, gender, occupation, zip.
pub(super) type UserRow = (
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
);
/// A movies row: id, title, year, genres, metadata.
pub(super) type MovieRow = (String, Option<String>, Option<i64>, String, String);

pub(super) const USER_COLS: &str = "SELECT id, age, gender, occupation, zip FROM users";
pub(super) const MOVIE_COLS: &str = "SELECT id, title, year, genres, metadata FROM movies";

fn small(v: Option<i64>) -> Option<u16> {
    v.and_then(|x| u16::try_from(x).ok())
}

pub(super) fn user_of(r: UserRow) -> UserRecord {
    UserRecord {
        id: r.0,
        age: small(r.1),
        gender: r.2,
        occupation: r.3,
        zip: r.4,
    }
}

fn movie_of(r: MovieRow) -> Result<MovieRecord> {
    let extra: MovieExtra = serde_json::from_str(&r.4).map_err(|e| StoreError::Corrupt {
        table: "movies",
        why: format!("metadata of movie {}: {e}", r.0),
    })?;
    Ok(MovieRecord {
        genres: r
            .3
            .split('|')
            .filter(|g| !g.is_empty())
            .map(String::from)
            .collect(),
        id: r.0,
        title: r.1,
        year: small(r.2),
        extra,
    })
}

/// Decodes a users row (any backend).
macro_rules! user_row {
    ($r:expr) => {
        columns!($r, "id", "age", "gender", "occupation", "zip")
    };
}

/// Decodes a movies row (any backend).
macro_rules! movie_row {
    ($r:expr) => {
        columns!($r, "id", "title", "year", "genres", "metadata")
    };
}

impl SqlStore {
    pub(crate) async fn read_user(&self, id: &str) -> Result<Option<UserRecord>> {
        let sql = self.backend.sql(&format!("{USER_COLS} WHERE id = ?"));
        let row: Option<UserRow> = with_pool!(self, pool => {
            match sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await? {
                Some(r) => Some(user_row!(r)),
                None => None,
            }
        });
        Ok(row.map(user_of))
    }

    pub(crate) async fn read_movie(&self, id: &str) -> Result<Option<MovieRecord>> {
        let sql = self.backend.sql(&format!("{MOVIE_COLS} WHERE id = ?"));
        let row: Option<MovieRow> = with_pool!(self, pool => {
            match sqlx::query(AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await? {
                Some(r) => Some(movie_row!(r)),
                None => None,
            }
        });
        row.map(movie_of).transpose()
    }

    pub(crate) async fn read_movies(&self) -> Result<Vec<MovieRecord>> {
        let rows: Vec<MovieRow> = with_pool!(self, pool => {
            let mut rows = Vec::new();
            for r in sqlx::query(MOVIE_COLS).fetch_all(pool).await? {
                rows.push(movie_row!(r));
            }
            rows
        });
        let mut movies = rows.into_iter().map(movie_of).collect::<Result<Vec<_>>>()?;
        cinerec_core::ids::sort_by_raw_id(&mut movies, |m| m.id.as_str());
        Ok(movies)
    }

    pub(crate) async fn read_user_ratings(&self, user: &str) -> Result<Vec<RatingRecord>> {
        let sql = self.backend.sql(
            "SELECT user_id, movie_id, rating, rated_at FROM ratings WHERE user_id = ? ORDER BY movie_id",
        );
        with_pool!(self, pool => {
            let rows = sqlx::query(AssertSqlSafe(sql)).bind(user).fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(RatingRecord {
                    user: r.try_get("user_id")?,
                    movie: r.try_get("movie_id")?,
                    rating: r.try_get::<f64, _>("rating")? as f32,
                    timestamp: r.try_get("rated_at")?,
                });
            }
            Ok(out)
        })
    }

    pub(crate) async fn read_counts(&self) -> Result<Counts> {
        let sql = "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM movies), \
                   (SELECT COUNT(*) FROM ratings), (SELECT COUNT(*) FROM models)";
        let c: [i64; 4] = with_pool!(self, pool => {
            let r = sqlx::query(sql).fetch_one(pool).await?;
            [r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?]
        });
        let u = |x: i64| x.max(0) as u64;
        Ok(Counts {
            users: u(c[0]),
            movies: u(c[1]),
            ratings: u(c[2]),
            models: u(c[3]),
        })
    }

    pub(crate) async fn read_dataset_info(&self) -> Result<DatasetInfo> {
        let rows: Vec<(String, String)> = with_pool!(self, pool => {
            let rows = sqlx::query("SELECT info_key, info_value FROM store_info").fetch_all(pool).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push((r.try_get(0)?, r.try_get(1)?));
            }
            out
        });
        info_of(rows)
    }
}

pub(super) fn info_of(rows: Vec<(String, String)>) -> Result<DatasetInfo> {
    let mut info = DatasetInfo::default();
    for (k, v) in rows {
        let bad = |e: serde_json::Error| StoreError::Corrupt {
            table: "store_info",
            why: format!("{k}: {e}"),
        };
        match k.as_str() {
            "dataset_name" => info.name = serde_json::from_str(&v).map_err(bad)?,
            "genre_names" => info.genre_names = serde_json::from_str(&v).map_err(bad)?,
            "rating_scale" => info.rating_scale = Some(serde_json::from_str(&v).map_err(bad)?),
            _ => {}
        }
    }
    Ok(info)
}

pub(super) fn build_dataset(
    users: Vec<UserRow>,
    movies: Vec<MovieRow>,
    info: DatasetInfo,
    user_map: IdMap,
    item_map: IdMap,
    inter: Interactions,
) -> Result<Dataset> {
    let mut user_meta = vec![UserMeta::default(); user_map.len()];
    for r in users {
        let Some(k) = user_map.get(&r.0) else {
            continue;
        };
        let u = user_of(r);
        user_meta[k as usize] = UserMeta {
            age: u.age,
            gender: u.gender,
            occupation: u.occupation,
            zip: u.zip,
        };
    }
    let mut genre_names = info.genre_names.clone();
    let mut records = Vec::with_capacity(movies.len());
    for r in movies {
        records.push(movie_of(r)?);
    }
    let mut extra: Vec<&str> = records
        .iter()
        .flat_map(|m| m.genres.iter().map(String::as_str))
        .filter(|g| !genre_names.iter().any(|n| n == g))
        .collect();
    extra.sort_unstable();
    extra.dedup();
    genre_names.extend(extra.into_iter().map(String::from));
    let genre_index: FxHashMap<&str, u16> = genre_names
        .iter()
        .enumerate()
        .map(|(k, g)| (g.as_str(), k as u16))
        .collect();
    let mut item_meta = vec![ItemMeta::default(); item_map.len()];
    for m in &records {
        let Some(k) = item_map.get(&m.id) else {
            continue;
        };
        item_meta[k as usize] = ItemMeta {
            title: m.title.clone(),
            year: m.year,
            genres: m
                .genres
                .iter()
                .filter_map(|g| genre_index.get(g.as_str()).copied())
                .collect(),
            tags: m.extra.tags.clone(),
            relations: m.extra.relations.clone(),
            links: m.extra.links.clone(),
        };
    }
    let catalog = Catalog {
        users: user_map,
        items: item_map,
        item_meta,
        user_meta,
        genre_names,
    };
    let name = if info.name.is_empty() {
        "store".to_string()
    } else {
        info.name
    };
    let mut d = Dataset::new(name, Arc::new(catalog), inter);
    if let Some((lo, hi)) = info.rating_scale {
        d.set_scale(lo, hi);
    }
    Ok(d)
}
