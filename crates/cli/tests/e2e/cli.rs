//! CLI behaviour that needs no real dataset: generated files, errors, JSON mode.

use crate::{cinerec, json};
use std::fs;

fn write_ratings(dir: &std::path::Path) -> std::path::PathBuf {
    let p = dir.join("tiny.csv");
    let mut s = String::from("user,item,rating,timestamp\n");
    for u in 1..=30 {
        for i in 1..=20 {
            if (u * 7 + i * 3) % 4 != 0 {
                s.push_str(&format!(
                    "{u},{i},{},{}\n",
                    1 + (u + i) % 5,
                    1_000_000 + u * 100 + i
                ));
            }
        }
    }
    fs::write(&p, s).unwrap();
    p
}

#[test]
fn info_on_a_generic_csv_file() {
    let t = tempfile::tempdir().unwrap();
    let f = write_ratings(t.path());
    let v = json(&cinerec(
        t.path(),
        t.path(),
        &["--output", "json", "data", "info", f.to_str().unwrap()],
    ));
    assert_eq!(v["users"], 30);
    assert_eq!(v["movies"], 20);
    assert_eq!(v["ratings"], 450);
}

#[test]
fn malformed_file_names_file_line_and_field() {
    let t = tempfile::tempdir().unwrap();
    let p = t.path().join("bad.csv");
    fs::write(&p, "user,item,rating,timestamp\n1,2,3,100\n1,3,abc,101\n").unwrap();
    let r = cinerec(t.path(), t.path(), &["data", "info", p.to_str().unwrap()]);
    assert!(!r.ok);
    assert!(r.stderr.contains("bad.csv:3"), "{}", r.stderr);
    assert!(r.stderr.contains("rating"), "{}", r.stderr);
}

#[test]
fn import_is_idempotent_refuses_a_malformed_file_whole_and_train_registers() {
    let t = tempfile::tempdir().unwrap();
    let f = write_ratings(t.path());
    let store = format!("sqlite://{}", t.path().join("s.db").display());
    let import = |file: &std::path::Path| {
        cinerec(
            t.path(),
            t.path(),
            &[
                "--output",
                "json",
                "import",
                file.to_str().unwrap(),
                "--store",
                &store,
                "--batch",
                "100",
            ],
        )
    };
    for _ in 0..2 {
        let r = import(&f);
        assert!(r.ok, "{}", r.stderr);
        let v = json(&r);
        assert_eq!(v["store_counts"]["ratings"], 450, "{v}");
        assert_eq!(v["store_counts"]["users"], 30, "{v}");
    }
    // A copy with every rating changed and one bad row near the end: nothing of it lands.
    let good = fs::read_to_string(&f).unwrap();
    let mut lines: Vec<String> = good.lines().map(|l| l.replacen(",1,", ",2,", 1)).collect();
    lines[400] = "7,3,abc,5".into();
    let bad = t.path().join("bad.csv");
    fs::write(&bad, lines.join("\n")).unwrap();
    let r = import(&bad);
    assert!(!r.ok);
    let said = format!("{}{}", r.stdout, r.stderr); // JSON mode reports errors on stdout
    assert!(said.contains("bad.csv:401"), "{said}");
    assert!(said.contains("field `rating`"), "{said}");
    let v = json(&import(&f));
    assert_eq!(v["store_counts"]["ratings"], 450, "{v}");
    // Training from the store registers the model, with what it measured.
    let r = cinerec(
        t.path(),
        t.path(),
        &[
            "--output",
            "json",
            "train",
            "--store",
            &store,
            "--model",
            "baseline",
            "--out",
            t.path().join("b.cinerec").to_str().unwrap(),
        ],
    );
    assert!(r.ok, "{}", r.stderr);
    let v = json(&r);
    assert_eq!(v["registered_version"], 1, "{v}");
}

#[test]
fn missing_dataset_suggests_fetch_and_json_errors_are_json() {
    let t = tempfile::tempdir().unwrap();
    let r = cinerec(t.path(), t.path(), &["data", "info", "ml-1m"]);
    assert!(!r.ok);
    assert!(
        r.stderr.contains("cinerec data fetch ml-1m"),
        "{}",
        r.stderr
    );
    let r = cinerec(
        t.path(),
        t.path(),
        &["--output", "json", "data", "info", "ml-1m"],
    );
    assert!(!r.ok);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON error");
    assert!(v["error"].as_str().unwrap().contains("ml-1m"));
}

#[test]
fn eval_train_recommend_on_generated_data() {
    let t = tempfile::tempdir().unwrap();
    let f = write_ratings(t.path());
    let fs_ = f.to_str().unwrap();
    let v = json(&cinerec(
        t.path(),
        t.path(),
        &[
            "--output",
            "json",
            "eval",
            "--data",
            fs_,
            "--model",
            "baseline",
            "--split",
            "random",
            "--metrics",
            "rating,ranking",
        ],
    ));
    let r = &v[0];
    assert!(r["metrics"]["rmse"].as_f64().unwrap() > 0.0);
    assert!(r["metrics"]["ndcg@10"].as_f64().is_some());
    let tr = cinerec(
        t.path(),
        t.path(),
        &["train", "--data", fs_, "--model", "baseline"],
    );
    assert!(tr.ok, "{}", tr.stderr);
    let v = json(&cinerec(
        t.path(),
        t.path(),
        &[
            "--output",
            "json",
            "recommend",
            "--data",
            fs_,
            "--model",
            "baseline",
            "--user",
            "3",
            "-n",
            "5",
        ],
    ));
    let recs = v.as_array().unwrap();
    assert_eq!(recs.len(), 5);
    // never a movie user 3 rated: (3*7 + i*3) % 4 != 0 are rated
    for r in recs {
        let i: i64 = r["movie"].as_str().unwrap().parse().unwrap();
        assert_eq!((21 + i * 3) % 4, 0, "recommended seen movie {i}");
    }
    let r = cinerec(
        t.path(),
        t.path(),
        &["recommend", "--data", fs_, "--user", "999"],
    );
    assert!(!r.ok && r.stderr.contains("unknown user"), "{}", r.stderr);
}

#[test]
fn synth_then_load() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("syn");
    let r = cinerec(
        t.path(),
        t.path(),
        &[
            "--quiet",
            "data",
            "synth",
            "--users",
            "300",
            "--items",
            "200",
            "--ratings",
            "12000",
            "--seed",
            "3",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(r.ok, "{}", r.stderr);
    let v = json(&cinerec(
        t.path(),
        t.path(),
        &["--output", "json", "data", "info", out.to_str().unwrap()],
    ));
    assert_eq!(v["ratings"], 12000);
    assert_eq!(v["users"], 300);
}

#[test]
fn import_movies_adds_new_movies_to_a_store_and_names_bad_lines() {
    let t = tempfile::tempdir().unwrap();
    let f = write_ratings(t.path());
    let store = format!("sqlite://{}", t.path().join("m.db").display());
    let run = |args: &[&str]| cinerec(t.path(), t.path(), args);
    let r = run(&["import", f.to_str().unwrap(), "--store", &store]);
    assert!(r.ok, "{}", r.stderr);
    let movies = t.path().join("new.csv");
    fs::write(
        &movies,
        "movieId,title,genres,keywords,country\n\
         21,\"Heist, The (2026)\",Crime|Thriller,vault|twist,FR\n\
         22,Second Feature (2025),Drama,,\n",
    )
    .unwrap();
    let r = run(&[
        "--output",
        "json",
        "import",
        "--movies",
        movies.to_str().unwrap(),
        "--store",
        &store,
    ]);
    assert!(r.ok, "{}", r.stderr);
    let v = json(&r);
    assert_eq!(v["movies_written"], 2, "{v}");
    assert_eq!(v["store_counts"]["movies"], 22, "{v}");
    assert_eq!(v["store_counts"]["ratings"], 450, "{v}");
    fs::write(&movies, "movieId,title,genres\n23,Fine,Drama\n24,,Drama\n").unwrap();
    let r = run(&[
        "import",
        "--movies",
        movies.to_str().unwrap(),
        "--store",
        &store,
    ]);
    assert!(!r.ok);
    assert!(
        r.stderr.contains("new.csv:3") && r.stderr.contains("title"),
        "{}",
        r.stderr
    );
}
