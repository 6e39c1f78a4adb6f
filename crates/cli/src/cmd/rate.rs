//! `cinerec rate`: an interactive session. The person rates up to 20 movies chosen to be
//! informative (popular, and together covering as many genres as possible); Enter skips a
//! movie, `q` stops early, bad input is asked again. Then it prints top-N recommendations
//! with their genres and a one-line reason each (the rated movies that explain the pick, or
//! "popular in <genre>" for a cold start), and offers to save the profile — to the store as
//! a new user (`--store URL`) or as a JSON file.
//!
//! Optional demographics (age, gender, occupation) come first, from flags or questions
//! (`rate_demo.rs`); a model with demographic inputs (the user autoencoder) recommends from
//! them with the ratings, or from them alone.
//!
//! Prompts go to stderr and results to stdout, and everything reads from any `BufRead`, so
//! the session also works with piped stdin for scripting (EOF ends the questions).

#[path = "rate_demo.rs"]
mod demo;

use crate::output::Output;
use crate::{resolve, Cli};
use anyhow::{Context, Result};
use cinerec_core::{
    Dataset, ItemIdx, RecommendOptions, Recommender, RecommenderExt, UserMeta, UserRef,
};
use cinerec_engine::coldstart::DemographicPrior;
use cinerec_engine::query;
use clap::Args;
use serde::Serialize;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

/// `cinerec rate`.
#[derive(Args, Debug)]
pub struct RateArgs {
    /// Dataset name or path.
    #[arg(long, short, default_value = "ml-100k")]
    pub data: String,
    /// Model that recommends (fitted now unless a saved file exists); it must fold in a new
    /// profile (svd, als, itemknn, ease, … do).
    #[arg(long, short, default_value = "svd")]
    pub model: String,
    /// A model file to use instead.
    #[arg(long)]
    pub model_file: Option<PathBuf>,
    /// Folder for model files.
    #[arg(long, env = "CINEREC_MODEL_DIR", default_value = "models")]
    pub model_dir: PathBuf,
    /// How many movies to ask about.
    #[arg(long, default_value_t = 20)]
    pub ask: usize,
    /// How many movies to recommend.
    #[arg(short = 'n', long, default_value_t = 10)]
    pub top_n: usize,
    /// Offer to save the profile to this store as a new user (sqlite://…, postgres://…, mysql://…).
    #[arg(long, env = "CINEREC_STORE")]
    pub store: Option<String>,
    /// User id to save the profile under (default: the next free integer id).
    #[arg(long)]
    pub user: Option<String>,
    /// Write the profile as JSON to this file (no question asked).
    #[arg(long)]
    pub save: Option<PathBuf>,
    /// Answer "yes" to the question about saving to the store.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Your age in years (optional; 1–120), for models that use demographics.
    #[arg(long)]
    pub age: Option<u16>,
    /// Your gender, one of the dataset's values (MovieLens: M or F; optional).
    #[arg(long)]
    pub gender: Option<String>,
    /// Your occupation, one of the dataset's occupations (optional).
    #[arg(long)]
    pub occupation: Option<String>,
    /// Ask the demographic questions even when input is not a terminal (they are asked on a
    /// terminal when the dataset has demographics and no demographic flag is given).
    #[arg(long)]
    pub ask_demographics: bool,
}

/// Genres that say nothing about taste.
fn uninformative(genre: &str) -> bool {
    genre.eq_ignore_ascii_case("unknown") || genre.eq_ignore_ascii_case("(no genres listed)")
}

/// Movies worth asking about: a greedy pick over the most-rated movies, each step taking the
/// movie whose genres are least covered so far (a genre counts 1/(1 + times covered)), with
/// popularity as a half-weight bonus, so the set is popular but varied. Deterministic.
pub fn starter_set(ds: &Dataset, n: usize, exclude: &[ItemIdx]) -> Vec<ItemIdx> {
    let m = ds.matrix();
    let cat = ds.catalog();
    let mut pool: Vec<ItemIdx> = (0..ds.n_items() as u32)
        .map(ItemIdx)
        .filter(|i| m.item_count(*i) > 0 && !exclude.contains(i))
        .collect();
    pool.sort_by(|a, b| m.item_count(*b).cmp(&m.item_count(*a)).then(a.cmp(b)));
    pool.truncate((n * 10).max(200));
    let max_pop = pool.first().map(|&i| m.item_count(i)).unwrap_or(1).max(1) as f64;
    let mut covered = vec![0u32; cat.genre_names.len()];
    let mut out = Vec::with_capacity(n);
    while out.len() < n && !pool.is_empty() {
        let gain = |i: ItemIdx| -> f64 {
            let g: f64 = cat
                .meta(i)
                .genres
                .iter()
                .filter(|&&g| !uninformative(cat.genre_names.get(g as usize).map_or("", |s| s)))
                .map(|&g| 1.0 / (1.0 + f64::from(covered.get(g as usize).copied().unwrap_or(0))))
                .sum();
            g + 0.5 * m.item_count(i) as f64 / max_pop
        };
        let mut best = 0;
        let mut best_gain = f64::NEG_INFINITY;
        for (k, &i) in pool.iter().enumerate() {
            let v = gain(i);
            if v > best_gain {
                best_gain = v;
                best = k;
            }
        }
        let pick = pool.remove(best);
        for &g in &cat.meta(pick).genres {
            if let Some(c) = covered.get_mut(g as usize) {
                *c += 1;
            }
        }
        out.push(pick);
    }
    out
}

/// What one answer means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Answer {
    /// A rating within the scale.
    Rating(f32),
    /// Enter: not seen.
    Skip,
    /// `q`: stop asking.
    Quit,
}

/// Parses one answer; `Err` carries the message to show before asking again.
pub fn parse_answer(line: &str, (lo, hi): (f32, f32)) -> Result<Answer, String> {
    let t = line.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("s") || t.eq_ignore_ascii_case("skip") {
        return Ok(Answer::Skip);
    }
    if t.eq_ignore_ascii_case("q") || t.eq_ignore_ascii_case("quit") {
        return Ok(Answer::Quit);
    }
    let t = t.trim_end_matches(['*', '★']);
    match t.parse::<f32>() {
        Ok(v) if v.is_finite() && v >= lo && v <= hi => Ok(Answer::Rating(v)),
        _ => Err(format!(
            "please type a rating from {} to {}, press Enter to skip, or q to finish",
            fmt_num(lo),
            fmt_num(hi)
        )),
    }
}

fn fmt_num(v: f32) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// Reads one line; None at end of input.
fn read_line(input: &mut dyn BufRead) -> Result<Option<String>> {
    let mut s = String::new();
    let n = input.read_line(&mut s).context("reading the answer")?;
    Ok((n > 0).then_some(s))
}

fn title_with_genres(ds: &Dataset, i: ItemIdx) -> String {
    let cat = ds.catalog();
    let g = cat.genres_of(i).join(", ");
    if g.is_empty() {
        cat.display_title(i)
    } else {
        format!("{} — {g}", cat.display_title(i))
    }
}

/// Asks about each of `movies` (stopping at `q` or end of input); returns the ratings given.
pub fn ask(
    ds: &Dataset,
    movies: &[ItemIdx],
    input: &mut dyn BufRead,
    prompt: &mut dyn Write,
) -> Result<(Vec<(ItemIdx, f32)>, usize)> {
    let scale = ds.rating_scale();
    let mut given = Vec::new();
    let mut skipped = 0;
    let _ = writeln!(
        prompt,
        "Rate these movies from {} to {} (Enter = haven't seen it, q = done).",
        fmt_num(scale.0),
        fmt_num(scale.1)
    );
    'movies: for (k, &i) in movies.iter().enumerate() {
        loop {
            let _ = write!(
                prompt,
                "[{}/{}] {}: ",
                k + 1,
                movies.len(),
                title_with_genres(ds, i)
            );
            let _ = prompt.flush();
            let Some(line) = read_line(input)? else {
                let _ = writeln!(prompt);
                break 'movies;
            };
            match parse_answer(&line, scale) {
                Ok(Answer::Rating(v)) => {
                    given.push((i, v));
                    break;
                }
                Ok(Answer::Skip) => {
                    skipped += 1;
                    break;
                }
                Ok(Answer::Quit) => break 'movies,
                Err(msg) => {
                    let _ = writeln!(prompt, "  {msg}");
                }
            }
        }
    }
    Ok((given, skipped))
}

/// One recommendation with its reason.
#[derive(Debug, Clone, Serialize)]
pub struct Pick {
    /// 1-based rank.
    pub rank: usize,
    /// Raw movie id.
    pub movie: String,
    /// Display title.
    pub title: String,
    /// Genre names.
    pub genres: Vec<String>,
    /// Model score (number of ratings for cold-start picks).
    pub score: f32,
    /// One-line reason.
    pub reason: String,
}

fn first_genre(ds: &Dataset, i: ItemIdx) -> String {
    ds.catalog()
        .genres_of(i)
        .into_iter()
        .find(|g| !uninformative(g))
        .unwrap_or("the catalogue")
        .to_string()
}

fn pick(ds: &Dataset, rank: usize, i: ItemIdx, score: f32, reason: String) -> Pick {
    let cat = ds.catalog();
    Pick {
        rank,
        movie: cat.raw_item(i).0,
        title: cat.display_title(i),
        genres: cat.genres_of(i).iter().map(|g| g.to_string()).collect(),
        score,
        reason,
    }
}

/// Cold start: popular movies across genres, each "popular in <genre>".
pub fn cold_start(ds: &Dataset, n: usize, exclude: &[ItemIdx]) -> Vec<Pick> {
    starter_set(ds, n, exclude)
        .into_iter()
        .enumerate()
        .map(|(k, i)| {
            let reason = format!("popular in {}", first_genre(ds, i));
            pick(ds, k + 1, i, ds.matrix().item_count(i) as f32, reason)
        })
        .collect()
}

/// Top-`n` for a profile and the demographics (answered from the dataset's demographic prior
/// when it has one, as the server does: `cinerec_engine::coldstart`)
/// with reasons from [`RecommenderExt::explain`] (falling back to "a top pick in <genre>" when
/// no rated movie explains it); `asked` movies are not recommended. Without ratings and
/// without usable demographics, the cold start.
pub fn recommend_for(
    model: &dyn Recommender,
    ds: &Dataset,
    profile: &[(ItemIdx, f32)],
    meta: Option<&UserMeta>,
    asked: &[ItemIdx],
    n: usize,
) -> Result<Vec<Pick>> {
    let prior = meta.and_then(|_| DemographicPrior::build(ds));
    let meta = meta.filter(|_| model.uses_demographics() || prior.is_some());
    if profile.is_empty() && meta.is_none() {
        return Ok(cold_start(ds, n, asked));
    }
    let filter = |i: ItemIdx| !asked.contains(&i);
    let opts = RecommendOptions {
        n,
        include_seen: false,
        filter: Some(&filter),
    };
    let user = UserRef::Profile(profile);
    let recs = query::top_n(
        model,
        ds,
        user,
        meta,
        prior.as_ref(),
        &opts,
        &mut Vec::new(),
    )?;
    let cat = ds.catalog();
    Ok(recs
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let why = model.explain(ds, user, s.item, 2).unwrap_or_default();
            let reason = if why.is_empty() && profile.is_empty() {
                format!(
                    "a top pick in {} for {}",
                    first_genre(ds, s.item),
                    meta.map(demo::describe).unwrap_or_default()
                )
            } else if why.is_empty() {
                format!("a top pick in {} for your profile", first_genre(ds, s.item))
            } else {
                let parts: Vec<String> = why
                    .iter()
                    .map(|c| {
                        let r = profile
                            .iter()
                            .find(|p| p.0 == c.item)
                            .map(|p| p.1)
                            .unwrap_or(0.0);
                        format!("{} ({}★)", cat.display_title(c.item), fmt_num(r))
                    })
                    .collect();
                format!("because you rated {}", parts.join(" and "))
            };
            pick(ds, k + 1, s.item, s.score, reason)
        })
        .collect())
}

/// A rated movie in the saved profile.
#[derive(Debug, Clone, Serialize)]
pub struct RatedMovie {
    /// Raw movie id.
    pub movie: String,
    /// Display title.
    pub title: String,
    /// The rating.
    pub rating: f32,
}

/// Everything the session produced (the JSON output and the saved profile file).
#[derive(Debug, Serialize)]
pub struct Session {
    /// Dataset.
    pub dataset: String,
    /// Model that recommended.
    pub model: String,
    /// The ratings given.
    pub ratings: Vec<RatedMovie>,
    /// Movies skipped.
    pub skipped: usize,
    /// The demographics given (age, gender, occupation), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demographics: Option<UserMeta>,
    /// True when the model recommended from the demographics (it uses them).
    pub used_demographics: bool,
    /// Recommendations.
    pub recommendations: Vec<Pick>,
    /// Where the profile was saved ("file:…" or "store:… as user …"), if anywhere.
    pub saved: Option<String>,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn write_profile(path: &Path, s: &Session) -> Result<()> {
    let body = serde_json::json!({
        "dataset": s.dataset,
        "demographics": s.demographics,
        "ratings": s.ratings,
        "created_at": now(),
    });
    let text = serde_json::to_string_pretty(&body)?;
    std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))
}

/// Saves the profile to the store as a new user; returns the user id.
fn save_to_store(
    url: &str,
    want: Option<&str>,
    ds: &Dataset,
    profile: &[(ItemIdx, f32)],
    meta: Option<&UserMeta>,
) -> Result<String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async {
        let store = cinerec_store::open(url)
            .await
            .with_context(|| format!("opening the store {}", cinerec_store::redact_url(url)))?;
        let id = match want {
            Some(id) => id.to_string(),
            None => {
                let mut next = ds.catalog().users.max_numeric() + 1;
                while store.get_user(&next.to_string()).await?.is_some() {
                    next += 1;
                }
                next.to_string()
            }
        };
        if store.get_user(&id).await?.is_none() {
            store
                .upsert_user(&cinerec_store::UserRecord {
                    id: id.clone(),
                    age: meta.and_then(|m| m.age),
                    gender: meta.and_then(|m| m.gender.clone()),
                    occupation: meta.and_then(|m| m.occupation.clone()),
                    ..Default::default()
                })
                .await?;
        }
        let cat = ds.catalog();
        let mut movies = Vec::new();
        for &(i, _) in profile {
            let raw = cat.raw_item(i).0;
            if store.get_movie(&raw).await?.is_none() {
                let meta = cat.meta(i);
                movies.push(cinerec_store::MovieRecord {
                    id: raw,
                    title: meta.title.clone(),
                    year: meta.year,
                    genres: cat.genres_of(i).iter().map(|g| g.to_string()).collect(),
                    extra: Default::default(),
                });
            }
        }
        if !movies.is_empty() {
            store.upsert_movies(&movies).await?;
        }
        let t = now();
        let ratings: Vec<cinerec_store::RatingRecord> = profile
            .iter()
            .map(|&(i, r)| cinerec_store::RatingRecord {
                user: id.clone(),
                movie: cat.raw_item(i).0,
                rating: r,
                timestamp: t,
            })
            .collect();
        store.upsert_ratings(&ratings).await?;
        store.close().await;
        anyhow::Ok(id)
    })
}

/// Asks a yes/no question; None at end of input.
fn yes_no(q: &str, input: &mut dyn BufRead, prompt: &mut dyn Write) -> Result<bool> {
    loop {
        let _ = write!(prompt, "{q} [y/N] ");
        let _ = prompt.flush();
        let Some(line) = read_line(input)? else {
            return Ok(false);
        };
        match line.trim().to_ascii_lowercase().as_str() {
            "y" | "yes" => return Ok(true),
            "" | "n" | "no" => return Ok(false),
            _ => {
                let _ = writeln!(prompt, "  please answer y or n");
            }
        }
    }
}

/// Asks the questions (the demographic ones when `ask_demographics`) and recommends (the
/// testable core of [`run`]); returns the session and the profile as inner ids.
pub fn session(
    a: &RateArgs,
    ds: &Dataset,
    model: &dyn Recommender,
    ask_demographics: bool,
    input: &mut dyn BufRead,
    prompt: &mut dyn Write,
) -> Result<(Session, Vec<(ItemIdx, f32)>)> {
    let meta = demo::gather(a, ds.catalog(), ask_demographics, input, prompt)?;
    let movies = starter_set(ds, a.ask, &[]);
    let (mut profile, skipped) = ask(ds, &movies, input, prompt)?;
    profile.sort_by_key(|p| p.0);
    let recommendations =
        recommend_for(model, ds, &profile, meta.as_ref(), &movies, a.top_n.max(1))?;
    let cat = ds.catalog();
    let ratings = profile
        .iter()
        .map(|&(i, r)| RatedMovie {
            movie: cat.raw_item(i).0,
            title: cat.display_title(i),
            rating: r,
        })
        .collect();
    let s = Session {
        dataset: ds.name.clone(),
        model: model.name().to_string(),
        ratings,
        skipped,
        used_demographics: meta.is_some()
            && (model.uses_demographics() || DemographicPrior::applies(ds)),
        demographics: meta,
        recommendations,
        saved: None,
    };
    Ok((s, profile))
}

/// Saves the profile as asked: `--save FILE` without a question; `--store URL` after a
/// yes/no question (or `--yes`); otherwise offers a JSON file. Records where in `s.saved`.
pub fn offer_save(
    a: &RateArgs,
    ds: &Dataset,
    s: &mut Session,
    profile: &[(ItemIdx, f32)],
    input: &mut dyn BufRead,
    prompt: &mut dyn Write,
) -> Result<()> {
    if profile.is_empty() {
        return Ok(());
    }
    if let Some(path) = &a.save {
        write_profile(path, s)?;
        s.saved = Some(format!("file:{}", path.display()));
    }
    if let Some(url) = &a.store {
        let q = format!(
            "Save your {} ratings to {} as a new user?",
            profile.len(),
            cinerec_store::redact_url(url)
        );
        if a.yes || yes_no(&q, input, prompt)? {
            let id = save_to_store(url, a.user.as_deref(), ds, profile, s.demographics.as_ref())?;
            s.saved = Some(format!(
                "store:{} as user {id}",
                cinerec_store::redact_url(url)
            ));
        }
    } else if a.save.is_none() {
        let _ = write!(
            prompt,
            "Save your ratings as a JSON profile? File name (Enter = don't save): "
        );
        let _ = prompt.flush();
        if let Some(line) = read_line(input)? {
            let name = line.trim();
            if !name.is_empty() {
                let path = PathBuf::from(name);
                write_profile(&path, s)?;
                s.saved = Some(format!("file:{}", path.display()));
            }
        }
    }
    Ok(())
}

/// The human-readable recommendation list.
pub fn render(s: &Session) -> String {
    let mut t = String::new();
    let demo = s.demographics.as_ref().map(demo::describe);
    let basis = if s.ratings.is_empty() {
        match (&demo, s.used_demographics) {
            (Some(d), true) => format!("{} from your demographics ({d})", s.model),
            _ => "no ratings given: popular movies across genres".to_string(),
        }
    } else if let (Some(d), true) = (&demo, s.used_demographics) {
        format!(
            "{} from your {} rating{} and demographics ({d})",
            s.model,
            s.ratings.len(),
            if s.ratings.len() == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "{} from your {} rating{}",
            s.model,
            s.ratings.len(),
            if s.ratings.len() == 1 { "" } else { "s" }
        )
    };
    t.push_str(&format!(
        "Top {} for you ({basis}):\n",
        s.recommendations.len()
    ));
    for p in &s.recommendations {
        t.push_str(&format!(
            "{:>3}. {}  [{}]\n     {}\n",
            p.rank,
            p.title,
            p.genres.join(", "),
            p.reason
        ));
    }
    t
}

/// `cinerec rate`.
pub fn run(a: &RateArgs, cli: &Cli, out: &Output) -> Result<()> {
    let ds = resolve::load_dataset(&a.data, &cli.data_dir, out)?;
    let model = resolve::model_for(
        &ds,
        &a.model,
        a.model_file.as_deref(),
        &a.model_dir,
        None,
        out,
    )?;
    let stdin = std::io::stdin();
    let interactive = stdin.is_terminal();
    let mut input = stdin.lock();
    let mut sink = std::io::sink();
    let mut err = std::io::stderr();
    // Prompts go to stderr; a quiet scripted run (piped stdin + --quiet) prints none.
    let prompt: &mut dyn Write = if cli.quiet && !interactive {
        &mut sink
    } else {
        &mut err
    };
    let ask_demo = a.ask_demographics
        || (interactive && !demo::from_flags(a) && demo::catalogue_has_demographics(ds.catalog()));
    let (mut s, profile) = session(a, &ds, model.as_ref(), ask_demo, &mut input, prompt)?;
    let json = cli.output == crate::OutputFormat::Json;
    if !json {
        println!("\n{}", render(&s).trim_end());
        let _ = std::io::stdout().flush();
    }
    offer_save(a, &ds, &mut s, &profile, &mut input, prompt)?;
    match (&s.saved, json) {
        (_, true) => out.result(&s, String::new)?,
        (Some(w), false) => println!("saved: {w}"),
        (None, false) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        let sc = (1.0, 5.0);
        assert_eq!(parse_answer("4\n", sc), Ok(Answer::Rating(4.0)));
        assert_eq!(parse_answer(" 3.5 ", sc), Ok(Answer::Rating(3.5)));
        assert_eq!(parse_answer("5*", sc), Ok(Answer::Rating(5.0)));
        assert_eq!(parse_answer("\n", sc), Ok(Answer::Skip));
        assert_eq!(parse_answer("Q", sc), Ok(Answer::Quit));
        assert!(parse_answer("6", sc).is_err());
        assert!(parse_answer("0", sc).is_err());
        assert!(parse_answer("great", sc).is_err());
        assert!(parse_answer("NaN", sc).is_err());
    }
}
