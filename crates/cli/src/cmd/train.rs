//! `cinerec train`: fit a model on a whole dataset (a file or a store) and save it as a
//! versioned model file; optionally evaluate the same configuration on the peers' temporal
//! hold-out first and record the metrics in the file's header; with `--store`, register it
//! in the store's model registry. The work is `cinerec_engine::{train, lifecycle}`; with
//! `--engine spark` the ALS fit (and its hold-out evaluation) runs on Apache Spark through
//! `cinerec_engine::spark`, and the model is saved and registered the same way.

use crate::args::params::ParamsArgs;
use crate::output::{summary_table, Output};
use crate::progress::FitProgress;
use crate::{resolve, Cli};
use anyhow::{Context, Result};
use cinerec_engine::{lifecycle, source, spark, train, Source, TrainSpec};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// `cinerec train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Model name (see `cinerec models`).
    #[arg(long, short, default_value = "baseline")]
    pub model: String,
    #[command(flatten)]
    pub params: ParamsArgs,
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
    /// Train on the contents of this store (sqlite://…, postgres://…, mysql://…) instead of
    /// --data, and register the trained model in its model registry.
    #[arg(long)]
    pub store: Option<String>,
    /// Where the fit runs: `cinerec` (this process) or `spark` (ALS only: MLlib through
    /// spark-submit on the interactions exported as Parquet).
    #[arg(long, value_enum, default_value = "cinerec")]
    pub engine: FitEngine,
    /// Spark master URL for --engine spark.
    #[arg(long, default_value = "local[*]")]
    pub spark_master: String,
    /// The spark-submit to run for --engine spark (default: the one on PATH).
    #[arg(long, env = "CINEREC_SPARK_SUBMIT", default_value = "spark-submit")]
    pub spark_submit: PathBuf,
}

/// Where a fit runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FitEngine {
    /// In this process.
    Cinerec,
    /// On Apache Spark (MLlib ALS).
    Spark,
}

/// `cinerec train`.
pub fn run(a: &TrainArgs, cli: &Cli, out: &Output) -> Result<()> {
    let spec = TrainSpec::new(&a.model, a.params.for_model(&a.model)?);
    // Created once: its data needs decide what is loaded, then it is the model fitted.
    let model = spec.create()?;
    let source = Source::pick(a.store.as_deref(), &a.data, &cli.data_dir);
    let ds = resolve::load(&source, out, train::data_needs(model.as_ref(), a.eval))?;
    let spark = (a.engine == FitEngine::Spark).then(|| spark::SparkOptions {
        master: a.spark_master.clone(),
        submit: a.spark_submit.clone(),
        ..Default::default()
    });
    if let Some(o) = &spark {
        out.note(format!(
            "fitting {} on Spark ({}, {})",
            a.model,
            o.master,
            o.submit.display()
        ));
    }
    let report = if let (true, Some(o)) = (a.eval, &spark) {
        let r = spark::evaluate_holdout(&spec, &ds, o)
            .with_context(|| format!("evaluating {} on Spark", a.model))?;
        out.note(summary_table(std::slice::from_ref(&r)));
        Some(r)
    } else if a.eval {
        let mut obs = FitProgress::new(out.progress(), &a.model);
        let r = train::evaluate_holdout(&spec, &ds, &mut obs);
        obs.finish();
        let r = r.with_context(|| format!("evaluating {}", a.model))?;
        out.note(summary_table(std::slice::from_ref(&r)));
        Some(r)
    } else {
        None
    };
    let mut trained = match &spark {
        Some(o) => spark::fit_als(&spec, &ds, o)
            .with_context(|| format!("fitting {} on Spark", a.model))?,
        None => {
            let mut obs = FitProgress::new(out.progress(), &a.model);
            let trained = train::fit_model(model, &ds, &mut obs);
            obs.finish();
            trained.with_context(|| format!("fitting {}", a.model))?
        }
    };
    if let Some(r) = &report {
        train::record_eval(&mut trained.metrics, r);
    }
    let path = a
        .out
        .clone()
        .unwrap_or_else(|| lifecycle::default_model_path(&a.model_dir, &ds.name, &a.model));
    let header = lifecycle::save(&trained, &ds, &path)?;
    let curves = lifecycle::save_loss_curves(&trained, &path)?.map(|c| c.display().to_string());
    let registered = match &a.store {
        Some(url) => {
            let (h, file) = (header.clone(), path.clone());
            let rec = source::with_store(url, move |store| {
                Box::pin(async move { lifecycle::register(store, &h, &file).await })
            })
            .with_context(|| format!("registering the model in {}", source.describe()))?;
            out.note(format!(
                "registered as model version {} in {} (inactive)",
                rec.version,
                source.describe()
            ));
            Some(rec.version)
        }
        None => None,
    };
    let fit_s = trained.fit_seconds;
    let run = record(a, cli, &ds, &trained, report.is_some(), &path)?;
    out.note(format!("recorded as run {run}"));
    let j = serde_json::json!({ "registered_version": registered, "run": run,
        "model": a.model, "file": path.display().to_string(), "fit_seconds": fit_s,
        "dataset": header.dataset_name, "dataset_hash": header.dataset_hash, "params": header.params,
        "loss_curves": curves, "trained_by": trained.metrics.get("trained_by"),
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

/// Records the fit in the experiment history; returns the run id. With `--eval` the record
/// carries the hold-out evaluation (the peers' temporal split), which `runs reproduce`
/// re-runs.
fn record(
    a: &TrainArgs,
    cli: &Cli,
    ds: &cinerec_core::Dataset,
    trained: &cinerec_engine::Trained,
    evaluated: bool,
    file: &std::path::Path,
) -> Result<String> {
    use cinerec_engine::runs::{DataRef, EvalSettings, RunRecord, Runs};
    let source = a.store.as_deref().unwrap_or(&a.data);
    let mut rec = RunRecord::new(
        "train",
        &trained.algorithm,
        trained.model.params(),
        DataRef::of(source, ds),
    );
    if evaluated {
        rec.eval = Some(EvalSettings::of(&train::holdout_config()));
    }
    rec.metrics = trained
        .metrics
        .iter()
        .filter(|(_, v)| v.is_number())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    rec.seconds = trained.fit_seconds;
    rec.note = Some(file.display().to_string());
    Ok(Runs::pick(a.store.as_deref(), &cli.runs_dir).record(rec)?)
}
