//! Application state. What requests read — the dataset, its precomputed index, the live
//! overlay and the loaded models — is one immutable [`Serving`] snapshot behind an
//! `ArcSwap`: a read is a lock-free load, and activating a model (or reloading the dataset
//! for a model trained on newer data) builds a new snapshot and swaps it in, so requests in
//! flight finish on the old one and none is dropped. Writers (ratings, users, swaps) pass a
//! write gate so a swap never loses a rating posted while it runs.

use arc_swap::ArcSwap;
use cinerec_core::cold_users::serve_new_users;
use cinerec_core::{CoreError, Dataset, ItemIdx, Recommender, UserRef};
use cinerec_engine::coldstart::DemographicPrior;
use cinerec_engine::lifecycle::Fitted;
use cinerec_store::{ModelRecord, Store};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::RwLock;

use crate::config::ServerConfig;
use crate::error::ServerError;
use crate::index::CatalogIndex;
use crate::live::{LiveRatings, Who};
use crate::metrics::Metrics;

/// A fitted model the server can answer with.
pub struct LoadedModel {
    /// Registry version.
    pub version: i64,
    /// Algorithm name.
    pub algorithm: String,
    /// The model serving the current catalogue: `fitted` itself, or derived from it when
    /// movies were added since the fit (`cinerec_engine::grow`).
    pub model: Arc<dyn Recommender>,
    /// The model as fitted (or loaded).
    pub fitted: Arc<dyn Recommender>,
    /// How many movies it was fitted on (the catalogue's first ones).
    pub fitted_items: usize,
    /// How many users it was fitted on (the catalogue's first ones; the later ones are
    /// folded in from their ratings: `cinerec_core::cold_users`).
    pub fitted_users: usize,
}

impl std::fmt::Debug for LoadedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedModel")
            .field("version", &self.version)
            .field("algorithm", &self.algorithm)
            .finish()
    }
}

impl LoadedModel {
    /// Wraps a model registered as `rec`, fitted on the first users and movies of the
    /// catalogue that `fitted` counts (serve it over a larger one through
    /// [`LoadedModel::grown`]).
    pub fn new(rec: &ModelRecord, model: Box<dyn Recommender>, fitted: Fitted) -> Self {
        let model: Arc<dyn Recommender> = Arc::from(model);
        LoadedModel {
            version: rec.version,
            algorithm: rec.algorithm.clone(),
            model: model.clone(),
            fitted: model,
            fitted_items: fitted.items,
            fitted_users: fitted.users,
        }
    }

    /// The same model serving `data`, whose catalogue may have grown by appended movies
    /// (content models embed them, the others treat them as cold) or, with
    /// `metadata_changed`, had movies edited; users appended after the fitted ones are
    /// folded in from their ratings in `data`.
    pub fn grown(
        &self,
        data: &Dataset,
        metadata_changed: bool,
    ) -> Result<LoadedModel, ServerError> {
        let g = &self.fitted;
        let model =
            cinerec_engine::grow::grow_shared(g, self.fitted_items, data, metadata_changed)?;
        let model = serve_new_users(model, self.fitted_users, data);
        Ok(LoadedModel {
            version: self.version,
            algorithm: self.algorithm.clone(),
            model,
            fitted: self.fitted.clone(),
            fitted_items: self.fitted_items,
            fitted_users: self.fitted_users,
        })
    }

    /// Whether movie `i` was added after this model's fit.
    pub fn is_new(&self, i: ItemIdx) -> bool {
        i.ix() >= self.fitted_items
    }
}

/// One consistent view for answering requests.
#[derive(Debug)]
pub struct Serving {
    /// The ratings the models were trained on (a snapshot of the store).
    pub data: Arc<Dataset>,
    /// Precomputed per-movie fields.
    pub index: Arc<CatalogIndex>,
    /// Ratings and users added since the snapshot.
    pub live: Arc<LiveRatings>,
    /// The active model.
    pub active: Arc<LoadedModel>,
    /// Every loaded model (the active one included), for `?model=`.
    pub loaded: Vec<Arc<LoadedModel>>,
    /// The baseline fitted on `data` on first need, when no loaded model predicts ratings
    /// (see [`Serving::rating_model`]); shared by snapshots over the same data.
    pub fallback: Arc<OnceLock<Arc<LoadedModel>>>,
    /// The demographic prior of `data`'s users for new visitors who give demographics, built
    /// on first need (see [`Serving::prior`]); shared by snapshots over the same ratings.
    pub cold: Arc<OnceLock<Option<DemographicPrior>>>,
}

/// Whether a fitted model answers rating predictions (ranking-only models say `Unsupported`).
fn predicts_ratings(m: &LoadedModel) -> bool {
    !matches!(
        m.model.predict(UserRef::Profile(&[]), ItemIdx(0)),
        Err(CoreError::Unsupported { .. })
    )
}

impl Serving {
    /// A model by version number or algorithm name among the loaded ones.
    pub fn pick(&self, key: &str) -> Option<&Arc<LoadedModel>> {
        if let Ok(v) = key.parse::<i64>() {
            return self.loaded.iter().find(|m| m.version == v);
        }
        if self.active.algorithm == key {
            return Some(&self.active);
        }
        self.loaded.iter().rev().find(|m| m.algorithm == key)
    }

    /// The model that answers `/predict`: the active one when it predicts ratings, else the
    /// newest loaded model that does, else a baseline (global mean + damped user and movie
    /// biases, version 0) fitted on the snapshot the first time it is needed. So `/predict`
    /// works whatever ranking-only model is active.
    /// The fit blocks: async callers take [`Serving::rating_model_ready`] first and run this
    /// on a blocking thread only when it gives nothing.
    pub fn rating_model(&self) -> Result<Arc<LoadedModel>, ServerError> {
        if let Some(m) = self.rating_model_ready() {
            return Ok(m);
        }
        self.baseline()
    }

    /// The baseline fitted on this snapshot (on first need; blocking): it also answers for
    /// movies added since the other models' fit (global mean + the user's bias, as Surprise
    /// answers for an unknown movie).
    pub fn baseline(&self) -> Result<Arc<LoadedModel>, ServerError> {
        if let Some(m) = self.fallback.get() {
            return Ok(m.clone());
        }
        let mut model = cinerec_engine::registry::create("baseline", None)?;
        model.fit(&self.data, &mut cinerec_core::NoObserver)?;
        let model: Arc<dyn Recommender> = Arc::from(model);
        let m = Arc::new(LoadedModel {
            version: 0,
            algorithm: "baseline".into(),
            model: model.clone(),
            fitted: model,
            fitted_items: self.data.n_items(),
            fitted_users: self.data.n_users(),
        });
        Ok(self.fallback.get_or_init(|| m).clone())
    }

    /// The demographic prior blended into a new visitor's recommendations when they give
    /// demographics (`None` when no user of the snapshot has any). Built on first need: one
    /// pass over the snapshot's ratings.
    pub fn prior(&self) -> Option<&DemographicPrior> {
        self.cold
            .get_or_init(|| DemographicPrior::build(&self.data))
            .as_ref()
    }

    /// [`Serving::rating_model`] when it needs no fit (`None`: the baseline is not fitted yet).
    pub fn rating_model_ready(&self) -> Option<Arc<LoadedModel>> {
        if predicts_ratings(&self.active) {
            return Some(self.active.clone());
        }
        if let Some(m) = self.loaded.iter().rev().find(|m| predicts_ratings(m)) {
            return Some(m.clone());
        }
        self.fallback.get().cloned()
    }

    /// This snapshot over `data`, the same ratings over a catalogue grown by appended movies
    /// or with edited movie metadata: every loaded model grown to it, the index grown with it
    /// ([`CatalogIndex::grown`]), the live overlay kept (inner ids of existing movies do not change).
    pub fn with_catalog(&self, data: Arc<Dataset>) -> Result<Serving, ServerError> {
        let active = Arc::new(self.active.grown(&data, true)?);
        let mut loaded = Vec::with_capacity(self.loaded.len());
        for m in &self.loaded {
            loaded.push(if m.version == active.version {
                active.clone()
            } else {
                Arc::new(m.grown(&data, true)?)
            });
        }
        Ok(Serving {
            index: Arc::new(self.index.grown(&data, active.fitted_items)),
            data,
            live: self.live.clone(),
            active,
            loaded,
            fallback: Default::default(),
            // Same ratings: the prior still holds (movies appended since score 0).
            cold: self.cold.clone(),
        })
    }

    /// Resolves a raw user id or gives the 404.
    pub fn who(&self, raw: &str) -> Result<Who, ServerError> {
        self.live
            .who(&self.data, raw)
            .ok_or_else(|| ServerError::UnknownUser(raw.to_string()))
    }
}

/// Shared by every handler (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    serving: ArcSwap<Serving>,
    store: Arc<dyn Store>,
    config: ServerConfig,
    metrics: Arc<Metrics>,
    gate: RwLock<()>,
    retrain: crate::retrain::status::Status,
    retrain_started: AtomicBool,
    harden: crate::harden::Harden,
    replica: crate::replica::Replica,
}

impl AppState {
    /// State over a first snapshot.
    pub fn new(
        serving: Serving,
        store: Arc<dyn Store>,
        config: ServerConfig,
        metrics: Arc<Metrics>,
    ) -> Self {
        AppState {
            inner: Arc::new(Inner {
                serving: ArcSwap::from_pointee(serving),
                store,
                metrics,
                gate: RwLock::new(()),
                retrain: Default::default(),
                retrain_started: AtomicBool::new(false),
                harden: crate::harden::Harden::new(&config),
                replica: crate::replica::Replica::new(&config.replica_id),
                config,
            }),
        }
    }

    /// This state with `replica` as its place among the replicas (before it is shared).
    pub fn with_replica(mut self, replica: crate::replica::Replica) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.replica = replica;
        }
        self
    }

    /// This server as a replica of its store ([`crate::replica`]).
    pub fn replica(&self) -> &crate::replica::Replica {
        &self.inner.replica
    }

    /// The current snapshot (lock-free).
    pub fn serving(&self) -> arc_swap::Guard<Arc<Serving>> {
        self.inner.serving.load()
    }

    /// The current snapshot as an owned `Arc` (for work moved to another thread).
    pub fn serving_arc(&self) -> Arc<Serving> {
        self.inner.serving.load_full()
    }

    /// Replaces the snapshot.
    pub fn swap(&self, s: Serving) {
        self.inner.serving.store(Arc::new(s));
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// The request metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    /// The write gate: writers hold it shared, swaps exclusively.
    pub fn gate(&self) -> &RwLock<()> {
        &self.inner.gate
    }

    /// What background retraining is doing and decided ([`crate::retrain`]).
    pub fn retrain_status(&self) -> &crate::retrain::status::Status {
        &self.inner.retrain
    }

    /// The write limiter, timeouts and store outage watch ([`crate::harden`]).
    pub fn harden(&self) -> &crate::harden::Harden {
        &self.inner.harden
    }

    /// Marks the retraining task as started; true when it already was.
    pub fn retrain_started(&self) -> bool {
        self.inner.retrain_started.swap(true, Ordering::AcqRel)
    }
}
