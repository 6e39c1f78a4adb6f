//! The x86-64 AVX2 + FMA kernel of one conjugate-gradient row update of implicit ALS (the
//! same algorithm as [`crate::als_solve`]'s portable `cg_row`, arranged for registers).
//!
//! The costly part of a CG step is `A·v = (YᵀY + λI)v + Σ_i (c_i − 1)(y_i·v) y_i` over the
//! row's `n` gathered item vectors. The portable code runs a dot product and then an `axpy`
//! into memory per item, and (Rust never fuses `a·b + c`) spends a multiply and an add per
//! element. Here, for `k = 8·C` factors:
//! - all `n` dot products are taken first, four items at a time (four independent FMA chains
//!   sharing each load of `v`);
//! - the weighted sum `Σ w_i y_i` and the Gram product are then accumulated in `C` 256-bit
//!   registers, one FMA per 8 elements, written back once.
//!
//! Results differ from the portable path only by rounding (FMA keeps one rounding where the
//! portable code has two); the unit test bounds the difference. Within one machine the fit is
//! still deterministic and independent of the thread count.

#![cfg(target_arch = "x86_64")]

use std::arch::x86_64::*;

/// Whether the kernel serves `k` factors on this CPU.
pub(crate) fn available(k: usize) -> bool {
    k.is_multiple_of(8)
        && (8..=128).contains(&k)
        && std::is_x86_feature_detected!("avx2")
        && std::is_x86_feature_detected!("fma")
}

/// One warm-started CG update of the row `x` (see `als_solve::cg_row`); returns the squared
/// residual before the update. `dots` holds `y_i·x` for every gathered row when `ready`
/// (as [`gather`] leaves it), and is scratch otherwise.
///
/// # Safety
/// The CPU must support AVX2 and FMA and `k = x.len()` must satisfy [`available`];
/// `g.len() >= k²`, `yl.len() == conf.len()·k`.
pub(crate) unsafe fn cg_row(
    g: &[f32],
    yl: &[f32],
    conf: &[f32],
    x: &mut [f32],
    dots: &mut Vec<f32>,
    steps: usize,
    ready: bool,
) -> f64 {
    // SAFETY (all arms): forwarded from the caller's contract.
    unsafe {
        match x.len() / 8 {
            1 => row::<1>(g, yl, conf, x, dots, steps, ready),
            2 => row::<2>(g, yl, conf, x, dots, steps, ready),
            3 => row::<3>(g, yl, conf, x, dots, steps, ready),
            4 => row::<4>(g, yl, conf, x, dots, steps, ready),
            5 => row::<5>(g, yl, conf, x, dots, steps, ready),
            6 => row::<6>(g, yl, conf, x, dots, steps, ready),
            7 => row::<7>(g, yl, conf, x, dots, steps, ready),
            8 => row::<8>(g, yl, conf, x, dots, steps, ready),
            9 => row::<9>(g, yl, conf, x, dots, steps, ready),
            10 => row::<10>(g, yl, conf, x, dots, steps, ready),
            11 => row::<11>(g, yl, conf, x, dots, steps, ready),
            12 => row::<12>(g, yl, conf, x, dots, steps, ready),
            13 => row::<13>(g, yl, conf, x, dots, steps, ready),
            14 => row::<14>(g, yl, conf, x, dots, steps, ready),
            15 => row::<15>(g, yl, conf, x, dots, steps, ready),
            _ => row::<16>(g, yl, conf, x, dots, steps, ready),
        }
    }
}

/// Copies the rows `idx` of `y` (`k = x.len()` columns) into `yl`, replacing its contents,
/// and sets `dots[i] = y_i·x` while each row is in registers (the first CG pass then has its
/// dot products). The row `ahead` items on is requested from memory meanwhile.
///
/// # Safety
/// As [`cg_row`]; every index must be a row of `y`.
pub(crate) unsafe fn gather(
    y: &[f32],
    k: usize,
    idx: &[u32],
    yl: &mut Vec<f32>,
    ahead: usize,
    x: &[f32],
    dots: &mut Vec<f32>,
) {
    assert_eq!(x.len(), k);
    yl.clear();
    yl.reserve(idx.len() * k);
    dots.clear();
    dots.resize(idx.len(), 0.0);
    // SAFETY: forwarded; `yl` has capacity for `idx.len()·k` floats.
    unsafe {
        match k / 8 {
            1 => gather_rows::<1>(y, idx, yl, ahead, x, dots),
            2 => gather_rows::<2>(y, idx, yl, ahead, x, dots),
            3 => gather_rows::<3>(y, idx, yl, ahead, x, dots),
            4 => gather_rows::<4>(y, idx, yl, ahead, x, dots),
            5 => gather_rows::<5>(y, idx, yl, ahead, x, dots),
            6 => gather_rows::<6>(y, idx, yl, ahead, x, dots),
            7 => gather_rows::<7>(y, idx, yl, ahead, x, dots),
            8 => gather_rows::<8>(y, idx, yl, ahead, x, dots),
            9 => gather_rows::<9>(y, idx, yl, ahead, x, dots),
            10 => gather_rows::<10>(y, idx, yl, ahead, x, dots),
            11 => gather_rows::<11>(y, idx, yl, ahead, x, dots),
            12 => gather_rows::<12>(y, idx, yl, ahead, x, dots),
            13 => gather_rows::<13>(y, idx, yl, ahead, x, dots),
            14 => gather_rows::<14>(y, idx, yl, ahead, x, dots),
            15 => gather_rows::<15>(y, idx, yl, ahead, x, dots),
            _ => gather_rows::<16>(y, idx, yl, ahead, x, dots),
        }
        yl.set_len(idx.len() * k);
    }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn gather_rows<const C: usize>(
    y: &[f32],
    idx: &[u32],
    yl: &mut Vec<f32>,
    ahead: usize,
    x: &[f32],
    dots: &mut [f32],
) {
    let k = 8 * C;
    let dst = yl.as_mut_ptr();
    let xp = x.as_ptr();
    for (t, &i) in idx.iter().enumerate() {
        if let Some(&a) = idx.get(t + ahead) {
            let row = &y[a as usize * k..(a as usize + 1) * k];
            for off in (0..k).step_by(16) {
                _mm_prefetch::<_MM_HINT_T0>(row.as_ptr().add(off) as *const i8);
            }
        }
        let src = y[i as usize * k..(i as usize + 1) * k].as_ptr();
        let (mut s0, mut s1) = (_mm256_setzero_ps(), _mm256_setzero_ps());
        for c in 0..C {
            let v = _mm256_loadu_ps(src.add(8 * c));
            _mm256_storeu_ps(dst.add(t * k + 8 * c), v);
            if c % 2 == 0 {
                s0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(xp.add(8 * c)), s0);
            } else {
                s1 = _mm256_fmadd_ps(v, _mm256_loadu_ps(xp.add(8 * c)), s1);
            }
        }
        dots[t] = hsum(_mm256_add_ps(s0, s1));
    }
}

/// Adds `Σ y yᵀ` over the `k`-wide rows of `rows` to `g` (`k×k`, row-major): every entry on
/// or above the diagonal, plus those below it within the diagonal's 8-wide block (which
/// callers ignore). Four rows at a time, so each load and store of `g` carries four FMAs.
///
/// # Safety
/// The CPU must support AVX2 and FMA, `k` must satisfy [`available`], `g.len() >= k²`.
pub(crate) unsafe fn gram_rows(rows: &[f32], k: usize, g: &mut [f32]) {
    // SAFETY: forwarded from the caller's contract.
    unsafe {
        match k / 8 {
            1 => gram::<1>(rows, g),
            2 => gram::<2>(rows, g),
            3 => gram::<3>(rows, g),
            4 => gram::<4>(rows, g),
            5 => gram::<5>(rows, g),
            6 => gram::<6>(rows, g),
            7 => gram::<7>(rows, g),
            8 => gram::<8>(rows, g),
            9 => gram::<9>(rows, g),
            10 => gram::<10>(rows, g),
            11 => gram::<11>(rows, g),
            12 => gram::<12>(rows, g),
            13 => gram::<13>(rows, g),
            14 => gram::<14>(rows, g),
            15 => gram::<15>(rows, g),
            _ => gram::<16>(rows, g),
        }
    }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn gram<const C: usize>(rows: &[f32], g: &mut [f32]) {
    let k = 8 * C;
    assert!(g.len() >= k * k);
    let gp = g.as_mut_ptr();
    let mut quads = rows.chunks_exact(4 * k);
    for q in &mut quads {
        let y = q.as_ptr();
        for r in 0..k {
            let b = [
                _mm256_set1_ps(*y.add(r)),
                _mm256_set1_ps(*y.add(k + r)),
                _mm256_set1_ps(*y.add(2 * k + r)),
                _mm256_set1_ps(*y.add(3 * k + r)),
            ];
            for c in r / 8..C {
                let p = gp.add(r * k + 8 * c);
                let mut acc = _mm256_loadu_ps(p);
                for (j, bj) in b.iter().enumerate() {
                    acc = _mm256_fmadd_ps(*bj, _mm256_loadu_ps(y.add(j * k + 8 * c)), acc);
                }
                _mm256_storeu_ps(p, acc);
            }
        }
    }
    for yi in quads.remainder().chunks_exact(k) {
        let y = yi.as_ptr();
        for r in 0..k {
            let b = _mm256_set1_ps(*y.add(r));
            for c in r / 8..C {
                let p = gp.add(r * k + 8 * c);
                _mm256_storeu_ps(
                    p,
                    _mm256_fmadd_ps(b, _mm256_loadu_ps(y.add(8 * c)), _mm256_loadu_ps(p)),
                );
            }
        }
    }
}

/// Horizontal sum of the 8 lanes.
#[inline(always)]
unsafe fn hsum(v: __m256) -> f32 {
    let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps(s, s, 1)))
}

/// `a·b` for `8·C` floats.
#[inline(always)]
unsafe fn vdot<const C: usize>(a: *const f32, b: *const f32) -> f32 {
    let (mut s0, mut s1) = (_mm256_setzero_ps(), _mm256_setzero_ps());
    for c in 0..C {
        let t = _mm256_mul_ps(_mm256_loadu_ps(a.add(8 * c)), _mm256_loadu_ps(b.add(8 * c)));
        if c % 2 == 0 {
            s0 = _mm256_add_ps(s0, t);
        } else {
            s1 = _mm256_add_ps(s1, t);
        }
    }
    hsum(_mm256_add_ps(s0, s1))
}

/// `out = G v + Σ_i ((c_i − 1)(y_i·v) − sub·c_i) y_i` with `sub` 0 or 1.
#[target_feature(enable = "avx2,fma")]
unsafe fn apply<const C: usize>(
    g: &[f32],
    yl: &[f32],
    conf: &[f32],
    v: &[f32],
    out: &mut [f32],
    dots: &mut Vec<f32>,
    sub: f32,
    ready: bool,
) {
    let k = 8 * C;
    let n = conf.len();
    let (y, vp) = (yl.as_ptr(), v.as_ptr());
    // Pass 1: the n dot products, four items at a time (unless the gather took them).
    let mut i = 0;
    if ready {
        i = n;
    } else {
        dots.clear();
        dots.resize(n, 0.0);
    }
    while i + 4 <= n {
        let mut a = [_mm256_setzero_ps(); 4];
        for c in 0..C {
            let vv = _mm256_loadu_ps(vp.add(8 * c));
            for (q, acc) in a.iter_mut().enumerate() {
                *acc = _mm256_fmadd_ps(_mm256_loadu_ps(y.add((i + q) * k + 8 * c)), vv, *acc);
            }
        }
        for (q, acc) in a.iter().enumerate() {
            dots[i + q] = hsum(*acc);
        }
        i += 4;
    }
    while i < n {
        dots[i] = vdot::<C>(y.add(i * k), vp);
        i += 1;
    }
    // Pass 2: G v + Σ w_i y_i in C registers.
    let mut acc = [_mm256_setzero_ps(); C];
    for (j, &vj) in v.iter().enumerate().take(k) {
        let b = _mm256_set1_ps(vj);
        let row = g.as_ptr().add(j * k);
        for (c, a) in acc.iter_mut().enumerate() {
            *a = _mm256_fmadd_ps(b, _mm256_loadu_ps(row.add(8 * c)), *a);
        }
    }
    for (i, (&d, &ci)) in dots.iter().zip(conf).enumerate() {
        let w = _mm256_set1_ps((ci - 1.0) * d - sub * ci);
        for (c, a) in acc.iter_mut().enumerate() {
            *a = _mm256_fmadd_ps(w, _mm256_loadu_ps(y.add(i * k + 8 * c)), *a);
        }
    }
    for (c, a) in acc.iter().enumerate() {
        _mm256_storeu_ps(out.as_mut_ptr().add(8 * c), *a);
    }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn row<const C: usize>(
    g: &[f32],
    yl: &[f32],
    conf: &[f32],
    x: &mut [f32],
    dots: &mut Vec<f32>,
    steps: usize,
    ready: bool,
) -> f64 {
    let k = 8 * C;
    if conf.is_empty() {
        x.fill(0.0);
        return 0.0;
    }
    let (mut r, mut p, mut ap) = ([0f32; 128], [0f32; 128], [0f32; 128]);
    let (r, p, ap) = (&mut r[..k], &mut p[..k], &mut ap[..k]);
    // r = b − A x = −(G x + Σ ((c − 1)(y·x) − c) y)
    apply::<C>(
        g,
        yl,
        conf,
        x,
        r,
        dots,
        1.0,
        ready && dots.len() == conf.len(),
    );
    r.iter_mut().for_each(|v| *v = -*v);
    p.copy_from_slice(r);
    let mut rsold = vdot::<C>(r.as_ptr(), r.as_ptr());
    let start = rsold as f64;
    if rsold < 1e-20 {
        return start;
    }
    for _ in 0..steps {
        apply::<C>(g, yl, conf, p, ap, dots, 0.0, false);
        let alpha = rsold / vdot::<C>(p.as_ptr(), ap.as_ptr());
        if !alpha.is_finite() {
            break;
        }
        for j in 0..k {
            x[j] += alpha * p[j];
            r[j] -= alpha * ap[j];
        }
        let rsnew = vdot::<C>(r.as_ptr(), r.as_ptr());
        if rsnew < 1e-20 {
            break;
        }
        let beta = rsnew / rsold;
        for j in 0..k {
            p[j] = r[j] + beta * p[j];
        }
        rsold = rsnew;
    }
    start
}

#[cfg(test)]
mod tests {
    use crate::als_solve::{exact_row, gram, portable_row};
    use cinerec_core::Rng;

    /// A random row problem: item factors `y` (`m × k`), the Gram matrix with `reg`, `n`
    /// distinct items of the row gathered into `yl`, their confidences, a warm start.
    fn problem(
        rng: &mut Rng,
        k: usize,
        n: usize,
    ) -> (Vec<f32>, Vec<f32>, Vec<u32>, Vec<f32>, Vec<f32>, Vec<f32>) {
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
        fn indices(&self, r: usize) -> &[u32] {
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
}
