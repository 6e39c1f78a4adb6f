//! Writes of [`SqlStore`]: multi-row upserts of users, movies and ratings (one transaction
//! per call, statements of up to 1000 rows), deleting a rating, and the dataset info.
//! Input is validated before the transaction starts. Every transaction that writes or
//! deletes ratings first bumps the rating generation (`rating_gen`, a row lock held to the
//! commit, so generations follow commit order) and records the (user, movie) pairs it
//! changed in `rating_log` under it: what a load from the ratings snapshot reads
//! incrementally (`snapload.rs`) and replicas follow (`changes.rs`: the writer's origin is
//! recorded in `rating_origin` when it named itself, and PostgreSQL is NOTIFYed).

use super::rows::{
    check_rating, encode_movies, info_rows, last_per_key, user_rows, RatingRow, RATING_COLS,
};
use super::{arrival, SqlStore};
use crate::error::Result;
use crate::types::{check_id, DatasetInfo, MovieRecord, RatingRecord, UserRecord};
use sqlx::AssertSqlSafe;

/// Bumps the rating generation on `$conn` (inside the caller's transaction) and logs the
/// `(user, movie)` pairs of `$pairs` under it, with the store's origin when set, and
/// NOTIFYs the generation (PostgreSQL).
macro_rules! log_changes {
    ($conn:expr, $b:expr, $origin:expr, $pairs:expr) => {{
        sqlx::query("UPDATE rating_gen SET gen = gen + 1 WHERE id = 1")
            .execute(&mut *$conn)
            .await?;
        let g: i64 = sqlx::query_scalar("SELECT gen FROM rating_gen WHERE id = 1")
            .fetch_one(&mut *$conn)
            .await?;
        let cols = ["gen", "user_id", "movie_id"];
        for chunk in $pairs.chunks($b.rows_per_statement(cols.len())) {
            let sql = $b.upsert("rating_log", &cols, &cols, &[], chunk.len());
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (u, m) in chunk {
                q = q.bind(g).bind(*u).bind(*m);
            }
            q.execute(&mut *$conn).await?;
        }
        if let Some(o) = $origin {
            let sql = $b.sql("INSERT INTO rating_origin (gen, origin) VALUES (?, ?)");
            sqlx::query(AssertSqlSafe(sql))
                .bind(g)
                .bind(o.as_str())
                .execute(&mut *$conn)
                .await?;
        }
        notify!($conn, $b, super::changes::RATINGS_CHANNEL, g.to_string());
    }};
}

impl SqlStore {
    pub(crate) async fn write_users(&self, users: &[UserRecord]) -> Result<u64> {
        let rows = user_rows(users)?;
        let b = self.backend;
        let t = arrival();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            exec_users!(&mut *tx, b, &rows, t, b.rows_per_statement(USER_COLS.len()));
            tx.commit().await?;
        });
        Ok(rows.len() as u64)
    }

    pub(crate) async fn write_movies(&self, movies: &[MovieRecord]) -> Result<u64> {
        let encoded = encode_movies(movies)?;
        let rows = last_per_key(&encoded, |e| e.id);
        let b = self.backend;
        let t = arrival();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            exec_movies!(&mut *tx, b, &rows, t, b.rows_per_statement(MOVIE_COLS.len()));
            notify!(&mut *tx, b, super::changes::MOVIES_CHANNEL, "");
            tx.commit().await?;
        });
        Ok(rows.len() as u64)
    }

    pub(crate) async fn write_ratings(&self, ratings: &[RatingRecord]) -> Result<u64> {
        for r in ratings {
            check_id("rating user", &r.user)?;
            check_id("rating movie", &r.movie)?;
            check_rating(&r.user, &r.movie, r.rating)?;
        }
        let rows: Vec<RatingRow<'_>> =
            last_per_key(ratings, |r| (r.user.as_str(), r.movie.as_str()))
                .into_iter()
                .map(RatingRow::of)
                .collect();
        let b = self.backend;
        let per = b.rows_per_statement(RATING_COLS.len());
        let pairs: Vec<(&str, &str)> = rows.iter().map(|r| (r.user, r.movie)).collect();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            log_changes!(&mut *tx, b, self.origin.get(), &pairs);
            for chunk in rows.chunks(per) {
                exec_ratings!(&mut *tx, b, chunk);
            }
            tx.commit().await?;
        });
        Ok(rows.len() as u64)
    }

    pub(crate) async fn remove_rating(&self, user: &str, movie: &str) -> Result<bool> {
        let sql = self
            .backend
            .sql("DELETE FROM ratings WHERE user_id = ? AND movie_id = ?");
        let b = self.backend;
        let n = with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            // The generation first, as every rating write takes its locks (no deadlock).
            log_changes!(&mut *tx, b, self.origin.get(), &[(user, movie)]);
            let n = sqlx::query(AssertSqlSafe(sql))
                .bind(user)
                .bind(movie)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            n
        });
        Ok(n > 0)
    }

    pub(crate) async fn write_dataset_info(&self, info: &DatasetInfo) -> Result<()> {
        let set = info_rows(info)?;
        let b = self.backend;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            exec_info!(&mut *tx, b, &set, info.rating_scale.is_some());
            tx.commit().await?;
        });
        Ok(())
    }
}
