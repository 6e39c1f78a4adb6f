//! Unit tests of `sample.rs` (its own file, so the module stays one idea).

use super::*;

#[test]
fn counts_sum_exactly_and_respect_bounds() {
    for (users, total, min, cap, sigma) in [
        (1000usize, 50_000u64, 20u32, 400u32, 1.2),
        (1000, 20_000, 20, 400, 1.2),  // everyone at the minimum
        (1000, 400_000, 20, 400, 1.2), // everyone at the cap
        (997, 123_457, 3, 10_000, 2.5),
        (50, 1_000, 0, 100, 0.0),
    ] {
        let c = user_counts(users, total, min, cap, sigma, &mut Rng::new(3));
        assert_eq!(c.len(), users);
        assert_eq!(c.iter().map(|&x| x as u64).sum::<u64>(), total);
        assert!(c.iter().all(|&x| (min..=cap).contains(&x)), "{min}..{cap}");
    }
}

#[test]
fn counts_are_skewed_log_normal() {
    let c = user_counts(10_000, 1_600_000, 20, 100_000, 1.2, &mut Rng::new(1));
    let mut s = c.clone();
    s.sort_unstable();
    let (median, max) = (s[s.len() / 2], s[s.len() - 1]);
    // Mean 160, log-normal: median well below the mean, a long right tail.
    assert!(median < 140 && median > 60, "median {median}");
    assert!(max > 1_500, "max {max}");
}

#[test]
fn alias_table_matches_weights() {
    let w = [1.0, 2.0, 0.0, 5.0, 2.0];
    let t = AliasTable::new(&w);
    let mut rng = Rng::new(9);
    let mut hits = [0u32; 5];
    let n = 200_000;
    for _ in 0..n {
        hits[t.sample(&mut rng) as usize] += 1;
    }
    for (h, w) in hits.iter().zip(w) {
        let expect = n as f64 * w / 10.0;
        assert!((*h as f64 - expect).abs() < 0.02 * n as f64, "{hits:?}");
    }
    assert_eq!(hits[2], 0);
}

/// Both methods must draw from the same law: compare inclusion frequencies.
#[test]
fn rejection_and_keys_agree() {
    let items = 400;
    let (weights, _) = zipf_weights(items, 1.0, &mut Rng::new(5));
    let pop = Popularity {
        alias: AliasTable::new(&weights),
        weights,
    };
    let mut s = ItemSampler::new(&pop);
    let mut rng = Rng::new(6);
    let k = 20; // k * 16 <= 400: rejection
    let reps = 20_000;
    let (mut a, mut b) = (vec![0u32; items], vec![0u32; items]);
    let mut out = Vec::new();
    for _ in 0..reps {
        assert_eq!(s.sample(k, &mut rng, &mut out), Method::Rejection);
        assert_eq!(out.len(), k);
        out.iter().for_each(|&i| a[i as usize] += 1);
        out.clear();
        s.sample_keys(k, &mut rng, &mut out);
        assert_eq!(out.len(), k);
        let mut d = out.clone();
        d.sort_unstable();
        d.dedup();
        assert_eq!(d.len(), k);
        out.iter().for_each(|&i| b[i as usize] += 1);
        out.clear();
    }
    for i in 0..items {
        let (pa, pb) = (a[i] as f64 / reps as f64, b[i] as f64 / reps as f64);
        let sd = (pa.max(pb).max(1e-3) * (1.0 - pa.min(pb)) / reps as f64).sqrt();
        assert!((pa - pb).abs() < 6.0 * sd + 1e-3, "item {i}: {pa} vs {pb}");
    }
}

#[test]
fn heavy_and_skewed_users_still_get_distinct_items() {
    let items = 1_000;
    let (weights, _) = zipf_weights(items, 4.0, &mut Rng::new(5));
    let pop = Popularity {
        alias: AliasTable::new(&weights),
        weights,
    };
    let mut s = ItemSampler::new(&pop);
    let mut rng = Rng::new(1);
    let mut out = Vec::new();
    for k in [1usize, 50, 62, 700, 1_000] {
        s.sample(k, &mut rng, &mut out);
        let mut d = out.clone();
        d.sort_unstable();
        d.dedup();
        assert_eq!(d.len(), k);
        assert!(d.iter().all(|&i| (i as usize) < items));
    }
    // The bitset is left clean for the next user.
    assert!(s.seen.iter().all(|&w| w == 0));
}
