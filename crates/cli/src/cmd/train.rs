//! `cinerec train`: fit a model on a whole dataset and save it as a versioned model file;
//! optionally evaluate the same configuration on a split first and record the metrics in
//! the file's header.

use crate::output::Output;
use crate::progress::FitProgress;
use crate::{resolve, Cli};
use anyhow::{bail, Context, Result};
use clap::Args;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `cinerec train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Model name (see `cinerec models`).
    #[arg(long, short, default_value = "baseline")]
    pub model: String,
    /// Hyper-parameters as a JSON object.
    #[arg(long)]
    pub params: Option<String>,
    /// Dataset name or path.
    #[arg(long, short, default_value = "ml-100k")]
    pub data: String,
    /// Model file to write (default: <model-dir>/<dataset>-<model>.cinerec).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Folder for model files.
    #[arg(long, env = "CINEREC_MODEL_DIR", default_value = "models")]
    pub model_dir: PathBuf,
    /// Evaluate on the peers' temporal split before the final fit and store the metrics.
    #[arg(long)]
    pub eval: bool,
    /// Scoring method, for models that have several (`features`: density | likelihood).
    #[arg(long)]
    pub method: Option<String>,
    /// Train on the contents of this store (sqlite://…, postgres://…, mysql://…) instead of
    /// --data, and register the trained model in its model registry.
    #[arg(long)]
    pub store: Option<String>,
}

/// Parses `--params`: for one model an object of its parameters; for several, an object
/// keyed by model name.
pub fn parse_params(raw: Option<&str>, models: &[String]) -> Result<HashMap<String, Value>> {
    let mut out = HashMap::new();
    let Some(raw) = raw else { return Ok(out) };
    let v: Value =
        serde_json::from_str(raw).with_context(|| format!("--params is not valid JSON: {raw}"))?;
    let Value::Object(map) = &v else {
        bail!("--params must be a JSON object")
    };
    if models.len() == 1 && !map.keys().any(|k| k == &models[0]) {
        out.insert(models[0].clone(), v);
    } else {
        for (k, p) in map {
            if !models.contains(k) {
                bail!(
                    "--params names model `{k}`, which is not among --model {}",
                    models.join(",")
                );
            }
            out.insert(k.clone(), p.clone());
        }
    }
    Ok(out)
}

/// Applies `--method` (the scoring method of models that have several, e.g. `features`:
/// `density` or `likelihood`) to every listed model whose parameters have a `method` field.
pub fn apply_method(
    params: &mut HashMap<String, Value>,
    models: &[String],
    method: Option<&str>,
) -> Result<()> {
    let Some(method) = method else { return Ok(()) };
    let mut applied = false;
    for name in models {
        let defaults = cinerec_models::create(name, None)?.params();
        if defaults.get("method").is_none() {
            continue;
        }
        let p = params
            .entry(name.clone())
            .or_insert_with(|| Value::Object(Default::default()));
        if let Value::Object(map) = p {
            map.insert("method".into(), Value::String(method.to_string()));
            applied = true;
        }
    }
    if !applied {
        bail!(
            "--method applies to models with several scoring methods (features); none of {} has one",
            models.join(",")
        );
    }
    Ok(())
}

/// Default model file for a dataset and model.
pub fn default_model_path(model_dir: &Path, dataset: &str, model: &str) -> PathBuf {
    let stem = Path::new(dataset)
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| dataset.into());
    model_dir.join(format!("{stem}-{model}.cinerec"))
}

/// `cinerec train`.
pub fn run(a: &TrainArgs, cli: &Cli, out: &Output) -> Result<()> {
    let mut params = parse_params(a.params.as_deref(), std::slice::from_ref(&a.model))?;
    apply_method(
        &mut params,
        std::slice::from_ref(&a.model),
        a.method.as_deref(),
    )?;
    let p = params.get(&a.model);
    // Loaded only for this fit (and the model file's fingerprint): the matrix keeps just what
    // the model reads, unless --eval's temporal split needs the timestamps.
    let mut model = cinerec_models::create(&a.model, p)?;
    let keep = if a.eval {
        cinerec_core::Keep::ALL
    } else {
        model.data_needs()
    };
    let ds = match &a.store {
        Some(url) => super::import::load_from_store(url, out)?,
        None => resolve::load_dataset_keeping(&a.data, &cli.data_dir, out, keep)?,
    };
    // Recorded in the model file and the registry: evaluation figures (with --eval, flat keys
    // such as `ndcg@10`), the fit time and the per-epoch losses (the dashboard's curves).
    let mut metrics = serde_json::Map::new();
    if a.eval {
        let s = cinerec_data::split::split(&ds, &cinerec_data::split::SplitSpec::peer_temporal())?;
        let mut m = cinerec_models::create(&a.model, p)?;
        let mut obs = FitProgress::new(out.progress(), &a.model);
        m.fit(&s.train, &mut obs)?;
        obs.finish();
        let cfg = cinerec_eval::EvalConfig {
            split: serde_json::to_value(&s.spec)?,
            ..Default::default()
        };
        let r = cinerec_eval::evaluate(m.as_ref(), &s.train, &s.test, &cfg)?;
        out.note(super::eval::summary_table(std::slice::from_ref(&r)));
        for (k, v) in r.metrics.iter() {
            metrics.insert(k.to_string(), v.clone());
        }
        metrics.insert("eval_split".into(), r.split.clone());
    }
    let mut obs = FitProgress::new(out.progress(), &a.model);
    let t = Instant::now();
    model
        .fit(&ds, &mut obs)
        .with_context(|| format!("fitting {}", a.model))?;
    obs.finish();
    let fit_s = t.elapsed().as_secs_f64();
    metrics.insert("fit_seconds".into(), fit_s.into());
    if !obs.history.is_empty() {
        metrics.insert("epochs".into(), serde_json::to_value(&obs.history)?);
    }
    let metrics = Some(serde_json::Value::Object(metrics));
    let path = a
        .out
        .clone()
        .unwrap_or_else(|| default_model_path(&a.model_dir, &ds.name, &a.model));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let header = cinerec_models::save(&path, model.as_ref(), &ds, metrics)?;
    let curves = loss_curves_path(&path);
    let curves = cinerec_eval::curves::write_loss_curves(&a.model, &obs.history, &curves)?
        .then(|| curves.display().to_string());
    let registered = match &a.store {
        Some(url) => Some(super::import::register_model(url, &header, &path, out)?),
        None => None,
    };
    let j = serde_json::json!({ "registered_version": registered,
        "model": a.model, "file": path.display().to_string(), "fit_seconds": fit_s,
        "dataset": header.dataset_name, "dataset_hash": header.dataset_hash, "params": header.params,
        "loss_curves": curves,
    });
    out.result(&j, || {
        let curves = curves
            .as_ref()
            .map(|c| format!(" (loss curves: {c})"))
            .unwrap_or_default();
        format!(
            "trained {} on {} in {fit_s:.2}s → {}{curves}",
            a.model,
            ds.name,
            path.display()
        )
    })
}

/// Where the train/validation loss curves of a model file go: beside it, `<file>.loss.svg`.
pub fn loss_curves_path(model_file: &Path) -> PathBuf {
    let mut name = model_file.file_name().unwrap_or_default().to_os_string();
    name.push(".loss.svg");
    model_file.with_file_name(name)
}
