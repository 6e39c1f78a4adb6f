//! Rows ready to write: validation and encoding of users, movies, ratings values and the
//! dataset info (before any transaction starts), and the `exec_*!` macros that write them
//! with multi-row upserts inside a transaction the caller owns. Shared by the per-call
//! upserts (`write.rs`) and the bulk import (`bulk*.rs`), so both write the same columns.

use crate::error::{Result, StoreError};
use crate::types::{check_id, DatasetInfo, MovieRecord, UserRecord};
use rustc_hash::FxHashMap;
use std::hash::Hash;

/// Columns of `users`, in bind order.
pub(crate) const USER_COLS: [&str; 6] = ["id", "age", "gender", "occupation", "zip", "created_at"];
/// Columns of `users` an upsert replaces (`created_at` is kept).
pub(crate) const USER_UPDATE: [&str; 4] = ["age", "gender", "occupation", "zip"];
/// Columns of `movies`, in bind order.
pub(crate) const MOVIE_COLS: [&str; 6] =
    ["id", "title", "year", "genres", "metadata", "created_at"];
/// Columns of `movies` an upsert replaces.
pub(crate) const MOVIE_UPDATE: [&str; 4] = ["title", "year", "genres", "metadata"];
/// Columns of `ratings`, in bind order.
pub(crate) const RATING_COLS: [&str; 4] = ["user_id", "movie_id", "rating", "rated_at"];
/// Columns of `ratings` an upsert replaces.
pub(crate) const RATING_UPDATE: [&str; 2] = ["rating", "rated_at"];
/// Key of `ratings`.
pub(crate) const RATING_KEY: [&str; 2] = ["user_id", "movie_id"];

/// The records with, for every key, only the last occurrence (in input order). PostgreSQL
/// refuses to upsert one key twice in a statement, and "last one wins" is what sequential
/// single upserts would do.
pub(crate) fn last_per_key<'a, T, K: Hash + Eq>(
    items: &'a [T],
    key: impl Fn(&'a T) -> K,
) -> Vec<&'a T> {
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

/// Validated users, the last record per id.
pub(crate) fn user_rows(users: &[UserRecord]) -> Result<Vec<&UserRecord>> {
    for u in users {
        check_id("user", &u.id)?;
        check_text("user", "gender", &u.gender)?;
        check_text("user", "occupation", &u.occupation)?;
        check_text("user", "zip", &u.zip)?;
    }
    Ok(last_per_key(users, |u| u.id.as_str()))
}

/// A movie with its genres and metadata encoded as the columns store them.
pub(crate) struct EncodedMovie<'a> {
    pub id: &'a str,
    pub title: Option<&'a str>,
    pub year: Option<i64>,
    pub genres: String,
    pub meta: String,
}

/// Validated, encoded movies (every record; see [`last_per_key`] for one per id).
pub(crate) fn encode_movies(movies: &[MovieRecord]) -> Result<Vec<EncodedMovie<'_>>> {
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
        encoded.push(EncodedMovie {
            id: &m.id,
            title: m.title.as_deref(),
            year: m.year.map(i64::from),
            genres: m.genres.join("|"),
            meta,
        });
    }
    Ok(encoded)
}

/// One rating as the `ratings` columns hold it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RatingRow<'a> {
    pub user: &'a str,
    pub movie: &'a str,
    pub rating: f64,
    pub time: i64,
}

impl<'a> RatingRow<'a> {
    /// The row of a record.
    pub fn of(r: &'a crate::types::RatingRecord) -> Self {
        RatingRow {
            user: &r.user,
            movie: &r.movie,
            rating: f64::from(r.rating),
            time: r.timestamp,
        }
    }
}

/// A rating value the store accepts (finite).
pub(crate) fn check_rating(user: &str, movie: &str, v: f32) -> Result<()> {
    if v.is_finite() {
        return Ok(());
    }
    Err(StoreError::Invalid {
        what: "rating",
        why: format!("value {v} for ({user}, {movie}) is not finite"),
    })
}

/// The `store_info` rows of a dataset info: (key, JSON value).
pub(crate) fn info_rows(info: &DatasetInfo) -> Result<Vec<(&'static str, String)>> {
    let enc = |v: serde_json::Result<String>| {
        v.map_err(|e| StoreError::Invalid {
            what: "dataset info",
            why: e.to_string(),
        })
    };
    let mut set = vec![
        ("dataset_name", enc(serde_json::to_string(&info.name))?),
        (
            "genre_names",
            enc(serde_json::to_string(&info.genre_names))?,
        ),
    ];
    if let Some(s) = info.rating_scale {
        set.push(("rating_scale", enc(serde_json::to_string(&s))?));
    }
    Ok(set)
}

/// Upserts `$rows` (`&[&UserRecord]`) on the connection `$conn` (inside the caller's
/// transaction), `$per` rows per statement, `created_at` = `$t` for new users.
macro_rules! exec_users {
    ($conn:expr, $b:expr, $rows:expr, $t:expr, $per:expr) => {{
        use $crate::sql::rows::{USER_COLS, USER_UPDATE};
        for chunk in $rows.chunks($per) {
            let sql = $b.upsert("users", &USER_COLS, &["id"], &USER_UPDATE, chunk.len());
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for u in chunk {
                q = q
                    .bind(u.id.as_str())
                    .bind(u.age.map(i64::from))
                    .bind(u.gender.as_deref())
                    .bind(u.occupation.as_deref())
                    .bind(u.zip.as_deref())
                    .bind($t);
            }
            q.execute(&mut *$conn).await?;
        }
    }};
}

/// Upserts `$rows` (`&[&EncodedMovie]`) on `$conn`, like [`exec_users!`].
macro_rules! exec_movies {
    ($conn:expr, $b:expr, $rows:expr, $t:expr, $per:expr) => {{
        use $crate::sql::rows::{MOVIE_COLS, MOVIE_UPDATE};
        for chunk in $rows.chunks($per) {
            let sql = $b.upsert("movies", &MOVIE_COLS, &["id"], &MOVIE_UPDATE, chunk.len());
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for m in chunk {
                q = q
                    .bind(m.id)
                    .bind(m.title)
                    .bind(m.year)
                    .bind(m.genres.as_str())
                    .bind(m.meta.as_str())
                    .bind($t);
            }
            q.execute(&mut *$conn).await?;
        }
    }};
}

/// Writes the `store_info` rows `$set` on `$conn`; without a rating scale the recorded one
/// is removed.
macro_rules! exec_info {
    ($conn:expr, $b:expr, $set:expr, $has_scale:expr) => {{
        let up = $b.upsert(
            "store_info",
            &["info_key", "info_value"],
            &["info_key"],
            &["info_value"],
            1,
        );
        for (k, v) in $set {
            sqlx::query(sqlx::AssertSqlSafe(up.clone()))
                .bind(*k)
                .bind(v.as_str())
                .execute(&mut *$conn)
                .await?;
        }
        if !$has_scale {
            let del = $b.sql("DELETE FROM store_info WHERE info_key = ?");
            sqlx::query(sqlx::AssertSqlSafe(del))
                .bind("rating_scale")
                .execute(&mut *$conn)
                .await?;
        }
    }};
}

/// Upserts one multi-row statement of `$chunk` (`&[RatingRow]`) on `$conn`.
macro_rules! exec_ratings {
    ($conn:expr, $b:expr, $chunk:expr) => {{
        use $crate::sql::rows::{RATING_COLS, RATING_KEY, RATING_UPDATE};
        let sql = $b.upsert(
            "ratings",
            &RATING_COLS,
            &RATING_KEY,
            &RATING_UPDATE,
            $chunk.len(),
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in $chunk {
            q = q.bind(r.user).bind(r.movie).bind(r.rating).bind(r.time);
        }
        q.execute(&mut *$conn).await?;
    }};
}
