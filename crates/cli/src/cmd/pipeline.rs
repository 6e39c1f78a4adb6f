//! `cinerec pipeline run|status`: the reproducible pipeline of a `cinerec.toml` — its stages
//! run in order, each skipped when its inputs and outputs match the lock file
//! (`cinerec_engine::pipeline`).

use crate::output::{table, Output};
use crate::Cli;
use anyhow::Result;
use cinerec_engine::pipeline::{self, RunOptions, StageEvent, StageOutcome};
use clap::{Args, Subcommand};
use serde_json::Value;
use std::path::PathBuf;

/// `cinerec pipeline …`.
#[derive(Subcommand, Debug)]
pub enum PipelineCmd {
    /// Run every stale stage of the pipeline file (all of them with --force).
    Run(RunArgs),
    /// Which stages are stale, and why (runs nothing).
    Status(FileArg),
}

/// The pipeline file.
#[derive(Args, Debug)]
pub struct FileArg {
    /// Pipeline file; its lock is the same path with `.lock`.
    #[arg(long, short, default_value = "cinerec.toml")]
    pub file: PathBuf,
}

/// `cinerec pipeline run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub file: FileArg,
    /// Run every stage, fresh or not.
    #[arg(long)]
    pub force: bool,
}

fn summary(outcomes: &[StageOutcome]) -> String {
    let rows: Vec<Vec<String>> = outcomes
        .iter()
        .map(|o| {
            // The headline figures first, then whatever else the stage recorded.
            const FIRST: [&str; 6] = [
                "rmse",
                "ndcg@10",
                "precision@10",
                "version",
                "activated",
                "fit_seconds",
            ];
            let mut keys: Vec<&String> = o.metrics.keys().collect();
            keys.sort_by_key(|k| FIRST.iter().position(|f| f == k).unwrap_or(FIRST.len()));
            let figures: Vec<String> = keys
                .into_iter()
                .filter_map(|k| match &o.metrics[k] {
                    Value::Number(n) if n.is_i64() || n.is_u64() => Some(format!("{k} {n}")),
                    v => v.as_f64().map(|x| format!("{k} {x:.4}")),
                })
                .take(3)
                .collect();
            vec![
                o.stage.clone(),
                if o.ran { "run" } else { "fresh" }.into(),
                o.why.join("; "),
                figures.join(", "),
            ]
        })
        .collect();
    table(&["stage", "state", "why", "figures"], &rows)
}

/// `cinerec pipeline …`.
pub fn run(c: &PipelineCmd, cli: &Cli, out: &Output) -> Result<()> {
    match c {
        PipelineCmd::Run(a) => {
            let opts = RunOptions {
                data_dir: cli.data_dir.clone(),
                runs_dir: Some(cli.runs_dir.clone()),
                force: a.force,
            };
            let mut on = |e: &StageEvent| match e {
                StageEvent::Skipped(n) => out.note(format!("{n}: fresh, skipped")),
                StageEvent::Running(n, why) => {
                    out.note(format!("{n}: running ({})", why.join("; ")))
                }
                StageEvent::Done(n, s) => out.note(format!("{n}: done in {s:.2}s")),
            };
            let outcomes = pipeline::run(&a.file.file, &opts, &mut on)?;
            let ran = outcomes.iter().filter(|o| o.ran).count();
            out.result(&outcomes, || {
                format!(
                    "{}\n{ran} of {} stages ran",
                    summary(&outcomes),
                    outcomes.len()
                )
            })
        }
        PipelineCmd::Status(f) => {
            let st = pipeline::status(&f.file, &cli.data_dir)?;
            let stale = st.iter().filter(|o| o.ran).count();
            out.result(&st, || {
                format!("{}\n{stale} of {} stages stale", summary(&st), st.len())
            })
        }
    }
}
