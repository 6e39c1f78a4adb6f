//! Measures the fit time of implicit ALS (or BPR) on a ratings file — the 32M-rating
//! synthetic file of the scale target, or a peer split's train file.
//!
//! ```sh
//! cargo run --release -p cinerec-engine --example als_scale -- FILE [--model als|bpr]
//!     [--factors 64] [--iterations 15] [--threads 0] [--reps 1]
//! /usr/bin/time -v target/release/examples/als_scale /tmp/syn32m   # peak RSS of the process
//! ```
//!
//! Prints the load time, each fit time and this process's peak RSS (`VmHWM`).

use cinerec_core::NoObserver;
use cinerec_data::loaders::{load, LoadOptions};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: als_scale FILE [--model als|bpr] [--factors N] [--iterations N] [--threads N] [--reps N]")?;
    let (mut model, mut factors, mut iterations, mut threads, mut reps) =
        ("als".to_string(), 64usize, None, 0usize, 1usize);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--model" => model = value,
            "--factors" => factors = value.parse()?,
            "--iterations" => iterations = Some(value.parse::<usize>()?),
            "--threads" => threads = value.parse()?,
            "--reps" => reps = value.parse()?,
            _ => return Err(format!("unknown flag {flag}").into()),
        }
    }
    let t = Instant::now();
    let data = load(std::path::Path::new(&path), &LoadOptions::default())?;
    println!(
        "loaded {} users, {} items, {} ratings in {:.2} s",
        data.n_users(),
        data.n_items(),
        data.n_ratings(),
        t.elapsed().as_secs_f64()
    );
    let iterations = iterations.unwrap_or(if model == "bpr" { 100 } else { 15 });
    let params =
        serde_json::json!({"factors": factors, "iterations": iterations, "threads": threads});
    for rep in 1..=reps {
        let mut m = cinerec_engine::create(&model, Some(&params))?;
        let t = Instant::now();
        m.fit(&data, &mut NoObserver)?;
        println!(
            "{model} factors={factors} iterations={iterations} threads={threads} rep {rep}: fit {:.3} s",
            t.elapsed().as_secs_f64()
        );
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM")) {
        println!("peak RSS {}", line.trim_start_matches("VmHWM:").trim());
    }
    Ok(())
}
