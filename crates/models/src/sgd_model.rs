//! [`MfFit`]: the fitted state shared by [`crate::Svd`] and [`crate::SvdPp`] — global mean,
//! user and item biases and latent factors — with everything they do once fitted: predict
//! (Surprise's estimate, clipped), score (unclipped), item cosine, profile fold-in and state.
//!
//! Unknown users and items fall back as in Surprise: a user or item without training ratings
//! has zero bias and zero factors, so the estimate is `μ + b_i` (unknown user), `μ + b_u`
//! (unknown item) or `μ`; an unbiased model (`biased: false`) predicts `μ` whenever the pair
//! is not fully known (Surprise's default prediction after `PredictionImpossible`).
//!
//! **Fold-in** ([`UserRef::Profile`]): a new visitor, or a user's up-to-date ratings, gets
//! `(b_u, p_u)` by ridge regression of the profile's residuals `r − μ − b_i − q_i·z` on the
//! fixed item factors, `min Σ (res − b_u − q_i·p_u)² + n·(reg_bu b_u² + reg_pu |p_u|²)`,
//! solved exactly by Cholesky. The penalty `n·reg` is what Surprise's per-rating
//! regularisation adds up to over the user's `n` ratings, so folding in a training user's own
//! ratings lands near their trained vector. SVD++ passes its implicit term
//! `z = |N(u)|^-½ Σ_{j∈N(u)} y_j` over the profile's items; SVD passes none.
//!
//! **Fold-in with a prior** ([`UserRef::Updated`]): a trained user with ratings training did
//! not see keeps what training learned. The ratings training saw enter only as the
//! information they gave the trained `θ_u = (b_u, p_u)` — the ridge system `P` above over
//! them — and the new ones as observations: `θ = (P + A_new)⁻¹ (P θ_u + r_new)`. A rating
//! re-posted unchanged is not new, so nothing moves; a new one moves the user as much as one
//! more rating among the `n` they had.

use crate::common::Shape;
use crate::factors::Factors;
use crate::linalg::{cholesky_solve, dot};
use crate::state::{StateReader, StateWriter};
use cinerec_core::{CoreError, ItemIdx, Result, UserRef};
use std::borrow::Cow;

/// A fitted biased matrix factorisation.
#[derive(Debug, Clone)]
pub(crate) struct MfFit {
    pub shape: Shape,
    pub mu: f32,
    pub biased: bool,
    pub bu: Vec<f32>,
    pub bi: Vec<f32>,
    /// Item factors, and the users' *effective* vectors (SVD++: `p_u + z_u`).
    pub f: Factors,
    /// Training ratings per user / per item (0 = unknown to training).
    pub user_n: Vec<u32>,
    pub item_n: Vec<u32>,
}

/// A resolved user: bias, effective vector, and whether Surprise would call them known.
pub(crate) struct UserVec<'a> {
    pub b: f32,
    pub p: Cow<'a, [f32]>,
    pub known: bool,
}

impl MfFit {
    /// A fit of these parts, as they are.
    pub fn new(
        shape: Shape,
        mu: f32,
        biased: bool,
        (bu, bi): (Vec<f32>, Vec<f32>),
        f: Factors,
        (user_n, item_n): (Vec<u32>, Vec<u32>),
    ) -> Self {
        MfFit {
            shape,
            mu,
            biased,
            bu,
            bi,
            f,
            user_n,
            item_n,
        }
    }

    /// The fit with the factors of users and items without training ratings zeroed
    /// (Surprise's fallback), as a training run ends.
    pub fn zeroed(mut self) -> Self {
        let k = self.f.k;
        for (u, &n) in self.user_n.iter().enumerate() {
            if n == 0 {
                self.f.users[u * k..(u + 1) * k].fill(0.0);
                self.bu[u] = 0.0;
            }
        }
        for (i, &n) in self.item_n.iter().enumerate() {
            if n == 0 {
                self.f.items[i * k..(i + 1) * k].fill(0.0);
                self.bi[i] = 0.0;
            }
        }
        self
    }

    /// The user's bias and vector; profiles are folded in with the implicit term `implicit`
    /// (SVD++) and penalties `reg_bu`, `reg_pu` per rating.
    pub fn user<'a>(
        &'a self,
        user: UserRef<'_>,
        implicit: Option<&[f32]>,
        reg_bu: f32,
        reg_pu: f32,
    ) -> Result<UserVec<'a>> {
        self.shape.check_user(user)?;
        Ok(match user {
            UserRef::Known(u) => UserVec {
                b: self.bu[u.ix()],
                p: Cow::Borrowed(self.f.user(u.ix())),
                known: self.user_n[u.ix()] > 0,
            },
            // A trained user with new ratings: updated from the trained vector (for SVD++ the
            // trained vector already holds the implicit term of the training ratings).
            UserRef::Updated {
                user: u,
                profile,
                new,
            } if self.user_n[u.ix()] > 0 => {
                let old = crate::common::without(profile, new);
                let (b, v) = self.fold_prior(u.ix(), &old, new, reg_bu, reg_pu);
                UserVec {
                    b,
                    p: Cow::Owned(v),
                    known: true,
                }
            }
            UserRef::Profile(p) | UserRef::Updated { profile: p, .. } => {
                let (b, mut v) = self.fold_in(p, implicit, reg_bu, reg_pu);
                if let Some(z) = implicit {
                    v.iter_mut().zip(z).for_each(|(x, z)| *x += z);
                }
                UserVec {
                    b,
                    p: Cow::Owned(v),
                    known: !p.is_empty(),
                }
            }
        })
    }

    /// Ridge fold-in of `(b_u, p_u)` (see the module docs).
    fn fold_in(
        &self,
        prof: &[(ItemIdx, f32)],
        z: Option<&[f32]>,
        reg_bu: f32,
        reg_pu: f32,
    ) -> (f32, Vec<f32>) {
        let zero = || (0.0, vec![0.0; self.f.k]);
        if prof.is_empty() {
            return zero();
        }
        let (mut a, mut rhs) = self.normal_eq(prof, z, reg_bu, reg_pu);
        self.solve(&mut a, &mut rhs).unwrap_or_else(zero)
    }

    /// Fold-in with the trained user as the prior (see the module docs): the ratings training
    /// saw (`old`) enter as the information they gave the trained `(b_u, p_u)`, the `new`
    /// ones as observations, `min (θ−θ_u)ᵀP(θ−θ_u) + Σ_new (res − x·θ)² + n_new·reg·|θ|²`
    /// with `P` the ridge system of `old`. With nothing new it is the trained user exactly.
    fn fold_prior(
        &self,
        u: usize,
        old: &[(ItemIdx, f32)],
        new: &[(ItemIdx, f32)],
        reg_bu: f32,
        reg_pu: f32,
    ) -> (f32, Vec<f32>) {
        let trained = (self.bu[u], self.f.user(u).to_vec());
        if new.is_empty() {
            return trained;
        }
        let off = usize::from(self.biased);
        let mut theta = Vec::with_capacity(self.f.k + off);
        if self.biased {
            theta.push(trained.0 as f64);
        }
        theta.extend(trained.1.iter().map(|&v| v as f64));
        let (p, _) = self.normal_eq(old, None, reg_bu, reg_pu);
        let (mut a, mut rhs) = self.normal_eq(new, None, reg_bu, reg_pu);
        let d = theta.len();
        for r in 0..d {
            rhs[r] += (0..d).map(|c| p[r * d + c] * theta[c]).sum::<f64>();
        }
        a.iter_mut().zip(&p).for_each(|(a, p)| *a += p);
        self.solve(&mut a, &mut rhs).unwrap_or(trained)
    }

    /// The ridge system of `prof`: `Σ x xᵀ + n·diag(reg)` and `Σ x·res`, with `x = (1, q_i)`
    /// (`q_i` alone when unbiased) and `res = r − μ − b_i − q_i·z`.
    fn normal_eq(
        &self,
        prof: &[(ItemIdx, f32)],
        z: Option<&[f32]>,
        reg_bu: f32,
        reg_pu: f32,
    ) -> (Vec<f64>, Vec<f64>) {
        let k = self.f.k;
        let off = usize::from(self.biased);
        let d = k + off;
        let n = prof.len() as f64;
        let (mut a, mut rhs) = (vec![0f64; d * d], vec![0f64; d]);
        let mut x = vec![0f64; d];
        for &(i, r) in prof {
            let q = self.f.item(i.ix());
            let zq = z.map_or(0.0, |z| dot(q, z));
            let base = if self.biased {
                self.mu + self.bi[i.ix()]
            } else {
                0.0
            };
            let res = (r - base - zq) as f64;
            if self.biased {
                x[0] = 1.0;
            }
            x[off..].iter_mut().zip(q).for_each(|(x, &q)| *x = q as f64);
            for r_ in 0..d {
                rhs[r_] += x[r_] * res;
                for c in 0..=r_ {
                    a[r_ * d + c] += x[r_] * x[c];
                }
            }
        }
        for r_ in 0..d {
            for c in 0..r_ {
                a[c * d + r_] = a[r_ * d + c];
            }
            let reg = if r_ < off { reg_bu } else { reg_pu } as f64;
            a[r_ * d + r_] += (n * reg).max(1e-6);
        }
        (a, rhs)
    }

    /// Solves `a θ = rhs` (Cholesky) into `(b_u, p_u)`; `None` when singular or not finite.
    fn solve(&self, a: &mut [f64], rhs: &mut [f64]) -> Option<(f32, Vec<f32>)> {
        let off = usize::from(self.biased);
        if !cholesky_solve(a, rhs, rhs.len()) || !rhs.iter().all(|v| v.is_finite()) {
            return None;
        }
        let b = if self.biased { rhs[0] as f32 } else { 0.0 };
        Some((b, rhs[off..].iter().map(|&v| v as f32).collect()))
    }

    /// The unclipped estimate for a resolved user.
    #[inline(always)]
    pub fn estimate(&self, u: &UserVec<'_>, i: usize) -> f32 {
        let known = u.known && self.item_n[i] > 0;
        if self.biased {
            let d = if known {
                dot(&u.p, self.f.item(i))
            } else {
                0.0
            };
            self.mu + u.b + self.bi[i] + d
        } else if known {
            dot(&u.p, self.f.item(i))
        } else {
            self.mu
        }
    }

    /// Clipped predicted rating.
    pub fn predict(&self, u: &UserVec<'_>, item: ItemIdx) -> Result<f32> {
        self.shape.check_item(item)?;
        Ok(self.shape.clip(self.estimate(u, item.ix()) as f64))
    }

    /// Unclipped estimates of every item.
    pub fn score_all(&self, u: &UserVec<'_>, out: &mut [f32]) -> Result<()> {
        self.shape.check_out(out)?;
        score_into(self, u, out);
        Ok(())
    }

    /// Cosine of `item`'s factors with every item's.
    pub fn item_similarities(&self, item: ItemIdx, out: &mut [f32]) -> Result<()> {
        self.f.item_similarities(&self.shape, item, out)
    }

    /// Writes the state after the shape (which [`crate::common::write_state`] writes).
    pub fn write(&self, w: &mut StateWriter) {
        w.f32(self.mu);
        w.u32(u32::from(self.biased));
        w.f32s(&self.bu);
        w.f32s(&self.bi);
        w.u32s(&self.user_n);
        w.u32s(&self.item_n);
        self.f.write(w);
    }

    /// Reads a state written by [`MfFit::write`] for `shape`, checking shapes and finiteness.
    pub fn read(r: &mut StateReader<'_>, shape: Shape) -> Result<Self> {
        let mu = r.f32()?;
        let biased = r.u32()? != 0;
        let (bu, bi) = (r.f32s()?, r.f32s()?);
        let (user_n, item_n) = (r.u32s()?, r.u32s()?);
        let f = Factors::read(r, shape.n_users, shape.n_items)?;
        if bu.len() != shape.n_users
            || user_n.len() != shape.n_users
            || bi.len() != shape.n_items
            || item_n.len() != shape.n_items
        {
            return Err(CoreError::Corrupt(
                "bias or count vector does not match the shape".into(),
            ));
        }
        if !mu.is_finite()
            || !bu
                .iter()
                .chain(&bi)
                .chain(&f.users)
                .chain(&f.items)
                .all(|x| x.is_finite())
        {
            return Err(CoreError::Corrupt("non-finite parameter".into()));
        }
        Ok(MfFit::new(shape, mu, biased, (bu, bi), f, (user_n, item_n)))
    }
}

// The serving hot path (every catalogue movie for one user): the dot products by the shared
// kernel ([`cinerec_core::scoring::dots_into`], bit-identical to `linalg::dot`) straight into `out`,
// then the biases added in place — no per-request allocation.
fn score_into(m: &MfFit, u: &UserVec<'_>, out: &mut [f32]) {
    let k = m.f.k;
    if u.known && u.p.len() == k {
        cinerec_core::scoring::dots_into(&u.p, &m.f.items, k, out);
        for (i, o) in out.iter_mut().enumerate() {
            let di = if m.item_n[i] > 0 { *o } else { 0.0 };
            *o = if m.biased {
                m.mu + u.b + m.bi[i] + di
            } else if m.item_n[i] > 0 {
                di
            } else {
                m.mu
            };
        }
        return;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o = m.estimate(u, i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Svd;
    use cinerec_core::{NoObserver, Recommender, UserIdx};

    #[test]
    fn the_vectorised_score_path_is_bit_identical_to_estimate() {
        // 37 factors: four 8-lane blocks and a 5-value tail.
        let mut m = Svd::new(crate::SvdParams {
            n_factors: 37,
            n_epochs: 3,
            ..Default::default()
        });
        let data = cinerec_core::fixtures::synthetic(3);
        m.fit(&data, &mut NoObserver).unwrap();
        let fit = m.fitted().unwrap();
        let mut out = vec![0f32; data.n_items()];
        for u in 0..data.n_users() as u32 {
            let uv = fit
                .user(UserRef::Known(UserIdx(u)), None, 0.0, 0.0)
                .unwrap();
            fit.score_all(&uv, &mut out).unwrap();
            for (i, &s) in out.iter().enumerate() {
                assert_eq!(
                    s.to_bits(),
                    fit.estimate(&uv, i).to_bits(),
                    "user {u} item {i}"
                );
            }
        }
    }
}
