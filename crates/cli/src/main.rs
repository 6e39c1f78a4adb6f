//! `cinerec` — the command-line tool. Thin by design: argument parsing, progress, printing.
//! The work happens in `cinerec-engine` and the library crates; each subcommand lives in its
//! own file under `cmd/`, argument groups several share under `args/`.

mod args;
mod cmd;
mod output;
mod progress;
mod resolve;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// cinerec: a movie-recommendation engine — fetch data, train, evaluate, recommend.
#[derive(Parser, Debug)]
#[command(name = "cinerec", version, about, propagate_version = true)]
pub struct Cli {
    /// Folder holding fetched datasets (one sub-folder per dataset).
    #[arg(long, global = true, env = "CINEREC_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// No progress bars or chatter; results only.
    #[arg(long, short, global = true, env = "CINEREC_QUIET")]
    pub quiet: bool,
    /// The experiment history: every train, eval and pipeline evaluation is recorded here
    /// (`cinerec runs list`).
    #[arg(
        long,
        global = true,
        env = "CINEREC_RUNS_DIR",
        default_value = "runs/history"
    )]
    pub runs_dir: PathBuf,
    /// Result format on stdout: human text or JSON (for scripts).
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "text",
        env = "CINEREC_OUTPUT"
    )]
    pub output: OutputFormat,
    #[command(subcommand)]
    pub command: Command,
}

/// Result format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Tables and sentences.
    Text,
    /// One JSON document per command.
    Json,
}

/// `cinerec data …`.
#[derive(Subcommand, Debug)]
pub enum DataCmd {
    /// Download a MovieLens release into the data folder (checksum-verified, atomic).
    Fetch(cmd::data::FetchArgs),
    /// Load a dataset and print its statistics.
    Info(cmd::data::InfoArgs),
    /// Generate a synthetic MovieLens-like ratings.csv for scale tests.
    Synth(cmd::data::SynthArgs),
    /// Split a dataset and write train/test CSV files (user,item,rating,timestamp).
    Split(cmd::split::SplitArgs),
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Get, inspect, generate and split datasets.
    #[command(subcommand)]
    Data(DataCmd),
    /// Train a model and save it to a file.
    Train(cmd::train::TrainArgs),
    /// Evaluate models on a split (or on given train/test files) and write reports.
    Eval(cmd::eval::EvalArgs),
    /// Top-N movies for a user.
    Recommend(cmd::recommend::RecommendArgs),
    /// Predicted rating of a movie (by id or title) for a user.
    Predict(cmd::predict::PredictArgs),
    /// List the available models.
    Models(cmd::models::ModelsArgs),
    /// Bulk-import a dataset into a store (SQLite by default, PostgreSQL, MySQL/MariaDB).
    Import(cmd::import::ImportArgs),
    /// Write a store's users, movies and ratings out as files (Parquet).
    Export(cmd::export::ExportArgs),
    /// Hyper-parameter search for a model on a validation split carved from the train part.
    Tune(cmd::tune::TuneArgs),
    /// Rate ~20 varied popular movies in the terminal, then get recommendations with reasons.
    Rate(cmd::rate::RateArgs),
    /// Serve the REST API (port 8000; docs at /docs).
    Serve(cmd::serve::ServeArgs),
    /// Run the reproducible pipeline of a cinerec.toml (stale stages only), or show its status.
    #[command(subcommand)]
    Pipeline(cmd::pipeline::PipelineCmd),
    /// The experiment history: list, show, compare and reproduce recorded runs.
    Runs(cmd::runs::RunsArgs),
}

fn main() {
    let cli = Cli::parse();
    let json = cli.output == OutputFormat::Json;
    let out = output::Output::new(cli.quiet, json);
    let result = match &cli.command {
        Command::Data(DataCmd::Fetch(a)) => cmd::data::fetch(a, &cli, &out),
        Command::Data(DataCmd::Info(a)) => cmd::data::info(a, &cli, &out),
        Command::Data(DataCmd::Synth(a)) => cmd::data::synth(a, &out),
        Command::Data(DataCmd::Split(a)) => cmd::split::run(a, &cli, &out),
        Command::Train(a) => cmd::train::run(a, &cli, &out),
        Command::Eval(a) => cmd::eval::run(a, &cli, &out),
        Command::Recommend(a) => cmd::recommend::run(a, &cli, &out),
        Command::Predict(a) => cmd::predict::run(a, &cli, &out),
        Command::Models(a) => cmd::models::run(a, &out),
        Command::Import(a) => cmd::import::run(a, &cli, &out),
        Command::Export(a) => cmd::export::run(a, &out),
        Command::Tune(a) => cmd::tune::run(a, &cli, &out),
        Command::Rate(a) => cmd::rate::run(a, &cli, &out),
        Command::Serve(a) => cmd::serve::run(a, &cli, &out),
        Command::Pipeline(c) => cmd::pipeline::run(c, &cli, &out),
        Command::Runs(c) => cmd::runs::run(c, &cli, &out),
    };
    if let Err(e) = result {
        if json {
            let msg = serde_json::json!({ "error": format!("{e:#}") });
            output::stdout_line(&msg.to_string());
        } else {
            eprintln!("error: {e:#}");
        }
        std::process::exit(1);
    }
}
