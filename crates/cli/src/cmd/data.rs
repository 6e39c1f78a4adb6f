//! `cinerec data fetch|info|synth` (`data split` is `cmd/split.rs`).

use crate::output::{table, Output};
use crate::{progress, resolve, Cli};
use anyhow::{Context, Result};
use cinerec_core::Dataset;
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct FetchArgs {
    /// ml-100k, ml-1m, ml-10m, ml-20m, ml-25m, ml-32m or ml-latest-small.
    pub name: String,
    /// A mirror URL or a local zip path to use instead of GroupLens; `pip` for ML-100K
    /// from the recbole==1.2.1 wheel.
    #[arg(long)]
    pub from: Option<String>,
}

#[derive(Args, Debug)]
pub struct InfoArgs {
    /// Dataset name (in the data folder) or path to a folder or ratings file.
    pub dataset: String,
}

#[derive(Args, Debug)]
pub struct SynthArgs {
    /// Start from a named shape (ml100k-like, ml32m-like, halfstar-longtail, tenpoint,
    /// manyusers, coldstart, dense-temporal); the flags below override it.
    #[arg(long)]
    pub preset: Option<String>,
    /// Number of users [default: 10000, or the preset's].
    #[arg(long)]
    pub users: Option<u32>,
    /// Number of movies [default: 5000, or the preset's].
    #[arg(long)]
    pub items: Option<u32>,
    /// Number of ratings [default: 1000000, or the preset's].
    #[arg(long)]
    pub ratings: Option<u64>,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Rating scale [default: half-star, or the preset's].
    #[arg(long, value_enum)]
    pub scale: Option<ScaleArg>,
    /// Genre affinity of what users watch (0: popularity only) [default: 0, or the preset's].
    #[arg(long)]
    pub affinity: Option<f64>,
    /// Share of movies released late in the time range [default: 0, or the preset's].
    #[arg(long)]
    pub late_items: Option<f64>,
    /// Output folder (gets ratings.csv and movies.csv).
    #[arg(long, default_value = "data/synth")]
    pub out: PathBuf,
}

/// Rating scales of `data synth`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScaleArg {
    /// 0.5 to 5 in half stars.
    HalfStar,
    /// Whole stars 1 to 5.
    FiveStar,
    /// Integers 1 to 10.
    TenPoint,
}

impl SynthArgs {
    /// The generator config: the preset (or the historical CLI sizes) with the flags applied.
    fn config(&self) -> Result<cinerec_data::synth::SynthConfig> {
        use cinerec_data::synth::{preset, RatingScale, SynthConfig, PRESETS};
        let mut cfg = match &self.preset {
            Some(name) => preset(name).with_context(|| {
                let names: Vec<&str> = PRESETS.iter().map(|p| p.0).collect();
                format!("unknown preset {name:?}; known: {}", names.join(", "))
            })?,
            None => SynthConfig {
                users: 10_000,
                items: 5_000,
                ratings: 1_000_000,
                ..Default::default()
            },
        };
        cfg.seed = self.seed;
        cfg.users = self.users.unwrap_or(cfg.users);
        cfg.items = self.items.unwrap_or(cfg.items);
        cfg.ratings = self.ratings.unwrap_or(cfg.ratings);
        cfg.affinity = self.affinity.unwrap_or(cfg.affinity);
        cfg.late_items = self.late_items.unwrap_or(cfg.late_items);
        if let Some(s) = self.scale {
            cfg.scale = match s {
                ScaleArg::HalfStar => RatingScale::HALF_STAR,
                ScaleArg::FiveStar => RatingScale::FIVE_STAR,
                ScaleArg::TenPoint => RatingScale::TEN_POINT,
            };
        }
        Ok(cfg)
    }
}

/// `cinerec data fetch`.
pub fn fetch(a: &FetchArgs, cli: &Cli, out: &Output) -> Result<()> {
    std::fs::create_dir_all(&cli.data_dir)
        .with_context(|| format!("creating {}", cli.data_dir.display()))?;
    out.note(format!(
        "fetching {} into {}",
        a.name,
        cli.data_dir.display()
    ));
    let pb = progress::bytes(out.progress(), format!("download {}", a.name));
    let cb = |done: u64, total: Option<u64>| {
        if let Some(t) = total {
            pb.set_length(t);
        }
        pb.set_position(done);
    };
    let r = cinerec_data::fetch::fetch_with_progress(
        &a.name,
        &cli.data_dir,
        a.from.as_deref(),
        Some(&cb),
    );
    pb.finish_and_clear();
    let r = r?;
    #[derive(Serialize)]
    struct J<'a> {
        name: &'a str,
        dir: String,
        source: &'a str,
        already_present: bool,
    }
    let j = J {
        name: &r.name,
        dir: r.dir.display().to_string(),
        source: &r.source,
        already_present: r.already_present,
    };
    out.result(&j, || {
        if r.already_present {
            format!("{} already present in {}", r.name, r.dir.display())
        } else {
            format!(
                "{} ready in {} (source: {})",
                r.name,
                r.dir.display(),
                r.source
            )
        }
    })
}

/// Summary statistics of a dataset.
#[derive(Serialize)]
pub struct Info {
    name: String,
    hash: String,
    users: usize,
    movies: usize,
    ratings: usize,
    density: f64,
    rating_scale: (f32, f32),
    mean_rating: f32,
    rating_histogram: Vec<(f32, usize)>,
    ratings_per_user: (usize, usize, usize),
    ratings_per_movie: (usize, usize, usize),
    genres: Vec<(String, usize)>,
    time_range: (u32, u32),
    duplicates_dropped: usize,
    memory_bytes: usize,
    load_seconds: f64,
}

/// `cinerec data info`.
pub fn info(a: &InfoArgs, cli: &Cli, out: &Output) -> Result<()> {
    let t = Instant::now();
    let ds = resolve::load_dataset(&a.dataset, &cli.data_dir, out)?;
    let load_seconds = t.elapsed().as_secs_f64();
    let i = stats(&ds, load_seconds);
    out.result(&i, || {
        let mut rows = vec![
            vec!["name".into(), i.name.clone()],
            vec!["hash".into(), i.hash.clone()],
            vec!["users".into(), i.users.to_string()],
            vec!["movies".into(), i.movies.to_string()],
            vec!["ratings".into(), i.ratings.to_string()],
            vec!["density".into(), format!("{:.4}%", 100.0 * i.density)],
            vec![
                "rating scale".into(),
                format!("{} – {}", i.rating_scale.0, i.rating_scale.1),
            ],
            vec!["mean rating".into(), format!("{:.3}", i.mean_rating)],
            vec![
                "ratings/user min·median·max".into(),
                format!(
                    "{} · {} · {}",
                    i.ratings_per_user.0, i.ratings_per_user.1, i.ratings_per_user.2
                ),
            ],
            vec![
                "ratings/movie min·median·max".into(),
                format!(
                    "{} · {} · {}",
                    i.ratings_per_movie.0, i.ratings_per_movie.1, i.ratings_per_movie.2
                ),
            ],
            vec![
                "time range (unix s)".into(),
                format!("{} – {}", i.time_range.0, i.time_range.1),
            ],
            vec![
                "duplicates dropped".into(),
                i.duplicates_dropped.to_string(),
            ],
            vec![
                "rating matrix memory".into(),
                format!("{:.1} MiB", i.memory_bytes as f64 / 1048576.0),
            ],
            vec!["load time".into(), format!("{:.2} s", i.load_seconds)],
        ];
        let hist: Vec<String> = i
            .rating_histogram
            .iter()
            .map(|(v, n)| format!("{v}:{n}"))
            .collect();
        rows.push(vec!["rating histogram".into(), hist.join(" ")]);
        if !i.genres.is_empty() {
            let g: Vec<String> = i.genres.iter().map(|(g, n)| format!("{g}:{n}")).collect();
            rows.push(vec!["genres".into(), g.join(" ")]);
        }
        table(&["statistic", "value"], &rows)
    })
}

/// Computes the statistics shown by `cinerec data info` (definitions: `cinerec_core::stats`).
pub fn stats(ds: &Dataset, load_seconds: f64) -> Info {
    let s = cinerec_core::stats::dataset_stats(ds);
    let mmm =
        |c: &cinerec_core::stats::Counts| (c.min() as usize, c.median() as usize, c.max() as usize);
    Info {
        name: ds.name.clone(),
        hash: ds.hash().to_string(),
        users: s.users,
        movies: s.movies,
        ratings: s.ratings,
        density: s.density,
        rating_scale: ds.rating_scale(),
        mean_rating: s.mean_rating as f32,
        rating_histogram: s
            .rating_histogram
            .iter()
            .map(|&(v, n)| (v, n as usize))
            .collect(),
        ratings_per_user: mmm(&s.per_user),
        ratings_per_movie: mmm(&s.per_movie),
        genres: s
            .genres
            .into_iter()
            .map(|g| (g.genre, g.movies as usize))
            .collect(),
        time_range: s.time_range,
        duplicates_dropped: ds.matrix().duplicates_dropped(),
        memory_bytes: ds.heap_bytes(),
        load_seconds,
    }
}

/// `cinerec data synth`.
pub fn synth(a: &SynthArgs, out: &Output) -> Result<()> {
    let cfg = a.config()?;
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let pb = indicatif::ProgressBar::with_draw_target(
        Some(cfg.ratings),
        if out.progress() {
            indicatif::ProgressDrawTarget::stderr()
        } else {
            indicatif::ProgressDrawTarget::hidden()
        },
    );
    let cb = |done: u64, total: u64| {
        pb.set_length(total);
        pb.set_position(done);
    };
    let t = Instant::now();
    let r = cinerec_data::synth::generate_csv(&cfg, &a.out, Some(&cb));
    pb.finish_and_clear();
    let r = r?;
    out.note(format!("generated in {:.1}s", t.elapsed().as_secs_f64()));
    out.result(&format!("{r:?}"), || format!("{r:?}"))
}
