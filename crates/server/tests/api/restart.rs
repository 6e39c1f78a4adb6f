//! Restarting on a store that has registered models never trains (issue #16, "Restart
//! without retraining"): the registry is counted before and after each start, and `/health`
//! names the version served.

use super::*;
use cinerec_engine::{lifecycle, TrainSpec};

/// Starts a server on the store `cfg` names (nothing to seed, no algorithm asked for).
async fn restart(cfg: &ServerConfig) -> App {
    let state = boot::start(cfg.clone(), Boot::default()).await.unwrap();
    App {
        router: cinerec_server::router(state.clone()),
        state,
        _dir: tempfile::tempdir().unwrap(),
    }
}

fn config(dir: &tempfile::TempDir) -> ServerConfig {
    ServerConfig {
        store: format!("sqlite://{}", dir.path().join("t.db").display()),
        models_dir: dir.path().join("models").display().to_string(),
        request_log: false,
        ..Default::default()
    }
}

async fn registered(cfg: &ServerConfig) -> Vec<cinerec_store::ModelRecord> {
    let s = cinerec_store::open(&cfg.store).await.unwrap();
    let m = s.list_models().await.unwrap();
    s.close().await;
    m
}

/// First start trains and registers one model; every restart serves it without training.
#[tokio::test]
async fn restart_serves_the_active_model_without_training() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir);
    let first = boot::start(
        cfg.clone(),
        Boot {
            seed: Some(dataset()),
            algorithm: Some("baseline".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    drop(first);
    let models = registered(&cfg).await;
    assert_eq!(models.len(), 1);
    for _ in 0..2 {
        let a = restart(&cfg).await;
        let (s, h) = a.get("/health").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h["model_version"], models[0].version, "{h}");
        assert_eq!(registered(&cfg).await.len(), 1, "a restart trained a model");
    }
}

/// With registered models but none active (e.g. `cinerec train --store` registers inactive),
/// a start serves — and activates — the newest one trained on the store's data.
#[tokio::test]
async fn restart_picks_the_newest_registered_model_without_training() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir);
    let store = cinerec_store::open(&cfg.store).await.unwrap();
    let data = Arc::new(dataset());
    lifecycle::seed(store.as_ref(), &data).await.unwrap();
    let data = Arc::new(
        cinerec_engine::source::load_store(store.as_ref())
            .await
            .unwrap(),
    );
    let mut versions = Vec::new();
    for algo in ["baseline", "popularity"] {
        let file = dir.path().join(format!("{algo}.cinerec"));
        let (rec, _) = lifecycle::train_and_register(
            store.as_ref(),
            data.clone(),
            TrainSpec::new(algo, None),
            file,
            None,
        )
        .await
        .unwrap();
        versions.push(rec.version);
    }
    store.close().await;
    let a = restart(&cfg).await;
    let (s, h) = a.get("/health").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["model_version"], versions[1], "{h}");
    assert_eq!(h["algorithm"], "popularity", "{h}");
    let models = registered(&cfg).await;
    assert_eq!(
        models.len(),
        2,
        "a start trained although models are registered"
    );
    assert!(models.iter().any(|m| m.version == versions[1] && m.active));
}

/// The top 5 and one prediction for each of `created` and the trained user "5".
async fn answers(a: &App, created: &[String]) -> Vec<(Vec<String>, f64)> {
    let mut out = Vec::new();
    for u in created.iter().map(String::as_str).chain(["5"]) {
        let (s, r) = a.get(&format!("/recommend/{u}?top_n=5")).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let (s, p) = a.get(&format!("/predict/{u}/2")).await;
        assert_eq!(s, StatusCode::OK, "{p}");
        out.push((ids(&r), p["prediction"].as_f64().unwrap()));
    }
    out
}

/// Users created through the API after the fit are served after a restart by the registered
/// model, folded in from their stored ratings, as they were before it — without training:
/// one whose id sorts among the trained ones' ("10a", which also makes the ids no longer all
/// numeric; the store keeps users in arrival order) and one with the next free id.
#[tokio::test]
async fn restart_after_created_users_serves_them_without_training() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&dir);
    let boot = Boot {
        seed: Some(dataset()),
        algorithm: Some("svd".into()),
        ..Default::default()
    };
    let state = boot::start(cfg.clone(), boot).await.unwrap();
    let a = App {
        router: cinerec_server::router(state.clone()),
        state,
        _dir: tempfile::tempdir().unwrap(),
    };
    let mut created = Vec::new();
    for body in [json!({"id": "10a"}), json!({})] {
        let (s, c) = a.post("/users", body).await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        created.push(c["id"].as_str().unwrap().to_string());
    }
    for (k, u) in created.iter().enumerate() {
        let rows: Vec<Value> = (0..6)
            .map(|m| json!({"user": u, "movie": (3 + 5 * m + k).to_string(), "rating": 1 + (m + k) % 5}))
            .collect();
        let (s, w) = a.post("/ratings", json!(rows)).await;
        assert_eq!(s, StatusCode::CREATED, "{w}");
    }
    let before = answers(&a, &created).await;
    drop(a);
    let models = registered(&cfg).await;
    assert_eq!(models.len(), 1);
    let b = restart(&cfg).await;
    let (s, h) = b.get("/health").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["model_version"], models[0].version, "{h}");
    assert_eq!(
        registered(&cfg).await.len(),
        1,
        "the restart trained a model"
    );
    let after = answers(&b, &created).await;
    for ((ids_b, p_b), (ids_a, p_a)) in before.iter().zip(&after) {
        assert_eq!(ids_b, ids_a, "recommendations changed across the restart");
        assert!((p_b - p_a).abs() < 1e-4, "prediction {p_b} became {p_a}");
    }
}
