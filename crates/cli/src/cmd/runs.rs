//! `cinerec runs list|show|compare|reproduce`: the experiment history every `train`, `eval`
//! and pipeline evaluation records (`cinerec_engine::runs`): the store's when `--store` is
//! given, else the folder `--runs-dir`.

use crate::output::{table, Output};
use crate::Cli;
use anyhow::{bail, Result};
use cinerec_core::Keep;
use cinerec_engine::runs::{compare_table, reproduce, Runs};
use cinerec_engine::Source;
use clap::{Args, Subcommand};

/// `cinerec runs [--store URL] …`.
#[derive(Args, Debug)]
pub struct RunsArgs {
    /// Read the history of this store (sqlite://…, postgres://…, mysql://…) instead of the
    /// runs folder.
    #[arg(long, global = true)]
    pub store: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub cmd: RunsCmd,
}

/// `cinerec runs …`.
#[derive(Subcommand, Debug)]
pub enum RunsCmd {
    /// Every recorded run, oldest first.
    List,
    /// One run in full (an id or its unique prefix).
    Show(IdArg),
    /// Runs side by side: what ran, every metric, every parameter.
    Compare(IdsArg),
    /// Re-run a recorded evaluation from its inputs and compare the metrics.
    Reproduce(ReproduceArgs),
}

/// One run id.
#[derive(Args, Debug)]
pub struct IdArg {
    /// Run id (or a unique prefix).
    pub id: String,
}

/// Several run ids.
#[derive(Args, Debug)]
pub struct IdsArg {
    /// Run ids (or unique prefixes), two or more.
    #[arg(num_args = 2..)]
    pub ids: Vec<String>,
}

/// `cinerec runs reproduce`.
#[derive(Args, Debug)]
pub struct ReproduceArgs {
    /// Run id (or a unique prefix).
    pub id: String,
    /// Largest difference still a match (0: exactly, for deterministic models).
    #[arg(long, default_value_t = 0.0)]
    pub tolerance: f64,
}

/// `cinerec runs …`.
pub fn run(a: &RunsArgs, cli: &Cli, out: &Output) -> Result<()> {
    let runs = Runs::pick(a.store.as_deref(), &cli.runs_dir);
    match &a.cmd {
        RunsCmd::List => {
            let all = runs.list()?;
            let rows: Vec<Vec<String>> = all
                .iter()
                .map(|r| {
                    let main = ["rmse", "ndcg@10", "precision@10"]
                        .iter()
                        .filter_map(|k| {
                            r.metrics
                                .get(*k)
                                .and_then(|v| v.as_f64())
                                .map(|v| format!("{k} {v:.4}"))
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    vec![
                        r.id.clone(),
                        r.kind.clone(),
                        r.algorithm.clone(),
                        r.data.name.clone(),
                        main,
                    ]
                })
                .collect();
            out.result(&all, || {
                if all.is_empty() {
                    format!("no runs recorded in {}", runs.describe())
                } else {
                    table(&["id", "kind", "algorithm", "data", "figures"], &rows)
                }
            })
        }
        RunsCmd::Show(a) => {
            let r = runs.get(&a.id)?;
            out.result(&r, || serde_json::to_string_pretty(&r).unwrap_or_default())
        }
        RunsCmd::Compare(a) => {
            let rs = a
                .ids
                .iter()
                .map(|id| runs.get(id))
                .collect::<Result<Vec<_>, _>>()?;
            out.result(&rs, || compare_table(&rs))
        }
        RunsCmd::Reproduce(a) => {
            let rec = runs.get(&a.id)?;
            let data_dir = cli.data_dir.clone();
            let load = |source: &str| {
                let src = if source.contains("://") {
                    Source::Store(source.to_string())
                } else {
                    Source::pick(None, source, &data_dir)
                };
                src.load(Keep::ALL)
            };
            out.note(format!(
                "re-running {} ({} on {})",
                rec.id, rec.algorithm, rec.data.name
            ));
            let r = reproduce(&rec, load, a.tolerance)?;
            let rows: Vec<Vec<String>> = r
                .checks
                .iter()
                .map(|c| {
                    vec![
                        c.metric.clone(),
                        format!("{}", c.recorded),
                        format!("{}", c.reproduced),
                        if c.ok { "yes" } else { "NO" }.into(),
                    ]
                })
                .collect();
            out.result(&r, || {
                format!(
                    "{}\n{}",
                    table(&["metric", "recorded", "reproduced", "match"], &rows),
                    if r.matches {
                        "reproduced: every metric matches"
                    } else {
                        "NOT reproduced"
                    }
                )
            })?;
            if !r.matches {
                bail!("run {} did not reproduce (tolerance {})", r.id, r.tolerance);
            }
            Ok(())
        }
    }
}
