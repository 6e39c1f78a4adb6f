//! The model registry of [`SqlStore`]: register, list, activate, get the active model.
//!
//! "Active" is the nullable `models.active` column under a UNIQUE index: 1 for the active
//! model, NULL for every other, so the database itself refuses two active models (NULLs do
//! not collide in a unique index on any of the three backends). Activation clears the old
//! flag and sets the new one in one transaction; a concurrent activation that loses the race
//! hits the unique index, and is retried. On PostgreSQL an activation NOTIFYs
//! `cinerec_models` at commit, so every replica switches (`changes.rs`).

use super::{now, SqlStore};
use crate::dialect::Backend;
use crate::error::{Result, StoreError};
use crate::types::{ModelRecord, NewModel};
use sqlx::{AssertSqlSafe, Row};

const COLS: &str =
    "SELECT version, algorithm, params, dataset_hash, metrics, created_at, artifact, active FROM models";

/// A models row before JSON decoding.
type ModelRow = (
    i64,
    String,
    String,
    String,
    Option<String>,
    i64,
    String,
    Option<i64>,
);

fn model_of(r: ModelRow) -> Result<ModelRecord> {
    let bad = |what: &str, e: serde_json::Error| StoreError::Corrupt {
        table: "models",
        why: format!("{what} of version {}: {e}", r.0),
    };
    let params = serde_json::from_str(&r.2).map_err(|e| bad("params", e))?;
    let metrics = match &r.4 {
        Some(s) => Some(serde_json::from_str(s).map_err(|e| bad("metrics", e))?),
        None => None,
    };
    Ok(ModelRecord {
        version: r.0,
        algorithm: r.1,
        params,
        dataset_hash: r.3,
        metrics,
        created_at: r.5,
        artifact: r.6,
        active: r.7 == Some(1),
    })
}

/// Decodes a models row (any backend).
macro_rules! model_row {
    ($r:expr) => {
        columns!(
            $r,
            "version",
            "algorithm",
            "params",
            "dataset_hash",
            "metrics",
            "created_at",
            "artifact",
            "active",
        )
    };
}

impl SqlStore {
    pub(crate) async fn insert_model(&self, m: &NewModel) -> Result<ModelRecord> {
        if m.algorithm.is_empty() {
            return Err(StoreError::Invalid {
                what: "model",
                why: "empty algorithm name".into(),
            });
        }
        let params = m.params.to_string();
        let metrics = m.metrics.as_ref().map(|v| v.to_string());
        let b = self.backend;
        let mut sql = b.sql(
            "INSERT INTO models (algorithm, params, dataset_hash, metrics, created_at, artifact, active) \
             VALUES (?, ?, ?, ?, ?, ?, NULL)",
        );
        if b != Backend::MySql {
            sql.push_str(" RETURNING version");
        }
        let t = now();
        macro_rules! q {
            () => {
                sqlx::query(AssertSqlSafe(sql))
                    .bind(m.algorithm.as_str())
                    .bind(params.as_str())
                    .bind(m.dataset_hash.as_str())
                    .bind(metrics.as_deref())
                    .bind(t)
                    .bind(m.artifact.as_str())
            };
        }
        let version: i64 = match &self.pool {
            super::Pool::Sqlite(p) => q!().fetch_one(p).await?.try_get(0)?,
            super::Pool::Postgres(p) => q!().fetch_one(p).await?.try_get(0)?,
            super::Pool::MySql(p) => q!().execute(p).await?.last_insert_id() as i64,
        };
        self.read_models(Some(version))
            .await?
            .into_iter()
            .next()
            .ok_or(StoreError::ModelNotFound(version))
    }

    pub(crate) async fn read_models(&self, version: Option<i64>) -> Result<Vec<ModelRecord>> {
        let sql = match version {
            Some(_) => self.backend.sql(&format!("{COLS} WHERE version = ?")),
            None => format!("{COLS} ORDER BY version"),
        };
        let rows: Vec<ModelRow> = with_pool!(self, pool => {
            let mut q = sqlx::query(AssertSqlSafe(sql));
            if let Some(v) = version {
                q = q.bind(v);
            }
            let mut out = Vec::new();
            for r in q.fetch_all(pool).await? {
                out.push(model_row!(r));
            }
            out
        });
        rows.into_iter().map(model_of).collect()
    }

    pub(crate) async fn read_active(&self) -> Result<Option<ModelRecord>> {
        let sql = format!("{COLS} WHERE active = 1");
        let row: Option<ModelRow> = with_pool!(self, pool => {
            match sqlx::query(AssertSqlSafe(sql)).fetch_optional(pool).await? {
                Some(r) => Some(model_row!(r)),
                None => None,
            }
        });
        row.map(model_of).transpose()
    }

    pub(crate) async fn activate(&self, version: i64) -> Result<ModelRecord> {
        let mut attempt = 0;
        loop {
            match self.activate_once(version).await {
                Err(StoreError::Constraint { .. }) if attempt < 5 => attempt += 1,
                Err(e) => return Err(e),
                Ok(()) => break,
            }
        }
        self.read_models(Some(version))
            .await?
            .into_iter()
            .next()
            .ok_or(StoreError::ModelNotFound(version))
    }

    /// One attempt: check the version exists, clear the flag, set it, commit.
    async fn activate_once(&self, version: i64) -> Result<()> {
        let b = self.backend;
        let exists = b.sql("SELECT version FROM models WHERE version = ?");
        let clear = b.sql("UPDATE models SET active = NULL WHERE active = 1 AND version <> ?");
        let set = b.sql("UPDATE models SET active = 1 WHERE version = ?");
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let found = sqlx::query(AssertSqlSafe(exists)).bind(version).fetch_optional(&mut *tx).await?;
            if found.is_none() {
                tx.rollback().await?;
                return Err(StoreError::ModelNotFound(version));
            }
            sqlx::query(AssertSqlSafe(clear)).bind(version).execute(&mut *tx).await?;
            sqlx::query(AssertSqlSafe(set)).bind(version).execute(&mut *tx).await?;
            notify!(&mut *tx, b, super::changes::MODELS_CHANNEL, version.to_string());
            tx.commit().await?;
        });
        Ok(())
    }
}
