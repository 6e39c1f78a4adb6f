//! The model lifecycle against a store: where model files go (one rule for every caller),
//! registering a saved file, loading a registered model, activating one, seeding an empty
//! store, and the whole "train → save → register" step the CLI's `train --store` and the
//! server's start-up share. On PostgreSQL (the store replicas share) a registered model's
//! file is also kept in the database (`Store::put_model_file`) unless `CINEREC_MODEL_FILES=shared`
//! says the model folder is shared by every replica; [`localize`] gives a process a readable
//! copy of a registered model's file either way.

use crate::error::{EngineError, Result};
use crate::persist::{self, LoadOptions, ModelHeader};
use crate::train::{self, TrainSpec, Trained};
use cinerec_core::{Dataset, Recommender};
use cinerec_store::{ModelRecord, NewModel, Store};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Default model file for a dataset and model: `<model_dir>/<dataset file name>-<model>.cinerec`.
pub fn default_model_path(model_dir: &Path, dataset: &str, model: &str) -> PathBuf {
    let stem = Path::new(dataset)
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| dataset.into());
    model_dir.join(format!("{stem}-{model}.cinerec"))
}

/// A fresh model file name for a model trained by a running service:
/// `<dir>/<dataset hash>-<model>-<unix millis>.cinerec` (never overwrites a registered file).
pub fn versioned_model_path(dir: &Path, data: &Dataset, model: &str) -> PathBuf {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    dir.join(format!("{}-{model}-{stamp}.cinerec", data.hash()))
}

/// Where the train/validation loss curves of a model file go: beside it, `<file>.loss.svg`.
pub fn loss_curves_path(model_file: &Path) -> PathBuf {
    let mut name = model_file.file_name().unwrap_or_default().to_os_string();
    name.push(".loss.svg");
    model_file.with_file_name(name)
}

/// The artifact path recorded in a registry: always absolute, so a model registered from one
/// working directory loads from any other (the one rule for the CLI and the server).
pub fn artifact(path: &Path) -> String {
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    });
    abs.to_string_lossy().into_owned()
}

/// Whether registering keeps model files in the store itself: on PostgreSQL, unless
/// `CINEREC_MODEL_FILES=shared` (every replica reads the registered path).
pub fn keeps_files(store: &dyn Store) -> bool {
    store.backend() == cinerec_store::Backend::Postgres
        && !std::env::var("CINEREC_MODEL_FILES").is_ok_and(|v| v == "shared")
}

/// Registers a saved model file (inactive) and returns its record; the file itself is kept
/// in the store too when [`keeps_files`].
pub async fn register(store: &dyn Store, header: &ModelHeader, file: &Path) -> Result<ModelRecord> {
    let m = NewModel {
        algorithm: header.algorithm.clone(),
        params: header.params.clone(),
        dataset_hash: header.dataset_hash.clone(),
        metrics: header.metrics.clone(),
        artifact: artifact(file),
    };
    let rec = store.register_model(&m).await?;
    if keeps_files(store) {
        let path = file.to_path_buf();
        let bytes = tokio::task::spawn_blocking(move || std::fs::read(&path))
            .await
            .map_err(|e| EngineError::Task(e.to_string()))?
            .map_err(|e| EngineError::io(file, e))?;
        store.put_model_file(rec.version, &bytes).await?;
    }
    Ok(rec)
}

/// `rec` with an artifact this process can read: the registered path when it exists, else a
/// copy of the file kept in the store written under `cache` (`<version>-<file name>`, reused
/// when already there). Without either, `rec` unchanged (loading it then says what is missing).
pub async fn localize(store: &dyn Store, rec: &ModelRecord, cache: &Path) -> Result<ModelRecord> {
    if Path::new(&rec.artifact).is_file() {
        return Ok(rec.clone());
    }
    let name = Path::new(&rec.artifact)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model.cinerec".into());
    let local = cache.join(format!("{}-{name}", rec.version));
    let mut out = rec.clone();
    out.artifact = local.to_string_lossy().into_owned();
    if local.is_file() {
        return Ok(out);
    }
    let Some(bytes) = store.get_model_file(rec.version).await? else {
        return Ok(rec.clone());
    };
    std::fs::create_dir_all(cache).map_err(|e| EngineError::io(cache, e))?;
    let path = local.clone();
    tokio::task::spawn_blocking(move || {
        cinerec_core::atomic::write_atomic(&path, &[bytes.as_slice()])
    })
    .await
    .map_err(|e| EngineError::Task(e.to_string()))?
    .map_err(|e| EngineError::io(&local, e))?;
    Ok(out)
}

/// Loads the model file of a registry record for `data`. The dataset hash may differ (the
/// store gained ratings since training) but the catalogue sizes must agree; a file that
/// cannot serve this data is [`EngineError::Unservable`].
pub async fn load_registered(
    rec: &ModelRecord,
    data: Arc<Dataset>,
) -> Result<Box<dyn Recommender>> {
    let rec2 = rec.clone();
    tokio::task::spawn_blocking(move || load_record(&rec2, &data))
        .await
        .map_err(|e| EngineError::Task(e.to_string()))?
}

/// [`load_registered`] on the calling thread (for callers without a runtime of their own).
pub fn load_record(rec: &ModelRecord, data: &Dataset) -> Result<Box<dyn Recommender>> {
    let path = PathBuf::from(&rec.artifact);
    persist::load_with(&path, data, LoadOptions { force: true })
        .map(|(m, _)| m)
        .map_err(|e| EngineError::Unservable {
            version: rec.version,
            source: Box::new(e.into()),
        })
}

/// The model of a registry record *as fitted*, for `data` (whose catalogue may have grown by
/// appended users and movies since), and how many users and movies it was fitted on: for a
/// caller that serves it through [`crate::grow::grow_shared`] and
/// [`cinerec_core::cold_users::serve_new_users`] as its catalogue keeps growing.
pub async fn load_registered_fitted(
    rec: &ModelRecord,
    data: Arc<Dataset>,
) -> Result<(Box<dyn Recommender>, Fitted)> {
    let rec = rec.clone();
    tokio::task::spawn_blocking(move || {
        let path = PathBuf::from(&rec.artifact);
        persist::load_fitted(&path, &data, LoadOptions { force: true })
            .map(|(m, h)| {
                let fitted = Fitted {
                    users: h.n_users,
                    items: h.n_items,
                };
                (m, fitted)
            })
            .map_err(|e| EngineError::Unservable {
                version: rec.version,
                source: Box::new(e.into()),
            })
    })
    .await
    .map_err(|e| EngineError::Task(e.to_string()))?
}

/// The catalogue a model was fitted on: its first `users` users and `items` movies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fitted {
    /// Users it was fitted on.
    pub users: usize,
    /// Movies it was fitted on.
    pub items: usize,
}

impl Fitted {
    /// The whole catalogue of `data`.
    pub fn all_of(data: &Dataset) -> Self {
        Fitted {
            users: data.n_users(),
            items: data.n_items(),
        }
    }
}

/// Makes `version` the active model; returns its record.
pub async fn activate(store: &dyn Store, version: i64) -> Result<ModelRecord> {
    Ok(store.activate_model(version).await?)
}

/// Seeds `store` from `data` with the store's importer (idempotent upserts) when the store
/// holds no rating yet; returns whether it imported.
pub async fn seed(store: &dyn Store, data: &Dataset) -> Result<bool> {
    if store.counts().await?.ratings > 0 {
        return Ok(false);
    }
    let opts = cinerec_store::ImportOptions::default();
    cinerec_store::import_dataset(store, data, &opts, &|_, _| {}).await?;
    Ok(true)
}

/// Fits `spec` on `data` (on a blocking thread), saves it to `file`, registers it and returns
/// the record and the fitted model. `extra` adds figures to the recorded metrics.
pub async fn train_and_register(
    store: &dyn Store,
    data: Arc<Dataset>,
    spec: TrainSpec,
    file: PathBuf,
    extra: Option<Value>,
) -> Result<(ModelRecord, Box<dyn Recommender>)> {
    let (trained, header, file) = tokio::task::spawn_blocking(move || -> Result<_> {
        let mut trained = train::train(&spec, &data, &mut cinerec_core::NoObserver)?;
        if let Some(Value::Object(m)) = extra {
            trained.metrics.extend(m);
        }
        let header = save(&trained, &data, &file)?;
        Ok((trained, header, file))
    })
    .await
    .map_err(|e| EngineError::Task(e.to_string()))??;
    let rec = register(store, &header, &file).await?;
    Ok((rec, trained.model))
}

/// Saves a trained model to `file` (creating its folder) with its metrics in the header, and
/// its loss curves beside it when it reported epochs; returns the header.
pub fn save(trained: &Trained, data: &Dataset, file: &Path) -> Result<ModelHeader> {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| EngineError::io(dir, e))?;
    }
    let metrics = Some(Value::Object(trained.metrics.clone()));
    Ok(persist::save(file, trained.model.as_ref(), data, metrics)?)
}

/// Writes the loss curves of `trained` beside `file`; returns their path when there were any.
pub fn save_loss_curves(trained: &Trained, file: &Path) -> Result<Option<PathBuf>> {
    let path = loss_curves_path(file);
    let written =
        cinerec_eval::curves::write_loss_curves(&trained.algorithm, &trained.history, &path)?;
    Ok(written.then_some(path))
}
