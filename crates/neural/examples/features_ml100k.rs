//! The feature-based model on MovieLens-100K, both ranking methods (density, likelihood):
//! * Precision@10 in-sample and out-of-sample on the given/hidden split (20 % of each user's
//!   movies given for fitting, 80 % hidden; numpy-identical seeded split as `cinerec eval
//!   --split given` makes it), and in-sample on a fit of all ratings;
//! * cold start: `--cold` (10 %) of the rated movies held out of training entirely (only their
//!   features known), recall@10 of each user's held-out movies against a random ranking, among
//!   the held-out movies and among every movie the user did not rate.
//!
//! ```sh
//! cargo run --release -p cinerec-neural --example features_ml100k -- --data data/ml-100k
//! ```

use cinerec_core::{Dataset, NoObserver, Recommender};
use cinerec_data::loaders::{load, LoadOptions};
use cinerec_data::split::{split, SplitSpec};
use cinerec_eval::factorized::{precision_in_sample, precision_out_of_sample};
use cinerec_neural::{
    cold_start_recall, cold_start_split, ColdCandidates, Features, FeaturesParams, ScoreMethod,
};
use std::path::PathBuf;
use std::time::Instant;

const METHODS: [ScoreMethod; 2] = [ScoreMethod::Likelihood, ScoreMethod::Density];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut data, mut cold, mut seed, mut params) = (
        PathBuf::from("data/ml-100k"),
        0.1f64,
        42u64,
        "{}".to_string(),
    );
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--data" => data = PathBuf::from(val()?),
            "--cold" => cold = val()?.parse()?,
            "--seed" => seed = val()?.parse()?,
            "--params" => params = val()?,
            _ => return Err(format!("unknown argument {a}").into()),
        }
    }
    let base = load(&data, &LoadOptions::default())?;
    let p: FeaturesParams = serde_json::from_str(&params)?;
    println!("params {}", serde_json::to_string(&p)?);
    let workers = 2;

    println!("| fit on | method | P@10 in-sample | P@10 out-of-sample |");
    println!("|---|---|---:|---:|");
    let gh = split(&base, &SplitSpec::given_hidden(seed))?;
    let mut m = fit(&p, &gh.train, "given 20 %")?;
    for method in METHODS {
        m.set_method(method);
        let ins = precision_in_sample(&m, &gh.train, 10, workers)?;
        let out = precision_out_of_sample(&m, &gh.train, &gh.test, 10, workers)?;
        println!("| given 20 % | {method:?} | {ins:.4} | {out:.4} |");
    }
    let mut m = fit(&p, &base, "all ratings")?;
    for method in METHODS {
        m.set_method(method);
        let ins = precision_in_sample(&m, &base, 10, workers)?;
        println!("| all ratings | {method:?} | {ins:.4} | - |");
    }

    let cs = cold_start_split(&base, cold, seed)?;
    println!(
        "\ncold start: {} of the rated movies held out of training ({} ratings)",
        cs.items.len(),
        cs.test.len()
    );
    println!("| method | candidates | recall@10 | random | lift |");
    println!("|---|---|---:|---:|---:|");
    let mut m = fit(&p, &cs.train, "all but the cold movies")?;
    for method in METHODS {
        m.set_method(method);
        for cand in [ColdCandidates::ColdOnly, ColdCandidates::All] {
            let r = cold_start_recall(&m, &cs.train, &cs.test, &cs.items, 10, cand, workers)?;
            println!(
                "| {method:?} | {cand:?} | {:.4} | {:.4} | {:.2}× |",
                r.recall,
                r.random_recall,
                r.lift()
            );
        }
    }
    Ok(())
}

fn fit(
    p: &FeaturesParams,
    d: &Dataset,
    what: &str,
) -> Result<Features, Box<dyn std::error::Error>> {
    let mut m = Features::new(p.clone())?;
    let t = Instant::now();
    m.fit(d, &mut NoObserver)?;
    eprintln!("fitted on {what} in {:.1} s", t.elapsed().as_secs_f64());
    Ok(m)
}
