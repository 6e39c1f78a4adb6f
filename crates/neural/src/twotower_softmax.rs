//! The softmax of the retrieval task (in-batch or over the whole catalogue), computed
//! outside burn's autodiff graph.
//!
//! Differentiating `log_softmax` through burn builds half a dozen `B × C` tensors per batch
//! and evaluates the exponentials twice (forward and backward). The gradient of the summed
//! cross-entropy with respect to the logits is known in closed form, `G = softmax(z) −
//! onehot(label)`, so the retrieval task computes `z` once from detached embeddings, gets the
//! loss value and `G` here in one pass, and hands autodiff the surrogate
//! `Σ u ⊙ (G q) + Σ q ⊙ (Gᵀ u)` (+ `Σ b ⊙ colsum(G)` for a learned movie bias), whose
//! gradients with respect to the embeddings are exactly those of the cross-entropy.

/// Loss value and logit gradient of one batch.
pub(crate) struct Softmax {
    /// Sum (or mean) over the rows of `−log softmax(z_r)[r]`.
    pub loss: f64,
    /// `B × C` row-major: `scale × (softmax(z_r) − onehot(label_r))`.
    pub grad: Vec<f32>,
    /// Column sums of `grad`.
    pub col_sums: Vec<f32>,
}

/// `z` holds the `B × C` logits row-major; the label of row `r` is column `labels[r]`, or
/// column `r` when `labels` is `None` (the in-batch softmax); `masked` lists `(row, column)`
/// entries excluded from the softmax; rows are summed (`mean` = false) or averaged.
pub(crate) fn cross_entropy(
    mut z: Vec<f32>,
    rows: usize,
    cols: usize,
    labels: Option<&[u32]>,
    masked: &[(u32, u32)],
    mean: bool,
) -> Softmax {
    for &(r, c) in masked {
        z[r as usize * cols + c as usize] = f32::NEG_INFINITY;
    }
    let scale = if mean { 1.0 / rows.max(1) as f32 } else { 1.0 };
    // Rows in parallel on the caller's rayon pool (the fit's), each with its own column sums.
    use rayon::prelude::*;
    let per_chunk = rows.div_ceil(rayon::current_num_threads().max(1)).max(1);
    let parts: Vec<(f64, Vec<f32>)> = z
        .par_chunks_mut(per_chunk * cols.max(1))
        .enumerate()
        .map(|(k, chunk)| {
            let mut col_sums = vec![0f32; cols];
            let part = Rows {
                cols,
                first: k * per_chunk,
                labels,
                scale,
            };
            let loss = softmax_rows(chunk, part, &mut col_sums);
            (loss, col_sums)
        })
        .collect();
    let mut loss = 0f64;
    let mut col_sums = vec![0f32; cols];
    for (l, cs) in parts {
        loss += l;
        col_sums.iter_mut().zip(&cs).for_each(|(a, b)| *a += b);
    }
    Softmax {
        loss: loss * scale as f64,
        grad: z,
        col_sums,
    }
}

/// Where a chunk of logit rows sits in the batch and how its rows are labelled and scaled.
#[derive(Clone, Copy)]
struct Rows<'a> {
    cols: usize,
    /// Batch index of the chunk's first row.
    first: usize,
    labels: Option<&'a [u32]>,
    scale: f32,
}

/// The chunk's logit rows turned into their gradient in place; adds to `col_sums`; returns
/// the summed (unscaled) cross-entropy. An AVX2 + FMA copy is picked at run time where the
/// CPU has them (the same arithmetic, vectorised wider).
fn softmax_rows(chunk: &mut [f32], rows: Rows<'_>, col_sums: &mut [f32]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU supports AVX2 and FMA (checked just above).
            return unsafe { softmax_rows_avx2(chunk, rows, col_sums) };
        }
    }
    softmax_rows_body(chunk, rows, col_sums, exp_shifted_sum)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn softmax_rows_avx2(chunk: &mut [f32], rows: Rows<'_>, col_sums: &mut [f32]) -> f64 {
    // SAFETY (inside the closure): this function only runs where AVX2 and FMA are present.
    let exp_sum = |row: &mut [f32], m: f32| unsafe { exp_shifted_sum_avx2(row, m) };
    softmax_rows_body(chunk, rows, col_sums, exp_sum)
}

#[inline(always)]
fn softmax_rows_body(
    chunk: &mut [f32],
    rows: Rows<'_>,
    col_sums: &mut [f32],
    exp_sum: impl Fn(&mut [f32], f32) -> f32,
) -> f64 {
    let Rows {
        cols,
        first,
        labels,
        scale,
    } = rows;
    let mut loss = 0f64;
    for (k, row) in chunk.chunks_mut(cols).enumerate() {
        let r = first + k;
        let y = labels.map_or(r, |l| l[r] as usize);
        let m = row_max(row);
        let label = row[y];
        let s = exp_sum(row, m);
        let inv = scale / s;
        loss += (s.ln() - (label - m)) as f64; // −log p_ry
        for (x, cs) in row.iter_mut().zip(col_sums.iter_mut()) {
            *x *= inv;
            *cs += *x;
        }
        row[y] -= scale;
        col_sums[y] -= scale;
    }
    loss
}

/// The largest value of `row` (−∞ for an empty row), with 8 running maxima so it vectorises.
#[inline(always)]
fn row_max(row: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; 8];
    let mut chunks = row.chunks_exact(8);
    for c in &mut chunks {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a = if x > *a { x } else { *a };
        }
    }
    let tail = chunks.remainder().iter().copied();
    acc.iter()
        .copied()
        .chain(tail)
        .fold(f32::NEG_INFINITY, f32::max)
}

/// `x ← e^(x − m)` over `row`, returning the sum; written so that it vectorises (8 lanes,
/// 8 partial sums).
#[inline(always)]
fn exp_shifted_sum(row: &mut [f32], m: f32) -> f32 {
    let mut acc = [0f32; 8];
    let mut chunks = row.chunks_exact_mut(8);
    for c in &mut chunks {
        for (x, a) in c.iter_mut().zip(acc.iter_mut()) {
            *x = exp_nonpositive(*x - m);
            *a += *x;
        }
    }
    let mut s: f32 = chunks
        .into_remainder()
        .iter_mut()
        .map(|x| {
            *x = exp_nonpositive(*x - m);
            *x
        })
        .sum();
    s += acc.iter().sum::<f32>();
    s
}

/// [`exp_shifted_sum`] with AVX2 + FMA intrinsics, 8 lanes (the same polynomial, fused
/// multiply-adds); the scalar copy does the tail.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn exp_shifted_sum_avx2(row: &mut [f32], m: f32) -> f32 {
    use std::arch::x86_64::*;
    let n8 = row.len() / 8 * 8;
    let (mv, lo) = (_mm256_set1_ps(m), _mm256_set1_ps(-87.0));
    let (log2e, half) = (
        _mm256_set1_ps(std::f32::consts::LOG2_E),
        _mm256_set1_ps(0.5),
    );
    let (hi, lo2) = (_mm256_set1_ps(LN2_HI), _mm256_set1_ps(LN2_LO));
    let coef = [1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5, 1.0, 1.0].map(|c| _mm256_set1_ps(c));
    let mut acc = _mm256_setzero_ps();
    let ptr = row.as_mut_ptr();
    for i in (0..n8).step_by(8) {
        // SAFETY: i + 8 ≤ n8 ≤ row.len(); unaligned loads and stores.
        let x = _mm256_sub_ps(_mm256_loadu_ps(ptr.add(i)), mv);
        let xc = _mm256_max_ps(x, lo);
        let n = _mm256_floor_ps(_mm256_fmadd_ps(xc, log2e, half));
        let r = _mm256_fnmadd_ps(n, lo2, _mm256_fnmadd_ps(n, hi, xc));
        let mut q = _mm256_set1_ps(1.0 / 720.0);
        for c in coef {
            q = _mm256_fmadd_ps(q, r, c);
        }
        let bits = _mm256_slli_epi32::<23>(_mm256_add_epi32(
            _mm256_cvtps_epi32(n),
            _mm256_set1_epi32(127),
        ));
        let y = _mm256_mul_ps(q, _mm256_castsi256_ps(bits));
        // below −87 (and −∞, NaN): 0
        let y = _mm256_and_ps(y, _mm256_cmp_ps::<_CMP_GE_OQ>(x, lo));
        _mm256_storeu_ps(ptr.add(i), y);
        acc = _mm256_add_ps(acc, y);
    }
    let mut lanes = [0f32; 8];
    _mm256_storeu_ps(lanes.as_mut_ptr(), acc);
    lanes.iter().sum::<f32>() + exp_shifted_sum(&mut row[n8..], m)
}

const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;

/// `e^x` for `x ≤ 0` (and −∞), within ~2 ulp: `x = n·ln2 + r`, `|r| ≤ ln2/2`, `e^r` by its
/// degree-6 Taylor polynomial, `2^n` through the exponent bits. Below −87 it returns 0.
#[inline(always)]
fn exp_nonpositive(x: f32) -> f32 {
    let xc = x.max(-87.0);
    // floor(t) without libm's `floorf` (a call at baseline x86-64, which stops the loop from
    // vectorising): truncate, then step down where truncation rounded up (t < 0).
    let t = xc * std::f32::consts::LOG2_E + 0.5;
    let tr = t as i32 as f32;
    let n = if tr > t { tr - 1.0 } else { tr };
    let r = xc - n * LN2_HI - n * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    let scale = f32::from_bits(((n as i32 + 127) as u32) << 23);
    if x < -87.0 {
        0.0
    } else {
        p * scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exponential_is_accurate_to_a_few_ulp() {
        let mut worst = 0f32;
        for k in 0..=20_000 {
            let x = -87.0 * k as f32 / 20_000.0;
            let (got, want) = (exp_nonpositive(x), x.exp());
            worst = worst.max(((got - want) / want).abs());
        }
        assert!(worst < 5e-7, "relative error {worst}");
        assert_eq!(exp_nonpositive(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp_nonpositive(-100.0), 0.0);
        assert!((exp_nonpositive(0.0) - 1.0).abs() < 1e-7);
    }

    #[test]
    fn the_vectorised_exponential_sum_matches_the_scalar_one() {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            let mut rng = cinerec_core::Rng::new(3);
            let mut a: Vec<f32> = (0..1003)
                .map(|_| (rng.f64() * 120.0 - 100.0) as f32)
                .collect();
            a[5] = f32::NEG_INFINITY;
            let mut b = a.clone();
            let sa = exp_shifted_sum(&mut a, 2.0);
            // SAFETY: AVX2 and FMA are present (checked above).
            let sb = unsafe { exp_shifted_sum_avx2(&mut b, 2.0) };
            assert!(((sa - sb) / sa).abs() < 1e-5, "{sa} vs {sb}");
            for (x, y) in a.iter().zip(&b) {
                assert!((x - y).abs() <= 1e-6 * x.abs().max(1e-30), "{x} vs {y}");
            }
            assert_eq!(b[5], 0.0);
        }
    }

    #[test]
    fn matches_the_textbook_cross_entropy_and_its_gradient() {
        let z = vec![1.0f32, 2.0, 0.5, -1.0, 0.0, 3.0];
        let s = cross_entropy(z.clone(), 2, 3, None, &[], false);
        let lse = |r: &[f32]| r.iter().map(|x| x.exp()).sum::<f32>().ln();
        let want = (lse(&z[0..3]) - z[0]) + (lse(&z[3..6]) - z[4]);
        assert!((s.loss - want as f64).abs() < 1e-5);
        let p01 = z[1].exp() / z[0..3].iter().map(|x| x.exp()).sum::<f32>();
        assert!((s.grad[1] - p01).abs() < 1e-6);
        let p11 = z[4].exp() / z[3..6].iter().map(|x| x.exp()).sum::<f32>();
        assert!((s.grad[4] - (p11 - 1.0)).abs() < 1e-6);
        // rows of the gradient sum to zero; column sums add up
        assert!(s.grad[0..3].iter().sum::<f32>().abs() < 1e-6);
        assert!((s.col_sums[2] - (s.grad[2] + s.grad[5])).abs() < 1e-6);
        // mean halves everything; a masked column drops out of its row
        let m = cross_entropy(z.clone(), 2, 3, None, &[], true);
        assert!((m.loss - s.loss / 2.0).abs() < 1e-6);
        let k = cross_entropy(z.clone(), 2, 3, None, &[(0, 1)], false);
        assert_eq!(k.grad[1], 0.0);
        // explicit labels: row 0 labelled column 2, row 1 column 1 (as a full softmax does)
        let l = cross_entropy(z.clone(), 2, 3, Some(&[2, 1]), &[], false);
        let want = (lse(&z[0..3]) - z[2]) + (lse(&z[3..6]) - z[4]);
        assert!((l.loss - want as f64).abs() < 1e-5);
        let p02 = z[2].exp() / z[0..3].iter().map(|x| x.exp()).sum::<f32>();
        assert!((l.grad[2] - (p02 - 1.0)).abs() < 1e-6);
        assert!(
            (l.grad[0] - (z[0].exp() / z[0..3].iter().map(|x| x.exp()).sum::<f32>())).abs() < 1e-6
        );
    }
}
