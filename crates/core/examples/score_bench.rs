//! Times the serving kernel of the factor models ([`cinerec_core::scoring`]): the portable
//! per-row `linalg::dot` loop against `dots_into` (AVX2, four rows at a time when the CPU has
//! it), the core's `top_k` over the scores, and the quantised exact top-10
//! (`quantized::DotQuery`: 8-bit approximations, then exact scores for the few movies that can
//! reach the top), for 64 factors at 20,000 and 87,000 movies.
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
    for n in [20_000usize, 87_000] {
        // Factors drawn at random (sums of uniforms, roughly normal), a user like an item.
        let mut rng = cinerec_core::Rng::new(n as u64);
        let mut draw = || (0..4).map(|_| rng.f32() - 0.5).sum::<f32>() * 0.1;
        let rows: Vec<f32> = (0..n * k).map(|_| draw()).collect();
        let p: Vec<f32> = (0..k).map(|_| draw() * 10.0).collect();
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
        let mut approx = vec![0f32; n];
        let mut exact_top = Vec::new();
        let quantised = median_us(|| {
            let b = q.approx_into(&mut approx);
            exact_top = q.top_n(&approx, b, 10);
        });
        assert_eq!(exact_top, cinerec_core::top_k(&out, 10));
        let mut b = q.approx_into(&mut approx);
        let approx_only = median_us(|| {
            b = q.approx_into(&mut approx);
        });
        let select = median_us(|| {
            std::hint::black_box(q.top_n(&approx, b, 10));
        });
        println!("  approximations {approx_only:.0} us, exact top-10 from them {select:.0} us");
        println!(
            "{n} rows x {k}: portable {slow:.0} us, dots_into {fast:.0} us, top_k(10) {topk:.0} us; \
             quantised exact top-10 {quantised:.0} us"
        );
    }
}
