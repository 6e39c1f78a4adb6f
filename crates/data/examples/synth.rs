//! Example / benchmark driver for the synthetic generator: writes `ratings.csv` and
//! `movies.csv` into a folder with [`cinerec_data::synth::generate_csv`].
//!
//! ```text
//! cargo run --release -p cinerec-data --example synth -- --out DIR [--users 200000]
//!     [--items 87000] [--ratings 32000000] [--seed 0] [--factors 16] [--zipf 1.0]
//!     [--min-per-user 20] [--max-per-user N] [--threads 0] [--quiet]
//! ```
//! Defaults are the MovieLens-32M-like shape. Prints one summary line on stdout.

use cinerec_data::synth::{generate_csv, SynthConfig};
use std::path::PathBuf;
use std::process::ExitCode;

fn parse<T: std::str::FromStr>(flag: &str, v: Option<String>) -> Result<T, String> {
    let v = v.ok_or_else(|| format!("{flag} needs a value"))?;
    v.replace('_', "")
        .parse()
        .map_err(|_| format!("{flag}: cannot parse `{v}`"))
}

fn run() -> Result<(), String> {
    let mut cfg = SynthConfig::ml32m_like();
    let mut out: Option<PathBuf> = None;
    let mut quiet = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = Some(parse::<String>(&a, args.next())?.into()),
            "--users" => cfg.users = parse(&a, args.next())?,
            "--items" => cfg.items = parse(&a, args.next())?,
            "--ratings" => cfg.ratings = parse(&a, args.next())?,
            "--seed" => cfg.seed = parse(&a, args.next())?,
            "--factors" => cfg.factors = parse(&a, args.next())?,
            "--zipf" => cfg.zipf_exponent = parse(&a, args.next())?,
            "--min-per-user" => cfg.min_per_user = parse(&a, args.next())?,
            "--max-per-user" => cfg.max_per_user = Some(parse(&a, args.next())?),
            "--threads" => cfg.threads = parse(&a, args.next())?,
            "--quiet" => quiet = true,
            "-h" | "--help" => {
                println!(
                    "usage: synth --out DIR [--users N] [--items N] [--ratings N] [--seed N] [--factors K] \
                     [--zipf A] [--min-per-user N] [--max-per-user N] [--threads N] [--quiet]"
                );
                return Ok(());
            }
            other => return Err(format!("unknown argument `{other}` (try --help)")),
        }
    }
    let out = out.ok_or("--out DIR is required")?;
    let last = std::cell::Cell::new(0u64);
    let progress = |done: u64, total: u64| {
        if !quiet && (done * 10 / total.max(1) > last.get() || done == total) {
            last.set(done * 10 / total.max(1));
            eprint!("\r{done}/{total} ratings");
            if done == total {
                eprintln!();
            }
        }
    };
    let rep = generate_csv(&cfg, &out, Some(&progress)).map_err(|e| e.to_string())?;
    println!(
        "wrote {} rows ({:.1} MiB) users={} items={} (rated {}) max/user={} median/user={} \
         top1%share={:.3} mean={:.3} heavy_users={} to {} in {:.2}s",
        rep.ratings,
        rep.ratings_bytes as f64 / (1u64 << 20) as f64,
        rep.users,
        rep.items,
        rep.items_rated,
        rep.max_per_user,
        rep.median_per_user,
        rep.top1pct_share,
        rep.mean_rating,
        rep.heavy_users,
        rep.ratings_path.display(),
        rep.seconds
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("synth: {e}");
            ExitCode::FAILURE
        }
    }
}
