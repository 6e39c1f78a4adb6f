//! Measures the rating autoencoders on MovieLens-100K's peer 80/20 split: fits `autorec` or
//! `autoencoder` on `ratings_train.csv` (metadata from the RecBole files, so the user model
//! gets demographics) and prints the per-epoch train / validation figures, the fit time, the
//! test RMSE / MAE and ranking metrics (`cinerec_eval::evaluate`), and the RMSE of the same
//! test pairs when every user is instead folded in from their training ratings as a
//! `UserRef::Profile` (the new-visitor path).
//!
//! `--tune` never looks at the test file: it carves a validation split (10 % of the training
//! ratings, seed 7) out of `ratings_train.csv`, fits on the rest and prints the validation
//! RMSE (known users, and users folded in from their ratings), once per `--params` given
//! (each a JSON object of parameter overrides).
//!
//! ```sh
//! cargo run --profile ci -p cinerec-neural --example autoenc_ml100k -- --model autorec
//! cargo run --profile ci -p cinerec-neural --example autoenc_ml100k -- --model autorec \
//!     --tune --params '{"l2": 1}' --params '{"l2": 10}'
//! ```
//! Options: `--data DIR` (default `/work/main/data/ml-100k`), `--split DIR` (default
//! `/work/main/bench/work/peer-split`), `--quiet` (no per-epoch lines).

use cinerec_core::{
    Dataset, EpochReport, FitObserver, Interactions, ItemIdx, Recommender, Rng, UserRef,
};
use cinerec_data::loaders::{load, load_split_files, LoadOptions, SplitFiles};
use cinerec_eval::{evaluate, rating_metrics, EvalConfig};
use cinerec_neural::{AutoRec, AutoRecParams, Autoencoder, AutoencoderParams};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Instant;

struct Printer {
    quiet: bool,
    start: Instant,
}
impl FitObserver for Printer {
    fn on_epoch(&mut self, r: &EpochReport) {
        if !self.quiet {
            let m: Vec<String> = r
                .metrics
                .iter()
                .map(|(k, v)| format!("{k} {v:.4}"))
                .collect();
            eprintln!(
                "  epoch {:>3}/{} train_loss {:.4} {} ({:.1} s)",
                r.epoch,
                r.epochs,
                r.train_loss,
                m.join(" "),
                self.start.elapsed().as_secs_f64()
            );
        }
    }
}

/// The model `name` with defaults overridden by the fields of `over`.
fn build(name: &str, over: &Value) -> Result<Box<dyn Recommender>, Box<dyn std::error::Error>> {
    let merge = |mut base: Value| {
        if let (Some(b), Some(o)) = (base.as_object_mut(), over.as_object()) {
            b.extend(o.clone());
        }
        base
    };
    Ok(match name {
        "autorec" => {
            let p: AutoRecParams =
                serde_json::from_value(merge(serde_json::to_value(AutoRecParams::default())?))?;
            Box::new(AutoRec::new(p)?)
        }
        "autoencoder" => {
            let p: AutoencoderParams =
                serde_json::from_value(merge(serde_json::to_value(AutoencoderParams::default())?))?;
            Box::new(Autoencoder::new(p)?)
        }
        _ => return Err(format!("unknown model {name}").into()),
    })
}

fn fit(
    m: &mut dyn Recommender,
    data: &Dataset,
    quiet: bool,
) -> Result<f64, Box<dyn std::error::Error>> {
    let start = Instant::now();
    m.fit(data, &mut Printer { quiet, start })?;
    Ok(start.elapsed().as_secs_f64())
}

/// RMSE of `test` when each user is folded in from their ratings in `train`.
fn profile_rmse(m: &dyn Recommender, train: &Dataset, test: &Interactions) -> f64 {
    let mut se = 0f64;
    let mut last: Option<(u32, Vec<(ItemIdx, f32)>)> = None;
    for r in test.iter() {
        if last.as_ref().map(|l| l.0) != Some(r.user.0) {
            let (items, values) = train.user_ratings(r.user);
            let p = items
                .iter()
                .map(|&i| ItemIdx(i))
                .zip(values.iter().copied())
                .collect();
            last = Some((r.user.0, p));
        }
        let Some((_, prof)) = last.as_ref() else {
            continue;
        };
        let p = m
            .predict(UserRef::Profile(prof), r.item)
            .unwrap_or(f32::NAN) as f64;
        se += (p - r.value as f64).powi(2);
    }
    (se / test.len().max(1) as f64).sqrt()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut model = "autorec".to_string();
    let (mut data, mut split) = (
        PathBuf::from("/work/main/data/ml-100k"),
        PathBuf::from("/work/main/bench/work/peer-split"),
    );
    let (mut overrides, mut tune, mut quiet) = (vec![], false, false);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--model" => model = val()?,
            "--params" => overrides.push(serde_json::from_str::<Value>(&val()?)?),
            "--data" => data = PathBuf::from(val()?),
            "--split" => split = PathBuf::from(val()?),
            "--tune" => tune = true,
            "--quiet" => quiet = true,
            _ => return Err(format!("unknown argument {a}").into()),
        }
    }
    if overrides.is_empty() {
        overrides.push(Value::Object(Default::default()));
    }
    let base = load(&data, &LoadOptions::default())?;
    let (train, test) = load_split_files(
        &SplitFiles {
            train: split.join("ratings_train.csv"),
            test: split.join("ratings_test.csv"),
            items: None,
        },
        Some(&base),
    )?;
    println!(
        "train {} ratings, test {} ({} users × {} movies)",
        train.n_ratings(),
        test.len(),
        train.n_users(),
        train.n_items()
    );
    if tune {
        let mut rng = Rng::new(7);
        let (mut fit_part, mut val) = (Interactions::default(), Interactions::default());
        for r in train.matrix().iter() {
            let t = if rng.f64() < 0.1 {
                &mut val
            } else {
                &mut fit_part
            };
            t.push(r.user.0, r.item.0, r.value, r.time);
        }
        let fit_set = train.with_ratings("train-90", fit_part);
        for over in &overrides {
            let mut m = build(&model, over)?;
            let secs = fit(m.as_mut(), &fit_set, quiet)?;
            let r = rating_metrics(m.as_ref(), &fit_set, &val, true)?;
            println!(
                "{model} {over}: validation RMSE {:.4}, folded-in profiles {:.4} ({secs:.1} s)",
                r.rmse,
                profile_rmse(m.as_ref(), &fit_set, &val)
            );
        }
        return Ok(());
    }
    for over in &overrides {
        let mut m = build(&model, over)?;
        let secs = fit(m.as_mut(), &train, quiet)?;
        let cfg = EvalConfig {
            fit_seconds: Some(secs),
            ..Default::default()
        };
        let report = evaluate(m.as_ref(), &train, &test, &cfg)?;
        let g = |k: &str| report.metrics.get(k).unwrap_or(f64::NAN);
        println!(
            "{model} {}\n  fit {secs:.1} s; test RMSE {:.4} MAE {:.4}; precision@10 {:.4} \
             NDCG@10 {:.4}; folded-in profile RMSE {:.4}",
            m.params(),
            g("rmse"),
            g("mae"),
            g("precision@10"),
            g("ndcg@10"),
            profile_rmse(m.as_ref(), &train, &test)
        );
    }
    Ok(())
}
