//! Plain-slice f32 matrix products for the two-tower's retrieval block, which runs outside
//! burn's graph (`twotower_softmax.rs`): the `B × C` logits and the two products of their
//! gradient with the embeddings.
//!
//! They use the `gemm` crate's kernels (the ones burn-flex's own matmul calls) single-threaded
//! on a share of the output rows per worker of the caller's rayon pool, and the `B × C`
//! matrices stay plain `Vec`s, never copied into or out of tensors. Measured on the reference
//! configuration (ML-100K, 2 threads): an epoch took about 0.58 s through burn's matmul
//! (whose own parallel split scaled poorly at these shapes: 0.65 s at 1 thread) and 0.50 s
//! this way.

use rayon::prelude::*;

/// A read-only matrix over a slice: `rows × cols`, element `(r, c)` at `r·rs + c·cs`.
#[derive(Clone, Copy)]
pub(crate) struct View<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

impl<'a> View<'a> {
    /// `data` as a row-major `rows × cols` matrix.
    ///
    /// # Panics
    /// If `data` does not hold exactly `rows × cols` values.
    pub fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        assert_eq!(
            data.len(),
            rows * cols,
            "matrix data does not match its shape"
        );
        View {
            data,
            rows,
            cols,
            rs: cols,
            cs: 1,
        }
    }

    /// The transpose (no copy).
    pub fn t(self) -> Self {
        View {
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
            ..self
        }
    }
}

/// Fewest output rows one worker takes (smaller products stay on one thread).
const MIN_ROWS: usize = 64;

/// `a · b`, row-major `a.rows × b.cols`.
///
/// # Panics
/// If the inner dimensions differ.
pub(crate) fn matmul(a: View<'_>, b: View<'_>) -> Vec<f32> {
    assert_eq!(a.cols, b.rows, "matmul: inner dimensions differ");
    let (m, n) = (a.rows, b.cols);
    let mut out = vec![0f32; m * n];
    if m == 0 || n == 0 {
        return out;
    }
    let threads = rayon::current_num_threads().max(1);
    let per = m.div_ceil(threads).max(MIN_ROWS);
    out.par_chunks_mut(per * n)
        .enumerate()
        .for_each(|(k, dst)| product_rows(a, b, k * per, dst));
    out
}

/// Rows `first ..` of `a · b` into `dst` (row-major, `dst.len() / b.cols` rows).
fn product_rows(a: View<'_>, b: View<'_>, first: usize, dst: &mut [f32]) {
    let (n, k) = (b.cols, a.cols);
    let m = dst.len() / n;
    if k == 0 {
        dst.fill(0.0);
        return;
    }
    // The last element each operand's kernel reads lies inside its slice.
    let last_a = (first + m - 1) * a.rs + (k - 1) * a.cs;
    let last_b = (k - 1) * b.rs + (n - 1) * b.cs;
    assert!(
        last_a < a.data.len() && last_b < b.data.len(),
        "matmul view out of bounds"
    );
    // SAFETY: `dst` is `m × n` row-major (column stride 1, row stride n); the operands are read
    // at `first·rs_a + i·rs_a + p·cs_a` (i < m, p < k) and `p·rs_b + j·cs_b` (j < n), all
    // within their slices by the check above. With `read_dst = false` `dst` is only written.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.data.as_ptr().add(first * a.rs),
            a.cs as isize,
            a.rs as isize,
            b.data.as_ptr(),
            b.cs as isize,
            b.rs as isize,
            0.0f32,
            1.0f32,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut out = vec![0f32; m * n];
        for i in 0..m {
            for j in 0..n {
                out[i * n + j] = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
            }
        }
        out
    }

    fn values(n: usize, seed: u64) -> Vec<f32> {
        let mut rng = cinerec_core::Rng::new(seed);
        (0..n).map(|_| rng.f64() as f32 - 0.5).collect()
    }

    fn close(x: &[f32], y: &[f32]) {
        assert_eq!(x.len(), y.len());
        for (a, b) in x.iter().zip(y) {
            assert!((a - b).abs() < 1e-4, "{a} vs {b}");
        }
    }

    #[test]
    fn products_and_transposes_match_the_textbook_product() {
        // Sizes that split unevenly across workers and leave a short last chunk.
        let (m, k, n) = (203, 17, 131);
        let (a, b) = (values(m * k, 1), values(k * n, 2));
        let want = naive(&a, &b, m, k, n);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        for threads_pool in [None, Some(&pool)] {
            let run = || {
                let av = View::row_major(&a, m, k);
                let bv = View::row_major(&b, k, n);
                close(&matmul(av, bv), &want);
                // aᵀ stored row-major (k × m), used transposed.
                let at: Vec<f32> = (0..k * m).map(|x| a[(x % m) * k + x / m]).collect();
                close(&matmul(View::row_major(&at, k, m).t(), bv), &want);
                // (a·b)ᵀ = bᵀ·aᵀ
                let got_t = matmul(bv.t(), av.t());
                let want_t: Vec<f32> = (0..n * m).map(|x| want[(x % m) * n + x / m]).collect();
                close(&got_t, &want_t);
            };
            match threads_pool {
                Some(p) => p.install(run),
                None => run(),
            }
        }
    }

    #[test]
    fn empty_shapes_give_zeros_not_panics() {
        let a = values(6, 3);
        assert!(matmul(View::row_major(&[], 0, 3), View::row_major(&a, 3, 2)).is_empty());
        let z = matmul(View::row_major(&[], 2, 0), View::row_major(&[], 0, 3));
        assert_eq!(z, vec![0.0; 6]);
    }

    #[test]
    #[should_panic(expected = "inner dimensions")]
    fn mismatched_shapes_panic_with_a_message() {
        let a = values(6, 4);
        matmul(View::row_major(&a, 2, 3), View::row_major(&a, 2, 3));
    }
}
