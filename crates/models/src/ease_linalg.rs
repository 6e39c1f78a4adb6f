//! EASE's dense linear algebra and its memory: the Gram matrix `G = XᵀX + λI` over the dense
//! item set ([`gram`]), `P = G⁻¹` by faer's Cholesky ([`invert_spd`]: `G = LLᵀ` in place,
//! `L⁻¹`, `P = L⁻ᵀL⁻¹`, all three blocked, SIMD and parallel on rayon's pool), the weights
//! `B = I − P·diag(1/diag(P))` ([`weights`]), and the bytes all of it needs
//! ([`BYTES_PER_CELL`], [`auto_max_items`]).
//!
//! Matrices are `n × n` column-major `Vec`s (`k * n + j` holds entry `(j, k)`), allocated
//! with `try_reserve` so that a failed allocation is an error, not an abort.

use crate::common::Shape;
use crate::neighbors::{invalid, UserRows};
use cinerec_core::{Result, UserIdx, UserRef};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::{
    cholesky_in_place, cholesky_in_place_scratch, LltRegularization,
};
use faer::linalg::matmul::triangular::{matmul, BlockStructure};
use faer::linalg::triangular_inverse::invert_lower_triangular;
use faer::{Accum, MatMut, Par};
use rayon::prelude::*;

/// The scalar of the fit. f64: on the 9k-movie bench set (λ = 800, 2 cores under load 5)
/// an f32 build fitted in 9.6–13.2 s against f64's 19.6 s (1.5–2×) and in half the memory,
/// but its weights were 27× further from numpy's f64 ones (7.8e-7 vs 2.9e-8 of max |B|; the
/// gap grows as λ shrinks), and f64 already beats numpy's fit (`bench/ease/results.md`).
pub(crate) type R = f64;

/// Bytes per `n²` cell budgeted for a fit: its peak is two `R` matrices (the Gram matrix,
/// factored in place into `L` and then overwritten by `P`, and `L⁻¹`: 2 × 8), then `P` and
/// the f32 `B` (8 + 4) once `L⁻¹` is freed; plus the f32 `B` (4) of the model a retrain
/// replaces, which serves until the new one is fitted.
pub const BYTES_PER_CELL: u64 = 2 * std::mem::size_of::<R>() as u64 + 4;

/// Memory left to the rest of the process and the machine when sizing the catalogue from
/// `MemAvailable`: 1 GiB plus an eighth of what is available.
fn headroom(available: u64) -> u64 {
    (1 << 30) + available / 8
}

/// `MemAvailable` from `/proc/meminfo`, in bytes (`None` off Linux or if unreadable).
pub(crate) fn mem_available() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = s.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Largest dense item set whose fit fits in `available` bytes after the headroom.
pub(crate) fn max_items_for(available: u64) -> usize {
    let budget = available.saturating_sub(headroom(available));
    ((budget / BYTES_PER_CELL) as f64).sqrt() as usize
}

/// The automatic `max_items`: [`max_items_for`] the machine's `MemAvailable` now, or 20,000
/// when it cannot be read.
pub fn auto_max_items() -> usize {
    mem_available().map_or(20_000, max_items_for)
}

/// A zeroed vector of `len` values, or an `InvalidParam` naming the memory it lacked.
fn zeros<T: Copy + Send + Sync>(len: usize, zero: T) -> Result<Vec<T>> {
    let mut v = Vec::new();
    if v.try_reserve_exact(len).is_err() {
        return invalid(
            "max_items",
            format!(
                "EASE could not allocate {:.2} GiB",
                (len * std::mem::size_of::<T>()) as f64 / (1u64 << 30) as f64
            ),
        );
    }
    // Written in parallel into the reserved capacity (a 3 GB memset is a second on one core).
    v.par_extend(rayon::iter::repeat_n(zero, len));
    Ok(v)
}

/// Lower triangle of `XᵀX + λI` over the dense set (`dense[item]` = its index in `0..n`, or
/// `none`). Column `k` is `Σ_u x_uk · x_u[k..]` over the users who rated `k` (rows sorted by
/// item, so the pairs `(j ≥ k, k)` of a row are its tail from `k` on): the sparse pairs cost
/// Σ|row|²/2 multiply–adds, each column is written by one thread while it sits in cache.
/// On the 9k-movie bench set (80k ratings; 2 cores under load 5) this took 0.2–0.45 s,
/// zeroing the 648 MB matrix included, where a user-by-user scatter into the whole matrix
/// took 0.54–0.75 s; a dense `XᵀX` on faer's matmul would be users × n²/2 = 2.5·10¹⁰
/// multiply–adds (seconds). Either way it is 2–3% of the fit, the rest is faer's inverse.
pub(crate) fn gram(
    rows: &UserRows,
    shape: &Shape,
    dense: &[u32],
    none: u32,
    n: usize,
    binary: bool,
    lambda: f64,
) -> Result<Vec<R>> {
    // The rows over dense indices (CSR by user), then who rated each item and where (CSC).
    let (mut offsets, mut cells) = (vec![0usize], Vec::<(usize, R)>::new());
    for u in 0..shape.n_users {
        for (j, r) in rows.profile(shape, UserRef::Known(UserIdx(u as u32)))? {
            let d = dense[j as usize];
            if d != none {
                cells.push((d as usize, if binary { 1.0 } else { r as R }));
            }
        }
        offsets.push(cells.len());
    }
    let mut col_start = vec![0usize; n + 1];
    for &(k, _) in &cells {
        col_start[k + 1] += 1;
    }
    for k in 0..n {
        col_start[k + 1] += col_start[k];
    }
    // (user, position of item k in the user's row) for each item k.
    let mut by_item = vec![(0usize, 0usize); cells.len()];
    let mut fill = col_start.clone();
    for u in 0..shape.n_users {
        let a = offsets[u];
        for (pos, &(k, _)) in (a..).zip(&cells[a..offsets[u + 1]]) {
            by_item[fill[k]] = (u, pos);
            fill[k] += 1;
        }
    }
    let mut g = zeros(n * n, 0.0 as R)?;
    if n > 0 {
        g.par_chunks_mut(n).enumerate().for_each(|(k, col)| {
            for &(u, pos) in &by_item[col_start[k]..col_start[k + 1]] {
                let xk = cells[pos].1;
                for &(j, xj) in &cells[pos..offsets[u + 1]] {
                    col[j] += xk * xj;
                }
            }
            col[k] += lambda as R;
        });
    }
    Ok(g)
}

/// Overwrites the lower triangle of the SPD `g` (column-major `n × n`, upper triangle
/// ignored) with the lower triangle of `g⁻¹`. `Ok(false)` when `g` is not positive definite.
pub(crate) fn invert_spd(g: &mut [R], n: usize) -> Result<bool> {
    // rayon's pool (all cores; RAYON_NUM_THREADS=1 makes it sequential). Not yet shown to
    // help on this 2-core machine: under load 5 from other processes, 1 thread fitted the
    // 9k bench set in 26.2–29.3 s and 2 threads in 29.2–31.2 s; to re-measure when quiet.
    let par = Par::rayon(0);
    let mut a = MatMut::from_column_major_slice_mut(g, n, n);
    let Ok(mut mem) =
        MemBuffer::try_new(cholesky_in_place_scratch::<R>(n, par, Default::default()))
    else {
        return invalid("max_items", "EASE could not allocate the Cholesky scratch");
    };
    let factored = cholesky_in_place(
        a.as_mut(),
        LltRegularization::default(),
        par,
        MemStack::new(&mut mem),
        Default::default(),
    );
    if factored.is_err() {
        return Ok(false);
    }
    let mut linv = zeros(n * n, 0.0 as R)?;
    let mut m = MatMut::from_column_major_slice_mut(&mut linv, n, n);
    invert_lower_triangular(m.as_mut(), a.as_ref(), par);
    // P = L⁻ᵀ L⁻¹, lower triangle only, into the factor's storage (L is no longer needed).
    matmul(
        a.as_mut(),
        BlockStructure::TriangularLower,
        Accum::Replace,
        m.as_ref().transpose(),
        BlockStructure::TriangularUpper,
        m.as_ref(),
        BlockStructure::TriangularLower,
        1.0 as R,
        par,
    );
    Ok(true)
}

/// Copies the lower triangle of the column-major `n × n` `p` onto its upper triangle, in
/// 64 × 64 tiles so that the strided side stays in cache.
fn symmetrise(p: &mut [R], n: usize) {
    const T: usize = 64;
    for c0 in (0..n).step_by(T) {
        for r0 in (c0..n).step_by(T) {
            for c in c0..(c0 + T).min(n) {
                for r in r0.max(c + 1)..(r0 + T).min(n) {
                    p[r * n + c] = p[c * n + r];
                }
            }
        }
    }
}

/// EASE's weights from `P` (lower triangle of the column-major `p`; its upper triangle is
/// overwritten): row-major `b[j * n + i] = −P[j][i] / P[i][i]`, zero on the diagonal.
pub(crate) fn weights(p: &mut [R], n: usize) -> Result<Vec<f32>> {
    symmetrise(p, n);
    let scale: Vec<R> = (0..n).map(|i| -1.0 / p[i * n + i]).collect();
    let mut b = zeros(n * n, 0f32)?;
    if n > 0 {
        b.par_chunks_mut(n).enumerate().for_each(|(j, row)| {
            // Row j of B is column j of the symmetric P, scaled.
            let col = &p[j * n..j * n + n];
            for ((o, &x), &s) in row.iter_mut().zip(col).zip(&scale) {
                *o = (x * s) as f32;
            }
            row[j] = 0.0;
        });
    }
    Ok(b)
}

#[cfg(test)]
#[path = "ease_linalg_tests.rs"]
mod tests;
