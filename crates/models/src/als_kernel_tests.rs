//! Tests of the ALS kernel against the portable CG, the exact solve and a plain Gram sum.

use super::row_in_place;
use crate::als_solve::{exact_row, gram, portable_row};
use cinerec_core::Rng;

/// `(y, g, idx, yl, conf, x0)` of [`problem`].
type Problem = (Vec<f32>, Vec<f32>, Vec<u32>, Vec<f32>, Vec<f32>, Vec<f32>);

/// A random row problem: item factors `y` (`m × k`), the Gram matrix with `reg`, `n`
/// distinct items of the row gathered into `yl`, their confidences, a warm start.
fn problem(rng: &mut Rng, k: usize, n: usize) -> Problem {
    let m = 300;
    let y: Vec<f32> = (0..m * k).map(|_| rng.normal() as f32 * 0.1).collect();
    let g = gram(&y, k, 0.05, 1);
    let mut idx: Vec<u32> = (0..m as u32).collect();
    rng.shuffle(&mut idx);
    idx.truncate(n);
    let mut yl = Vec::new();
    for &i in &idx {
        yl.extend_from_slice(&y[i as usize * k..(i as usize + 1) * k]);
    }
    let conf: Vec<f32> = (0..n).map(|_| 1.0 + 4.0 * rng.f32()).collect();
    let x0: Vec<f32> = (0..k).map(|_| rng.normal() as f32 * 0.1).collect();
    (y, g, idx, yl, conf, x0)
}

/// Rows given as lists of column indices, confidence 2.
struct Lists(Vec<Vec<u32>>);
impl crate::als_solve::Rows for Lists {
    fn n_rows(&self) -> usize {
        self.0.len()
    }
    fn row(&self, r: usize, conf: &mut Vec<f32>) -> &[u32] {
        conf.clear();
        conf.resize(self.0[r].len(), 2.0);
        &self.0[r]
    }
}

/// ALS trains `k` not a multiple of 8 zero-padded (als.rs): the padded half-step (kernel)
/// must give the unpadded one (portable) in the real columns and keep the pad at zero.
#[test]
fn zero_padded_half_step_equals_the_unpadded_one() {
    if !super::available(16) {
        eprintln!("SKIPPED: this CPU has no AVX2 + FMA; the kernel is not used here");
        return;
    }
    let (k, kp, n_rows, n_cols) = (12usize, 16usize, 40usize, 60usize);
    let mut rng = Rng::new(11);
    let rows = Lists(
        (0..n_rows)
            .map(|_| {
                let mut c: Vec<u32> = (0..n_cols as u32).collect();
                rng.shuffle(&mut c);
                c.truncate(1 + rng.below(20) as usize);
                c.sort_unstable();
                c
            })
            .collect(),
    );
    let y: Vec<f32> = (0..n_cols * k).map(|_| rng.f32() * 0.1).collect();
    let x: Vec<f32> = (0..n_rows * k).map(|_| rng.f32() * 0.1).collect();
    let pad = |v: &[f32]| -> Vec<f32> {
        v.chunks_exact(k)
            .flat_map(|r| r.iter().copied().chain(std::iter::repeat_n(0.0, kp - k)))
            .collect()
    };
    let (mut x1, mut x2, y2) = (x.clone(), pad(&x), pad(&y));
    crate::als_solve::cg_half_step(&rows, &mut x1, &y, k, 0.1, 3, 1);
    crate::als_solve::cg_half_step(&rows, &mut x2, &y2, kp, 0.1, 3, 1);
    for (a, b) in x1.chunks_exact(k).zip(x2.chunks_exact(kp)) {
        assert!(
            b[k..].iter().all(|&v| v == 0.0),
            "the pad moved: {:?}",
            &b[k..]
        );
        for (p, q) in a.iter().zip(&b[..k]) {
            assert!((p - q).abs() <= 1e-4 * (1.0 + p.abs()), "{p} vs {q}");
        }
    }
}

#[test]
fn gram_kernel_matches_the_plain_sum_on_and_above_the_diagonal() {
    if !super::available(64) {
        eprintln!("SKIPPED: this CPU has no AVX2 + FMA; the kernel is not used here");
        return;
    }
    let mut rng = Rng::new(3);
    for &(k, n) in &[(8usize, 1usize), (24, 7), (64, 13), (128, 4)] {
        let rows: Vec<f32> = (0..n * k).map(|_| rng.normal() as f32).collect();
        let mut g = vec![0.5f32; k * k];
        // SAFETY: features checked above; g is k×k.
        unsafe { super::gram_rows(&rows, k, &mut g) };
        for r in 0..k {
            for c in r..k {
                let want: f64 = 0.5
                    + rows
                        .chunks_exact(k)
                        .map(|y| y[r] as f64 * y[c] as f64)
                        .sum::<f64>();
                let got = g[r * k + c] as f64;
                assert!(
                    (got - want).abs() <= 1e-4 * (1.0 + want.abs()),
                    "k {k} ({r},{c}): {got} vs {want}"
                );
            }
        }
    }
}

fn a_vs(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).fold(0f32, |m, (p, q)| m.max((p - q).abs()))
}

#[test]
fn kernel_matches_the_portable_cg_and_converges() {
    if !super::available(64) {
        eprintln!("SKIPPED: this CPU has no AVX2 + FMA; the kernel is not used here");
        return;
    }
    let mut rng = Rng::new(7);
    for &k in &[8usize, 32, 64, 72, 128] {
        assert!(super::available(k));
        for &n in &[0usize, 1, 3, 4, 5, 37, 250] {
            let (y, g, idx, yl, conf, x0) = problem(&mut rng, k, n);
            let (mut a, mut b) = (x0.clone(), x0.clone());
            let mut dots = Vec::new();
            // SAFETY: features checked above; g is k×k, yl holds n rows of k.
            let ra = unsafe { super::cg_row(&g, &yl, &conf, &mut a, &mut dots, 3, false) };
            let rb = portable_row(&g, &yl, &conf, &mut b, 3);
            // The gather's dot products stand in for the first pass.
            let (mut c, mut yl2, mut dots2) = (x0.clone(), Vec::new(), Vec::new());
            // SAFETY: as above; the indices are rows of `y`.
            unsafe {
                super::gather(&y, k, &idx, &mut yl2, 8, &x0, &mut dots2);
                super::cg_row(&g, &yl2, &conf, &mut c, &mut dots2, 3, true);
            }
            assert_eq!(yl2, yl);
            let gap = a_vs(&c, &b);
            assert!(
                gap <= 1e-3 * (1.0 + b.iter().fold(0f32, |m, v| m.max(v.abs()))),
                "k {k} n {n}: gathered dots differ by {gap}"
            );
            let scale = 1.0 + b.iter().fold(0f32, |m, v| m.max(v.abs()));
            let diff = a
                .iter()
                .zip(&b)
                .fold(0f32, |m, (p, q)| m.max((p - q).abs()));
            assert!(
                diff <= 1e-3 * scale,
                "k {k} n {n}: kernel and portable differ by {diff}"
            );
            assert!(
                (ra - rb).abs() <= 1e-3 * (1.0 + rb.abs()),
                "k {k} n {n}: residual {ra} vs {rb}"
            );
            if n == 0 {
                assert!(a.iter().all(|&v| v == 0.0));
                continue;
            }
            // Enough CG steps reach the exact solution.
            let mut many = x0.clone();
            // SAFETY: as above.
            unsafe { super::cg_row(&g, &yl, &conf, &mut many, &mut dots, 4 * k, false) };
            let mut exact = vec![0f32; k];
            exact_row(&g, &y, &idx, &conf, &mut exact);
            let scale = 1.0 + exact.iter().fold(0f32, |m, v| m.max(v.abs()));
            let err = many
                .iter()
                .zip(&exact)
                .fold(0f32, |m, (p, q)| m.max((p - q).abs()));
            assert!(
                err <= 1e-3 * scale,
                "k {k} n {n}: CG ends {err} from the exact solve"
            );
        }
    }
}

/// Reading the item vectors in place (small factor matrices) must do exactly what the
/// gathered kernel does when it takes its own first-pass dot products.
#[test]
fn in_place_rows_equal_gathered_rows() {
    if !super::available(24) {
        eprintln!("SKIPPED: this CPU has no AVX2 + FMA; the kernel is not used here");
        return;
    }
    let mut rng = Rng::new(5);
    for (k, n) in [(8usize, 1usize), (24, 7), (24, 50), (104, 33)] {
        let (y, g, idx, yl, conf, x0) = problem(&mut rng, k, n);
        let (mut a, mut b) = (x0.clone(), x0);
        let (mut da, mut db) = (Vec::new(), Vec::new());
        // SAFETY: available(k) checked for 8..=128 multiples of 8 (same CPU features).
        let (ra, rb) = unsafe {
            (
                super::cg_row(&g, &yl, &conf, &mut a, &mut da, 3, false),
                super::cg_row_in_place(&g, &y, &idx, &conf, &mut b, &mut db, 3),
            )
        };
        assert_eq!(ra.to_bits(), rb.to_bits(), "k={k} n={n}");
        assert_eq!(a, b, "k={k} n={n}");
    }
}

/// The AVX-512 kernel solves rows in pairs sharing each pass over the Gram matrix: each row
/// must come out exactly as when solved alone, and close to the AVX2 kernel (rounding only).
#[test]
fn paired_wide_rows_equal_single_rows_and_match_avx2() {
    if !(super::available(24) && std::is_x86_feature_detected!("avx512f")) {
        eprintln!("SKIPPED: this CPU has no AVX-512F; the paired kernel is not used here");
        return;
    }
    let mut rng = Rng::new(9);
    for (k, na, nb) in [
        (8usize, 1usize, 9usize),
        (24, 7, 0),
        (24, 50, 3),
        (104, 33, 64),
    ] {
        let (y, g, idx, _, conf, x0) = problem(&mut rng, k, na.max(nb).max(1));
        let (ia, ca) = (&idx[..na], &conf[..na]);
        let (ib, cb) = (&idx[idx.len() - nb..], &conf[conf.len() - nb..]);
        let xb0: Vec<f32> = x0.iter().map(|v| -0.5 * v).collect();
        let (mut pa, mut pb) = (x0.clone(), xb0.clone());
        let (mut sa, mut sb) = (x0.clone(), xb0.clone());
        let (mut d1, mut d2, mut d3) = (Vec::new(), Vec::new(), Vec::new());
        // SAFETY: AVX2, FMA and AVX-512F checked above; indices are rows of `y`.
        let (paired, single) = unsafe {
            let p = super::cg_rows2_in_place(
                &g,
                &y,
                [ia, ib],
                [ca, cb],
                &mut pa,
                &mut pb,
                [&mut d1, &mut d2],
                3,
            );
            let a = by_width!(k, row_in_place(true, &g, &y, ia, ca, &mut sa, &mut d3, 3));
            let b = by_width!(k, row_in_place(true, &g, &y, ib, cb, &mut sb, &mut d3, 3));
            (p, (a, b))
        };
        assert_eq!(paired.0.to_bits(), single.0.to_bits(), "k={k}");
        assert_eq!(paired.1.to_bits(), single.1.to_bits(), "k={k}");
        assert_eq!((&pa, &pb), (&sa, &sb), "k={k} n={na},{nb}");
        // the AVX2 kernel on the same row: equal up to rounding
        let mut narrow = x0.clone();
        // SAFETY: as above.
        unsafe {
            by_width!(
                k,
                row_in_place(false, &g, &y, ia, ca, &mut narrow, &mut d3, 3)
            )
        };
        for (w, n) in pa.iter().zip(&narrow) {
            assert!((w - n).abs() <= 1e-4 * (1.0 + n.abs()), "k={k}: {w} vs {n}");
        }
    }
}
