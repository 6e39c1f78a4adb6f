//! Streaming download over HTTP(S) with `ureq`, hashing with sha256 and md5 while writing to
//! disk, plus the same hashes of local files. Tells "could not reach the server" (worth a fallback) apart
//! from every other failure.

use crate::error::DataError;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::path::Path;
use std::time::Duration;

/// Progress callback: `(bytes done, total bytes if known)`.
pub type Progress<'a> = &'a dyn Fn(u64, Option<u64>);

/// DNS and connect timeout (each): short, so an unreachable GroupLens falls back to pip quickly.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Timeout for the response headers after connecting.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);
/// A single read may stall at most this long before the download is abandoned.
const READ_TIMEOUT: Duration = Duration::from_secs(60);
const CHUNK: usize = 64 * 1024;

/// Why a download failed.
#[derive(Debug)]
pub(crate) enum HttpFailure {
    /// No response at all: DNS, connect, TLS or timeout before the headers. A fallback
    /// source may be tried.
    Unreachable(String),
    /// Anything else (HTTP status, truncated body, disk error): final.
    Failed(DataError),
}

/// A finished download or hash: byte count and lowercase sha256 and md5 hex.
#[derive(Debug, Clone)]
pub(crate) struct Hashed {
    pub bytes: u64,
    pub sha256: String,
    pub md5: String,
}

fn fetch_err(name: &str, message: String) -> DataError {
    DataError::Fetch {
        name: name.to_string(),
        message,
    }
}

/// Lowercase hex of a digest.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Downloads `url` into the new file `dest` (which must not exist), hashing as it goes.
/// `expected_size` is used as the progress total when the server sends no Content-Length.
pub(crate) fn download(
    name: &str,
    url: &str,
    dest: &Path,
    expected_size: Option<u64>,
    progress: Option<Progress<'_>>,
) -> Result<Hashed, HttpFailure> {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_resolve(Some(CONNECT_TIMEOUT))
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_recv_response(Some(RESPONSE_TIMEOUT))
        .timeout_per_read(Some(READ_TIMEOUT))
        .user_agent(concat!("cinerec/", env!("CARGO_PKG_VERSION")))
        .build()
        .new_agent();
    let response = match agent.get(url).call() {
        Ok(r) => r,
        Err(e) => return Err(classify(name, url, e)),
    };
    let status = response.status();
    if !status.is_success() {
        let reason = status.canonical_reason().unwrap_or("");
        let message = format!("{} {reason} from {url}", status.as_u16());
        return Err(HttpFailure::Failed(fetch_err(
            name,
            message.replace("  ", " "),
        )));
    }
    let content_length = response.body().content_length();
    let total = content_length.or(expected_size);
    let mut reader = response.into_body().into_reader();
    let mut file = File::options()
        .write(true)
        .create_new(true)
        .open(dest)
        .map_err(|e| HttpFailure::Failed(DataError::io(dest, e)))?;
    let mut hasher = Sha256::new();
    let mut md5 = <md5::Md5 as md5::Digest>::new();
    let mut buf = vec![0u8; CHUNK];
    let mut done: u64 = 0;
    if let Some(p) = progress {
        p(0, total);
    }
    let truncated = |done: u64, len: u64| {
        fetch_err(
            name,
            format!("truncated download: got {done} of {len} bytes from {url}"),
        )
    };
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => {
                let err = match content_length {
                    Some(len) if done < len => truncated(done, len),
                    _ => fetch_err(
                        name,
                        format!("download from {url} failed after {done} bytes: {e}"),
                    ),
                };
                return Err(HttpFailure::Failed(err));
            }
        };
        hasher.update(&buf[..n]);
        md5::Digest::update(&mut md5, &buf[..n]);
        file.write_all(&buf[..n])
            .map_err(|e| HttpFailure::Failed(DataError::io(dest, e)))?;
        done += n as u64;
        if let Some(p) = progress {
            p(done, total);
        }
    }
    if let Some(len) = content_length {
        if done != len {
            return Err(HttpFailure::Failed(truncated(done, len)));
        }
    }
    file.sync_all()
        .map_err(|e| HttpFailure::Failed(DataError::io(dest, e)))?;
    Ok(Hashed {
        bytes: done,
        sha256: hex(&hasher.finalize()),
        md5: hex(&md5::Digest::finalize(md5)),
    })
}

/// Sorts a `ureq` error from `call()` into unreachable (fallback-worthy) or final.
fn classify(name: &str, url: &str, e: ureq::Error) -> HttpFailure {
    match e {
        ureq::Error::BadUri(_) | ureq::Error::Http(_) | ureq::Error::InvalidProxyUrl => {
            HttpFailure::Failed(fetch_err(name, format!("invalid URL {url}: {e}")))
        }
        ureq::Error::Timeout(t) => {
            HttpFailure::Unreachable(format!("connection failed: timeout ({t}) reaching {url}"))
        }
        ureq::Error::HostNotFound => {
            HttpFailure::Unreachable(format!("connection failed: host not found for {url}"))
        }
        other => HttpFailure::Unreachable(format!("connection failed to {url}: {other}")),
    }
}

/// Sha256 of a local file, reporting progress as it reads.
pub(crate) fn hash_file(path: &Path, progress: Option<Progress<'_>>) -> Result<Hashed, DataError> {
    let mut file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let total = file.metadata().ok().map(|m| m.len());
    let mut hasher = Sha256::new();
    let mut md5 = <md5::Md5 as md5::Digest>::new();
    let mut buf = vec![0u8; CHUNK];
    let mut done = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(DataError::io(path, e)),
        };
        hasher.update(&buf[..n]);
        md5::Digest::update(&mut md5, &buf[..n]);
        done += n as u64;
        if let Some(p) = progress {
            p(done, total);
        }
    }
    Ok(Hashed {
        bytes: done,
        sha256: hex(&hasher.finalize()),
        md5: hex(&md5::Digest::finalize(md5)),
    })
}
