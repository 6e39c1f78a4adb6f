//! The SGD engine of [`crate::Svd`]: Surprise's biased-MF update rule run as partitioned
//! (DSGD-style) parallel SGD.
//!
//! Users are cut into `t` contiguous ranges and items into `t` contiguous ranges of about
//! equal rating counts, which splits the ratings into a `t × t` grid of blocks. An epoch is
//! `t` sub-epochs; in sub-epoch `s` thread `a` trains block `(a, (a + s) mod t)`, so no two
//! threads ever touch the same user or item row: the parallelism is lock-free and race-free
//! (safe Rust, disjoint `&mut` slices), and the result depends only on the seed and `t` —
//! never on scheduling. With `t = 1` the whole epoch is one block.
//!
//! Within a block, each epoch visits the block's users in a freshly shuffled order and each
//! user's ratings in a freshly shuffled order (the user's row stays in L1 while the item rows
//! stream by). Surprise visits ratings user by user in file order without shuffling; the
//! update itself is Surprise's, rating by rating:
//! `e = r − (μ + b_u + b_i + q_i·p_u)`, `b_u += lr_bu (e − reg_bu b_u)`,
//! `b_i += lr_bi (e − reg_bi b_i)`, `p_u += lr_pu (e q_i − reg_pu p_u)`,
//! `q_i += lr_qi (e p_u − reg_qi q_i)` (old `p_u`, `q_i` on the right).
//! The inner loops are plain element-wise `f32` loops the compiler vectorises; on x86-64
//! with AVX2 a copy compiled for AVX2 is picked at run time (same arithmetic, same results).

use cinerec_core::{RatingMatrix, Rng, UserIdx};

/// Learning rates and regularisation of every term, resolved from `*_all` and overrides.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rates {
    pub lr_bu: f32,
    pub lr_bi: f32,
    pub lr_pu: f32,
    pub lr_qi: f32,
    pub reg_bu: f32,
    pub reg_bi: f32,
    pub reg_pu: f32,
    pub reg_qi: f32,
}

/// The trainable parameters (flat, row-major factor rows).
pub(crate) struct Params<'a> {
    pub k: usize,
    pub mu: f32,
    pub biased: bool,
    pub users: &'a mut [f32],
    pub items: &'a mut [f32],
    pub bu: &'a mut [f32],
    pub bi: &'a mut [f32],
}

/// One grid block: the ratings of a user range that fall in an item range, grouped by user.
#[derive(Debug, Default)]
struct Block {
    /// `(user, start, end)` into `entries`.
    rows: Vec<(u32, u32, u32)>,
    /// `(item, rating)`.
    entries: Vec<(u32, f32)>,
}

/// The ratings cut into a `t × t` grid of blocks.
#[derive(Debug)]
pub(crate) struct Grid {
    t: usize,
    user_cut: Vec<usize>,
    item_cut: Vec<usize>,
    blocks: Vec<Block>,
}

/// Cuts `0..counts.len()` into `t` contiguous ranges with about equal total counts.
fn balanced_cuts(
    counts: impl Iterator<Item = usize>,
    n: usize,
    total: usize,
    t: usize,
) -> Vec<usize> {
    let mut cuts = vec![0usize];
    let mut acc = 0usize;
    for (x, c) in counts.enumerate() {
        acc += c;
        while cuts.len() < t && acc * t >= total * cuts.len() && acc > 0 {
            cuts.push(x + 1);
        }
    }
    while cuts.len() <= t {
        cuts.push(n);
    }
    *cuts.last_mut().expect("t >= 1") = n;
    cuts
}

impl Grid {
    /// Builds the grid for `t` blocks per side (clamped to `1..=256`).
    pub fn new(m: &RatingMatrix, t: usize) -> Self {
        let t = t.clamp(1, 256);
        let (nu, ni, nnz) = (m.n_users(), m.n_items(), m.nnz());
        let user_cut = balanced_cuts((0..nu).map(|u| m.user_count(UserIdx(u as u32))), nu, nnz, t);
        let item_cut = balanced_cuts(
            (0..ni).map(|i| m.item_count(cinerec_core::ItemIdx(i as u32))),
            ni,
            nnz,
            t,
        );
        let mut item_block = vec![0u16; ni];
        for b in 0..t {
            item_block[item_cut[b]..item_cut[b + 1]].fill(b as u16);
        }
        let mut blocks: Vec<Block> = (0..t * t).map(|_| Block::default()).collect();
        for a in 0..t {
            for u in user_cut[a]..user_cut[a + 1] {
                let (items, vals) = m.user_row(UserIdx(u as u32));
                for (&i, &r) in items.iter().zip(vals) {
                    let blk = &mut blocks[a * t + item_block[i as usize] as usize];
                    let e = blk.entries.len() as u32;
                    match blk.rows.last_mut() {
                        Some(row) if row.0 == u as u32 => row.2 = e + 1,
                        _ => blk.rows.push((u as u32, e, e + 1)),
                    }
                    blk.entries.push((i, r));
                }
            }
        }
        Grid {
            t,
            user_cut,
            item_cut,
            blocks,
        }
    }

    /// Runs one epoch; returns the sum of squared pre-update errors.
    pub fn epoch(&mut self, p: &mut Params<'_>, rates: &Rates, seed: u64, epoch: usize) -> f64 {
        let (t, k) = (self.t, p.k);
        let mut sse = 0.0;
        for s in 0..t {
            // Disjoint user and item slices per block of this sub-epoch.
            let mut urows = split_rows(p.users, p.bu, &self.user_cut, k);
            let mut irows: Vec<_> = split_rows(p.items, p.bi, &self.item_cut, k)
                .into_iter()
                .map(Some)
                .collect();
            let jobs: Vec<_> = self
                .blocks
                .iter_mut()
                .enumerate()
                .filter(|(idx, _)| idx % t == (idx / t + s) % t)
                .zip(urows.drain(..))
                .map(|((idx, blk), u)| {
                    let b = idx % t;
                    let rng = Rng::fork(seed, (epoch * t * t + idx) as u64 + 1);
                    let i = irows[b].take().expect("each item range once per sub-epoch");
                    (blk, rng, u, i, self.user_cut[idx / t], self.item_cut[b])
                })
                .collect();
            let (mu, biased) = (p.mu, p.biased);
            let run =
                move |(blk, mut rng, u, i, u0, i0): (
                    &mut Block,
                    Rng,
                    RowsMut<'_>,
                    RowsMut<'_>,
                    usize,
                    usize,
                )| { run_block(blk, &mut rng, k, mu, biased, rates, u, i, u0, i0) };
            if t == 1 {
                sse += jobs.into_iter().map(run).sum::<f64>();
            } else {
                sse += std::thread::scope(|sc| {
                    let hs: Vec<_> = jobs.into_iter().map(|j| sc.spawn(move || run(j))).collect();
                    hs.into_iter()
                        .map(|h| h.join().expect("SGD worker panicked"))
                        .sum::<f64>()
                });
            }
        }
        sse
    }
}

/// Factor rows and biases of one contiguous range.
type RowsMut<'a> = (&'a mut [f32], &'a mut [f32]);

fn split_rows<'a>(
    mut f: &'a mut [f32],
    mut b: &'a mut [f32],
    cut: &[usize],
    k: usize,
) -> Vec<RowsMut<'a>> {
    let mut out = Vec::with_capacity(cut.len() - 1);
    for w in cut.windows(2) {
        let n = w[1] - w[0];
        let (fh, ft) = std::mem::take(&mut f).split_at_mut(n * k);
        let (bh, bt) = std::mem::take(&mut b).split_at_mut(n);
        out.push((fh, bh));
        f = ft;
        b = bt;
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn run_block(
    blk: &mut Block,
    rng: &mut Rng,
    k: usize,
    mu: f32,
    biased: bool,
    r: &Rates,
    u: RowsMut<'_>,
    i: RowsMut<'_>,
    u0: usize,
    i0: usize,
) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { run_block_avx2(blk, rng, k, mu, biased, r, u, i, u0, i0) };
        }
    }
    run_block_body(blk, rng, k, mu, biased, r, u, i, u0, i0)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[allow(clippy::too_many_arguments)]
unsafe fn run_block_avx2(
    blk: &mut Block,
    rng: &mut Rng,
    k: usize,
    mu: f32,
    biased: bool,
    r: &Rates,
    u: RowsMut<'_>,
    i: RowsMut<'_>,
    u0: usize,
    i0: usize,
) -> f64 {
    run_block_body(blk, rng, k, mu, biased, r, u, i, u0, i0)
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn run_block_body(
    blk: &mut Block,
    rng: &mut Rng,
    k: usize,
    mu: f32,
    biased: bool,
    r: &Rates,
    u: RowsMut<'_>,
    i: RowsMut<'_>,
    u0: usize,
    i0: usize,
) -> f64 {
    let (users, bu) = u;
    let (items, bi) = i;
    rng.shuffle(&mut blk.rows);
    let mut sse = 0.0f64;
    for &(user, a, b) in &blk.rows {
        let ents = &mut blk.entries[a as usize..b as usize];
        rng.shuffle(ents);
        let ul = user as usize - u0;
        let p = &mut users[ul * k..(ul + 1) * k];
        let b_u = &mut bu[ul];
        let mut user_sse = 0.0f32;
        for &(item, rating) in ents.iter() {
            let il = item as usize - i0;
            let q = &mut items[il * k..(il + 1) * k];
            let b_i = &mut bi[il];
            let e = rating - (mu + *b_u + *b_i + dot8(p, q));
            user_sse += e * e;
            if biased {
                *b_u += r.lr_bu * (e - r.reg_bu * *b_u);
                *b_i += r.lr_bi * (e - r.reg_bi * *b_i);
            }
            sgd_step(p, q, e, r);
        }
        sse += user_sse as f64;
    }
    sse
}

/// Dot product over 32 lanes (four 8-wide accumulators, chunk `c` of 8 into accumulator
/// `c mod 4`, so the additions do not wait on each other), reduced as
/// `(a0 + a1) + (a2 + a3)`, then `s_l = lane_l + lane_{l+4}`, `((s0 + s1) + s2) + s3`, then the
/// tail. The same arithmetic on every path, so AVX and portable fits are bit-identical.
#[inline(always)]
pub(crate) fn dot8(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let full = n / 8 * 8;
    #[cfg(target_arch = "x86_64")]
    let s = if std::is_x86_feature_detected!("avx") {
        // SAFETY: AVX is available (checked above; std caches the check); every load reads
        // 8 floats at `c + 8 <= full <= n` from slices of length `n`.
        unsafe {
            use std::arch::x86_64::*;
            let mut acc = [_mm256_setzero_ps(); 4];
            for (j, c) in (0..full).step_by(8).enumerate() {
                let x = _mm256_loadu_ps(a.as_ptr().add(c));
                let y = _mm256_loadu_ps(b.as_ptr().add(c));
                acc[j & 3] = _mm256_add_ps(acc[j & 3], _mm256_mul_ps(x, y));
            }
            let t = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
            let s4 = _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
            let mut l = [0f32; 4];
            _mm_storeu_ps(l.as_mut_ptr(), s4);
            ((l[0] + l[1]) + l[2]) + l[3]
        }
    } else {
        dot8_portable(&a[..full], &b[..full])
    };
    #[cfg(not(target_arch = "x86_64"))]
    let s = dot8_portable(&a[..full], &b[..full]);
    let mut s = s;
    for (x, y) in a[full..].iter().zip(&b[full..]) {
        s += x * y;
    }
    s
}

#[inline(always)]
fn dot8_portable(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [[0f32; 8]; 4];
    for (j, (x, y)) in a.chunks_exact(8).zip(b.chunks_exact(8)).enumerate() {
        for l in 0..8 {
            acc[j & 3][l] += x[l] * y[l];
        }
    }
    let t: [f32; 8] = std::array::from_fn(|l| (acc[0][l] + acc[1][l]) + (acc[2][l] + acc[3][l]));
    let s: [f32; 4] = std::array::from_fn(|l| t[l] + t[l + 4]);
    ((s[0] + s[1]) + s[2]) + s[3]
}

/// The fused factor update of one rating with error `e`: Surprise's
/// `p += lr_pu (e q − reg_pu p)`, `q += lr_qi (e p − reg_qi q)` (old values on the right),
/// regrouped as `p ← (1 − lr_pu reg_pu) p + (lr_pu e) q` so each element costs four
/// multiplications and two additions.
#[inline(always)]
fn sgd_step(p: &mut [f32], q: &mut [f32], e: f32, r: &Rates) {
    let n = p.len().min(q.len());
    let (p, q) = (&mut p[..n], &mut q[..n]);
    let (dp, dq) = (1.0 - r.lr_pu * r.reg_pu, 1.0 - r.lr_qi * r.reg_qi);
    let (cp, cq) = (r.lr_pu * e, r.lr_qi * e);
    for (pf, qf) in p.iter_mut().zip(q.iter_mut()) {
        let (pu, qi) = (*pf, *qf);
        *pf = dp * pu + cp * qi;
        *qf = dq * qi + cq * pu;
    }
}
