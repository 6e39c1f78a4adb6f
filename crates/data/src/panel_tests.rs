//! Tests of the panel: names, shapes, scales, splits, cold parts and determinism at the
//! small size.

use super::*;
use std::collections::HashSet;

fn get(name: &str) -> (PanelDataset, Split) {
    let p = find(name, PanelSize::Small).unwrap();
    let s = p.load().unwrap();
    (p, s)
}

#[test]
fn names_are_the_shared_ones_and_every_dataset_loads() {
    let names: Vec<&str> = synthetic(PanelSize::Small).iter().map(|d| d.name).collect();
    assert_eq!(
        names,
        [
            "halfstar-longtail",
            "tenpoint",
            "manyusers",
            "coldstart",
            "dense-temporal"
        ]
    );
    for size in [PanelSize::Small, PanelSize::Full] {
        for d in synthetic(size) {
            d.config.validate().unwrap();
        }
    }
    let full = find("halfstar-longtail", PanelSize::Full).unwrap();
    assert_eq!(
        (full.config.users, full.config.items, full.config.ratings),
        (600, 10_000, 100_000)
    );
}

#[test]
fn halfstar_longtail_has_half_stars_and_a_long_tail() {
    let (_, s) = get("halfstar-longtail");
    assert_eq!(s.train.rating_scale(), (0.5, 5.0));
    let vals: HashSet<u32> = s
        .train
        .matrix()
        .values()
        .iter()
        .map(|v| (v * 2.0) as u32)
        .collect();
    assert!(vals.contains(&1) && vals.contains(&7), "{vals:?}");
    assert!(s
        .train
        .matrix()
        .values()
        .iter()
        .all(|v| (v * 2.0).fract() == 0.0));
    let mut counts = vec![0u32; s.train.n_items()];
    for r in s.train.matrix().to_interactions().iter() {
        counts[r.item.ix()] += 1;
    }
    let tail = counts.iter().filter(|&&c| c < 5).count();
    assert!(
        tail * 2 > counts.len(),
        "{tail} of {} under 5",
        counts.len()
    );
}

#[test]
fn tenpoint_uses_the_whole_one_to_ten_scale() {
    let (_, s) = get("tenpoint");
    assert_eq!(s.train.rating_scale(), (1.0, 10.0));
    let v = s.train.matrix().values();
    assert!(v
        .iter()
        .all(|x| x.fract() == 0.0 && (1.0..=10.0).contains(x)));
    assert!(v.iter().any(|&x| x >= 9.0) && v.iter().any(|&x| x <= 2.0));
    let mean = v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64;
    assert!((5.0..8.0).contains(&mean), "{mean}");
}

#[test]
fn manyusers_has_many_light_users() {
    let (p, s) = get("manyusers");
    assert_eq!(s.train.n_users(), p.config.users as usize);
    let per_user = (s.train.n_ratings() + s.test.len()) as f64 / s.train.n_users() as f64;
    assert!(per_user < 8.0, "{per_user}");
    assert_eq!(s.train.rating_scale(), (1.0, 5.0));
}

#[test]
fn coldstart_has_cold_users_and_cold_movies_in_test() {
    let (_, s) = get("coldstart");
    let train_users: HashSet<u32> = s
        .train
        .matrix()
        .to_interactions()
        .users
        .into_iter()
        .collect();
    let train_items: HashSet<u32> = s
        .train
        .matrix()
        .to_interactions()
        .items
        .into_iter()
        .collect();
    let n = s.test.len() as f64;
    let cold_u = s
        .test
        .users
        .iter()
        .filter(|u| !train_users.contains(u))
        .count() as f64;
    let cold_i = s
        .test
        .items
        .iter()
        .filter(|i| !train_items.contains(i))
        .count() as f64;
    assert!(cold_u / n > 0.05, "cold-user share {}", cold_u / n);
    assert!(cold_i / n > 0.02, "cold-movie share {}", cold_i / n);
    let cut = s
        .train
        .matrix()
        .to_interactions()
        .times
        .into_iter()
        .max()
        .unwrap();
    assert!(s.test.times.iter().all(|&t| t >= cut));
}

#[test]
fn loads_are_deterministic_and_split_as_declared() {
    for d in synthetic(PanelSize::Small) {
        let (a, b) = (d.load().unwrap(), d.load().unwrap());
        assert_eq!(a.train.hash(), b.train.hash(), "{}", d.name);
        assert_eq!(a.test, b.test, "{}", d.name);
        assert_eq!(a.spec, d.split);
        let total = a.train.n_ratings() + a.test.len();
        assert_eq!(total as u64, d.config.ratings, "{}", d.name);
        assert!(
            a.test.len() * 10 >= total,
            "{}: test {}",
            d.name,
            a.test.len()
        );
    }
}

#[test]
fn taste_groups_make_what_users_watch_personal() {
    // With affinity, two users of the same taste group share more movies than chance.
    use crate::synth::SynthConfig;
    let base = SynthConfig {
        users: 400,
        items: 1_000,
        ratings: 16_000,
        seed: 3,
        threads: 1,
        zipf_exponent: 0.5,
        ..Default::default()
    };
    let overlap = |cfg: &SynthConfig| {
        let (d, _) = generate(cfg).unwrap();
        let sets: Vec<HashSet<u32>> = (0..d.n_users() as u32)
            .map(|u| {
                d.user_ratings(cinerec_core::UserIdx(u))
                    .0
                    .iter()
                    .copied()
                    .collect()
            })
            .collect();
        let mut best = 0.0;
        for (a, sa) in sets.iter().enumerate().take(50) {
            let top = sets
                .iter()
                .enumerate()
                .filter(|&(b, _)| b != a)
                .map(|(_, sb)| sa.intersection(sb).count() as f64 / sa.len().max(1) as f64)
                .fold(0.0, f64::max);
            best += top;
        }
        best / 50.0
    };
    let plain = overlap(&base);
    let taste = overlap(&SynthConfig {
        affinity: 1.5,
        ..base
    });
    assert!(taste > plain + 0.03, "overlap {plain} -> {taste}");
}
