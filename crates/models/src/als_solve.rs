//! The numerical core of implicit ALS (Hu, Koren & Volinsky 2008): one half-step solves, for
//! every row `u` (a user, or an item when the roles are swapped),
//! `(YᵀY + λI + Σ_{i∈u} (c_ui − 1) y_i y_iᵀ) x_u = Σ_{i∈u} c_ui y_i`.
//!
//! - [`gram`]: `YᵀY` computed once per half-step (fixed row blocks, summed in block order in
//!   `f64`, so the result is the same for any thread count);
//! - [`cg_half_step`]: the conjugate-gradient update of Takács et al. as implicit does it —
//!   warm start from the previous `x_u`, `cg_steps` steps, `A·p` computed as
//!   `(YᵀY + λI)p + Σ (c−1)(y_i·p) y_i` without forming `A`;
//! - the AVX2 + FMA kernel of a CG row ([`crate::als_kernel`]) when the CPU and `k` allow;
//! - [`exact_row`]: the exact solve (Cholesky, `f64`) used by `use_cg = false`, fold-in and
//!   the tests;
//! - [`loss`]: implicit's training loss.

use crate::dense::{avx2_fn, axpy, dot, par_chunks};
use crate::linalg::cholesky_solve;

/// Rows processed per work unit.
const CHUNK: usize = 32;

/// Up to this size the fixed factor matrix of a half-step is read in place by the kernel
/// rather than gathered row by row (it then stays in a core's L2 cache, and gathering would
/// only copy).
const IN_PLACE_BYTES: usize = 1 << 20;
/// Rows per partial Gram block.
const GRAM_BLOCK: usize = 2048;

/// The sparse side of a half-step: for each row, the column indices and their confidences.
pub(crate) trait Rows: Sync {
    /// Number of rows.
    fn n_rows(&self) -> usize;
    /// Column indices of row `r`; `conf` is cleared and filled with their confidences
    /// `c = 1 + alpha·value` (one per index).
    fn row(&self, r: usize, conf: &mut Vec<f32>) -> &[u32];
}

/// `YᵀY + reg·I` (full symmetric, row-major, `k×k`) for the row-major `y` with `k` columns.
pub(crate) fn gram(y: &[f32], k: usize, reg: f32, threads: usize) -> Vec<f32> {
    if k == 0 {
        return vec![];
    }
    let n = y.len() / k;
    let n_blocks = n.div_ceil(GRAM_BLOCK);
    #[cfg(target_arch = "x86_64")]
    let fast = crate::als_kernel::available(k);
    // one slot of k² per block, computed independently, then summed in block order
    let mut partial = vec![0f32; n_blocks * k * k];
    par_chunks(
        &mut partial,
        k * k,
        1,
        threads,
        || (),
        |b, g, _| {
            let rows = &y[b * GRAM_BLOCK * k..((b + 1) * GRAM_BLOCK).min(n) * k];
            #[cfg(target_arch = "x86_64")]
            if fast {
                // SAFETY: `fast` is `als_kernel::available(k)`; `g` is one k×k slot.
                unsafe { crate::als_kernel::gram_rows(rows, k, g) };
                return 0.0;
            }
            gram_block(rows, k, g)
        },
    );
    let mut acc = vec![0f64; k * k];
    for g in partial.chunks_exact(k * k) {
        for (a, &v) in acc.iter_mut().zip(g) {
            *a += v as f64;
        }
    }
    let mut out = vec![0f32; k * k];
    for r in 0..k {
        for c in r..k {
            out[r * k + c] = acc[r * k + c] as f32;
            out[c * k + r] = acc[r * k + c] as f32;
        }
        out[r * k + r] += reg;
    }
    out
}

/// Adds the upper triangle of `Σ y yᵀ` over the rows of `rows` to `g`.
#[inline(always)]
fn gram_block_body(rows: &[f32], k: usize, g: &mut [f32]) -> f64 {
    for yi in rows.chunks_exact(k) {
        for r in 0..k {
            axpy(yi[r], &yi[r..], &mut g[r * k + r..(r + 1) * k]);
        }
    }
    0.0
}
avx2_fn!(fn gram_block[](rows: &[f32], k: usize, g: &mut [f32]) -> f64 = gram_block_body);

/// How many items ahead the kernel's gather requests a row from memory.
const PREFETCH_AHEAD: usize = 8;

/// Per-thread work buffers.
struct Scratch {
    conf: Vec<f32>,
    /// The second row's confidences and dot products when rows are solved in pairs.
    conf2: Vec<f32>,
    dots2: Vec<f32>,
    yl: Vec<f32>,
    r: Vec<f32>,
    p: Vec<f32>,
    ap: Vec<f32>,
    /// Per-item dot products of the AVX2 + FMA kernel.
    dots: Vec<f32>,
    /// Whether that kernel serves this `k` on this CPU.
    fast: bool,
}

impl Scratch {
    /// Empty buffers for `k` factors (`fast`: the AVX2 + FMA kernel serves this `k`).
    fn new(k: usize, fast: bool) -> Self {
        Scratch {
            conf: Vec::new(),
            conf2: Vec::new(),
            dots2: Vec::new(),
            yl: Vec::new(),
            r: vec![0.0; k],
            p: vec![0.0; k],
            ap: vec![0.0; k],
            dots: Vec::new(),
            fast,
        }
    }
}

/// `out = G v` for the full symmetric `k×k` matrix `g`, four rows at a time (each load of
/// `v` feeds four independent accumulators).
#[inline(always)]
fn symv(g: &[f32], v: &[f32], out: &mut [f32]) {
    let k = v.len();
    let mut rows = g[..k * k].chunks_exact(4 * k);
    let mut outs = out[..k].chunks_exact_mut(4);
    for (blk, o) in (&mut rows).zip(&mut outs) {
        let (r0, rest) = blk.split_at(k);
        let (r1, rest) = rest.split_at(k);
        let (r2, r3) = rest.split_at(k);
        let mut acc = [[0f32; 8]; 4];
        for (c, vv) in v.chunks_exact(8).enumerate() {
            let at = c * 8..c * 8 + 8;
            let (a0, a1, a2, a3) = (&r0[at.clone()], &r1[at.clone()], &r2[at.clone()], &r3[at]);
            for l in 0..8 {
                acc[0][l] += a0[l] * vv[l];
                acc[1][l] += a1[l] * vv[l];
                acc[2][l] += a2[l] * vv[l];
                acc[3][l] += a3[l] * vv[l];
            }
        }
        let tail = k - k % 8;
        for (q, (oq, row)) in o.iter_mut().zip([r0, r1, r2, r3]).enumerate() {
            let a = &acc[q];
            let mut t = ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]));
            for j in tail..k {
                t += row[j] * v[j];
            }
            *oq = t;
        }
    }
    for (o, row) in outs
        .into_remainder()
        .iter_mut()
        .zip(rows.remainder().chunks_exact(k))
    {
        *o = dot(row, v);
    }
}

/// CG update of one row `x` (warm start); returns the squared residual before the update.
#[inline(always)]
fn cg_row(
    g: &[f32],
    yl: &[f32],
    conf: &[f32],
    x: &mut [f32],
    s: &mut Scratch,
    steps: usize,
) -> f64 {
    let k = x.len();
    if conf.is_empty() {
        x.fill(0.0);
        return 0.0;
    }
    let (r, p, ap) = (&mut s.r[..k], &mut s.p[..k], &mut s.ap[..k]);
    // r = b − A x = −(YᵀY + λI) x + Σ (c − (c − 1) y·x) y
    symv(g, x, r);
    r.iter_mut().for_each(|v| *v = -*v);
    for (yi, &c) in yl.chunks_exact(k).zip(conf) {
        axpy(c - (c - 1.0) * dot(yi, x), yi, r);
    }
    p.copy_from_slice(r);
    let mut rsold = dot(r, r);
    let start = rsold as f64;
    if rsold < 1e-20 {
        return start;
    }
    for _ in 0..steps {
        symv(g, p, ap);
        for (yi, &c) in yl.chunks_exact(k).zip(conf) {
            axpy((c - 1.0) * dot(yi, p), yi, ap);
        }
        let alpha = rsold / dot(p, ap);
        if !alpha.is_finite() {
            break;
        }
        axpy(alpha, p, x);
        axpy(-alpha, ap, r);
        let rsnew = dot(r, r);
        if rsnew < 1e-20 {
            break;
        }
        let beta = rsnew / rsold;
        for (pj, &rj) in p.iter_mut().zip(r.iter()) {
            *pj = rj + beta * *pj;
        }
        rsold = rsnew;
    }
    start
}

/// Copies the rows `idx` of `y` into `yl` (the portable path; the kernel has its own).
#[inline(always)]
fn gather(y: &[f32], k: usize, idx: &[u32], yl: &mut Vec<f32>) {
    yl.clear();
    for &i in idx {
        yl.extend_from_slice(&y[i as usize * k..(i as usize + 1) * k]);
    }
}

/// [`cg_row`], through the AVX2 + FMA kernel when `s.fast`.
#[inline(always)]
fn solve_row(
    g: &[f32],
    yl: &[f32],
    conf: &[f32],
    x: &mut [f32],
    s: &mut Scratch,
    steps: usize,
) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if s.fast {
        // SAFETY: `fast` is `als_kernel::available(k)` (CPU features and `k` checked), `g` is
        // the k×k Gram matrix, `yl` holds `conf.len()` gathered rows of `k` and `s.dots`
        // their dot products with `x` (the kernel's gather).
        return unsafe { crate::als_kernel::cg_row(g, yl, conf, x, &mut s.dots, steps, true) };
    }
    cg_row(g, yl, conf, x, s, steps)
}

/// One CG half-step: updates every row of `x` (`n_rows × k`) against the fixed `y`.
/// Returns the summed squared residual before the update (a convergence measure).
pub(crate) fn cg_half_step<R: Rows>(
    rows: &R,
    x: &mut [f32],
    y: &[f32],
    k: usize,
    reg: f32,
    steps: usize,
    threads: usize,
) -> f64 {
    let g = gram(y, k, reg, threads);
    #[cfg(target_arch = "x86_64")]
    let fast = crate::als_kernel::available(k);
    #[cfg(not(target_arch = "x86_64"))]
    let fast = false;
    let scratch = || Scratch::new(k, fast);
    par_chunks(x, k, CHUNK, threads, scratch, |first, block, s| {
        cg_block(rows, &g, y, first, block, s, steps)
    })
}

/// CG updates of the rows `first..` held in `block`.
#[inline(always)]
fn cg_block_body<R: Rows>(
    rows: &R,
    g: &[f32],
    y: &[f32],
    first: usize,
    block: &mut [f32],
    s: &mut Scratch,
    steps: usize,
) -> f64 {
    let k = s.r.len();
    let mut res = 0.0;
    // A fixed matrix that stays in cache is read in place; a larger one is gathered.
    #[cfg(target_arch = "x86_64")]
    let in_place = s.fast && std::mem::size_of_val(y) <= IN_PLACE_BYTES;
    #[cfg(target_arch = "x86_64")]
    if in_place && crate::als_kernel::wide() {
        // Rows two at a time, sharing each pass over the Gram matrix (same results).
        let (mut ca, mut cb) = (std::mem::take(&mut s.conf), std::mem::take(&mut s.conf2));
        let mut pairs = block.chunks_exact_mut(2 * k);
        let mut r0 = first;
        for pair in &mut pairs {
            let (xa, xb) = pair.split_at_mut(k);
            let (ia, ib) = (rows.row(r0, &mut ca), rows.row(r0 + 1, &mut cb));
            let dots = [&mut s.dots, &mut s.dots2];
            // SAFETY: `fast` is `als_kernel::available(k)` and `wide()` saw AVX-512F; the
            // kernel checks the indices.
            let (ra, rb) = unsafe {
                crate::als_kernel::cg_rows2_in_place(
                    g,
                    y,
                    [ia, ib],
                    [&ca, &cb],
                    xa,
                    xb,
                    dots,
                    steps,
                )
            };
            res += ra;
            res += rb;
            r0 += 2;
        }
        let last = pairs.into_remainder();
        if !last.is_empty() {
            let i = rows.row(r0, &mut ca);
            // SAFETY: as above.
            res += unsafe {
                crate::als_kernel::cg_row_in_place(g, y, i, &ca, last, &mut s.dots, steps)
            };
        }
        (s.conf, s.conf2) = (ca, cb);
        return res;
    }
    for (j, xr) in block.chunks_exact_mut(k).enumerate() {
        let (mut conf, mut yl) = (std::mem::take(&mut s.conf), std::mem::take(&mut s.yl));
        let idx = rows.row(first + j, &mut conf);
        #[cfg(target_arch = "x86_64")]
        if in_place {
            // SAFETY: `fast` is `als_kernel::available(k)`; the kernel checks the indices.
            res += unsafe {
                crate::als_kernel::cg_row_in_place(g, y, idx, &conf, xr, &mut s.dots, steps)
            };
            (s.conf, s.yl) = (conf, yl);
            continue;
        }
        // gather the rows once: the CG passes then read contiguous memory
        #[cfg(target_arch = "x86_64")]
        if s.fast {
            // SAFETY: `fast` is `als_kernel::available(k)`; the indices are rows of `y`; the
            // gather leaves `dots` = `y_i·x` for the kernel's first pass.
            unsafe {
                crate::als_kernel::gather(y, k, idx, &mut yl, PREFETCH_AHEAD, xr, &mut s.dots)
            };
        }
        if !s.fast {
            gather(y, k, idx, &mut yl);
        }
        res += solve_row(g, &yl, &conf, xr, s, steps);
        (s.conf, s.yl) = (conf, yl);
    }
    res
}
avx2_fn!(fn cg_block[R: Rows](rows: &R, g: &[f32], y: &[f32], first: usize, block: &mut [f32], s: &mut Scratch, steps: usize) -> f64 = cg_block_body);

/// Exact solve for one row: `(G + Σ (c−1) y yᵀ) x = Σ c y` in `f64`, where `g` already holds
/// `YᵀY + λI`. A row without entries, or a singular system, gives zeros.
pub(crate) fn exact_row(g: &[f32], y: &[f32], idx: &[u32], conf: &[f32], x: &mut [f32]) {
    let k = x.len();
    if idx.is_empty() {
        x.fill(0.0);
        return;
    }
    let mut a: Vec<f64> = g.iter().map(|&v| v as f64).collect();
    let mut b = vec![0f64; k];
    for (&i, &c) in idx.iter().zip(conf) {
        let yi = &y[i as usize * k..(i as usize + 1) * k];
        for r in 0..k {
            let yr = yi[r] as f64;
            b[r] += c as f64 * yr;
            let w = (c as f64 - 1.0) * yr;
            for (acol, &yc) in a[r * k..(r + 1) * k].iter_mut().zip(yi) {
                *acol += w * yc as f64;
            }
        }
    }
    if cholesky_solve(&mut a, &mut b, k) {
        for (xj, bj) in x.iter_mut().zip(b) {
            *xj = bj as f32;
        }
    } else {
        x.fill(0.0);
    }
}

/// One exact half-step (implicit's `use_cg = False`).
pub(crate) fn exact_half_step<R: Rows>(
    rows: &R,
    x: &mut [f32],
    y: &[f32],
    k: usize,
    reg: f32,
    threads: usize,
) {
    let g = gram(y, k, reg, threads);
    par_chunks(x, k, CHUNK, threads, Vec::new, |first, block, conf| {
        for (j, xr) in block.chunks_exact_mut(k).enumerate() {
            let idx = rows.row(first + j, conf);
            exact_row(&g, y, idx, conf, xr);
        }
        0.0
    });
}

/// implicit's training loss: `(Σ_u Σ_i c_ui (p_ui − x_u·y_i)² + λ(|X|² + |Y|²))` divided by
/// the total confidence (observed `c` plus 1 per unobserved cell).
pub(crate) fn loss<R: Rows>(
    rows: &R,
    x: &[f32],
    y: &[f32],
    k: usize,
    reg: f32,
    threads: usize,
) -> f64 {
    if k == 0 {
        return 0.0;
    }
    let g = gram(y, k, 0.0, threads);
    let (n_rows, n_cols) = (x.len() / k, y.len() / k);
    let mut xs = x.to_vec();
    let body = par_chunks(
        &mut xs,
        k,
        CHUNK,
        threads,
        || (Vec::new(), vec![0f32; k]),
        |first, block, (conf, t)| {
            let mut l = 0f64;
            for (j, xr) in block.chunks_exact(k).enumerate() {
                let idx = rows.row(first + j, conf);
                symv(&g, xr, t);
                l += dot(t, xr) as f64;
                for (&i, &c) in idx.iter().zip(conf.iter()) {
                    let s = dot(&y[i as usize * k..(i as usize + 1) * k], xr) as f64;
                    let c = c as f64;
                    l += c - 2.0 * c * s + (c - 1.0) * s * s;
                }
            }
            l
        },
    );
    let (mut tc, mut nnz, mut conf) = (0f64, 0usize, Vec::new());
    for r in 0..n_rows {
        nnz += rows.row(r, &mut conf).len();
        tc += conf.iter().map(|&c| c as f64).sum::<f64>();
    }
    let norms: f64 = x.iter().chain(y).map(|&v| v as f64 * v as f64).sum();
    let denom = tc + (n_rows * n_cols - nnz) as f64;
    (body + reg as f64 * norms) / denom.max(1.0)
}

/// The portable [`cg_row`] with fresh scratch (for comparing the kernel against it).
#[cfg(test)]
pub(crate) fn portable_row(
    g: &[f32],
    yl: &[f32],
    conf: &[f32],
    x: &mut [f32],
    steps: usize,
) -> f64 {
    let k = x.len();
    let mut s = Scratch::new(k, false);
    cg_row(g, yl, conf, x, &mut s, steps)
}
