//! Times the serving kernel of the factor models ([`cinerec_core::scoring`]): the portable
//! per-row `linalg::dot` loop against `dots_into` (AVX2, four rows at a time when the CPU has
//! it), the core's `top_k` over the scores, and the quantised exact top-10
//! (`quantized::DotQuery`: 8-bit approximations walked by decreasing row norm, exact scores
//! for the few movies that can reach the top, stopped once no later row can), for 64 factors
//! at 20,000 and 87,000 movies. Two kinds of rows: all of one length (random factors: the
//! walk cannot stop early, its worst case) and lengths falling off like a factor model's long
//! tail (row `i` of the popularity order scaled by `1/(1 + i/1000)^0.5`).
//! Medians of 200 calls each. `cargo run --profile ci -p cinerec-core --example score_bench`

use cinerec_core::quantized::{DotQuery, QuantizedRows};
use cinerec_core::scoring::{dots_into, portable_dots_into};
use std::borrow::Cow;
use std::time::Instant;

fn median_us(mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..200)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

fn main() {
    let k = 64;
    for tail in [false, true] {
        for n in [20_000usize, 87_000] {
            // Factors drawn at random (sums of uniforms, roughly normal), a user like an item.
            let mut rng = cinerec_core::Rng::new(n as u64);
            let mut draw = || (0..4).map(|_| rng.f32() - 0.5).sum::<f32>() * 0.1;
            let mut rows: Vec<f32> = (0..n * k).map(|_| draw()).collect();
            let p: Vec<f32> = (0..k).map(|_| draw() * 10.0).collect();
            if tail {
                for (i, row) in rows.chunks_exact_mut(k).enumerate() {
                    let rank = (i * 7919) % n;
                    let f = (1.0 + rank as f32 / 1000.0).powf(-0.5);
                    row.iter_mut().for_each(|x| *x *= f);
                }
            }
            let mut out = vec![0f32; n];
            let slow = median_us(|| portable_dots_into(&p, &rows, k, &mut out));
            let fast = median_us(|| dots_into(&p, &rows, k, &mut out));
            let topk = median_us(|| {
                std::hint::black_box(cinerec_core::top_k(&out, 10));
            });
            let quant = QuantizedRows::new(&rows, k);
            let q = DotQuery {
                user: Cow::Borrowed(&p),
                rows: &rows,
                k,
                quant: &quant,
            };
            let mut exact_top = Vec::new();
            let mut walk = Default::default();
            let quantised = median_us(|| {
                (exact_top, walk) = q.top_n_walk(10, |_| false);
            });
            assert_eq!(exact_top, cinerec_core::top_k(&out, 10));
            println!(
                "{n} rows x {k} ({}): portable {slow:.0} us, dots_into {fast:.0} us, top_k(10) \
                 {topk:.0} us; quantised exact top-10 {quantised:.0} us (codes read for {} rows, \
                 {} scored exactly)",
                if tail {
                    "norms falling off"
                } else {
                    "equal norms"
                },
                walk.approximated,
                walk.exact
            );
        }
    }
}
