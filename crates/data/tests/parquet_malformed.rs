//! Malformed Parquet datasets: every defect is an error naming the file, the row and the
//! field (or the file and what is missing) — never a panic; and well-formed files written by
//! other tools (integer ids of other widths, float64 ratings, timestamp types, `|` genres)
//! load.

use arrow_array::{
    ArrayRef, Float32Array, Float64Array, Int16Array, Int64Array, RecordBatch, StringArray,
    TimestampMillisecondArray, UInt32Array,
};
use arrow_schema::{Field, Schema};
use cinerec_data::loaders::{load, LoadOptions};
use cinerec_data::DataError;
use parquet::arrow::ArrowWriter;
use std::path::Path;
use std::sync::Arc;

/// Writes one file from `(name, array)` columns, in batches of `batch` rows.
fn write(path: &Path, cols: Vec<(&str, ArrayRef)>, batch: usize) {
    let schema = Arc::new(Schema::new(
        cols.iter()
            .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
            .collect::<Vec<_>>(),
    ));
    let n = cols[0].1.len();
    let mut w =
        ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema.clone(), None).unwrap();
    for start in (0..n).step_by(batch) {
        let len = batch.min(n - start);
        let arrays = cols.iter().map(|(_, a)| a.slice(start, len)).collect();
        w.write(&RecordBatch::try_new(schema.clone(), arrays).unwrap())
            .unwrap();
    }
    w.close().unwrap();
}

fn ratings_dir(cols: Vec<(&str, ArrayRef)>) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(&d.path().join("ratings.parquet"), cols, 2);
    d
}

fn err_of(d: &tempfile::TempDir) -> DataError {
    load(d.path(), &LoadOptions::default()).expect_err("malformed file must fail")
}

fn ids(v: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(v.to_vec()))
}

#[test]
fn null_rating_names_file_row_and_field() {
    let d = ratings_dir(vec![
        ("user", ids(&["1", "2", "3", "4"])),
        ("movie", ids(&["10", "11", "12", "13"])),
        (
            "rating",
            Arc::new(Float32Array::from(vec![
                Some(4.0),
                Some(3.0),
                None,
                Some(1.0),
            ])),
        ),
    ]);
    match err_of(&d) {
        DataError::Row {
            file,
            row,
            field,
            message,
        } => {
            assert!(file.ends_with("ratings.parquet"), "{file:?}");
            assert_eq!(row, 3, "the third row, in the second batch");
            assert_eq!(field, "rating");
            assert!(message.contains("null"), "{message}");
        }
        e => panic!("wrong error: {e}"),
    }
}

#[test]
fn bad_values_and_types_are_row_errors() {
    // a null user id in row 4
    let d = ratings_dir(vec![
        (
            "userId",
            Arc::new(StringArray::from(vec![
                Some("a"),
                Some("b"),
                Some("c"),
                None,
            ])),
        ),
        ("movieId", ids(&["1", "2", "3", "4"])),
    ]);
    let e = err_of(&d).to_string();
    assert!(e.contains("ratings.parquet: row 4: field `userId`"), "{e}");
    // a non-finite rating
    let d = ratings_dir(vec![
        ("user", ids(&["1", "2"])),
        ("item", ids(&["1", "2"])),
        ("rating", Arc::new(Float64Array::from(vec![1.0, f64::NAN]))),
    ]);
    let e = err_of(&d).to_string();
    assert!(
        e.contains("row 2: field `rating`") && e.contains("finite"),
        "{e}"
    );
    // a negative timestamp
    let d = ratings_dir(vec![
        ("user", ids(&["1", "2"])),
        ("movie", ids(&["1", "2"])),
        ("timestamp", Arc::new(Int64Array::from(vec![5, -1]))),
    ]);
    let e = err_of(&d).to_string();
    assert!(
        e.contains("row 2: field `timestamp`") && e.contains("out of range"),
        "{e}"
    );
    // a text rating column
    let d = ratings_dir(vec![
        ("user", ids(&["1"])),
        ("movie", ids(&["1"])),
        ("rating", ids(&["five"])),
    ]);
    let e = err_of(&d).to_string();
    assert!(
        e.contains("field `rating`") && e.contains("not a number"),
        "{e}"
    );
    // no movie column at all
    let d = ratings_dir(vec![
        ("user", ids(&["1"])),
        ("rating", Arc::new(Float32Array::from(vec![1.0]))),
    ]);
    let e = err_of(&d).to_string();
    assert!(
        e.contains("ratings.parquet") && e.contains("no movie id column"),
        "{e}"
    );
}

#[test]
fn not_parquet_and_bad_metadata_files() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("ratings.parquet"), b"user,movie\n1,2\n").unwrap();
    let e = err_of(&d).to_string();
    assert!(
        e.contains("ratings.parquet") && e.contains("not a readable Parquet file"),
        "{e}"
    );
    // a truncated file (a real one cut in half)
    let d = ratings_dir(vec![
        ("user", ids(&["1", "2", "3"])),
        ("movie", ids(&["1", "2", "3"])),
    ]);
    let p = d.path().join("ratings.parquet");
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    let e = err_of(&d).to_string();
    assert!(e.contains("ratings.parquet"), "{e}");
    // a good ratings file with a bad users file: a year that does not fit
    let d = ratings_dir(vec![("user", ids(&["1"])), ("movie", ids(&["1"]))]);
    write(
        &d.path().join("movies.parquet"),
        vec![
            ("id", ids(&["1", "2"])),
            ("year", Arc::new(Int64Array::from(vec![1999, 70000]))),
        ],
        8,
    );
    let e = err_of(&d).to_string();
    assert!(e.contains("movies.parquet: row 2: field `year`"), "{e}");
}

#[test]
fn other_tools_files_load() {
    let d = tempfile::tempdir().unwrap();
    let ts =
        TimestampMillisecondArray::from(vec![881_250_949_000, 891_717_742_000, 878_887_116_000]);
    write(
        &d.path().join("ratings.parquet"),
        vec![
            (
                "user_id",
                Arc::new(UInt32Array::from(vec![196, 186, 22])) as ArrayRef,
            ),
            ("item_id", Arc::new(Int16Array::from(vec![242, 302, 377]))),
            ("rating", Arc::new(Float64Array::from(vec![3.0, 3.0, 1.0]))),
            ("timestamp", Arc::new(ts.with_timezone("UTC"))),
        ],
        2,
    );
    write(
        &d.path().join("movies.parquet"),
        vec![
            (
                "movieId",
                Arc::new(Int64Array::from(vec![242, 302, 377, 999])) as ArrayRef,
            ),
            (
                "title",
                ids(&["Kolya", "L.A. Confidential", "Heavyweights", "Unrated"]),
            ),
            (
                "genres",
                ids(&[
                    "Comedy",
                    "Crime|Film-Noir|Mystery|Thriller",
                    "Children's|Comedy",
                    "",
                ]),
            ),
        ],
        8,
    );
    let ds = load(d.path(), &LoadOptions::default()).unwrap();
    assert_eq!(ds.n_ratings(), 3);
    assert_eq!(
        ds.n_items(),
        4,
        "the listed but unrated movie joins the catalogue"
    );
    let c = ds.catalog();
    assert_eq!(c.users.raws(), ["22", "186", "196"]);
    let k = c.items.get("302").unwrap() as usize;
    assert_eq!(c.item_meta[k].title.as_deref(), Some("L.A. Confidential"));
    assert_eq!(c.item_meta[k].genres.len(), 4);
    let times = ds.matrix().to_interactions().times;
    assert!(
        times.contains(&881_250_949),
        "milliseconds become seconds: {times:?}"
    );
}
