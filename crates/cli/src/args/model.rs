//! Which data and which model answer `recommend`, `predict` and `rate`: a dataset (`--data`)
//! or a store (`--store`), and a model name, a model file, or the store's active model.

use clap::Args;
use std::path::PathBuf;

/// The data and the model that answer a query.
#[derive(Args, Debug, Clone)]
pub struct ModelChoice {
    /// Dataset name or path.
    #[arg(long, short, default_value = "ml-100k")]
    pub data: String,
    /// Read users, movies and ratings from this store (sqlite://…, postgres://…, mysql://…)
    /// instead of --data; the store's active registered model answers unless --model or
    /// --model-file is given.
    #[arg(long)]
    pub store: Option<String>,
    /// Model name; its saved file is used when present, else it is fitted now
    /// (default: baseline, or the store's active model with --store).
    #[arg(long, short)]
    pub model: Option<String>,
    /// A model file to use instead.
    #[arg(long)]
    pub model_file: Option<PathBuf>,
    /// Folder for model files.
    #[arg(long, env = "CINEREC_MODEL_DIR", default_value = "models")]
    pub model_dir: PathBuf,
}
