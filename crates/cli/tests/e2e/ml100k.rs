//! End-to-end on real MovieLens-100K: info, titles, train → recommend → predict.

use crate::{cinerec, json, ml100k};

#[test]
fn info_counts_and_titles() {
    let Some(dir) = ml100k("ml100k::info_counts_and_titles") else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let v = json(&cinerec(
        t.path(),
        t.path(),
        &["--output", "json", "data", "info", dir.to_str().unwrap()],
    ));
    assert_eq!(v["users"], 943);
    assert_eq!(v["movies"], 1682);
    assert_eq!(v["ratings"], 100000);
    assert_eq!(v["rating_scale"], serde_json::json!([1.0, 5.0]));
}

#[test]
fn train_recommend_predict() {
    let Some(dir) = ml100k("ml100k::train_recommend_predict") else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let d = dir.to_str().unwrap();
    let r = cinerec(
        t.path(),
        t.path(),
        &["train", "--data", d, "--model", "baseline"],
    );
    assert!(r.ok, "{}", r.stderr);
    let v = json(&cinerec(
        t.path(),
        t.path(),
        &[
            "--output",
            "json",
            "recommend",
            "--data",
            d,
            "--user",
            "196",
            "-n",
            "10",
        ],
    ));
    assert_eq!(v.as_array().unwrap().len(), 10);
    let v = json(&cinerec(
        t.path(),
        t.path(),
        &[
            "--output",
            "json",
            "predict",
            "--data",
            d,
            "--user",
            "196",
            "--movie",
            "Toy Story",
        ],
    ));
    assert_eq!(v["movie"], "1");
    let p = v["prediction"].as_f64().unwrap();
    assert!((1.0..=5.0).contains(&p));
    // an ambiguous title lists its candidates (ML-100K has two "Chasing Amy" entries)
    let r = cinerec(
        t.path(),
        t.path(),
        &[
            "predict",
            "--data",
            d,
            "--user",
            "196",
            "--movie",
            "Chasing Amy",
        ],
    );
    assert!(!r.ok);
    assert!(
        r.stderr.contains("matches 2 movies")
            && r.stderr.contains("246")
            && r.stderr.contains("268"),
        "{}",
        r.stderr
    );
    // a misspelt title gets suggestions
    let r = cinerec(
        t.path(),
        t.path(),
        &[
            "predict",
            "--data",
            d,
            "--user",
            "196",
            "--movie",
            "Toy Stroy",
        ],
    );
    assert!(!r.ok && r.stderr.contains("Toy Story"), "{}", r.stderr);
}
