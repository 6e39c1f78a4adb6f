//! Turning command-line words into things: a dataset name or path into a loaded
//! [`Dataset`], a movie given by id or title into an inner id, a model name or file into a
//! fitted model.

use crate::output::Output;
use crate::progress;
use anyhow::{anyhow, bail, Context, Result};
use cinerec_core::{Dataset, ItemIdx, Keep, TitleMatch, UserIdx};
use cinerec_data::loaders::{self, LoadOptions};
use std::path::{Path, PathBuf};
use std::time::Instant;

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
    bail!(
        "no dataset at `{spec}` or `{}`; fetch it first with `cinerec data fetch {spec}` (or pass a folder/file path)",
        in_dir.display()
    )
}

/// Loads a dataset by name or path, with a spinner and a note of the time taken.
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
    let path = dataset_path(spec, data_dir)?;
    let t = Instant::now();
    let pb = progress::spinner(out.progress(), format!("loading {}", path.display()));
    let opts = LoadOptions {
        keep,
        ..Default::default()
    };
    let ds = loaders::load(&path, &opts).with_context(|| format!("loading {}", path.display()));
    pb.finish_and_clear();
    let ds = ds?;
    out.note(format!(
        "loaded {}: {} users, {} movies, {} ratings in {:.2}s",
        ds.name,
        ds.n_users(),
        ds.n_items(),
        ds.n_ratings(),
        t.elapsed().as_secs_f64()
    ));
    Ok(ds)
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
