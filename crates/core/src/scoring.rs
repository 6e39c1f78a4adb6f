//! The serving hot path of every factor model (ALS, BPR, SVD, SVD++ in `cinerec-models`):
//! [`dot`], the 8-lane dot product the models use everywhere, and [`dots_into`],
//! `out[i] = dot(p, row_i)` for every row of a contiguous row-major `f32` matrix (the item
//! factors), bit-identical to [`dot`] on each row, so the top-k (and its tie rule) does not
//! change with the path taken.
//!
//! With AVX2 the rows are dotted four at a time with explicit 256-bit loads: the compiler's own
//! vectorisation of [`dot`] (built for baseline x86-64) stays at 128-bit registers. The
//! lane order, the final reduction order and the absence of FMA match [`dot`].
//! Measured with `cargo run --profile ci -p cinerec-core --example score_bench` (2-core Xeon
//! with AVX2, 64 factors, medians of 200 calls, 2026-12-03 with other sessions compiling: load
//! average ~2.9): 20,000 rows portable 354–406 µs, this kernel 218–240 µs; 87,000 rows
//! portable 1.37–1.88 ms, this kernel 0.93–1.13 ms. The scan is bound by reading the
//! `f32` rows (~20 GB/s here); [`crate::quantized`] reads a quarter of the bytes.

/// Dot product of two slices (over the shorter length) with eight independent accumulators:
/// `chunks_exact(8)` gives the compiler fixed 8-lane blocks, the lanes are reduced as
/// `(a0+a4) + (a1+a5) + (a2+a6) + (a3+a7)`, then the tail is added in order.
#[inline(always)]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut s = (acc[0] + acc[4]) + (acc[1] + acc[5]) + (acc[2] + acc[6]) + (acc[3] + acc[7]);
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// Whether the CPU runs AVX2 code (cached by std).
#[inline]
fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Writes `out[i] = dot(p, &rows[i*k..(i+1)*k])` for `i < out.len()`.
///
/// # Panics
/// Never for consistent input; `rows` must hold at least `out.len() * k` values and `p` `k`
/// (checked, and then the portable path answers for what is there).
pub fn dots_into(p: &[f32], rows: &[f32], k: usize, out: &mut [f32]) {
    if k == 0 {
        out.iter_mut().for_each(|o| *o = 0.0);
        return;
    }
    let n = out.len().min(rows.len() / k);
    #[cfg(target_arch = "x86_64")]
    {
        if has_avx2() && p.len() == k && n == out.len() {
            // SAFETY: AVX2 is available (checked above); the kernel's loads stay inside
            // `p` (k values) and `rows` (n·k values), asserted inside.
            unsafe { avx2::dots_into(p, rows, k, out) };
            return;
        }
    }
    portable_dots_into(p, rows, k, &mut out[..n]);
}

/// The portable path of [`dots_into`] (also its reference in tests and the benchmark).
pub fn portable_dots_into(p: &[f32], rows: &[f32], k: usize, out: &mut [f32]) {
    for (o, row) in out.iter_mut().zip(rows.chunks_exact(k.max(1))) {
        *o = dot(p, row);
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    /// Sum of the 8 lanes in `super::dot`'s order: `(a0+a4) + (a1+a5) + (a2+a6) + (a3+a7)`.
    #[target_feature(enable = "avx2")]
    fn reduce(acc: __m256) -> f32 {
        let half = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
        let mut lanes = [0f32; 4];
        // SAFETY: `lanes` holds 4 f32.
        unsafe { _mm_storeu_ps(lanes.as_mut_ptr(), half) };
        lanes[0] + lanes[1] + lanes[2] + lanes[3]
    }

    /// `p · row` for `R` rows of `rows` (`k` values each) at once: one accumulator per row,
    /// so the rows' add chains overlap; each row is summed exactly as `super::dot` sums it.
    #[target_feature(enable = "avx2")]
    fn dots<const R: usize>(p: &[f32], rows: &[f32], k: usize) -> [f32; R] {
        assert!(p.len() >= k && rows.len() >= R * k);
        let full = k / 8 * 8;
        let mut acc = [_mm256_setzero_ps(); R];
        let mut c = 0;
        while c < full {
            // SAFETY: c + 8 <= full <= k <= p.len(), and r*k + c + 8 <= R*k <= rows.len().
            let vp = unsafe { _mm256_loadu_ps(p.as_ptr().add(c)) };
            for (r, a) in acc.iter_mut().enumerate() {
                let vx = unsafe { _mm256_loadu_ps(rows.as_ptr().add(r * k + c)) };
                *a = _mm256_add_ps(*a, _mm256_mul_ps(vp, vx));
            }
            c += 8;
        }
        let mut out = [0f32; R];
        for (r, o) in out.iter_mut().enumerate() {
            let mut s = reduce(acc[r]);
            for j in full..k {
                s += p[j] * rows[r * k + j];
            }
            *o = s;
        }
        out
    }

    /// [`super::dots_into`] with the AVX2 kernel, four rows at a time.
    #[target_feature(enable = "avx2")]
    pub(super) fn dots_into(p: &[f32], rows: &[f32], k: usize, out: &mut [f32]) {
        assert!(p.len() == k && rows.len() >= out.len() * k);
        let done = out.len() / 4 * 4;
        let mut blocks = out.chunks_exact_mut(4);
        for (b, chunk) in (&mut blocks).enumerate() {
            chunk.copy_from_slice(&dots::<4>(p, &rows[b * 4 * k..(b + 1) * 4 * k], k));
        }
        for (j, x) in blocks.into_remainder().iter_mut().enumerate() {
            let i = done + j;
            *x = dots::<1>(p, &rows[i * k..(i + 1) * k], k)[0];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_path_is_bit_identical_to_dot() {
        for k in [1usize, 7, 8, 16, 37, 64, 65] {
            for n in [0usize, 1, 3, 4, 5, 103] {
                let p: Vec<f32> = (0..k).map(|j| ((j * 7 + 3) as f32 * 0.31).sin()).collect();
                let rows: Vec<f32> = (0..n * k)
                    .map(|j| ((j * 13 + 1) as f32 * 0.017).cos() * 1.7)
                    .collect();
                let mut fast = vec![f32::NAN; n];
                let mut slow = vec![f32::NAN; n];
                dots_into(&p, &rows, k, &mut fast);
                portable_dots_into(&p, &rows, k, &mut slow);
                for i in 0..n {
                    let want = dot(&p, &rows[i * k..(i + 1) * k]);
                    assert_eq!(fast[i].to_bits(), want.to_bits(), "k={k} n={n} i={i}");
                    assert_eq!(slow[i].to_bits(), want.to_bits(), "k={k} n={n} i={i}");
                }
            }
        }
    }
}
