//! Acceptance against the peer libraries on MovieLens-100K (ignored by default: needs the
//! peer splits). Run with
//! `CINEREC_PEERS=<dir with splits/ and reference_results.json> cargo test -p cinerec-models --test peers -- --ignored`
//! where `<dir>` is `shared/peers` after its `setup.sh` (or a copy). The reference figures are
//! read from `reference_results.json`, not written here.

use cinerec_core::{
    Catalog, Dataset, IdMap, Interactions, ItemIdx, ItemMeta, NoObserver, RecommendOptions,
    Recommender, RecommenderExt, UserIdx, UserMeta, UserRef,
};
use cinerec_engine::registry;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

fn peers_dir() -> PathBuf {
    PathBuf::from(
        std::env::var("CINEREC_PEERS")
            .expect("set CINEREC_PEERS to the peers folder (with splits/)"),
    )
}

/// `(user, item, rating)` rows of a split CSV (`user,item,rating,timestamp`).
fn read_split(name: &str) -> Vec<(u32, u32, f32)> {
    read_csv(name)
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].parse().unwrap(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
            )
        })
        .collect()
}

fn read_csv(name: &str) -> String {
    let p = peers_dir().join("splits").join(format!("{name}.csv"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn reference() -> Value {
    let p = peers_dir().join("reference_results.json");
    serde_json::from_str(
        &std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
    )
    .unwrap()
}

/// A dataset over `users` (sorted raw ids) × the 1,682-item catalogue, holding `train`.
fn dataset(users: &[u32], train: &[(u32, u32, f32)]) -> Dataset {
    let items: Vec<u32> = read_csv("items")
        .lines()
        .skip(1)
        .map(|l| l.trim().parse().unwrap())
        .collect();
    let cat = Catalog {
        users: IdMap::from_raw_sorted(users.iter().map(|u| u.to_string()).collect()),
        items: IdMap::from_raw_sorted(items.iter().map(|i| i.to_string()).collect()),
        item_meta: vec![ItemMeta::default(); items.len()],
        user_meta: vec![UserMeta::default(); users.len()],
        genre_names: vec![],
    };
    let mut r = Interactions::default();
    for &(u, i, v) in train {
        r.push(
            cat.user(&u.to_string()).unwrap().0,
            cat.item(&i.to_string()).unwrap().0,
            v,
            0,
        );
    }
    let mut d = Dataset::new("ml-100k peer split", Arc::new(cat), r);
    d.set_scale(1.0, 5.0);
    d
}

fn rmse(model: &str) -> f64 {
    let (train, test) = (read_split("ratings_train"), read_split("ratings_test"));
    let mut users: Vec<u32> = train
        .iter()
        .chain(&test)
        .map(|r| r.0)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    users.sort();
    let data = dataset(&users, &train);
    let mut m = registry::create(model, None).unwrap();
    m.fit(&data, &mut NoObserver).unwrap();
    let cat = data.catalog();
    let se: f64 = test
        .iter()
        .map(|&(u, i, r)| {
            let u = cat.user(&u.to_string()).unwrap();
            let p = m
                .predict(UserRef::Known(u), cat.item(&i.to_string()).unwrap())
                .unwrap();
            (p as f64 - r as f64).powi(2)
        })
        .sum();
    (se / test.len() as f64).sqrt()
}

/// (NDCG@10, P@10) on the temporal split with the peers' protocol (see `common.py`).
fn ranking(model: &str) -> (f64, f64) {
    let (train, test) = (read_split("temporal_train"), read_split("temporal_test"));
    let mut users: Vec<u32> = train
        .iter()
        .map(|r| r.0)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    users.sort();
    let data = dataset(&users, &train);
    let mut m: Box<dyn Recommender> = registry::create(model, None).unwrap();
    m.fit(&data, &mut NoObserver).unwrap();
    let mut rel: HashMap<u32, HashSet<ItemIdx>> = HashMap::new();
    for &(u, i, _) in &test {
        rel.entry(u)
            .or_default()
            .insert(data.catalog().item(&i.to_string()).unwrap());
    }
    let disc: Vec<f64> = (0..10).map(|k| 1.0 / ((k + 2) as f64).log2()).collect();
    let (mut ndcg, mut prec) = (0.0, 0.0);
    for (k, raw) in users.iter().enumerate() {
        let recs = m
            .recommend(
                &data,
                UserRef::Known(UserIdx(k as u32)),
                &RecommendOptions {
                    n: 10,
                    ..Default::default()
                },
            )
            .unwrap();
        let r = &rel[raw];
        let hits: Vec<f64> = recs
            .iter()
            .map(|s| if r.contains(&s.item) { 1.0 } else { 0.0 })
            .collect();
        let dcg: f64 = hits.iter().zip(&disc).map(|(h, d)| h * d).sum();
        ndcg += dcg / disc[..r.len().min(10)].iter().sum::<f64>();
        prec += hits.iter().sum::<f64>() / 10.0;
    }
    (ndcg / users.len() as f64, prec / users.len() as f64)
}

#[test]
#[ignore = "needs the peer splits: set CINEREC_PEERS"]
fn popularity_matches_the_peer_ranking_exactly() {
    let r = &reference()["peers"]["own"]["models"]["Popularity"]["ranking"];
    let (ndcg, p) = ranking("popularity");
    eprintln!(
        "popularity NDCG@10 {ndcg:.6} (peer {}), P@10 {p:.6} (peer {})",
        r["ndcg@10"], r["precision@10"]
    );
    assert!((ndcg - r["ndcg@10"].as_f64().unwrap()).abs() < 1e-9);
    assert!((p - r["precision@10"].as_f64().unwrap()).abs() < 1e-9);
}

#[test]
#[ignore = "needs the peer splits: set CINEREC_PEERS"]
fn baseline_rmse_within_0003_of_surprise() {
    let r = &reference()["peers"]["scikit-surprise"]["models"]["BaselineOnly"];
    let want = r["rating"]["rmse"].as_f64().unwrap();
    let got = rmse("baseline");
    eprintln!("baseline RMSE {got:.6} (Surprise {want:.6})");
    assert!((got - want).abs() <= 0.003);
    let (ndcg, p) = ranking("baseline");
    let rk = &r["ranking"];
    eprintln!(
        "baseline NDCG@10 {ndcg:.6} (Surprise {}), P@10 {p:.6} (Surprise {})",
        rk["ndcg@10"], rk["precision@10"]
    );
    assert!((ndcg - rk["ndcg@10"].as_f64().unwrap()).abs() < 1e-4);
    assert!((p - rk["precision@10"].as_f64().unwrap()).abs() < 1e-4);
}
