//! `auto` and `blend` (the engine's own models): on a synthetic catalogue with planted
//! structure, `auto` records its search, picks one rating and one ranking model, beats the
//! baseline's RMSE and popularity's NDCG@10 on a held-out split it never saw, and a refit
//! from its recorded choice skips the search and reproduces its predictions.

use cinerec_core::{CoreError, Dataset, ItemIdx, NoObserver, Recommender, UserIdx, UserRef};
use cinerec_data::split::{split, RngKind, SplitSpec};
use cinerec_data::synth::{generate_csv, SynthConfig};
use cinerec_engine::registry;
use cinerec_eval::{evaluate, EvalConfig};
use serde_json::json;

fn catalogue() -> Dataset {
    let dir = tempfile::tempdir().unwrap();
    let cfg = SynthConfig {
        users: 300,
        items: 400,
        ratings: 15_000,
        seed: 3,
        min_per_user: 10,
        threads: 1,
        ..Default::default()
    };
    let r = generate_csv(&cfg, dir.path(), None).unwrap();
    let opts = cinerec_data::loaders::LoadOptions::default();
    cinerec_data::loaders::load(&r.ratings_path, &opts).unwrap()
}

fn fitted(name: &str, params: Option<serde_json::Value>, data: &Dataset) -> Box<dyn Recommender> {
    let mut m = registry::create(name, params.as_ref()).unwrap();
    m.fit(data, &mut NoObserver).unwrap();
    m
}

#[test]
fn auto_chooses_records_and_beats_the_references() {
    let data = catalogue();
    let spec = SplitSpec::Random {
        test_ratio: 0.2,
        seed: 1,
        rng: RngKind::Cinerec,
    };
    let s = split(&data, &spec).unwrap();
    let auto = fitted("auto", None, &s.train);
    let report = auto
        .fit_report()
        .expect("a searching fit reports its search");
    let trials = report["trials"].as_array().unwrap();
    for task in ["rating", "ranking"] {
        let chosen = trials
            .iter()
            .filter(|t| t["task"] == task && t["status"] == "chosen")
            .count();
        assert_eq!(chosen, 1, "{task}: {report}");
    }
    assert!(report["rating_rmse"].as_f64().unwrap() > 0.0);
    assert!(report["search_s"].as_f64().unwrap() <= report["budget_s"].as_f64().unwrap() * 2.0);

    let cfg = EvalConfig::default();
    let score = |m: &dyn Recommender| evaluate(m, &s.train, &s.test, &cfg).unwrap().metrics;
    let (a, b, p) = (
        score(auto.as_ref()),
        score(fitted("baseline", None, &s.train).as_ref()),
        score(fitted("popularity", None, &s.train).as_ref()),
    );
    let (ar, br) = (a.get("rmse").unwrap(), b.get("rmse").unwrap());
    let (an, pn) = (a.get("ndcg@10").unwrap(), p.get("ndcg@10").unwrap());
    assert!(ar <= br, "auto RMSE {ar} vs baseline {br}");
    assert!(an >= pn, "auto NDCG@10 {an} vs popularity {pn}");

    // The recorded choice refits without searching and predicts the same.
    let params = auto.params();
    assert!(params["choice"]["rating"]["model"].is_string(), "{params}");
    let again = fitted("auto", Some(params), &s.train);
    assert!(again.fit_report().is_none());
    for (u, i) in [(0u32, 0u32), (5, 17), (120, 300)] {
        let (u, i) = (UserRef::Known(UserIdx(u)), ItemIdx(i));
        assert_eq!(auto.predict(u, i).unwrap(), again.predict(u, i).unwrap());
    }
}

#[test]
fn auto_with_no_affordable_candidate_is_a_training_error() {
    let data = catalogue();
    let mut m = registry::create("auto", Some(&json!({"budget_seconds": 1e-9}))).unwrap();
    match m.fit(&data, &mut NoObserver) {
        Err(CoreError::Training(msg)) => assert!(msg.contains("no candidate"), "{msg}"),
        other => panic!("expected a training error, got {:?}", other.err()),
    }
    assert!(registry::create("auto", Some(&json!({"validation": 1.5}))).is_err());
    assert!(registry::create("blend", Some(&json!({"components": []}))).is_err());
    assert!(registry::create("blend", Some(&json!({"components": [{"model": "auto"}]}))).is_err());
}
