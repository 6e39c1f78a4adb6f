//! Timing example for the SGD factor models: fits `svd` or `svdpp` on a ratings file or on
//! train/test split files, and prints fit seconds (best and median of `--repeat` fits), the
//! test RMSE when a test file is given, and the process's peak resident memory.
//!
//! ```sh
//! cargo run --release -p cinerec-engine --example svd_fit -- \
//!     --train /tmp/sp/ratings_train.csv --test /tmp/sp/ratings_test.csv --model svd --repeat 5
//! cargo run --release -p cinerec-engine --example svd_fit -- --data /tmp/syn32m --model svd
//! ```

use cinerec_core::{EpochReport, FitObserver, ItemIdx, NoObserver, UserRef};
use cinerec_data::loaders::{load, load_split_files, LoadOptions, SplitFiles};
use std::path::PathBuf;
use std::time::Instant;

struct Printer;
impl FitObserver for Printer {
    fn on_epoch(&mut self, r: &EpochReport) {
        eprintln!(
            "  epoch {}/{} train_rmse {:.4}",
            r.epoch,
            r.epochs,
            r.train_loss.sqrt()
        );
    }
}

/// Peak resident memory of this process in MiB (Linux; 0 elsewhere).
fn peak_rss_mib() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Nanoseconds this thread has been on a CPU (Linux schedstat; 0 elsewhere). Single-thread
/// fits run on the calling thread, so this is their CPU time even on a loaded machine.
fn thread_cpu_ns() -> u64 {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    s.split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut train, mut test, mut data, mut model, mut params, mut repeat, mut verbose) =
        (None, None, None, "svd".to_string(), None, 1usize, false);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--train" => train = Some(PathBuf::from(val()?)),
            "--test" => test = Some(PathBuf::from(val()?)),
            "--data" => data = Some(PathBuf::from(val()?)),
            "--model" => model = val()?,
            "--params" => params = Some(serde_json::from_str::<serde_json::Value>(&val()?)?),
            "--repeat" => repeat = val()?.parse()?,
            "--verbose" => verbose = true,
            _ => return Err(format!("unknown argument {a}").into()),
        }
    }
    let t0 = Instant::now();
    let (ds, test_set) = match (train, data) {
        (Some(train), _) => {
            let test = test.ok_or("--train needs --test")?;
            let (d, t) = load_split_files(
                &SplitFiles {
                    train,
                    test,
                    items: None,
                },
                None,
            )?;
            (d, Some(t))
        }
        (None, Some(path)) => (load(&path, &LoadOptions::default())?, None),
        _ => return Err("give --train/--test or --data".into()),
    };
    println!(
        "loaded {} ratings, {} users, {} items in {:.2} s (peak {:.0} MiB)",
        ds.n_ratings(),
        ds.n_users(),
        ds.n_items(),
        t0.elapsed().as_secs_f64(),
        peak_rss_mib()
    );
    let (mut times, mut cpu) = (vec![], vec![]);
    let mut m = cinerec_engine::create(&model, params.as_ref())?;
    for rep in 0..repeat.max(1) {
        m = cinerec_engine::create(&model, params.as_ref())?;
        let (t, c) = (Instant::now(), thread_cpu_ns());
        if verbose && rep == 0 {
            m.fit(&ds, &mut Printer)?;
        } else {
            m.fit(&ds, &mut NoObserver)?;
        }
        times.push(t.elapsed().as_secs_f64());
        cpu.push((thread_cpu_ns() - c) as f64 * 1e-9);
    }
    times.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    println!(
        "{model} {}: fit best {:.4} s, median {:.4} s (calling thread's CPU best {:.4} s) over {} fits; peak {:.0} MiB",
        m.params(),
        times[0],
        times[times.len() / 2],
        cpu[0],
        times.len(),
        peak_rss_mib()
    );
    if let Some(t) = test_set {
        let mut se = 0.0f64;
        let n = t.users.len();
        for k in 0..n {
            let p = m.predict(
                UserRef::Known(cinerec_core::UserIdx(t.users[k])),
                ItemIdx(t.items[k]),
            )?;
            se += (p as f64 - t.values[k] as f64).powi(2);
        }
        println!(
            "test RMSE {:.4} over {n} ratings",
            (se / n.max(1) as f64).sqrt()
        );
    }
    Ok(())
}
