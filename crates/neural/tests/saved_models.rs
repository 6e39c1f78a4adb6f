//! Model states written by a training build load and score, bit for bit, as they did there —
//! in this build, whether or not it has the `train` feature.
//!
//! `tests/fixtures/<model>.state` is the saved state of each neural model fitted (by a build
//! with `train`, one thread, small networks) on `cinerec_core::fixtures::synthetic(7)`, and
//! `<model>.json` its parameters and the outputs that build computed from the loaded state
//! (every known user's scores, a profile's scores, predictions, similar movies), as `f32`
//! bit patterns. Regenerate both after a deliberate change to a model or its state format:
//! `cargo test -p cinerec-neural --test saved_models -- --ignored` (needs `train`).

// The helpers below are test code too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use cinerec_core::{fixtures, CoreError, Dataset, ItemIdx, Recommender, UserIdx, UserRef};
use cinerec_neural::{AutoRec, Autoencoder, Features, TwoTower};
#[cfg(feature = "train")]
use serde_json::json;
use serde_json::Value;
use std::path::PathBuf;

const MODELS: &[&str] = &["twotower", "features", "autoencoder", "autorec"];

/// The (small) parameters the fixtures were fitted with.
#[cfg(feature = "train")]
fn params(name: &str) -> Value {
    let schedule = json!({"epochs": 3, "batch_size": 16, "seed": 5, "threads": 1});
    let mut p = match name {
        // The fixture was fitted before the defaults became the tuned configuration: its
        // parameters pin the reference's values of the knobs that changed.
        "twotower" => json!({"embedding_dim": 4, "hidden": [8], "rating_weight": 1.0,
            "negatives": 0, "logq_correction": false, "output_bias_at_mean": false,
            "embedding_l2": 0.0, "residual": false}),
        "features" => json!({"dim": 4, "hidden": 8, "context_size": 5, "negatives": 2}),
        "autoencoder" => json!({"hidden": [8, 4], "l2": 1.0}),
        "autorec" => json!({"hidden": 4, "l2": 1.0, "fold_in_l2": 0.5}),
        _ => unreachable!("{name}"),
    };
    p.as_object_mut()
        .unwrap()
        .extend(schedule.as_object().unwrap().clone());
    p
}

fn model(name: &str, params: &Value) -> Box<dyn Recommender> {
    fn make<P: serde::de::DeserializeOwned, M: Recommender + 'static, E: std::fmt::Debug>(
        p: &Value,
        new: fn(P) -> Result<M, E>,
    ) -> Box<dyn Recommender> {
        Box::new(new(serde_json::from_value(p.clone()).unwrap()).unwrap())
    }
    match name {
        "twotower" => make(params, TwoTower::new),
        "features" => make(params, Features::new),
        "autoencoder" => make(params, Autoencoder::new),
        "autorec" => make(params, AutoRec::new),
        _ => unreachable!("{name}"),
    }
}

fn fixture(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(file)
}

/// Everything the loaded model answers, as bit patterns (`Unsupported` answers left out).
fn outputs(m: &dyn Recommender, data: &Dataset) -> Vec<u32> {
    let n = data.n_items();
    let mut out = Vec::new();
    let mut buf = vec![0f32; n];
    let profile = [(ItemIdx(0), 4.5), (ItemIdx(3), 2.0), (ItemIdx(8), 5.0)];
    let users = (0..data.n_users() as u32).map(|u| UserRef::Known(UserIdx(u)));
    for user in users.chain([UserRef::Profile(&profile), UserRef::Profile(&[])]) {
        m.score_all(user, &mut buf).unwrap();
        out.extend(buf.iter().map(|x| x.to_bits()));
        for i in 0..n as u32 {
            match m.predict(user, ItemIdx(i)) {
                Ok(p) => out.push(p.to_bits()),
                Err(CoreError::Unsupported { .. }) => {}
                Err(e) => panic!("{}: predict: {e}", m.name()),
            }
        }
    }
    for i in [0, 5, n as u32 - 1] {
        m.item_similarities(ItemIdx(i), &mut buf).unwrap();
        out.extend(buf.iter().map(|x| x.to_bits()));
    }
    out
}

#[test]
fn saved_models_load_and_score_as_in_the_training_build() {
    let data = fixtures::synthetic(7);
    for &name in MODELS {
        let state = std::fs::read(fixture(&format!("{name}.state"))).unwrap();
        let expected: Value =
            serde_json::from_slice(&std::fs::read(fixture(&format!("{name}.json"))).unwrap())
                .unwrap();
        let mut m = model(name, &expected["params"]);
        m.load_state(&state).unwrap();
        let want: Vec<u32> = serde_json::from_value(expected["outputs"].clone()).unwrap();
        assert!(outputs(m.as_ref(), &data) == want, "{name}: outputs differ");
        assert!(
            m.save_state().unwrap() == state,
            "{name}: state does not round-trip"
        );
    }
}

/// Writes the fixtures (run by hand after a deliberate change; see the module docs).
#[cfg(feature = "train")]
#[test]
#[ignore]
fn regenerate_fixtures() {
    let data = fixtures::synthetic(7);
    for &name in MODELS {
        let p = params(name);
        let mut m = model(name, &p);
        m.fit(&data, &mut cinerec_core::NoObserver).unwrap();
        let state = m.save_state().unwrap();
        let mut loaded = model(name, &p);
        loaded.load_state(&state).unwrap();
        let doc = json!({"params": p, "outputs": outputs(loaded.as_ref(), &data)});
        std::fs::write(fixture(&format!("{name}.state")), &state).unwrap();
        std::fs::write(fixture(&format!("{name}.json")), doc.to_string() + "\n").unwrap();
    }
}
