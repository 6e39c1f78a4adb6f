//! `cinerec export --store URL --format parquet --out DIR`: a store's users, movies and
//! ratings as a Parquet dataset folder (`cinerec_engine::export`), which every command that
//! takes a dataset reads back (`--data DIR`, `import DIR`, `data info DIR`).

use crate::output::Output;
use anyhow::{Context, Result};
use cinerec_store::redact_url;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// `ratings.parquet`, `users.parquet`, `movies.parquet` (snappy).
    Parquet,
}

/// `cinerec export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Store URL: sqlite://PATH, postgres://USER@HOST:PORT/DB or mysql://USER@HOST:PORT/DB.
    #[arg(long, env = "CINEREC_STORE", default_value = cinerec_store::DEFAULT_URL)]
    pub store: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "parquet")]
    pub format: ExportFormat,
    /// Output folder (created if missing; existing files of the same names are replaced).
    #[arg(long)]
    pub out: PathBuf,
}

/// `cinerec export`.
pub fn run(a: &ExportArgs, out: &Output) -> Result<()> {
    let url = redact_url(&a.store);
    let t = std::time::Instant::now();
    let rep = cinerec_engine::source::runtime()?.block_on(async {
        let store = cinerec_store::open(&a.store).await?;
        let rep = match a.format {
            ExportFormat::Parquet => {
                cinerec_engine::export::export_parquet(store.as_ref(), &a.out).await
            }
        };
        store.close().await;
        rep.with_context(|| format!("exporting {url} to {}", a.out.display()))
    })?;
    let secs = t.elapsed().as_secs_f64();
    let j =
        serde_json::json!({ "store": url, "format": "parquet", "written": rep, "seconds": secs });
    out.result(&j, || {
        format!(
            "exported {url} to {} as Parquet: {} users, {} movies, {} ratings in {secs:.2}s",
            a.out.display(),
            rep.users,
            rep.movies,
            rep.ratings
        )
    })
}
