//! Behaviour of the neighbourhood and content models (item-KNN, EASE, TF-IDF, hybrid) and of
//! MMR re-ranking on small generated data with planted structure: three item clusters, one
//! genre and one director per cluster, users who rate within their own cluster.

use cinerec_core::{
    Catalog, CoreError, Dataset, IdMap, Interactions, ItemIdx, ItemMeta, NoObserver,
    RecommendOptions, Recommender, RecommenderExt, Rng, Scored, UserIdx, UserMeta, UserRef,
};
use cinerec_data::split::{carve_validation, SplitSpec};
use cinerec_engine::create;
use cinerec_eval::tune::{tune, Objective, SearchSpace, TuneConfig};
use cinerec_models::rerank::{mmr, DiversityBy, MmrOptions};
use cinerec_models::{Hybrid, HybridParams};
use serde_json::json;
use std::sync::Arc;

const PER: u32 = 12; // items per cluster
const CLUSTERS: u32 = 3;
const RATED: u32 = PER * CLUSTERS; // items 0..36 are rated; 36..40 are new
const ITEMS: u32 = RATED + 4;
const USERS: u32 = 60;

fn cluster(i: u32) -> u32 {
    if i < RATED {
        i / PER
    } else {
        (i - RATED) % CLUSTERS
    }
}

/// Users rate 6–9 movies of their own cluster (4–5 stars), lower ids more often, plus one
/// movie of another cluster (1–2 stars). Items 36..40 (new) have metadata but no rating.
fn data() -> Dataset {
    let mut rng = Rng::new(11);
    let mut r = Interactions::default();
    for u in 0..USERS {
        let c = u % CLUSTERS;
        let mut t = 0;
        for k in 0..PER {
            if k < 3 || rng.f64() < 0.7 - 0.04 * k as f64 {
                r.push(u, c * PER + k, 4.0 + (rng.f64() < 0.5) as u8 as f32, t);
                t += 1;
            }
        }
        let other = ((c + 1) % CLUSTERS) * PER + rng.below(PER as u64) as u32;
        r.push(u, other, 1.0 + (rng.f64() < 0.5) as u8 as f32, t);
    }
    let item_meta = (0..ITEMS)
        .map(|i| ItemMeta {
            title: Some(format!("Movie {i}")),
            year: Some(1990),
            genres: vec![cluster(i) as u16],
            relations: vec![("director".into(), format!("d{}", cluster(i)))],
            ..Default::default()
        })
        .collect();
    let cat = Catalog {
        users: IdMap::from_ordered((1..=USERS).map(|u| u.to_string()).collect()),
        items: IdMap::from_ordered((1..=ITEMS).map(|i| i.to_string()).collect()),
        item_meta,
        user_meta: vec![UserMeta::default(); USERS as usize],
        genre_names: vec!["Action".into(), "Comedy".into(), "Drama".into()],
    };
    let mut d = Dataset::new("clusters", Arc::new(cat), r);
    d.set_scale(1.0, 5.0);
    d
}

fn fitted(name: &str, params: serde_json::Value) -> Box<dyn Recommender> {
    let mut m = create(name, Some(&params)).unwrap();
    m.fit(&data(), &mut NoObserver).unwrap();
    m
}

fn items(v: &[Scored]) -> Vec<u32> {
    v.iter().map(|s| s.item.0).collect()
}

#[test]
fn similar_items_of_a_planted_cluster_come_from_the_cluster() {
    let d = data();
    for (name, p) in [
        ("itemknn", json!({})),
        (
            "itemknn",
            json!({"similarity": "cosine", "shrinkage": 10.0}),
        ),
        ("ease", json!({"lambda": 5.0})),
        ("tfidf", json!({})),
        ("hybrid", json!({"collaborative": "itemknn"})),
    ] {
        let m = fitted(name, p.clone());
        for i in [0, PER + 1, 2 * PER + 2] {
            let sim = m.similar_items(d.n_items(), ItemIdx(i), 5).unwrap();
            assert_eq!(sim.len(), 5);
            for s in &sim {
                assert_eq!(cluster(s.item.0), cluster(i), "{name} {p}: {i} -> {sim:?}");
            }
        }
    }
}

#[test]
fn explanations_name_the_users_movies_from_the_same_cluster() {
    let d = data();
    let m = fitted("ease", json!({"lambda": 5.0, "half_life": null}));
    let u = UserIdx(0); // cluster 0
    let top = m
        .recommend(
            &d,
            UserRef::Known(u),
            &RecommendOptions {
                n: 1,
                ..Default::default()
            },
        )
        .unwrap();
    let why = m.explain(&d, UserRef::Known(u), top[0].item, 3).unwrap();
    assert!(!why.is_empty());
    assert!(
        why.iter()
            .all(|c| cluster(c.item.0) == 0 && d.has_rated(u, c.item)),
        "{why:?}"
    );
}

#[test]
fn itemknn_predicts_the_baseline_without_enough_neighbours_and_ranks_the_cluster_first() {
    let d = data();
    let knn = fitted("itemknn", json!({"min_k": 1000}));
    let base = fitted("baseline", json!({}));
    for i in [0u32, 5, 20, 37] {
        let u = UserRef::Known(UserIdx(3));
        assert_eq!(
            knn.predict(u, ItemIdx(i)).unwrap(),
            base.predict(u, ItemIdx(i)).unwrap()
        );
    }
    let knn = fitted("itemknn", json!({}));
    let recs = knn
        .recommend(
            &d,
            UserRef::Known(UserIdx(1)),
            &RecommendOptions {
                n: 3,
                ..Default::default()
            },
        )
        .unwrap();
    assert!(recs.iter().all(|s| cluster(s.item.0) == 1), "{recs:?}");
    // Own-cluster neighbours pull a user's prediction towards their (high) cluster ratings.
    let p_own = knn
        .predict(UserRef::Known(UserIdx(1)), ItemIdx(PER + 11))
        .unwrap();
    assert!(p_own > 3.5, "{p_own}");
}

#[test]
fn ease_refuses_above_max_items_naming_the_memory() {
    let mut m = create("ease", Some(&json!({"max_items": 10}))).unwrap();
    match m.fit(&data(), &mut NoObserver) {
        Err(CoreError::InvalidParam { name, reason }) => {
            assert_eq!(name, "max_items");
            assert!(
                // The dense set is the rated movies (36 of 40; the new ones have no weights).
                reason.contains(&format!("{RATED}² × 20 bytes")) && reason.contains("GiB"),
                "{reason}"
            );
        }
        other => panic!("expected InvalidParam, got {:?}", other.map(|_| ())),
    }
    assert!(create("ease", Some(&json!({"lambda": -1.0}))).is_err());
}

#[test]
fn tfidf_finds_a_new_unrated_movie_by_its_features() {
    let d = data();
    let m = fitted("tfidf", json!({}));
    let new = ItemIdx(RATED + 1); // cluster 1, nobody rated it
    assert_eq!(d.matrix().item_count(new), 0);
    let sim = m.similar_items(d.n_items(), new, 8).unwrap();
    assert!(
        sim.iter().all(|s| cluster(s.item.0) == 1 && s.score > 0.0),
        "{sim:?}"
    );
    // For a cluster-1 fan the new movie scores as high as any unseen movie, above other clusters.
    let fan: Vec<(ItemIdx, f32)> = vec![
        (ItemIdx(PER), 5.0),
        (ItemIdx(PER + 1), 4.0),
        (ItemIdx(0), 1.0),
    ];
    let mut s = vec![0f32; d.n_items()];
    m.score_all(UserRef::Profile(&fan), &mut s).unwrap();
    let unseen = |i: &u32| !fan.iter().any(|f| f.0 .0 == *i);
    let best = (0..ITEMS)
        .filter(unseen)
        .map(|i| s[i as usize])
        .fold(f32::MIN, f32::max);
    assert!((s[new.ix()] - best).abs() < 1e-6, "{s:?}");
    let other = (0..ITEMS).filter(|&i| cluster(i) != 1);
    assert!(
        other.map(|i| s[i as usize]).all(|x| x < best - 0.1),
        "{s:?}"
    );
}

/// `list` is a top list under `scores` up to float ties: non-increasing, and no movie left
/// out (unseen by `u`) scores higher than the last one listed.
fn is_top_list_of(list: &[u32], scores: &[f32], d: &Dataset, u: u32) -> bool {
    let eps = 1e-5 * scores.iter().fold(1f32, |a, b| a.max(b.abs()));
    let ordered = list
        .windows(2)
        .all(|w| scores[w[0] as usize] >= scores[w[1] as usize] - eps);
    let last = scores[*list.last().unwrap() as usize];
    let rest = (0..ITEMS)
        .filter(|i| !list.contains(i) && !d.has_rated(UserIdx(u), ItemIdx(*i)))
        .all(|i| scores[i as usize] <= last + eps);
    ordered && rest
}

fn ranking(m: &dyn Recommender, d: &Dataset, u: u32) -> Vec<u32> {
    let o = RecommendOptions {
        n: 8,
        ..Default::default()
    };
    items(&m.recommend(d, UserRef::Known(UserIdx(u)), &o).unwrap())
}

#[test]
fn hybrid_weights_one_and_zero_reproduce_the_components() {
    let d = data();
    let collab = fitted("itemknn", json!({}));
    let content = fitted("tfidf", json!({}));
    let h1 = fitted(
        "hybrid",
        json!({"collaborative": "itemknn", "weight": 1.0, "cold_start_min": 0}),
    );
    let h0 = fitted(
        "hybrid",
        json!({"collaborative": "itemknn", "weight": 0.0, "cold_start_min": 0}),
    );
    let mut s = vec![0f32; d.n_items()];
    for u in 0..USERS {
        for (h, c) in [(&h1, &collab), (&h0, &content)] {
            c.score_all(UserRef::Known(UserIdx(u)), &mut s).unwrap();
            let list = ranking(h.as_ref(), &d, u);
            assert!(is_top_list_of(&list, &s, &d, u), "user {u}: {list:?} {s:?}");
        }
    }
}

#[test]
fn hybrid_cold_start_chain() {
    let d = data();
    let factory = |n: &str, p: Option<&serde_json::Value>| create(n, p).map_err(|e| e.to_string());
    let params = HybridParams {
        collaborative: "itemknn".into(),
        ..Default::default()
    };
    let mut h = Hybrid::new(params, &factory).unwrap();
    h.fit(&d, &mut NoObserver).unwrap();
    // Empty profile + genre "Comedy" (1): the most-rated comedies, by count.
    let got = h
        .recommend_in_genres(&d, UserRef::Profile(&[]), &[1], 4)
        .unwrap();
    let mut want: Vec<(usize, u32)> = (0..ITEMS)
        .filter(|&i| cluster(i) == 1)
        .map(|i| (d.matrix().item_count(ItemIdx(i)), i))
        .collect();
    want.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    assert_eq!(
        items(&got),
        want.iter().take(4).map(|w| w.1).collect::<Vec<_>>()
    );
    // A few ratings: the collaborative share ramps down; a full profile gets the set weight.
    assert_eq!(h.effective_weight(0), 0.0);
    assert!((h.effective_weight(2) - 0.7 * 2.0 / 5.0).abs() < 1e-12);
    assert_eq!(h.effective_weight(5), 0.7);
}

#[test]
fn hybrid_weight_is_tuned_on_a_validation_carve_of_train() {
    let d = data();
    let carve = carve_validation(&d, &SplitSpec::peer_temporal()).unwrap();
    assert_eq!(
        carve.fit.n_ratings() + carve.validation.len(),
        d.n_ratings()
    );
    assert!(!carve.validation.is_empty());
    let make = |p: &serde_json::Value| create("hybrid", Some(p)).map_err(|e| e.to_string());
    let space = SearchSpace::from_json(&json!({"weight": [0.0, 0.5, 1.0]})).unwrap();
    let cfg = TuneConfig {
        objective: Objective::new("ndcg@10"),
        trials: None,
        seed: 0,
        base_params: json!({"collaborative": "itemknn"}),
        eval: Default::default(),
        validation: json!("temporal"),
    };
    let r = tune(
        "hybrid",
        &make,
        &carve.fit,
        &carve.validation,
        &space,
        &cfg,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(r.trials.len(), 3);
    let best = r.best_point["weight"].as_f64().unwrap();
    assert!([0.0, 0.5, 1.0].contains(&best));
    let top = r
        .trials
        .iter()
        .filter_map(|t| t.value)
        .fold(f64::MIN, f64::max);
    assert_eq!(r.best_value, top);
}

fn genre_diversity(d: &Dataset, list: &[Scored]) -> f64 {
    let mut s = 0.0;
    let mut n = 0;
    for a in 0..list.len() {
        for b in a + 1..list.len() {
            s += 1.0 - cinerec_models::rerank::genre_jaccard(d, list[a].item, list[b].item) as f64;
            n += 1;
        }
    }
    s / n.max(1) as f64
}

#[test]
fn mmr_with_lambda_one_is_the_base_order_and_lower_lambda_diversifies() {
    let d = data();
    let m = fitted("ease", json!({"lambda": 5.0, "half_life": null}));
    for u in [0u32, 1, 2] {
        let user = UserRef::Known(UserIdx(u));
        let base = m
            .recommend(
                &d,
                user,
                &RecommendOptions {
                    n: 30,
                    ..Default::default()
                },
            )
            .unwrap();
        for by in [DiversityBy::Genre, DiversityBy::Similarity] {
            let same = mmr(
                &d,
                m.as_ref(),
                &base,
                5,
                &MmrOptions {
                    lambda: 1.0,
                    pool: 30,
                    by,
                },
            )
            .unwrap();
            assert_eq!(items(&same), items(&base[..5]));
            let div = mmr(
                &d,
                m.as_ref(),
                &base,
                5,
                &MmrOptions {
                    lambda: 0.3,
                    pool: 30,
                    by,
                },
            )
            .unwrap();
            assert!(
                genre_diversity(&d, &div) > genre_diversity(&d, &base[..5]),
                "{by:?}: {div:?} vs {:?}",
                &base[..5]
            );
        }
    }
    assert!(mmr(
        &d,
        m.as_ref(),
        &[],
        5,
        &MmrOptions {
            lambda: 1.5,
            ..Default::default()
        }
    )
    .is_err());
}
