//! `cinerec eval`: fit models on a split — made here from a dataset or a store, or read from
//! given train/test files — and report rating, ranking and factorized top-K metrics as a
//! table, JSON and Markdown.

use crate::args::params::ParamsArgs;
use crate::args::split::{SplitOpts, SplitSource};
use crate::output::{summary_table, Output};
use crate::progress::FitProgress;
use crate::Cli;
use anyhow::{bail, Context, Result};
use cinerec_core::{Dataset, Interactions};
use cinerec_data::split as splits;
use cinerec_engine::{train, TrainSpec};
use cinerec_eval::{comparison_markdown, EvalConfig, Report};
use clap::Args;
use std::path::PathBuf;

/// `cinerec eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Model names, comma-separated (see `cinerec models`).
    #[arg(
        long,
        short,
        default_value = "popularity,baseline",
        value_delimiter = ','
    )]
    pub model: Vec<String>,
    #[command(flatten)]
    pub params: ParamsArgs,
    #[command(flatten)]
    pub source: SplitSource,
    /// Train file (CSV user,item,rating,timestamp) instead of splitting --data.
    #[arg(long, requires = "test")]
    pub train: Option<PathBuf>,
    /// Test file matching --train.
    #[arg(long, requires = "train")]
    pub test: Option<PathBuf>,
    /// Ranking cut-off.
    #[arg(long, default_value_t = 10)]
    pub k: usize,
    /// Metric groups: rating, ranking, factorized, sample (in/out-of-sample precision).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "rating,ranking,factorized"
    )]
    pub metrics: Vec<String>,
    /// Write the report(s) as JSON (one object for one model, an array for several).
    #[arg(long = "json", value_name = "FILE")]
    pub json_out: Option<PathBuf>,
    /// Write the report(s) as Markdown.
    #[arg(long = "md", value_name = "FILE")]
    pub md: Option<PathBuf>,
}

/// Train set, test set and a description of where they came from.
pub struct Prepared {
    /// Content hash of the data split (of the train file with given files).
    pub parent_hash: String,
    pub train: Dataset,
    pub test: Interactions,
    pub split: serde_json::Value,
    pub seed: Option<u64>,
}

/// Builds the train/test pair from the arguments.
pub fn prepare(a: &EvalArgs, cli: &Cli, out: &Output) -> Result<Prepared> {
    let base = a.source.base(&cli.data_dir, out)?;
    if let (Some(train), Some(test)) = (&a.train, &a.test) {
        let (tr, te) = a.source.files(train, test, base.as_ref())?;
        out.note(format!(
            "train {}: {} ratings; test {}: {} ratings",
            train.display(),
            tr.n_ratings(),
            test.display(),
            te.len()
        ));
        let split = serde_json::json!({"kind": "files", "train": train.display().to_string(), "test": test.display().to_string()});
        return Ok(Prepared {
            parent_hash: tr.hash().to_string(),
            train: tr,
            test: te,
            split,
            seed: None,
        });
    }
    let Some(ds) = base else {
        bail!("give --data DATASET or --store URL (to split) or --train FILE --test FILE")
    };
    let spec = a.source.split.spec();
    let s = splits::split(&ds, &spec)?;
    out.note(&s.description);
    let seed = SplitOpts::seed_of(&spec);
    Ok(Prepared {
        parent_hash: ds.hash().to_string(),
        train: s.train,
        test: s.test,
        split: serde_json::to_value(&spec)?,
        seed,
    })
}

/// `cinerec eval`.
pub fn run(a: &EvalArgs, cli: &Cli, out: &Output) -> Result<()> {
    let p = prepare(a, cli, out)?;
    let has = |g: &str| a.metrics.iter().any(|m| m == g);
    for m in &a.metrics {
        if !["rating", "ranking", "factorized", "sample"].contains(&m.as_str()) {
            bail!("unknown metric group `{m}` (rating, ranking, factorized, sample)");
        }
    }
    let cfg = EvalConfig {
        rating: has("rating"),
        ranking: has("ranking"),
        k: a.k,
        factorized: has("factorized"),
        sample_precision: has("sample"),
        split: p.split.clone(),
        seed: p.seed,
        ..Default::default()
    };
    let mut names = a.model.clone();
    // Factorized accuracy is always shown next to the popularity baseline's on the same split.
    if cfg.factorized && !names.iter().any(|n| n == "popularity") {
        out.note("adding popularity as the reference for factorized top-K accuracy");
        names.push("popularity".into());
    }
    let params = a.params.per_model(&a.model)?;
    let mut reports: Vec<Report> = Vec::new();
    for name in &names {
        let spec = TrainSpec::new(name, params.get(name).cloned());
        let mut obs = FitProgress::new(out.progress(), name);
        let trained = train::train(&spec, &p.train, &mut obs);
        obs.finish();
        let trained = trained.with_context(|| format!("fitting {name}"))?;
        let fit_s = trained.fit_seconds;
        let cfg = EvalConfig {
            fit_seconds: Some(fit_s),
            ..cfg.clone()
        };
        let t = std::time::Instant::now();
        let r = cinerec_eval::evaluate(trained.model.as_ref(), &p.train, &p.test, &cfg)
            .with_context(|| format!("evaluating {name}"))?;
        out.note(format!("{name}: fit {fit_s:.3}s"));
        let id = record(a, cli, &p, &trained, &r, fit_s + t.elapsed().as_secs_f64())?;
        out.note(format!("{name}: recorded as run {id}"));
        reports.push(r);
    }
    if let Some(path) = &a.json_out {
        let v = if reports.len() == 1 {
            serde_json::to_value(&reports[0])?
        } else {
            serde_json::to_value(&reports)?
        };
        cinerec_eval::write_atomic(path, serde_json::to_string_pretty(&v)?.as_bytes())?;
        out.note(format!("wrote {}", path.display()));
    }
    if let Some(path) = &a.md {
        cinerec_eval::write_atomic(path, comparison_markdown(&reports).as_bytes())?;
        out.note(format!("wrote {}", path.display()));
    }
    out.result(&reports, || summary_table(&reports))
}

/// Records one model's evaluation in the experiment history; returns the run id. A split
/// made here (from --data or --store) can be reproduced; given files are recorded as such.
fn record(
    a: &EvalArgs,
    cli: &Cli,
    p: &Prepared,
    trained: &cinerec_engine::Trained,
    r: &Report,
    seconds: f64,
) -> Result<String> {
    use cinerec_engine::runs::{DataRef, EvalSettings, RunRecord, Runs};
    let source = match (&a.train, &a.test, &a.source.store, &a.source.data) {
        (Some(tr), Some(te), _, _) => format!("files:{},{}", tr.display(), te.display()),
        (_, _, Some(url), _) => url.clone(),
        (_, _, _, Some(d)) => d.clone(),
        _ => String::new(),
    };
    let parent = p.train.name.trim_end_matches(":train").to_string();
    let data = DataRef {
        source: cinerec_store::redact_url(&source),
        name: parent,
        hash: p.parent_hash.clone(),
    };
    let mut rec = RunRecord::new("eval", &trained.algorithm, trained.model.params(), data);
    if a.train.is_none() {
        rec.eval = Some(EvalSettings::of(&EvalConfig {
            split: p.split.clone(),
            k: a.k,
            rating: a.metrics.iter().any(|m| m == "rating"),
            ranking: a.metrics.iter().any(|m| m == "ranking"),
            factorized: a.metrics.iter().any(|m| m == "factorized"),
            sample_precision: a.metrics.iter().any(|m| m == "sample"),
            ..Default::default()
        }));
    }
    for (k, v) in r.metrics.iter() {
        rec.metrics.insert(k.to_string(), v.clone());
    }
    rec.seconds = seconds;
    Ok(Runs::pick(a.source.store.as_deref(), &cli.runs_dir).record(rec)?)
}
