//! Ridge regression for folding a new visitor into I-AutoRec without retraining: their
//! output unit `(b, v)` is fitted to the ratings they gave, on the fixed hidden codes `h_i`
//! of the rated movies, shrunk towards a prior unit `(b̄, v̄)`:
//!
//! `min Σ_j (r_j − b − h_jᵀv)² + λ·((b − b̄)² + ‖v − v̄‖²)`.
//!
//! With `x_j = (1, h_j)` and `w = (b − b̄, v − v̄)` this is ordinary ridge on the residuals
//! `y_j = r_j − b̄ − h_jᵀv̄`. A profile is usually much shorter than the code width, so it is
//! solved in the dual, `w = Xᵀ(XXᵀ + λI)⁻¹y` (an `n × n` system for `n` ratings), and in the
//! primal `(XᵀX + λI)w = Xᵀy` once `n` exceeds the code width.

/// Solves `a x = b` in place for a symmetric positive-definite `a` (`d × d`, row-major) by
/// Cholesky; false when `a` is not positive definite.
pub fn cholesky_solve(a: &mut [f64], b: &mut [f64], d: usize) -> bool {
    for j in 0..d {
        let mut s = a[j * d + j];
        for k in 0..j {
            s -= a[j * d + k] * a[j * d + k];
        }
        if !(s > 0.0 && s.is_finite()) {
            return false;
        }
        let l = s.sqrt();
        a[j * d + j] = l;
        for i in j + 1..d {
            let mut s = a[i * d + j];
            for k in 0..j {
                s -= a[i * d + k] * a[j * d + k];
            }
            a[i * d + j] = s / l;
        }
    }
    for i in 0..d {
        let mut s = b[i];
        for k in 0..i {
            s -= a[i * d + k] * b[k];
        }
        b[i] = s / a[i * d + i];
    }
    for i in (0..d).rev() {
        let mut s = b[i];
        for k in i + 1..d {
            s -= a[k * d + i] * b[k];
        }
        b[i] = s / a[i * d + i];
    }
    true
}

fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(&x, &y)| x as f64 * y as f64).sum()
}

/// The folded-in unit `(b, v)` for ratings `r_j` of movies with codes `codes[j]` (each of the
/// prior's width), shrunk towards `(prior_b, prior_v)` with weight `lambda` (> 0). Falls back
/// to the prior when the system cannot be solved.
pub fn fold_in(
    codes: &[&[f32]],
    ratings: &[f32],
    prior_b: f32,
    prior_v: &[f32],
    lambda: f64,
) -> (f32, Vec<f32>) {
    solve(
        codes,
        ratings,
        prior_b,
        prior_v,
        lambda,
        codes.len() <= prior_v.len() + 1,
    )
}

fn solve(
    codes: &[&[f32]],
    ratings: &[f32],
    prior_b: f32,
    prior_v: &[f32],
    lambda: f64,
    dual: bool,
) -> (f32, Vec<f32>) {
    let (n, k) = (codes.len(), prior_v.len());
    let y: Vec<f64> = codes
        .iter()
        .zip(ratings)
        .map(|(h, &r)| r as f64 - prior_b as f64 - dot(h, prior_v))
        .collect();
    let (mut db, mut dv) = (0f64, vec![0f64; k]);
    if n == 0 {
        return (prior_b, prior_v.to_vec());
    }
    if dual {
        // dual: (K + λI) α = y with K_jl = 1 + h_j·h_l
        let mut a = vec![0f64; n * n];
        for j in 0..n {
            for l in 0..=j {
                let v = 1.0 + dot(codes[j], codes[l]);
                a[j * n + l] = v;
                a[l * n + j] = v;
            }
            a[j * n + j] += lambda;
        }
        let mut alpha = y;
        if !cholesky_solve(&mut a, &mut alpha, n) {
            return (prior_b, prior_v.to_vec());
        }
        for (h, &al) in codes.iter().zip(&alpha) {
            db += al;
            dv.iter_mut()
                .zip(*h)
                .for_each(|(d, &x)| *d += al * x as f64);
        }
    } else {
        // primal over x = (1, h)
        let d = k + 1;
        let (mut a, mut rhs) = (vec![0f64; d * d], vec![0f64; d]);
        let mut x = vec![0f64; d];
        for (h, &yj) in codes.iter().zip(&y) {
            x[0] = 1.0;
            x[1..].iter_mut().zip(*h).for_each(|(x, &v)| *x = v as f64);
            for r in 0..d {
                rhs[r] += x[r] * yj;
                for c in 0..=r {
                    a[r * d + c] += x[r] * x[c];
                }
            }
        }
        for r in 0..d {
            for c in 0..r {
                a[c * d + r] = a[r * d + c];
            }
            a[r * d + r] += lambda;
        }
        if !cholesky_solve(&mut a, &mut rhs, d) {
            return (prior_b, prior_v.to_vec());
        }
        db = rhs[0];
        dv.copy_from_slice(&rhs[1..]);
    }
    let v: Vec<f32> = prior_v
        .iter()
        .zip(&dv)
        .map(|(&p, &d)| (p as f64 + d) as f32)
        .collect();
    let b = (prior_b as f64 + db) as f32;
    if !b.is_finite() || !v.iter().all(|x| x.is_finite()) {
        return (prior_b, prior_v.to_vec());
    }
    (b, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Dual and primal give the same unit, and it fits the ratings better than the prior.
    #[test]
    fn dual_matches_primal_and_fits() {
        let codes: Vec<Vec<f32>> = vec![
            vec![0.9, 0.1, 0.2],
            vec![0.1, 0.8, 0.3],
            vec![0.2, 0.3, 0.7],
            vec![0.5, 0.5, 0.5],
        ];
        let refs: Vec<&[f32]> = codes.iter().map(|c| c.as_slice()).collect();
        let r = [4.0, 2.0, 5.0, 1.0];
        let prior = [0.5f32, -0.5, 0.1];
        let (b1, v1) = solve(&refs, &r, 3.0, &prior, 1e-3, true);
        let (b2, v2) = solve(&refs, &r, 3.0, &prior, 1e-3, false);
        assert!((b1 - b2).abs() < 1e-4, "{b1} {b2}");
        assert!(v1.iter().zip(&v2).all(|(a, b)| (a - b).abs() < 1e-4));
        let err = |b: f32, v: &[f32]| -> f64 {
            refs.iter()
                .zip(&r)
                .map(|(h, &y)| (y as f64 - b as f64 - dot(h, v)).powi(2))
                .sum()
        };
        assert!(err(b1, &v1) < 0.1 * err(3.0, &prior));
        // solving a tiny system by Cholesky
        let mut a = vec![4.0, 2.0, 2.0, 3.0];
        let mut b = vec![2.0, 1.0];
        assert!(cholesky_solve(&mut a, &mut b, 2));
        assert!((b[0] - 0.5).abs() < 1e-12 && b[1].abs() < 1e-12);
        assert_eq!(fold_in(&[], &[], 3.0, &prior, 1.0), (3.0, prior.to_vec()));
    }
}
