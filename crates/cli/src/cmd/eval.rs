//! `cinerec eval` (and the split options it shares with `cinerec data split`): fit models on
//! a split — made here from a dataset, or read from given train/test files — and report
//! rating, ranking and factorized top-K metrics as a table, JSON and Markdown.

use crate::output::{table, Output};
use crate::progress::FitProgress;
use crate::{resolve, Cli};
use anyhow::{bail, Context, Result};
use cinerec_core::{Dataset, Interactions};
use cinerec_data::loaders::{self, SplitFiles};
use cinerec_data::split::{self as splits, RngKind, SplitSpec};
use cinerec_eval::{comparison_markdown, EvalConfig, Report};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::time::Instant;

/// How to split a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SplitKind {
    /// Random share of all ratings.
    Random,
    /// One fold of a k-fold partition.
    Kfold,
    /// Per user, the most recent share of ratings is test.
    Temporal,
    /// Per user, the last k ratings are test.
    LeaveLast,
    /// Per user, a share is given (train), the rest hidden (test).
    Given,
}

/// Split options shared by `eval` and `data split`.
#[derive(Args, Debug, Clone)]
pub struct SplitOpts {
    /// Split kind.
    #[arg(long = "split", value_enum, default_value = "temporal")]
    pub kind: SplitKind,
    /// Test share for random / temporal splits.
    #[arg(long, default_value_t = 0.2)]
    pub test_ratio: f64,
    /// Given (train) share for the given/hidden split.
    #[arg(long, default_value_t = 0.2)]
    pub given_ratio: f64,
    /// Seed for random, k-fold and given splits.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Number of folds for k-fold.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Test fold for k-fold (0-based).
    #[arg(long, default_value_t = 0)]
    pub fold: usize,
    /// Ratings held out per user for leave-last.
    #[arg(long, default_value_t = 1)]
    pub leave: usize,
    /// Random generator: cinerec's own or numpy-identical (`default_rng(seed).permutation`).
    #[arg(long, value_enum, default_value = "numpy")]
    pub rng: RngArg,
}

/// Generator choice on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RngArg {
    /// cinerec's xoshiro256**.
    Cinerec,
    /// Bit-identical to numpy's default_rng.
    Numpy,
}

impl SplitOpts {
    /// The split spec these options describe.
    pub fn spec(&self) -> SplitSpec {
        let rng = match self.rng {
            RngArg::Cinerec => RngKind::Cinerec,
            RngArg::Numpy => RngKind::Numpy,
        };
        match self.kind {
            SplitKind::Random => SplitSpec::Random {
                test_ratio: self.test_ratio,
                seed: self.seed,
                rng,
            },
            SplitKind::Kfold => SplitSpec::KFold {
                k: self.folds,
                fold: self.fold,
                seed: self.seed,
                rng,
            },
            SplitKind::Temporal => SplitSpec::Temporal {
                test_ratio: self.test_ratio,
                min_user_ratings: 0,
            },
            SplitKind::LeaveLast => SplitSpec::leave_last_k(self.leave),
            SplitKind::Given => SplitSpec::GivenHidden {
                given_ratio: self.given_ratio,
                seed: self.seed,
                min_user_ratings: 2,
            },
        }
    }
}

/// `cinerec data split`.
#[derive(Args, Debug)]
pub struct SplitCliArgs {
    /// Dataset name or path.
    pub dataset: String,
    #[command(flatten)]
    pub split: SplitOpts,
    /// Write the peers' five files instead (ratings_train/test.csv: numpy random 80/20 seed 42
    /// in file order; temporal_train/test.csv; items.csv) — identical to peers/split.py.
    #[arg(long)]
    pub peer: bool,
    /// Output folder.
    #[arg(long, default_value = "splits")]
    pub out: PathBuf,
}

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
    /// Hyper-parameters as JSON: an object for one model, or {"model": {...}} for several.
    #[arg(long)]
    pub params: Option<String>,
    /// Scoring method, for models that have several (`features`: density | likelihood).
    #[arg(long)]
    pub method: Option<String>,
    /// Dataset name or path (split here, or used for titles/metadata with --train/--test).
    #[arg(long, short)]
    pub data: Option<String>,
    #[command(flatten)]
    pub split: SplitOpts,
    /// Train file (CSV user,item,rating,timestamp) instead of splitting --data.
    #[arg(long, requires = "test")]
    pub train: Option<PathBuf>,
    /// Test file matching --train.
    #[arg(long, requires = "train")]
    pub test: Option<PathBuf>,
    /// Catalogue file (CSV with an `item` column); default: items.csv beside --train.
    #[arg(long)]
    pub items: Option<PathBuf>,
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
    pub train: Dataset,
    pub test: Interactions,
    pub split: serde_json::Value,
    pub seed: Option<u64>,
}

/// Builds the train/test pair from the arguments.
pub fn prepare(a: &EvalArgs, cli: &Cli, out: &Output) -> Result<Prepared> {
    let base = match &a.data {
        Some(d) => Some(resolve::load_dataset(d, &cli.data_dir, out)?),
        None => None,
    };
    if let (Some(train), Some(test)) = (&a.train, &a.test) {
        let files = SplitFiles {
            train: train.clone(),
            test: test.clone(),
            items: a.items.clone(),
        };
        let (tr, te) = loaders::load_split_files(&files, base.as_ref())
            .with_context(|| format!("reading {} / {}", train.display(), test.display()))?;
        out.note(format!(
            "train {}: {} ratings; test {}: {} ratings",
            train.display(),
            tr.n_ratings(),
            test.display(),
            te.len()
        ));
        let split = serde_json::json!({"kind": "files", "train": train.display().to_string(), "test": test.display().to_string()});
        return Ok(Prepared {
            train: tr,
            test: te,
            split,
            seed: None,
        });
    }
    let Some(ds) = base else {
        bail!("give --data DATASET (to split) or --train FILE --test FILE")
    };
    let spec = a.split.spec();
    let s = splits::split(&ds, &spec)?;
    out.note(&s.description);
    let seed = match spec {
        SplitSpec::Random { seed, .. }
        | SplitSpec::KFold { seed, .. }
        | SplitSpec::GivenHidden { seed, .. } => Some(seed),
        _ => None,
    };
    Ok(Prepared {
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
    let mut params = super::train::parse_params(a.params.as_deref(), &a.model)?;
    super::train::apply_method(&mut params, &a.model, a.method.as_deref())?;
    let mut reports: Vec<Report> = Vec::new();
    for name in &names {
        let mut model = cinerec_models::create(name, params.get(name))?;
        let mut obs = FitProgress::new(out.progress(), name);
        let t = Instant::now();
        model
            .fit(&p.train, &mut obs)
            .with_context(|| format!("fitting {name}"))?;
        obs.finish();
        let fit_s = t.elapsed().as_secs_f64();
        let cfg = EvalConfig {
            fit_seconds: Some(fit_s),
            ..cfg.clone()
        };
        let r = cinerec_eval::evaluate(model.as_ref(), &p.train, &p.test, &cfg)
            .with_context(|| format!("evaluating {name}"))?;
        out.note(format!("{name}: fit {fit_s:.3}s"));
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

/// One row per model with the headline metrics present in the reports.
pub fn summary_table(reports: &[Report]) -> String {
    let mut keys: Vec<String> = Vec::new();
    for r in reports {
        for k in r.metrics.keys() {
            let wanted =
                !k.starts_with("n_") && !k.starts_with("mean_train") && !k.starts_with("share_");
            if wanted && !keys.iter().any(|x| x == k) {
                keys.push(k.to_string());
            }
        }
    }
    let mut header: Vec<&str> = vec!["model"];
    header.extend(keys.iter().map(|s| s.as_str()));
    header.push("fit s");
    let rows: Vec<Vec<String>> = reports
        .iter()
        .map(|r| {
            let mut row = vec![r.model.name.clone()];
            row.extend(keys.iter().map(|k| {
                r.metrics
                    .get(k)
                    .map(|v| format!("{v:.4}"))
                    .unwrap_or_else(|| "-".into())
            }));
            row.push(
                r.timings
                    .fit_s
                    .map(|s| format!("{s:.3}"))
                    .unwrap_or_else(|| "-".into()),
            );
            row
        })
        .collect();
    table(&header, &rows)
}

/// `cinerec data split`.
pub fn split_cmd(a: &SplitCliArgs, cli: &Cli, out: &Output) -> Result<()> {
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let mut written: Vec<(String, usize)> = Vec::new();
    if a.peer {
        let path = resolve::dataset_path(&a.dataset, &cli.data_dir)?;
        let (ds, file_order) = loaders::load_with_file_order(&path, &Default::default())?;
        let rnd = splits::split_interactions(&file_order, &SplitSpec::peer_random())?;
        let tmp = splits::split_interactions(&file_order, &SplitSpec::peer_temporal())?;
        let cat = ds.catalog();
        for (name, rows) in [
            ("ratings_train.csv", &rnd.train),
            ("ratings_test.csv", &rnd.test),
            ("temporal_train.csv", &tmp.train),
            ("temporal_test.csv", &tmp.test),
        ] {
            splits::write_split_csv(&a.out.join(name), cat, rows)?;
            written.push((name.to_string(), rows.len()));
        }
        let items: String = std::iter::once("item".to_string())
            .chain(cat.items.raws().iter().cloned())
            .map(|s| s + "\n")
            .collect();
        cinerec_eval::write_atomic(&a.out.join("items.csv"), items.as_bytes())?;
        written.push(("items.csv".into(), cat.n_items()));
    } else {
        let ds = resolve::load_dataset(&a.dataset, &cli.data_dir, out)?;
        let s = splits::split(&ds, &a.split.spec())?;
        out.note(&s.description);
        splits::write_dataset_csv(&a.out.join("train.csv"), &s.train)?;
        splits::write_split_csv(&a.out.join("test.csv"), ds.catalog(), &s.test)?;
        written.push(("train.csv".into(), s.train.n_ratings()));
        written.push(("test.csv".into(), s.test.len()));
    }
    out.result(&written, || {
        let rows: Vec<Vec<String>> = written
            .iter()
            .map(|(f, n)| vec![a.out.join(f).display().to_string(), n.to_string()])
            .collect();
        table(&["file", "rows"], &rows)
    })
}
