//! Fetch cases over the loopback HTTP server: success, checksum mismatch, HTTP 404,
//! truncated body, not-a-zip, unreachable host, mirror URL, archive of the wrong dataset.

use super::server::{self, TestServer};
use super::*;

#[test]
fn download_success_unpacks_flattened_and_reports() {
    let zip = sample_zip();
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(vec![server::ok(&zip)]);
    let url = format!("{}/ml-test.zip", server.url);
    let spec = spec_for(&url, &zip);
    let calls = std::cell::RefCell::new(Vec::new());
    let progress = |done: u64, total: Option<u64>| calls.borrow_mut().push((done, total));
    let report = fetch_spec(&spec, dir.path(), &Source::Default, Some(&progress)).unwrap();
    assert_eq!(server.finish(), 1);
    assert_eq!(report.name, NAME);
    assert_eq!(report.dir, dir.path().join(NAME));
    assert_eq!(report.source, url);
    assert!(!report.already_present);
    assert!(report.verified);
    assert!(report.notes.is_empty());
    let out = dir.path().join(NAME);
    assert_eq!(entries(dir.path()), [NAME]);
    assert_eq!(entries(&out), ["README.txt", "extra", "ratings.csv"]);
    assert_eq!(fs::read(out.join("extra/notes.txt")).unwrap(), b"nested\n");
    assert!(fs::read_to_string(out.join("ratings.csv"))
        .unwrap()
        .starts_with("userId,"));
    let calls = calls.into_inner();
    let total = Some(zip.len() as u64);
    assert_eq!(calls.last(), Some(&(zip.len() as u64, total)));
    assert!(calls.windows(2).all(|w| w[0].0 <= w[1].0));
}

#[test]
fn checksum_mismatch_leaves_nothing() {
    let zip = sample_zip();
    let mut other = zip.clone();
    other.push(0); // a different checksum for the spec
    match fetch_failing(server::ok(&zip), &other) {
        DataError::Checksum {
            name,
            expected,
            actual,
        } => {
            assert_eq!(name, NAME);
            assert_eq!(expected, sha256_hex(&other));
            assert_eq!(actual, sha256_hex(&zip));
        }
        e => panic!("expected a checksum error, got {e}"),
    }
}

#[test]
fn http_404_is_a_clear_error() {
    let err = fetch_failing(server::status(404, "Not Found"), &sample_zip());
    let msg = err.to_string();
    assert!(matches!(err, DataError::Fetch { .. }), "{msg}");
    assert!(
        msg.contains("404 Not Found from http://127.0.0.1:"),
        "{msg}"
    );
    assert!(msg.contains("/ml-test.zip"), "{msg}");
}

#[test]
fn truncated_body_is_reported_with_byte_counts() {
    let zip = sample_zip();
    let sent = &zip[..zip.len() / 2];
    let err = fetch_failing(server::truncated(sent, zip.len()), &zip);
    let msg = err.to_string();
    assert!(matches!(err, DataError::Fetch { .. }), "{msg}");
    let want = format!(
        "truncated download: got {} of {} bytes",
        sent.len(),
        zip.len()
    );
    assert!(msg.contains(&want), "{msg}");
}

#[test]
fn not_a_zip_is_reported_even_with_matching_checksum() {
    let body = b"<html>this is not a zip</html>".to_vec();
    let err = fetch_failing(server::ok(&body), &body);
    let msg = err.to_string();
    assert!(matches!(err, DataError::Fetch { .. }), "{msg}");
    assert!(msg.contains("not a zip archive"), "{msg}");
}

#[test]
fn unreachable_server_is_connection_failed() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let spec = spec_for(
        &format!("http://127.0.0.1:{port}/ml-test.zip"),
        &sample_zip(),
    );
    let err = fetch_spec(&spec, dir.path(), &Source::Default, None).unwrap_err();
    assert!(err.to_string().contains("connection failed"), "{err}");
    assert!(entries(dir.path()).is_empty());
}

#[test]
fn mirror_url_overrides_default_url() {
    let zip = sample_zip();
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(vec![server::ok(&zip)]);
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let spec = spec_for(&format!("http://127.0.0.1:{port}/dead.zip"), &zip);
    let mirror = format!("{}/mirror/ml-test.zip", server.url);
    let report = fetch_spec(&spec, dir.path(), &Source::Url(mirror.clone()), None).unwrap();
    assert_eq!(server.finish(), 1);
    assert_eq!(report.source, mirror);
    assert!(dir.path().join(NAME).join("ratings.csv").is_file());
}

#[test]
fn archive_without_marker_is_rejected() {
    let zip = sample_zip();
    let server = TestServer::start(vec![server::ok(&zip)]);
    let dir = tempfile::tempdir().unwrap();
    let mut spec = spec_for(&format!("{}/ml-test.zip", server.url), &zip);
    spec.markers = vec!["u.data".to_string()];
    let err = fetch_spec(&spec, dir.path(), &Source::Default, None).unwrap_err();
    server.finish();
    assert!(err.to_string().contains("u.data"), "{err}");
    assert!(entries(dir.path()).is_empty());
}
