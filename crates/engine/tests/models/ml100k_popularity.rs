//! End to end on real MovieLens-100K: load (`$CINEREC_ML100K`, a folder with `u.data` or a
//! RecBole `ml-100k.inter`), the peers' temporal split (cinerec-data), the popularity model
//! (cinerec-models), then [`cinerec_eval::evaluate`] must reproduce every ranking figure of
//! the peers' own Popularity run in `reference_results.json` (`$CINEREC_PEERS`, default
//! `../shared/peers`). Prints a loud `SKIP` line when the data or the reference is missing.

use cinerec_data::loaders::{load, LoadOptions};
use cinerec_data::split::{split, SplitSpec};
use cinerec_eval::{evaluate, EvalConfig};
use std::path::PathBuf;

#[test]
fn popularity_on_ml100k_matches_peer_reference() {
    let Some(data) = std::env::var_os("CINEREC_ML100K").map(PathBuf::from) else {
        skip("SKIP popularity_on_ml100k_matches_peer_reference: CINEREC_ML100K is not set");
        return;
    };
    let peers = std::env::var_os("CINEREC_PEERS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/peers"));
    let Ok(text) = std::fs::read_to_string(peers.join("reference_results.json")) else {
        skip(&format!(
            "SKIP popularity_on_ml100k_matches_peer_reference: no reference_results.json in {}",
            peers.display()
        ));
        return;
    };
    let reference: serde_json::Value = serde_json::from_str(&text).unwrap();
    let want = &reference["peers"]["own"]["models"]["Popularity"]["ranking"];

    let full = load(&data, &LoadOptions::default()).unwrap();
    let s = split(&full, &SplitSpec::peer_temporal()).unwrap();
    let mut model = cinerec_engine::registry::create("popularity", None).unwrap();
    model.fit(&s.train, &mut cinerec_core::NoObserver).unwrap();
    let cfg = EvalConfig {
        rating: false,
        factorized: true,
        split: serde_json::Value::String(s.description.clone()),
        ..Default::default()
    };
    let report = evaluate(model.as_ref(), &s.train, &s.test, &cfg).unwrap();
    println!("{}", report.to_table());
    let keys = want
        .as_object()
        .expect("reference has the Popularity ranking figures");
    assert!(keys.len() >= 9);
    for (key, v) in keys {
        let (w, ours) = (v.as_f64().unwrap(), report.metrics.get(key));
        let ours = ours.unwrap_or_else(|| panic!("report lacks {key}"));
        assert!((w - ours).abs() < 1e-9, "{key}: peer {w} vs ours {ours}");
    }
    assert_eq!(report.metrics.get("n_users_unscored"), Some(0.0));
    // Factorized accuracy can only grow with K.
    let acc: Vec<f64> = [1, 5, 10, 50, 100]
        .iter()
        .map(|k| report.metrics.get(&format!("top{k}_accuracy")).unwrap())
        .collect();
    assert!(
        acc.windows(2).all(|w| w[0] <= w[1]) && acc[4] > acc[0],
        "{acc:?}"
    );
}

/// Reports a skipped check on the real stderr, which the test harness does not capture, so
/// the line shows up in `cargo test` output even when the test passes.
fn skip(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n*** {msg} ***");
}
