//! Tests of [`crate::report`] and [`crate::evaluate`]: metric keys and order, JSON
//! round-trip, atomic writes, Markdown / terminal rendering.

use super::tiny;
use crate::*;

fn full_config() -> EvalConfig {
    EvalConfig {
        factorized: true,
        sample_precision: true,
        split: serde_json::json!({"kind": "hand-made"}),
        seed: Some(42),
        fit_seconds: Some(0.5),
        ..Default::default()
    }
}

#[test]
fn evaluate_emits_peer_keys_in_order() {
    let (train, test, fake) = tiny();
    let r = evaluate(&fake, &train, &test, &full_config()).unwrap();
    let keys: Vec<&str> = r.metrics.keys().collect();
    let want = [
        "rmse",
        "mae",
        "n_test",
        "n_impossible",
        "precision@10",
        "recall@10",
        "ndcg@10",
        "hitrate@10",
        "map@10",
        "mrr@10",
        "coverage@10",
        "diversity@10",
        "novelty@10",
        "n_users",
        "mean_train_count_of_recommended",
        "share_recommended_with_le5_train_ratings",
        "n_users_unscored",
        "top1_accuracy",
        "top5_accuracy",
        "top10_accuracy",
        "top50_accuracy",
        "top100_accuracy",
        "n_factorized_unscored",
        "precision@10_in_sample",
        "precision@10_out_of_sample",
    ];
    assert_eq!(keys, want);
    // 6 items: everything unseen is in the top 10; u0 has 4 candidates, u1 has 5.
    assert_eq!(
        r.metrics.get("precision@10"),
        Some((2.0 / 10.0 + 1.0 / 10.0) / 2.0)
    );
    assert_eq!(r.metrics.get("top5_accuracy"), Some(1.0));
    assert_eq!(r.metrics.get("top1_accuracy"), Some(0.0));
    assert_eq!(r.dataset.hash, train.hash());
    assert_eq!((r.seed, r.timings.fit_s), (Some(42), Some(0.5)));
    assert!(r.timings.predict_s.is_some() && r.timings.rank_s.is_some());

    let v: serde_json::Value = serde_json::from_str(&r.to_json().unwrap()).unwrap();
    let top: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "cinerec_version",
        "dataset",
        "split",
        "seed",
        "model",
        "timings",
        "metrics",
    ] {
        assert!(top.contains(&k), "missing {k}");
    }
    assert_eq!(v["metrics"]["n_users"], serde_json::json!(2)); // an integer, as in common.py
    assert_eq!(v["model"]["name"], "fake");
    assert_eq!(v["split"]["kind"], "hand-made");
    let back: Report = serde_json::from_str(&r.to_json().unwrap()).unwrap();
    assert_eq!(back, r);
    assert_eq!(back.metrics.keys().collect::<Vec<_>>(), want);
}

#[test]
fn config_switches_select_metrics() {
    let (train, test, fake) = tiny();
    let cfg = EvalConfig {
        rating: false,
        k: 3,
        ..Default::default()
    };
    let r = evaluate(&fake, &train, &test, &cfg).unwrap();
    assert_eq!(r.metrics.get("rmse"), None);
    assert_eq!(r.metrics.get("precision@3"), Some(0.5));
    assert_eq!(r.metrics.get("top1_accuracy"), None);
    assert_eq!(r.timings.predict_s, None);
}

#[test]
fn writes_are_atomic_and_render() {
    let (train, test, fake) = tiny();
    let r = evaluate(&fake, &train, &test, &full_config()).unwrap();
    let dir = std::env::temp_dir().join(format!("cinerec-eval-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    r.write_json(dir.join("r.json")).unwrap();
    r.write_markdown(dir.join("r.md")).unwrap();
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "leftover temp files: {names:?}");
    let back: Report =
        serde_json::from_str(&std::fs::read_to_string(dir.join("r.json")).unwrap()).unwrap();
    assert_eq!(back, r);
    let md = std::fs::read_to_string(dir.join("r.md")).unwrap();
    assert!(
        md.contains("| precision@10 | 0.1500 |") && md.contains("| n_users | 2 |"),
        "{md}"
    );
    assert!(matches!(
        r.write_json(dir.join("missing/dir/r.json")),
        Err(EvalError::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();

    let t = r.to_table();
    assert!(
        t.lines().any(|l| l.starts_with("ndcg@10 ")
            && l.trim_end()
                .ends_with(&format!("{:.4}", r.metrics.get("ndcg@10").unwrap()))),
        "{t}"
    );

    let mut other = r.clone();
    other.model.name = "other".into();
    other.metrics.set("rmse", 1.25);
    other.metrics.set("extra", 2.0);
    let cmp = comparison_markdown(&[r, other]);
    let lines: Vec<&str> = cmp.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(lines[0].starts_with("| model | dataset | rmse |") && lines[0].contains("| extra |"));
    assert!(
        lines[2].starts_with("| fake | tiny |") && lines[2].contains("| - | 0.500 |"),
        "{}",
        lines[2]
    );
    assert!(lines[3].starts_with("| other | tiny | 1.2500 |"));
}
