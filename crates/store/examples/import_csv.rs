//! The ingest bench's two halves (`bench/ingest/run.sh`):
//!
//! - `import_csv gen OUT.csv [USERS MOVIES RATINGS SEED]`: writes a synthetic MovieLens-style
//!   ratings CSV (`userId,movieId,rating,timestamp`, sorted by user then movie), by default
//!   5,000,000 ratings of 31,250 users × 20,000 movies with long tails on both sides
//!   (Zipf-like movie popularity, heavy-tailed ratings per user, at least 20 each).
//! - `import_csv CSV STORE_URL`: loads the CSV with cinerec-data's loader, imports it with
//!   `cinerec_store::import_dataset` and prints one JSON line with the load, import and total
//!   seconds and the store's counts.

#![allow(clippy::unwrap_used)] // a bench tool: a failed step ends the run with its message

use cinerec_store::{import_dataset, ImportOptions};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

/// splitmix64: a small, seeded generator (no dependency for a bench fixture).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Ratings per user: heavy-tailed (weight ∝ 1/rank^0.9 over a shuffled user order), at
/// least 20 and at most a quarter of the movies, summing to `total`.
fn per_user(users: usize, movies: usize, total: usize, rng: &mut Rng) -> Vec<usize> {
    let (lo, hi) = (20, movies / 4);
    let w: Vec<f64> = (0..users)
        .map(|r| 1.0 / (r as f64 + 30.0).powf(0.9))
        .collect();
    let sum: f64 = w.iter().sum();
    let spare = total.saturating_sub(lo * users) as f64;
    let mut n: Vec<usize> = w
        .iter()
        .map(|x| (lo + (spare * x / sum) as usize).min(hi))
        .collect();
    let mut have: usize = n.iter().sum();
    let mut k = 0;
    while have < total {
        if n[k % users] < hi {
            n[k % users] += 1;
            have += 1;
        }
        k += 1;
    }
    for i in (1..users).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        n.swap(i, j);
    }
    n
}

fn generate(out: &Path, users: usize, movies: usize, total: usize, seed: u64) {
    let mut rng = Rng(seed);
    let counts = per_user(users, movies, total, &mut rng);
    // Movie popularity: Zipf (s = 1) over a shuffled movie order; inverse-CDF sampling.
    let mut order: Vec<usize> = (1..=movies).collect();
    for i in (1..movies).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    let mut cdf = Vec::with_capacity(movies);
    let mut acc = 0.0;
    for r in 0..movies {
        acc += 1.0 / (r as f64 + 1.0);
        cdf.push(acc);
    }
    let mut f = BufWriter::with_capacity(1 << 20, std::fs::File::create(out).unwrap());
    writeln!(f, "userId,movieId,rating,timestamp").unwrap();
    let mut seen = vec![u32::MAX; movies + 1];
    let mut row: Vec<usize> = Vec::new();
    for (u, &n) in counts.iter().enumerate() {
        row.clear();
        while row.len() < n {
            let x = rng.unit() * acc;
            let r = cdf.partition_point(|&c| c < x).min(movies - 1);
            let m = order[r];
            if seen[m] != u as u32 {
                seen[m] = u as u32;
                row.push(m);
            }
        }
        row.sort_unstable();
        for &m in &row {
            let stars = 1 + (rng.next() % 10) as u32; // 0.5 .. 5.0
            let ts = 1_000_000_000 + rng.next() % 500_000_000;
            writeln!(f, "{},{m},{}.{},{ts}", u + 1, stars / 2, (stars % 2) * 5).unwrap();
        }
    }
    f.flush().unwrap();
    eprintln!(
        "wrote {total} ratings of {users} users × {movies} movies to {}",
        out.display()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("gen") {
        let num = |k: usize, d: usize| args.get(k).map_or(d, |s| s.parse().unwrap());
        let out = args
            .get(1)
            .expect("usage: import_csv gen OUT.csv [USERS MOVIES RATINGS SEED]");
        generate(
            Path::new(out),
            num(2, 31_250),
            num(3, 20_000),
            num(4, 5_000_000),
            num(5, 42) as u64,
        );
        return;
    }
    let (Some(csv), Some(url)) = (args.first(), args.get(1)) else {
        eprintln!(
            "usage: import_csv CSV STORE_URL | import_csv gen OUT.csv [USERS MOVIES RATINGS SEED]"
        );
        std::process::exit(2);
    };
    let t = Instant::now();
    // Loaded as `cinerec import` loads it.
    let opts = cinerec_data::loaders::LoadOptions {
        keep: cinerec_store::IMPORT_KEEP,
        ..Default::default()
    };
    let ds = cinerec_data::loaders::load(Path::new(csv), &opts).unwrap();
    let load = t.elapsed().as_secs_f64();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (rep, counts) = rt.block_on(async {
        let store = cinerec_store::open(url).await.unwrap();
        let rep = import_dataset(store.as_ref(), &ds, &ImportOptions::default(), &|_, _| {})
            .await
            .unwrap();
        let counts = store.counts().await.unwrap();
        store.close().await;
        (rep, counts)
    });
    println!(
        "{{\"load_s\":{load:.2},\"import_s\":{:.2},\"total_s\":{:.2},\"users\":{},\"movies\":{},\"ratings\":{}}}",
        rep.seconds,
        t.elapsed().as_secs_f64(),
        counts.users,
        counts.movies,
        counts.ratings
    );
}
