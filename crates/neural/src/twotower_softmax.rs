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
    let mut loss = 0f64;
    let mut col_sums = vec![0f32; cols];
    for (r, row) in z.chunks_mut(cols).enumerate() {
        let y = labels.map_or(r, |l| l[r] as usize);
        let m = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let label = row[y];
        let s = exp_shifted_sum(row, m);
        let inv = scale / s;
        loss += (s.ln() - (label - m)) as f64; // −log p_rr
        for (x, cs) in row.iter_mut().zip(col_sums.iter_mut()) {
            *x *= inv;
            *cs += *x;
        }
        row[y] -= scale;
        col_sums[y] -= scale;
    }
    Softmax {
        loss: loss * scale as f64,
        grad: z,
        col_sums,
    }
}

/// `x ← e^(x − m)` over `row`, returning the sum; written so that it vectorises (8 lanes,
/// 8 partial sums).
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

/// `e^x` for `x ≤ 0` (and −∞), within ~2 ulp: `x = n·ln2 + r`, `|r| ≤ ln2/2`, `e^r` by its
/// degree-6 Taylor polynomial, `2^n` through the exponent bits. Below −87 it returns 0.
#[inline(always)]
fn exp_nonpositive(x: f32) -> f32 {
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    let xc = x.max(-87.0);
    let n = (xc * std::f32::consts::LOG2_E + 0.5).floor();
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
        assert!((l.grad[0] - (z[0].exp() / z[0..3].iter().map(|x| x.exp()).sum::<f32>())).abs() < 1e-6);
    }
}
