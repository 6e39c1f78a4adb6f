//! [`Support`]: how much of a rating network's residual to trust, by how many training
//! ratings stand behind the user and the movie. The residual a network adds to the biases is
//! scaled by
//!
//! `s(n_u, n_i) = α · n_u / (n_u + k_u) · n_i / (n_i + k_i)`,
//!
//! with `n_u`, `n_i` the user's and movie's training ratings. A user or movie without any
//! (a cold one: its embedding or output unit was never trained, so its residual is noise)
//! gets `s = 0` — the prediction is the biases' baseline, which never loses to
//! `BaselineOnly` there. `α`, `k_u` and `k_i` are fitted on the network's hold-out
//! ([`Shrink::fit`]): least squares for `α ∈ [0, 1.5]` on a grid of `k`s — so sparse users
//! and movies move back towards the baseline exactly as far as the held-out ratings say.

use cinerec_core::state::{StateReader, StateWriter};
use cinerec_core::{Result, UserRef};

/// The `k` grid of [`Shrink::fit`] (pseudo-ratings of the support's half-weight point).
const K_GRID: [f32; 8] = [0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0];
/// Upper bound of `α` (a network that under-predicts its residuals may be scaled up a little).
const ALPHA_MAX: f64 = 1.5;

/// The scale of a residual by support: `α · n_u/(n_u+k_u) · n_i/(n_i+k_i)` (0 if either
/// count is 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shrink {
    /// Overall scale.
    pub alpha: f32,
    /// User pseudo-count.
    pub k_user: f32,
    /// Movie pseudo-count.
    pub k_item: f32,
}

impl Default for Shrink {
    /// The residual as trained, except for cold users and movies (scale 0).
    fn default() -> Self {
        Shrink {
            alpha: 1.0,
            k_user: 0.0,
            k_item: 0.0,
        }
    }
}

fn part(n: f32, k: f32) -> f32 {
    if n <= 0.0 {
        0.0
    } else {
        n / (n + k)
    }
}

impl Shrink {
    /// The scale for a user with `n_u` and a movie with `n_i` training ratings.
    pub fn factor(&self, n_u: f32, n_i: f32) -> f32 {
        self.alpha * part(n_u, self.k_user) * part(n_i, self.k_item)
    }

    /// The least-squares shrink of held-out `(n_u, n_i, predicted residual, true residual)`
    /// samples; the default without samples (or without any residual signal).
    pub fn fit(samples: &[(f32, f32, f32, f32)]) -> Shrink {
        let mut best: Option<(f64, Shrink)> = None;
        for &k_user in &K_GRID {
            for &k_item in &K_GRID {
                let s = Shrink {
                    alpha: 1.0,
                    k_user,
                    k_item,
                };
                let (mut xt, mut xx, mut tt) = (0f64, 0f64, 0f64);
                for &(nu, ni, p, t) in samples {
                    let x = (p * s.factor(nu, ni)) as f64;
                    xt += x * t as f64;
                    xx += x * x;
                    tt += (t as f64) * (t as f64);
                }
                if !(xx > 0.0 && xt.is_finite() && xx.is_finite()) {
                    continue;
                }
                let a = (xt / xx).clamp(0.0, ALPHA_MAX);
                // Σ(t − a x)² = Σt² − 2a Σxt + a² Σx².
                let sse = tt - 2.0 * a * xt + a * a * xx;
                if best.is_none_or(|b| sse < b.0) {
                    best = Some((
                        sse,
                        Shrink {
                            alpha: a as f32,
                            ..s
                        },
                    ));
                }
            }
        }
        best.map_or_else(Shrink::default, |b| b.1)
    }
}

/// Training-rating counts of every user and movie, with the fitted [`Shrink`].
#[derive(Debug, Clone, PartialEq)]
pub struct Support {
    /// Training ratings per user.
    pub n_user: Vec<f32>,
    /// Training ratings per movie.
    pub n_item: Vec<f32>,
    /// The residual scale by support.
    pub shrink: Shrink,
}

impl Support {
    /// The support of `user`: a known user's training ratings, or a profile's ratings.
    pub fn user(&self, user: UserRef<'_>) -> f32 {
        match user {
            UserRef::Known(u) => self.n_user.get(u.ix()).copied().unwrap_or(0.0),
            UserRef::Profile(p) | UserRef::Updated { profile: p, .. } => p.len() as f32,
        }
    }

    /// The residual scale for a user with support `n_u` (see [`Support::user`]) and movie `i`.
    pub fn factor(&self, n_u: f32, i: usize) -> f32 {
        self.shrink
            .factor(n_u, self.n_item.get(i).copied().unwrap_or(0.0))
    }

    /// The movie's part of the scale, `n_i / (n_i + k_i)` (0 for a movie without training
    /// ratings): what scales a residual that does not come from the user's ratings.
    pub fn item_part(&self, i: usize) -> f32 {
        part(
            self.n_item.get(i).copied().unwrap_or(0.0),
            self.shrink.k_item,
        )
    }

    /// Fits the shrink on held-out `(user, movie, predicted residual, true residual)`.
    pub fn fit_shrink(&mut self, held_out: impl Iterator<Item = (usize, usize, f32, f32)>) {
        let samples: Vec<(f32, f32, f32, f32)> = held_out
            .filter(|&(u, i, p, t)| {
                u < self.n_user.len() && i < self.n_item.len() && p.is_finite() && t.is_finite()
            })
            .map(|(u, i, p, t)| (self.n_user[u], self.n_item[i], p, t))
            .collect();
        self.shrink = Shrink::fit(&samples);
    }

    /// Writes the counts and the shrink (read back by [`Support::read`]).
    pub fn write(&self, w: &mut StateWriter) {
        w.f32s(&self.n_user);
        w.f32s(&self.n_item);
        w.f32(self.shrink.alpha);
        w.f32(self.shrink.k_user);
        w.f32(self.shrink.k_item);
    }

    /// Reads a support written by [`Support::write`] for `n_users` users and `n_items` movies.
    pub fn read(r: &mut StateReader<'_>, n_users: usize, n_items: usize) -> Result<Self> {
        let n_user = r.f32s()?;
        let n_item = r.f32s()?;
        let shrink = Shrink {
            alpha: r.f32()?,
            k_user: r.f32()?,
            k_item: r.f32()?,
        };
        let ok = n_user.len() == n_users
            && n_item.len() == n_items
            && n_user
                .iter()
                .chain(&n_item)
                .all(|x| x.is_finite() && *x >= 0.0)
            && [shrink.alpha, shrink.k_user, shrink.k_item]
                .iter()
                .all(|x| x.is_finite() && *x >= 0.0);
        crate::ae_shape::ensure(ok, "support: lengths or values out of range")?;
        Ok(Support {
            n_user,
            n_item,
            shrink,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cold_rows_get_no_residual_and_the_fit_finds_the_planted_shrink() {
        let s = Shrink::default();
        assert_eq!(s.factor(0.0, 5.0), 0.0);
        assert_eq!(s.factor(3.0, 0.0), 0.0);
        assert_eq!(s.factor(3.0, 5.0), 1.0);
        // Truth = 0.8 · n_u/(n_u+5) · prediction: the fit recovers k_u = 5, k_i = 0, α = 0.8.
        let mut samples = vec![];
        for nu in 1..40 {
            for ni in [1.0, 3.0, 30.0] {
                let p = if nu % 2 == 0 { 0.5 } else { -0.7 };
                let t = 0.8 * p * nu as f32 / (nu as f32 + 5.0);
                samples.push((nu as f32, ni, p, t));
            }
        }
        let f = Shrink::fit(&samples);
        assert_eq!((f.k_user, f.k_item), (5.0, 0.0), "{f:?}");
        assert!((f.alpha - 0.8).abs() < 1e-4, "{f:?}");
        // Pure noise residuals: α = 0, the baseline.
        let noise: Vec<_> = (0..100)
            .map(|k| (10.0, 10.0, if k % 2 == 0 { 1.0 } else { -1.0 }, 0.3))
            .collect();
        assert_eq!(Shrink::fit(&noise).alpha, 0.0);
        assert_eq!(Shrink::fit(&[]), Shrink::default());
    }

    #[test]
    fn support_round_trips_and_refuses_bad_values() {
        let s = Support {
            n_user: vec![0.0, 3.0],
            n_item: vec![2.0],
            shrink: Shrink {
                alpha: 0.9,
                k_user: 2.0,
                k_item: 10.0,
            },
        };
        let mut w = StateWriter::new(b"t");
        s.write(&mut w);
        let bytes = w.finish();
        let mut r = StateReader::new(&bytes, b"t").unwrap();
        assert_eq!(Support::read(&mut r, 2, 1).unwrap(), s);
        let mut r = StateReader::new(&bytes, b"t").unwrap();
        assert!(Support::read(&mut r, 3, 1).is_err());
    }
}
