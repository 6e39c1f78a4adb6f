//! Loading the whole store as a [`Dataset`] ("training reads from the store"), from the
//! columnar snapshot when it is usable and through SQL when it is not, and writing
//! snapshots (after an import, after a load that had to read SQL, and as compaction when
//! the ratings written since the snapshot have grown large).
//!
//! One read transaction (REPEATABLE READ on PostgreSQL, a consistent snapshot on MySQL,
//! one read transaction on SQLite) reads users, movies, the dataset info, the dataset
//! version (`store_info.snapshot_base`) and the rating generation (`rating_gen`). The
//! snapshot file (read and checksummed on a blocking thread meanwhile) is usable when its
//! base is the store's and its mark is not ahead of the generation; then the rating log
//! rows of generations after its mark name every rating written or deleted since, whose
//! current values the same transaction reads (LEFT JOIN: a missing row is a deletion). So
//! the loaded dataset is the one the SQL read would give. Otherwise — no file, a damaged
//! or stale one — the ratings are streamed through SQL, a log line says why, and a new
//! snapshot is written from what was read.
//!
//! The catalogue is in arrival order: users (and movies) by `created_at` — one mark per
//! write of users or movies, see `arrival` — and by id within one write, so an imported
//! dataset loads in its own sorted order and users created later come after it. A model
//! fitted on an earlier load therefore finds its users first after a restart, and serves the
//! later ones by fold-in instead of being retrained (`cinerec_core::cold_users`).
//!
//! Generations are bumped under a row lock by every rating write (`write.rs`), so they
//! follow commit order: a write not visible to the read transaction has a generation
//! above the one it read.

use super::read::{build_dataset, info_of, MovieRow, UserRow, MOVIE_COLS, USER_COLS};
use super::SqlStore;
use crate::dialect::Backend;
use crate::error::{Result, StoreError};
use crate::snapshot::{self, Snapshot};
use crate::types::DatasetLoad;
use cinerec_core::ids::order_in_batches;
use cinerec_core::{Dataset, IdMap, Interactions};
use futures_util::TryStreamExt;
use rustc_hash::FxHashSet;
use sqlx::{AssertSqlSafe, Row};
use std::path::PathBuf;
use std::time::Instant;

/// A users or movies query that also reads when each row arrived (`created_at`). The
/// catalogue is in arrival order — the ids of one write (an import) sorted, later ones
/// after (`order_in_batches`) — so users and movies added through the API after a model's fit
/// come after the ones it was fitted on, and the model still serves the store after a restart.
fn with_arrival(cols: &str) -> String {
    cols.replacen(" FROM ", ", created_at FROM ", 1)
}

/// A rating-log row with the rating's current value (None: deleted since).
type DeltaRow = (String, String, Option<f64>, Option<i64>);

/// Ratings written since the snapshot above which a load writes a new one (compaction):
/// this many, or a twentieth of the snapshot, whichever is larger.
const COMPACT_AFTER: usize = 100_000;

/// The store as a dataset, plus the version and generation it was read at.
pub(crate) struct Loaded {
    pub data: Dataset,
    pub how: DatasetLoad,
    pub base: String,
    pub gen: i64,
    delta: usize,
}

/// How ratings were read inside the transaction.
enum Ratings {
    /// From the snapshot, with this many logged changes applied.
    Snapshot(Interactions, usize),
    /// Through SQL, for this reason.
    Sql(Interactions, String),
}

fn begin_statement(b: Backend) -> &'static str {
    match b {
        Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ",
        Backend::MySql => "START TRANSACTION WITH CONSISTENT SNAPSHOT",
        Backend::Sqlite => "BEGIN",
    }
}

/// Streams every rating through SQL into inner ids of the two maps.
macro_rules! sql_ratings {
    ($conn:expr, $um:expr, $im:expr) => {{
        let mut inter = Interactions::default();
        let mut stream =
            sqlx::query("SELECT user_id, movie_id, rating, rated_at FROM ratings").fetch($conn);
        while let Some(r) = stream.try_next().await? {
            let u: &str = r.try_get(0)?;
            let m: &str = r.try_get(1)?;
            let (Some(ui), Some(mi)) = ($um.get(u), $im.get(m)) else {
                return Err(StoreError::Corrupt {
                    table: "ratings",
                    why: format!("rating ({u}, {m}) names an unknown user or movie"),
                });
            };
            let v: f64 = r.try_get(2)?;
            let t: i64 = r.try_get(3)?;
            inter.push(ui, mi, v as f32, clamp_time(t));
        }
        inter
    }};
}

fn clamp_time(t: i64) -> u32 {
    t.clamp(0, u32::MAX as i64) as u32
}

/// The snapshot's id list mapped onto the store's inner ids (None: the same list).
fn remap(ids: &[String], map: &IdMap) -> std::result::Result<Option<Vec<u32>>, String> {
    if ids == map.raws() {
        return Ok(None);
    }
    ids.iter()
        .map(|id| {
            map.get(id)
                .ok_or_else(|| format!("id {id} is no longer in the store"))
        })
        .collect::<std::result::Result<Vec<u32>, String>>()
        .map(Some)
}

/// The snapshot's ratings in the store's inner ids with the logged changes applied.
fn apply(
    s: Snapshot,
    delta: Vec<DeltaRow>,
    um: &IdMap,
    im: &IdMap,
) -> std::result::Result<(Interactions, usize), String> {
    let ur = remap(&s.users, um)?;
    let ir = remap(&s.items, im)?;
    let key = |u: u32, i: u32| (u64::from(u) << 32) | u64::from(i);
    let mut hit: FxHashSet<u64> = FxHashSet::default();
    let mut add = Interactions::default();
    for (u, m, v, t) in &delta {
        let (Some(ui), Some(mi)) = (um.get(u), im.get(m)) else {
            return Err(format!("the rating log names ({u}, {m}), not in the store"));
        };
        if hit.insert(key(ui, mi)) {
            if let (Some(v), Some(t)) = (v, t) {
                add.push(ui, mi, *v as f32, clamp_time(*t));
            }
        }
    }
    let n_changed = hit.len();
    if ur.is_none() && ir.is_none() && hit.is_empty() {
        return Ok((s.inter, 0));
    }
    let src = s.inter;
    let mut out = Interactions::with_capacity(src.len() + add.len());
    for k in 0..src.len() {
        let u = ur
            .as_ref()
            .map_or(src.users[k], |r| r[src.users[k] as usize]);
        let i = ir
            .as_ref()
            .map_or(src.items[k], |r| r[src.items[k] as usize]);
        if !hit.is_empty() && hit.contains(&key(u, i)) {
            continue;
        }
        out.push(u, i, src.values[k], src.times[k]);
    }
    out.extend(&add);
    Ok((out, n_changed))
}

/// Why a snapshot cannot serve a store at version `base`, generation `gen`.
fn stale(s: &Snapshot, base: &str, gen: i64) -> Option<String> {
    if s.header.base != base {
        return Some(format!(
            "it is of dataset version `{}`, the store is at `{base}` (imported since)",
            s.header.base
        ));
    }
    (s.header.mark > gen).then(|| {
        format!(
            "it is ahead of the store (generation {} > {gen})",
            s.header.mark
        )
    })
}

impl SqlStore {
    /// The rating generation and dataset version now (outside any transaction).
    pub(crate) async fn generation(&self) -> Result<(i64, String)> {
        with_pool!(self, pool => {
            let g: i64 = sqlx::query_scalar("SELECT gen FROM rating_gen WHERE id = 1")
                .fetch_one(pool).await?;
            let b: Option<String> = sqlx::query_scalar(
                "SELECT info_value FROM store_info WHERE info_key = 'snapshot_base'")
                .fetch_optional(pool).await?;
            Ok((g, b.unwrap_or_default()))
        })
    }

    /// Loads the store as a dataset (see the module docs); `use_snapshot = false` reads SQL.
    pub(crate) async fn load(&self, use_snapshot: bool) -> Result<Loaded> {
        let t = Instant::now();
        let path = self.snapshot.clone().filter(|_| use_snapshot);
        let mut file = path
            .clone()
            .map(|p| tokio::task::spawn_blocking(move || snapshot::read(&p)));
        let begin = begin_statement(self.backend);
        let (users, movies, info_rows, base, gen, um, im, ratings) = with_pool!(self, pool => {
            let mut tx = pool.begin_with(begin).await?;
            let mut users: Vec<UserRow> = Vec::new();
            let mut user_order: Vec<(i64, String)> = Vec::new();
            for r in sqlx::query(AssertSqlSafe(with_arrival(USER_COLS))).fetch_all(&mut *tx).await? {
                let u: UserRow = user_row!(r);
                user_order.push((r.try_get("created_at")?, u.0.clone()));
                users.push(u);
            }
            let mut movies: Vec<MovieRow> = Vec::new();
            let mut movie_order: Vec<(i64, String)> = Vec::new();
            for r in sqlx::query(AssertSqlSafe(with_arrival(MOVIE_COLS))).fetch_all(&mut *tx).await? {
                let m: MovieRow = movie_row!(r);
                movie_order.push((r.try_get("created_at")?, m.0.clone()));
                movies.push(m);
            }
            let mut info_rows: Vec<(String, String)> = Vec::new();
            let mut base = String::new();
            for r in sqlx::query("SELECT info_key, info_value FROM store_info").fetch_all(&mut *tx).await? {
                let (k, v): (String, String) = (r.try_get(0)?, r.try_get(1)?);
                if k == "snapshot_base" {
                    base = v;
                } else {
                    info_rows.push((k, v));
                }
            }
            let gen: i64 = sqlx::query_scalar("SELECT gen FROM rating_gen WHERE id = 1")
                .fetch_one(&mut *tx).await?;
            let um = IdMap::from_ordered(order_in_batches(user_order));
            let im = IdMap::from_ordered(order_in_batches(movie_order));
            let snap: std::result::Result<Snapshot, String> = match file.take() {
                None => Err(if use_snapshot { "the store has no snapshot location" } else { "asked for" }.into()),
                Some(task) => match task.await {
                    Ok(Ok(Some(s))) => stale(&s, &base, gen).map_or(Ok(s), |why| Err(format!("snapshot unusable: {why}"))),
                    Ok(Ok(None)) => Err("no snapshot file yet".into()),
                    Ok(Err(e)) => Err(e.to_string()),
                    Err(e) => Err(format!("reading the snapshot: {e}")),
                },
            };
            let ratings = match snap {
                Ok(s) => {
                    let sql = self.backend.sql(
                        "SELECT l.user_id, l.movie_id, r.rating, r.rated_at FROM rating_log l \
                         LEFT JOIN ratings r ON r.user_id = l.user_id AND r.movie_id = l.movie_id \
                         WHERE l.gen > ? AND l.gen <= ?");
                    let mut delta: Vec<DeltaRow> = Vec::new();
                    for r in sqlx::query(AssertSqlSafe(sql)).bind(s.header.mark).bind(gen).fetch_all(&mut *tx).await? {
                        delta.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?));
                    }
                    match apply(s, delta, &um, &im) {
                        Ok((inter, n)) => Ratings::Snapshot(inter, n),
                        Err(why) => Ratings::Sql(sql_ratings!(&mut *tx, um, im), format!("snapshot unusable: {why}")),
                    }
                }
                Err(why) => Ratings::Sql(sql_ratings!(&mut *tx, um, im), why),
            };
            tx.commit().await?;
            (users, movies, info_rows, base, gen, um, im, ratings)
        });
        let info = info_of(info_rows)?;
        let (inter, how, delta) = match ratings {
            Ratings::Snapshot(inter, n) => (inter, DatasetLoad::Snapshot { changes: n as u64 }, n),
            Ratings::Sql(inter, why) => (inter, DatasetLoad::Sql { why }, 0),
        };
        let data = build_dataset(users, movies, info, um, im, inter)?;
        match &how {
            DatasetLoad::Snapshot { changes } => tracing::info!(
                ratings = data.n_ratings(),
                changes,
                seconds = t.elapsed().as_secs_f64(),
                "store loaded from its ratings snapshot and the changes since"
            ),
            DatasetLoad::Sql { why } if use_snapshot => tracing::warn!(
                ratings = data.n_ratings(),
                seconds = t.elapsed().as_secs_f64(),
                "store ratings read through SQL ({why})"
            ),
            DatasetLoad::Sql { .. } => {}
        }
        Ok(Loaded {
            data,
            how,
            base,
            gen,
            delta,
        })
    }

    /// Loads the store and keeps its snapshot current: one is written after a load that read
    /// SQL, or when the changes since the snapshot have grown past [`COMPACT_AFTER`].
    pub(crate) async fn load_and_keep(&self) -> Result<(Dataset, DatasetLoad)> {
        let l = self.load(true).await?;
        let due = match l.how {
            DatasetLoad::Sql { .. } => true,
            DatasetLoad::Snapshot { .. } => l.delta > COMPACT_AFTER.max(l.data.n_ratings() / 20),
        };
        if due {
            if let Err(e) = self.write_snapshot_of(&l.data, &l.base, l.gen).await {
                tracing::warn!(error = %e, "could not write the ratings snapshot");
            }
        }
        Ok((l.data, l.how))
    }

    /// Writes `data` (the store at version `base`, generation `gen`) as the snapshot;
    /// returns its path (None when the store has no snapshot location).
    pub(crate) async fn write_snapshot_of(
        &self,
        data: &Dataset,
        base: &str,
        gen: i64,
    ) -> Result<Option<PathBuf>> {
        let Some(path) = self.snapshot.clone() else {
            return Ok(None);
        };
        let t = Instant::now();
        // On this thread (no copy of the dataset): ~1 s per 0.5 GB (32M ratings), once per
        // import or compaction.
        snapshot::write(&path, data, base, gen)?;
        tracing::info!(path = %path.display(), gen, seconds = t.elapsed().as_secs_f64(), "ratings snapshot written");
        Ok(Some(path))
    }

    /// Compaction: a fresh snapshot of the store as it is now.
    pub(crate) async fn compact(&self) -> Result<Option<PathBuf>> {
        let l = self.load(true).await?;
        self.write_snapshot_of(&l.data, &l.base, l.gen).await
    }
}
