//! `NativeStore`: a cinerec store (SQLite, PostgreSQL, MySQL/MariaDB) from Python, through the
//! same engine services the CLI and the server use: import a dataset (the store's bulk path,
//! with its ratings snapshot), read the store's contents back as a dataset (what `serve` and
//! `train --store` load), register a fitted model's file in the store's registry and activate
//! it, so a running `cinerec serve` can switch to it.

use crate::data::NativeData;
use crate::err;
use crate::model::NativeModel;
use cinerec_engine::{lifecycle, persist, source};
use cinerec_store::{import_dataset, ImportOptions, Store};
use pyo3::prelude::*;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// An open store and the runtime its connections live on.
#[pyclass(module = "cinerec._native", frozen)]
pub struct NativeStore {
    url: String,
    rt: tokio::runtime::Runtime,
    store: Arc<dyn Store>,
}

impl NativeStore {
    /// Runs `f` on the store with the GIL released.
    fn run<T: Send, F: Future<Output = PyResult<T>> + Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(Arc<dyn Store>) -> F + Send,
    ) -> PyResult<T> {
        let store = self.store.clone();
        py.detach(|| self.rt.block_on(f(store)))
    }
}

/// JSON text of a serialisable value (the Python side parses it).
fn json(v: &impl serde::Serialize) -> PyResult<String> {
    serde_json::to_string(v).map_err(err)
}

#[pymethods]
impl NativeStore {
    /// Opens (creating when needed, migrating the schema) the store at `url`:
    /// `sqlite://file.db`, `postgres://…`, `mysql://…`.
    #[new]
    fn new(py: Python<'_>, url: String) -> PyResult<Self> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(err)?;
        let store = py
            .detach(|| rt.block_on(cinerec_store::open(&url)))
            .map_err(err)?;
        Ok(NativeStore { url, rt, store })
    }

    /// The URL without its password.
    #[getter]
    fn url(&self) -> String {
        cinerec_store::redact_url(&self.url)
    }

    /// Row counts (users, movies, ratings, models) as JSON.
    fn counts(&self, py: Python<'_>) -> PyResult<String> {
        let c = self.run(py, |s| async move { s.counts().await.map_err(err) })?;
        json(&c)
    }

    /// Imports `data` with the store's bulk import (idempotent upserts; the import becomes
    /// visible at once); returns the import report as JSON.
    #[pyo3(signature = (data, batch_rows=None))]
    fn import_data(
        &self,
        py: Python<'_>,
        data: &NativeData,
        batch_rows: Option<usize>,
    ) -> PyResult<String> {
        let d = data.data.clone();
        let mut opts = ImportOptions::default();
        if let Some(b) = batch_rows {
            opts.batch_rows = b.max(1);
        }
        let rep = self.run(py, move |s| async move {
            import_dataset(s.as_ref(), &d, &opts, &|_, _| {})
                .await
                .map_err(err)
        })?;
        json(&rep)
    }

    /// The store's current contents as a dataset: what `cinerec serve` and
    /// `cinerec train --store` load (the ratings snapshot plus the ratings written since).
    fn dataset(&self, py: Python<'_>) -> PyResult<NativeData> {
        let d = self.run(py, |s| async move {
            source::load_store(s.as_ref()).await.map_err(err)
        })?;
        Ok(NativeData::wrap(d))
    }

    /// Saves `model` to `path` (the engine's model file) and registers it; activates it when
    /// `activate`. The model must have been fitted on this store's contents (the same users
    /// and movies in the same order, as [`NativeStore::dataset`] gives them), else a server
    /// on this store could not serve it. Returns the registry record as JSON.
    #[pyo3(signature = (model, path, activate=false, metrics_json=None))]
    fn register(
        &self,
        py: Python<'_>,
        model: PyRef<'_, NativeModel>,
        path: PathBuf,
        activate: bool,
        metrics_json: Option<String>,
    ) -> PyResult<String> {
        let metrics = match metrics_json {
            Some(s) => Some(serde_json::from_str(&s).map_err(err)?),
            None => None,
        };
        let (m, data) = model.parts()?;
        let current = self.dataset(py)?.data;
        let (mc, sc) = (data.catalog(), current.catalog());
        if mc.users.raws() != sc.users.raws() || mc.items.raws() != sc.items.raws() {
            return Err(err(format!(
                "the model was fitted on other users or movies than the store holds ({} users, {} movies \
                 against the store's {} and {}): fit it on Store.dataset() (or with Store.fit)",
                data.n_users(),
                data.n_items(),
                current.n_users(),
                current.n_items()
            )));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let header = py
            .detach(|| persist::save(&path, m, data, metrics))
            .map_err(err)?;
        let rec = self.run(py, move |s| async move {
            let rec = lifecycle::register(s.as_ref(), &header, &path)
                .await
                .map_err(err)?;
            if activate {
                lifecycle::activate(s.as_ref(), rec.version)
                    .await
                    .map_err(err)
            } else {
                Ok(rec)
            }
        })?;
        json(&rec)
    }

    /// A fresh model file name under `dir` for `model` (`<dataset hash>-<model>-<millis>.cinerec`,
    /// the server's own naming).
    fn model_path(&self, model: PyRef<'_, NativeModel>, dir: PathBuf) -> PyResult<String> {
        let (_, data) = model.parts()?;
        Ok(
            lifecycle::versioned_model_path(Path::new(&dir), data, model.algorithm())
                .display()
                .to_string(),
        )
    }

    /// The registry, by version, as JSON.
    fn models(&self, py: Python<'_>) -> PyResult<String> {
        let list = self.run(py, |s| async move { s.list_models().await.map_err(err) })?;
        json(&list)
    }

    /// Makes `version` the active model; returns its record as JSON.
    fn activate(&self, py: Python<'_>, version: i64) -> PyResult<String> {
        let rec = self.run(py, move |s| async move {
            lifecycle::activate(s.as_ref(), version).await.map_err(err)
        })?;
        json(&rec)
    }

    /// Closes the store's connections (the object is unusable afterwards).
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        self.run(py, |s| async move {
            s.close().await;
            Ok(())
        })
    }
}
