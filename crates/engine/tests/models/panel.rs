//! The "never lose" contract of issue #15 over the dataset panel (`cinerec_data::panel`,
//! small sizes): on every panel dataset, every registered model at its defaults has test
//! RMSE ≤ the `baseline` model's if it predicts ratings, and NDCG@10 ≥ `popularity`'s if it
//! is ranking-only (`auto`, which serves both, is judged on both). A model added to the
//! registry is covered without touching this file.
//!
//! No tolerance: each model is compared with the references on the same split, same seeds,
//! so the comparison is deterministic; a model that only ties the reference by chance on
//! one split passes only if it is at least as good there.

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
        if rating {
            match rmse {
                Some(r) if r <= base => {}
                r => losses.push(format!("{model}: RMSE {r:?} > baseline {base:.4}")),
            }
        }
        if (!rating || BOTH.contains(&model)) && (ndcg.is_nan() || ndcg < pop) {
            losses.push(format!("{model}: NDCG@10 {ndcg:.4} < popularity {pop:.4}"));
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
