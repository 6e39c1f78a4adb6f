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
