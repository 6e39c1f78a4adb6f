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

/// `$f::<C>(args)` for `C = $k / 8` in `1..=16` (the widths [`available`] admits).
macro_rules! by_width {
    ($k:expr, $f:ident($($a:expr),*)) => {
        match $k / 8 {
            1 => $f::<1>($($a),*),
            2 => $f::<2>($($a),*),
            3 => $f::<3>($($a),*),
            4 => $f::<4>($($a),*),
            5 => $f::<5>($($a),*),
            6 => $f::<6>($($a),*),
            7 => $f::<7>($($a),*),
            8 => $f::<8>($($a),*),
            9 => $f::<9>($($a),*),
            10 => $f::<10>($($a),*),
            11 => $f::<11>($($a),*),
            12 => $f::<12>($($a),*),
            13 => $f::<13>($($a),*),
            14 => $f::<14>($($a),*),
            15 => $f::<15>($($a),*),
            _ => $f::<16>($($a),*),
        }
    };
}

/// Whether the kernel serves `k` factors on this CPU.
pub(crate) fn available(k: usize) -> bool {
    k.is_multiple_of(8)
        && (8..=128).contains(&k)
        && std::is_x86_feature_detected!("avx2")
        && std::is_x86_feature_detected!("fma")
}

/// Where the kernel finds the row's item vectors: the `i`-th one starts at `at(i)`.
trait Rows: Copy {
    /// # Safety
    /// `i` below the row's entry count; the pointer is valid for `k` floats.
    unsafe fn at(self, i: usize) -> *const f32;
}

/// Gathered vectors, one after the other.
#[derive(Clone, Copy)]
struct Packed {
    base: *const f32,
    k: usize,
}
impl Rows for Packed {
    #[inline(always)]
    unsafe fn at(self, i: usize) -> *const f32 {
        unsafe { self.base.add(i * self.k) }
    }
}

/// The vectors read in place: rows `idx[i]` of the factor matrix.
#[derive(Clone, Copy)]
struct Indexed {
    base: *const f32,
    idx: *const u32,
    k: usize,
}
impl Rows for Indexed {
    #[inline(always)]
    unsafe fn at(self, i: usize) -> *const f32 {
        unsafe { self.base.add(*self.idx.add(i) as usize * self.k) }
    }
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
    assert_eq!(yl.len(), conf.len() * x.len());
    // SAFETY (all arms): forwarded from the caller's contract.
    unsafe { by_width!(x.len(), row_packed(g, yl, conf, x, dots, steps, ready)) }
}

/// [`cg_row`] reading the item vectors in place, rows `idx` of `y`, instead of gathered:
/// the better choice when `y` is small enough to stay in cache, where gathering is pure
/// copying. Same arithmetic as [`cg_row`] with `ready = false`.
///
/// # Safety
/// As [`cg_row`], with `idx.len() == conf.len()` and every index a row of `y`.
pub(crate) unsafe fn cg_row_in_place(
    g: &[f32],
    y: &[f32],
    idx: &[u32],
    conf: &[f32],
    x: &mut [f32],
    dots: &mut Vec<f32>,
    steps: usize,
) -> f64 {
    let k = x.len();
    assert_eq!(idx.len(), conf.len());
    assert!(idx.iter().all(|&i| (i as usize + 1) * k <= y.len()));
    // SAFETY (all arms): forwarded from the caller's contract; the indices were just checked.
    unsafe { by_width!(k, row_in_place(g, y, idx, conf, x, dots, steps)) }
}

#[allow(clippy::too_many_arguments)]
unsafe fn row_packed<const C: usize>(
    g: &[f32],
    yl: &[f32],
    conf: &[f32],
    x: &mut [f32],
    dots: &mut Vec<f32>,
    steps: usize,
    ready: bool,
) -> f64 {
    let src = Packed {
        base: yl.as_ptr(),
        k: 8 * C,
    };
    // SAFETY: forwarded; `yl` holds `conf.len()` rows of `k`.
    unsafe { row::<C, _>(g, src, conf, x, dots, steps, ready) }
}

#[allow(clippy::too_many_arguments)]
unsafe fn row_in_place<const C: usize>(
    g: &[f32],
    y: &[f32],
    idx: &[u32],
    conf: &[f32],
    x: &mut [f32],
    dots: &mut Vec<f32>,
    steps: usize,
) -> f64 {
    let src = Indexed {
        base: y.as_ptr(),
        idx: idx.as_ptr(),
        k: 8 * C,
    };
    // SAFETY: forwarded; every index is a row of `y`.
    unsafe { row::<C, _>(g, src, conf, x, dots, steps, false) }
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
        by_width!(k, gather_rows(y, idx, yl, ahead, x, dots));
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
    unsafe { by_width!(k, gram(rows, g)) }
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
#[allow(clippy::too_many_arguments)]
unsafe fn apply<const C: usize, R: Rows>(
    g: &[f32],
    y: R,
    conf: &[f32],
    v: &[f32],
    out: &mut [f32],
    dots: &mut Vec<f32>,
    sub: f32,
    ready: bool,
) {
    let k = 8 * C;
    let n = conf.len();
    let vp = v.as_ptr();
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
                *acc = _mm256_fmadd_ps(_mm256_loadu_ps(y.at(i + q).add(8 * c)), vv, *acc);
            }
        }
        for (q, acc) in a.iter().enumerate() {
            dots[i + q] = hsum(*acc);
        }
        i += 4;
    }
    while i < n {
        dots[i] = vdot::<C>(y.at(i), vp);
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
            *a = _mm256_fmadd_ps(w, _mm256_loadu_ps(y.at(i).add(8 * c)), *a);
        }
    }
    for (c, a) in acc.iter().enumerate() {
        _mm256_storeu_ps(out.as_mut_ptr().add(8 * c), *a);
    }
}

#[target_feature(enable = "avx2,fma")]
unsafe fn row<const C: usize, R: Rows>(
    g: &[f32],
    yl: R,
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
    apply::<C, R>(
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
        apply::<C, R>(g, yl, conf, p, ap, dots, 0.0, false);
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
#[path = "als_kernel_tests.rs"]
mod tests;
