//! Timing example: loads a dataset folder or file and prints rows, users, items and seconds.
//!
//! `cargo run --release -p cinerec-data --example load -- <path> [threads]`
//! (peak memory: run it under `/usr/bin/time -v`).

use cinerec_data::loaders::{load, LoadOptions};
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next().map(PathBuf::from) else {
        eprintln!("usage: load <folder-or-file> [threads]");
        std::process::exit(2);
    };
    let threads = args.next().and_then(|t| t.parse().ok()).unwrap_or(0);
    let t0 = Instant::now();
    match load(
        &path,
        &LoadOptions {
            format: None,
            threads,
            ..Default::default()
        },
    ) {
        Ok(d) => {
            let secs = t0.elapsed().as_secs_f64();
            let (lo, hi) = d.rating_scale();
            println!(
                "name={} rows={} users={} items={} scale={lo}-{hi} duplicates_dropped={} seconds={secs:.3}",
                d.name,
                d.n_ratings(),
                d.n_users(),
                d.n_items(),
                d.matrix().duplicates_dropped()
            );
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
