//! The lock file (`cinerec.lock`, JSON beside the pipeline file): for every stage that
//! finished, its inputs (data hash, split, algorithm, parameters, upstream artifact hashes,
//! code version), its outputs (file → sha256) and its metrics. A stage is fresh when its
//! current inputs equal the recorded ones and every output file still has its recorded hash;
//! [`Lock::staleness`] says why one is not. The lock is rewritten atomically after each
//! stage that finishes, so a failed stage leaves it as it was.

use crate::error::{EngineError, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Format version of the lock file.
const VERSION: u32 = 1;

/// What the lock remembers of one finished stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageLock {
    /// The inputs it ran with.
    pub inputs: Map<String, Value>,
    /// Output files (relative to the pipeline's folder) and their sha256.
    pub outputs: BTreeMap<String, String>,
    /// Its figures (metrics, registered version, …).
    #[serde(default)]
    pub metrics: Map<String, Value>,
    /// When it finished (seconds since the Unix epoch).
    pub finished_unix: u64,
}

/// The lock file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Lock {
    /// Format version.
    pub version: u32,
    /// Finished stages by name.
    pub stages: BTreeMap<String, StageLock>,
}

/// The sha256 (hex) of a file's bytes.
pub fn file_sha256(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(|e| EngineError::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|e| EngineError::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(format!("{:x}", h.finalize()))
}

impl Lock {
    /// Reads `path` (an empty lock when it does not exist).
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Lock {
                    version: VERSION,
                    ..Default::default()
                })
            }
            Err(e) => return Err(EngineError::io(path, e)),
        };
        let lock: Lock = serde_json::from_slice(&bytes).map_err(|e| {
            EngineError::Pipeline(format!("{}: not a cinerec lock file: {e}", path.display()))
        })?;
        if lock.version != VERSION {
            return Err(EngineError::Pipeline(format!(
                "{}: lock version {} (this cinerec writes {VERSION})",
                path.display(),
                lock.version
            )));
        }
        Ok(lock)
    }

    /// Writes the lock to `path` atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        let body = serde_json::to_vec_pretty(self).unwrap_or_default();
        cinerec_core::atomic::write_atomic(path, &[&body, b"\n"])
            .map_err(|e| EngineError::io(path, e))
    }

    /// Why stage `name` must run with `inputs` (outputs resolved against `root`); empty =
    /// fresh.
    pub fn staleness(&self, name: &str, inputs: &Map<String, Value>, root: &Path) -> Vec<String> {
        let Some(s) = self.stages.get(name) else {
            return vec!["never run".into()];
        };
        let mut why = vec![];
        let mut keys: Vec<&String> = inputs.keys().chain(s.inputs.keys()).collect();
        keys.sort();
        keys.dedup();
        for k in keys {
            if inputs.get(k) != s.inputs.get(k) {
                why.push(format!("{k} changed"));
            }
        }
        for (file, sha) in &s.outputs {
            let p = root.join(file);
            match file_sha256(&p) {
                Ok(h) if &h == sha => {}
                Ok(_) => why.push(format!("{file} was modified (hash differs)")),
                Err(_) => why.push(format!("{file} is missing")),
            }
        }
        why
    }

    /// Records a finished stage.
    pub fn finish(
        &mut self,
        name: &str,
        inputs: Map<String, Value>,
        outputs: &[(PathBuf, &Path)],
        metrics: Map<String, Value>,
    ) -> Result<()> {
        let mut out = BTreeMap::new();
        for (rel, abs) in outputs {
            out.insert(rel.to_string_lossy().into_owned(), file_sha256(abs)?);
        }
        self.version = VERSION;
        self.stages.insert(
            name.to_string(),
            StageLock {
                inputs,
                outputs: out,
                metrics,
                finished_unix: crate::runs::now_unix(),
            },
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_stage_is_stale_when_an_input_changes_or_an_output_is_touched() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("m.bin"), b"model").unwrap();
        let inputs = |p: i64| json!({"params": p}).as_object().cloned().unwrap();
        let mut lock = Lock::default();
        assert_eq!(lock.staleness("t", &inputs(1), root), vec!["never run"]);
        lock.finish(
            "t",
            inputs(1),
            &[(PathBuf::from("m.bin"), &root.join("m.bin"))],
            Map::new(),
        )
        .unwrap();
        assert!(lock.staleness("t", &inputs(1), root).is_empty());
        assert_eq!(
            lock.staleness("t", &inputs(2), root),
            vec!["params changed"]
        );
        std::fs::write(root.join("m.bin"), b"modex").unwrap();
        assert_eq!(
            lock.staleness("t", &inputs(1), root),
            vec!["m.bin was modified (hash differs)"]
        );
        std::fs::remove_file(root.join("m.bin")).unwrap();
        assert_eq!(
            lock.staleness("t", &inputs(1), root),
            vec!["m.bin is missing"]
        );
        let path = root.join("cinerec.lock");
        lock.write(&path).unwrap();
        assert_eq!(Lock::read(&path).unwrap(), lock);
        std::fs::write(&path, b"{").unwrap();
        assert!(Lock::read(&path)
            .unwrap_err()
            .to_string()
            .contains("cinerec.lock"));
    }
}
