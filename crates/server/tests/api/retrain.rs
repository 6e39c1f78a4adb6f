//! Guarded background retraining: a better candidate is activated, a worse one is refused
//! with both scores recorded, and ratings posted while a candidate trains survive the swap.
//! Waits poll `GET /retrain` with a generous deadline that only turns a hang into a failure;
//! nothing asserts how long anything took.

use super::*;
use cinerec_server::retrain::{self as rt, status::Outcome};
use std::time::{Duration, Instant};

/// Two new ratings per user (movies they had not rated), following the fixture's pattern
/// `1 + (user + movie) % 5`, with increasing timestamps after the fixture's.
fn new_ratings() -> Value {
    let mut out = Vec::new();
    for u in 0..30u32 {
        for off in [37u32, 38] {
            let i = (u * 7 + off) % 40;
            out.push(json!({
                "user": (u + 1).to_string(),
                "movie": (i + 1).to_string(),
                "rating": 1.0 + ((u + i) % 5) as f32,
                "timestamp": 5000 + out.len(),
            }));
        }
    }
    Value::Array(out)
}

/// The app serving `algorithm` with retraining configured by `f` (runs recorded beside the
/// models, in the app's temporary folder).
async fn retraining(algorithm: &str, f: impl FnOnce(&mut ServerConfig)) -> App {
    app_serving(algorithm, |c| {
        let runs = std::path::Path::new(&c.models_dir).with_file_name("runs");
        c.runs_dir = runs.display().to_string();
        f(c)
    })
    .await
}

/// Polls `GET /retrain` until it lists a decision (panics after two minutes).
async fn first_decision(a: &App) -> Value {
    let end = Instant::now() + Duration::from_secs(120);
    loop {
        let (s, r) = a.get("/retrain").await;
        assert_eq!(s, StatusCode::OK, "{r}");
        if let Some(d) = r["decisions"].as_array().and_then(|d| d.last()) {
            return d.clone();
        }
        assert!(Instant::now() < end, "no retrain decision: {r}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The registry entry of `version`.
async fn registered(a: &App, version: &Value) -> Value {
    let (_, list) = a.get("/models").await;
    list.as_array()
        .unwrap()
        .iter()
        .find(|m| m["version"] == *version)
        .cloned()
        .unwrap_or_else(|| panic!("v{version} not in the registry: {list}"))
}

#[tokio::test]
async fn a_better_candidate_is_activated_after_n_new_ratings() {
    // Random ratings serve; the retrainer trains the baseline once 40 changes arrived.
    let a = retraining("random", |c| {
        c.retrain.after = 40;
        c.retrain.model = Some("baseline".into());
    })
    .await;
    let (_, r) = a.get("/retrain").await;
    assert_eq!(
        (r["enabled"].clone(), r["after"].clone()),
        (json!(true), json!(40))
    );
    assert_eq!(r["decisions"], json!([]));
    let (_, h) = a.get("/health").await;
    let first = h["model_version"].clone();
    rt::spawn(&a.state);
    let (s, w) = a.post("/ratings", new_ratings()).await;
    assert_eq!(s, StatusCode::CREATED, "{w}");
    let d = first_decision(&a).await;
    assert_eq!(d["outcome"], "activated", "{d}");
    assert_eq!(d["trigger"], "after");
    assert_eq!(d["metric"], "rmse");
    assert_eq!(d["active_version"], first);
    let (cand, act) = (
        d["candidate_score"].as_f64().unwrap(),
        d["active_score"].as_f64().unwrap(),
    );
    assert!(cand < act, "{d}");
    assert_eq!(
        (d["new_ratings"].clone(), d["holdout"].clone()),
        (json!(60), json!(30))
    );
    assert!(d["refit_seconds"].as_f64().is_some(), "{d}");
    // The new version serves and the registry says why.
    let (_, h) = a.get("/health").await;
    assert_eq!(h["model_version"], d["version"]);
    assert_eq!(h["algorithm"], "baseline");
    assert_eq!(
        h["ratings"],
        json!(30 * 12 + 60),
        "served from the new snapshot"
    );
    let m = registered(&a, &d["version"]).await;
    assert_eq!(m["active"], true);
    assert_eq!(m["metrics"]["trained_by"], "retrain");
    assert_eq!(m["metrics"]["retrain"]["outcome"], "activated");
    assert_eq!(
        m["metrics"]["retrain"]["candidate_score"],
        d["candidate_score"]
    );
    assert_eq!(m["metrics"]["retrain"]["active_score"], d["active_score"]);
    // The run history has it too.
    let (_, runs) = a.get("/runs").await;
    assert!(
        runs.as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == "retrain"),
        "{runs}"
    );
}

#[tokio::test]
async fn a_worse_candidate_is_refused_and_the_active_model_stays() {
    // The baseline serves; the timer retrains `random` (a deliberately bad model).
    let a = retraining("baseline", |c| {
        c.retrain.every = Some("1s".into());
        c.retrain.model = Some("random".into());
        c.retrain.holdout = 20.0;
    })
    .await;
    let (_, h) = a.get("/health").await;
    let first = h["model_version"].clone();
    let (s, _) = a.post("/ratings", new_ratings()).await;
    assert_eq!(s, StatusCode::CREATED);
    rt::spawn(&a.state);
    let d = first_decision(&a).await;
    assert_eq!(d["outcome"], "refused", "{d}");
    assert_eq!(d["trigger"], "every");
    assert_eq!(d["holdout"], 20);
    let (cand, act) = (
        d["candidate_score"].as_f64().unwrap(),
        d["active_score"].as_f64().unwrap(),
    );
    assert!(cand > act, "{d}");
    assert!(d["reason"].as_str().unwrap().contains("above"), "{d}");
    let (_, h) = a.get("/health").await;
    assert_eq!(h["model_version"], first);
    assert_eq!(h["algorithm"], "baseline");
    // The refused candidate is registered, inactive, with both scores.
    let m = registered(&a, &d["version"]).await;
    assert_eq!(
        (m["active"].clone(), m["algorithm"].clone()),
        (json!(false), json!("random"))
    );
    assert_eq!(m["metrics"]["retrain"]["outcome"], "refused");
    assert_eq!(m["metrics"]["retrain"]["active_score"], d["active_score"]);
    assert_eq!(m["metrics"]["retrain"]["margin"], json!(0.0));
}

#[tokio::test]
async fn ratings_posted_while_the_candidate_trains_survive_the_swap() {
    let a = retraining("random", |c| {
        c.retrain.after = 1_000_000;
        c.retrain.model = Some("baseline".into());
    })
    .await;
    let (s, _) = a.post("/ratings", new_ratings()).await;
    assert_eq!(s, StatusCode::CREATED);
    // Judge (snapshot taken, candidate fitted), then post, then activate.
    let p = rt::prepare(&a.state, "test").await;
    let late = json!({"user": "3", "movie": "40", "rating": 5.0});
    let (s, _) = a.post("/ratings", late).await;
    assert_eq!(s, StatusCode::CREATED);
    let d = rt::finish(&a.state, p).await;
    assert_eq!(d.outcome, Outcome::Activated, "{d:?}");
    assert_eq!(d.carried_over, 1);
    let (_, h) = a.get("/health").await;
    assert_eq!(h["model_version"], json!(d.version.unwrap()));
    assert_eq!(
        h["ratings"],
        json!(30 * 12 + 60),
        "the late rating is not in the snapshot"
    );
    let (_, r) = a.get("/users/3/ratings").await;
    let late = r["ratings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["movie"]["id"] == "40")
        .cloned();
    assert_eq!(
        late.map(|x| (x["rating"].clone(), x["live"].clone())),
        Some((json!(5.0), json!(true))),
        "{r}"
    );
    // …and shapes the user's recommendations: movie 40 is now rated, so never recommended.
    let (_, rec) = a.get("/recommend/3?n=40").await;
    assert!(!ids(&rec).contains(&"40".to_string()), "{rec}");
}
