//! Bringing a server up and changing what it serves: seeding an empty store from a dataset,
//! reading the training snapshot back from the store, loading a registered model (or
//! training, saving and registering one when none fits), and rebuilding the [`Serving`]
//! snapshot when a model trained on newer data is activated (live changes are carried over).

use cinerec_core::{Dataset, NoObserver};
use cinerec_store::{ModelRecord, NewModel, Store};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::ServerError;
use crate::index::CatalogIndex;
use crate::live::LiveRatings;
use crate::state::{LoadedModel, Serving};

fn store_err(e: cinerec_store::StoreError) -> ServerError {
    ServerError::Store(e.to_string())
}

/// Seeds `store` from `data` with the store's importer (idempotent upserts) when the store
/// holds no rating yet; returns whether it imported.
pub async fn seed(store: &dyn Store, data: &Dataset) -> Result<bool, ServerError> {
    let counts = store.counts().await.map_err(store_err)?;
    if counts.ratings > 0 {
        return Ok(false);
    }
    let opts = cinerec_store::ImportOptions::default();
    cinerec_store::import_dataset(store, data, &opts, &|_, _| {})
        .await
        .map_err(store_err)?;
    Ok(true)
}

/// Loads the model file of `rec` for `data`. The dataset hash may differ (the store gained
/// ratings since training) but the catalogue sizes must agree.
pub async fn load_model(rec: &ModelRecord, data: Arc<Dataset>) -> Result<LoadedModel, ServerError> {
    let path = PathBuf::from(&rec.artifact);
    let model = tokio::task::spawn_blocking(move || {
        cinerec_models::load_with(&path, &data, cinerec_models::LoadOptions { force: true })
    })
    .await
    .map_err(|e| ServerError::Internal(e.to_string()))?
    .map_err(|e| ServerError::Conflict(format!("model {} cannot be served: {e}", rec.version)))?
    .0;
    Ok(LoadedModel::new(rec, model))
}

/// Fits `algorithm` on `data`, saves it under `dir`, registers it and returns it loaded.
pub async fn train_and_register(
    store: &dyn Store,
    data: Arc<Dataset>,
    algorithm: &str,
    params: Option<serde_json::Value>,
    dir: &Path,
) -> Result<LoadedModel, ServerError> {
    let mut model = cinerec_models::create(algorithm, params.as_ref())
        .map_err(|e| ServerError::BadParam(e.to_string()))?;
    std::fs::create_dir_all(dir)
        .map_err(|e| ServerError::Internal(format!("{}: {e}", dir.display())))?;
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let path = dir.join(format!("{}-{algorithm}-{stamp}.cinerec", data.hash()));
    let (model, path, metrics) = {
        let data = data.clone();
        tokio::task::spawn_blocking(move || -> Result<_, ServerError> {
            let start = std::time::Instant::now();
            model
                .fit(&data, &mut NoObserver)
                .map_err(|e| ServerError::Internal(format!("training failed: {e}")))?;
            // What is known without a held-out split (`cinerec train --eval` adds evaluation).
            let metrics = serde_json::json!({
                "fit_seconds": start.elapsed().as_secs_f64(),
                "trained_by": "serve",
                "ratings": data.n_ratings(),
            });
            cinerec_models::save(&path, model.as_ref(), &data, Some(metrics.clone()))
                .map_err(|e| ServerError::Internal(e.to_string()))?;
            Ok((model, path, metrics))
        })
        .await
        .map_err(|e| ServerError::Internal(e.to_string()))??
    };
    let abs = std::fs::canonicalize(&path).unwrap_or(path);
    let rec = store
        .register_model(&NewModel {
            algorithm: algorithm.to_string(),
            params: model.params(),
            dataset_hash: data.hash().to_string(),
            metrics: Some(metrics),
            artifact: abs.to_string_lossy().into_owned(),
        })
        .await
        .map_err(store_err)?;
    Ok(LoadedModel::new(&rec, model))
}

/// The store's current contents as the training snapshot.
pub async fn snapshot(store: &dyn Store) -> Result<Arc<Dataset>, ServerError> {
    let mut d = store.load_dataset().await.map_err(store_err)?;
    if let Ok(info) = store.dataset_info().await {
        if let Some((lo, hi)) = info.rating_scale {
            d.set_scale(lo, hi);
        }
    }
    Ok(Arc::new(d))
}

/// A first [`Serving`] over `data` with `model` active.
pub fn serving(data: Arc<Dataset>, model: LoadedModel) -> Serving {
    let index = Arc::new(CatalogIndex::build(&data));
    let live = Arc::new(LiveRatings::new(data.n_users()));
    let active = Arc::new(model);
    Serving {
        data,
        index,
        live,
        loaded: vec![active.clone()],
        active,
    }
}

/// A [`Serving`] over new `data` carrying every live change of `old` across (users keyed by
/// raw id, so users created through the API that are now in the data become known users).
pub fn rebase(old: &Serving, data: Arc<Dataset>, model: LoadedModel) -> Serving {
    let mut s = serving(data, model);
    old.live.replay_into(&old.data, &s.data, &s.live);
    s.loaded = vec![s.active.clone()];
    s
}

/// How to bring a server up.
#[derive(Debug, Default)]
pub struct Boot {
    /// Dataset to seed the store with when it holds no rating yet.
    pub seed: Option<Dataset>,
    /// Algorithm to serve; None = the registry's active model, else svd (or baseline when
    /// svd is not registered).
    pub algorithm: Option<String>,
    /// Its hyper-parameters when it has to be trained.
    pub params: Option<serde_json::Value>,
    /// Train a fresh model even when the registry has a usable one.
    pub retrain: bool,
}

/// The algorithm used when nothing is asked for.
pub fn default_algorithm() -> &'static str {
    if cinerec_models::registry::names().contains(&"svd") {
        "svd"
    } else {
        "baseline"
    }
}

/// Opens the store, seeds it if asked and empty, reads the snapshot, loads the active model
/// (or trains, registers and activates one) and returns the application state.
pub async fn start(cfg: crate::ServerConfig, boot: Boot) -> Result<crate::AppState, ServerError> {
    let store = cinerec_store::open(&cfg.store).await.map_err(store_err)?;
    if let Some(d) = &boot.seed {
        if seed(store.as_ref(), d).await? {
            tracing::info!(ratings = d.n_ratings(), "seeded the store");
        }
    }
    let data = snapshot(store.as_ref()).await?;
    if data.n_ratings() == 0 {
        return Err(ServerError::BadParam(format!(
            "the store {} holds no ratings; seed it with `cinerec serve --data DATASET` or `cinerec import`",
            cinerec_store::redact_url(&cfg.store)
        )));
    }
    let active = store.active_model().await.map_err(store_err)?;
    let wanted = boot.algorithm.clone();
    let mut model = None;
    if let Some(rec) =
        active.filter(|r| !boot.retrain && wanted.as_ref().is_none_or(|w| *w == r.algorithm))
    {
        match load_model(&rec, data.clone()).await {
            Ok(m) => model = Some(m),
            Err(e) => {
                tracing::warn!(version = rec.version, error = %e, "active model unusable; training a new one")
            }
        }
    }
    let model = match model {
        Some(m) => m,
        None => {
            let algo = wanted.unwrap_or_else(|| default_algorithm().to_string());
            let dir = PathBuf::from(&cfg.models_dir);
            let m = train_and_register(
                store.as_ref(),
                data.clone(),
                &algo,
                boot.params.clone(),
                &dir,
            )
            .await?;
            store.activate_model(m.version).await.map_err(store_err)?;
            m
        }
    };
    tracing::info!(version = model.version, algorithm = %model.algorithm, "serving");
    let metrics = Arc::new(crate::metrics::Metrics::new(
        crate::api::ROUTES,
        cfg.request_log,
    ));
    Ok(crate::AppState::new(
        serving(data, model),
        store,
        cfg,
        metrics,
    ))
}
