//! `cinerec recommend`: top-N movies for one user, with the API's options: a genre filter,
//! MMR diversity, already-rated movies kept or not, and the rated movies that explain each
//! pick. Answers through `cinerec_engine::query`, as the server does.

use crate::args::model::ModelChoice;
use crate::output::{table, Output};
use crate::{resolve, Cli};
use anyhow::{bail, Context, Result};
use cinerec_core::{Keep, UserRef};
use cinerec_engine::query::{self, Ask};
use cinerec_engine::Source;
use clap::Args;
use serde::Serialize;

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
    /// Re-rank for genre diversity (MMR): λ in [0, 1], 1 = relevance only.
    #[arg(long)]
    pub diversity: Option<f32>,
    /// Say which of the user's rated movies explain each pick.
    #[arg(long)]
    pub explain: bool,
}

/// A rated movie that supports a recommendation.
#[derive(Serialize)]
struct Because {
    movie: String,
    title: String,
    weight: f32,
}

#[derive(Serialize)]
struct Rec {
    rank: usize,
    movie: String,
    title: String,
    genres: Vec<String>,
    score: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    because: Option<Vec<Because>>,
}

/// `cinerec recommend`.
pub fn run(a: &RecommendArgs, cli: &Cli, out: &Output) -> Result<()> {
    if let Some(d) = a.diversity.filter(|d| !(0.0..=1.0).contains(d)) {
        bail!("--diversity must be within [0, 1], got {d}");
    }
    let c = &a.choice;
    let source = Source::pick(c.store.as_deref(), &c.data, &cli.data_dir);
    let ds = resolve::load(&source, out, Keep::ALL)?;
    let user = resolve::user(&ds, &a.user)?;
    let name = c.model.as_deref().unwrap_or("baseline");
    let store = c.store.as_deref().filter(|_| c.model.is_none());
    let model = resolve::model_for(&ds, name, c.model_file.as_deref(), &c.model_dir, store, out)?;
    let cat = ds.catalog().clone();
    let genre = match &a.genre {
        Some(g) => Some(cat.genre_index(g).with_context(|| {
            format!("unknown genre `{g}`; known: {}", cat.genre_names.join(", "))
        })?),
        None => None,
    };
    let ask = Ask {
        n: a.top_n,
        genre,
        diversity: a.diversity,
        include_seen: a.include_seen,
    };
    let recs = query::recommend(model.as_ref(), &ds, UserRef::Known(user), ask)?;
    // Only with --explain: the user's ratings and the norms of the cosine fallback.
    let why = match a.explain {
        true => Some((
            cinerec_core::user_profile(&ds, UserRef::Known(user))?,
            query::item_norms(&ds),
        )),
        false => None,
    };
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
            because: why.as_ref().map(|(profile, norms)| {
                query::explain(model.as_ref(), &ds, norms, profile, s.item, 3)
                    .into_iter()
                    .map(|c| Because {
                        movie: cat.raw_item(c.item).0,
                        title: cat.display_title(c.item),
                        weight: c.weight,
                    })
                    .collect()
            }),
        })
        .collect();
    out.result(&list, || {
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|r| {
                let mut row = vec![
                    r.rank.to_string(),
                    r.movie.clone(),
                    r.title.clone(),
                    r.genres.join("|"),
                    format!("{:.4}", r.score),
                ];
                if let Some(b) = &r.because {
                    let titles: Vec<&str> = b.iter().map(|b| b.title.as_str()).collect();
                    row.push(titles.join("; "));
                }
                row
            })
            .collect();
        let mut header = vec!["#", "id", "title", "genres", "score"];
        if a.explain {
            header.push("because you rated");
        }
        format!(
            "top {} for user {} ({}):\n{}",
            a.top_n,
            a.user,
            model.name(),
            table(&header, &rows)
        )
    })
}
