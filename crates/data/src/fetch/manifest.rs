//! Verifying an unpacked archive against the `checksums.txt` it ships (ML-32M carries md5s of
//! its member files). Used when no checksum of the zip itself is pinned: it proves the files
//! arrived intact, though not that the archive is the official one.

use super::http::hash_file;
use crate::error::{DataError, Result};
use std::path::Path;

/// Name of the in-archive checksum list.
pub const MANIFEST: &str = "checksums.txt";

/// `(file, md5)` pairs of a checksum list in `md5sum` (`<md5>  <file>`) or BSD
/// (`MD5 (<file>) = <md5>`) form; other lines are ignored.
pub fn parse(text: &str) -> Vec<(String, String)> {
    let is_md5 = |t: &str| t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit());
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            if let Some(rest) = line.strip_prefix("MD5 (") {
                let (file, hash) = rest.split_once(") = ")?;
                return is_md5(hash.trim())
                    .then(|| (file.to_string(), hash.trim().to_ascii_lowercase()));
            }
            let (hash, file) = line.split_once(char::is_whitespace)?;
            let file = file.trim().trim_start_matches('*');
            (is_md5(hash) && !file.is_empty())
                .then(|| (file.to_string(), hash.to_ascii_lowercase()))
        })
        .collect()
}

/// Checks every file listed in `dir/checksums.txt` that exists in `dir`. `Ok(None)` when there
/// is no list (or it lists nothing present), `Ok(Some(n))` when `n` files matched, an
/// [`DataError::Md5Mismatch`] naming the first file that differs.
pub fn verify(name: &str, dir: &Path) -> Result<Option<usize>> {
    let path = dir.join(MANIFEST);
    if !path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| DataError::io(&path, e))?;
    let mut checked = 0;
    for (file, expected) in parse(&text) {
        let member = dir.join(&file);
        if file.contains("..") || !member.is_file() {
            continue;
        }
        let got = hash_file(&member, None)?;
        if got.md5 != expected {
            return Err(DataError::Md5Mismatch {
                name: format!("{name} ({file})"),
                expected,
                actual: got.md5,
            });
        }
        checked += 1;
    }
    Ok((checked > 0).then_some(checked))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md5_hex(b: &[u8]) -> String {
        super::super::http::hex(&<md5::Md5 as md5::Digest>::digest(b))
    }

    #[test]
    fn parses_both_forms_and_verifies() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ratings.csv"), b"userId,movieId\n1,2\n").unwrap();
        std::fs::write(dir.path().join("movies.csv"), b"movieId,title\n").unwrap();
        let list = format!(
            "{}  ratings.csv\nMD5 (movies.csv) = {}\nnot a checksum line\n",
            md5_hex(b"userId,movieId\n1,2\n"),
            md5_hex(b"movieId,title\n")
        );
        assert_eq!(parse(&list).len(), 2);
        std::fs::write(dir.path().join(MANIFEST), &list).unwrap();
        assert_eq!(verify("x", dir.path()).unwrap(), Some(2));
        std::fs::write(dir.path().join("ratings.csv"), b"tampered").unwrap();
        assert!(matches!(
            verify("x", dir.path()),
            Err(DataError::Md5Mismatch { .. })
        ));
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(verify("x", empty.path()).unwrap(), None);
    }
}
