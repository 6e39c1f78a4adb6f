//! [`Biases`]: the baseline the rating networks learn a residual over — the global mean plus
//! regularised user and movie biases, fitted by alternating least squares as Surprise's
//! `BaselineOnly` does (`b_u = Σ(r − μ − b_i) / (reg_u + n_u)`, `b_i = Σ(r − μ − b_u) /
//! (reg_i + n_i)`). The regularisers are counts of pseudo-ratings at the mean, so they hold on
//! any rating scale; a sparse movie or user keeps a bias near 0, and a network whose residual
//! is near 0 there falls back to this baseline instead of to noise.
//!
//! The biases also carry each user's and movie's training count and the residual
//! [`Support`] shrink fitted on the network's hold-out ([`crate::shrink`]): a network's
//! residual is scaled by [`Biases::residual_scale`] — 0 for a user or movie without training
//! ratings, less for sparse ones.

use crate::shrink::{Shrink, Support};
use cinerec_core::state::{StateReader, StateWriter};
use cinerec_core::{Dataset, ItemIdx, Result, UserRef};

/// Pseudo-ratings at the mean added to every user's bias (Surprise's `reg_u`).
pub const REG_USER: f32 = 15.0;
/// Pseudo-ratings at the mean added to every movie's bias (Surprise's `reg_i`).
pub const REG_ITEM: f32 = 10.0;
/// Alternating passes (Surprise's `n_epochs`).
const PASSES: usize = 10;

/// Global mean and regularised user / movie biases.
#[derive(Debug, Clone, PartialEq)]
pub struct Biases {
    /// The mean training rating (0 without ratings).
    pub mean: f32,
    /// One bias per user (0 without ratings).
    pub user: Vec<f32>,
    /// One bias per movie (0 without ratings).
    pub item: Vec<f32>,
    /// Training counts and the residual shrink (`None`: a state written before they
    /// existed — residuals are used unscaled, as then).
    pub support: Option<Support>,
}

impl Biases {
    /// Fits the biases on `data`'s training ratings.
    pub fn fit(data: &Dataset) -> Self {
        let ratings: Vec<(u32, u32, f32)> = data
            .matrix()
            .iter()
            .map(|r| (r.user.0, r.item.0, r.value))
            .collect();
        Biases::fit_ratings(data.n_users(), data.n_items(), &ratings)
    }

    /// Fits the biases on `(user, movie, rating)` triples (e.g. a training part without its
    /// validation hold-out).
    pub fn fit_ratings(n_users: usize, n_items: usize, ratings: &[(u32, u32, f32)]) -> Self {
        Self::fit_passes(n_users, n_items, ratings)
    }

    /// When the residual shrink switched the network off (`α = 0`), the model is the
    /// baseline: its biases are refitted on `data` exactly as Surprise's BaselineOnly
    /// (`cinerec_models::Baseline`, ALS) fits them — in f64, each pass every movie bias then
    /// every user bias, from zeros — so it predicts what the baseline predicts (up to f32
    /// rounding) rather than a slightly different baseline. Support (whose counts, from the
    /// same `data`, are the passes' denominators) and shrink are kept; nothing changes while
    /// the residual is on.
    pub fn settle(&mut self, data: &Dataset) {
        let Some(support) = self.support.as_ref().filter(|s| s.shrink.alpha == 0.0) else {
            return;
        };
        let m = data.matrix();
        let n = m.values().len();
        if n == 0 {
            return;
        }
        let mu = m.values().iter().map(|&v| v as f64).sum::<f64>() / n as f64;
        let (mut bu, mut bi) = (vec![0f64; data.n_users()], vec![0f64; data.n_items()]);
        for _ in 0..PASSES {
            let mut dev_i = vec![0f64; bi.len()];
            for r in m.iter() {
                dev_i[r.item.ix()] += r.value as f64 - mu - bu[r.user.ix()];
            }
            for (b, (d, &c)) in bi.iter_mut().zip(dev_i.iter().zip(&support.n_item)) {
                *b = d / (REG_ITEM as f64 + c as f64);
            }
            let mut dev_u = vec![0f64; bu.len()];
            for r in m.iter() {
                dev_u[r.user.ix()] += r.value as f64 - mu - bi[r.item.ix()];
            }
            for (b, (d, &c)) in bu.iter_mut().zip(dev_u.iter().zip(&support.n_user)) {
                *b = d / (REG_USER as f64 + c as f64);
            }
        }
        self.mean = mu as f32;
        self.user = bu.into_iter().map(|b| b as f32).collect();
        self.item = bi.into_iter().map(|b| b as f32).collect();
    }

    fn fit_passes(n_users: usize, n_items: usize, ratings: &[(u32, u32, f32)]) -> Self {
        let n = ratings.len();
        let mean = if n == 0 {
            0.0
        } else {
            (ratings.iter().map(|x| x.2 as f64).sum::<f64>() / n as f64) as f32
        };
        let (mut user, mut item) = (vec![0f32; n_users], vec![0f32; n_items]);
        let (mut nu, mut ni) = (vec![0f32; n_users], vec![0f32; n_items]);
        for &(u, i, _) in ratings {
            nu[u as usize] += 1.0;
            ni[i as usize] += 1.0;
        }
        let mut sum_u = vec![0f32; n_users];
        let mut sum_i = vec![0f32; n_items];
        for _ in 0..PASSES {
            sum_u.iter_mut().for_each(|x| *x = 0.0);
            for &(u, i, r) in ratings {
                sum_u[u as usize] += r - mean - item[i as usize];
            }
            for (b, (s, c)) in user.iter_mut().zip(sum_u.iter().zip(&nu)) {
                *b = s / (REG_USER + c);
            }
            sum_i.iter_mut().for_each(|x| *x = 0.0);
            for &(u, i, r) in ratings {
                sum_i[i as usize] += r - mean - user[u as usize];
            }
            for (b, (s, c)) in item.iter_mut().zip(sum_i.iter().zip(&ni)) {
                *b = s / (REG_ITEM + c);
            }
        }
        // A last user pass on the final movie biases: a known user's bias is then what
        // `profile_bias` gives the same ratings (in the same order).
        sum_u.iter_mut().for_each(|x| *x = 0.0);
        for &(u, i, r) in ratings {
            sum_u[u as usize] += r - mean - item[i as usize];
        }
        for (b, (s, c)) in user.iter_mut().zip(sum_u.iter().zip(&nu)) {
            *b = s / (REG_USER + c);
        }
        let support = Some(Support {
            n_user: nu,
            n_item: ni,
            shrink: Shrink::default(),
        });
        Biases {
            mean,
            user,
            item,
            support,
        }
    }

    /// The scale of a network's residual for `user` and movie `i` (see [`crate::shrink`]).
    pub fn residual_scale(&self, user: UserRef<'_>, i: usize) -> f32 {
        self.support
            .as_ref()
            .map_or(1.0, |s| s.factor(s.user(user), i))
    }

    /// Fits the residual shrink on held-out `(user, movie, predicted residual, true
    /// residual)` samples (no-op without counts).
    pub fn fit_shrink(&mut self, held_out: impl Iterator<Item = (usize, usize, f32, f32)>) {
        if let Some(s) = self.support.as_mut() {
            s.fit_shrink(held_out);
        }
    }

    /// The baseline of known user `u` (`None`: a user without a bias) for movie `i`.
    pub fn get(&self, u: Option<usize>, i: usize) -> f32 {
        self.mean + u.map_or(0.0, |u| self.user[u]) + self.item[i]
    }

    /// The biases alone, without the mean: what a network that keeps the rating level
    /// (and so the implicit signal of which entries are present) learns on top of.
    pub fn offset(&self, u: Option<usize>, i: usize) -> f32 {
        u.map_or(0.0, |u| self.user[u]) + self.item[i]
    }

    /// The bias of a new visitor who rated `profile`, by the same regularised formula.
    pub fn profile_bias(&self, profile: &[(ItemIdx, f32)]) -> f32 {
        let s: f32 = profile
            .iter()
            .map(|(i, r)| r - self.mean - self.item[i.ix()])
            .sum();
        s / (REG_USER + profile.len() as f32)
    }

    /// Writes the biases and their support (read back by [`Biases::read`] with `support`).
    pub fn write(&self, w: &mut StateWriter) {
        w.f32(self.mean);
        w.f32s(&self.user);
        w.f32s(&self.item);
        w.u32(u32::from(self.support.is_some()));
        if let Some(s) = &self.support {
            s.write(w);
        }
    }

    /// Reads biases written by [`Biases::write`] for `n_users` users and `n_items` movies;
    /// `support = false` reads the format before support existed (no shrink).
    pub fn read(
        r: &mut StateReader<'_>,
        n_users: usize,
        n_items: usize,
        support: bool,
    ) -> Result<Self> {
        let mean = r.f32()?;
        let user = r.f32s()?;
        let item = r.f32s()?;
        let finite = mean.is_finite() && user.iter().chain(&item).all(|x| x.is_finite());
        crate::ae_shape::ensure(
            finite && user.len() == n_users && item.len() == n_items,
            "biases: lengths or non-finite values",
        )?;
        let support = match support && r.u32()? == 1 {
            true => Some(Support::read(r, n_users, n_items)?),
            false => None,
        };
        Ok(Biases {
            mean,
            user,
            item,
            support,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cinerec_core::fixtures;

    #[test]
    fn biases_lower_the_training_error_and_shrink_sparse_rows() {
        let data = fixtures::synthetic(7);
        let b = Biases::fit(&data);
        let m = data.matrix();
        let (mut e0, mut e1) = (0f64, 0f64);
        for r in m.iter() {
            let (u, i) = (r.user.ix(), r.item.ix());
            e0 += ((r.value - b.mean) as f64).powi(2);
            e1 += ((r.value - b.get(Some(u), i)) as f64).powi(2);
        }
        assert!(e1 < e0, "{e1} !< {e0}");
        // A profile with one rating at the baseline gets no bias; a high one a small one.
        let i = ItemIdx(0);
        let at = b.mean + b.item[0];
        assert!(b.profile_bias(&[(i, at)]).abs() < 1e-6);
        let pb = b.profile_bias(&[(i, at + 1.0)]);
        assert!(pb > 0.0 && pb < 1.0 / REG_USER + 1e-6, "{pb}");
        let mut w = StateWriter::new(b"t");
        b.write(&mut w);
        let bytes = w.finish();
        let mut r = StateReader::new(&bytes, b"t").unwrap();
        assert_eq!(
            Biases::read(&mut r, b.user.len(), b.item.len(), true).unwrap(),
            b
        );
        // Counts came with the fit; a cold movie's residual is dropped, a rated one's kept.
        let s = b.support.as_ref().unwrap();
        let rated = (0..s.n_item.len()).find(|&i| s.n_item[i] > 0.0).unwrap();
        assert_eq!(
            b.residual_scale(UserRef::Known(cinerec_core::UserIdx(0)), rated),
            1.0
        );
        assert_eq!(b.residual_scale(UserRef::Profile(&[]), rated), 0.0);
    }
}
