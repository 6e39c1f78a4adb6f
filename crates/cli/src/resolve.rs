//! Turning command-line words into things: a dataset name, path or store URL into a loaded
//! [`Dataset`] (through `cinerec_engine::source`), a user or a movie given by id or title
//! into an inner id, a model name, file or the store's active model into a fitted model.

use crate::output::Output;
use crate::progress::{self, FitProgress};
use anyhow::{anyhow, bail, Context, Result};
use cinerec_core::{Dataset, ItemIdx, Keep, Recommender, TitleMatch, UserIdx};
use cinerec_engine::{lifecycle, train, Source, TrainSpec};
use cinerec_store::DatasetLoad;
use std::path::Path;
use std::time::Instant;

/// Loads a dataset from `source` (a file or a store) with a spinner and a note of the time
/// taken, keeping only the optional parts of a file's rating matrix that `keep` names.
pub fn load(source: &Source, out: &Output, keep: Keep) -> Result<Dataset> {
    let t = Instant::now();
    let what = source.describe();
    let pb = progress::spinner(out.progress(), format!("loading {what}"));
    let ds = source
        .load_traced(keep)
        .with_context(|| format!("loading {what}"));
    pb.finish_and_clear();
    let (ds, how) = ds?;
    let how = match how {
        None => String::new(),
        Some(DatasetLoad::Snapshot { changes }) => {
            format!(" (ratings snapshot + {changes} changed since)")
        }
        Some(DatasetLoad::Sql { why }) => format!(" (ratings through SQL: {why})"),
    };
    out.note(format!(
        "loaded {} from {what}: {} users, {} movies, {} ratings in {:.2}s{how}",
        ds.name,
        ds.n_users(),
        ds.n_items(),
        ds.n_ratings(),
        t.elapsed().as_secs_f64()
    ));
    Ok(ds)
}

/// Loads a dataset by name or path under `data_dir` (everything kept).
pub fn load_dataset(spec: &str, data_dir: &Path, out: &Output) -> Result<Dataset> {
    load_dataset_keeping(spec, data_dir, out, Keep::ALL)
}

/// [`load_dataset`] keeping only the optional parts of the rating matrix `keep` names.
pub fn load_dataset_keeping(
    spec: &str,
    data_dir: &Path,
    out: &Output,
    keep: Keep,
) -> Result<Dataset> {
    load(&Source::pick(None, spec, data_dir), out, keep)
}

/// The dataset `--store` names, else `--data` (when given): the base a split is made from.
pub fn base_dataset(
    data: Option<&str>,
    store: Option<&str>,
    data_dir: &Path,
    out: &Output,
) -> Result<Option<Dataset>> {
    match (store, data) {
        (None, None) => Ok(None),
        (store, data) => {
            let source = Source::pick(store, data.unwrap_or_default(), data_dir);
            load(&source, out, Keep::ALL).map(Some)
        }
    }
}

/// The model that answers for `ds`: `model_file`; else the store's active model when reading
/// a store and no model is named; else `<model_dir>/<dataset>-<model>.cinerec` when it
/// exists; else `model` fitted now.
pub fn model_for(
    ds: &Dataset,
    model: &str,
    model_file: Option<&Path>,
    model_dir: &Path,
    store: Option<&str>,
    out: &Output,
) -> Result<Box<dyn Recommender>> {
    if let (Some(url), None) = (store, model_file) {
        if let Some(m) = active_model(url, ds, out)? {
            return Ok(m);
        }
    }
    let path = model_file
        .map(Path::to_path_buf)
        .unwrap_or_else(|| lifecycle::default_model_path(model_dir, &ds.name, model));
    if path.exists() {
        out.note(format!("using model file {}", path.display()));
        return cinerec_engine::load(&path, ds)
            .with_context(|| format!("loading {}", path.display()));
    }
    if model_file.is_some() {
        bail!("model file {} does not exist", path.display());
    }
    out.note(format!(
        "no model file at {}; fitting {model} on {} now (save one with `cinerec train`)",
        path.display(),
        ds.name
    ));
    let mut obs = FitProgress::new(out.progress(), model);
    let trained = train::train(&TrainSpec::new(model, None), ds, &mut obs);
    obs.finish();
    Ok(trained.with_context(|| format!("fitting {model}"))?.model)
}

/// The active registered model of the store at `url`, loaded for `ds` (None when the
/// registry has no active model).
fn active_model(url: &str, ds: &Dataset, out: &Output) -> Result<Option<Box<dyn Recommender>>> {
    let Some(rec) = cinerec_engine::source::with_store(url, |store| {
        Box::pin(async move { Ok(store.active_model().await?) })
    })?
    else {
        return Ok(None);
    };
    let m = lifecycle::load_record(&rec, ds)?;
    out.note(format!(
        "using the store's active model: version {} ({})",
        rec.version, rec.algorithm
    ));
    Ok(Some(m))
}

/// Inner id of a raw user id, or an error saying the user is unknown.
pub fn user(ds: &Dataset, raw: &str) -> Result<UserIdx> {
    ds.catalog().user(raw).ok_or_else(|| {
        anyhow!(
            "unknown user `{raw}` (the dataset has {} users)",
            ds.n_users()
        )
    })
}

/// A movie by raw id or title; ambiguous titles and misses list candidates.
pub fn movie(ds: &Dataset, query: &str) -> Result<ItemIdx> {
    let cat = ds.catalog();
    let list = |v: &[ItemIdx]| {
        v.iter()
            .take(10)
            .map(|&i| format!("  {} — {}", cat.raw_item(i), cat.display_title(i)))
            .collect::<Vec<_>>()
            .join("\n")
    };
    match cat.find_item(query) {
        TitleMatch::One(i) => Ok(i),
        TitleMatch::Ambiguous(v) => {
            bail!(
                "`{query}` matches {} movies; pass one of these ids or the full title:\n{}",
                v.len(),
                list(&v)
            )
        }
        TitleMatch::NotFound { suggestions } if suggestions.is_empty() => {
            bail!("no movie matches `{query}`")
        }
        TitleMatch::NotFound { suggestions } => {
            bail!(
                "no movie matches `{query}`; did you mean:\n{}",
                list(&suggestions)
            )
        }
    }
}
