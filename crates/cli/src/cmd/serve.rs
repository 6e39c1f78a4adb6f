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
    /// API key required by write endpoints. Without one, a `--host` other than loopback is
    /// refused unless `--insecure` is given.
    #[arg(long)]
    pub api_key: Option<String>,
    /// Serve writes without an API key on an address other than loopback.
    #[arg(long)]
    pub insecure: bool,
    /// Writes per second each client (IP address) may make on average (0 = no limit;
    /// default from the config: 50). Past it a write answers 429 with Retry-After.
    #[arg(long, value_name = "N")]
    pub write_rate: Option<u32>,
    /// Writes a client may make at once before --write-rate applies (default 200).
    #[arg(long, value_name = "N")]
    pub write_burst: Option<u32>,
    /// Seconds before a request is answered 503 (0 = no timeout; default 30).
    #[arg(long, value_name = "SECS")]
    pub request_timeout: Option<u64>,
    /// Largest request body in bytes (default 1048576).
    #[arg(long, value_name = "BYTES")]
    pub body_limit: Option<usize>,
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
    /// Retrain in the background once this many rating changes were posted (guarded: the
    /// candidate is activated only if it is not worse on the newest ratings).
    #[arg(long, value_name = "N")]
    pub retrain_after: Option<u64>,
    /// Retrain in the background at this interval (`90s`, `30m`, `1h`, `1h30m`, `2d`).
    #[arg(long, value_name = "DURATION")]
    pub retrain_every: Option<String>,
    /// Algorithm to retrain, or `auto` (default: the active model's, with its parameters).
    #[arg(long, value_name = "NAME|auto")]
    pub retrain_model: Option<String>,
    /// Hyper-parameters (JSON object) of the retrained model.
    #[arg(long, value_name = "JSON")]
    pub retrain_params: Option<String>,
    /// Threads of the background fit (default 1; it runs at the lowest priority).
    #[arg(long, value_name = "N")]
    pub retrain_threads: Option<usize>,
    /// Relative tolerance: activate a candidate up to this share worse (default 0 = not worse).
    #[arg(long, value_name = "X")]
    pub retrain_margin: Option<f64>,
    /// Held-back slice of the newest unseen ratings: a share below 1 or a count (default 0.5).
    #[arg(long, value_name = "SHARE|COUNT")]
    pub retrain_holdout: Option<f64>,
}

/// Applies the `--retrain-*` flags over the file and environment.
fn set_retrain(r: &mut cinerec_server::config::RetrainConfig, a: &ServeArgs) -> Result<()> {
    if let Some(v) = a.retrain_after {
        r.after = v;
    }
    if let Some(v) = &a.retrain_every {
        r.every = Some(v.clone());
    }
    if let Some(v) = &a.retrain_model {
        r.model = Some(v.clone());
    }
    if let Some(p) = &a.retrain_params {
        r.params = Some(
            serde_json::from_str(p)
                .with_context(|| format!("--retrain-params is not valid JSON: {p}"))?,
        );
    }
    if let Some(v) = a.retrain_threads {
        r.threads = v;
    }
    if let Some(v) = a.retrain_margin {
        r.margin = v;
    }
    if let Some(v) = a.retrain_holdout {
        r.holdout = v;
    }
    Ok(())
}

/// Runs the server.
pub fn run(a: &ServeArgs, cli: &Cli, out: &Output) -> Result<()> {
    // Validated once the flags are laid over the file and the environment.
    let mut cfg = cinerec_server::ServerConfig::layered(a.config.as_deref())?;
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
    set!(write_rate = a.write_rate);
    set!(write_burst = a.write_burst);
    set!(request_timeout_secs = a.request_timeout);
    set!(body_limit = a.body_limit);
    if a.insecure {
        cfg.insecure = true;
    }
    set!(
        cors_origins = a.cors.as_ref().map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
    );
    set_retrain(&mut cfg.retrain, a)?;
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
