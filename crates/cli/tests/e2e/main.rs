//! End-to-end tests of the `cinerec` binary, as one test binary. Tests that need real
//! MovieLens-100K read its folder from `CINEREC_ML100K` (set by `.ci/run`, which fetches it
//! from the pip source) and print a loud SKIP line when it is unset; the peer-reference
//! checks also need `CINEREC_PEERS` (the shared peers folder with `expected_manifest.json`
//! and `reference_results.json`).

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

mod cli;
mod ml100k;
mod peers;
mod pipeline;
mod rate;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Output of one run of the binary.
pub struct Run {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cinerec` with `args`, data dir `data_dir`, models under `work`.
pub fn cinerec(data_dir: &Path, work: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_cinerec"))
        .args(args)
        .env("CINEREC_DATA_DIR", data_dir)
        .env("CINEREC_MODEL_DIR", work.join("models"))
        .current_dir(work)
        .output()
        .expect("run cinerec");
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The ML-100K folder, or None after printing a loud SKIP line.
pub fn ml100k(test: &str) -> Option<PathBuf> {
    match std::env::var_os("CINEREC_ML100K").map(PathBuf::from) {
        Some(p) if p.exists() => Some(p),
        _ => {
            skip(
                test,
                "CINEREC_ML100K is not set to an ML-100K folder (run `bash .ci/run`)",
            );
            None
        }
    }
}

/// The shared peers folder, or None after printing a loud SKIP line.
pub fn peers(test: &str) -> Option<PathBuf> {
    let p = std::env::var_os("CINEREC_PEERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/peers"));
    if p.join("expected_manifest.json").exists() {
        Some(p)
    } else {
        skip(
            test,
            &format!("no peers folder at {} (set CINEREC_PEERS)", p.display()),
        );
        None
    }
}

/// Prints a SKIP notice that shows even when test output is captured.
pub fn skip(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "\n*** SKIP {test}: {why} ***\n");
}

/// Parses stdout as JSON, with a readable failure.
pub fn json(r: &Run) -> serde_json::Value {
    assert!(
        r.ok,
        "cinerec failed:\nstdout: {}\nstderr: {}",
        r.stdout, r.stderr
    );
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.stdout))
}
