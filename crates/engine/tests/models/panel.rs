//! The "never lose" contract of issue #15 over the dataset panel (`cinerec_data::panel`,
//! small sizes): on every panel dataset, every registered model at its defaults has test
//! RMSE ≤ the `baseline` model's if it predicts ratings, and NDCG@10 ≥ `popularity`'s if it
//! is ranking-only (`auto`, which serves both, is judged on both). A model added to the
//! registry is covered without touching this file.
//!
//! Each model is compared with the references on the same split, same seeds, so the
//! comparison is deterministic. The one tolerance is float rounding on RMSE ([`RMSE_TIE`]):
//! a rating network whose residual the support shrink drops everywhere (`α = 0`,
//! `cinerec_neural::shrink`) predicts the baseline's own numbers, computed in `f32`.

use cinerec_core::NoObserver;
use cinerec_data::panel::{self, PanelSize};
use cinerec_engine::registry;
use cinerec_eval::{evaluate, predicts_ratings, EvalConfig};
use std::time::Instant;

/// Models the registry lists but this build cannot fit (as in `contract.rs`).
const SCORING_ONLY: &[&str] = if cfg!(all(feature = "neural", not(feature = "neural-train"))) {
    &["twotower", "features", "autoencoder", "autorec"]
} else {
    &[]
};
/// The references themselves and the chance-level floor (`random` is Surprise's
/// NormalPredictor: below every reference by definition), and the content-only `tfidf`,
/// which the issue exempts from the ranking check.
const EXEMPT: &[&str] = &["baseline", "popularity", "random", "tfidf"];
/// Rating models also judged on ranking (they serve `/recommend` with a ranking model).
const BOTH: &[&str] = &["auto"];

/// Losses measured and still open in issue #15 (dataset, model, check): reported loudly on
/// every run instead of failing it, so the contract guards every other pair in CI. A pair
/// that starts passing is reported too (remove it here). The list may only shrink.
const KNOWN_LOSSES: &[(&str, &str, &str)] = &[
    // Empty since the residual support shrink (neural), BPR's popularity prior and the
    // blend's cold fallback: every pair meets the contract.
];

/// RMSE differences below this are float rounding, a tie with the baseline.
const RMSE_TIE: f64 = 1e-6;

/// Writes past the test harness's output capture, so the line shows in every run's log.
fn loud(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "*** {msg} ***");
}

fn known(dataset: &str, model: &str, check: &str) -> bool {
    KNOWN_LOSSES.contains(&(dataset, model, check))
}

/// (rmse, ndcg@10) of a registry model at its defaults on the split.
fn score(name: &str, s: &cinerec_data::split::Split) -> (bool, Option<f64>, f64) {
    let mut m = registry::create(name, None).unwrap_or_else(|e| panic!("create {name}: {e}"));
    m.fit(&s.train, &mut NoObserver)
        .unwrap_or_else(|e| panic!("{name} on {}: fit failed: {e}", s.train.name));
    let r = evaluate(m.as_ref(), &s.train, &s.test, &EvalConfig::default())
        .unwrap_or_else(|e| panic!("{name}: evaluate: {e}"));
    let ndcg = r.metrics.get("ndcg@10").unwrap_or(f64::NAN);
    (
        predicts_ratings(m.as_ref(), &s.train),
        r.metrics.get("rmse"),
        ndcg,
    )
}

/// Runs the contract on panel dataset `name`; panics listing every model that loses.
fn never_lose(name: &str) {
    let d = panel::find(name, PanelSize::Small).unwrap();
    let s = d.load().unwrap();
    let (_, base, _) = score("baseline", &s);
    let base = base.expect("baseline predicts ratings");
    let (_, _, pop) = score("popularity", &s);
    let mut losses = Vec::new();
    for model in registry::names() {
        if EXEMPT.contains(&model) || SCORING_ONLY.contains(&model) {
            continue;
        }
        let t = Instant::now();
        let (rating, rmse, ndcg) = score(model, &s);
        eprintln!(
            "{name} {model}: rmse {rmse:?} (baseline {base:.4}), ndcg@10 {ndcg:.4} \
             (popularity {pop:.4}), {:.1}s",
            t.elapsed().as_secs_f64()
        );
        let mut judge =
            |check: &str, lost: bool, what: String| match (lost, known(name, model, check)) {
                (true, false) => losses.push(what),
                (true, true) => loud(&format!(
                    "KNOWN LOSS (issue #15, still open): {name} {what}"
                )),
                (false, true) => loud(&format!(
                    "{name} {model} {check} now meets the contract: remove it from KNOWN_LOSSES"
                )),
                (false, false) => {}
            };
        if rating {
            let lost = !rmse.is_some_and(|r| r <= base + RMSE_TIE);
            judge(
                "rmse",
                lost,
                format!("{model}: RMSE {rmse:?} > baseline {base:.4}"),
            );
        }
        if !rating || BOTH.contains(&model) {
            let lost = ndcg.is_nan() || ndcg < pop;
            judge(
                "ndcg",
                lost,
                format!("{model}: NDCG@10 {ndcg:.4} < popularity {pop:.4}"),
            );
        }
    }
    assert!(
        losses.is_empty(),
        "{name}: {} model(s) lose to the reference:\n  {}",
        losses.len(),
        losses.join("\n  ")
    );
}

#[test]
fn never_lose_halfstar_longtail() {
    never_lose("halfstar-longtail");
}
#[test]
fn never_lose_tenpoint() {
    never_lose("tenpoint");
}
#[test]
fn never_lose_manyusers() {
    never_lose("manyusers");
}
#[test]
fn never_lose_coldstart() {
    never_lose("coldstart");
}
#[test]
fn never_lose_dense_temporal() {
    never_lose("dense-temporal");
}

#[test]
fn the_tests_cover_the_whole_small_panel() {
    let names: Vec<&str> = panel::datasets(PanelSize::Small)
        .iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(
        names,
        [
            "halfstar-longtail",
            "tenpoint",
            "manyusers",
            "coldstart",
            "dense-temporal"
        ]
    );
}
