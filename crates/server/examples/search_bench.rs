//! Run: `cargo run --profile ci -p cinerec-server --no-default-features --example search_bench`.
//! Title-index timing at 87,000 movies: build time, and p50/p99 of `search` over autocomplete
//! queries (every prefix of 1 to 8 characters of 300 titles, plus whole words), for the
//! synthetic titles of `cinerec data synth` ("Synthetic Movie N (year)": every prefix matches
//! everything) and for titles of 1-4 words from a 60-word vocabulary. The old scan is timed too.
use cinerec_core::catalog::normalize_title;
use cinerec_core::{ItemIdx, Rng};
use cinerec_server::search::TitleIndex;
use std::time::Instant;

fn scan(norm: &[String], popular: &[ItemIdx], query: &str) -> Vec<ItemIdx> {
    let q = normalize_title(query);
    let word = format!(" {q}");
    let mut groups: [Vec<ItemIdx>; 3] = Default::default();
    for &i in popular {
        let s = &norm[i.ix()];
        if s.starts_with(&q) {
            groups[0].push(i)
        } else if s.contains(&word) {
            groups[1].push(i)
        } else if s.contains(&q) {
            groups[2].push(i)
        }
    }
    groups.concat()
}

fn pct(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p) as usize]
}

fn main() {
    let n = 87_000usize;
    let words = [
        "star", "wars", "the", "return", "of", "king", "toy", "story", "a", "life", "love",
        "night", "day", "man", "woman", "city", "dark", "light", "blue", "red", "house", "river",
        "last", "first", "great", "little", "big", "lost", "found", "dream", "heart", "world",
        "war", "peace", "time", "summer", "winter", "ghost", "dead", "alive", "secret", "garden",
        "road", "home", "girl", "boy", "king", "queen", "moon", "sun", "sea", "fire", "ice",
        "blood", "money", "game", "power", "angel", "devil", "paris",
    ];
    let mut rng = Rng::new(1);
    for kind in ["synthetic", "words"] {
        let titles: Vec<String> = (0..n)
            .map(|i| {
                if kind == "synthetic" {
                    format!("Synthetic Movie {} ({})", i + 1, 1920 + i % 104)
                } else {
                    let w = 1 + (rng.next_u64() % 4) as usize;
                    let t: Vec<&str> = (0..w)
                        .map(|_| words[(rng.next_u64() % 60) as usize])
                        .collect();
                    format!("{} ({})", t.join(" "), 1920 + i % 104)
                }
            })
            .collect();
        let popular: Vec<ItemIdx> = (0..n as u32)
            .map(|i| ItemIdx((i * 7919) % n as u32))
            .collect();
        let t = Instant::now();
        let idx = TitleIndex::build(&titles, &popular);
        let build = t.elapsed().as_secs_f64() * 1e3;
        let norm: Vec<String> = titles.iter().map(|t| normalize_title(t)).collect();
        let mut queries = Vec::new();
        for i in (0..n).step_by(n / 300) {
            let t = norm[i].clone();
            for k in 1..=8.min(t.len()) {
                queries.push(t[..k].to_string());
            }
            let w: Vec<&str> = t.split(' ').collect();
            let last = w[w.len() - 1];
            for k in 1..=last.len() {
                queries.push(format!("{} {}", w[..w.len() - 1].join(" "), &last[..k]));
            }
        }
        let (mut ti, mut ts) = (vec![], vec![]);
        for q in &queries {
            let t = Instant::now();
            let a = idx.search(q);
            ti.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            let b = scan(&norm, &popular, q);
            ts.push(t.elapsed().as_secs_f64() * 1e3);
            assert_eq!(a, b, "{q}");
        }
        println!("{kind} titles, {n} movies: index built in {build:.0} ms; {} queries: index p50 {:.3} ms p99 {:.3} ms; scan p50 {:.3} ms p99 {:.3} ms",
            queries.len(), pct(ti.clone(), 0.5), pct(ti, 0.99), pct(ts.clone(), 0.5), pct(ts, 0.99));
    }
}
