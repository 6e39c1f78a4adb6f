//! Measures MMR diversity re-ranking ([`cinerec_models::rerank`]) on a train/test pair:
//! NDCG@10 and diversity@10 (intra-list genre diversity, the eval crate's definition) of the
//! re-ranked top-10 for several λ, side by side.
//!
//! ```sh
//! cargo run --release -p cinerec-engine --example mmr_effect -- --data data/ml-100k \
//!   --train /tmp/sp/temporal_train.csv --test /tmp/sp/temporal_test.csv --model ease
//! ```

use cinerec_core::{NoObserver, UserIdx, UserRef};
use cinerec_data::loaders::{self, LoadOptions, SplitFiles};
use cinerec_eval::{metrics_from_lists, relevant_sets};
use cinerec_models::rerank::{recommend_diverse, DiversityBy, MmrOptions};
use std::path::PathBuf;

fn arg(name: &str) -> Option<String> {
    let a: Vec<String> = std::env::args().collect();
    a.iter()
        .position(|x| x == name)
        .and_then(|p| a.get(p + 1).cloned())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = arg("--data").unwrap_or_else(|| "data/ml-100k".into());
    let model_name = arg("--model").unwrap_or_else(|| "ease".into());
    let params: Option<serde_json::Value> = arg("--params")
        .map(|p| serde_json::from_str(&p))
        .transpose()?;
    let base = loaders::load(std::path::Path::new(&data), &LoadOptions::default())?;
    let files = SplitFiles {
        train: PathBuf::from(arg("--train").ok_or("--train FILE is required")?),
        test: PathBuf::from(arg("--test").ok_or("--test FILE is required")?),
        items: None,
    };
    let (train, test) = loaders::load_split_files(&files, Some(&base))?;
    let mut model = cinerec_engine::create(&model_name, params.as_ref())?;
    model.fit(&train, &mut NoObserver)?;
    let relevant = relevant_sets(train.n_users(), &test);
    let users: Vec<UserIdx> = (0..train.n_users() as u32)
        .map(UserIdx)
        .filter(|u| !relevant[u.ix()].is_empty())
        .collect();
    println!("model {model_name}, {} test users, pool 100", users.len());
    println!(
        "{:<10} {:>6} {:>9} {:>12} {:>12}",
        "by", "lambda", "ndcg@10", "diversity@10", "coverage@10"
    );
    for by in [DiversityBy::Genre, DiversityBy::Similarity] {
        for lambda in [1.0, 0.9, 0.8, 0.7, 0.5, 0.3] {
            let opts = MmrOptions {
                lambda,
                pool: 100,
                by,
            };
            let mut lists = Vec::with_capacity(users.len());
            for &u in &users {
                let top = recommend_diverse(model.as_ref(), &train, UserRef::Known(u), 10, &opts)?;
                lists.push(Some(top.iter().map(|s| s.item.0).collect::<Vec<u32>>()));
            }
            let m = metrics_from_lists(&users, &lists, &relevant, &train, 10)?;
            println!(
                "{:<10} {lambda:>6.1} {:>9.4} {:>12.4} {:>12.4}",
                format!("{by:?}"),
                m.ndcg,
                m.diversity.unwrap_or(f64::NAN),
                m.coverage
            );
        }
    }
    Ok(())
}
