//! Fits EASE on a ratings CSV and prints the fit seconds: cinerec's side of `bench/ease/run.sh`
//! (numpy's side is `ease_numpy.py` on the same file).
//!
//! ```text
//! cargo run --profile ci -p cinerec-models --example ease_fit -- RATINGS_CSV [LAMBDA]
//! ```
//!
//! Every rated movie is in the dense item–item model (`max_dense` unbounded, as numpy's
//! script inverts the whole Gram matrix), binary interactions, no recency weighting;
//! `max_items` stays automatic (from `MemAvailable`). Prints one line:
//! `ease cinerec: N items, fit S s (gram G s, inverse I s, weights W s), max_items M`.
//! With `EASE_DUMP=FILE` it also writes the weights as little-endian f32, column by column
//! (`B[j][i]` at `i * n + j`), for `bench/ease/check.py` to compare with numpy's.

use cinerec_core::{EpochReport, FitObserver, ItemIdx, Recommender};
use cinerec_data::loaders::{load, LoadOptions};
use cinerec_models::{auto_max_items, Ease, EaseParams};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

/// Keeps the fit's metrics.
#[derive(Default)]
struct Metrics(Vec<(String, f64)>);

impl FitObserver for Metrics {
    fn on_epoch(&mut self, report: &EpochReport) {
        self.0 = report.metrics.clone();
    }
}

impl Metrics {
    fn get(&self, name: &str) -> f64 {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or(f64::NAN, |(_, v)| *v)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().ok_or("usage: ease_fit RATINGS_CSV [LAMBDA]")?);
    let lambda: f64 = match args.next() {
        Some(l) => l.parse()?,
        None => 300.0,
    };
    let data = load(&path, &LoadOptions::default())?;
    let mut model = <Ease as cinerec_core::Configurable>::from_params(EaseParams {
        lambda,
        max_dense: usize::MAX,
        binary: true,
        half_life: None,
        ..EaseParams::default()
    })?;
    let mut metrics = Metrics::default();
    let t = Instant::now();
    model.fit(&data, &mut metrics)?;
    let fit = t.elapsed().as_secs_f64();
    println!(
        "ease cinerec: {} items, fit {fit:.3} s (gram {:.3} s, inverse {:.3} s, weights {:.3} s), max_items {}",
        metrics.get("items"),
        metrics.get("gram_seconds"),
        metrics.get("inverse_seconds"),
        metrics.get("weights_seconds"),
        auto_max_items(),
    );
    if let Some(dump) = std::env::var_os("EASE_DUMP") {
        let n = data.n_items();
        let mut w = std::io::BufWriter::new(std::fs::File::create(dump)?);
        let mut col = vec![0f32; n];
        for i in 0..n {
            model.item_similarities(ItemIdx(i as u32), &mut col)?;
            for x in &col {
                w.write_all(&x.to_le_bytes())?;
            }
        }
        w.flush()?;
    }
    Ok(())
}
