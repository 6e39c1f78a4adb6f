//! Where the experiment history is kept: a store's `runs` table (when a store is given) or a
//! folder of JSON files, one per run. [`Runs`] records a run under a fresh time-ordered id,
//! lists runs oldest first and finds one by id or unique prefix, the same way over both.

use super::RunRecord;
use crate::error::{EngineError, Result};
use crate::source;
use cinerec_store::{RunEntry, Store};
use std::path::{Path, PathBuf};

/// A place runs are recorded in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runs {
    at: At,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum At {
    Folder(PathBuf),
    Store(String),
}

impl Runs {
    /// The runs recorded under the folder `dir` (created on the first record).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Runs {
            at: At::Folder(dir.into()),
        }
    }

    /// The runs recorded in the store at `url`.
    pub fn in_store(url: &str) -> Self {
        Runs {
            at: At::Store(url.to_string()),
        }
    }

    /// The store when one is given, else the folder `dir`.
    pub fn pick(store: Option<&str>, dir: &Path) -> Self {
        match store {
            Some(url) => Runs::in_store(url),
            None => Runs::new(dir),
        }
    }

    /// Where they are, for messages (a store URL without its password).
    pub fn describe(&self) -> String {
        match &self.at {
            At::Folder(d) => d.display().to_string(),
            At::Store(url) => format!("the store {}", cinerec_store::redact_url(url)),
        }
    }

    /// Records `rec` with a fresh id (a folder's file is written atomically, a store's row in
    /// one statement); returns the id.
    pub fn record(&self, mut rec: RunRecord) -> Result<String> {
        rec.id = new_id(&rec);
        match &self.at {
            At::Folder(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| EngineError::io(dir, e))?;
                let path = dir.join(format!("{}.json", rec.id));
                let pretty = serde_json::to_vec_pretty(&rec).unwrap_or_default();
                cinerec_core::atomic::write_atomic(&path, &[&pretty])
                    .map_err(|e| EngineError::io(&path, e))?;
            }
            At::Store(url) => {
                let entry = entry_of(&rec);
                source::with_store(url, move |s| {
                    Box::pin(async move { Ok(s.record_run(&entry).await?) })
                })?;
            }
        }
        Ok(rec.id)
    }

    /// Every record, oldest first (entries that are not run records are skipped).
    pub fn list(&self) -> Result<Vec<RunRecord>> {
        match &self.at {
            At::Folder(dir) => list_folder(dir),
            At::Store(url) => source::with_store(url, |s| Box::pin(list_store(s))),
        }
    }

    /// The record whose id is `id` or starts with it (an error when none or several do).
    pub fn get(&self, id: &str) -> Result<RunRecord> {
        let all = self.list()?;
        let hits: Vec<&RunRecord> = all
            .iter()
            .filter(|r| r.id == id || (!id.is_empty() && r.id.starts_with(id)))
            .collect();
        match hits[..] {
            [one] => Ok(one.clone()),
            [] => Err(EngineError::NotFound(format!(
                "run `{id}` in {}",
                self.describe()
            ))),
            _ => Err(EngineError::Invalid(format!(
                "run id `{id}` matches {} runs; give more of it",
                hits.len()
            ))),
        }
    }
}

/// `YYYYMMDD-HHMMSS-mmm-xxxxxx`: the recording time (UTC, to the millisecond, so runs of one
/// second stay in order) and the start of the record's content hash.
fn new_id(rec: &RunRecord) -> String {
    use sha2::{Digest, Sha256};
    let mut bare = rec.clone();
    bare.id.clear();
    let body = serde_json::to_vec(&bare).unwrap_or_default();
    let h = format!("{:x}", Sha256::digest(&body));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "{}-{:03}-{}",
        super::utc_stamp(now.as_secs()),
        now.subsec_millis(),
        &h[..6]
    )
}

/// The store row of a record.
fn entry_of(rec: &RunRecord) -> RunEntry {
    RunEntry {
        id: rec.id.clone(),
        kind: rec.kind.clone(),
        created_at: i64::try_from(rec.started_unix).unwrap_or(i64::MAX),
        record: serde_json::to_value(rec).unwrap_or_default(),
    }
}

/// Every run record in `store`'s history, oldest first (rows that do not decode as a run
/// record, e.g. from a newer cinerec, are skipped).
pub async fn list_store(store: &dyn Store) -> Result<Vec<RunRecord>> {
    let mut out: Vec<RunRecord> = store
        .list_runs()
        .await?
        .into_iter()
        .filter_map(|e| serde_json::from_value(e.record).ok())
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Every run record in the folder `dir`, oldest first (an empty list when it does not exist).
pub fn list_folder(dir: &Path) -> Result<Vec<RunRecord>> {
    let mut out = vec![];
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(EngineError::io(dir, e)),
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "json") {
            let bytes = std::fs::read(&p).map_err(|e| EngineError::io(&p, e))?;
            if let Ok(r) = serde_json::from_slice::<RunRecord>(&bytes) {
                out.push(r);
            }
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}
