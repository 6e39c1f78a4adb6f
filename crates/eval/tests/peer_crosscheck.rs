//! Cross-check of the ranking metrics against the peers' own definitions: random data with
//! many score ties and non-contiguous numeric raw ids is written to CSV, `peers/common.py`
//! (numpy + pandas) ranks and scores it, and every figure must agree with
//! `cinerec_eval::ranking_metrics` to 1e-12. Prints a loud `SKIP` line when python3,
//! numpy/pandas or the peers directory (`$CINEREC_PEERS`, default `../shared/peers`) is missing.

#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use cinerec_core::{
    Catalog, CoreError, Dataset, FitObserver, IdMap, Interactions, ItemIdx, Recommender, Rng,
    UserRef,
};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

struct Fixed(Vec<Vec<f32>>);

impl Recommender for Fixed {
    fn name(&self) -> &'static str {
        "fixed"
    }
    fn params(&self) -> serde_json::Value {
        serde_json::Value::Null
    }
    fn fit(&mut self, _: &Dataset, _: &mut dyn FitObserver) -> cinerec_core::Result<()> {
        Ok(())
    }
    fn predict(&self, _: UserRef<'_>, _: ItemIdx) -> cinerec_core::Result<f32> {
        Err(CoreError::Unsupported {
            model: "fixed",
            what: "predict",
        })
    }
    fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> cinerec_core::Result<()> {
        match user {
            UserRef::Known(u) if u.ix() < self.0.len() => {
                out.copy_from_slice(&self.0[u.ix()]);
                Ok(())
            }
            _ => Err(CoreError::UnknownUser("?".into())),
        }
    }
    fn save_state(&self) -> cinerec_core::Result<Vec<u8>> {
        Ok(vec![])
    }
    fn load_state(&mut self, _: &[u8]) -> cinerec_core::Result<()> {
        Ok(())
    }
}

const PY: &str = r#"
import sys, json
import numpy as np, pandas as pd
sys.path.insert(0, sys.argv[1])
import common as C
d = sys.argv[2]
train, test = pd.read_csv(d + "/train.csv"), pd.read_csv(d + "/test.csv")
items = pd.read_csv(d + "/items.csv")["item"].to_numpy()
scores = np.loadtxt(d + "/scores.csv", delimiter=",", ndmin=2)
idx = C.Index(train["user"].unique(), items)
seen = C.train_mask(train, idx)
top = {u: idx.items[C.topk_from_scores(scores[k], seen[k])] for k, u in enumerate(idx.users)}
print(json.dumps(C.ranking_metrics(top, test, idx, train)))
"#;

fn peers_dir() -> PathBuf {
    std::env::var_os("CINEREC_PEERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/peers"))
}

/// Every user has 1–12 train and ≥ 1 test movies out of 25; item raw ids 7, 17, …, 247
/// (numeric order ≠ text order); scores in steps of 0.5 (many ties); item 24 never in train.
fn case(seed: u64, dir: &std::path::Path) -> (Dataset, Interactions, Fixed) {
    let mut rng = Rng::new(seed);
    let (nu, ni) = (40usize, 25usize);
    let raw_item = |i: usize| (10 * i + 7).to_string();
    let cat = Arc::new(Catalog {
        users: IdMap::from_raw_sorted((1..=nu).map(|u| u.to_string()).collect()),
        items: IdMap::from_raw_sorted((0..ni).map(raw_item).collect()),
        item_meta: vec![Default::default(); ni],
        user_meta: vec![Default::default(); nu],
        genre_names: vec![],
    });
    let (mut train, mut test) = (Interactions::default(), Interactions::default());
    let (mut tr_csv, mut te_csv) = (
        String::from("user,item,rating\n"),
        String::from("user,item,rating\n"),
    );
    for u in 0..nu {
        let mut order: Vec<usize> = (0..ni - 1).collect();
        rng.shuffle(&mut order);
        let n_train = 1 + rng.below(12) as usize;
        let n_test = 1 + rng.below(12) as usize;
        for (j, &i) in order.iter().take(n_train + n_test).enumerate() {
            let v = 1 + rng.below(5) as u32;
            let (inter, csv) = if j < n_train {
                (&mut train, &mut tr_csv)
            } else {
                (&mut test, &mut te_csv)
            };
            inter.push(u as u32, i as u32, v as f32, 0);
            csv.push_str(&format!("{},{},{v}\n", u + 1, raw_item(i)));
        }
    }
    let scores: Vec<Vec<f32>> = (0..nu)
        .map(|_| (0..ni).map(|_| rng.below(8) as f32 * 0.5).collect())
        .collect();
    let sc_csv: String = scores
        .iter()
        .map(|r| {
            r.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(",")
                + "\n"
        })
        .collect();
    let items_csv: String = std::iter::once("item".to_string())
        .chain((0..ni).map(raw_item))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    for (name, text) in [
        ("train.csv", tr_csv),
        ("test.csv", te_csv),
        ("scores.csv", sc_csv),
        ("items.csv", items_csv),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
    }
    (Dataset::new("xcheck", cat, train), test, Fixed(scores))
}

#[test]
fn ranking_metrics_match_common_py() {
    let peers = peers_dir();
    if !peers.join("common.py").is_file() {
        skip(&format!(
            "SKIP ranking_metrics_match_common_py: no common.py in {} (set CINEREC_PEERS)",
            peers.display()
        ));
        return;
    }
    match Command::new("python3")
        .args(["-c", "import numpy, pandas"])
        .output()
    {
        Ok(o) if o.status.success() => {}
        _ => {
            skip("SKIP ranking_metrics_match_common_py: python3 with numpy + pandas not available");
            return;
        }
    }
    for seed in [1u64, 2, 3] {
        let dir =
            std::env::temp_dir().join(format!("cinerec-eval-xcheck-{}-{seed}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (train, test, model) = case(seed, &dir);
        let out = Command::new("python3")
            .args(["-c", PY])
            .arg(&peers)
            .arg(&dir)
            .output()
            .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            out.status.success(),
            "python failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let py: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let ours = cinerec_eval::ranking_metrics(&model, &train, &test, 10, 2).unwrap();
        let pairs = [
            ("precision@10", ours.precision),
            ("recall@10", ours.recall),
            ("ndcg@10", ours.ndcg),
            ("hitrate@10", ours.hitrate),
            ("map@10", ours.map),
            ("coverage@10", ours.coverage),
            ("n_users", ours.n_users as f64),
            (
                "mean_train_count_of_recommended",
                ours.mean_train_count_of_recommended,
            ),
            (
                "share_recommended_with_le5_train_ratings",
                ours.share_recommended_with_le5_train_ratings,
            ),
        ];
        for (key, v) in pairs {
            let p = py[key]
                .as_f64()
                .unwrap_or_else(|| panic!("common.py gave no {key}: {py}"));
            assert!(
                (p - v).abs() < 1e-12,
                "seed {seed} {key}: common.py {p} vs ours {v}"
            );
        }
        assert!(
            ours.precision > 0.0 && ours.precision < 1.0,
            "degenerate case"
        );
    }
}

/// Reports a skipped check on the real stderr, which the test harness does not capture, so
/// the line shows up in `cargo test` output even when the test passes.
fn skip(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n*** {msg} ***");
}
