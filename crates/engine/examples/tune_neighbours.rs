//! Tunes a registry model on a validation split carved from the training file (never the test
//! file), then refits the best setting on the whole training file and reports the test
//! figures once.
//!
//! ```sh
//! cargo run --release -p cinerec-engine --example tune_neighbours -- \
//!   --data data/ml-100k --train /tmp/sp/temporal_train.csv --test /tmp/sp/temporal_test.csv \
//!   --model ease --grid '[{"lambda":100},{"lambda":300},{"lambda":500}]'
//! ```
//!
//! Validation: per user, the last 20% of their training ratings by time (the peers' temporal
//! rule applied to the training file). Selection metric: NDCG@10.

use cinerec_core::{Dataset, Interactions, NoObserver};
use cinerec_data::loaders::{self, LoadOptions, SplitFiles};
use cinerec_data::split::{carve_validation, SplitSpec};
use cinerec_eval::{evaluate, EvalConfig};
use std::path::PathBuf;

fn arg(name: &str) -> Option<String> {
    let a: Vec<String> = std::env::args().collect();
    a.iter()
        .position(|x| x == name)
        .and_then(|p| a.get(p + 1).cloned())
}

fn ranking(
    name: &str,
    params: &serde_json::Value,
    train: &Dataset,
    test: &Interactions,
) -> Result<(f64, f64, f64), Box<dyn std::error::Error>> {
    let mut m = cinerec_engine::create(name, Some(params))?;
    m.fit(train, &mut NoObserver)?;
    let cfg = EvalConfig {
        ranking: true,
        k: 10,
        ..Default::default()
    };
    let r = evaluate(m.as_ref(), train, test, &cfg)?;
    let g = |k: &str| r.metrics.get(k).unwrap_or(f64::NAN);
    Ok((g("ndcg@10"), g("precision@10"), g("diversity@10")))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = arg("--data").unwrap_or_else(|| "data/ml-100k".into());
    let train = PathBuf::from(arg("--train").ok_or("--train FILE is required")?);
    let model = arg("--model").unwrap_or_else(|| "ease".into());
    let grid: Vec<serde_json::Value> =
        serde_json::from_str(&arg("--grid").unwrap_or_else(|| "[{}]".into()))?;
    let base = loaders::load(std::path::Path::new(&data), &LoadOptions::default())?;
    let files = SplitFiles {
        train: train.clone(),
        test: arg("--test")
            .map(PathBuf::from)
            .unwrap_or_else(|| train.clone()),
        items: None,
    };
    let (train_ds, test) = loaders::load_split_files(&files, Some(&base))?;
    let spec = SplitSpec::Temporal {
        test_ratio: 0.2,
        min_user_ratings: 1,
    };
    let v = carve_validation(&train_ds, &spec)?;
    println!(
        "model {model}: fit on {} ratings, validate on {}",
        v.fit.n_ratings(),
        v.validation.len()
    );
    println!(
        "{:<60} {:>8} {:>8} {:>8}",
        "params", "ndcg@10", "p@10", "div@10"
    );
    let mut best: Option<(f64, serde_json::Value)> = None;
    for p in &grid {
        let (ndcg, prec, div) = ranking(&model, p, &v.fit, &v.validation)?;
        println!("{:<60} {ndcg:>8.4} {prec:>8.4} {div:>8.4}", p.to_string());
        if best.as_ref().is_none_or(|b| ndcg > b.0) {
            best = Some((ndcg, p.clone()));
        }
    }
    let (vbest, p) = best.ok_or("empty grid")?;
    println!("best on validation: {p} (ndcg@10 {vbest:.4})");
    if arg("--test").is_some() {
        let (ndcg, prec, div) = ranking(&model, &p, &train_ds, &test)?;
        println!("test with {p}: ndcg@10 {ndcg:.4}  p@10 {prec:.4}  div@10 {div:.4}");
    }
    Ok(())
}
