//! `cinerec models`: the registered algorithms with a one-line description each; with
//! `--store`, the store's model registry (version, algorithm, active), and `--activate V`
//! makes a registered model the active one (what `serve` and `recommend --store` answer with).

use crate::output::{table, Output};
use anyhow::{Context, Result};
use cinerec_engine::{lifecycle, source};
use clap::Args;

/// `cinerec models`.
#[derive(Args, Debug)]
pub struct ModelsArgs {
    /// List (and with --activate, change) the model registry of this store instead.
    #[arg(long)]
    pub store: Option<String>,
    /// Make this registered version the active model (needs --store).
    #[arg(long, requires = "store")]
    pub activate: Option<i64>,
}

/// `cinerec models`.
pub fn run(a: &ModelsArgs, out: &Output) -> Result<()> {
    let Some(url) = &a.store else {
        return algorithms(out);
    };
    let activate = a.activate;
    let records = source::with_store(url, move |store| {
        Box::pin(async move {
            if let Some(v) = activate {
                lifecycle::activate(store, v).await?;
            }
            Ok(store.list_models().await?)
        })
    })
    .with_context(|| format!("the model registry of {}", cinerec_store::redact_url(url)))?;
    if let Some(v) = a.activate {
        out.note(format!("model version {v} is now active"));
    }
    out.result(&records, || {
        let rows: Vec<Vec<String>> = records
            .iter()
            .map(|r| {
                vec![
                    r.version.to_string(),
                    r.algorithm.clone(),
                    if r.active {
                        "yes".into()
                    } else {
                        String::new()
                    },
                    r.artifact.clone(),
                ]
            })
            .collect();
        table(&["version", "algorithm", "active", "file"], &rows)
    })
}

/// The algorithms of the engine's registry.
fn algorithms(out: &Output) -> Result<()> {
    let list: Vec<(String, String)> = cinerec_engine::registry::list()
        .iter()
        .map(|(n, d)| (n.to_string(), d.to_string()))
        .collect();
    out.result(&list, || {
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|(n, d)| vec![n.clone(), d.clone()])
            .collect();
        table(&["model", "description"], &rows)
    })
}
