//! The reference comparison: cinerec reproduces the peers' split files byte for byte and,
//! evaluated on them, the popularity and BaselineOnly figures of `reference_results.json`.

use crate::{cinerec, json, ml100k, peers};
use sha2::{Digest, Sha256};
use std::path::Path;

fn sha256(p: &Path) -> String {
    let b = std::fs::read(p).unwrap();
    Sha256::digest(&b)
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect()
}

#[test]
fn peer_splits_identical_and_reference_figures_reproduced() {
    let name = "peers::peer_splits_identical_and_reference_figures_reproduced";
    let (Some(dir), Some(peers)) = (ml100k(name), peers(name)) else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("splits");
    let r = cinerec(
        t.path(),
        t.path(),
        &[
            "data",
            "split",
            dir.to_str().unwrap(),
            "--peer",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(r.ok, "{}", r.stderr);
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(peers.join("expected_manifest.json")).unwrap(),
    )
    .unwrap();
    for (file, m) in manifest["files"].as_object().unwrap() {
        assert_eq!(
            sha256(&out.join(file)),
            m["sha256"].as_str().unwrap(),
            "{file} differs from peers/split.py output"
        );
    }
    let refs: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(peers.join("reference_results.json")).unwrap(),
    )
    .unwrap();
    let s = |f: &str| out.join(f).to_str().unwrap().to_string();
    let jp = t.path().join("pop.json");
    let r = cinerec(
        t.path(),
        t.path(),
        &[
            "--quiet",
            "eval",
            "--model",
            "popularity",
            "--train",
            &s("temporal_train.csv"),
            "--test",
            &s("temporal_test.csv"),
            "--json",
            jp.to_str().unwrap(),
        ],
    );
    assert!(r.ok, "{}", r.stderr);
    let pop: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&jp).unwrap()).unwrap();
    let reference = find(&refs, "Popularity");
    for key in [
        "precision@10",
        "ndcg@10",
        "recall@10",
        "hitrate@10",
        "map@10",
        "coverage@10",
    ] {
        let ours = pop["metrics"][key].as_f64().unwrap();
        let theirs = reference["ranking"][key].as_f64().unwrap();
        assert_eq!(format!("{ours:.4}"), format!("{theirs:.4}"), "{key}");
    }
    let v = json(&cinerec(
        t.path(),
        t.path(),
        &[
            "--output",
            "json",
            "--quiet",
            "eval",
            "--model",
            "baseline",
            "--train",
            &s("ratings_train.csv"),
            "--test",
            &s("ratings_test.csv"),
            "--metrics",
            "rating",
        ],
    ));
    let rmse = v[0]["metrics"]["rmse"].as_f64().unwrap();
    let surprise = find(&refs, "BaselineOnly")["rating"]["rmse"]
        .as_f64()
        .unwrap();
    assert!(
        (rmse - surprise).abs() <= 0.003,
        "BaselineOnly RMSE {rmse} vs Surprise {surprise}"
    );
}

/// The entry of model `name` in reference_results.json, wherever the peer nests it.
fn find<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    fn walk<'a>(v: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(x) = m.get(name) {
                    return Some(x);
                }
                m.values().find_map(|x| walk(x, name))
            }
            serde_json::Value::Array(a) => a.iter().find_map(|x| walk(x, name)),
            _ => None,
        }
    }
    walk(v, name).unwrap_or_else(|| panic!("{name} not in reference_results.json"))
}
