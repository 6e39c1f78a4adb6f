//! The malformed-input corpus (issue #17, point 4; the outcomes are documented in
//! `tests/corpus/README.md`): every case is generated here, loaded through the public loaders
//! (or `fetch` for archives) and must give its documented outcome — an error naming file, line
//! and field, or acceptance by a stated rule — and never a panic. The single huge line, which
//! also checks memory, is in `corpus_big_line.rs` (its own process, so its peak RSS is its own).

use cinerec_core::Dataset;
use cinerec_data::fetch::{fetch_spec, DatasetSpec, Source};
use cinerec_data::loaders::{load, Format, GenericSpec, LoadOptions};
use cinerec_data::DataError;
use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

const HEADER: &str = "userId,movieId,rating,timestamp\n";
const MOVIES: &str = "movieId,title,genres\n1,Toy Story (1995),Animation|Comedy\n2,Heat (1995),Action\n3,\"City of Lost Children, The (1995)\",Drama\n";

/// A folder `ml` holding `files`, kept alive by the returned guard.
fn folder(files: &[(&str, &[u8])]) -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("ml");
    fs::create_dir(&d).unwrap();
    for (name, bytes) in files {
        fs::write(d.join(name), bytes).unwrap();
    }
    (t, d)
}

/// MovieLens CSV: `ratings` after the header, the fixed movies file.
fn ml_csv(ratings: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let mut r = HEADER.as_bytes().to_vec();
    r.extend_from_slice(ratings);
    folder(&[("ratings.csv", &r), ("movies.csv", MOVIES.as_bytes())])
}

fn try_load(d: &Path) -> Result<Dataset, DataError> {
    load(d, &LoadOptions::default())
}

/// The (file name, line, field) of a parse error; anything else fails the case.
fn parse_error(case: &str, r: Result<Dataset, DataError>) -> (String, usize, String) {
    match r {
        Err(DataError::Parse {
            file, line, field, ..
        }) => (
            file.file_name().unwrap().to_string_lossy().into(),
            line,
            field,
        ),
        Err(e) => panic!("{case}: expected a file:line:field error, got {e}"),
        Ok(d) => panic!(
            "{case}: expected an error, loaded {} ratings",
            d.n_ratings()
        ),
    }
}

fn expect_parse(case: &str, d: &Path, file: &str, line: usize, field: &str) {
    let got = parse_error(case, try_load(d));
    assert_eq!(got, (file.to_string(), line, field.to_string()), "{case}");
}

/// (raw user, raw movie, rating) of every rating, sorted.
fn triples(d: &Dataset) -> Vec<(String, String, f32)> {
    let c = d.catalog();
    let mut v = Vec::new();
    for u in 0..d.n_users() {
        let (items, values) = d.user_ratings(cinerec_core::UserIdx(u as u32));
        for (&i, &r) in items.iter().zip(values) {
            v.push((
                c.raw_user(cinerec_core::UserIdx(u as u32)).to_string(),
                c.raw_item(cinerec_core::ItemIdx(i)).to_string(),
                r,
            ));
        }
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v
}

fn t(u: &str, m: &str, r: f32) -> (String, String, f32) {
    (u.into(), m.into(), r)
}

#[test]
fn encodings_and_line_endings() {
    // A UTF-8 byte-order mark before the header is dropped; CRLF lines read as LF lines.
    let (_g, plain) = ml_csv(b"1,1,4,10\n1,2,3.5,11\n");
    let want = triples(&try_load(&plain).unwrap());
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(HEADER.as_bytes());
    bom.extend_from_slice(b"1,1,4,10\n1,2,3.5,11\n");
    let (_g2, d) = folder(&[("ratings.csv", &bom), ("movies.csv", MOVIES.as_bytes())]);
    assert_eq!(triples(&try_load(&d).unwrap()), want, "BOM");
    let crlf = format!("{}1,1,4,10\r\n1,2,3.5,11\r\n", HEADER.replace('\n', "\r\n"));
    let movies = MOVIES.replace('\n', "\r\n");
    let (_g3, d) = folder(&[
        ("ratings.csv", crlf.as_bytes()),
        ("movies.csv", movies.as_bytes()),
    ]);
    let got = try_load(&d).unwrap();
    assert_eq!(triples(&got), want, "CRLF");
    let c = got.catalog();
    let heat = c.display_title(c.item("2").unwrap());
    assert!(
        heat.starts_with("Heat") && !heat.contains('\r'),
        "CRLF left {heat:?}"
    );
    // An id that is not UTF-8 is read as Latin-1, like every text of the MovieLens loaders
    // (older releases are Latin-1): one byte, one character, so distinct ids stay distinct.
    let (_g4, d) = ml_csv(b"1,1,4,10\n\xFF\xFE,2,3,11\n\xFE\xFF,2,3,11\n");
    let data = try_load(&d).unwrap();
    assert!(data.catalog().user("\u{FF}\u{FE}").is_some());
    assert!(data.catalog().user("\u{FE}\u{FF}").is_some());
    assert_eq!(data.n_users(), 3);
}

#[test]
fn invalid_utf8_in_a_title_falls_back_to_latin1() {
    // MovieLens CSV releases mix encodings: a line that is not UTF-8 is read as Latin-1.
    let movies = b"movieId,title,genres\n1,Caf\xE9 (1999),Drama\n2,Heat (1995),Action\n";
    let (_g, d) = folder(&[
        ("ratings.csv", format!("{HEADER}1,1,4,10\n").as_bytes()),
        ("movies.csv", movies),
    ]);
    let data = try_load(&d).unwrap();
    let c = data.catalog();
    let title = c.display_title(c.item("1").unwrap());
    assert!(title.starts_with("Café"), "{title:?}");
}

#[test]
fn columns_and_delimiters() {
    // A semicolon file named ratings.csv has no `userId` column: an error naming the header.
    let (_g, d) = folder(&[(
        "ratings.csv",
        b"userId;movieId;rating;timestamp\n1;1;4;10\n",
    )]);
    match try_load(&d) {
        Err(DataError::Parse { line, field, .. }) => {
            assert_eq!((line, field.as_str()), (1, "userId"))
        }
        Err(DataError::Format { message, .. }) => {
            assert!(message.contains("userId"), "{message}")
        }
        other => panic!("wrong delimiter: {other:?}"),
    }
    // A row with a column missing names the first missing field.
    let (_g, d) = ml_csv(b"1,1,4,10\n1,2\n");
    expect_parse("missing rating", &d, "ratings.csv", 3, "rating");
    let (_g, d) = ml_csv(b"1,1,4,10\n1,2,4\n");
    expect_parse("missing timestamp", &d, "ratings.csv", 3, "timestamp");
    // A row with more columns than the header: an error on that line, not a silent shift.
    let (_g, d) = ml_csv(b"1,1,4,10\n1,2,4,11,extra\n");
    let (file, line, _) = parse_error("extra column", try_load(&d));
    assert_eq!((file.as_str(), line), ("ratings.csv", 3));
    // Quoted commas in titles are part of the title.
    let (_g, d) = ml_csv(b"1,3,4,10\n");
    let data = try_load(&d).unwrap();
    let c = data.catalog();
    let title = c.display_title(c.item("3").unwrap());
    assert!(title.contains("City of Lost Children"), "{title:?}");
    // An unterminated quote in movies.csv: an error naming the line.
    let (_g, d) = folder(&[
        ("ratings.csv", format!("{HEADER}1,1,4,10\n").as_bytes()),
        (
            "movies.csv",
            b"movieId,title,genres\n1,\"Open quote,Drama\n",
        ),
    ]);
    let (file, line, _) = parse_error("open quote", try_load(&d));
    assert_eq!((file.as_str(), line), ("movies.csv", 2));
}

#[test]
fn rating_values() {
    // Not a number, or not finite: an error naming the rating field.
    for (case, row) in [
        ("NaN", "1,2,NaN,11\n"),
        ("inf", "1,2,inf,11\n"),
        ("-inf", "1,2,-inf,11\n"),
        ("text", "1,2,four,11\n"),
        ("empty", "1,2,,11\n"),
        ("two dots", "1,2,4..5,11\n"),
    ] {
        let (_g, d) = ml_csv(format!("1,1,4,10\n{row}").as_bytes());
        expect_parse(case, &d, "ratings.csv", 3, "rating");
    }
    // The ratings.csv layout is also how other scales arrive (synthetic 1–10 data): any
    // finite value is accepted; the scale is 0.5–5 when every value is within it, else the
    // range seen (stated rule).
    let (_g, d) = ml_csv(b"1,1,4,10\n1,2,3.5,11\n");
    assert_eq!(try_load(&d).unwrap().rating_scale(), (0.5, 5.0));
    for (row, scale) in [("1,2,-1,11\n", (-1.0, 4.0)), ("1,2,7,11\n", (4.0, 7.0))] {
        let (_g, d) = ml_csv(format!("1,1,4,10\n{row}").as_bytes());
        assert_eq!(try_load(&d).unwrap().rating_scale(), scale, "{row}");
    }
    // A generic file has no fixed scale either; non-finite values are errors.
    let (_g, d) = folder(&[("events.csv", b"user,item,rating\na,x,-2.5\nb,y,10\n")]);
    let data = try_load(&d.join("events.csv")).unwrap();
    assert_eq!(data.rating_scale(), (-2.5, 10.0));
    let (_g, d) = folder(&[("events.csv", b"user,item,rating\na,x,nan\n")]);
    let (file, line, _) = parse_error("generic NaN", try_load(&d.join("events.csv")));
    assert_eq!((file.as_str(), line), ("events.csv", 2));
}

#[test]
fn conflicting_duplicates_keep_the_latest() {
    // The same user and movie twice: the later timestamp wins; on equal timestamps, the later
    // line. Nothing else is dropped.
    let (_g, d) = ml_csv(b"1,1,2,20\n1,1,5,10\n2,1,1,7\n2,1,4,7\n1,2,3,5\n");
    let data = try_load(&d).unwrap();
    assert_eq!(
        triples(&data),
        [t("1", "1", 2.0), t("1", "2", 3.0), t("2", "1", 4.0)]
    );
}

#[test]
fn empty_files() {
    // A 0-byte ratings file has no header: a format error naming the file.
    let (_g, d) = folder(&[("ratings.csv", b""), ("movies.csv", MOVIES.as_bytes())]);
    let e = try_load(&d).unwrap_err();
    assert!(e.to_string().contains("ratings.csv"), "{e}");
    // A header and no rating: an error saying there is no rating, not an empty model later.
    let (_g, d) = ml_csv(b"");
    let e = try_load(&d).unwrap_err();
    assert!(e.to_string().contains("ratings.csv"), "{e}");
    // A 0-byte movies.csv is an empty catalogue file: ratings load, titles are unknown.
    let (_g, d) = folder(&[
        ("ratings.csv", format!("{HEADER}1,1,4,10\n").as_bytes()),
        ("movies.csv", b""),
    ]);
    match try_load(&d) {
        Ok(data) => assert_eq!(data.n_ratings(), 1),
        Err(e) => assert!(e.to_string().contains("movies.csv"), "{e}"),
    }
    // ML-100K with a 0-byte u.data.
    let (_g, d) = folder(&[("u.data", b"")]);
    let e = try_load(&d).unwrap_err();
    assert!(e.to_string().contains("u.data"), "{e}");
}

#[test]
fn ml100k_and_dat_rows() {
    let (_g, d) = folder(&[("u.data", b"1\t1\t4\t10\n1\t2\t9\t11\n")]);
    expect_parse("u.data above the scale", &d, "u.data", 2, "rating");
    let (_g, d) = folder(&[("u.data", b"1\t1\t4\t10\n1,2,4,11\n")]);
    let (file, line, _) = parse_error("u.data commas", try_load(&d));
    assert_eq!((file.as_str(), line), ("u.data", 2));
    let (_g, d) = folder(&[("u.data", b"1\t1\t0\t10\n")]);
    expect_parse("u.data zero", &d, "u.data", 1, "rating");
    let (_g, d) = folder(&[("ratings.dat", b"1::1::4::10\n1::2::-3::11\n")]);
    expect_parse("ratings.dat negative", &d, "ratings.dat", 2, "Rating");
    let (_g, d) = folder(&[("ratings.dat", b"1::1::4::10::extra\n")]);
    expect_parse("ratings.dat extra field", &d, "ratings.dat", 1, "Timestamp");
    let generic = LoadOptions {
        format: Some(Format::Generic(GenericSpec::default())),
        ..Default::default()
    };
    let (_g, d) = folder(&[("x.csv", b"u,i,r,t\n1,1,4,10\n1,1,4,notatime\n")]);
    match load(&d.join("x.csv"), &generic) {
        Err(DataError::Parse { line, .. }) => assert_eq!(line, 3),
        other => panic!("generic bad time: {other:?}"),
    }
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Fetches `zip` as a local copy of dataset `ml-corpus` into a fresh data dir; returns the
/// outcome and what the data dir holds afterwards.
fn fetch_zip(zip: &[u8]) -> (Result<(), DataError>, Vec<String>) {
    let src = tempfile::tempdir().unwrap();
    let path = src.path().join("corpus.zip");
    fs::write(&path, zip).unwrap();
    let spec = DatasetSpec {
        name: "ml-corpus".into(),
        url: "http://127.0.0.1:9/unused.zip".into(),
        sha256: None,
        md5: None,
        size: None,
        markers: vec!["ratings.csv".into()],
        pip_fallback: false,
    };
    let dir = tempfile::tempdir().unwrap();
    let r = fetch_spec(&spec, dir.path(), &Source::LocalZip(path), None).map(|_| ());
    let mut left: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    (r, left)
}

#[test]
fn hostile_and_truncated_archives() {
    let good = format!("{HEADER}1,1,4,10\n");
    let whole = zip_of(&[("ml-corpus/ratings.csv", good.as_bytes())]);
    let (r, left) = fetch_zip(&whole);
    assert!(r.is_ok(), "the intact archive: {r:?}");
    assert_eq!(left, ["ml-corpus"]);
    // Truncated at several points, a 0-byte file and random bytes: an error, nothing left.
    for cut in [0, 10, whole.len() / 2, whole.len() - 10] {
        let (r, left) = fetch_zip(&whole[..cut]);
        assert!(r.is_err(), "truncated at {cut} of {}", whole.len());
        assert!(left.is_empty(), "truncated at {cut}: left {left:?}");
    }
    let (r, left) = fetch_zip(b"PK\x03\x04 not really a zip at all");
    assert!(r.is_err() && left.is_empty());
    // Path traversal and absolute paths.
    for name in ["../evil.csv", "/etc/evil.csv", "ml-corpus/../../evil.csv"] {
        let (r, left) = fetch_zip(&zip_of(&[(name, b"x"), ("ratings.csv", good.as_bytes())]));
        assert!(r.is_err(), "{name} accepted");
        assert!(left.is_empty(), "{name}: left {left:?}");
    }
    // A compression bomb: 1 GiB of zeros in a ~1 MiB archive is refused while unpacking,
    // long before it is written out.
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    w.start_file("ml-corpus/ratings.csv", opts).unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..1024 {
        w.write_all(&zeros).unwrap();
    }
    let bomb = w.finish().unwrap().into_inner();
    assert!(bomb.len() < 4 << 20, "bomb is {} bytes", bomb.len());
    let (r, left) = fetch_zip(&bomb);
    let e = r.expect_err("the bomb was unpacked");
    assert!(e.to_string().contains("ratio"), "{e}");
    assert!(left.is_empty(), "bomb: left {left:?}");
}
