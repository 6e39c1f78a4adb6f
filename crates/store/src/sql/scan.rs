//! Whole-table reads for export: every user, and every rating streamed in batches through a
//! callback, so an export holds one batch of ratings at a time instead of the whole table.

use super::read::{UserRow, USER_COLS};
use super::SqlStore;
use crate::error::Result;
use crate::types::{RatingRecord, UserRecord};
use futures_util::TryStreamExt;
use sqlx::Row;

impl SqlStore {
    pub(crate) async fn read_users(&self) -> Result<Vec<UserRecord>> {
        let rows: Vec<UserRow> = with_pool!(self, pool => {
            let mut rows = Vec::new();
            let mut stream = sqlx::query(USER_COLS).fetch(pool);
            while let Some(r) = stream.try_next().await? {
                rows.push(user_row!(r));
            }
            rows
        });
        let mut users: Vec<UserRecord> = rows.into_iter().map(super::read::user_of).collect();
        cinerec_core::ids::sort_by_raw_id(&mut users, |u| u.id.as_str());
        Ok(users)
    }

    pub(crate) async fn stream_ratings(
        &self,
        batch: usize,
        sink: &mut (dyn for<'r> FnMut(&'r [RatingRecord]) -> bool + Send),
    ) -> Result<u64> {
        let batch = batch.max(1);
        let mut buf: Vec<RatingRecord> = Vec::with_capacity(batch);
        let mut n = 0u64;
        with_pool!(self, pool => {
            let mut stream =
                sqlx::query("SELECT user_id, movie_id, rating, rated_at FROM ratings").fetch(pool);
            while let Some(r) = stream.try_next().await? {
                buf.push(RatingRecord {
                    user: r.try_get(0)?,
                    movie: r.try_get(1)?,
                    rating: r.try_get::<f64, _>(2)? as f32,
                    timestamp: r.try_get(3)?,
                });
                if buf.len() >= batch {
                    n += buf.len() as u64;
                    if !sink(&buf[..]) {
                        return Ok(n);
                    }
                    buf.clear();
                }
            }
        });
        if !buf.is_empty() {
            n += buf.len() as u64;
            sink(&buf[..]);
        }
        Ok(n)
    }
}
