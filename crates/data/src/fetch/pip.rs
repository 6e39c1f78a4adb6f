//! The pip source of ML-100K: `python3 -m pip download --no-deps recbole==1.2.1` and read
//! `recbole/dataset_example/ml-100k/*` (RecBole atomic files: `.inter`, `.item`, `.user`,
//! `.kg`, `.link`) out of the wheel. Works on any machine with pip and PyPI access, and pins
//! the extracted `ml-100k.inter` by sha256.

use super::http::{hash_file, Hashed};
use super::unpack::{extract_prefix, TempGuard};
use crate::error::DataError;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

/// The pinned requirement that carries the dataset.
pub const PIP_REQUIREMENT: &str = "recbole==1.2.1";
/// Folder inside the wheel holding the RecBole ML-100K files.
pub(crate) const WHEEL_PREFIX: &str = "recbole/dataset_example/ml-100k/";
/// The file whose checksum is verified.
pub(crate) const CHECK_FILE: &str = "ml-100k.inter";
/// sha256 of `ml-100k.inter` in the recbole 1.2.1 wheel (from
/// /work/shared/peers/expected_manifest.json, and recomputed from the real wheel).
pub const ML100K_INTER_SHA256: &str =
    "4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff";

fn fetch_err(name: &str, message: String) -> DataError {
    DataError::Fetch {
        name: name.to_string(),
        message,
    }
}

/// Downloads the wheel into a temp folder of `data_dir` and unpacks the ML-100K files into
/// `staging` (an existing empty folder). Verifies `ml-100k.inter`. The wheel is always removed.
pub(crate) fn fetch_pip(name: &str, data_dir: &Path, staging: &Path) -> Result<Hashed, DataError> {
    let wheel_dir = TempGuard::new(data_dir.join(format!(".{name}.pip-{}", std::process::id())));
    fs::create_dir(wheel_dir.path()).map_err(|e| DataError::io(wheel_dir.path(), e))?;
    let python = std::env::var("CINEREC_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let output = Command::new(&python)
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
        ])
        .args(["--only-binary", ":all:", PIP_REQUIREMENT, "-d"])
        .arg(wheel_dir.path())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            fetch_err(
                name,
                format!("cannot run `{python} -m pip` for the pip source: {e}"),
            )
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(fetch_err(
            name,
            format!(
                "`{python} -m pip download {PIP_REQUIREMENT}` failed ({}): {}",
                output.status,
                tail.join(" | ")
            ),
        ));
    }
    let wheel = fs::read_dir(wheel_dir.path())
        .map_err(|e| DataError::io(wheel_dir.path(), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .and_then(|f| f.to_str())
                .is_some_and(|f| f.starts_with("recbole-1.2.1") && f.ends_with(".whl"))
        })
        .ok_or_else(|| {
            fetch_err(
                name,
                format!("pip did not produce a {PIP_REQUIREMENT} wheel"),
            )
        })?;
    let files = extract_prefix(name, &wheel, WHEEL_PREFIX, staging)?;
    if !files.iter().any(|f| f == Path::new(CHECK_FILE)) {
        return Err(fetch_err(
            name,
            format!("the {PIP_REQUIREMENT} wheel has no {WHEEL_PREFIX}{CHECK_FILE}"),
        ));
    }
    let hashed = hash_file(&staging.join(CHECK_FILE), None)?;
    if hashed.sha256 != ML100K_INTER_SHA256 {
        return Err(DataError::Checksum {
            name: name.to_string(),
            expected: ML100K_INTER_SHA256.to_string(),
            actual: hashed.sha256,
        });
    }
    Ok(hashed)
}
