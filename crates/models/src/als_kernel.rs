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
//! - a fixed factor matrix small enough to stay in L2 is read in place (rows by index), a
//!   larger one is gathered per row first;
//! - on CPUs with AVX-512F (unless `CINEREC_NO_AVX512` is set) the same passes run on 512-bit
//!   registers, and in-place rows are solved two at a time in lockstep so that each pass over
//!   the Gram matrix serves both (each row's arithmetic is unchanged by the pairing).
//!
//! Results differ from the portable path only by rounding (FMA keeps one rounding where the
//! portable code has two; the 512-bit kernel sums in another order); the unit tests bound the
//! differences. Within one machine the fit is still deterministic and independent of the
//! thread count.

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
    unsafe { by_width!(k, row_in_place(wide(), g, y, idx, conf, x, dots, steps)) }
}

/// The CG loop of one row on the AVX-512 kernel when `wide`, else on the AVX2 one.
#[allow(clippy::too_many_arguments)]
unsafe fn dispatch<const C: usize, R: Rows>(
    wide: bool,
    g: &[f32],
    src: R,
    conf: &[f32],
    x: &mut [f32],
    dots: &mut Vec<f32>,
    steps: usize,
    ready: bool,
) -> f64 {
    // SAFETY: forwarded; `wide` only when the CPU has AVX-512F.
    unsafe {
        if wide {
            row_wide::<C, R>(g, src, conf, x, dots, steps, ready)
        } else {
            row::<C, R>(g, src, conf, x, dots, steps, ready)
        }
    }
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
    unsafe { dispatch::<C, _>(wide(), g, src, conf, x, dots, steps, ready) }
}

/// The in-place row on the AVX-512 kernel when `wide` (tests also run it with `false`).
#[allow(clippy::too_many_arguments)]
unsafe fn row_in_place<const C: usize>(
    wide: bool,
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
    unsafe { dispatch::<C, _>(wide, g, src, conf, x, dots, steps, false) }
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

/// The CG loop of one row; `apply` is the AVX2 one, or the AVX-512 one when `wide`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn row_body<const C: usize, R: Rows>(
    wide: bool,
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
    let ready = ready && dots.len() == conf.len();
    if wide {
        apply512::<C, R>(g, yl, conf, x, r, dots, 1.0, ready);
    } else {
        apply::<C, R>(g, yl, conf, x, r, dots, 1.0, ready);
    }
    r.iter_mut().for_each(|v| *v = -*v);
    p.copy_from_slice(r);
    let mut rsold = vdot::<C>(r.as_ptr(), r.as_ptr());
    let start = rsold as f64;
    if rsold < 1e-20 {
        return start;
    }
    for _ in 0..steps {
        if wide {
            apply512::<C, R>(g, yl, conf, p, ap, dots, 0.0, false);
        } else {
            apply::<C, R>(g, yl, conf, p, ap, dots, 0.0, false);
        }
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

#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn row<const C: usize, R: Rows>(
    g: &[f32],
    yl: R,
    conf: &[f32],
    x: &mut [f32],
    dots: &mut Vec<f32>,
    steps: usize,
    ready: bool,
) -> f64 {
    // SAFETY: forwarded.
    unsafe { row_body::<C, R>(false, g, yl, conf, x, dots, steps, ready) }
}

#[target_feature(enable = "avx512f,avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn row_wide<const C: usize, R: Rows>(
    g: &[f32],
    yl: R,
    conf: &[f32],
    x: &mut [f32],
    dots: &mut Vec<f32>,
    steps: usize,
    ready: bool,
) -> f64 {
    // SAFETY: forwarded; the CPU has AVX-512F (the caller checked `wide()`).
    unsafe { row_body::<C, R>(true, g, yl, conf, x, dots, steps, ready) }
}

/// Whether the AVX-512 `apply` is used: the CPU has AVX-512F and `CINEREC_NO_AVX512` is not
/// set (on CPUs that lower their clock for 512-bit work it may not pay; it also lets the two
/// kernels be compared on one machine).
pub(crate) fn wide() -> bool {
    static WIDE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WIDE.get_or_init(|| {
        std::is_x86_feature_detected!("avx512f")
            && std::env::var_os("CINEREC_NO_AVX512").is_none_or(|v| v.is_empty())
    })
}

/// Mask of the 16-lane chunk `c` of a `8·C`-float row: the last chunk of an odd `C` is half.
#[inline(always)]
const fn lanes<const C: usize>(c: usize) -> __mmask16 {
    if C % 2 == 1 && c == C.div_ceil(2) - 1 {
        0x00FF
    } else {
        0xFFFF
    }
}

macro_rules! ld512 {
    ($C:ident, $p:expr, $c:expr) => {
        _mm512_maskz_loadu_ps(lanes::<$C>($c), $p.add(16 * $c))
    };
}

/// [`apply`] with 512-bit registers: `⌈C/2⌉` 16-lane chunks per row, the last one masked to
/// 8 lanes when `C` is odd (masked loads never touch the lanes they leave out).
#[target_feature(enable = "avx512f,avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn apply512<const C: usize, R: Rows>(
    g: &[f32],
    y: R,
    conf: &[f32],
    v: &[f32],
    out: &mut [f32],
    dots: &mut Vec<f32>,
    sub: f32,
    ready: bool,
) {
    dots512::<C, R>(y, conf, v, dots, ready);
    let mut acc = [_mm512_setzero_ps(); 8];
    gv512::<C>(g, v, &mut acc);
    wy512::<C, R>(y, conf, dots, sub, &mut acc, out);
}

/// Pass 1 of [`apply512`]: `dots[i] = y_i·v`, four items at a time (nothing when `ready`).
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn dots512<const C: usize, R: Rows>(
    y: R,
    conf: &[f32],
    v: &[f32],
    dots: &mut Vec<f32>,
    ready: bool,
) {
    let (n, d, vp) = (conf.len(), C.div_ceil(2), v.as_ptr());
    if ready {
        return;
    }
    dots.clear();
    dots.resize(n, 0.0);
    let mut i = 0;
    while i + 4 <= n {
        let mut a = [_mm512_setzero_ps(); 4];
        for c in 0..d {
            let vv = ld512!(C, vp, c);
            for (q, acc) in a.iter_mut().enumerate() {
                *acc = _mm512_fmadd_ps(ld512!(C, y.at(i + q), c), vv, *acc);
            }
        }
        for (q, acc) in a.iter().enumerate() {
            dots[i + q] = _mm512_reduce_add_ps(*acc);
        }
        i += 4;
    }
    while i < n {
        let mut a = _mm512_setzero_ps();
        for c in 0..d {
            a = _mm512_fmadd_ps(ld512!(C, y.at(i), c), ld512!(C, vp, c), a);
        }
        dots[i] = _mm512_reduce_add_ps(a);
        i += 1;
    }
}

/// `acc += G v` (G row by row, in order).
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn gv512<const C: usize>(g: &[f32], v: &[f32], acc: &mut [__m512; 8]) {
    let (k, d) = (8 * C, C.div_ceil(2));
    for (j, &vj) in v.iter().enumerate().take(k) {
        let b = _mm512_set1_ps(vj);
        let row = g.as_ptr().add(j * k);
        for (c, a) in acc.iter_mut().enumerate().take(d) {
            *a = _mm512_fmadd_ps(b, ld512!(C, row, c), *a);
        }
    }
}

/// [`gv512`] for two vectors in one pass over `G` (each load of `G` feeds both; the
/// arithmetic per vector is exactly [`gv512`]'s).
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn gv512_pair<const C: usize>(
    g: &[f32],
    va: &[f32],
    vb: &[f32],
    acc_a: &mut [__m512; 8],
    acc_b: &mut [__m512; 8],
) {
    let (k, d) = (8 * C, C.div_ceil(2));
    for j in 0..k {
        let (ba, bb) = (_mm512_set1_ps(va[j]), _mm512_set1_ps(vb[j]));
        let row = g.as_ptr().add(j * k);
        for c in 0..d {
            let gj = ld512!(C, row, c);
            acc_a[c] = _mm512_fmadd_ps(ba, gj, acc_a[c]);
            acc_b[c] = _mm512_fmadd_ps(bb, gj, acc_b[c]);
        }
    }
}

/// Pass 2's second half: `acc += Σ_i ((c_i − 1)·dots_i − sub·c_i) y_i`, then `out = acc`.
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn wy512<const C: usize, R: Rows>(
    y: R,
    conf: &[f32],
    dots: &[f32],
    sub: f32,
    acc: &mut [__m512; 8],
    out: &mut [f32],
) {
    let d = C.div_ceil(2);
    for (i, (&dt, &ci)) in dots.iter().zip(conf).enumerate() {
        let w = _mm512_set1_ps((ci - 1.0) * dt - sub * ci);
        let yi = y.at(i);
        for (c, a) in acc.iter_mut().enumerate().take(d) {
            *a = _mm512_fmadd_ps(w, ld512!(C, yi, c), *a);
        }
    }
    for (c, a) in acc.iter().enumerate().take(d) {
        _mm512_mask_storeu_ps(out.as_mut_ptr().add(16 * c), lanes::<C>(c), *a);
    }
}

/// One row of a lockstep pair: its vectors, confidences, factors and CG state.
struct Lane<'a, R> {
    y: R,
    conf: &'a [f32],
    x: &'a mut [f32],
    dots: &'a mut Vec<f32>,
    r: [f32; 128],
    p: [f32; 128],
    ap: [f32; 128],
    rsold: f32,
    done: bool,
}

impl<'a, R> Lane<'a, R> {
    fn new(y: R, conf: &'a [f32], x: &'a mut [f32], dots: &'a mut Vec<f32>) -> Self {
        Lane {
            y,
            conf,
            x,
            dots,
            r: [0.0; 128],
            p: [0.0; 128],
            ap: [0.0; 128],
            rsold: 0.0,
            done: false,
        }
    }
}

/// Two rows' CG updates in lockstep with the AVX-512 kernel, sharing every pass over `G`;
/// each row's arithmetic is exactly that of its own [`cg_row_in_place`] (same operations in
/// the same order), so pairing never changes a result. Returns both squared residuals.
///
/// # Safety
/// As [`cg_row_in_place`] for each row, and the CPU must have AVX-512F ([`wide`]).
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn cg_rows2_in_place(
    g: &[f32],
    y: &[f32],
    idx: [&[u32]; 2],
    conf: [&[f32]; 2],
    xa: &mut [f32],
    xb: &mut [f32],
    dots: [&mut Vec<f32>; 2],
    steps: usize,
) -> (f64, f64) {
    let k = xa.len();
    assert_eq!(xb.len(), k);
    for t in 0..2 {
        assert_eq!(idx[t].len(), conf[t].len());
        assert!(idx[t].iter().all(|&i| (i as usize + 1) * k <= y.len()));
    }
    let [da, db] = dots;
    let src = |t: usize| Indexed {
        base: y.as_ptr(),
        idx: idx[t].as_ptr(),
        k,
    };
    let (mut a, mut b) = (
        Lane::new(src(0), conf[0], xa, da),
        Lane::new(src(1), conf[1], xb, db),
    );
    // SAFETY (all arms): forwarded from the caller's contract; the indices were just checked.
    unsafe { by_width!(k, pair_wide(g, &mut a, &mut b, steps)) }
}

#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn pair_wide<'a, const C: usize>(
    g: &[f32],
    a: &mut Lane<'a, Indexed>,
    b: &mut Lane<'a, Indexed>,
    steps: usize,
) -> (f64, f64) {
    let k = 8 * C;
    if a.conf.is_empty() || b.conf.is_empty() {
        // SAFETY: forwarded.
        let one = |l: &mut Lane<'_, Indexed>| unsafe {
            row_body::<C, Indexed>(true, g, l.y, l.conf, l.x, l.dots, steps, false)
        };
        return (one(a), one(b));
    }
    // Both products A·v of one CG step: passes 1 and 2 per row, one pass over G for both.
    macro_rules! apply_pair {
        ($va:expr, $vb:expr, $sub:expr, $oa:expr, $ob:expr) => {{
            dots512::<C, Indexed>(a.y, a.conf, $va, a.dots, false);
            dots512::<C, Indexed>(b.y, b.conf, $vb, b.dots, false);
            let (mut acc_a, mut acc_b) = ([_mm512_setzero_ps(); 8], [_mm512_setzero_ps(); 8]);
            gv512_pair::<C>(g, $va, $vb, &mut acc_a, &mut acc_b);
            wy512::<C, Indexed>(a.y, a.conf, a.dots, $sub, &mut acc_a, $oa);
            wy512::<C, Indexed>(b.y, b.conf, b.dots, $sub, &mut acc_b, $ob);
        }};
    }
    apply_pair!(&a.x[..k], &b.x[..k], 1.0, &mut a.r[..k], &mut b.r[..k]);
    let mut start = [0f64; 2];
    for (t, l) in [&mut *a, &mut *b].into_iter().enumerate() {
        l.r[..k].iter_mut().for_each(|v| *v = -*v);
        l.p = l.r;
        l.rsold = vdot::<C>(l.r.as_ptr(), l.r.as_ptr());
        start[t] = l.rsold as f64;
        l.done = l.rsold < 1e-20;
    }
    for _ in 0..steps {
        if a.done && b.done {
            break;
        }
        apply_pair!(&a.p[..k], &b.p[..k], 0.0, &mut a.ap[..k], &mut b.ap[..k]);
        for l in [&mut *a, &mut *b] {
            if l.done {
                continue;
            }
            let alpha = l.rsold / vdot::<C>(l.p.as_ptr(), l.ap.as_ptr());
            if !alpha.is_finite() {
                l.done = true;
                continue;
            }
            for j in 0..k {
                l.x[j] += alpha * l.p[j];
                l.r[j] -= alpha * l.ap[j];
            }
            let rsnew = vdot::<C>(l.r.as_ptr(), l.r.as_ptr());
            if rsnew < 1e-20 {
                l.done = true;
                continue;
            }
            let beta = rsnew / l.rsold;
            for j in 0..k {
                l.p[j] = l.r[j] + beta * l.p[j];
            }
            l.rsold = rsnew;
        }
    }
    (start[0], start[1])
}

#[cfg(test)]
#[path = "als_kernel_tests.rs"]
mod tests;
