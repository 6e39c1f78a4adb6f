//! Tests of the synthetic generator: exact counts, ordering, uniqueness, id ranges,
//! determinism across seeds and thread counts, skew, rating model, movies.csv, validation.

use super::*;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Row {
    user: u32,
    item: u32,
    rating: f64,
    ts: i64,
}

fn small() -> SynthConfig {
    SynthConfig {
        users: 300,
        items: 800,
        ratings: 24_000,
        seed: 7,
        threads: 2,
        ..Default::default()
    }
}

fn read_rows(path: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("userId,movieId,rating,timestamp"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 4, "{l}");
            Row {
                user: f[0].parse().unwrap(),
                item: f[1].parse().unwrap(),
                rating: f[2].parse().unwrap(),
                ts: f[3].parse().unwrap(),
            }
        })
        .collect()
}

fn generate(cfg: &SynthConfig) -> (tempfile::TempDir, SynthReport, Vec<Row>) {
    let dir = tempfile::tempdir().unwrap();
    let rep = generate_csv(cfg, dir.path(), None).unwrap();
    let rows = read_rows(&rep.ratings_path);
    (dir, rep, rows)
}

#[test]
fn exact_counts_sorted_unique_in_range() {
    let cfg = small();
    let (_d, rep, rows) = generate(&cfg);
    assert_eq!(rows.len() as u64, cfg.ratings);
    assert_eq!(rep.ratings, cfg.ratings);
    assert_eq!(
        rep.ratings_bytes,
        std::fs::metadata(&rep.ratings_path).unwrap().len()
    );
    // Strictly increasing (user, item): sorted and no duplicate pair.
    assert!(rows
        .windows(2)
        .all(|w| (w[0].user, w[0].item) < (w[1].user, w[1].item)));
    assert!(rows
        .iter()
        .all(|r| (1..=cfg.users).contains(&r.user) && (1..=cfg.items).contains(&r.item)));
    let mut per_user: HashMap<u32, u32> = HashMap::new();
    rows.iter()
        .for_each(|r| *per_user.entry(r.user).or_default() += 1);
    assert_eq!(
        per_user.len(),
        cfg.users as usize,
        "every user has ratings (min 20)"
    );
    assert!(per_user
        .values()
        .all(|&n| n >= cfg.min_per_user && n <= cfg.items));
    assert_eq!(rep.max_per_user, *per_user.values().max().unwrap());
    let (lo, hi) = cfg.time_range;
    assert!(rows.iter().all(|r| (lo..hi).contains(&r.ts)));
    let rated: std::collections::HashSet<u32> = rows.iter().map(|r| r.item).collect();
    assert_eq!(rep.items_rated as usize, rated.len());
}

#[test]
fn timestamps_distinct_per_user_and_not_tied_to_item_order() {
    let (_d, _rep, rows) = generate(&small());
    let mut by_user: HashMap<u32, Vec<i64>> = HashMap::new();
    rows.iter()
        .for_each(|r| by_user.entry(r.user).or_default().push(r.ts));
    let mut increasing_in_item_order = 0;
    for ts in by_user.values() {
        let mut s = ts.clone();
        s.sort_unstable();
        s.dedup();
        assert_eq!(s.len(), ts.len(), "a user's timestamps are distinct");
        increasing_in_item_order += ts.windows(2).all(|w| w[0] < w[1]) as usize;
    }
    assert_eq!(
        increasing_in_item_order, 0,
        "time order is a random order of the items"
    );
}

#[test]
fn deterministic_for_seed_and_independent_of_threads() {
    let cfg = small();
    let (_a, ra, _) = generate(&cfg);
    let (_b, rb, _) = generate(&SynthConfig {
        threads: 1,
        ..cfg.clone()
    });
    let (_c, rc, _) = generate(&SynthConfig {
        threads: 5,
        ..cfg.clone()
    });
    let (_e, re, _) = generate(&SynthConfig {
        seed: 8,
        ..cfg.clone()
    });
    let read = |p: &Path| std::fs::read(p).unwrap();
    assert_eq!(read(&ra.ratings_path), read(&rb.ratings_path));
    assert_eq!(read(&ra.ratings_path), read(&rc.ratings_path));
    assert_eq!(read(&ra.movies_path), read(&rc.movies_path));
    assert_ne!(read(&ra.ratings_path), read(&re.ratings_path));
    assert_ne!(read(&ra.movies_path), read(&re.movies_path));
}

#[test]
fn many_chunks_and_heavy_users_are_consistent() {
    // > 1 chunk of users, some users above items/16 (exponential-key path).
    let cfg = SynthConfig {
        users: 2_500,
        items: 600,
        ratings: 150_000,
        min_per_user: 5,
        seed: 3,
        threads: 3,
        ..Default::default()
    };
    let (_d, rep, rows) = generate(&cfg);
    assert_eq!(rows.len(), 150_000);
    assert!(rep.heavy_users > 0);
    assert!(rows
        .windows(2)
        .all(|w| (w[0].user, w[0].item) < (w[1].user, w[1].item)));
    let (_e, rep1, _) = generate(&SynthConfig { threads: 1, ..cfg });
    assert_eq!(
        std::fs::read(&rep.ratings_path).unwrap(),
        std::fs::read(&rep1.ratings_path).unwrap()
    );
}

fn top1pct_share_of(rows: &[Row], items: u32) -> f64 {
    let mut c = vec![0u64; items as usize + 1];
    rows.iter().for_each(|r| c[r.item as usize] += 1);
    c.sort_unstable_by(|a, b| b.cmp(a));
    let top = (items as usize / 100).max(1);
    c[..top].iter().sum::<u64>() as f64 / rows.len() as f64
}

#[test]
fn popularity_is_skewed_by_zipf() {
    let cfg = SynthConfig {
        users: 1_000,
        items: 5_000,
        ratings: 60_000,
        seed: 1,
        ..Default::default()
    };
    let (_d, rep, rows) = generate(&cfg);
    let share = top1pct_share_of(&rows, cfg.items);
    assert!((share - rep.top1pct_share).abs() < 1e-12);
    // Zipf(1) over 5,000 items: the top 50 carry ~49% of draws; per-user dedup (heavy
    // users cannot rate a film twice) brings it down to ~28%.
    assert!(share > 0.2, "top 1% share {share}");
    let (_e, _, flat) = generate(&SynthConfig {
        zipf_exponent: 0.0,
        ..cfg.clone()
    });
    let flat_share = top1pct_share_of(&flat, cfg.items);
    assert!(flat_share < 0.03, "uniform top 1% share {flat_share}");
}

#[test]
fn ratings_are_half_stars_and_follow_the_model() {
    let cfg = SynthConfig {
        users: 600,
        items: 400,
        ratings: 60_000,
        seed: 11,
        ..Default::default()
    };
    let (_d, rep, rows) = generate(&cfg);
    let mut hist = [0usize; 10];
    for r in &rows {
        let h = r.rating * 2.0;
        assert!(
            h.fract() == 0.0 && (1.0..=10.0).contains(&h),
            "{}",
            r.rating
        );
        hist[h as usize - 1] += 1;
    }
    assert!(
        hist.iter().filter(|&&n| n > 0).count() >= 8,
        "spread over the scale: {hist:?}"
    );
    let mean = rows.iter().map(|r| r.rating).sum::<f64>() / rows.len() as f64;
    assert!((mean - rep.mean_rating).abs() < 1e-9);
    assert!((3.2..4.0).contains(&mean), "mean {mean}");
    // Item means track the item biases of the model (rebuilt from the same streams).
    let (w, rank_to_item) = sample::zipf_weights(
        cfg.items as usize,
        cfg.zipf_exponent,
        &mut Rng::fork(cfg.seed, STREAM_POPULARITY),
    );
    drop(w);
    let model = ItemModel::new(&cfg, &rank_to_item, &mut Rng::fork(cfg.seed, STREAM_ITEMS));
    let mut sum = vec![(0.0f64, 0u32); cfg.items as usize];
    rows.iter().for_each(|r| {
        let s = &mut sum[r.item as usize - 1];
        s.0 += r.rating;
        s.1 += 1;
    });
    let pairs: Vec<(f64, f64)> = (0..cfg.items as usize)
        .filter(|&i| sum[i].1 >= 30)
        .map(|i| (model.bias[i] as f64, sum[i].0 / sum[i].1 as f64))
        .collect();
    assert!(pairs.len() > 100);
    let corr = correlation(&pairs);
    assert!(corr > 0.7, "item bias vs item mean rating: corr {corr}");
}

fn correlation(p: &[(f64, f64)]) -> f64 {
    let n = p.len() as f64;
    let (mx, my) = (
        p.iter().map(|x| x.0).sum::<f64>() / n,
        p.iter().map(|x| x.1).sum::<f64>() / n,
    );
    let cov: f64 = p.iter().map(|x| (x.0 - mx) * (x.1 - my)).sum();
    let vx: f64 = p.iter().map(|x| (x.0 - mx).powi(2)).sum();
    let vy: f64 = p.iter().map(|x| (x.1 - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}

#[test]
fn movies_csv_lists_every_item_with_known_genres() {
    let cfg = small();
    let (_d, rep, _) = generate(&cfg);
    let text = std::fs::read_to_string(&rep.movies_path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("movieId,title,genres"));
    let mut n = 0u32;
    for (k, l) in lines.enumerate() {
        let f: Vec<&str> = l.split(',').collect();
        assert_eq!(f.len(), 3, "{l}");
        assert_eq!(f[0].parse::<u32>().unwrap(), k as u32 + 1);
        assert!(
            f[1].starts_with(&format!("Synthetic Movie {} (", k + 1)) && f[1].ends_with(')'),
            "{l}"
        );
        let year: u32 = f[1][f[1].len() - 5..f[1].len() - 1].parse().unwrap();
        assert!((1920..2024).contains(&year));
        assert!(
            f[2] == NO_GENRES || f[2].split('|').all(|g| GENRES.contains(&g)),
            "{l}"
        );
        n += 1;
    }
    assert_eq!(n, cfg.items);
}

#[test]
fn genres_are_correlated_with_item_factors() {
    let cfg = SynthConfig {
        items: 3_000,
        ..Default::default()
    };
    let ranks: Vec<u32> = (0..cfg.items).collect();
    let items = ItemModel::new(&cfg, &ranks, &mut Rng::new(1));
    let sig = model::factor_std(&cfg);
    let mut rng = Rng::new(2);
    let dirs = model::genre_directions(cfg.factors, &mut rng);
    let mut g = Vec::new();
    let genre_of: Vec<Vec<usize>> = (0..cfg.items)
        .map(|i| {
            model::item_genres(&items, &dirs, i, sig, &mut rng, &mut g);
            g.clone()
        })
        .collect();
    let cos = |a: u32, b: u32| {
        let (x, y) = (items.factors(a), items.factors(b));
        let d: f32 = x.iter().zip(y).map(|(p, q)| p * q).sum();
        let n = |v: &[f32]| v.iter().map(|p| p * p).sum::<f32>().sqrt();
        (d / (n(x) * n(y))) as f64
    };
    let (mut same, mut ns, mut diff, mut nd) = (0.0, 0, 0.0, 0);
    for a in 0..600u32 {
        for b in a + 1..600 {
            let (ga, gb) = (&genre_of[a as usize], &genre_of[b as usize]);
            if ga.len() == 1 && gb.len() == 1 {
                if ga == gb {
                    same += cos(a, b);
                    ns += 1;
                } else {
                    diff += cos(a, b);
                    nd += 1;
                }
            }
        }
    }
    let (same, diff) = (same / ns as f64, diff / nd as f64);
    assert!(
        ns > 100 && same > diff + 0.08,
        "same-genre cos {same} vs other {diff}"
    );
}

#[test]
fn progress_reports_monotone_to_the_total() {
    let cfg = SynthConfig {
        users: 3_000,
        items: 500,
        ratings: 90_000,
        ..Default::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let seen = std::cell::RefCell::new(Vec::new());
    let cb = |done: u64, total: u64| seen.borrow_mut().push((done, total));
    generate_csv(&cfg, dir.path(), Some(&cb)).unwrap();
    let seen = seen.into_inner();
    assert_eq!(seen.len(), 3, "one call per chunk of 1024 users");
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
    assert_eq!(*seen.last().unwrap(), (90_000, 90_000));
    // Only the two final files remain (no temporaries).
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["movies.csv", "ratings.csv"]);
}

#[test]
fn full_matrix_and_minimum_only_edge_cases() {
    let full = SynthConfig {
        users: 30,
        items: 40,
        ratings: 1_200,
        min_per_user: 40,
        ..Default::default()
    };
    let (_d, _, rows) = generate(&full);
    assert_eq!(rows.len(), 1_200);
    let at_min = SynthConfig {
        users: 50,
        items: 40,
        ratings: 1_000,
        min_per_user: 20,
        ..Default::default()
    };
    let (_e, rep, rows) = generate(&at_min);
    assert_eq!(
        (rows.len(), rep.max_per_user, rep.median_per_user),
        (1_000, 20, 20)
    );
}

#[test]
fn invalid_configs_are_rejected_without_writing() {
    let base = small();
    let bad = [
        SynthConfig {
            ratings: 300 * 800 + 1,
            ..base.clone()
        },
        SynthConfig {
            ratings: 300 * 20 - 1,
            ..base.clone()
        },
        SynthConfig {
            users: 0,
            ..base.clone()
        },
        SynthConfig {
            items: 0,
            ..base.clone()
        },
        SynthConfig {
            ratings: 0,
            min_per_user: 0,
            ..base.clone()
        },
        SynthConfig {
            items: 10,
            ratings: 1_000,
            ..base.clone()
        },
        SynthConfig {
            max_per_user: Some(50),
            ..base.clone()
        },
        SynthConfig {
            zipf_exponent: f64::NAN,
            ..base.clone()
        },
        SynthConfig {
            zipf_exponent: -1.0,
            ..base.clone()
        },
        SynthConfig {
            noise_std: f64::INFINITY,
            ..base.clone()
        },
        SynthConfig {
            activity_sigma: 50.0,
            ..base.clone()
        },
        SynthConfig {
            time_range: (100, 100),
            ..base.clone()
        },
        SynthConfig {
            factors: 100_000,
            ..base.clone()
        },
    ];
    for cfg in bad {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        match generate_csv(&cfg, &out, None) {
            Err(DataError::Invalid(m)) => assert!(m.starts_with("synth: "), "{m}"),
            other => panic!("{cfg:?} gave {other:?}"),
        }
        assert!(!out.exists());
    }
    assert!(base.validate().is_ok());
    assert!(SynthConfig::default().validate().is_ok());
    assert!(SynthConfig::ml32m_like().validate().is_ok());
}

#[test]
fn unwritable_destination_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a_file");
    std::fs::write(&file, b"x").unwrap();
    assert!(matches!(
        generate_csv(&small(), &file, None),
        Err(DataError::Io { .. })
    ));
}
