//! `cinerec data fetch`: download, verify and unpack datasets into `<data_dir>/<name>/`.
//!
//! This module owns source selection and the atomic install; the work is split into
//! [`catalog`] (known datasets and their pinned checksums), `http` (streaming download with
//! sha256 and md5), `unpack` (safe zip extraction, temp cleanup), `manifest` (an archive's own
//! `checksums.txt`) and `pip` (ML-100K from the `recbole==1.2.1` wheel).
//!
//! Sources, chosen by `from`:
//! - `None`: the official GroupLens zip. For `ml-100k`, when GroupLens cannot be reached
//!   (DNS, connect failure, timeout), the pip source is used instead; setting
//!   `CINEREC_ML100K_SOURCE=pip` skips GroupLens altogether.
//! - `Some("http://…" | "https://…")`: a mirror of the same zip (same checksum applies).
//! - `Some("pip")`: the pip source (ML-100K only).
//! - `Some(path)`: a local copy of the zip (same checksum applies).
//!
//! Atomicity: the zip is downloaded to `<data_dir>/.<name>.download-<pid>`, verified,
//! unpacked into `<data_dir>/.<name>.tmp-<pid>/` and renamed into place; on any error every
//! temp path is removed, so a half-written `<name>/` is never left behind.

pub mod catalog;
mod http;
mod manifest;
mod pip;
mod unpack;

#[cfg(test)]
mod tests;

pub use http::Progress;
pub use pip::{ML100K_INTER_SHA256, PIP_REQUIREMENT};

use crate::error::{DataError, Result};
use http::HttpFailure;
use std::fs;
use std::path::{Path, PathBuf};
use unpack::TempGuard;

/// Environment variable selecting the ML-100K source: `pip` skips GroupLens (CI uses it),
/// `grouplens` (or unset) keeps the default.
pub const ML100K_SOURCE_ENV: &str = "CINEREC_ML100K_SOURCE";

/// What a fetch did.
#[derive(Debug, Clone)]
pub struct FetchReport {
    /// Dataset name (`ml-100k`, …).
    pub name: String,
    /// Folder the dataset now lives in.
    pub dir: PathBuf,
    /// Where it came from (URL, path, or "pip: recbole==1.2.1"); "already present" when
    /// nothing was fetched.
    pub source: String,
    /// True when it was already present and nothing was downloaded.
    pub already_present: bool,
    /// True when the data was checked against a pinned sha256 or md5, or (with no pinned
    /// checksum) against the archive's own `checksums.txt`; false when already present or
    /// when nothing could be checked.
    pub verified: bool,
    /// Warnings worth showing the user (unverified download, fallback to pip, …).
    pub notes: Vec<String>,
}

/// A dataset to fetch: where its zip lives and how to recognise a good copy. Known datasets
/// come from [`catalog::spec`]; tests and callers may build their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetSpec {
    /// Name, also the folder name under the data dir.
    pub name: String,
    /// Default download URL of the zip.
    pub url: String,
    /// Lowercase hex sha256 of the zip.
    pub sha256: Option<String>,
    /// Lowercase hex md5 of the zip, checked when no sha256 is pinned (GroupLens publishes
    /// md5 files). With neither, the zip is fetched unverified (with a warning).
    pub md5: Option<String>,
    /// Size of the zip in bytes if known (used for progress when the server sends none).
    pub size: Option<u64>,
    /// Files of which at least one must exist in the unpacked folder for it to count as
    /// complete (`u.data`, `ratings.csv`, …).
    pub markers: Vec<String>,
    /// Whether the pip source (ML-100K from the recbole wheel) may replace an unreachable
    /// default URL, and may be selected explicitly.
    pub pip_fallback: bool,
}

/// Where to fetch from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The spec's URL (with the pip fallback where the spec allows it).
    Default,
    /// A mirror URL serving the same zip.
    Url(String),
    /// A local copy of the zip.
    LocalZip(PathBuf),
    /// The pip source (ML-100K only).
    Pip,
}

impl Source {
    /// Interprets a `--from` argument: `None` → default, `pip`, `http(s)://…` → mirror,
    /// `file://…` or anything else → local zip path.
    pub fn from_arg(from: Option<&str>) -> Source {
        match from.map(str::trim) {
            None | Some("") => Source::Default,
            Some("pip") => Source::Pip,
            Some(s) if s.starts_with("http://") || s.starts_with("https://") => {
                Source::Url(s.to_string())
            }
            Some(s) => Source::LocalZip(PathBuf::from(s.strip_prefix("file://").unwrap_or(s))),
        }
    }
}

/// Picks the source for `name` from `from` and the value of [`ML100K_SOURCE_ENV`].
pub fn resolve_source(name: &str, from: Option<&str>, env: Option<&str>) -> Result<Source> {
    let source = Source::from_arg(from);
    if source != Source::Default || name != "ml-100k" {
        return Ok(source);
    }
    match env.map(str::trim) {
        None | Some("") | Some("grouplens") => Ok(Source::Default),
        Some("pip") => Ok(Source::Pip),
        Some(other) => Err(DataError::Invalid(format!(
            "{ML100K_SOURCE_ENV}={other:?}: expected `pip` or `grouplens`"
        ))),
    }
}

/// Fetches dataset `name` into `data_dir/<name>`. `from` is a URL or a local zip path that
/// replaces the default source, or `pip` (ML-100K only).
pub fn fetch(name: &str, data_dir: &Path, from: Option<&str>) -> Result<FetchReport> {
    fetch_with_progress(name, data_dir, from, None)
}

/// [`fetch`] with a progress callback `(bytes done, total if known)` for the download.
pub fn fetch_with_progress(
    name: &str,
    data_dir: &Path,
    from: Option<&str>,
    progress: Option<Progress<'_>>,
) -> Result<FetchReport> {
    let spec = catalog::spec(name).ok_or_else(|| {
        DataError::Invalid(format!(
            "unknown dataset `{name}`; known: {}",
            catalog::known_names().join(", ")
        ))
    })?;
    let env = std::env::var(ML100K_SOURCE_ENV).ok();
    let source = resolve_source(name, from, env.as_deref())?;
    fetch_spec(&spec, data_dir, &source, progress)
}

/// Fetches `spec` from `source` into `data_dir/<spec.name>`, atomically.
pub fn fetch_spec(
    spec: &DatasetSpec,
    data_dir: &Path,
    source: &Source,
    progress: Option<Progress<'_>>,
) -> Result<FetchReport> {
    let name = spec.name.as_str();
    let plain = Path::new(name).components().count() == 1
        && Path::new(name).file_name().is_some_and(|f| f == name);
    if !plain || name.starts_with('.') {
        return Err(DataError::Invalid(format!(
            "dataset name {name:?} is not a plain folder name"
        )));
    }
    let dest = data_dir.join(name);
    if let Some(report) = already_present(spec, &dest)? {
        return Ok(report);
    }
    if *source == Source::Pip && !spec.pip_fallback {
        return Err(DataError::Invalid(format!(
            "the pip source only provides ml-100k, not {name}"
        )));
    }
    fs::create_dir_all(data_dir).map_err(|e| DataError::io(data_dir, e))?;
    let mut notes = Vec::new();
    let staging = TempGuard::new(data_dir.join(format!(".{name}.tmp-{}", std::process::id())));
    fs::create_dir(staging.path()).map_err(|e| DataError::io(staging.path(), e))?;
    let (source_desc, verified) = match source {
        Source::Pip => fetch_pip(name, data_dir, staging.path())?,
        Source::LocalZip(path) => {
            let hashed = http::hash_file(path, progress)?;
            let verified = check(spec, &hashed, &path.display().to_string(), &mut notes)?;
            unpack::unpack_zip(name, path, staging.path())?;
            (path.display().to_string(), verified)
        }
        Source::Url(url) => fetch_url(spec, url, data_dir, staging.path(), progress, &mut notes)
            .map_err(|f| match f {
                HttpFailure::Unreachable(m) => DataError::Fetch {
                    name: name.into(),
                    message: m,
                },
                HttpFailure::Failed(e) => e,
            })?,
        Source::Default => {
            match fetch_url(
                spec,
                &spec.url,
                data_dir,
                staging.path(),
                progress,
                &mut notes,
            ) {
                Ok(done) => done,
                Err(HttpFailure::Unreachable(m)) if spec.pip_fallback => {
                    let note = format!("{m}; falling back to the pip source ({PIP_REQUIREMENT})");
                    eprintln!("warning: {name}: {note}");
                    notes.push(note);
                    fetch_pip(name, data_dir, staging.path())?
                }
                Err(HttpFailure::Unreachable(m)) => {
                    return Err(DataError::Fetch {
                        name: name.into(),
                        message: m,
                    })
                }
                Err(HttpFailure::Failed(e)) => return Err(e),
            }
        }
    };
    let mut verified = verified;
    if !verified {
        if let Some(n) = manifest::verify(name, staging.path())? {
            verified = true;
            notes.push(format!(
                "no checksum of the zip is pinned for {name}; its {n} files matched the md5s of the archive's own {}",
                manifest::MANIFEST
            ));
        }
    }
    if !looks_complete(spec, staging.path()) {
        return Err(DataError::Fetch {
            name: name.into(),
            message: format!(
                "{source_desc} does not contain any of {} — wrong archive?",
                spec.markers.join(", ")
            ),
        });
    }
    if let Err(e) = fs::rename(staging.path(), &dest) {
        // Another process may have installed it meanwhile; that copy is as good as ours.
        if let Some(report) = already_present(spec, &dest)? {
            return Ok(report);
        }
        return Err(DataError::io(&dest, e));
    }
    Ok(FetchReport {
        name: name.to_string(),
        dir: dest,
        source: source_desc,
        already_present: false,
        verified,
        notes,
    })
}

/// Downloads `url` to a temp file, verifies it and unpacks it into `staging`.
fn fetch_url(
    spec: &DatasetSpec,
    url: &str,
    data_dir: &Path,
    staging: &Path,
    progress: Option<Progress<'_>>,
    notes: &mut Vec<String>,
) -> std::result::Result<(String, bool), HttpFailure> {
    let name = spec.name.as_str();
    let tmp = TempGuard::new(data_dir.join(format!(".{name}.download-{}", std::process::id())));
    let _ = fs::remove_file(tmp.path()); // a leftover of a killed run with a recycled pid
    let hashed = http::download(name, url, tmp.path(), spec.size, progress)?;
    let verified = check(spec, &hashed, url, notes).map_err(HttpFailure::Failed)?;
    unpack::unpack_zip(name, tmp.path(), staging).map_err(HttpFailure::Failed)?;
    Ok((url.to_string(), verified))
}

fn fetch_pip(name: &str, data_dir: &Path, staging: &Path) -> Result<(String, bool)> {
    pip::fetch_pip(name, data_dir, staging)?;
    Ok((format!("pip: {PIP_REQUIREMENT}"), true))
}

/// Compares the zip's sha256 (else md5) with the spec; `Ok(false)` (plus a warning) when
/// neither is pinned.
fn check(
    spec: &DatasetSpec,
    hashed: &http::Hashed,
    origin: &str,
    notes: &mut Vec<String>,
) -> Result<bool> {
    let actual = hashed.sha256.as_str();
    match &spec.sha256 {
        Some(expected) if expected.eq_ignore_ascii_case(actual) => Ok(true),
        Some(expected) => Err(DataError::Checksum {
            name: spec.name.clone(),
            expected: expected.to_ascii_lowercase(),
            actual: actual.to_string(),
        }),
        None => match &spec.md5 {
            Some(expected) if expected.eq_ignore_ascii_case(&hashed.md5) => Ok(true),
            Some(expected) => Err(DataError::Md5Mismatch {
                name: spec.name.clone(),
                expected: expected.to_ascii_lowercase(),
                actual: hashed.md5.clone(),
            }),
            None => unverified(spec, hashed, origin, notes),
        },
    }
}

fn unverified(
    spec: &DatasetSpec,
    hashed: &http::Hashed,
    origin: &str,
    notes: &mut Vec<String>,
) -> Result<bool> {
    let note = format!(
        "no pinned checksum for {}: {origin} was NOT verified ({} bytes, sha256 {})",
        spec.name, hashed.bytes, hashed.sha256
    );
    eprintln!("warning: {note}");
    notes.push(note);
    Ok(false)
}

fn looks_complete(spec: &DatasetSpec, dir: &Path) -> bool {
    spec.markers.iter().any(|m| dir.join(m).is_file())
}

/// `Some(report)` when `dest` holds a complete copy; an error when it exists but is not one
/// (never overwritten: it may be the user's own data).
fn already_present(spec: &DatasetSpec, dest: &Path) -> Result<Option<FetchReport>> {
    if !dest.exists() {
        return Ok(None);
    }
    if dest.is_dir() && looks_complete(spec, dest) {
        return Ok(Some(FetchReport {
            name: spec.name.clone(),
            dir: dest.to_path_buf(),
            source: "already present".to_string(),
            already_present: true,
            verified: false,
            notes: Vec::new(),
        }));
    }
    Err(DataError::Fetch {
        name: spec.name.clone(),
        message: format!(
            "{} exists but looks incomplete (none of {} found); remove it and fetch again",
            dest.display(),
            spec.markers.join(", ")
        ),
    })
}
