//! The shared model contract, one test per property, run for every registry model: a model
//! added to the registry is covered without touching this file.

use cinerec_engine::registry;
use cinerec_engine::testing::{self, registered};

/// Models the registry lists but this build cannot fit: the neural ones when the engine has
/// `neural` (scoring only) without `neural-train`.
const SCORING_ONLY: &[&str] = if cfg!(all(feature = "neural", not(feature = "neural-train"))) {
    &["twotower", "features", "autoencoder", "autorec"]
} else {
    &[]
};

fn for_all(check: fn(testing::Make<'_>)) {
    let names = registry::names();
    assert!(!names.is_empty());
    for name in names.into_iter().filter(|n| !SCORING_ONLY.contains(n)) {
        check(&registered(name));
    }
}

#[test]
fn deterministic() {
    for_all(testing::check_deterministic);
}
#[test]
fn finite_and_in_scale() {
    for_all(testing::check_finite_in_scale);
}
#[test]
fn excludes_seen() {
    for_all(testing::check_excludes_seen);
}
#[test]
fn bad_input_is_an_error() {
    for_all(testing::check_bad_input);
}
#[test]
fn cold_user() {
    for_all(testing::check_cold_user);
}
#[test]
fn persistence() {
    for_all(testing::check_persistence);
}
#[test]
fn similar_items() {
    for_all(testing::check_similar_items);
}
#[test]
fn reports_epochs() {
    for_all(testing::check_reports_epochs);
}
#[test]
fn empty_dataset() {
    for_all(testing::check_empty_dataset);
}
#[test]
fn new_movies() {
    for_all(testing::check_new_movies);
}

#[test]
fn non_default_params_pass_the_whole_suite() {
    let sgd = || registry::create("baseline", Some(&serde_json::json!({"method": "sgd"}))).unwrap();
    testing::check_model(&sgd);
    let seeded = || registry::create("random", Some(&serde_json::json!({"seed": 7}))).unwrap();
    testing::check_model(&seeded);
}
