//! Unit tests of `tune.rs` (its own file, so the module stays one idea).

//! Planted-optimum tests: tiny generated data where exactly one parameter value is best.
use super::*;
use cinerec_core::{Catalog, CoreError, FitObserver, IdMap, ItemIdx, UserRef};
use serde_json::json;
use std::sync::Arc;

/// Predicts `shift` for every pair; scores item `favourite` highest.
struct Planted {
    shift: f32,
    favourite: usize,
    n_items: usize,
}

impl Recommender for Planted {
    fn name(&self) -> &'static str {
        "planted"
    }
    fn params(&self) -> Value {
        json!({"shift": self.shift, "favourite": self.favourite})
    }
    fn fit(&mut self, d: &Dataset, _: &mut dyn FitObserver) -> cinerec_core::Result<()> {
        self.n_items = d.n_items();
        Ok(())
    }
    fn predict(&self, _: UserRef<'_>, _: ItemIdx) -> cinerec_core::Result<f32> {
        Ok(self.shift)
    }
    fn score_all(&self, _: UserRef<'_>, out: &mut [f32]) -> cinerec_core::Result<()> {
        for (i, o) in out.iter_mut().enumerate() {
            *o = if i == self.favourite { 1.0 } else { 0.0 };
        }
        Ok(())
    }
    fn save_state(&self) -> cinerec_core::Result<Vec<u8>> {
        Ok(vec![])
    }
    fn load_state(&mut self, _: &[u8]) -> cinerec_core::Result<()> {
        Err(CoreError::Unsupported {
            model: "planted",
            what: "state",
        })
    }
}

fn make(p: &Value) -> std::result::Result<Box<dyn Recommender>, String> {
    let shift = p.get("shift").and_then(Value::as_f64).unwrap_or(0.0) as f32;
    let favourite = p.get("favourite").and_then(Value::as_u64).unwrap_or(0) as usize;
    if favourite >= 50 {
        return Err(format!("favourite {favourite} out of range"));
    }
    Ok(Box::new(Planted {
        shift,
        favourite,
        n_items: 0,
    }))
}

/// 30 users x 8 items; train ratings 1..=4 (items 0..4, rating = item + 1) and 5.0 (item
/// 5), so the scale is 1..5 and clipping does not hide the shift; every validation rating
/// is item 6 rated 4.0: the planted optimum is shift = 4.0 (RMSE 0) and favourite = 6
/// (NDCG 1).
fn data() -> (Dataset, Interactions) {
    let ids = |n: usize| IdMap::from_raw_sorted((1..=n).map(|x| format!("{x:02}")).collect());
    let cat = Arc::new(Catalog {
        users: ids(30),
        items: ids(8),
        item_meta: vec![Default::default(); 8],
        user_meta: vec![Default::default(); 30],
        genre_names: vec![],
    });
    let mut train = Interactions::default();
    let mut valid = Interactions::default();
    let mut rng = Rng::new(7);
    for u in 0..30u32 {
        for i in 0..4u32 {
            if rng.below(4) > 0 {
                train.push(u, i, i as f32 + 1.0, i);
            }
        }
        train.push(u, 5, 5.0, 9);
        valid.push(u, 6, 4.0, 10);
    }
    (Dataset::new("planted", cat, train), valid)
}

fn cfg(metric: &str, trials: Option<usize>) -> TuneConfig {
    TuneConfig {
        objective: Objective::new(metric),
        trials,
        seed: 3,
        base_params: Value::Null,
        eval: EvalConfig::default(),
        validation: json!("test"),
    }
}

#[test]
fn grid_search_finds_the_planted_rating_optimum() {
    let (fit, valid) = data();
    let space =
        SearchSpace::from_json(&json!({"shift": [2.0, 3.0, 4.0, 4.5], "favourite": 1})).unwrap();
    let mut seen = 0;
    let r = tune(
        "planted",
        &make,
        &fit,
        &valid,
        &space,
        &cfg("rmse", None),
        &mut |_| seen += 1,
    )
    .unwrap();
    assert_eq!(seen, 4);
    assert_eq!(r.trials.len(), 4);
    assert_eq!(r.search, "grid");
    assert_eq!(r.best_point["shift"], json!(4.0));
    assert!(r.best_value.abs() < 1e-9, "{}", r.best_value);
    assert_eq!(r.objective.direction, Direction::Minimize);
    // RMSE of shift 2.0 is |4 - 2| = 2.
    assert!((r.trials[0].value.unwrap() - 2.0).abs() < 1e-6);
    let md = r.to_markdown();
    assert!(md.contains("**best**") && md.contains("| 2 |"), "{md}");
}

#[test]
fn ranking_search_maximises_and_records_failed_trials() {
    let (fit, valid) = data();
    let space = SearchSpace::from_json(&json!({"favourite": [0, 6, 7, 99]})).unwrap();
    let r = tune(
        "planted",
        &make,
        &fit,
        &valid,
        &space,
        &cfg("ndcg@10", None),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(r.best_point["favourite"], json!(6));
    assert!((r.best_value - 1.0).abs() < 1e-9);
    assert!(r.trials[3]
        .error
        .as_deref()
        .unwrap()
        .contains("out of range"));
    assert!(r.trials[3].value.is_none());
    // Item 0 is seen in train by most users, item 7 never relevant: both score below 1.
    assert!(r.trials[2].value.unwrap() < 1.0);
    assert!(r.trials[0].value.unwrap() < 1.0);
}

#[test]
fn random_search_covers_a_small_grid_and_samples_ranges() {
    let (fit, valid) = data();
    let space = SearchSpace::from_json(&json!({"shift": [1.0, 4.0, 5.0]})).unwrap();
    let r = tune(
        "planted",
        &make,
        &fit,
        &valid,
        &space,
        &cfg("mae", Some(10)),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(r.search, "random");
    assert_eq!(
        r.trials.len(),
        3,
        "a budget above the grid size runs the grid"
    );
    assert_eq!(r.best_point["shift"], json!(4.0));

    let space = SearchSpace::from_json(
        &json!({"shift": {"uniform": [3.0, 5.0]}, "favourite": {"int_uniform": [5, 7]},
                 "x": {"log_uniform": [0.01, 1.0]}}),
    )
    .unwrap();
    assert!(space.grid().is_err());
    let pts = space.sample(40, 1);
    assert_eq!(pts.len(), 40);
    for p in &pts {
        let s = p["shift"].as_f64().unwrap();
        let f = p["favourite"].as_i64().unwrap();
        let x = p["x"].as_f64().unwrap();
        assert!((3.0..=5.0).contains(&s) && (5..=7).contains(&f) && (0.01..=1.0).contains(&x));
    }
    assert_eq!(pts, space.sample(40, 1), "same seed, same points");
    assert_ne!(pts, space.sample(40, 2));
}

#[test]
fn sampling_a_large_grid_gives_distinct_points() {
    let space = SearchSpace::from_json(&json!({"a": (0..20).collect::<Vec<_>>(),
                                                "b": (0..20).collect::<Vec<_>>()}))
    .unwrap();
    assert_eq!(space.grid_size(), Some(400));
    assert_eq!(space.varied(), vec!["a", "b"]);
    let pts = space.sample(50, 9);
    let mut keys: Vec<String> = pts
        .iter()
        .map(|p| Value::Object(p.clone()).to_string())
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 50);
    let g = space.grid().unwrap();
    assert_eq!(g[0], json!({"a": 0, "b": 0}).as_object().unwrap().clone());
    assert_eq!(g[1], json!({"a": 0, "b": 1}).as_object().unwrap().clone());
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    for bad in [
        json!([1, 2]),
        json!({"k": []}),
        json!({"k": {"uniform": [2.0, 1.0]}}),
        json!({"k": {"log_uniform": [0.0, 1.0]}}),
        json!({"k": {"int_uniform": [0.2, 0.8]}}),
        json!({"k": {"uniform": [1.0]}}),
    ] {
        assert!(SearchSpace::from_json(&bad).is_err(), "{bad}");
    }
    let (fit, valid) = data();
    let space = SearchSpace::from_json(&json!({"favourite": [99]})).unwrap();
    let e = tune(
        "planted",
        &make,
        &fit,
        &valid,
        &space,
        &cfg("ndcg@10", None),
        &mut |_| {},
    );
    assert!(matches!(e, Err(EvalError::Empty(_))));
    let space = SearchSpace::from_json(&json!({"favourite": [1]})).unwrap();
    let e = tune(
        "planted",
        &make,
        &fit,
        &valid,
        &space,
        &cfg("ndcg@10", Some(0)),
        &mut |_| {},
    );
    assert!(matches!(e, Err(EvalError::InvalidInput(_))));
    let e = tune(
        "planted",
        &make,
        &fit,
        &Interactions::default(),
        &space,
        &cfg("ndcg@10", None),
        &mut |_| {},
    );
    assert!(e.is_err());
    let mut c = cfg("nonsense@3", None);
    c.base_params = json!(5);
    assert!(tune("planted", &make, &fit, &valid, &space, &c, &mut |_| {}).is_err());
}
