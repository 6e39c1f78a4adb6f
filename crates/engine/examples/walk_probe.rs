//! How much of the catalogue the exact top-10 of a dot-product model (ALS, BPR) reads per
//! user, on a real fitted model: the walk by decreasing row norm of `cinerec_core::quantized`
//! stops once no later movie can reach the top. For a sample of users it prints the rows whose
//! codes were read and the rows scored exactly (median, p90, max), the time of
//! `recommend_into` (the serving call) against the full exact scan (`score_all`, seen movies
//! masked, `top_k`), and checks that both give the same list.
//!
//! ```sh
//! cargo run --profile ci -p cinerec-engine --example walk_probe -- \
//!     sqlite://bench/work/scale/87k/store.db bench/work/scale/87k/models/*.cinerec [USERS]
//! # or fit here: a dataset path (MovieLens folder, CSV, …), a model, its JSON parameters
//! cargo run --profile ci -p cinerec-engine --example walk_probe -- \
//!     --fit data/ml-100k als '{"factors":64}' [USERS]
//! ```

use cinerec_core::{top_k, RecommendOptions, RecommenderExt, UserIdx, UserRef};
use std::time::Instant;

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: walk_probe STORE_URL MODEL_FILE [USERS] | --fit DATA MODEL PARAMS [USERS]";
    let first = args.next().ok_or(usage)?;
    let (data, model) = if first == "--fit" {
        let path = args.next().ok_or(usage)?;
        let name = args.next().ok_or(usage)?;
        let params: serde_json::Value = serde_json::from_str(&args.next().ok_or(usage)?)?;
        let opts = cinerec_data::loaders::LoadOptions::default();
        let data = cinerec_data::loaders::load(std::path::Path::new(&path), &opts)?;
        let mut model = cinerec_engine::create(&name, Some(&params))?;
        model.fit(&data, &mut cinerec_core::NoObserver)?;
        (data, model)
    } else {
        let data = cinerec_engine::source::load_store_url(&first)?;
        let path = args.next().ok_or(usage)?;
        let model = cinerec_engine::persist::load(std::path::Path::new(&path), &data)?;
        (data, model)
    };
    let sample: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(2000);
    let sample = sample.min(data.n_users());
    let n_users = data.n_users();
    println!(
        "{} users, {} movies, {} ratings; {sample} users sampled",
        n_users,
        data.n_items(),
        data.n_ratings()
    );
    let opts = RecommendOptions {
        n: 10,
        ..Default::default()
    };
    let (mut read, mut exact, mut t_walk, mut t_full) = (vec![], vec![], vec![], vec![]);
    let mut scores = Vec::new();
    let mut full = vec![0f32; data.n_items()];
    for s in 0..sample {
        let u = UserIdx((s * n_users / sample) as u32);
        let user = UserRef::Known(u);
        let Some(q) = model.dot_query(user) else {
            return Err("the model answers no dot_query (not ALS or BPR)".into());
        };
        let q = q?;
        let seen = data.user_ratings(u).0;
        let (_, walk) = q.top_n_walk(10, |i| seen.binary_search(&i).is_ok());
        read.push(walk.approximated as f64);
        exact.push(walk.exact as f64);
        let t = Instant::now();
        let got = model.recommend_into(&data, user, &opts, &mut scores)?;
        t_walk.push(t.elapsed().as_secs_f64() * 1e6);
        let t = Instant::now();
        model.score_all(user, &mut full)?;
        for &i in seen {
            full[i as usize] = f32::NEG_INFINITY;
        }
        let want = top_k(&full, 10);
        t_full.push(t.elapsed().as_secs_f64() * 1e6);
        assert_eq!(
            got, want,
            "user {u}: the walk's top-10 is not the exact one"
        );
    }
    let n = data.n_items() as f64;
    for (name, v) in [("codes read", &mut read), ("scored exactly", &mut exact)] {
        let (m, p90, max) = (pct(v, 0.5), pct(v, 0.9), pct(v, 1.0));
        println!(
            "rows {name}: median {m:.0} ({:.1} %), p90 {p90:.0} ({:.1} %), max {max:.0}",
            100.0 * m / n,
            100.0 * p90 / n
        );
    }
    println!(
        "recommend_into (the walk): median {:.1} us, p90 {:.1} us; full exact scan + top_k: median {:.1} us",
        pct(&mut t_walk, 0.5),
        pct(&mut t_walk, 0.9),
        pct(&mut t_full, 0.5)
    );
    println!("the same top-10 for all {sample} users");
    Ok(())
}
