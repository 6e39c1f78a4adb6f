//! `cinerec` — the command-line tool. Thin by design: argument parsing, progress, printing.
//! All the work happens in the library crates (`cinerec-data`, `cinerec-models`,
//! `cinerec-eval`); each subcommand lives in its own file under `cmd/`.

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

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Get, inspect, generate and split datasets.
    #[command(subcommand)]
    Data(cmd::data::DataCmd),
    /// Train a model and save it to a file.
    Train(cmd::train::TrainArgs),
    /// Evaluate models on a split (or on given train/test files) and write reports.
    Eval(cmd::eval::EvalArgs),
    /// Top-N movies for a user.
    Recommend(cmd::query::RecommendArgs),
    /// Predicted rating of a movie (by id or title) for a user.
    Predict(cmd::query::PredictArgs),
    /// List the available models.
    Models,
    /// Bulk-import a dataset into a store (SQLite by default, PostgreSQL, MySQL/MariaDB).
    Import(cmd::import::ImportArgs),
    /// Hyper-parameter search for a model on a validation split carved from the train part.
    Tune(cmd::tune::TuneArgs),
    /// Rate ~20 varied popular movies in the terminal, then get recommendations with reasons.
    Rate(cmd::rate::RateArgs),
    /// Serve the REST API (port 8000; docs at /docs).
    Serve(cmd::serve::ServeArgs),
}

fn main() {
    let cli = Cli::parse();
    let json = cli.output == OutputFormat::Json;
    let out = output::Output::new(cli.quiet, json);
    let result = match &cli.command {
        Command::Data(c) => cmd::data::run(c, &cli, &out),
        Command::Train(a) => cmd::train::run(a, &cli, &out),
        Command::Eval(a) => cmd::eval::run(a, &cli, &out),
        Command::Recommend(a) => cmd::query::recommend(a, &cli, &out),
        Command::Predict(a) => cmd::query::predict(a, &cli, &out),
        Command::Models => cmd::models(&out),
        Command::Import(a) => cmd::import::run(a, &cli, &out),
        Command::Tune(a) => cmd::tune::run(a, &cli, &out),
        Command::Rate(a) => cmd::rate::run(a, &cli, &out),
        Command::Serve(a) => cmd::serve::run(a, &cli, &out),
    };
    if let Err(e) = result {
        if json {
            let msg = serde_json::json!({ "error": format!("{e:#}") });
            println!("{msg}");
        } else {
            eprintln!("error: {e:#}");
        }
        std::process::exit(1);
    }
}
