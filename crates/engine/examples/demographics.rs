//! New users from demographics (issue #18, point 2), measured on MovieLens-100K: a share of
//! the users (20 % by default, chosen by a seeded shuffle) is held out of training entirely;
//! popularity and each model (`--models`, default svd — what `serve` trains by default —,
//! als and the user autoencoder) are fitted on the others; each held-out user is then
//! recommended for as a new visitor (`UserRef::Profile`) through the engine's own path
//! (`cinerec_engine::query::top_n`, what `POST /recommend` and `cinerec rate` call) from
//! (a) popularity, (b) their demographics alone, (c) demographics + their k earliest
//! ratings (`--ks`, default 1, 3, 5, by time), (d) those k ratings without demographics, and (e) the
//! model's own use of demographics without the engine's prior (`score_all_with_meta`; only
//! the autoencoder has one).
//!
//! Every condition is scored on the same test set per user — their ratings after the K
//! earliest, K the largest k (so every k is comparable) — with the K earliest excluded from
//! every list, and
//! NDCG@10 / HR@10 are `cinerec_eval::metrics_from_lists` (the peers' definitions: every
//! test rating is relevant, whatever its value). One line per seed, then the mean over
//! seeds and the share of seeds where demographics alone beat popularity.
//!
//! ```sh
//! cargo run --profile ci -p cinerec-engine --example demographics -- \
//!     --data data/ml-100k --seeds 1,2,3 [--models svd,als,autoencoder] [--ks 1,3,5] [--json out.json]
//! ```

use cinerec_core::{
    Catalog, Dataset, IdMap, Interactions, ItemIdx, NoObserver, RecommendOptions, Recommender, Rng,
    UserIdx, UserMeta, UserRef,
};
use cinerec_data::loaders::{self, LoadOptions};
use cinerec_engine::coldstart::DemographicPrior;
use cinerec_engine::query::top_n;
use cinerec_eval::metrics_from_lists;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;

fn arg(name: &str) -> Option<String> {
    let a: Vec<String> = std::env::args().collect();
    a.iter()
        .position(|x| x == name)
        .and_then(|p| a.get(p + 1).cloned())
}

/// A held-out user: demographics and ratings by time.
struct Visitor {
    meta: UserMeta,
    by_time: Vec<(ItemIdx, f32)>,
}

/// The training set without the held-out users (their own catalogue of users), and the
/// held-out users.
fn hold_out(base: &Dataset, share: f64, seed: u64) -> (Dataset, Vec<Visitor>) {
    let cat = base.catalog();
    let mut order: Vec<u32> = (0..base.n_users() as u32).collect();
    Rng::new(seed).shuffle(&mut order);
    let n_out = (base.n_users() as f64 * share).round() as usize;
    let mut out = vec![false; base.n_users()];
    for &u in &order[..n_out] {
        out[u as usize] = true;
    }
    let kept: Vec<u32> = (0..base.n_users() as u32)
        .filter(|&u| !out[u as usize])
        .collect();
    let mut new_id = vec![u32::MAX; base.n_users()];
    for (k, &u) in kept.iter().enumerate() {
        new_id[u as usize] = k as u32;
    }
    let catalog = Catalog {
        users: IdMap::from_ordered(kept.iter().map(|&u| cat.users.raw(u).to_string()).collect()),
        user_meta: kept
            .iter()
            .map(|&u| cat.user_meta.get(u as usize).cloned().unwrap_or_default())
            .collect(),
        items: cat.items.clone(),
        item_meta: cat.item_meta.clone(),
        genre_names: cat.genre_names.clone(),
    };
    let mut ratings = Interactions::with_capacity(base.n_ratings());
    let mut visitors: Vec<Vec<(u32, ItemIdx, f32)>> = vec![Vec::new(); base.n_users()];
    let m = base.matrix();
    for u in 0..base.n_users() as u32 {
        let (items, values) = base.user_ratings(UserIdx(u));
        let times = m.user_times(UserIdx(u));
        for ((&i, &v), &t) in items.iter().zip(values).zip(times) {
            if out[u as usize] {
                visitors[u as usize].push((t, ItemIdx(i), v));
            } else {
                ratings.push(new_id[u as usize], i, v, t);
            }
        }
    }
    let (lo, hi) = base.rating_scale();
    let mut train = Dataset::new("ml-100k-kept", Arc::new(catalog), ratings);
    train.set_scale(lo, hi);
    let held = order[..n_out]
        .iter()
        .map(|&u| {
            let mut r = std::mem::take(&mut visitors[u as usize]);
            r.sort_by_key(|x| (x.0, x.1));
            Visitor {
                meta: cat.user_meta.get(u as usize).cloned().unwrap_or_default(),
                by_time: r.into_iter().map(|(_, i, v)| (i, v)).collect(),
            }
        })
        .collect();
    (train, held)
}

/// Top 10 through the engine's path, the visitor's first ratings excluded.
fn top10(
    model: &dyn Recommender,
    train: &Dataset,
    profile: &[(ItemIdx, f32)],
    meta: Option<&UserMeta>,
    prior: Option<&DemographicPrior>,
    first: &[(ItemIdx, f32)],
    scores: &mut Vec<f32>,
) -> Result<Option<Vec<u32>>, Box<dyn std::error::Error>> {
    let not_first = |i: ItemIdx| !first.iter().any(|f| f.0 == i);
    let opts = RecommendOptions {
        n: 10,
        include_seen: false,
        filter: Some(&not_first),
    };
    let user = UserRef::Profile(profile);
    let top = top_n(model, train, user, meta, prior, &opts, scores)?;
    Ok(Some(top.iter().map(|x| x.item.0).collect()))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = arg("--data").unwrap_or_else(|| "data/ml-100k".into());
    let seeds: Vec<u64> = arg("--seeds")
        .unwrap_or_else(|| "1,2,3".into())
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()?;
    let share: f64 = arg("--share").map_or(Ok(0.2), |s| s.parse())?;
    let models: Vec<String> = arg("--models")
        .unwrap_or_else(|| "svd,als,autoencoder".into())
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    let ks: Vec<usize> = arg("--ks")
        .unwrap_or_else(|| "1,3,5".into())
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()?;
    let k_max = ks.iter().copied().max().unwrap_or(0);
    let base = loaders::load(std::path::Path::new(&data), &LoadOptions::default())?;
    if !base.matrix().has_times() {
        return Err("the dataset has no timestamps: the earliest ratings cannot be told".into());
    }
    let mut conditions: Vec<String> = vec!["popularity".into()];
    for m in &models {
        conditions.push(format!("{m}, demographics only"));
        conditions.push(format!("{m}, demographics only, no prior"));
        for &k in &ks {
            conditions.push(format!("{m}, {k} ratings + demographics"));
            conditions.push(format!("{m}, {k} ratings"));
        }
    }
    let mut all: Vec<Value> = Vec::new();
    let mut sums = vec![(0f64, 0f64); conditions.len()];
    let mut demo_beats_pop = vec![0usize; models.len()];
    let mut fit_total = vec![0f64; models.len()];
    for &seed in &seeds {
        let (train, held) = hold_out(&base, share, seed);
        let prior = DemographicPrior::build(&train).ok_or("no user has demographics")?;
        let mut pop = cinerec_engine::create("popularity", None)?;
        pop.fit(&train, &mut NoObserver)?;
        let mut fitted = Vec::with_capacity(models.len());
        for (k, name) in models.iter().enumerate() {
            let start = Instant::now();
            let mut m = cinerec_engine::create(name, None)?;
            m.fit(&train, &mut NoObserver)?;
            fit_total[k] += start.elapsed().as_secs_f64();
            fitted.push(m);
        }
        let held: Vec<&Visitor> = held.iter().filter(|v| v.by_time.len() > k_max).collect();
        let mut lists: Vec<Vec<Option<Vec<u32>>>> = vec![Vec::new(); conditions.len()];
        let mut relevant = Vec::with_capacity(held.len());
        let mut s = Vec::new();
        for v in &held {
            relevant.push({
                let mut r: Vec<u32> = v.by_time[k_max..].iter().map(|x| x.0 .0).collect();
                r.sort_unstable();
                r.dedup();
                r
            });
            let first = &v.by_time[..k_max];
            let meta = Some(&v.meta);
            let mut c = 0;
            let mut push = |l: Option<Vec<u32>>| {
                lists[c].push(l);
                c += 1;
            };
            push(top10(pop.as_ref(), &train, &[], None, None, first, &mut s)?);
            for m in &fitted {
                let m = m.as_ref();
                push(top10(m, &train, &[], meta, Some(&prior), first, &mut s)?);
                push(top10(m, &train, &[], meta, None, first, &mut s)?);
                for &k in &ks {
                    let mut p = first[..k].to_vec();
                    p.sort_by_key(|x| x.0);
                    push(top10(m, &train, &p, meta, Some(&prior), first, &mut s)?);
                    push(top10(m, &train, &p, None, None, first, &mut s)?);
                }
            }
        }
        let users: Vec<UserIdx> = (0..held.len() as u32).map(UserIdx).collect();
        let mut row = serde_json::Map::new();
        println!(
            "seed {seed}: {} held-out users, {} training users",
            held.len(),
            train.n_users()
        );
        println!("  {:<42} {:>8} {:>8}", "condition", "NDCG@10", "HR@10");
        for (k, name) in conditions.iter().enumerate() {
            let m = metrics_from_lists(&users, &lists[k], &relevant, &train, 10)?;
            println!("  {name:<42} {:>8.4} {:>8.4}", m.ndcg, m.hitrate);
            sums[k].0 += m.ndcg;
            sums[k].1 += m.hitrate;
            row.insert(name.clone(), json!({"ndcg@10": m.ndcg, "hr@10": m.hitrate}));
        }
        let ndcg = |name: &str| row[name]["ndcg@10"].as_f64().unwrap_or(0.0);
        for (k, m) in models.iter().enumerate() {
            if ndcg(&format!("{m}, demographics only")) > ndcg("popularity") {
                demo_beats_pop[k] += 1;
            }
        }
        all.push(json!({"seed": seed, "held_out_users": held.len(), "metrics": row}));
    }
    let n = seeds.len() as f64;
    println!("mean over {} seeds:", seeds.len());
    println!("  {:<42} {:>8} {:>8}", "condition", "NDCG@10", "HR@10");
    for (k, name) in conditions.iter().enumerate() {
        println!("  {name:<42} {:>8.4} {:>8.4}", sums[k].0 / n, sums[k].1 / n);
    }
    for (k, m) in models.iter().enumerate() {
        println!(
            "{m} (fit {:.1} s per seed): demographics alone beat popularity's NDCG@10 on {} of {} seeds",
            fit_total[k] / n,
            demo_beats_pop[k],
            seeds.len()
        );
    }
    if let Some(path) = arg("--json") {
        let body = json!({"data": data, "share": share, "seeds": seeds, "models": models,
            "ks": ks, "runs": all});
        std::fs::write(path, serde_json::to_string_pretty(&body)? + "\n")?;
    }
    Ok(())
}
