//! Latent factors shared by the factor models (SVD, SVD++, ALS, BPR): user and item matrices
//! stored row-major in one `Vec<f32>` each, scoring every item for a user vector, item–item
//! cosine similarity (which gives `similar_items` and the default explanations, as
//! implicit's `MatrixFactorizationBase` does), ridge fold-in of a new or updated user from
//! their ratings without retraining, and state (de)serialisation.

use crate::linalg::{cholesky_solve, dot, norm};
use crate::state::{StateReader, StateWriter};
use cinerec_core::quantized::{DotQuery, QuantizedRows};
use cinerec_core::{CoreError, ItemIdx, Result, Rng};
use std::borrow::Cow;

/// Writes, inside a factor model's inherent `impl`, [`model_basics!`](cinerec_core::model_basics)
/// and `pub fn factors(&self) -> Result<&Factors>` (documented with `$doc`), for a fitted state
/// with the factors in its field `f`.
macro_rules! factor_model_basics {
    ($model:ident, $params:ty, $fitted:ty, $name:expr, $doc:expr) => {
        cinerec_core::model_basics!($model, $params, $fitted, $name);

        #[doc = $doc]
        pub fn factors(&self) -> Result<&Factors> {
            Ok(&self.fitted()?.f)
        }
    };
}
pub(crate) use factor_model_basics;

/// Writes, inside a ranking factor model's `impl Recommender`, `predict` (unsupported: it
/// ranks), `score_all` (the known user's row or the model's `fold_in` of a profile, dotted with
/// every item), `dot_query` (the same vector and the item factors, for the exact top-N from
/// 8-bit codes: `cinerec_core::quantized`) and `item_similarities` (cosine of the item
/// factors); `$name` names the model.
macro_rules! factor_model_scoring {
    ($name:expr) => {
        fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> Result<f32> {
            self.fitted()?
                .shape
                .no_prediction(user, item, $name, "rating prediction")
        }

        fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> Result<()> {
            let fit = self.fitted()?;
            fit.f.score_user(&fit.shape, user, out, |p| self.fold_in(p))
        }

        fn item_similarities(&self, item: ItemIdx, out: &mut [f32]) -> Result<()> {
            let fit = self.fitted()?;
            fit.f.item_similarities(&fit.shape, item, out)
        }

        fn dot_query(
            &self,
            user: UserRef<'_>,
        ) -> Option<Result<cinerec_core::quantized::DotQuery<'_>>> {
            Some(
                self.fitted()
                    .and_then(|fit| fit.f.dot_query(&fit.shape, user, |p| self.fold_in(p))),
            )
        }
    };
}
pub(crate) use factor_model_scoring;

/// User and item factor matrices with `k` columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Factors {
    /// Number of factors.
    pub k: usize,
    /// `n_users × k`, row-major.
    pub users: Vec<f32>,
    /// `n_items × k`, row-major.
    pub items: Vec<f32>,
    /// The item rows' 8-bit codes, made on the first recommendation (a fitted model's factors
    /// do not change afterwards; a clone starts without them).
    quant: QuantCache,
}

/// A lazily made [`QuantizedRows`] of the item factors; not part of the value (equal and
/// cloned as empty).
#[derive(Debug, Default)]
struct QuantCache(std::sync::OnceLock<QuantizedRows>);

impl Clone for QuantCache {
    fn clone(&self) -> Self {
        QuantCache::default()
    }
}

impl PartialEq for QuantCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Factors {
    /// Zero factors.
    pub fn zeros(n_users: usize, n_items: usize, k: usize) -> Self {
        Factors {
            k,
            users: vec![0.0; n_users * k],
            items: vec![0.0; n_items * k],
            quant: QuantCache::default(),
        }
    }

    /// Factors drawn from Normal(mean, std) (Surprise's `init_mean`/`init_std_dev`).
    pub fn normal(
        n_users: usize,
        n_items: usize,
        k: usize,
        mean: f32,
        std: f32,
        rng: &mut Rng,
    ) -> Self {
        Factors::normal_padded(n_users, n_items, k, k, mean, std, rng)
    }

    /// Like [`Factors::normal`] with rows `width ≥ k` wide whose last `width − k` columns are
    /// 0 (SGD keeps such columns at exactly 0, and whole 8-lane rows need no scalar tail).
    /// Draws two seeds from `rng`; the values depend on them, `k` and the row counts only
    /// (not on `width` or the thread count), see [`fill_normal`].
    pub fn normal_padded(
        n_users: usize,
        n_items: usize,
        k: usize,
        width: usize,
        mean: f32,
        std: f32,
        rng: &mut Rng,
    ) -> Self {
        let width = width.max(k);
        let mut f = Factors::zeros(n_users, n_items, width);
        let (su, si) = (rng.next_u64(), rng.next_u64());
        fill_normal(&mut f.users, width, k, mean, std, su);
        fill_normal(&mut f.items, width, k, mean, std, si);
        f
    }

    /// The first `k` columns of every row (the factors without training padding).
    pub fn unpadded(self, k: usize) -> Factors {
        if self.k == k {
            return self;
        }
        let cut = |v: &[f32]| -> Vec<f32> {
            v.chunks_exact(self.k)
                .flat_map(|row| row[..k].iter().copied())
                .collect()
        };
        Factors {
            k,
            users: cut(&self.users),
            items: cut(&self.items),
            quant: QuantCache::default(),
        }
    }

    /// Number of users.
    pub fn n_users(&self) -> usize {
        self.users.len().checked_div(self.k).unwrap_or(0)
    }
    /// Number of items.
    pub fn n_items(&self) -> usize {
        self.items.len().checked_div(self.k).unwrap_or(0)
    }
    /// Row of user `u`.
    #[inline]
    pub fn user(&self, u: usize) -> &[f32] {
        &self.users[u * self.k..(u + 1) * self.k]
    }
    /// Row of item `i`.
    #[inline(always)]
    pub fn item(&self, i: usize) -> &[f32] {
        &self.items[i * self.k..(i + 1) * self.k]
    }

    /// Gives every user with no training rating (`has_ratings(u)` false) the mean vector of
    /// the users with ratings: a cold user is scored as the average user (close to a
    /// popularity ranking for implicit models) instead of by an all-zero or untrained row,
    /// whose scores are ties or noise. Nothing changes when every user has ratings.
    pub fn cold_users_average(&mut self, has_ratings: impl Fn(usize) -> bool) {
        let k = self.k;
        let n_users = self.users.len().checked_div(k).unwrap_or(0);
        let mut mean = vec![0f64; k];
        let mut warm = 0usize;
        for u in (0..n_users).filter(|&u| has_ratings(u)) {
            for (m, &x) in mean.iter_mut().zip(self.user(u)) {
                *m += x as f64;
            }
            warm += 1;
        }
        if warm == 0 || warm == n_users {
            return;
        }
        let mean: Vec<f32> = mean.iter().map(|m| (m / warm as f64) as f32).collect();
        for u in (0..n_users).filter(|&u| !has_ratings(u)) {
            self.users[u * k..(u + 1) * k].copy_from_slice(&mean);
        }
    }

    /// `out[i] = ⟨uvec, item_i⟩` for every item (the serving kernel, [`cinerec_core::scoring`]:
    /// bit-identical to [`crate::linalg::dot`] per item).
    pub fn scores_into(&self, uvec: &[f32], out: &mut [f32]) {
        cinerec_core::scoring::dots_into(uvec, &self.items, self.k, out);
    }

    /// Checks `out` and `user` against `shape`, then scores every item into `out` for the
    /// known user's row, or for the vector `fold_in` gives a profile (an updated user's
    /// whole profile: ALS's exact user step is the one its trained vectors came from, and BPR
    /// has no prior fold-in).
    pub(crate) fn score_user(
        &self,
        shape: &crate::common::Shape,
        user: cinerec_core::UserRef<'_>,
        out: &mut [f32],
        fold_in: impl FnOnce(&[(ItemIdx, f32)]) -> Result<Vec<f32>>,
    ) -> Result<()> {
        shape.check_out(out)?;
        shape.check_user(user)?;
        match user {
            cinerec_core::UserRef::Known(u) => self.scores_into(self.user(u.ix()), out),
            cinerec_core::UserRef::Profile(p)
            | cinerec_core::UserRef::Updated { profile: p, .. } => {
                self.scores_into(&fold_in(p)?, out)
            }
        }
        Ok(())
    }

    /// Checks `user` against `shape` and gives the question of [`Factors::score_user`] for the
    /// exact top-N from the item rows' 8-bit codes ([`cinerec_core::quantized`]): the known
    /// user's row or `fold_in`'s vector, with the item factors and their codes (made on the
    /// first call).
    pub(crate) fn dot_query(
        &self,
        shape: &crate::common::Shape,
        user: cinerec_core::UserRef<'_>,
        fold_in: impl FnOnce(&[(ItemIdx, f32)]) -> Result<Vec<f32>>,
    ) -> Result<DotQuery<'_>> {
        shape.check_user(user)?;
        let u = match user {
            cinerec_core::UserRef::Known(u) => Cow::Borrowed(self.user(u.ix())),
            cinerec_core::UserRef::Profile(p)
            | cinerec_core::UserRef::Updated { profile: p, .. } => Cow::Owned(fold_in(p)?),
        };
        Ok(DotQuery {
            user: u,
            rows: &self.items,
            k: self.k,
            quant: self
                .quant
                .0
                .get_or_init(|| QuantizedRows::new(&self.items, self.k)),
        })
    }

    /// Checks `item` and `out` against `shape`, then writes the cosine of `item`'s factors with
    /// every item's into `out` (see [`Factors::item_cosine_into`]).
    pub(crate) fn item_similarities(
        &self,
        shape: &crate::common::Shape,
        item: cinerec_core::ItemIdx,
        out: &mut [f32],
    ) -> cinerec_core::Result<()> {
        shape.check_item(item)?;
        shape.check_out(out)?;
        self.item_cosine_into(item.ix(), out);
        Ok(())
    }

    /// `out[j] = cos(item_i, item_j)` (0 for zero vectors).
    pub fn item_cosine_into(&self, i: usize, out: &mut [f32]) {
        let a = self.item(i);
        let na = norm(a);
        for (j, o) in out.iter_mut().enumerate() {
            let b = self.item(j);
            let nb = norm(b);
            *o = if na > 0.0 && nb > 0.0 {
                dot(a, b) / (na * nb)
            } else {
                0.0
            };
        }
    }

    /// Ridge fold-in: the user vector `x` minimising Σ (target_j − ⟨x, item_j⟩)² + reg·|x|²
    /// over the given `(item, target)` pairs (targets are ratings minus whatever biases the
    /// model uses). This is how a new rating changes a user's recommendations at once.
    pub fn fold_in(&self, pairs: &[(ItemIdx, f32)], reg: f32) -> Result<Vec<f32>> {
        let k = self.k;
        let mut a = vec![0f64; k * k];
        let mut b = vec![0f64; k];
        for &(i, t) in pairs {
            if i.ix() >= self.n_items() {
                return Err(CoreError::UnknownItem(i.to_string()));
            }
            let q = self.item(i.ix());
            for r in 0..k {
                b[r] += q[r] as f64 * t as f64;
                for c in 0..=r {
                    a[r * k + c] += q[r] as f64 * q[c] as f64;
                }
            }
        }
        for r in 0..k {
            for c in 0..r {
                a[c * k + r] = a[r * k + c];
            }
            a[r * k + r] += reg.max(1e-6) as f64;
        }
        if !cholesky_solve(&mut a, &mut b, k) {
            return Ok(vec![0.0; k]);
        }
        Ok(b.into_iter().map(|x| x as f32).collect())
    }

    /// Writes the factors into a model state.
    pub fn write(&self, w: &mut StateWriter) {
        w.u64(self.k as u64);
        w.f32s(&self.users);
        w.f32s(&self.items);
    }

    /// Reads factors written by [`Factors::write`], checking their shape.
    pub fn read(r: &mut StateReader<'_>, n_users: usize, n_items: usize) -> Result<Self> {
        let k = r.u64()? as usize;
        let users = r.f32s()?;
        let items = r.f32s()?;
        if users.len() != n_users * k || items.len() != n_items * k {
            return Err(CoreError::Corrupt(format!(
                "factor matrices {}×{k} / {}×{k} do not match {n_users} users / {n_items} items",
                users.len() / k.max(1),
                items.len() / k.max(1)
            )));
        }
        Ok(Factors {
            k,
            users,
            items,
            quant: QuantCache::default(),
        })
    }
}

/// Rows per independently seeded block of [`fill_normal`].
const NORMAL_BLOCK_ROWS: usize = 256;

/// Fills the first `k` columns of every `width`-wide row of `rows` with Normal(mean, std)
/// draws: blocks of [`NORMAL_BLOCK_ROWS`] rows each take their own stream
/// (`Rng::fork(seed, block)`) and both values of every Box–Muller pair, on all cores for
/// large matrices. The result depends on `seed`, `k` and the row count only.
pub(crate) fn fill_normal(
    rows: &mut [f32],
    width: usize,
    k: usize,
    mean: f32,
    std: f32,
    seed: u64,
) {
    let width = width.max(1);
    let k = k.min(width);
    let threads = if rows.len() >= 1 << 16 {
        crate::dense::worker_count(0)
    } else {
        1
    };
    crate::dense::par_chunks(
        rows,
        width,
        NORMAL_BLOCK_ROWS,
        threads,
        || (),
        |first, block, _| {
            let mut rng = Rng::fork(seed, (first / NORMAL_BLOCK_ROWS) as u64);
            let mut spare: Option<f32> = None;
            for row in block.chunks_exact_mut(width) {
                for x in &mut row[..k] {
                    let z = match spare.take() {
                        Some(z) => z,
                        None => {
                            // f32 Box–Muller: u1 ≥ 2^-24 caps |z| at 5.8σ, immaterial for an init.
                            let u1 = 1.0 - rng.f32();
                            let (s, c) = (2.0 * std::f32::consts::PI * rng.f32()).sin_cos();
                            let r = (-2.0 * u1.ln()).sqrt();
                            spare = Some(r * s);
                            r * c
                        }
                    };
                    *x = mean + std * z;
                }
            }
            0.0
        },
    );
}

#[cfg(test)]
#[path = "factors_tests.rs"]
mod tests;
