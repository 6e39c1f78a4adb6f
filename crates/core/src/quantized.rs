//! The exact top-N of a dot-product model without an exact score for every movie: the item
//! rows are kept a second time as 8-bit codes ([`QuantizedRows`], a quarter of the `f32`
//! bytes: at 87,000 movies × 64 factors 5.6 MB instead of 22 MB), stored by decreasing row
//! norm. A query walks them in that order, block by block: every movie of a block gets an
//! approximate score from its codes with a proven error bound, and only the movies whose bound
//! lets them reach the running top-N are scored exactly, with [`crate::scoring::dot`]. The walk
//! stops at the first block whose largest row norm times the user's norm (Cauchy–Schwarz: no
//! later movie can score more) is below the N-th best exact score so far. So the answer is the
//! exact top-N under the project's tie rule, the same list the full exact scan gives (tests
//! below and the engine's model suite), and a catalogue whose norms fall off (the long tail of
//! a factor model: rarely rated movies have short vectors) is read only as far as its head.
//!
//! The bound. A row `q` is stored as `a·c` with `a = max|q_j|/127` and integer codes
//! `|c_j| ≤ 127`, so `|q_j − a c_j| ≤ a/2`; the user vector `p` as `b·d` with
//! `b = max|p_j|/32767`, `|p_j − b d_j| ≤ b/2`. The integer dot `D = Σ c_j d_j` is exact, and
//! `|p·q − a b D| ≤ a/2·‖p‖₁ + b/2·a·Σ|c_j|`; the `f32` rounding of the exact dot (at most
//! `γ_k ‖p‖₁ max|q_j|`) and of `a b D` are added with room to spare. A movie whose
//! approximation plus bound is below the N-th best exact score found so far cannot be in the
//! top-N; nor can any movie of a block where `‖p‖₂ · max ‖q‖₂` (the `f32` dot's rounding
//! added) is below it.
//!
//! Measured: `cargo run --profile ci -p cinerec-core --example score_bench` (random factors:
//! no norm fall-off, the worst case for the early stop) and `bench/scale/kernels.md`.

use crate::recommender::Scored;
use crate::scoring::dot;
use crate::topk::TopN;
use std::borrow::Cow;

/// Rows a block of the walk: the early stop is tested once a block.
const BLOCK: usize = 64;

/// Item rows as 8-bit codes with one scale per row, by decreasing norm (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct QuantizedRows {
    /// Values per row in the `f32` matrix.
    k: usize,
    /// Codes per row: `k` rounded up to 16 (zero padding).
    width: usize,
    /// `rows × width` codes, in walk order.
    codes: Vec<i8>,
    /// The row (item) at each walk position.
    order: Vec<u32>,
    /// At least the `f32` row's L2 norm, per walk position: non-increasing.
    norm: Vec<f32>,
    /// `a` per walk position.
    scale: Vec<f32>,
    /// `Σ|c_j|` per walk position.
    abs_sum: Vec<f32>,
    /// The largest scale, and the largest `scale · Σ|c_j|` (for the loosest row bound).
    max_scale: f32,
    max_scale_abs: f32,
    /// Some row holds a non-finite value: it has no bound, the exact path must be taken.
    exact_only: bool,
}

impl QuantizedRows {
    /// Quantises the rows of the row-major matrix `rows` (`k` values each).
    pub fn new(rows: &[f32], k: usize) -> Self {
        let width = k.div_ceil(16).max(1) * 16;
        let n = rows.len().checked_div(k).unwrap_or(0);
        let row = |i: usize| &rows[i * k..(i + 1) * k];
        // Norms in f64, rounded up a little so the f32 copy is never below the true norm.
        let norms: Vec<f64> = (0..n)
            .map(|i| {
                row(i)
                    .iter()
                    .map(|&x| (x as f64) * (x as f64))
                    .sum::<f64>()
                    .sqrt()
            })
            .collect();
        let exact_only = (0..n).any(|i| row(i).iter().any(|x| !x.is_finite()));
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by(|&a, &b| {
            norms[b as usize]
                .total_cmp(&norms[a as usize])
                .then(a.cmp(&b))
        });
        let mut codes = vec![0i8; n * width];
        let mut scale = vec![0f32; n];
        let mut abs_sum = vec![0f32; n];
        let mut norm = vec![0f32; n];
        for (p, &i) in order.iter().enumerate() {
            let row = row(i as usize);
            norm[p] = (norms[i as usize] * (1.0 + 1e-6)) as f32;
            let m = row.iter().fold(0f32, |m, x| m.max(x.abs()));
            let a = if m > 0.0 && m.is_finite() {
                m / 127.0
            } else {
                0.0
            };
            let mut s = 0u32;
            if a > 0.0 {
                for (c, &x) in codes[p * width..p * width + k].iter_mut().zip(row) {
                    let v = (x / a).round().clamp(-127.0, 127.0) as i8;
                    s += v.unsigned_abs() as u32;
                    *c = v;
                }
            }
            scale[p] = a;
            abs_sum[p] = s as f32;
        }
        let max_scale = scale.iter().fold(0f32, |m, &a| m.max(a));
        let max_scale_abs = scale
            .iter()
            .zip(&abs_sum)
            .fold(0f32, |m, (&a, &c)| m.max(a * c));
        QuantizedRows {
            k,
            width,
            codes,
            order,
            norm,
            scale,
            abs_sum,
            max_scale,
            max_scale_abs,
            exact_only,
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.scale.len()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.scale.is_empty()
    }

    /// At least the largest `scale · (alpha + beta · Σ|c|)` over the rows (the loosest row
    /// bound), with a little room for rounding.
    fn max_scale_term(&self, b: Bound) -> f32 {
        1.001 * (self.max_scale * b.alpha + self.max_scale_abs * b.beta)
    }
}

/// A dot-product model's question for one user: the user vector, the item rows (`k` values
/// each, row-major) and their codes.
#[derive(Debug, Clone)]
pub struct DotQuery<'a> {
    /// The user vector (`k` values).
    pub user: Cow<'a, [f32]>,
    /// The `f32` item rows.
    pub rows: &'a [f32],
    /// Values per row.
    pub k: usize,
    /// The rows' codes ([`QuantizedRows::new`] of `rows`).
    pub quant: &'a QuantizedRows,
}

/// What the approximations of one user need for their bound.
#[derive(Debug, Clone, Copy)]
struct Bound {
    /// Multiplies a row's scale.
    alpha: f32,
    /// Multiplies a row's scale times its `Σ|c_j|`.
    beta: f32,
}

/// How much of the catalogue one [`DotQuery::top_n`] read (for benches).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Walk {
    /// Rows whose codes were read.
    pub approximated: usize,
    /// Rows scored exactly.
    pub exact: usize,
}

impl DotQuery<'_> {
    /// Whether the quantised path applies: shapes agree, every value is finite, `k ≤ 256`
    /// (so the integer dot cannot overflow).
    pub fn usable(&self, n_items: usize) -> bool {
        self.k > 0
            && self.k <= 256
            && self.user.len() == self.k
            && self.quant.k == self.k
            && self.quant.len() == n_items
            && self.rows.len() == n_items * self.k
            && self.user.iter().all(|x| x.is_finite())
            && !self.quant.exact_only
    }

    /// The exact score of row `i` (what the full scan computes).
    #[inline]
    pub fn exact(&self, i: usize) -> f32 {
        dot(&self.user, &self.rows[i * self.k..(i + 1) * self.k])
    }

    /// The exact top-`n` (best first, ties by the smaller inner id) among the rows for which
    /// `skip` is false (the user's rated movies, a filter), as the full exact scan would give.
    /// Call only when [`DotQuery::usable`].
    pub fn top_n(&self, n: usize, skip: impl Fn(u32) -> bool) -> Vec<Scored> {
        self.top_n_walk(n, skip).0
    }

    /// [`DotQuery::top_n`] and how much of the catalogue it read.
    pub fn top_n_walk(&self, n: usize, skip: impl Fn(u32) -> bool) -> (Vec<Scored>, Walk) {
        let q = self.quant;
        let mut walk = Walk::default();
        if n == 0 || q.is_empty() {
            return (vec![], walk);
        }
        // The user as i16 codes, and the factors of the bound.
        let m = self.user.iter().fold(0f32, |m, x| m.max(x.abs()));
        let b = if m > 0.0 { m / 32767.0 } else { 0.0 };
        let mut d = vec![0i16; q.width];
        if b > 0.0 {
            for (dj, &x) in d.iter_mut().zip(self.user.iter()) {
                *dj = (x / b).round().clamp(-32767.0, 32767.0) as i16;
            }
        }
        let p1: f32 = self.user.iter().map(|x| x.abs()).sum();
        let gamma = (self.k as f32 + 2.0) * 2.0 * f32::EPSILON;
        let bound = Bound {
            alpha: 1.01 * p1 * (0.5 + 128.0 * gamma),
            beta: 1.01 * 0.5 * b,
        };
        let e_max = q.max_scale_term(bound);
        // ‖p‖₂, and the room for the f32 rounding of an exact dot (≤ γ_k ‖p‖₂ ‖q‖₂).
        let p2 = self
            .user
            .iter()
            .map(|&x| (x as f64) * (x as f64))
            .sum::<f64>()
            .sqrt();
        let p2 = p2 * (1.0 + 4.0 * gamma as f64 + 1e-6);

        let mut top = TopN::new(n);
        let mut approx = [0f32; BLOCK];
        let mut start = 0;
        while start < q.len() {
            let t = bar(&top);
            if top.is_full() && p2 * (q.norm[start] as f64) < t as f64 {
                break;
            }
            let end = (start + BLOCK).min(q.len());
            let out = &mut approx[..end - start];
            idots(&q.codes[start * q.width..end * q.width], q.width, &d, out);
            walk.approximated += out.len();
            for (o, &a) in out.iter_mut().zip(&q.scale[start..end]) {
                *o *= a * b;
            }
            // Whether any row of the block can reach `t` with the loosest bound of the
            // catalogue: a branch-free test the compiler vectorises; most blocks fail it.
            let lim = t - e_max - 1e-6 * t.abs();
            if t != f32::NEG_INFINITY
                && !out
                    .iter()
                    .fold(false, |any, &a| any | (a + 1e-6 * a.abs() >= lim))
            {
                start = end;
                continue;
            }
            for (r, &a) in out.iter().enumerate() {
                let p = start + r;
                let t = bar(&top);
                let slack = 1e-6 * t.abs();
                // The loosest bound of the catalogue first (cheap), then this row's own.
                if a + 1e-6 * a.abs() + e_max + slack < t {
                    continue;
                }
                let e = q.scale[p] * (bound.alpha + bound.beta * q.abs_sum[p]) + 1e-6 * a.abs();
                if a + e + slack < t {
                    continue;
                }
                let item = q.order[p];
                if skip(item) {
                    continue;
                }
                walk.exact += 1;
                top.offer(item, self.exact(item as usize));
            }
            start = end;
        }
        (top.into_sorted(), walk)
    }
}

/// What a row must be able to reach to enter `top`: its threshold, or −∞ (nothing is skipped)
/// until it is full, and while it is +∞ (exact dots that overflowed: a row of +∞ with a smaller
/// id may still enter).
#[inline]
fn bar(top: &TopN) -> f32 {
    let t = top.threshold();
    if t.is_finite() {
        t
    } else {
        f32::NEG_INFINITY
    }
}

/// `out[i] = Σ_j codes[i·width + j] · d[j]` (exact integers, written as `f32`). An AVX-512BW
/// version (32 codes a step) was no faster (`score_bench`, 87,000 rows: 332 µs vs 344 µs;
/// 20,000: 100 vs 66): at this size the scan is bound by reading the codes.
fn idots(codes: &[i8], width: usize, d: &[i16], out: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") && width % 16 == 0 && d.len() == width {
            // SAFETY: AVX2 is available (checked above); loads are bounds-checked inside.
            unsafe { avx2::idots(codes, width, d, out) };
            return;
        }
    }
    for (o, row) in out.iter_mut().zip(codes.chunks_exact(width)) {
        let s: i32 = row.iter().zip(d).map(|(&c, &x)| c as i32 * x as i32).sum();
        *o = s as f32;
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    /// Four rows at a time: 16 codes widened to i16, multiplied with the user's i16 codes and
    /// pair-summed to i32 (`vpmaddwd`), then the four accumulators reduced together.
    #[target_feature(enable = "avx2")]
    pub(super) fn idots(codes: &[i8], width: usize, d: &[i16], out: &mut [f32]) {
        let n = out.len().min(codes.len() / width);
        assert!(d.len() == width && codes.len() >= n * width);
        let row = |i: usize, acc: __m256i, c: usize| -> __m256i {
            // SAFETY: i < n and c + 16 <= width, so the 16 bytes are inside `codes`; the 16
            // i16 of `d` are inside `d` (width values).
            unsafe {
                let x = _mm_loadu_si128(codes.as_ptr().add(i * width + c) as *const __m128i);
                let y = _mm256_loadu_si256(d.as_ptr().add(c) as *const __m256i);
                _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_cvtepi8_epi16(x), y))
            }
        };
        let mut i = 0;
        while i + 4 <= n {
            let mut acc = [_mm256_setzero_si256(); 4];
            let mut c = 0;
            while c < width {
                for (r, a) in acc.iter_mut().enumerate() {
                    *a = row(i + r, *a, c);
                }
                c += 16;
            }
            // [r0 r0 r1 r1 | r0 r0 r1 r1] then [r0 r1 r2 r3 | r0 r1 r2 r3]
            let h01 = _mm256_hadd_epi32(acc[0], acc[1]);
            let h23 = _mm256_hadd_epi32(acc[2], acc[3]);
            let h = _mm256_hadd_epi32(h01, h23);
            let s = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
            let f = _mm_cvtepi32_ps(s);
            // SAFETY: i + 4 <= n <= out.len().
            unsafe { _mm_storeu_ps(out.as_mut_ptr().add(i), f) };
            i += 4;
        }
        while i < n {
            let mut acc = _mm256_setzero_si256();
            let mut c = 0;
            while c < width {
                acc = row(i, acc, c);
                c += 16;
            }
            let mut lanes = [0i32; 8];
            // SAFETY: `lanes` holds 8 i32.
            unsafe { _mm256_storeu_si256(lanes.as_mut_ptr() as *mut __m256i, acc) };
            out[i] = lanes.iter().sum::<i32>() as f32;
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topk::top_k;
    use crate::Rng;

    fn exact_top(q: &DotQuery<'_>, n_rows: usize, masked: &[usize], n: usize) -> Vec<Scored> {
        let mut s: Vec<f32> = (0..n_rows).map(|i| q.exact(i)).collect();
        for &m in masked {
            s[m] = f32::NEG_INFINITY;
        }
        top_k(&s, n)
    }

    /// Rows with exact ties (duplicated rows, a run of near-identical ones); with `tail`, row
    /// `i`'s length falls off as `1/(1 + i/10)` in a scrambled order (a factor model's tail).
    fn rows(rng: &mut Rng, n_rows: usize, k: usize, tail: bool) -> Vec<f32> {
        let mut rows: Vec<f32> = (0..n_rows * k).map(|_| (rng.f32() - 0.5) * 0.4).collect();
        if tail {
            for i in 0..n_rows {
                let rank = (i * 7919) % n_rows;
                let f = 1.0 / (1.0 + rank as f32 / 10.0);
                rows[i * k..(i + 1) * k].iter_mut().for_each(|x| *x *= f);
            }
        }
        for i in (0..n_rows).step_by(9).skip(1) {
            let (a, b) = rows.split_at_mut(i * k);
            b[..k].copy_from_slice(&a[(i - 1) * k..i * k]);
        }
        for i in (0..n_rows).step_by(13).skip(1) {
            rows[i * k] += 1e-7;
        }
        rows
    }

    #[test]
    fn the_quantised_top_n_is_the_exact_top_n() {
        let mut rng = Rng::new(11);
        let mut stopped_early = 0;
        for tail in [false, true] {
            for (n_rows, k) in [(1usize, 3usize), (7, 16), (500, 64), (2003, 37), (1500, 8)] {
                let rows = rows(&mut rng, n_rows, k, tail);
                let quant = QuantizedRows::new(&rows, k);
                for trial in 0..20 {
                    let user: Vec<f32> = (0..k)
                        .map(|j| {
                            if trial == 0 && j > 0 {
                                0.0
                            } else {
                                (rng.f32() - 0.5) * 3.0
                            }
                        })
                        .collect();
                    let q = DotQuery {
                        user: Cow::Borrowed(&user),
                        rows: &rows,
                        k,
                        quant: &quant,
                    };
                    assert!(q.usable(n_rows));
                    let masked: Vec<usize> = (0..n_rows).filter(|i| i % 5 == trial % 5).collect();
                    for n in [1usize, 10, 50, n_rows + 3] {
                        let (got, walk) = q.top_n_walk(n, |i| i as usize % 5 == trial % 5);
                        let want = exact_top(&q, n_rows, &masked, n);
                        let bits = |v: &[Scored]| -> Vec<(u32, u32)> {
                            v.iter().map(|s| (s.item.0, s.score.to_bits())).collect()
                        };
                        assert_eq!(
                            bits(&got),
                            bits(&want),
                            "rows {n_rows} k {k} tail {tail} trial {trial} n {n}"
                        );
                        assert!(walk.exact <= n_rows && walk.approximated <= n_rows);
                        if walk.approximated < n_rows {
                            stopped_early += 1;
                        }
                    }
                }
            }
        }
        // the early stop was taken (with the norm fall-off), not only the full walk
        assert!(stopped_early > 50, "stopped early {stopped_early} times");
    }

    #[test]
    fn exact_dots_that_overflow_keep_the_tie_rule() {
        // Every dot overflows to +∞; rows 0 and 1 are the shortest, so the walk reaches them
        // in its last block, after the top-2 is full of +∞: they must still win the tie.
        let k = 2;
        let rows: Vec<f32> = (0..130)
            .flat_map(|i| [if i < 2 { 0.5e20 } else { 1e20 }; 2])
            .collect();
        let quant = QuantizedRows::new(&rows, k);
        let user = [1e20f32, 1e20];
        let q = DotQuery {
            user: Cow::Borrowed(&user),
            rows: &rows,
            k,
            quant: &quant,
        };
        assert!(q.usable(130));
        let got: Vec<u32> = q.top_n(2, |_| false).iter().map(|s| s.item.0).collect();
        assert_eq!(got, vec![0, 1]);
        assert_eq!(q.top_n(2, |_| false), exact_top(&q, 130, &[], 2));
    }

    #[test]
    fn rows_with_non_finite_values_take_the_exact_path() {
        let rows = [1.0, 2.0, f32::INFINITY, 0.0];
        let quant = QuantizedRows::new(&rows, 2);
        let user = [1.0f32, 1.0];
        let q = DotQuery {
            user: Cow::Borrowed(&user),
            rows: &rows,
            k: 2,
            quant: &quant,
        };
        assert!(!q.usable(2));
    }

    #[test]
    fn integer_dots_match_the_portable_sum() {
        let mut rng = Rng::new(5);
        for n in [0usize, 1, 4, 5, 33] {
            let width = 48;
            let codes: Vec<i8> = (0..n * width)
                .map(|_| (rng.next_u64() % 255) as i8)
                .collect();
            let d: Vec<i16> = (0..width).map(|_| rng.next_u64() as i16).collect();
            let mut out = vec![0f32; n];
            idots(&codes, width, &d, &mut out);
            for i in 0..n {
                let s: i32 = (0..width)
                    .map(|j| codes[i * width + j] as i32 * d[j] as i32)
                    .sum();
                assert_eq!(out[i], s as f32);
            }
        }
    }
}
