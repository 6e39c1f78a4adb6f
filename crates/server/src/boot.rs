//! Bringing a server up and changing what it serves: seeding an empty store, reading the
//! training snapshot back from the store, loading the registered active model (or training,
//! saving and registering one through the engine when none fits), and rebuilding the
//! [`Serving`] snapshot when a model trained on newer data is activated (live changes are
//! carried over; [`switch`], shared by `POST /models/{version}/activate` and replicas
//! following an activation made elsewhere). The model lifecycle itself is `cinerec_engine::lifecycle`.

use cinerec_core::Dataset;
use cinerec_engine::lifecycle;
use cinerec_engine::TrainSpec;
use cinerec_store::{ModelRecord, Store};
use std::path::Path;
use std::sync::Arc;

use crate::error::ServerError;
use crate::index::CatalogIndex;
use crate::live::LiveRatings;
use crate::state::{LoadedModel, Serving};

/// Where a server keeps copies of model files it fetched from the store.
pub fn model_cache(models_dir: &str) -> std::path::PathBuf {
    Path::new(models_dir).join("from-store")
}

/// Loads the model file of `rec` for `data`, whose catalogue may have grown by appended users
/// and movies since the fit (see [`lifecycle::load_registered_fitted`]); a file this process cannot read
/// at its registered path is fetched from the store into `cache` ([`lifecycle::localize`]).
pub async fn load_model(
    store: &dyn Store,
    cache: &Path,
    rec: &ModelRecord,
    data: Arc<Dataset>,
) -> Result<LoadedModel, ServerError> {
    let local = lifecycle::localize(store, rec, cache).await?;
    let (model, fitted) = lifecycle::load_registered_fitted(&local, data.clone()).await?;
    LoadedModel::new(rec, model, fitted).grown(&data, false)
}

/// Serves the registered model `rec` (loading it if needed; reloading the training snapshot
/// when it was trained on other data, live changes carried over), under the write gate so
/// requests in flight finish on the previous model; with `persist`, also makes it the
/// store's active model (which, on PostgreSQL, switches every other replica). Returns
/// whether the snapshot was reloaded.
pub async fn switch(
    state: &crate::AppState,
    rec: ModelRecord,
    persist: bool,
) -> Result<bool, ServerError> {
    let _w = state.gate().write().await;
    let store = state.store();
    let cache = model_cache(&state.config().models_dir);
    let old = state.serving_arc();
    if !persist && old.active.version == rec.version {
        return Ok(false);
    }
    let keep = |active: Arc<LoadedModel>, loaded: Vec<Arc<LoadedModel>>| Serving {
        active,
        loaded,
        data: old.data.clone(),
        index: old.index.clone(),
        live: old.live.clone(),
        fallback: old.fallback.clone(),
        cold: old.cold.clone(),
    };
    let (next, reloaded) = match old.loaded.iter().find(|m| m.version == rec.version) {
        Some(m) => (keep(m.clone(), old.loaded.clone()), false),
        None => match load_model(store.as_ref(), &cache, &rec, old.data.clone()).await {
            Ok(m) => {
                let m = Arc::new(m);
                let mut loaded = old.loaded.clone();
                loaded.push(m.clone());
                (keep(m, loaded), false)
            }
            Err(first) => {
                // Trained on other data (e.g. with users created since): reload the snapshot.
                let data = snapshot(store.as_ref()).await?;
                let m = load_model(store.as_ref(), &cache, &rec, data.clone())
                    .await
                    .map_err(|_| first)?;
                (rebase(&old, data, m), true)
            }
        },
    };
    if persist {
        store.activate_model(rec.version).await?;
    }
    state.swap(next);
    Ok(reloaded)
}

/// Fits `algorithm` on `data`, saves it under `dir`, registers it and returns it loaded.
pub async fn train_and_register(
    store: &dyn Store,
    data: Arc<Dataset>,
    algorithm: &str,
    params: Option<serde_json::Value>,
    dir: &Path,
) -> Result<LoadedModel, ServerError> {
    let spec = TrainSpec::new(algorithm, params);
    let file = lifecycle::versioned_model_path(dir, &data, algorithm);
    // What is known without a held-out split (`cinerec train --eval` adds evaluation).
    let extra = serde_json::json!({ "trained_by": "serve", "ratings": data.n_ratings() });
    let fitted = lifecycle::Fitted::all_of(&data);
    let (rec, model) = lifecycle::train_and_register(store, data, spec, file, Some(extra)).await?;
    Ok(LoadedModel::new(&rec, model, fitted))
}

/// The store's current contents as the training snapshot.
pub async fn snapshot(store: &dyn Store) -> Result<Arc<Dataset>, ServerError> {
    Ok(Arc::new(cinerec_engine::source::load_store(store).await?))
}

/// A first [`Serving`] over `data` with `model` active.
pub fn serving(data: Arc<Dataset>, model: LoadedModel) -> Serving {
    let index = Arc::new(CatalogIndex::build(&data, model.fitted_items));
    let live = Arc::new(LiveRatings::new(data.n_users()));
    let active = Arc::new(model);
    Serving {
        data,
        index,
        live,
        loaded: vec![active.clone()],
        active,
        fallback: Default::default(),
        cold: Default::default(),
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

/// The registered model to serve `data` with, never training: the active model when it can
/// serve it (and is of the `wanted` algorithm), else the newest registered model trained on
/// exactly this data (same dataset hash), else the newest one that loads for it, which is
/// then activated. Also returns the active record (whose algorithm a retrain would keep).
pub async fn registered_model(
    store: &dyn Store,
    cache: &Path,
    data: &Arc<Dataset>,
    wanted: Option<&str>,
) -> Result<(Option<LoadedModel>, Option<ModelRecord>), ServerError> {
    let active = store.active_model().await?;
    let fits = |r: &ModelRecord| wanted.is_none_or(|w| w == r.algorithm);
    let mut order: Vec<ModelRecord> = active.iter().filter(|r| fits(r)).cloned().collect();
    let mut others: Vec<ModelRecord> = store
        .list_models()
        .await?
        .into_iter()
        .filter(|r| !r.active && fits(r))
        .collect();
    // Same data first, then newest first.
    others.sort_by_key(|r| (r.dataset_hash != data.hash(), std::cmp::Reverse(r.version)));
    order.extend(others);
    for rec in order {
        match load_model(store, cache, &rec, data.clone()).await {
            Ok(m) => {
                if !rec.active {
                    lifecycle::activate(store, rec.version).await?;
                    tracing::info!(
                        version = rec.version,
                        "activated the newest registered model that serves the store"
                    );
                }
                return Ok((Some(m), active));
            }
            Err(e) => {
                tracing::warn!(version = rec.version, error = %e, "registered model cannot serve the store")
            }
        }
    }
    Ok((None, active))
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
    if cinerec_engine::registry::names().contains(&"svd") {
        "svd"
    } else {
        "baseline"
    }
}

/// Opens the store, seeds it if asked and empty, reads the snapshot, loads the active model
/// (or trains, registers and activates one) and returns the application state.
pub async fn start(cfg: crate::ServerConfig, boot: Boot) -> Result<crate::AppState, ServerError> {
    let store = cinerec_store::open(&cfg.store).await?;
    if let Some(d) = &boot.seed {
        if lifecycle::seed(store.as_ref(), d).await? {
            tracing::info!(ratings = d.n_ratings(), "seeded the store");
        }
    }
    // The change stream's head before the snapshot: following starts there (`replica`).
    let replica = crate::replica::Replica::new(&cfg.replica_id);
    crate::replica::prepare(store.as_ref(), &replica, cfg.replica_poll_ms).await?;
    let data = snapshot(store.as_ref()).await?;
    let cache = model_cache(&cfg.models_dir);
    if data.n_ratings() == 0 {
        return Err(cinerec_engine::EngineError::Empty(format!(
            "the store {} holds no ratings; seed it with `cinerec serve --data DATASET` or `cinerec import`",
            cinerec_store::redact_url(&cfg.store)
        ))
        .into());
    }
    let wanted = boot.algorithm.clone();
    let mut model = None;
    // Retraining because no registered model can serve this data keeps the active model's
    // algorithm and parameters (unless others were asked for).
    let mut again: Option<(String, serde_json::Value)> = None;
    if !boot.retrain {
        let (found, active) =
            registered_model(store.as_ref(), &cache, &data, wanted.as_deref()).await?;
        again = active.map(|r| (r.algorithm, r.params));
        model = found;
    }
    let model = match model {
        Some(m) => m,
        None => {
            let (algo, params) = match (wanted, again) {
                (Some(w), _) => (w, boot.params.clone()),
                (None, Some((a, p))) if boot.params.is_none() => (a, Some(p)),
                (None, _) => (default_algorithm().to_string(), boot.params.clone()),
            };
            tracing::info!(algorithm = %algo, "no registered model can serve the store: training one");
            let dir = Path::new(&cfg.models_dir);
            let m = train_and_register(store.as_ref(), data.clone(), &algo, params, dir).await?;
            lifecycle::activate(store.as_ref(), m.version).await?;
            m
        }
    };
    tracing::info!(version = model.version, algorithm = %model.algorithm, "serving");
    let routes = crate::api::ROUTES.iter().map(|r| (r.method, r.path));
    let metrics = Arc::new(crate::metrics::Metrics::new(routes, cfg.request_log));
    Ok(crate::AppState::new(serving(data, model), store, cfg, metrics).with_replica(replica))
}
