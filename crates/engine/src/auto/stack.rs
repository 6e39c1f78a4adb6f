//! The learning half of the blend: feature-weighted linear stacking of rating predictions
//! (Sill et al. 2009, the Netflix Prize blends). Each component's prediction enters alone and
//! multiplied by the user's and the movie's centred log support, so the blend can trust a
//! neighbourhood model for well-rated movies and a factor model for sparse ones. Ridge weights
//! are solved in closed form for the correction of the best single model (so the penalty
//! shrinks the blend toward that model, not toward the mean), the penalty chosen by k-fold
//! cross-validation on the validation rows; [`cross_validated_rmse`] is the honest score
//! `auto` compares against the single models.

use cinerec_core::Dataset;
use cinerec_models::linalg::cholesky_solve;

/// Log support of every user and item of `data`, centred on the mean over rated ones, so a
/// model fitted on 80 % of the data and one fitted on all of it see comparable values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Support {
    /// `ln(1 + ratings of u) − mean`.
    pub users: Vec<f32>,
    /// `ln(1 + ratings of i) − mean`.
    pub items: Vec<f32>,
    /// The user mean subtracted (applied to profiles of users outside the data).
    pub user_mean: f32,
    /// The item mean subtracted (NaN in states written before it was kept).
    pub item_mean: f32,
}

impl Support {
    /// The support of `data`.
    pub fn of(data: &Dataset) -> Self {
        let m = data.matrix();
        let log1p = |c: usize| (1.0 + c as f32).ln();
        let mut users: Vec<f32> = (0..data.n_users() as u32)
            .map(|u| log1p(m.user_count(cinerec_core::UserIdx(u))))
            .collect();
        let mut items: Vec<f32> = (0..data.n_items() as u32)
            .map(|i| log1p(m.item_count(cinerec_core::ItemIdx(i))))
            .collect();
        let user_mean = centre(&mut users);
        let item_mean = centre(&mut items);
        Support {
            users,
            items,
            user_mean,
            item_mean,
        }
    }

    /// Whether a centred user support `su` or item support `si` is that of a user or movie
    /// without ratings (`ln 1 = 0` before centring; never for an unknown item mean).
    pub fn is_cold(&self, su: f32, si: f32) -> bool {
        su + self.user_mean < 1e-4 || si + self.item_mean < 1e-4
    }
}

impl Support {
    /// The supports of a (user, item) pair of the data (0, the mean, for ids outside it).
    pub fn of_pair(&self, user: u32, item: u32) -> (f32, f32) {
        (
            self.users.get(user as usize).copied().unwrap_or(0.0),
            self.items.get(item as usize).copied().unwrap_or(0.0),
        )
    }
}

/// Subtracts the mean over the positive entries (the rated ones) from every entry; returns it.
fn centre(v: &mut [f32]) -> f32 {
    let (sum, n) = v
        .iter()
        .filter(|&&x| x > 0.0)
        .fold((0f64, 0usize), |(s, n), &x| (s + x as f64, n + 1));
    let mean = if n == 0 { 0.0 } else { (sum / n as f64) as f32 };
    v.iter_mut().for_each(|x| *x -= mean);
    mean
}

/// The smallest and largest user and item support among `rows` (`[u_lo, u_hi, i_lo, i_hi]`).
/// Weights learnt on those rows are applied only inside that range: a cold user or movie
/// (support far below any validation row's) is clamped to the sparsest seen, never
/// extrapolated.
pub fn support_range(support: &Support, rows: &cinerec_core::Interactions) -> [f32; 4] {
    let mut r = [
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::INFINITY,
        f32::NEG_INFINITY,
    ];
    for k in 0..rows.len() {
        let (su, si) = support.of_pair(rows.users[k], rows.items[k]);
        (r[0], r[1]) = (r[0].min(su), r[1].max(su));
        (r[2], r[3]) = (r[2].min(si), r[3].max(si));
    }
    if rows.is_empty() {
        r = [0.0; 4];
    }
    r
}

/// `(su, si)` clamped to `range` (unchanged without one).
pub fn clamp_support(range: Option<[f32; 4]>, su: f32, si: f32) -> (f32, f32) {
    match range {
        Some([ul, uh, il, ih]) if ul <= uh && il <= ih => (su.clamp(ul, uh), si.clamp(il, ih)),
        _ => (su, si),
    }
}

/// Root mean squared error of predictions `pred` against `truth` (0 for none).
pub fn rmse(pred: &[f32], truth: &[f32]) -> f64 {
    let se: f64 = pred
        .iter()
        .zip(truth)
        .map(|(p, t)| ((p - t) as f64).powi(2))
        .sum();
    (se / truth.len().max(1) as f64).sqrt()
}

/// Number of features for `k` components: an intercept, both supports, and per component its
/// prediction and the prediction times each support.
pub fn n_features(k: usize) -> usize {
    3 + 3 * k
}

/// Writes the feature row of one (user support, item support, component predictions) into
/// `out` (length [`n_features`]). Predictions are centred on `mean` so the support terms act
/// as corrections around the global mean.
pub fn features(su: f32, si: f32, preds: &[f32], mean: f32, out: &mut [f64]) {
    let (su, si) = (su as f64, si as f64);
    out[0] = 1.0;
    out[1] = su;
    out[2] = si;
    for (k, &p) in preds.iter().enumerate() {
        let p = (p - mean) as f64;
        out[3 + 3 * k] = p;
        out[4 + 3 * k] = p * su;
        out[5 + 3 * k] = p * si;
    }
}

/// Ridge regression `min ‖Xw − y‖² + ridge·n·‖w₁..‖²` (intercept unpenalised) on the rows
/// `rows` of the row-major design `x` (`d` columns). `None` when the system is singular.
pub fn ridge(x: &[f64], y: &[f64], d: usize, rows: &[usize], ridge: f64) -> Option<Vec<f64>> {
    let mut a = vec![0f64; d * d];
    let mut b = vec![0f64; d];
    for &r in rows {
        let xr = &x[r * d..(r + 1) * d];
        for i in 0..d {
            b[i] += xr[i] * y[r];
            for j in 0..=i {
                a[i * d + j] += xr[i] * xr[j];
            }
        }
    }
    for i in 0..d {
        for j in 0..i {
            a[j * d + i] = a[i * d + j];
        }
    }
    let lam = ridge * rows.len().max(1) as f64;
    for i in 1..d {
        a[i * d + i] += lam;
    }
    a[0] += 1e-9;
    cholesky_solve(&mut a, &mut b, d).then_some(b)
}

/// The prediction of weights `w` for feature row `xr`.
pub fn apply(w: &[f64], xr: &[f64]) -> f64 {
    w.iter().zip(xr).map(|(a, b)| a * b).sum()
}

/// RMSE of the ridge blend by `folds`-fold cross-validation over the rows (every row is
/// predicted by weights learnt without it): prediction `base + w·x` clipped to `[lo, hi]`,
/// where `base` is the prediction the blend corrects (the best single model).
pub fn cross_validated_rmse(
    x: &[f64],
    y: &[f64],
    base: &[f64],
    d: usize,
    ridge_lambda: f64,
    folds: usize,
    (lo, hi): (f64, f64),
) -> Option<f64> {
    let n = y.len();
    if n < folds * 2 {
        return None;
    }
    let resid: Vec<f64> = y.iter().zip(base).map(|(a, b)| a - b).collect();
    let mut se = 0.0;
    for f in 0..folds {
        let train: Vec<usize> = (0..n).filter(|r| r % folds != f).collect();
        let w = ridge(x, &resid, d, &train, ridge_lambda)?;
        for r in (f..n).step_by(folds) {
            let e = (base[r] + apply(&w, &x[r * d..(r + 1) * d])).clamp(lo, hi) - y[r];
            se += e * e;
        }
    }
    Some((se / n as f64).sqrt())
}

/// Ridge penalties tried per validation rating; the largest shrinks the blend to its base.
pub const RIDGE_GRID: [f64; 6] = [1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0];

/// A learnt blend: weights of the correction, the penalty chosen, its cross-validated RMSE.
#[derive(Debug, Clone, PartialEq)]
pub struct Learnt {
    /// Weights of the correction to the base prediction.
    pub weights: Vec<f64>,
    /// The ridge penalty chosen by cross-validation.
    pub ridge: f64,
    /// The 5-fold cross-validated RMSE at that penalty.
    pub cv_rmse: f64,
}

/// Learns the correction `y − base ≈ w·x`, the penalty chosen from [`RIDGE_GRID`] by 5-fold
/// cross-validation (shrinking toward the base model, never toward the mean).
pub fn learn(x: &[f64], y: &[f64], base: &[f64], d: usize, scale: (f64, f64)) -> Option<Learnt> {
    let (mut best_l, mut best_cv) = (None, f64::INFINITY);
    for l in RIDGE_GRID {
        if let Some(cv) = cross_validated_rmse(x, y, base, d, l, 5, scale) {
            if cv < best_cv {
                (best_l, best_cv) = (Some(l), cv);
            }
        }
    }
    let l = best_l?;
    let resid: Vec<f64> = y.iter().zip(base).map(|(a, b)| a - b).collect();
    let rows: Vec<usize> = (0..y.len()).collect();
    Some(Learnt {
        weights: ridge(x, &resid, d, &rows, l)?,
        ridge: l,
        cv_rmse: best_cv,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ridge_recovers_a_planted_blend_and_cv_sees_noise() {
        // y = 3 + 0.7·p1 + 0.3·p2 (around the mean 3), no noise: weights recovered exactly.
        let (n, d) = (400, n_features(2));
        let mut x = vec![0f64; n * d];
        let mut y = vec![0f64; n];
        for r in 0..n {
            let p1 = 1.0 + (r % 5) as f32;
            let p2 = 1.0 + ((r * 7) % 5) as f32;
            features(
                0.1 * (r % 3) as f32,
                0.05 * (r % 4) as f32,
                &[p1, p2],
                3.0,
                &mut x[r * d..(r + 1) * d],
            );
            y[r] = 3.0 + 0.7 * (p1 as f64 - 3.0) + 0.3 * (p2 as f64 - 3.0);
        }
        let rows: Vec<usize> = (0..n).collect();
        let w = ridge(&x, &y, d, &rows, 0.0).unwrap();
        assert!(
            (w[0] - 3.0).abs() < 1e-6 && (w[3] - 0.7).abs() < 1e-6 && (w[6] - 0.3).abs() < 1e-6,
            "{w:?}"
        );
        let zero = vec![0.0; n];
        let cv = cross_validated_rmse(&x, &y, &zero, d, 0.0, 5, (1.0, 5.0)).unwrap();
        assert!(cv < 1e-6, "{cv}");
        // A strong ridge shrinks the correction toward zero: the blend falls back to its base
        // (here 0, clipped to 1), and the CV error grows.
        let cv_strong = cross_validated_rmse(&x, &y, &zero, d, 10.0, 5, (1.0, 5.0)).unwrap();
        assert!(cv_strong > 0.1, "{cv_strong}");
        // `learn` picks the smallest penalty here and reaches the exact blend.
        let l = learn(&x, &y, &zero, d, (1.0, 5.0)).unwrap();
        assert_eq!(l.ridge, RIDGE_GRID[0]);
        assert!(l.cv_rmse < 1e-3, "{l:?}");
    }
}
