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

#[test]
fn recommend_has_the_api_options_and_reads_a_store() {
    let Some(dir) = ml100k("ml100k::recommend_has_the_api_options_and_reads_a_store") else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let d = dir.to_str().unwrap();
    let rec = |extra: &[&str]| {
        let mut args = vec!["--output", "json", "recommend", "--user", "196", "-n", "5"];
        args.extend_from_slice(extra);
        cinerec(t.path(), t.path(), &args)
    };
    let ids = |v: &serde_json::Value| -> Vec<String> {
        let list = v.as_array().unwrap();
        list.iter()
            .map(|r| r["movie"].as_str().unwrap().to_string())
            .collect()
    };
    let plain = json(&rec(&["--data", d, "--model", "itemknn"]));
    assert_eq!(plain.as_array().unwrap().len(), 5);
    // λ = 1 is relevance only: the plain order; explanations name rated movies.
    let same = json(&rec(&[
        "--data",
        d,
        "--model",
        "itemknn",
        "--diversity",
        "1",
        "--explain",
    ]));
    assert_eq!(ids(&same), ids(&plain));
    for r in same.as_array().unwrap() {
        let because = r["because"].as_array().unwrap();
        assert!(!because.is_empty() && because.len() <= 3, "{r}");
    }
    assert!(plain.as_array().unwrap()[0].get("because").is_none());
    let comedy = json(&rec(&[
        "--data", d, "--model", "itemknn", "--genre", "Comedy",
    ]));
    for r in comedy.as_array().unwrap() {
        let genres = r["genres"].as_array().unwrap();
        assert!(genres.iter().any(|g| g == "Comedy"), "{r}");
    }
    let bad = rec(&["--data", d, "--diversity", "1.5"]);
    // With --output json the error is a JSON document on stdout.
    assert!(
        !bad.ok && bad.stdout.contains("--diversity"),
        "{}",
        bad.stdout
    );
    // The same query against a store: imported from the same files, same answers.
    let url = format!("sqlite://{}", t.path().join("s.db").display());
    let r = cinerec(t.path(), t.path(), &["import", d, "--store", &url]);
    assert!(r.ok, "{}", r.stderr);
    let from_store = json(&rec(&["--store", &url, "--model", "itemknn"]));
    assert_eq!(ids(&from_store), ids(&plain));
    // With a registered model activated in the store, it answers when no model is named.
    let r = cinerec(
        t.path(),
        t.path(),
        &["train", "--store", &url, "--model", "svd"],
    );
    assert!(r.ok, "{}", r.stderr);
    let r = cinerec(
        t.path(),
        t.path(),
        &["models", "--store", &url, "--activate", "1"],
    );
    assert!(r.ok && r.stdout.contains("svd"), "{}", r.stderr);
    // (text output: the note saying which model answers goes to stderr)
    let active = cinerec(
        t.path(),
        t.path(),
        &["recommend", "--store", &url, "--user", "196", "-n", "5"],
    );
    assert!(active.ok, "{}", active.stderr);
    assert!(
        active.stderr.contains("active model: version 1 (svd)") && active.stdout.contains("(svd)"),
        "{}\n{}",
        active.stdout,
        active.stderr
    );
    let bad = cinerec(
        t.path(),
        t.path(),
        &["models", "--store", &url, "--activate", "9"],
    );
    assert!(!bad.ok && bad.stderr.contains("9"), "{}", bad.stderr);
}
