//! The two-tower model on MovieLens-100K's peer 80/20 split: fits it (its defaults, the tuned
//! configuration, unless `--params` overrides fields; `--params reference` = the reference
//! configuration), prints the per-epoch table (train loss,
//! validation loss / RMSE / factorized top-K on the hold-out carved from the training file,
//! seconds), then the whole-test-set RMSE and factorized top-K from `cinerec_eval::evaluate`.
//!
//! ```sh
//! export CARGO_TARGET_DIR=/work/main/target
//! cargo run --profile ci -p cinerec-neural --example twotower_ml100k
//! cargo run --profile ci -p cinerec-neural --example twotower_ml100k -- \
//!     --params '{"logq_correction": true}' --no-test        # tuning: hold-out figures only
//! cargo run --profile ci -p cinerec-neural --example twotower_ml100k -- \
//!     --bench-epochs 3 --threads 2 --repeat 3                # speed: seconds per epoch
//! ```
//! `--ranks-out FILE` also writes every test pair's rank (`user,item,n_train,rank,rank_unseen`,
//! raw ids, 0-based ranks among all movies and among the user's unseen ones) for `bench/neural/ceiling.py --ranks FILE`.
//! `--bench-epochs N` trains the reference configuration for N epochs without a hold-out
//! (as the PyTorch twin in `bench/neural/` does) and prints one `BENCH {json}` line per fit
//! with the seconds of every epoch; `--repeat R` fits R times.

use cinerec_core::{Dataset, EpochReport, FitObserver, Recommender};
use cinerec_data::loaders::{load, load_split_files, LoadOptions, SplitFiles};
use cinerec_eval::{evaluate, factorized_ranks, EvalConfig};
use cinerec_neural::{TwoTower, TwoTowerParams};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Instant;

/// Prints one table row per epoch and records the epoch durations.
struct Table {
    quiet: bool,
    last: Instant,
    seconds: Vec<f64>,
    losses: Vec<f64>,
}

impl FitObserver for Table {
    fn on_epoch(&mut self, r: &EpochReport) {
        let now = Instant::now();
        let s = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.seconds.push(s);
        self.losses.push(r.train_loss);
        if self.quiet {
            return;
        }
        if r.epoch == 1 {
            let names: Vec<String> = r.metrics.iter().map(|m| short(&m.0)).collect();
            println!("| epoch | train_loss | {} | s |", names.join(" | "));
            println!("|---|---|{}---|", "---|".repeat(names.len()));
        }
        let vals: Vec<String> = r.metrics.iter().map(|m| format!("{:.4}", m.1)).collect();
        println!(
            "| {}/{} | {:.4} | {} | {s:.2} |",
            r.epoch,
            r.epochs,
            r.train_loss,
            vals.join(" | ")
        );
    }
}

fn short(name: &str) -> String {
    name.replace("_accuracy", "")
        .replace("retrieval_loss", "ret")
}

fn merge(base: &mut Value, over: &Value) {
    if let (Some(b), Some(o)) = (base.as_object_mut(), over.as_object()) {
        for (k, v) in o {
            b.insert(k.clone(), v.clone());
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut data = PathBuf::from("/work/main/data/ml-100k");
    let mut split = PathBuf::from("/work/main/bench/work/peer-split");
    let (mut over, mut bench, mut threads, mut repeat, mut test) =
        (json!({}), None::<usize>, None::<usize>, 1usize, true);
    let mut ranks_out = None::<PathBuf>;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--data" => data = PathBuf::from(val()?),
            "--split" => split = PathBuf::from(val()?),
            "--params" => {
                let v = val()?;
                over = serde_json::from_str(&v).unwrap_or(Value::String(v));
            }
            "--bench-epochs" => bench = Some(val()?.parse()?),
            "--threads" => threads = Some(val()?.parse()?),
            "--repeat" => repeat = val()?.parse()?,
            "--no-test" => test = false,
            "--ranks-out" => ranks_out = Some(PathBuf::from(val()?)),
            _ => return Err(format!("unknown argument {a}").into()),
        }
    }
    let base = load(&data, &LoadOptions::default())?;
    let (train, test_set) = load_split_files(
        &SplitFiles {
            train: split.join("ratings_train.csv"),
            test: split.join("ratings_test.csv"),
            items: None,
        },
        Some(&base),
    )?;
    // `--params reference` (or `--bench-epochs`) starts from the reference configuration,
    // anything else from the defaults (the tuned configuration).
    let reference = bench.is_some() || over == json!("reference");
    if over == json!("reference") {
        over = json!({});
    }
    let base_params = if reference {
        TwoTowerParams::reference()
    } else {
        TwoTowerParams::default()
    };
    let mut p = serde_json::to_value(base_params)?;
    if let Some(n) = bench {
        merge(&mut p, &json!({"epochs": n, "validation_fraction": 0.0}));
    }
    merge(&mut p, &over);
    if let Some(t) = threads {
        merge(&mut p, &json!({ "threads": t }));
    }
    let params: TwoTowerParams = serde_json::from_value(p)?;
    println!(
        "train {} ratings ({} users, {} movies), test {}; params {}",
        train.n_ratings(),
        train.n_users(),
        train.n_items(),
        test_set.len(),
        serde_json::to_string(&params)?
    );
    for rep in 0..repeat.max(1) {
        let (m, table, fit_s) = fit(&params, &train, bench.is_some())?;
        if bench.is_some() {
            println!(
                "BENCH {}",
                json!({"run": rep + 1, "epoch_seconds": table.seconds, "fit_seconds": fit_s,
                       "train_loss": table.losses, "threads": params.threads,
                       "epochs": params.epochs})
            );
        } else if test {
            report(&m, &train, &test_set, fit_s)?;
            if let Some(path) = &ranks_out {
                write_ranks(&m, &train, &test_set, path)?;
            }
        }
    }
    Ok(())
}

fn fit(
    params: &TwoTowerParams,
    train: &Dataset,
    quiet: bool,
) -> Result<(TwoTower, Table, f64), Box<dyn std::error::Error>> {
    let mut m = TwoTower::new(params.clone())?;
    let t = Instant::now();
    let mut table = Table {
        quiet,
        last: t,
        seconds: vec![],
        losses: vec![],
    };
    m.fit(train, &mut table)?;
    Ok((m, table, t.elapsed().as_secs_f64()))
}

fn report(
    m: &TwoTower,
    train: &Dataset,
    test: &cinerec_core::Interactions,
    fit_s: f64,
) -> Result<(), Box<dyn std::error::Error>> {
    let cfg = EvalConfig {
        factorized: true,
        ranking: true,
        fit_seconds: Some(fit_s),
        ..Default::default()
    };
    let r = evaluate(m, train, test, &cfg)?;
    let get = |k: &str| r.metrics.get(k).unwrap_or(f64::NAN);
    println!(
        "test: RMSE {:.4}  MAE {:.4}  top-1 {:.4}  top-5 {:.4}  top-10 {:.4}  top-50 {:.4}  \
         top-100 {:.4}  (P@10 {:.4}, NDCG@10 {:.4}; fit {fit_s:.1} s)",
        get("rmse"),
        get("mae"),
        get("top1_accuracy"),
        get("top5_accuracy"),
        get("top10_accuracy"),
        get("top50_accuracy"),
        get("top100_accuracy"),
        get("precision@10"),
        get("ndcg@10"),
    );
    println!("RESULT {}", r.to_json()?.replace('\n', ""));
    Ok(())
}

/// Writes `user,item,n_train,rank,rank_unseen` for every test pair: `rank` among all movies
/// (the factorized metric), `rank_unseen` among the movies the user has no train rating for
/// (for contrast only); both empty for a user the model does not know.
fn write_ranks(
    m: &TwoTower,
    train: &Dataset,
    test: &cinerec_core::Interactions,
    path: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    use cinerec_core::{ItemIdx, UserRef};
    use std::fmt::Write as _;
    let cat = train.catalog();
    let mut out = String::from("user,item,n_train,rank,rank_unseen\n");
    let mut scores = vec![0f32; train.n_items()];
    for u in factorized_ranks(m, train, test, 2)? {
        let seen = train.user_ratings(u.user).0;
        let unseen = match u.ranks {
            Some(_) => {
                m.score_all(UserRef::Known(u.user), &mut scores)?;
                seen.iter()
                    .for_each(|&i| scores[i as usize] = f32::NEG_INFINITY);
                Some(cinerec_eval::factorized::ranks_of(&scores, &u.items))
            }
            None => None,
        };
        for (k, &i) in u.items.iter().enumerate() {
            let show =
                |r: &Option<Vec<usize>>| r.as_ref().map(|r| r[k].to_string()).unwrap_or_default();
            let item = cat.raw_item(ItemIdx(i));
            writeln!(
                out,
                "{},{},{},{},{}",
                cat.raw_user(u.user).0,
                item.0,
                seen.len(),
                show(&u.ranks),
                show(&unseen)
            )?;
        }
    }
    std::fs::write(path, out)?;
    println!(
        "ranks of {} test pairs written to {}",
        test.len(),
        path.display()
    );
    Ok(())
}
