//! Tests of the split module on small synthetic data built in code.

use super::*;
use cinerec_core::{Catalog, IdMap, Rng};
use std::sync::Arc;

pub(super) type Row = (u32, u32, u32, u32);

pub(super) fn rows(r: &Interactions) -> Vec<Row> {
    r.iter()
        .map(|x| (x.user.0, x.item.0, x.value.to_bits(), x.time))
        .collect()
}

fn sorted(mut v: Vec<Row>) -> Vec<Row> {
    v.sort_unstable();
    v
}

/// `n_users` users rating a random subset of `n_items` items (1..=max_per_user each, unique
/// pairs), in a shuffled "file" order, with few distinct timestamps so ties occur.
pub(super) fn toy(
    n_users: u32,
    n_items: u32,
    max_per_user: u32,
    seed: u64,
) -> (Dataset, Interactions) {
    let mut rng = Rng::new(seed);
    let mut file = Interactions::default();
    for u in 0..n_users {
        let n_u = 1 + rng.below(max_per_user as u64) as u32;
        let mut items: Vec<u32> = (0..n_items).collect();
        rng.shuffle(&mut items);
        for &i in &items[..n_u.min(n_items) as usize] {
            let v = 1.0 + rng.below(9) as f32 * 0.5;
            file.push(u, i, v, 1000 + rng.below(6) as u32 * 10);
        }
    }
    let mut order: Vec<usize> = (0..file.len()).collect();
    rng.shuffle(&mut order);
    let file = file.select(&order);
    let catalog = Catalog {
        users: IdMap::from_raw_sorted((1..=n_users).map(|u| u.to_string()).collect()),
        items: IdMap::from_raw_sorted((1..=n_items).map(|i| (10 * i).to_string()).collect()),
        item_meta: vec![Default::default(); n_items as usize],
        user_meta: vec![Default::default(); n_users as usize],
        ..Default::default()
    };
    (Dataset::new("toy", Arc::new(catalog), file.clone()), file)
}

fn assert_partition(all: &Interactions, s: &InteractionSplit) {
    let mut union = rows(&s.train);
    union.extend(rows(&s.test));
    assert_eq!(
        sorted(union),
        sorted(rows(all)),
        "train ∪ test must be exactly the input"
    );
}

fn all_specs() -> Vec<SplitSpec> {
    vec![
        SplitSpec::Random {
            test_ratio: 0.2,
            seed: 3,
            rng: RngKind::Cinerec,
        },
        SplitSpec::Random {
            test_ratio: 0.3,
            seed: 3,
            rng: RngKind::Numpy,
        },
        SplitSpec::KFold {
            k: 4,
            fold: 1,
            seed: 9,
            rng: RngKind::Cinerec,
        },
        SplitSpec::peer_temporal(),
        SplitSpec::leave_last_k(2),
        SplitSpec::given_hidden(5),
    ]
}

#[test]
fn every_kind_is_a_disjoint_complete_partition_and_deterministic() {
    let (data, _) = toy(30, 40, 25, 1);
    let all = data.matrix().to_interactions();
    for spec in all_specs() {
        let a = split(&data, &spec).unwrap();
        let parts = InteractionSplit {
            train: a.train.matrix().to_interactions(),
            test: a.test.clone(),
        };
        assert_partition(&all, &parts);
        assert!(!a.test.is_empty() && a.train.n_ratings() > 0, "{spec:?}");
        assert!(
            Arc::ptr_eq(a.train.catalog(), data.catalog()),
            "train shares the catalogue"
        );
        let b = split(&data, &spec).unwrap();
        assert_eq!(
            rows(&a.test),
            rows(&b.test),
            "same spec, same split: {spec:?}"
        );
        assert!(a.description.contains(&spec.label()));
    }
}

#[test]
fn seeds_change_random_splits() {
    let (data, _) = toy(30, 40, 25, 1);
    for rng in [RngKind::Cinerec, RngKind::Numpy] {
        let t = |seed| {
            rows(
                &split(
                    &data,
                    &SplitSpec::Random {
                        test_ratio: 0.2,
                        seed,
                        rng,
                    },
                )
                .unwrap()
                .test,
            )
        };
        assert_ne!(t(1), t(2), "{rng:?}");
    }
    let g = |seed| rows(&split(&data, &SplitSpec::given_hidden(seed)).unwrap().test);
    assert_ne!(g(1), g(2));
}

#[test]
fn random_split_sizes_and_order() {
    let (_, file) = toy(20, 30, 20, 2);
    let n = file.len();
    let s = random_split_file_order(&file, 0.2, 42, RngKind::Numpy).unwrap();
    assert_eq!(s.test.len(), n / 5);
    assert_partition(&file, &s);
    // Peer rule: rows perm[..n/5] of the input order are test, both parts in input order.
    let perm = numpy_permutation(42, n);
    let mut test_pos = perm[..n / 5].to_vec();
    test_pos.sort_unstable();
    assert_eq!(rows(&s.test), rows(&file.select(&test_pos)));
    let train_pos: Vec<usize> = (0..n)
        .filter(|p| test_pos.binary_search(p).is_err())
        .collect();
    assert_eq!(rows(&s.train), rows(&file.select(&train_pos)));
    for bad in [0.0, 1.0, -0.1, f64::NAN] {
        assert!(random_split_file_order(&file, bad, 42, RngKind::Numpy).is_err());
    }
}

#[test]
fn ratio_rounding_matches_integer_rules() {
    for n in 0..200_000usize {
        assert_eq!(ratio_count(n, 0.2), n / 5, "n={n}");
        assert_eq!(random::ratio_ceil(n, 0.2), n.div_ceil(5), "n={n}"); // (n + 4) // 5
    }
    assert_eq!(ratio_count(100, 0.29), 29);
    assert_eq!(ratio_count(10, 0.7), 7);
    assert_eq!(random::ratio_ceil(10, 0.7), 7);
    assert_eq!(random::ratio_ceil(11, 0.7), 8);
}

#[test]
fn kfold_covers_every_rating_exactly_once() {
    let (_, file) = toy(25, 30, 15, 3);
    let n = file.len();
    for rng in [RngKind::Cinerec, RngKind::Numpy] {
        let mut seen: Vec<Row> = Vec::new();
        for fold in 0..5 {
            let spec = SplitSpec::KFold {
                k: 5,
                fold,
                seed: 11,
                rng,
            };
            let s = split_interactions(&file, &spec).unwrap();
            assert_partition(&file, &s);
            let (a, b) = kfold_bounds(n, 5, fold);
            assert_eq!(s.test.len(), b - a);
            seen.extend(rows(&s.test));
        }
        assert_eq!(
            sorted(seen),
            sorted(rows(&file)),
            "folds cover all ratings once ({rng:?})"
        );
    }
    let bad = |k, fold| {
        split_interactions(
            &file,
            &SplitSpec::KFold {
                k,
                fold,
                seed: 1,
                rng: RngKind::Cinerec,
            },
        )
    };
    assert!(bad(1, 0).is_err());
    assert!(bad(5, 5).is_err());
    assert!(bad(n + 1, 0).is_err());
}

/// One user with tied timestamps: (item, time) pairs; larger item = later on equal time.
fn one_user(pairs: &[(u32, u32)]) -> Interactions {
    let mut r = Interactions::default();
    for &(i, t) in pairs {
        r.push(0, i, 3.0, t);
    }
    r
}

#[test]
fn temporal_rule_with_ties() {
    // Sorted by (time, item): (4,5) (2,7) (9,7) (1,8) (3,8) (6,8) (0,9) → last ⌈0.2·7⌉ = 2.
    let r = one_user(&[(9, 7), (3, 8), (0, 9), (2, 7), (1, 8), (4, 5), (6, 8)]);
    let s = split_interactions(&r, &SplitSpec::peer_temporal()).unwrap();
    assert_eq!(s.test.items, vec![6, 0]);
    assert_eq!(
        s.train.items,
        vec![4, 2, 9, 1, 3],
        "train in (time, item) order"
    );
    let s = split_interactions(
        &r,
        &SplitSpec::Temporal {
            test_ratio: 0.5,
            min_user_ratings: 0,
        },
    )
    .unwrap();
    assert_eq!(s.test.items, vec![1, 3, 6, 0]);
    let s = split_interactions(&r, &SplitSpec::leave_last_k(3)).unwrap();
    assert_eq!(s.test.items, vec![3, 6, 0]);
}

#[test]
fn temporal_counts_and_min_user_ratings() {
    let (data, _) = toy(40, 50, 30, 4);
    let s = split(&data, &SplitSpec::peer_temporal()).unwrap();
    for u in 0..data.n_users() as u32 {
        let n_u = data.matrix().user_count(cinerec_core::UserIdx(u));
        let held = s.test.users.iter().filter(|&&x| x == u).count();
        assert_eq!(held, n_u.div_ceil(5), "user {u} n_u {n_u}"); // (n_u + 4) // 5
                                                                 // Every held-out rating is at least as late as every kept one.
        let key = |r: &Interactions, k: usize| (r.times[k], r.items[k]);
        let tr = s.train.matrix().to_interactions();
        let max_train = (0..tr.len())
            .filter(|&k| tr.users[k] == u)
            .map(|k| key(&tr, k))
            .max();
        let min_test = (0..s.test.len())
            .filter(|&k| s.test.users[k] == u)
            .map(|k| key(&s.test, k))
            .min();
        if let (Some(a), Some(b)) = (max_train, min_test) {
            assert!(a < b, "user {u}: train {a:?} after test {b:?}");
        }
    }
    // A one-rating user: the peer rule sends it to test; min_user_ratings 2 keeps it in train.
    let r = one_user(&[(1, 5)]);
    assert_eq!(
        split_interactions(&r, &SplitSpec::peer_temporal())
            .unwrap()
            .test
            .len(),
        1
    );
    let keep = SplitSpec::Temporal {
        test_ratio: 0.2,
        min_user_ratings: 2,
    };
    assert_eq!(split_interactions(&r, &keep).unwrap().train.len(), 1);
    // leave-last-k default keeps users with ≤ k ratings wholly in train.
    let r = one_user(&[(1, 5), (2, 6)]);
    let s = split_interactions(&r, &SplitSpec::leave_last_k(2)).unwrap();
    assert_eq!((s.train.len(), s.test.len()), (2, 0));
    let s = split_interactions(
        &r,
        &SplitSpec::LeaveLastK {
            k: 2,
            min_user_ratings: 0,
        },
    )
    .unwrap();
    assert_eq!((s.train.len(), s.test.len()), (0, 2));
}

#[test]
fn given_hidden_shares() {
    let (data, _) = toy(40, 60, 50, 5);
    let s = split(&data, &SplitSpec::given_hidden(7)).unwrap();
    for u in 0..data.n_users() as u32 {
        let n_u = data.matrix().user_count(cinerec_core::UserIdx(u));
        let given = s.train.matrix().user_count(cinerec_core::UserIdx(u));
        let hidden = s.test.users.iter().filter(|&&x| x == u).count();
        assert_eq!(given + hidden, n_u);
        if n_u < 2 {
            assert_eq!(given, n_u, "small users stay in train");
        } else {
            assert_eq!(given, (n_u / 5).clamp(1, n_u - 1), "user {u} n_u {n_u}");
        }
    }
    // Per-user seeding: removing other users does not change a user's choice.
    let all = data.matrix().to_interactions();
    let keep: Vec<usize> = (0..all.len()).filter(|&k| all.users[k] == 3).collect();
    let alone = split_interactions(&all.select(&keep), &SplitSpec::given_hidden(7)).unwrap();
    let from_all: Vec<Row> = rows(&s.test).into_iter().filter(|r| r.0 == 3).collect();
    assert_eq!(rows(&alone.test), from_all);
    assert!(!from_all.is_empty());
}

#[test]
fn validation_is_carved_from_train_only() {
    let (data, _) = toy(30, 40, 25, 6);
    let outer = split(
        &data,
        &SplitSpec::Random {
            test_ratio: 0.2,
            seed: 1,
            rng: RngKind::Cinerec,
        },
    )
    .unwrap();
    let test_before = rows(&outer.test);
    let train_rows = rows(&outer.train.matrix().to_interactions());
    for spec in all_specs() {
        let v = carve_validation(&outer.train, &spec).unwrap();
        let mut union = rows(&v.fit.matrix().to_interactions());
        union.extend(rows(&v.validation));
        assert_eq!(sorted(union), sorted(train_rows.clone()), "{spec:?}");
        let test = sorted(test_before.clone());
        assert!(
            rows(&v.validation)
                .iter()
                .all(|r| test.binary_search(r).is_err()),
            "validation ∩ test = ∅"
        );
        assert!(v.fit.name.ends_with(":fit"));
    }
    assert_eq!(rows(&outer.test), test_before);
}

#[test]
fn spec_serde_roundtrip_and_validation() {
    for spec in all_specs() {
        let j = serde_json::to_string(&spec).unwrap();
        assert_eq!(serde_json::from_str::<SplitSpec>(&j).unwrap(), spec, "{j}");
    }
    let j = serde_json::to_value(SplitSpec::peer_random()).unwrap();
    assert_eq!(j["kind"], "random");
    assert_eq!(j["rng"], "numpy");
    assert!(SplitSpec::Temporal {
        test_ratio: 1.5,
        min_user_ratings: 0
    }
    .validate()
    .is_err());
    assert!(SplitSpec::GivenHidden {
        given_ratio: 0.0,
        seed: 1,
        min_user_ratings: 0
    }
    .validate()
    .is_err());
    assert!(SplitSpec::LeaveLastK {
        k: 0,
        min_user_ratings: 0
    }
    .validate()
    .is_err());
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let (data, file) = toy(5, 6, 4, 7);
    let mut broken = file.clone();
    broken.times.pop();
    assert!(split_interactions(&broken, &SplitSpec::peer_temporal()).is_err());
    let mut foreign = file.clone();
    foreign.push(99, 0, 1.0, 0);
    let parts = split_interactions(&foreign, &SplitSpec::peer_random()).unwrap();
    assert!(parts.into_split(&data, &SplitSpec::peer_random()).is_err());
    let ok = split_interactions(&file, &SplitSpec::peer_random()).unwrap();
    assert_eq!(
        ok.into_split(&data, &SplitSpec::peer_random())
            .unwrap()
            .train
            .catalog()
            .n_users(),
        5
    );
}
