//! `cinerec tune`: hyper-parameter search for one model. The train part of a split (made
//! here from `--data`, or read from `--train FILE`) is carved into fit + validation with
//! `cinerec_data::split::carve_validation`; every trial fits on the fit part and is scored on
//! the validation part by `cinerec_eval::tune`. The test part of the split is dropped
//! unread, so a search never sees it.

use crate::args::split::{SplitKind, SplitSource};
use crate::output::{table, Output};
use crate::Cli;
use anyhow::{bail, Context, Result};
use cinerec_core::Dataset;
use cinerec_data::split as splits;
use cinerec_eval::tune::{self, Objective, SearchSpace, TuneConfig, TuneReport};
use cinerec_eval::EvalConfig;
use clap::Args;
use serde_json::Value;
use std::path::PathBuf;

/// `cinerec tune`.
#[derive(Args, Debug)]
pub struct TuneArgs {
    /// Model name (see `cinerec models`).
    #[arg(long, short)]
    pub model: String,
    /// Search space as JSON: {"param": [values], "p2": {"uniform": [lo, hi]}, "p3": fixed}
    /// (also "log_uniform", "int_uniform"; ranges need --trials).
    #[arg(long)]
    pub grid: String,
    /// Random search with this many trials (default: the whole grid).
    #[arg(long)]
    pub trials: Option<usize>,
    /// Seed of the random search.
    #[arg(long, default_value_t = 0)]
    pub search_seed: u64,
    /// Parameters fixed for every trial (JSON object); the grid overrides them.
    #[arg(long)]
    pub params: Option<String>,
    /// Objective metric (rmse, mae, ndcg@K, precision@K, map@K, …). Default: rmse for random
    /// and k-fold splits (the rating task), ndcg@K otherwise (the ranking task).
    #[arg(long)]
    pub metric: Option<String>,
    /// Ranking cut-off.
    #[arg(long, default_value_t = 10)]
    pub k: usize,
    /// Share of the train part held out as validation (carved the same way as the split:
    /// per-user most recent for temporal, random for random/k-fold, …).
    #[arg(long, default_value_t = 0.2)]
    pub validation_ratio: f64,
    #[command(flatten)]
    pub source: SplitSource,
    /// Tune on this train file (CSV user,item,rating,timestamp) instead of splitting --data,
    /// e.g. the peers' temporal_train.csv. No test file is read.
    #[arg(long)]
    pub train: Option<PathBuf>,
    /// Write the search report (chosen parameters and every trial) as JSON.
    #[arg(long = "json", value_name = "FILE")]
    pub json_out: Option<PathBuf>,
    /// Write the search report as Markdown.
    #[arg(long = "md", value_name = "FILE")]
    pub md: Option<PathBuf>,
}

/// The train part to tune on, and a description of where it came from.
fn train_part(a: &TuneArgs, cli: &Cli, out: &Output) -> Result<(Dataset, Value)> {
    let base = a.source.base(&cli.data_dir, out)?;
    if let Some(train) = &a.train {
        // The loader wants a test file; the train file is passed again and its copy dropped.
        let (tr, _) = a.source.files(train, train, base.as_ref())?;
        let from = serde_json::json!({"kind": "file", "train": train.display().to_string()});
        return Ok((tr, from));
    }
    let Some(ds) = base else {
        bail!("give --data DATASET or --store URL (split here) or --train FILE")
    };
    let spec = a.source.split.spec();
    let s = splits::split(&ds, &spec)?;
    out.note(format!(
        "{} (the {} test ratings are not used)",
        s.description,
        s.test.len()
    ));
    Ok((s.train, serde_json::to_value(&spec)?))
}

/// `cinerec tune`.
pub fn run(a: &TuneArgs, cli: &Cli, out: &Output) -> Result<()> {
    if !(a.validation_ratio > 0.0 && a.validation_ratio < 1.0) {
        bail!("--validation-ratio must be in (0, 1)");
    }
    let space_json: Value = serde_json::from_str(&a.grid)
        .with_context(|| format!("--grid is not valid JSON: {}", a.grid))?;
    let space = SearchSpace::from_json(&space_json)?;
    let base_params: Value = match &a.params {
        Some(p) => {
            serde_json::from_str(p).with_context(|| format!("--params is not valid JSON: {p}"))?
        }
        None => Value::Null,
    };
    // Fail early on an unknown model name (before loading and splitting).
    cinerec_engine::create(&a.model, None)?;
    let metric = a.metric.clone().unwrap_or_else(|| {
        let rating_split = a.train.is_none()
            && matches!(a.source.split.kind, SplitKind::Random | SplitKind::Kfold);
        if rating_split {
            "rmse".into()
        } else {
            format!("ndcg@{}", a.k)
        }
    });

    let (train, from) = train_part(a, cli, out)?;
    let vspec = a.source.split.validation_spec(a.validation_ratio);
    let v = splits::carve_validation(&train, &vspec)?;
    out.note(format!(
        "tuning {} on {} ratings, validating on {} ({} carved from the train part)",
        a.model,
        v.fit.n_ratings(),
        v.validation.len(),
        vspec.label()
    ));
    let cfg = TuneConfig {
        objective: Objective::new(metric),
        trials: a.trials,
        seed: a.search_seed,
        base_params,
        eval: EvalConfig {
            k: a.k,
            ..Default::default()
        },
        validation: serde_json::json!({"train_part": from, "carve": vspec}),
    };
    let name = a.model.clone();
    let make = move |p: &Value| -> std::result::Result<Box<dyn cinerec_core::Recommender>, String> {
        cinerec_engine::create(&name, Some(p)).map_err(|e| e.to_string())
    };
    let report = tune::tune(
        &a.model,
        &make,
        &v.fit,
        &v.validation,
        &space,
        &cfg,
        &mut |t| {
            let point = Value::Object(t.point.clone());
            match (t.value, &t.error) {
                (Some(x), _) => out.note(format!(
                    "trial {}: {point} -> {} = {x:.4} (fit {:.3}s)",
                    t.index,
                    cfg.objective.metric,
                    t.fit_s.unwrap_or(0.0)
                )),
                (None, e) => out.note(format!(
                    "trial {}: {point} failed: {}",
                    t.index,
                    e.as_deref().unwrap_or("?")
                )),
            }
        },
    )?;
    if let Some(path) = &a.json_out {
        report.write_json(path)?;
        out.note(format!("wrote {}", path.display()));
    }
    if let Some(path) = &a.md {
        report.write_markdown(path)?;
        out.note(format!("wrote {}", path.display()));
    }
    out.result(&report, || summary(&report))
}

/// Trials table and the chosen parameters.
fn summary(r: &TuneReport) -> String {
    let rows: Vec<Vec<String>> = r
        .trials
        .iter()
        .map(|t| {
            vec![
                t.index.to_string(),
                Value::Object(t.point.clone()).to_string(),
                t.value
                    .map(|v| format!("{v:.4}"))
                    .unwrap_or_else(|| "-".into()),
                t.fit_s
                    .map(|v| format!("{v:.3}"))
                    .unwrap_or_else(|| "-".into()),
                if t.index == r.best_trial {
                    "best".into()
                } else {
                    t.error.clone().unwrap_or_default()
                },
            ]
        })
        .collect();
    format!(
        "{}\nbest ({} = {:.4}): {}",
        table(
            &["trial", "params", r.objective.metric.as_str(), "fit s", ""],
            &rows
        ),
        r.objective.metric,
        r.best_value,
        Value::Object(r.best_point.clone())
    )
}
