//! `cinerec serve` reduced to what `bench/scale/serve.sh` needs, buildable without burn
//! (`cargo build --profile ci -p cinerec-server --no-default-features --example serve_plain`):
//! the same `boot::start` and `run` the CLI calls, with the store seeded from a ratings file or
//! folder when empty and the algorithm trained and registered when none is.
//!
//! ```text
//! serve_plain DATA STORE_URL PORT MODELS_DIR ALGORITHM PARAMS_JSON
//! ```

use cinerec_core::Keep;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let a: Vec<String> = std::env::args().skip(1).collect();
    if a.len() != 6 {
        eprintln!("usage: serve_plain DATA STORE_URL PORT MODELS_DIR ALGORITHM PARAMS_JSON");
        return ExitCode::from(2);
    }
    match run(&a) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("serve_plain: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(a: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let mut cfg = cinerec_server::ServerConfig::load(None)?;
    cfg.store = a[1].clone();
    cfg.port = a[2].parse()?;
    cfg.models_dir = a[3].clone();
    cfg.request_log = false;
    cfg.validate()?;
    cinerec_server::init_logging(&cfg);
    let seed = cinerec_engine::source::load_file(&a[0], Path::new("."), Keep::ALL)?;
    let boot = cinerec_server::boot::Boot {
        seed: Some(seed),
        algorithm: Some(a[4].clone()),
        params: Some(serde_json::from_str(&a[5])?),
        retrain: false,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let state = cinerec_server::boot::start(cfg, boot).await?;
        cinerec_server::run(state).await?;
        Ok(())
    })
}
