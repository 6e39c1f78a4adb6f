//! The SGD engine of [`crate::Svd`]: Surprise's biased-MF update rule run as partitioned
//! (DSGD-style) parallel SGD with cache blocking.
//!
//! Users are cut into `t` contiguous ranges (one per thread) and items into `t·m` contiguous
//! ranges, all of about equal rating counts, which splits the ratings into a `t × t·m` grid
//! of blocks; `m` is chosen so one item range's factors fit in about 1 MiB of cache. An epoch
//! is `t·m` sub-epochs, taken in a freshly shuffled order; in sub-epoch `s` thread `a` trains
//! block `(a, (s + a·m) mod t·m)`, so no two threads ever touch the same user or item row:
//! the parallelism is lock-free and race-free (safe Rust, disjoint `&mut` slices), and the
//! result depends only on the seed, the data and `t` — never on scheduling.
//!
//! Within a block, each epoch visits the block's users in a random rotation of their index
//! order (user rows then stream from memory in sequence) and each user's ratings in a random
//! rotation of an order shuffled once when the grid is built (the user's row stays in L1
//! while the item rows, prefetched one rating ahead, come from cache). Surprise visits
//! ratings user by user in file order without shuffling; the update itself is Surprise's, rating by rating:
//! `e = r − (μ + b_u + b_i + q_i·p_u)`, `b_u += lr_bu (e − reg_bu b_u)`,
//! `b_i += lr_bi (e − reg_bi b_i)`, `p_u += lr_pu (e q_i − reg_pu p_u)`,
//! `q_i += lr_qi (e p_u − reg_qi q_i)` (old `p_u`, `q_i` on the right).
//! The kernels are `f32`; on x86-64 with AVX2 a copy compiled for AVX2 is picked at run time
//! (same arithmetic, same results as the portable copy).

use crate::dense::avx2_fn;
use cinerec_core::{RatingMatrix, Rng, UserIdx};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Barrier, Mutex};

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

/// The ratings cut into a `t × t·m` grid of blocks.
#[derive(Debug)]
pub(crate) struct Grid {
    t: usize,
    m: usize,
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

/// Bytes of item factors one block should keep in cache.
const ITEM_BLOCK_BYTES: usize = 1 << 20;

impl Grid {
    /// Builds the grid for `t` threads (clamped to `1..=256`) and `k` factors; each user's
    /// ratings in a block are shuffled with `seed`.
    pub fn new(m: &RatingMatrix, t: usize, k: usize, seed: u64) -> Self {
        let t = t.clamp(1, 256);
        let (nu, ni, nnz) = (m.n_users(), m.n_items(), m.nnz());
        let mb = (ni * k * 4).div_ceil(t * ITEM_BLOCK_BYTES).clamp(1, 64);
        let ti = t * mb;
        let user_cut = balanced_cuts((0..nu).map(|u| m.user_count(UserIdx(u as u32))), nu, nnz, t);
        let item_cut = balanced_cuts(
            (0..ni).map(|i| m.item_count(cinerec_core::ItemIdx(i as u32))),
            ni,
            nnz,
            ti,
        );
        let mut item_block = vec![0u16; ni];
        for b in 0..ti {
            item_block[item_cut[b]..item_cut[b + 1]].fill(b as u16);
        }
        let mut blocks: Vec<Block> = (0..t * ti).map(|_| Block::default()).collect();
        for a in 0..t {
            for u in user_cut[a]..user_cut[a + 1] {
                let (items, vals) = m.user_row(UserIdx(u as u32));
                for (&i, &r) in items.iter().zip(vals) {
                    let blk = &mut blocks[a * ti + item_block[i as usize] as usize];
                    let e = blk.entries.len() as u32;
                    match blk.rows.last_mut() {
                        Some(row) if row.0 == u as u32 => row.2 = e + 1,
                        _ => blk.rows.push((u as u32, e, e + 1)),
                    }
                    blk.entries.push((i, r));
                }
            }
        }
        let mut rng = Rng::new(seed);
        for b in blocks.iter_mut() {
            b.rows.shrink_to_fit();
            b.entries.shrink_to_fit();
            for &(_, a, e) in &b.rows {
                rng.shuffle(&mut b.entries[a as usize..e as usize]);
            }
        }
        Grid {
            t,
            m: mb,
            user_cut,
            item_cut,
            blocks,
        }
    }

    /// Runs up to `epochs` epochs. After each, `on_epoch(epoch, sse)` gets the sum of squared
    /// pre-update errors and returns whether to go on. The workers live for the whole fit
    /// (the calling thread is worker 0 and the only one that calls `on_epoch`) and meet at a
    /// barrier after every sub-epoch; worker `a` always owns user range `a` and its row of
    /// blocks, and takes item range `b` for a sub-epoch through that range's (never
    /// contended) lock.
    pub fn train(
        &mut self,
        p: &mut Params<'_>,
        rates: &Rates,
        seed: u64,
        epochs: usize,
        mut on_epoch: impl FnMut(usize, f64) -> bool,
    ) {
        let (t, m, k) = (self.t, self.m, p.k);
        let ti = t * m;
        let (mu, biased) = (p.mu, p.biased);
        let steps_of = |epoch: usize| {
            let mut steps: Vec<usize> = (0..ti).collect();
            Rng::fork(seed, (epoch as u64) << 32).shuffle(&mut steps);
            steps
        };
        let block_rng =
            |epoch: usize, idx: usize| Rng::fork(seed, (epoch * t * ti + idx) as u64 + 1);
        let (user_cut, item_cut) = (&self.user_cut, &self.item_cut);
        let urows = split_rows(p.users, p.bu, user_cut, k);
        let irows: Vec<Mutex<RowsMut<'_>>> = split_rows(p.items, p.bi, item_cut, k)
            .into_iter()
            .map(Mutex::new)
            .collect();
        let slots: Vec<Mutex<f64>> = (0..t).map(|_| Mutex::new(0.0)).collect();
        let (barrier, stop) = (Barrier::new(t), AtomicBool::new(false));
        // One worker's whole fit; worker 0 reports each epoch.
        let worker = |a: usize,
                      (users, bu): RowsMut<'_>,
                      blocks: &mut [Block],
                      report: &mut dyn FnMut(usize, f64) -> bool| {
            for epoch in 1..=epochs {
                let mut sse = 0.0;
                for s in steps_of(epoch) {
                    let b = (s + a * m) % ti;
                    {
                        let mut guard = irows[b].lock().unwrap_or_else(|e| e.into_inner());
                        let (items, bi) = &mut *guard;
                        sse += run_block(
                            &mut blocks[b],
                            &mut block_rng(epoch, a * ti + b),
                            k,
                            mu,
                            biased,
                            rates,
                            (&mut *users, &mut *bu),
                            (&mut **items, &mut **bi),
                            user_cut[a],
                            item_cut[b],
                        );
                    }
                    if t > 1 {
                        barrier.wait();
                    }
                }
                if a > 0 {
                    *slots[a].lock().unwrap_or_else(|e| e.into_inner()) = sse;
                    barrier.wait(); // slots written
                    barrier.wait(); // worker 0 decided
                    if stop.load(Ordering::Acquire) {
                        return;
                    }
                } else {
                    if t > 1 {
                        barrier.wait();
                    }
                    let total = sse
                        + slots[1..]
                            .iter()
                            .map(|v| *v.lock().unwrap_or_else(|e| e.into_inner()))
                            .sum::<f64>();
                    let go_on = report(epoch, total) && epoch < epochs;
                    stop.store(!go_on, Ordering::Release);
                    if t > 1 {
                        barrier.wait();
                    }
                    if !go_on {
                        return;
                    }
                }
            }
        };
        let mut rows = urows.into_iter();
        let mut block_rows = self.blocks.chunks_mut(ti);
        let (u0, b0) = (
            rows.next().expect("t >= 1 user ranges"),
            block_rows.next().expect("t >= 1 block rows"),
        );
        std::thread::scope(|sc| {
            for (a, (u, blks)) in rows.zip(block_rows).enumerate() {
                let worker = &worker;
                sc.spawn(move || worker(a + 1, u, blks, &mut |_, _| true));
            }
            worker(0, u0, b0, &mut on_epoch);
        });
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

avx2_fn!(fn run_block[](blk: &mut Block, rng: &mut Rng, k: usize, mu: f32, biased: bool, r: &Rates, u: RowsMut<'_>, i: RowsMut<'_>, u0: usize, i0: usize) -> f64 = run_block_body);

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
    if blk.rows.len() > 1 {
        let r = rng.below(blk.rows.len() as u64) as usize;
        blk.rows.rotate_left(r);
    }
    let mut sse = 0.0f64;
    for (r_ix, &(user, a, b)) in blk.rows.iter().enumerate() {
        if let Some(&(nu, na, nb)) = blk.rows.get(r_ix + 1) {
            // The next user's row and ratings are elsewhere in memory: start loading them.
            let nl = nu as usize - u0;
            prefetch(&users[nl * k..(nl + 1) * k]);
            let (na, nb) = (na as usize, (nb as usize).min(na as usize + 16));
            prefetch_pairs(&blk.entries[na..nb]);
        }
        let ents = &mut blk.entries[a as usize..b as usize];
        // A random rotation of an order shuffled once when the grid was built: one draw
        // per user instead of one per rating.
        if ents.len() > 1 {
            ents.rotate_left(rng.below(ents.len() as u64) as usize);
        }
        let ul = user as usize - u0;
        let p = &mut users[ul * k..(ul + 1) * k];
        let b_u = &mut bu[ul];
        let mut user_sse = 0.0f32;
        for (j, &(item, rating)) in ents.iter().enumerate() {
            if let Some(&(next, _)) = ents.get(j + 1) {
                let nl = next as usize - i0;
                prefetch(&items[nl * k..(nl + 1) * k]);
            }
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

/// Asks the CPU to start loading the first row of `row` (factor rows are ≤ a few cache
/// lines apart); a no-op off x86-64.
#[inline(always)]
fn prefetch(row: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint that never faults; the pointers stay within `row`.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let n = row.len().min(256);
        for off in (0..n).step_by(16) {
            _mm_prefetch::<_MM_HINT_T0>(row.as_ptr().add(off) as *const i8);
        }
    }
}

/// [`prefetch`] for up to 16 `(item, rating)` pairs.
#[inline(always)]
fn prefetch_pairs(pairs: &[(u32, f32)]) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint that never faults; the pointers stay within `pairs`.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        for off in (0..pairs.len()).step_by(8) {
            _mm_prefetch::<_MM_HINT_T0>(pairs.as_ptr().add(off) as *const i8);
        }
    }
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
            // Four named accumulators (an indexed array would live on the stack and every
            // addition would wait on a store-to-load forward).
            let (pa, pb) = (a.as_ptr(), b.as_ptr());
            let prod =
                |c: usize| _mm256_mul_ps(_mm256_loadu_ps(pa.add(c)), _mm256_loadu_ps(pb.add(c)));
            let (mut a0, mut a1, mut a2, mut a3) = (
                _mm256_setzero_ps(),
                _mm256_setzero_ps(),
                _mm256_setzero_ps(),
                _mm256_setzero_ps(),
            );
            let mut c = 0;
            while c + 32 <= full {
                a0 = _mm256_add_ps(a0, prod(c));
                a1 = _mm256_add_ps(a1, prod(c + 8));
                a2 = _mm256_add_ps(a2, prod(c + 16));
                a3 = _mm256_add_ps(a3, prod(c + 24));
                c += 32;
            }
            // The last 0-3 chunks go to accumulators 0, 1, 2 in turn (chunk j into j mod 4).
            if c < full {
                a0 = _mm256_add_ps(a0, prod(c));
                c += 8;
            }
            if c < full {
                a1 = _mm256_add_ps(a1, prod(c));
                c += 8;
            }
            if c < full {
                a2 = _mm256_add_ps(a2, prod(c));
            }
            let t = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
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
