//! Tests of EASE's linear algebra: the Gram matrix against a dense `XᵀX`, the inverse against
//! `G·P = I` on matrices larger than faer's blocks, the weights' closed form, the refusal of a
//! matrix that is not positive definite, and the memory cap.

use super::*;
use cinerec_core::fixtures::synthetic;
use cinerec_core::Rng;

/// A random SPD matrix `AᵀA + nI` (full, column-major).
fn spd(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Rng::new(seed);
    let a: Vec<f64> = (0..n * n).map(|_| rng.normal()).collect();
    let mut g = vec![0.0; n * n];
    for j in 0..n {
        for k in 0..n {
            g[k * n + j] = (0..n).map(|r| a[j * n + r] * a[k * n + r]).sum::<f64>();
        }
        g[j * n + j] += n as f64;
    }
    g
}

#[test]
fn the_inverse_times_the_matrix_is_the_identity() {
    for n in [1, 7, 150] {
        let g = spd(n, n as u64);
        let mut p = g.clone();
        // Only the lower triangle is read: garbage above it must not matter.
        for k in 1..n {
            for j in 0..k {
                p[k * n + j] = f64::NAN;
            }
        }
        assert!(invert_spd(&mut p, n).unwrap());
        symmetrise(&mut p, n);
        for j in 0..n {
            for k in 0..n {
                let gp: f64 = (0..n).map(|r| g[r * n + j] * p[k * n + r]).sum();
                let want = if j == k { 1.0 } else { 0.0 };
                assert!((gp - want).abs() < 1e-10, "n {n} ({j}, {k}): {gp}");
            }
        }
    }
}

#[test]
fn a_matrix_that_is_not_positive_definite_is_refused() {
    let n = 3;
    let mut g = vec![1.0, 2.0, 0.0, 2.0, 1.0, 0.0, 0.0, 0.0, 1.0];
    assert!(!invert_spd(&mut g, n).unwrap());
}

#[test]
fn the_weights_are_minus_p_over_its_diagonal_with_a_zero_diagonal() {
    let n = 70;
    let g = spd(n, 3);
    let mut p = g.clone();
    assert!(invert_spd(&mut p, n).unwrap());
    let b = weights(&mut p, n).unwrap();
    for j in 0..n {
        for i in 0..n {
            let want = if i == j {
                0.0
            } else {
                -p[i * n + j] / p[i * n + i]
            };
            assert!((b[j * n + i] as f64 - want).abs() <= 1e-6 * want.abs().max(1e-9));
        }
    }
}

#[test]
fn the_gram_matrix_is_x_transpose_x_plus_lambda_on_the_rated_items() {
    let d = synthetic(5);
    let (shape, rows) = (Shape::of(&d), UserRows::of(&d));
    let ni = d.n_items();
    // Dense set: every other item (the others are left out).
    let dense: Vec<u32> = (0..ni as u32)
        .map(|i| if i % 2 == 0 { i / 2 } else { u32::MAX })
        .collect();
    let n = ni.div_ceil(2);
    for binary in [true, false] {
        let g = gram(&rows, &shape, &dense, u32::MAX, n, binary, 2.5).unwrap();
        let mut x = vec![0.0f64; d.n_users() * n];
        for u in 0..d.n_users() {
            let (items, values) = d.user_ratings(UserIdx(u as u32));
            for (&i, &v) in items.iter().zip(values) {
                if i % 2 == 0 {
                    x[u * n + (i / 2) as usize] = if binary { 1.0 } else { v as f64 };
                }
            }
        }
        for k in 0..n {
            for j in k..n {
                let want: f64 = (0..d.n_users())
                    .map(|u| x[u * n + j] * x[u * n + k])
                    .sum::<f64>()
                    + if j == k { 2.5 } else { 0.0 };
                assert_eq!(g[k * n + j], want, "binary {binary} ({j}, {k})");
            }
        }
    }
}

#[test]
fn the_memory_cap_fits_the_peak_in_what_is_available_less_the_headroom() {
    assert_eq!(max_items_for(0), 0);
    assert_eq!(max_items_for(1 << 30), 0);
    let gib = 1u64 << 30;
    for avail in [4 * gib, 21 * gib, 100 * gib] {
        let n = max_items_for(avail) as u64;
        let budget = avail - headroom(avail);
        assert!(n * n * BYTES_PER_CELL <= budget && (n + 1) * (n + 1) * BYTES_PER_CELL > budget);
    }
    // 21 GiB available (this 24 GiB machine idle): about 30,000 movies; 20,000 take 8 GB.
    assert!((29_000..32_000).contains(&max_items_for(21 * gib)));
    assert_eq!(20_000u64 * 20_000 * BYTES_PER_CELL, 8_000_000_000);
}
