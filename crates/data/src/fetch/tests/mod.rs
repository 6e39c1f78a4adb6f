//! Tests of `fetch`: a loopback HTTP server serving zips built here, local zips, checksum,
//! HTTP and archive failures (each must leave no `<name>/` and no temp files), already-present
//! folders, source selection, and (only with `CINEREC_TEST_PIP=1`) the real pip source.
//! Shared fixtures live here; the cases are in `http_cases` and `local_cases`.

mod http_cases;
mod local_cases;
mod server;

use super::*;
use server::TestServer;
use sha2::{Digest, Sha256};
use std::io::{Cursor, Write};
use std::net::TcpListener;
use zip::write::SimpleFileOptions;

pub(super) const NAME: &str = "ml-test";

/// A small zip with one top folder `ml-test/`, like the GroupLens ones.
pub(super) fn sample_zip() -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default();
    w.add_directory("ml-test/", opts).unwrap();
    w.start_file("ml-test/ratings.csv", opts).unwrap();
    w.write_all(b"userId,movieId,rating,timestamp\n1,10,4.0,964982703\n")
        .unwrap();
    w.start_file("ml-test/README.txt", opts).unwrap();
    w.write_all(b"test data\n").unwrap();
    w.add_directory("ml-test/extra/", opts).unwrap();
    w.start_file("ml-test/extra/notes.txt", opts).unwrap();
    w.write_all(b"nested\n").unwrap();
    w.finish().unwrap().into_inner()
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    http::hex(&Sha256::digest(bytes))
}

pub(super) fn spec_for(url: &str, zip: &[u8]) -> DatasetSpec {
    DatasetSpec {
        name: NAME.to_string(),
        url: url.to_string(),
        sha256: Some(sha256_hex(zip)),
        md5: None,
        size: Some(zip.len() as u64),
        markers: vec!["ratings.csv".to_string()],
        pip_fallback: false,
    }
}

/// Names in `dir` (sorted), to check nothing but the expected entries remain.
pub(super) fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Fetches `body` served by a one-shot loopback server and returns the error message,
/// asserting the data dir is left empty.
pub(super) fn fetch_failing(response: Vec<u8>, spec_zip: &[u8]) -> DataError {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(vec![response]);
    let spec = spec_for(&format!("{}/ml-test.zip", server.url), spec_zip);
    let err = fetch_spec(&spec, dir.path(), &Source::Default, None).unwrap_err();
    assert_eq!(server.finish(), 1);
    assert!(
        entries(dir.path()).is_empty(),
        "left behind: {:?}",
        entries(dir.path())
    );
    err
}
