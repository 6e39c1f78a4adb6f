//! Where training and serving data comes from: a dataset file or folder (by path, or by name
//! under the data folder), or the contents of a store. One loader for the CLI's `--data` and
//! `--store`, the server's snapshot and the pipeline.

use crate::error::{EngineError, Result};
use cinerec_core::{Dataset, Keep};
use cinerec_data::loaders::{self, LoadOptions};
use cinerec_store::{DatasetLoad, Store};
use std::path::{Path, PathBuf};

/// Where a dataset given as `spec` lives: an existing path, or `<data_dir>/<spec>`.
pub fn dataset_path(spec: &str, data_dir: &Path) -> Result<PathBuf> {
    let p = PathBuf::from(spec);
    if p.exists() {
        return Ok(p);
    }
    let in_dir = data_dir.join(spec);
    if in_dir.exists() {
        return Ok(in_dir);
    }
    Err(EngineError::NoDataset {
        spec: spec.to_string(),
        in_dir,
    })
}

/// Loads a dataset by name or path, keeping only the optional parts of the rating matrix
/// `keep` names (a model's [`cinerec_core::Recommender::data_needs`]).
pub fn load_file(spec: &str, data_dir: &Path, keep: Keep) -> Result<Dataset> {
    let path = dataset_path(spec, data_dir)?;
    let opts = LoadOptions {
        keep,
        ..Default::default()
    };
    Ok(loaders::load(&path, &opts)?)
}

/// The store's current contents as a dataset, with the rating scale the store records
/// (from the store's ratings snapshot plus the ratings written since when it has one).
pub async fn load_store(store: &dyn Store) -> Result<Dataset> {
    Ok(load_store_traced(store).await?.0)
}

/// [`load_store`], saying whether the ratings came from the snapshot or through SQL.
pub async fn load_store_traced(store: &dyn Store) -> Result<(Dataset, DatasetLoad)> {
    let (mut d, how) = store.load_dataset_traced().await?;
    if let Ok(info) = store.dataset_info().await {
        if let Some((lo, hi)) = info.rating_scale {
            d.set_scale(lo, hi);
        }
    }
    Ok((d, how))
}

/// A current-thread async runtime for the blocking entry points (the CLI).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| EngineError::Task(format!("starting the async runtime: {e}")))
}

/// Opens the store at `url`, runs `f` on it and closes it again: the blocking form of every
/// store service, for callers without a runtime of their own.
pub fn with_store<T>(
    url: &str,
    f: impl for<'a> FnOnce(
        &'a dyn Store,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<T>> + 'a>>,
) -> Result<T> {
    runtime()?.block_on(async {
        let store = cinerec_store::open(url).await?;
        let r = f(store.as_ref()).await;
        store.close().await;
        r
    })
}

/// The whole store at `url` as a dataset (blocking).
pub fn load_store_url(url: &str) -> Result<Dataset> {
    Ok(load_store_url_traced(url)?.0)
}

/// [`load_store_url`], saying how the ratings were read.
pub fn load_store_url_traced(url: &str) -> Result<(Dataset, DatasetLoad)> {
    with_store(url, |s| Box::pin(load_store_traced(s)))
}

/// A source of training data: a file/folder dataset or a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A dataset name (under the data folder) or path.
    File {
        /// The name or path.
        spec: String,
        /// The data folder names are looked up in.
        data_dir: PathBuf,
    },
    /// A store URL (sqlite://…, postgres://…, mysql://…).
    Store(String),
}

impl Source {
    /// `--store` when given, else `--data` under `data_dir`.
    pub fn pick(store: Option<&str>, data: &str, data_dir: &Path) -> Source {
        match store {
            Some(url) => Source::Store(url.to_string()),
            None => Source::File {
                spec: data.to_string(),
                data_dir: data_dir.to_path_buf(),
            },
        }
    }

    /// Loads it (blocking), keeping what `keep` names of a file's rating matrix.
    pub fn load(&self, keep: Keep) -> Result<Dataset> {
        Ok(self.load_traced(keep)?.0)
    }

    /// [`Source::load`], saying for a store how its ratings were read.
    pub fn load_traced(&self, keep: Keep) -> Result<(Dataset, Option<DatasetLoad>)> {
        match self {
            Source::File { spec, data_dir } => Ok((load_file(spec, data_dir, keep)?, None)),
            Source::Store(url) => load_store_url_traced(url).map(|(d, h)| (d, Some(h))),
        }
    }

    /// What to call it in messages (a store URL without its password).
    pub fn describe(&self) -> String {
        match self {
            Source::File { spec, .. } => spec.clone(),
            Source::Store(url) => cinerec_store::redact_url(url),
        }
    }
}
