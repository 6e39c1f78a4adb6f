//! `cinerec import <dataset> --store URL`: load a dataset with the file loaders (parsing all
//! of it first, so a malformed row stops with file:line before the store is touched), then
//! bulk-load it into a store (SQLite by default) through the backend's fast path in one
//! transaction, so readers see the previous state or the whole import, never a part
//! (`cinerec_store::import_dataset`), with a progress bar. Idempotent: re-running it leaves
//! one row per user, movie and rating.

use crate::output::Output;
use crate::{resolve, Cli};
use anyhow::{Context, Result};
use cinerec_core::catalog::canonical_genres;
use cinerec_store::{import_dataset, redact_url, ImportOptions, MovieExtra, MovieRecord};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// `cinerec import`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// Dataset name (under --data-dir) or path to a folder or ratings file.
    pub dataset: String,
    /// Store URL: sqlite://PATH, postgres://USER@HOST:PORT/DB or mysql://USER@HOST:PORT/DB.
    #[arg(long, env = "CINEREC_STORE", default_value = cinerec_store::DEFAULT_URL)]
    pub store: String,
    /// Rows per statement / COPY chunk and per progress step (the import is one transaction).
    #[arg(long, default_value_t = 5000)]
    pub batch: usize,
    /// DATASET is a movies-only CSV file of new movies (`movieId,title,genres`, optional
    /// `keywords`, `country`, `language`): they are added to (or updated in) the store in one
    /// transaction, and running servers take them into their catalogue within their
    /// `catalog_sync_secs`.
    #[arg(long)]
    pub movies: bool,
}

fn rows_bar(enabled: bool) -> ProgressBar {
    let target = if enabled {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let pb = ProgressBar::with_draw_target(None, target);
    pb.set_style(
        ProgressStyle::with_template(
            "import [{bar:30}] {human_pos}/{human_len} rows {per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    pb
}

/// `cinerec import --movies FILE`: new movies into the store, genres spelled as the store's
/// vocabulary spells them.
fn import_movies(a: &ImportArgs, out: &Output) -> Result<()> {
    let path = std::path::Path::new(&a.dataset);
    let rows = cinerec_data::loaders::read_movies(path)?;
    let url = redact_url(&a.store);
    let (written, counts) = cinerec_engine::source::runtime()?.block_on(async {
        let store = cinerec_store::open(&a.store).await?;
        let known = store.dataset_info().await?.genre_names;
        let records: Vec<MovieRecord> = rows
            .into_iter()
            .map(|r| {
                let mut relations = vec![];
                relations.extend(r.country.map(|c| ("country".to_string(), c)));
                relations.extend(r.language.map(|l| ("language".to_string(), l)));
                MovieRecord {
                    id: r.id,
                    title: Some(r.title),
                    year: r.year,
                    genres: canonical_genres(&known, &r.genres),
                    extra: MovieExtra {
                        tags: r.keywords,
                        relations,
                        links: vec![],
                    },
                }
            })
            .collect();
        let written = store
            .upsert_movies(&records)
            .await
            .with_context(|| format!("importing movies into {url}"))?;
        let counts = store.counts().await?;
        store.close().await;
        anyhow::Ok((written, counts))
    })?;
    let j = serde_json::json!({ "file": a.dataset, "store": url, "movies_written": written, "store_counts": counts });
    out.result(&j, || {
        format!(
            "imported {written} movies from {} into {url} (store now holds {} movies)",
            a.dataset, counts.movies
        )
    })
}

/// `cinerec import`.
pub fn run(a: &ImportArgs, cli: &Cli, out: &Output) -> Result<()> {
    if a.movies {
        return import_movies(a, out);
    }
    let keep = cinerec_store::IMPORT_KEEP;
    let ds = resolve::load_dataset_keeping(&a.dataset, &cli.data_dir, out, keep)?;
    let url = redact_url(&a.store);
    let (rep, counts) = cinerec_engine::source::runtime()?.block_on(async {
        let store = cinerec_store::open(&a.store).await?;
        let pb = rows_bar(out.progress());
        let bar = pb.clone();
        let progress = move |done: u64, total: u64| {
            bar.set_length(total);
            bar.set_position(done);
        };
        let opts = ImportOptions {
            batch_rows: a.batch.max(1),
        };
        let rep = import_dataset(store.as_ref(), &ds, &opts, &progress).await;
        pb.finish_and_clear();
        let rep = rep.with_context(|| format!("importing {} into {url}", ds.name))?;
        let counts = store.counts().await?;
        store.close().await;
        anyhow::Ok((rep, counts))
    })?;
    let j = serde_json::json!({
        "dataset": ds.name, "store": url, "written": rep, "store_counts": counts,
    });
    out.result(&j, || {
        format!(
            "imported {} into {url}: {} users, {} movies, {} ratings in {} transaction(s), {:.2}s \
             (store now holds {} users, {} movies, {} ratings)",
            ds.name,
            rep.users,
            rep.movies,
            rep.ratings,
            rep.batches,
            rep.seconds,
            counts.users,
            counts.movies,
            counts.ratings
        )
    })
}
