//! Hot-loop helpers of the implicit-feedback models (ALS, BPR): always-inlined `dot`/`axpy`
//! kernels (so that, inlined into a function compiled for AVX2, they become 256-bit vector
//! code without `-C target-cpu`), the runtime CPU-feature check that picks such a function,
//! and a deterministic parallel driver over row chunks.
//!
//! Determinism: [`par_chunks`] hands fixed-size row chunks to worker threads in whatever
//! order they ask, but every row's result depends only on its own inputs and the per-chunk
//! sums are combined in chunk order, so the output is bit-identical for any thread count.

use std::sync::Mutex;

/// `Σ a[j]·b[j]` with two 8-lane accumulators (vectorises to two AVX registers).
#[inline(always)]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let (mut s0, mut s1) = ([0f32; 8], [0f32; 8]);
    let (ca, cb) = (a.chunks_exact(16), b.chunks_exact(16));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            s0[l] += x[l] * y[l];
            s1[l] += x[l + 8] * y[l + 8];
        }
    }
    let mut tail = 0f32;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    for l in 0..8 {
        s0[l] += s1[l];
    }
    ((s0[0] + s0[4]) + (s0[1] + s0[5])) + ((s0[2] + s0[6]) + (s0[3] + s0[7])) + tail
}

/// `y += alpha · x`.
#[inline(always)]
pub(crate) fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

/// Whether the CPU runs AVX2 code (checked once per call site; cheap, cached by std).
#[inline]
pub(crate) fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Defines `fn $name[generics](args) -> R` that runs `$body(args)` compiled for AVX2 when the
/// CPU has it (an `#[inline(always)]` body and its inlined kernels are then vectorised with
/// 256-bit registers), and as plain code otherwise. Rust never fuses `a*b + c`, so both
/// versions give bit-identical results.
macro_rules! avx2_fn {
    ($(#[$m:meta])* $vis:vis fn $name:ident[$($gen:tt)*]($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty = $body:path) => {
        $(#[$m])*
        #[allow(clippy::too_many_arguments)]
        $vis fn $name<$($gen)*>($($arg: $ty),*) -> $ret {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn fast<$($gen)*>($($arg: $ty),*) -> $ret {
                    $body($($arg),*)
                }
                if $crate::dense::has_avx2() {
                    // SAFETY: the CPU supports AVX2 (checked just above).
                    return unsafe { fast($($arg),*) };
                }
            }
            $body($($arg),*)
        }
    };
}
pub(crate) use avx2_fn;

/// Worker count for a `threads` parameter: 0 means every core.
pub(crate) fn worker_count(threads: usize) -> usize {
    match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
}

/// Splits `rows` (row-major, `width` values per row) into chunks of `chunk` rows and calls
/// `work(first_row, rows_of_chunk, scratch)` for each on up to `threads` threads (each with its
/// own scratch from `scratch()`). Returns the sum of the returned values, added in chunk
/// order (deterministic for any thread count).
pub(crate) fn par_chunks<S>(
    rows: &mut [f32],
    width: usize,
    chunk: usize,
    threads: usize,
    scratch: impl Fn() -> S + Sync,
    work: impl Fn(usize, &mut [f32], &mut S) -> f64 + Sync,
) -> f64 {
    let width = width.max(1);
    let chunk = chunk.max(1);
    let n_chunks = rows.len().div_ceil(width * chunk);
    let threads = threads.clamp(1, n_chunks.max(1));
    let mut sums = vec![0f64; n_chunks];
    if threads == 1 {
        let mut s = scratch();
        for (c, block) in rows.chunks_mut(width * chunk).enumerate() {
            sums[c] = work(c * chunk, block, &mut s);
        }
    } else {
        let queue = Mutex::new(rows.chunks_mut(width * chunk).enumerate());
        let results = Mutex::new(Vec::with_capacity(n_chunks));
        let worker = || {
            let mut s = scratch();
            loop {
                let next = queue.lock().map(|mut q| q.next()).unwrap_or(None);
                let Some((c, block)) = next else { break };
                let v = work(c * chunk, block, &mut s);
                if let Ok(mut r) = results.lock() {
                    r.push((c, v));
                }
            }
        };
        // rayon's pool threads persist: a fit calls this a few times per iteration, and
        // starting OS threads each time cost about 5% of a small fit.
        rayon::scope(|sc| {
            for _ in 1..threads {
                sc.spawn(|_| worker());
            }
            worker();
        });
        for (c, v) in results.into_inner().unwrap_or_default() {
            sums[c] = v;
        }
    }
    sums.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    avx2_fn!(fn dot_fast[](a: &[f32], b: &[f32]) -> f32 = dot);

    #[test]
    fn dot_matches_naive_and_par_chunks_is_thread_independent() {
        for n in [0, 3, 16, 21, 64, 100] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot(&a, &b) - naive).abs() < 1e-4, "n={n}");
            assert_eq!(dot_fast(&a, &b).to_bits(), dot(&a, &b).to_bits());
        }
        let run = |threads| {
            let mut rows: Vec<f32> = (0..1000).map(|i| i as f32).collect();
            let s = par_chunks(
                &mut rows,
                10,
                7,
                threads,
                || (),
                |first, block, _| {
                    block.iter_mut().for_each(|x| *x *= 2.0);
                    first as f64 * 0.1 + block.len() as f64
                },
            );
            (rows, s.to_bits())
        };
        assert_eq!(run(1), run(3));
        assert_eq!(run(1).0[999], 1998.0);
    }
}
