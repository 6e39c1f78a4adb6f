//! ALS and BPR on small synthetic data with planted taste clusters: they must beat popularity
//! on held-out in-cluster items, be deterministic per seed (ALS also across thread counts),
//! fold a user's ratings in to about the trained user's scores, and CG ALS must agree with
//! exact (Cholesky) ALS.

use cinerec_core::{
    Catalog, Dataset, EpochReport, FitObserver, IdMap, Interactions, ItemIdx, ItemMeta, NoObserver,
    RecommendOptions, Recommender, RecommenderExt, Rng, UserIdx, UserMeta, UserRef,
};
use cinerec_models::{Als, AlsParams, Bpr, BprParams, Popularity};
use std::sync::Arc;

const USERS: usize = 240;
const ITEMS: usize = 160;
const CLUSTERS: u32 = 4;

/// Users and items in 4 clusters (`id % 4`); each user rates ~35% of their cluster's items
/// (lower ids more often) and 3 random others. Returns (train, held-out in-cluster items per user).
fn planted(seed: u64) -> (Dataset, Vec<Vec<u32>>) {
    let mut rng = Rng::new(seed);
    let mut train = Interactions::default();
    let mut held = vec![vec![]; USERS];
    for u in 0..USERS as u32 {
        let mut mine: Vec<u32> = (0..ITEMS as u32)
            .filter(|i| {
                i % CLUSTERS == u % CLUSTERS && rng.f64() < 0.6 - 0.5 * *i as f64 / ITEMS as f64
            })
            .collect();
        rng.shuffle(&mut mine);
        let test = mine.split_off(mine.len().saturating_sub(3));
        for _ in 0..3 {
            let i = rng.below(ITEMS as u64) as u32;
            if i % CLUSTERS != u % CLUSTERS {
                mine.push(i);
            }
        }
        for i in mine {
            train.push(u, i, 4.0, 1);
        }
        held[u as usize] = test;
    }
    let catalog = Arc::new(Catalog {
        users: IdMap::from_ordered((1..=USERS).map(|u| u.to_string()).collect()),
        items: IdMap::from_ordered((1..=ITEMS).map(|i| i.to_string()).collect()),
        item_meta: vec![ItemMeta::default(); ITEMS],
        user_meta: vec![UserMeta::default(); USERS],
        genre_names: vec![],
    });
    (Dataset::new("planted", catalog, train), held)
}

fn fit(mut m: Box<dyn Recommender>, data: &Dataset) -> Box<dyn Recommender> {
    m.fit(data, &mut NoObserver).expect("fit");
    m
}

/// Held-out items found in the top 10 over all users.
fn hits(m: &dyn Recommender, data: &Dataset, held: &[Vec<u32>]) -> usize {
    let opts = RecommendOptions {
        n: 10,
        ..Default::default()
    };
    (0..USERS)
        .map(|u| {
            let recs = m
                .recommend(data, UserRef::Known(UserIdx(u as u32)), &opts)
                .unwrap();
            recs.iter().filter(|r| held[u].contains(&r.item.0)).count()
        })
        .sum()
}

fn als(p: AlsParams) -> Box<dyn Recommender> {
    Box::new(Als::new(p))
}
fn bpr(p: BprParams) -> Box<dyn Recommender> {
    Box::new(Bpr::new(p))
}
fn small_als() -> AlsParams {
    AlsParams {
        factors: 16,
        regularization: 1.0,
        ..Default::default()
    }
}
fn small_bpr() -> BprParams {
    BprParams {
        factors: 16,
        learning_rate: 0.05,
        ..Default::default()
    }
}

fn scores(m: &dyn Recommender, u: UserRef<'_>) -> Vec<f32> {
    let mut s = vec![0f32; ITEMS];
    m.score_all(u, &mut s).unwrap();
    s
}

#[test]
fn als_and_bpr_beat_popularity_on_planted_clusters() {
    let (data, held) = planted(1);
    let pop = hits(
        fit(Box::new(Popularity::default()), &data).as_ref(),
        &data,
        &held,
    );
    let a = hits(fit(als(small_als()), &data).as_ref(), &data, &held);
    let b = hits(fit(bpr(small_bpr()), &data).as_ref(), &data, &held);
    let total: usize = held.iter().map(Vec::len).sum();
    assert!(
        a as f64 > 1.5 * pop as f64,
        "als {a} vs popularity {pop} of {total}"
    );
    assert!(
        b as f64 > 1.5 * pop as f64,
        "bpr {b} vs popularity {pop} of {total}"
    );
}

#[test]
fn deterministic_per_seed_and_als_across_thread_counts() {
    let (data, _) = planted(2);
    let als_factors = |threads, seed| {
        let mut m = Als::new(AlsParams {
            threads,
            seed,
            ..small_als()
        });
        m.fit(&data, &mut NoObserver).unwrap();
        m.factors().unwrap().clone()
    };
    assert_eq!(
        als_factors(1, 42),
        als_factors(2, 42),
        "ALS differs between 1 and 2 threads"
    );
    assert_eq!(als_factors(2, 42), als_factors(3, 42));
    assert_ne!(
        als_factors(2, 42),
        als_factors(2, 7),
        "the seed must matter"
    );
    let bpr_factors = |seed| {
        let mut m = Bpr::new(BprParams {
            seed,
            ..small_bpr()
        });
        m.fit(&data, &mut NoObserver).unwrap();
        m.factors().unwrap().clone()
    };
    assert_eq!(bpr_factors(42), bpr_factors(42));
    assert_ne!(bpr_factors(42), bpr_factors(7));
}

/// Users whose top-10 from the trained vector and from the folded-in profile share ≥ `min`.
fn top10_agreement(m: &dyn Recommender, data: &Dataset, min: usize) -> usize {
    let opts = RecommendOptions {
        n: 10,
        ..Default::default()
    };
    (0..USERS as u32)
        .filter(|&u| {
            let known = m
                .recommend(data, UserRef::Known(UserIdx(u)), &opts)
                .unwrap();
            let (items, vals) = data.user_ratings(UserIdx(u));
            let prof: Vec<(ItemIdx, f32)> = items
                .iter()
                .zip(vals)
                .map(|(&i, &v)| (ItemIdx(i), v))
                .collect();
            let folded = m.recommend(data, UserRef::Profile(&prof), &opts).unwrap();
            known
                .iter()
                .filter(|k| folded.iter().any(|f| f.item == k.item))
                .count()
                >= min
        })
        .count()
}

#[test]
fn fold_in_reproduces_trained_users() {
    let (data, _) = planted(3);
    // exact ALS, converged: the fold-in is the user half-step, so scores agree closely
    let m = fit(
        als(AlsParams {
            use_cg: false,
            iterations: 300,
            ..small_als()
        }),
        &data,
    );
    let mut worst = 0f32;
    for u in 0..USERS as u32 {
        let (items, vals) = data.user_ratings(UserIdx(u));
        let prof: Vec<(ItemIdx, f32)> = items
            .iter()
            .zip(vals)
            .map(|(&i, &v)| (ItemIdx(i), v))
            .collect();
        let (a, b) = (
            scores(m.as_ref(), UserRef::Known(UserIdx(u))),
            scores(m.as_ref(), UserRef::Profile(&prof)),
        );
        let scale = a.iter().fold(0f32, |s, x| s.max(x.abs())).max(1e-3);
        worst = worst.max(
            a.iter()
                .zip(&b)
                .map(|(x, y)| (x - y).abs() / scale)
                .fold(0.0, f32::max),
        );
    }
    assert!(
        worst < 1e-3,
        "ALS fold-in differs from the trained user by {worst} (relative)"
    );
    // default CG ALS: same top 10 for nearly everyone
    let m = fit(als(small_als()), &data);
    assert!(top10_agreement(m.as_ref(), &data, 9) >= USERS * 9 / 10);
    // BPR fold-in is SGD on the user alone: most of the top 10 agree
    let m = fit(bpr(small_bpr()), &data);
    assert!(top10_agreement(m.as_ref(), &data, 6) >= USERS * 3 / 4);
}

#[test]
fn a_new_rating_moves_recommendations_towards_its_cluster() {
    let (data, _) = planted(4);
    for m in [fit(als(small_als()), &data), fit(bpr(small_bpr()), &data)] {
        let cluster_mean = |s: &[f32], c: u32| {
            let v: Vec<f32> = (0..ITEMS as u32)
                .filter(|i| i % CLUSTERS == c)
                .map(|i| s[i as usize])
                .collect();
            v.iter().sum::<f32>() / v.len() as f32
        };
        let one = [(ItemIdx(0), 4.0)];
        let two = [(ItemIdx(0), 4.0), (ItemIdx(1), 4.0), (ItemIdx(5), 4.0)];
        let (a, b) = (
            scores(m.as_ref(), UserRef::Profile(&one)),
            scores(m.as_ref(), UserRef::Profile(&two)),
        );
        assert!(cluster_mean(&a, 0) > cluster_mean(&a, 1), "{}", m.name());
        assert!(
            cluster_mean(&b, 1) - cluster_mean(&b, 2) > cluster_mean(&a, 1) - cluster_mean(&a, 2),
            "{}",
            m.name()
        );
    }
}

#[test]
fn cg_agrees_with_exact_als() {
    let (data, _) = planted(5);
    let run = |use_cg, cg_steps| {
        let mut m = Als::new(AlsParams {
            factors: 4,
            iterations: 8,
            use_cg,
            cg_steps,
            ..small_als()
        });
        m.fit(&data, &mut NoObserver).unwrap();
        m.factors().unwrap().clone()
    };
    // CG in k = 4 dimensions converges in 4 steps: both follow the same trajectory
    let (cg, exact) = (run(true, 6), run(false, 0));
    let diff = cg
        .users
        .iter()
        .chain(&cg.items)
        .zip(exact.users.iter().chain(&exact.items));
    let worst = diff.map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    let scale = exact.items.iter().fold(0f32, |s, x| s.max(x.abs()));
    assert!(
        worst < 1e-3 * scale.max(1.0),
        "CG vs exact: {worst} (scale {scale})"
    );
}

#[derive(Default)]
struct Losses(Vec<f64>);
impl FitObserver for Losses {
    fn on_epoch(&mut self, r: &EpochReport) {
        self.0.push(r.train_loss);
    }
}

#[test]
fn exact_als_loss_never_increases() {
    let (data, _) = planted(6);
    let mut m = Als::new(AlsParams {
        use_cg: false,
        calculate_training_loss: true,
        iterations: 10,
        ..small_als()
    });
    let mut obs = Losses::default();
    m.fit(&data, &mut obs).unwrap();
    assert_eq!(obs.0.len(), 10);
    for w in obs.0.windows(2) {
        assert!(w[1] <= w[0] * (1.0 + 1e-5), "loss went up: {:?}", obs.0);
    }
    assert!(obs.0[9] < obs.0[0]);
}

#[test]
fn als_on_its_lean_matrix_equals_als_on_the_full_one() {
    let (data, _) = planted(11);
    for use_ratings in [false, true] {
        let p = AlsParams {
            use_ratings,
            ..small_als()
        };
        let keep = Als::new(p.clone()).data_needs();
        assert!(!keep.times);
        assert_eq!(keep.item_positions, use_ratings);
        let lean = Dataset::new_keeping(
            "planted",
            data.catalog().clone(),
            data.matrix().to_interactions(),
            keep,
        );
        assert_eq!(lean.hash(), data.hash());
        assert!(lean.heap_bytes() < data.heap_bytes());
        let (a, b) = (fit(als(p.clone()), &data), fit(als(p), &lean));
        let u = UserRef::Known(UserIdx(3));
        assert_eq!(scores(a.as_ref(), u), scores(b.as_ref(), u));
    }
}
