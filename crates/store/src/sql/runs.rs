//! The experiment history of [`SqlStore`]: the `runs` table (migration 2), one row per
//! recorded run with its whole record as JSON. Runs are only ever added; the id is the
//! primary key, so recording one id twice is a constraint error that changes nothing.

use super::SqlStore;
use crate::error::{Result, StoreError};
use crate::types::{check_id, RunEntry};
use sqlx::{AssertSqlSafe, Row};

const COLS: &str = "SELECT id, kind, created_at, record FROM runs";

fn run_of((id, kind, created_at, record): (String, String, i64, String)) -> Result<RunEntry> {
    let record = serde_json::from_str(&record).map_err(|e| StoreError::Corrupt {
        table: "runs",
        why: format!("record of run {id}: {e}"),
    })?;
    Ok(RunEntry {
        id,
        kind,
        created_at,
        record,
    })
}

impl SqlStore {
    pub(crate) async fn insert_run(&self, run: &RunEntry) -> Result<()> {
        check_id("run", &run.id)?;
        let sql = self
            .backend
            .sql("INSERT INTO runs (id, kind, created_at, record) VALUES (?, ?, ?, ?)");
        let record = run.record.to_string();
        with_pool!(self, pool => {
            sqlx::query(AssertSqlSafe(sql))
                .bind(run.id.as_str())
                .bind(run.kind.as_str())
                .bind(run.created_at)
                .bind(record.as_str())
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    pub(crate) async fn read_runs(&self, id: Option<&str>) -> Result<Vec<RunEntry>> {
        let sql = match id {
            Some(_) => self.backend.sql(&format!("{COLS} WHERE id = ?")),
            None => format!("{COLS} ORDER BY created_at, id"),
        };
        let rows: Vec<(String, String, i64, String)> = with_pool!(self, pool => {
            let mut q = sqlx::query(AssertSqlSafe(sql));
            if let Some(id) = id {
                q = q.bind(id);
            }
            let mut out = Vec::new();
            for r in q.fetch_all(pool).await? {
                out.push(columns!(r, "id", "kind", "created_at", "record"));
            }
            out
        });
        rows.into_iter().map(run_of).collect()
    }
}
