//! `cinerec serve`: the REST API. Reads the configuration (defaults → `--config` file →
//! `CINEREC_*` environment → these flags), seeds an empty store from `--data`, loads or
//! trains the active model and serves until Ctrl-C. All the work is in `cinerec-server`.

use crate::output::Output;
use crate::{resolve, Cli};
use anyhow::{Context, Result};
use clap::Args;
use std::path::PathBuf;

/// `cinerec serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Dataset (name or path) to seed the store with when it holds no ratings yet.
    #[arg(long, short)]
    pub data: Option<String>,
    /// Store URL (`sqlite://cinerec.db`, `postgres://…`, `mysql://…`).
    #[arg(long)]
    pub store: Option<String>,
    /// Configuration file (TOML or JSON).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Address to bind.
    #[arg(long)]
    pub host: Option<String>,
    /// Port (default 8000).
    #[arg(long, short)]
    pub port: Option<u16>,
    /// Model algorithm to serve (default: the registry's active model, else svd/baseline).
    #[arg(long, short)]
    pub model: Option<String>,
    /// Hyper-parameters (JSON) when the model has to be trained.
    #[arg(long)]
    pub params: Option<String>,
    /// Train a fresh model even when the registry has a usable one.
    #[arg(long)]
    pub retrain: bool,
    /// API key required by write endpoints.
    #[arg(long)]
    pub api_key: Option<String>,
    /// Allowed CORS origins, comma-separated (`*` for any).
    #[arg(long)]
    pub cors: Option<String>,
    /// Folder for model files the server trains.
    #[arg(long)]
    pub models_dir: Option<String>,
    /// No per-request log lines.
    #[arg(long)]
    pub no_request_log: bool,
    /// Milliseconds a lowest-priority thread keeps a CPU awake after each request, to avoid
    /// idle-wakeup latency on virtual machines (0 = off; default from the config: 5).
    #[arg(long)]
    pub idle_spin_ms: Option<u64>,
}

/// Runs the server.
pub fn run(a: &ServeArgs, cli: &Cli, out: &Output) -> Result<()> {
    let mut cfg = cinerec_server::ServerConfig::load(a.config.as_deref())?;
    // Flags override the file (and the environment the file loader applies).
    macro_rules! set {
        ($field:ident = $flag:expr) => {
            if let Some(v) = $flag {
                cfg.$field = v;
            }
        };
    }
    set!(store = a.store.clone());
    set!(host = a.host.clone());
    set!(port = a.port);
    set!(api_key = a.api_key.clone().map(Some));
    set!(models_dir = a.models_dir.clone());
    set!(idle_spin_ms = a.idle_spin_ms);
    set!(
        cors_origins = a.cors.as_ref().map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
    );
    if a.no_request_log {
        cfg.request_log = false;
    }
    cfg.validate()?;
    cinerec_server::init_logging(&cfg);
    let seed = match &a.data {
        Some(d) => Some(resolve::load_dataset(d, &cli.data_dir, out)?),
        None => None,
    };
    let params = match &a.params {
        Some(p) => Some(
            serde_json::from_str(p).with_context(|| format!("--params is not valid JSON: {p}"))?,
        ),
        None => None,
    };
    let boot = cinerec_server::boot::Boot {
        seed,
        algorithm: a.model.clone(),
        params,
        retrain: a.retrain,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let state = cinerec_server::boot::start(cfg, boot).await?;
        cinerec_server::run(state).await.context("server")
    })
}
