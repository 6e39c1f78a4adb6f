//! New users from demographics (issue #18, point 2), measured on MovieLens-100K: a share of
//! the users (20 % by default, chosen by a seeded shuffle) is held out of training entirely;
//! popularity and the user autoencoder are fitted on the others; each held-out user is then
//! recommended for as a new visitor (`UserRef::Profile`) from
//! (a) popularity, (b) their demographics alone, (c) demographics + their k earliest
//! ratings (k = 1, 3, 5, by time), (d) those k ratings without demographics — plus two
//! reference rows: the autoencoder with nothing at all (its baseline) and
//! "demographic popularity" (movies counted over the training users weighted by how many of
//! age bucket, gender and occupation they share with the visitor; ties by popularity).
//!
//! Every condition is scored on the same test set per user — their ratings after the 5
//! earliest (so k = 0…5 are comparable) — with the 5 earliest excluded from every list, and
//! NDCG@10 / HR@10 are `cinerec_eval::metrics_from_lists` (the peers' definitions: every
//! test rating is relevant, whatever its value). One line per seed, then the mean over
//! seeds and the share of seeds where demographics alone beat popularity.
//!
//! ```sh
//! cargo run --profile ci -p cinerec-engine --example demographics -- \
//!     --data data/ml-100k --seeds 1,2,3 [--params '{"epochs": 70}'] [--json out.json]
//! ```

use cinerec_core::{
    top_k, Catalog, Dataset, IdMap, Interactions, ItemIdx, NoObserver, Rng, UserIdx, UserMeta,
    UserRef,
};
use cinerec_data::loaders::{self, LoadOptions};
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

/// Age bucket as the autoencoder encodes it (MovieLens-1M's groups).
fn bucket(age: Option<u16>) -> Option<usize> {
    age.map(|a| {
        [18, 25, 35, 45, 50, 56]
            .iter()
            .take_while(|&&b| a >= b)
            .count()
    })
}

/// Demographic popularity: each training user's movies counted with weight = the number of
/// demographic fields they share with `meta`, plus a 1e-3 share of plain popularity.
fn demo_popularity(train: &Dataset, meta: &UserMeta, out: &mut [f32]) {
    out.iter_mut().for_each(|x| *x = 0.0);
    for u in 0..train.n_users() {
        let m = &train.catalog().user_meta[u];
        let mut w = 1e-3f32;
        w += f32::from(bucket(m.age).is_some() && bucket(m.age) == bucket(meta.age));
        w += f32::from(m.gender.is_some() && m.gender == meta.gender);
        w += f32::from(m.occupation.is_some() && m.occupation == meta.occupation);
        for &i in train.user_ratings(UserIdx(u as u32)).0 {
            out[i as usize] += w;
        }
    }
}

const K_MAX: usize = 5;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = arg("--data").unwrap_or_else(|| "data/ml-100k".into());
    let seeds: Vec<u64> = arg("--seeds")
        .unwrap_or_else(|| "1,2,3".into())
        .split(',')
        .map(|s| s.trim().parse())
        .collect::<Result<_, _>>()?;
    let share: f64 = arg("--share").map_or(Ok(0.2), |s| s.parse())?;
    let params: Option<Value> = arg("--params")
        .map(|p| serde_json::from_str(&p))
        .transpose()?;
    let base = loaders::load(std::path::Path::new(&data), &LoadOptions::default())?;
    if !base.matrix().has_times() {
        return Err("the dataset has no timestamps: the earliest ratings cannot be told".into());
    }
    let mut conditions: Vec<String> = vec![
        "popularity".into(),
        "demographic popularity".into(),
        "autoencoder, nothing (baseline)".into(),
        "autoencoder, demographics only".into(),
    ];
    for k in [1, 3, 5] {
        conditions.push(format!("autoencoder, {k} ratings + demographics"));
        conditions.push(format!("autoencoder, {k} ratings"));
    }
    let mut all: Vec<Value> = Vec::new();
    let mut sums = vec![(0f64, 0f64); conditions.len()];
    let mut demo_beats_pop = 0;
    for &seed in &seeds {
        let (train, held) = hold_out(&base, share, seed);
        let start = Instant::now();
        let mut pop = cinerec_engine::create("popularity", None)?;
        pop.fit(&train, &mut NoObserver)?;
        let mut ae = cinerec_engine::create("autoencoder", params.as_ref())?;
        ae.fit(&train, &mut NoObserver)?;
        let fit_s = start.elapsed().as_secs_f64();
        let held: Vec<&Visitor> = held.iter().filter(|v| v.by_time.len() > K_MAX).collect();
        let mut lists: Vec<Vec<Option<Vec<u32>>>> = vec![Vec::new(); conditions.len()];
        let mut relevant = Vec::with_capacity(held.len());
        let mut s = vec![0f32; train.n_items()];
        for v in &held {
            relevant.push({
                let mut r: Vec<u32> = v.by_time[K_MAX..].iter().map(|x| x.0 .0).collect();
                r.sort_unstable();
                r.dedup();
                r
            });
            let first = &v.by_time[..K_MAX];
            let meta = Some(&v.meta);
            let top = |s: &mut [f32]| {
                for &(i, _) in first {
                    s[i.ix()] = f32::NEG_INFINITY;
                }
                Some(top_k(s, 10).iter().map(|x| x.item.0).collect::<Vec<u32>>())
            };
            let mut c = 0;
            let mut push = |l: Option<Vec<u32>>| {
                lists[c].push(l);
                c += 1;
            };
            pop.score_all(UserRef::Profile(&[]), &mut s)?;
            push(top(&mut s));
            demo_popularity(&train, &v.meta, &mut s);
            push(top(&mut s));
            ae.score_all(UserRef::Profile(&[]), &mut s)?;
            push(top(&mut s));
            ae.score_all_with_meta(UserRef::Profile(&[]), meta, &mut s)?;
            push(top(&mut s));
            for k in [1, 3, 5] {
                let mut p = first[..k].to_vec();
                p.sort_by_key(|x| x.0);
                ae.score_all_with_meta(UserRef::Profile(&p), meta, &mut s)?;
                push(top(&mut s));
                ae.score_all(UserRef::Profile(&p), &mut s)?;
                push(top(&mut s));
            }
        }
        let users: Vec<UserIdx> = (0..held.len() as u32).map(UserIdx).collect();
        let mut row = serde_json::Map::new();
        println!(
            "seed {seed}: {} held-out users, {} training users, fit {fit_s:.1} s",
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
        let ndcg = |k: usize| row[&conditions[k]]["ndcg@10"].as_f64().unwrap_or(0.0);
        if ndcg(3) > ndcg(0) {
            demo_beats_pop += 1;
        }
        all.push(json!({"seed": seed, "held_out_users": held.len(), "fit_seconds": fit_s, "metrics": row}));
    }
    let n = seeds.len() as f64;
    println!("mean over {} seeds:", seeds.len());
    println!("  {:<42} {:>8} {:>8}", "condition", "NDCG@10", "HR@10");
    for (k, name) in conditions.iter().enumerate() {
        println!("  {name:<42} {:>8.4} {:>8.4}", sums[k].0 / n, sums[k].1 / n);
    }
    println!(
        "demographics alone beat popularity's NDCG@10 on {demo_beats_pop} of {} seeds",
        seeds.len()
    );
    if let Some(path) = arg("--json") {
        let body =
            json!({"data": data, "share": share, "seeds": seeds, "params": params, "runs": all});
        std::fs::write(path, serde_json::to_string_pretty(&body)? + "\n")?;
    }
    Ok(())
}
