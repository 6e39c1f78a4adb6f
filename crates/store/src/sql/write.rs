//! Writes of [`SqlStore`]: multi-row upserts of users, movies and ratings (one transaction
//! per call, statements of up to 1000 rows), deleting a rating, and the dataset info.
//! Input is validated before the transaction starts.

use super::{now, SqlStore};
use crate::error::{Result, StoreError};
use crate::types::{check_id, DatasetInfo, MovieRecord, RatingRecord, UserRecord};
use rustc_hash::FxHashMap;
use sqlx::AssertSqlSafe;
use std::hash::Hash;

/// The records with, for every key, only the last occurrence (in input order). PostgreSQL
/// refuses to upsert one key twice in a statement, and "last one wins" is what sequential
/// single upserts would do.
fn last_per_key<'a, T, K: Hash + Eq>(items: &'a [T], key: impl Fn(&'a T) -> K) -> Vec<&'a T> {
    let mut last: FxHashMap<K, usize> = FxHashMap::default();
    for (k, it) in items.iter().enumerate() {
        last.insert(key(it), k);
    }
    if last.len() == items.len() {
        return items.iter().collect();
    }
    items
        .iter()
        .enumerate()
        .filter(|(k, it)| last.get(&key(it)) == Some(k))
        .map(|(_, it)| it)
        .collect()
}

fn check_text(what: &'static str, field: &str, v: &Option<String>) -> Result<()> {
    match v {
        Some(s) if s.chars().any(|c| c == '\0') => Err(StoreError::Invalid {
            what,
            why: format!("{field} contains a NUL character"),
        }),
        _ => Ok(()),
    }
}

impl SqlStore {
    pub(crate) async fn write_users(&self, users: &[UserRecord]) -> Result<u64> {
        for u in users {
            check_id("user", &u.id)?;
            check_text("user", "gender", &u.gender)?;
            check_text("user", "occupation", &u.occupation)?;
            check_text("user", "zip", &u.zip)?;
        }
        let rows = last_per_key(users, |u| u.id.as_str());
        let b = self.backend;
        let cols = ["id", "age", "gender", "occupation", "zip", "created_at"];
        let update = ["age", "gender", "occupation", "zip"];
        let per = b.rows_per_statement(cols.len());
        let t = now();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for chunk in rows.chunks(per) {
                let sql = b.upsert("users", &cols, &["id"], &update, chunk.len());
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for u in chunk {
                    q = q
                        .bind(u.id.as_str())
                        .bind(u.age.map(i64::from))
                        .bind(u.gender.as_deref())
                        .bind(u.occupation.as_deref())
                        .bind(u.zip.as_deref())
                        .bind(t);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(rows.len() as u64)
    }

    pub(crate) async fn write_movies(&self, movies: &[MovieRecord]) -> Result<u64> {
        let mut encoded = Vec::with_capacity(movies.len());
        for m in movies {
            check_id("movie", &m.id)?;
            check_text("movie", "title", &m.title)?;
            if let Some(g) = m
                .genres
                .iter()
                .find(|g| g.is_empty() || g.contains(['|', '\0']))
            {
                return Err(StoreError::Invalid {
                    what: "movie",
                    why: format!(
                        "genre name `{}` is empty or contains `|`",
                        g.escape_default()
                    ),
                });
            }
            let meta = serde_json::to_string(&m.extra).map_err(|e| StoreError::Invalid {
                what: "movie",
                why: format!("metadata cannot be encoded: {e}"),
            })?;
            encoded.push((m, m.genres.join("|"), meta));
        }
        let rows = last_per_key(&encoded, |e| e.0.id.as_str());
        let b = self.backend;
        let cols = ["id", "title", "year", "genres", "metadata", "created_at"];
        let update = ["title", "year", "genres", "metadata"];
        let per = b.rows_per_statement(cols.len());
        let t = now();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for chunk in rows.chunks(per) {
                let sql = b.upsert("movies", &cols, &["id"], &update, chunk.len());
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for (m, genres, meta) in chunk.iter().map(|e| (&e.0, &e.1, &e.2)) {
                    q = q
                        .bind(m.id.as_str())
                        .bind(m.title.as_deref())
                        .bind(m.year.map(i64::from))
                        .bind(genres.as_str())
                        .bind(meta.as_str())
                        .bind(t);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(rows.len() as u64)
    }

    pub(crate) async fn write_ratings(&self, ratings: &[RatingRecord]) -> Result<u64> {
        for r in ratings {
            check_id("rating user", &r.user)?;
            check_id("rating movie", &r.movie)?;
            if !r.rating.is_finite() {
                return Err(StoreError::Invalid {
                    what: "rating",
                    why: format!(
                        "value {} for ({}, {}) is not finite",
                        r.rating, r.user, r.movie
                    ),
                });
            }
        }
        let rows = last_per_key(ratings, |r| (r.user.as_str(), r.movie.as_str()));
        let b = self.backend;
        let cols = ["user_id", "movie_id", "rating", "rated_at"];
        let update = ["rating", "rated_at"];
        let per = b.rows_per_statement(cols.len());
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for chunk in rows.chunks(per) {
                let sql = b.upsert("ratings", &cols, &["user_id", "movie_id"], &update, chunk.len());
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for r in chunk {
                    q = q
                        .bind(r.user.as_str())
                        .bind(r.movie.as_str())
                        .bind(f64::from(r.rating))
                        .bind(r.timestamp);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(rows.len() as u64)
    }

    pub(crate) async fn remove_rating(&self, user: &str, movie: &str) -> Result<bool> {
        let sql = self
            .backend
            .sql("DELETE FROM ratings WHERE user_id = ? AND movie_id = ?");
        let n = with_pool!(self, pool => {
            sqlx::query(AssertSqlSafe(sql))
                .bind(user)
                .bind(movie)
                .execute(pool)
                .await?
                .rows_affected()
        });
        Ok(n > 0)
    }

    pub(crate) async fn write_dataset_info(&self, info: &DatasetInfo) -> Result<()> {
        let enc = |v: &dyn erased::Ser| {
            v.json().map_err(|e| StoreError::Invalid {
                what: "dataset info",
                why: e.to_string(),
            })
        };
        let mut set = vec![
            ("dataset_name", enc(&info.name)?),
            ("genre_names", enc(&info.genre_names)?),
        ];
        if let Some(s) = info.rating_scale {
            set.push(("rating_scale", enc(&s)?));
        }
        let b = self.backend;
        let up = b.upsert(
            "store_info",
            &["info_key", "info_value"],
            &["info_key"],
            &["info_value"],
            1,
        );
        let del = b.sql("DELETE FROM store_info WHERE info_key = ?");
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for (k, v) in &set {
                sqlx::query(AssertSqlSafe(up.clone())).bind(*k).bind(v.as_str()).execute(&mut *tx).await?;
            }
            if info.rating_scale.is_none() {
                sqlx::query(AssertSqlSafe(del.clone())).bind("rating_scale").execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}

/// A tiny object-safe "serialize to JSON" so one closure encodes values of several types.
mod erased {
    pub trait Ser {
        fn json(&self) -> serde_json::Result<String>;
    }
    impl<T: serde::Serialize> Ser for T {
        fn json(&self) -> serde_json::Result<String> {
            serde_json::to_string(self)
        }
    }
}
