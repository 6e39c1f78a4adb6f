//! `cinerec recommend` and `cinerec predict`: answer for one user from a saved model (or a
//! model fitted on the spot when no file exists yet).

use crate::output::{table, Output};
use crate::progress::FitProgress;
use crate::{resolve, Cli};
use anyhow::{Context, Result};
use cinerec_core::{Dataset, ItemIdx, RecommendOptions, Recommender, RecommenderExt, UserRef};
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;

/// Which model answers, shared by `recommend` and `predict`.
#[derive(Args, Debug)]
pub struct ModelChoice {
    /// Dataset name or path.
    #[arg(long, short, default_value = "ml-100k")]
    pub data: String,
    /// Model name; its saved file is used when present, else it is fitted now.
    #[arg(long, short, default_value = "baseline")]
    pub model: String,
    /// A model file to use instead.
    #[arg(long)]
    pub model_file: Option<PathBuf>,
    /// Folder for model files.
    #[arg(long, env = "CINEREC_MODEL_DIR", default_value = "models")]
    pub model_dir: PathBuf,
}

/// `cinerec recommend`.
#[derive(Args, Debug)]
pub struct RecommendArgs {
    #[command(flatten)]
    pub choice: ModelChoice,
    /// Raw user id.
    #[arg(long, short)]
    pub user: String,
    /// How many movies.
    #[arg(short = 'n', long, default_value_t = 10)]
    pub top_n: usize,
    /// Only movies of this genre.
    #[arg(long)]
    pub genre: Option<String>,
    /// Also recommend movies the user already rated.
    #[arg(long)]
    pub include_seen: bool,
}

/// `cinerec predict`.
#[derive(Args, Debug)]
pub struct PredictArgs {
    #[command(flatten)]
    pub choice: ModelChoice,
    /// Raw user id.
    #[arg(long, short)]
    pub user: String,
    /// Movie id or title ("Toy Story", "Toy Story (1995)").
    #[arg(long)]
    pub movie: String,
}

fn model_for(c: &ModelChoice, ds: &Dataset, out: &Output) -> Result<Box<dyn Recommender>> {
    let path = c
        .model_file
        .clone()
        .unwrap_or_else(|| super::train::default_model_path(&c.model_dir, &ds.name, &c.model));
    if path.exists() {
        out.note(format!("using model file {}", path.display()));
        return cinerec_models::load(&path, ds)
            .with_context(|| format!("loading {}", path.display()));
    }
    if c.model_file.is_some() {
        anyhow::bail!("model file {} does not exist", path.display());
    }
    out.note(format!(
        "no model file at {}; fitting {} now (save one with `cinerec train`)",
        path.display(),
        c.model
    ));
    let mut m = cinerec_models::create(&c.model, None)?;
    let mut obs = FitProgress::new(out.progress(), &c.model);
    m.fit(ds, &mut obs)?;
    obs.finish();
    Ok(m)
}

#[derive(Serialize)]
struct Rec {
    rank: usize,
    movie: String,
    title: String,
    genres: Vec<String>,
    score: f32,
}

/// `cinerec recommend`.
pub fn recommend(a: &RecommendArgs, cli: &Cli, out: &Output) -> Result<()> {
    let ds = resolve::load_dataset(&a.choice.data, &cli.data_dir, out)?;
    let user = resolve::user(&ds, &a.user)?;
    let model = model_for(&a.choice, &ds, out)?;
    let cat = ds.catalog().clone();
    let genre = match &a.genre {
        Some(g) => Some(cat.genre_index(g).with_context(|| {
            format!("unknown genre `{g}`; known: {}", cat.genre_names.join(", "))
        })?),
        None => None,
    };
    let filter = |i: ItemIdx| genre.is_none_or(|g| cat.meta(i).genres.contains(&g));
    let opts = RecommendOptions {
        n: a.top_n,
        include_seen: a.include_seen,
        filter: Some(&filter),
    };
    let recs = model.recommend(&ds, UserRef::Known(user), &opts)?;
    let list: Vec<Rec> = recs
        .iter()
        .enumerate()
        .map(|(k, s)| Rec {
            rank: k + 1,
            movie: cat.raw_item(s.item).0,
            title: cat.display_title(s.item),
            genres: cat
                .genres_of(s.item)
                .iter()
                .map(|g| g.to_string())
                .collect(),
            score: s.score,
        })
        .collect();
    out.result(&list, || {
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|r| {
                vec![
                    r.rank.to_string(),
                    r.movie.clone(),
                    r.title.clone(),
                    r.genres.join("|"),
                    format!("{:.4}", r.score),
                ]
            })
            .collect();
        format!(
            "top {} for user {} ({}):\n{}",
            a.top_n,
            a.user,
            model.name(),
            table(&["#", "id", "title", "genres", "score"], &rows)
        )
    })
}

/// `cinerec predict`.
pub fn predict(a: &PredictArgs, cli: &Cli, out: &Output) -> Result<()> {
    let ds = resolve::load_dataset(&a.choice.data, &cli.data_dir, out)?;
    let user = resolve::user(&ds, &a.user)?;
    let item = resolve::movie(&ds, &a.movie)?;
    let model = model_for(&a.choice, &ds, out)?;
    let est = model.predict(UserRef::Known(user), item)?;
    let cat = ds.catalog();
    let actual = ds.matrix().get(user, item);
    let j = serde_json::json!({
        "user": a.user, "movie": cat.raw_item(item).0, "title": cat.display_title(item),
        "model": model.name(), "prediction": est, "actual": actual,
    });
    out.result(&j, || {
        let act = actual.map(|r| format!(" (rated {r})")).unwrap_or_default();
        format!(
            "user {} × {} [{}]: predicted {:.3}{act} by {}",
            a.user,
            cat.display_title(item),
            cat.raw_item(item),
            est,
            model.name()
        )
    })
}
