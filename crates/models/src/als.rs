//! [`Als`]: implicit-feedback alternating least squares (Hu, Koren & Volinsky 2008) with the
//! conjugate-gradient solver of implicit's `AlternatingLeastSquares` (parameters named and
//! defaulted as implicit's). Every rating is a positive interaction of confidence
//! `c = 1 + alpha·r`, `r` = 1.0 (or the rating value with `use_ratings`); unrated cells
//! have preference 0 and confidence 1. Ranking only: `predict` is unsupported.
//!
//! A profile (new visitor or updated ratings) is folded in with the exact ALS user step
//! against the trained item factors, so a new rating changes recommendations at once.
//! Users/items are solved independently within a half-step, so the fit is bit-identical for
//! any `threads`.

use crate::als_solve::{cg_half_step, exact_half_step, exact_row, gram, loss, Rows};
use crate::common::{bad, read_state, write_state, Shape};
use crate::dense::worker_count;
use crate::factors::{factor_model_basics, factor_model_scoring, Factors};
use cinerec_core::Configurable;
use cinerec_core::{
    CoreError, Dataset, EpochReport, FitObserver, ItemIdx, Keep, RatingMatrix, Recommender, Result,
    Rng, UserIdx, UserRef,
};
use serde::{Deserialize, Serialize};

const TAG: &[u8] = b"als/1";

/// Parameters of [`Als`] (implicit's names and defaults; `seed` is implicit's `random_state`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlsParams {
    /// Latent factors.
    pub factors: usize,
    /// L2 regularisation λ added to the diagonal of every solve (not scaled by counts).
    pub regularization: f32,
    /// Confidence slope: `c = 1 + alpha·r`.
    pub alpha: f32,
    /// ALS iterations (each = user half-step + item half-step).
    pub iterations: usize,
    /// Conjugate-gradient steps per row and half-step.
    pub cg_steps: usize,
    /// Conjugate gradient (true) or exact Cholesky solves (false).
    pub use_cg: bool,
    /// `r` = the rating value instead of 1.0.
    pub use_ratings: bool,
    /// Compute implicit's training loss each iteration (costs about one extra pass).
    pub calculate_training_loss: bool,
    /// Worker threads, 0 = all cores (results do not depend on it).
    pub threads: usize,
    /// Seed of the initial factors.
    pub seed: u64,
}

impl Default for AlsParams {
    fn default() -> Self {
        AlsParams {
            factors: 100,
            // implicit's 0.01 lets 100 factors overfit users and movies with few interactions:
            // ALS lost to popularity on the panel's many-light-users and cold-start sets. Swept
            // 0.01-200 over the whole panel (issue #15, bench/panel/results.md): 20 is best or
            // near-best on 6 of 7 datasets (ML-100K temporal NDCG@10 0.1745 -> 0.1963, random
            // 0.3066 -> 0.4498) and passes all.
            regularization: 20.0,
            alpha: 1.0,
            iterations: 15,
            cg_steps: 3,
            use_cg: true,
            use_ratings: false,
            calculate_training_loss: false,
            threads: 0,
            seed: 42,
        }
    }
}

impl AlsParams {
    /// Confidence of an interaction with value `v`.
    #[inline]
    fn conf(&self, v: f32) -> f32 {
        1.0 + self.alpha * if self.use_ratings { v.max(0.0) } else { 1.0 }
    }
}

/// Users of the rating matrix as ALS rows.
struct UserRows<'a>(&'a RatingMatrix, &'a AlsParams);
impl Rows for UserRows<'_> {
    fn n_rows(&self) -> usize {
        self.0.n_users()
    }
    fn row(&self, r: usize, conf: &mut Vec<f32>) -> &[u32] {
        let (items, vals) = self.0.user_row(UserIdx(r as u32));
        conf.clear();
        conf.extend(vals.iter().map(|&v| self.1.conf(v)));
        items
    }
}

/// Items of the rating matrix as ALS rows.
struct ItemRows<'a>(&'a RatingMatrix, &'a AlsParams);
impl Rows for ItemRows<'_> {
    fn n_rows(&self) -> usize {
        self.0.n_items()
    }
    fn row(&self, r: usize, conf: &mut Vec<f32>) -> &[u32] {
        let i = ItemIdx(r as u32);
        conf.clear();
        if self.1.use_ratings {
            let (users, pos) = self.0.item_col(i);
            conf.extend(pos.iter().map(|&p| self.1.conf(self.0.value_at(p))));
            users
        } else {
            // no random reads of the values (nor need of the item positions)
            let users = self.0.item_users(i);
            conf.resize(users.len(), self.1.conf(1.0));
            users
        }
    }
}

/// `k` rounded up to a multiple of 8 when the AVX2 + FMA kernel then serves it; else `k`.
fn padded_k(k: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        let kp = k.next_multiple_of(8);
        if k > 0 && crate::als_kernel::available(kp) {
            return kp;
        }
    }
    k
}

#[derive(Debug, Clone)]
struct Fitted {
    shape: Shape,
    f: Factors,
    /// `YᵀY + λI` of the item factors, for fold-in.
    gram: Vec<f32>,
}

/// Implicit-feedback ALS.
#[derive(Debug, Clone, Default)]
pub struct Als {
    params: AlsParams,
    fitted: Option<Fitted>,
}

impl Als {
    factor_model_basics!(
        Als,
        AlsParams,
        Fitted,
        "als",
        "The fitted user and item factors."
    );

    /// A fitted model from factors trained elsewhere (Spark MLlib's ALS): `users` is
    /// `n_users × k` and `items` `n_items × k` (row-major, the dataset's inner ids), `k` =
    /// `params.factors`. Rows of users without ratings are set to the mean of the others (as
    /// [`Recommender::fit`] leaves them); fold-in uses `params` (confidence and λ) as a local
    /// fit would. Wrong sizes or non-finite values are [`CoreError::InvalidParam`].
    pub fn from_factors(
        params: AlsParams,
        data: &Dataset,
        users: Vec<f32>,
        items: Vec<f32>,
    ) -> Result<Self> {
        let mut model = Als::from_params(params)?;
        let (shape, k) = (Shape::of(data), model.params.factors);
        if users.len() != shape.n_users * k || items.len() != shape.n_items * k {
            return bad(
                "factors",
                "factor matrices do not match the dataset's users × items × factors",
            );
        }
        if !users.iter().chain(&items).all(|v| v.is_finite()) {
            return bad("factors", "factor matrices hold non-finite values");
        }
        let mut f = Factors::zeros(0, 0, k);
        (f.users, f.items) = (users, items);
        let m = data.matrix();
        f.cold_users_average(|u| m.user_count(UserIdx(u as u32)) > 0);
        let threads = worker_count(model.params.threads);
        let g = gram(&f.items, k, model.params.regularization, threads);
        model.fitted = Some(Fitted { shape, f, gram: g });
        Ok(model)
    }

    /// The exact ALS user step for a profile against the trained item factors.
    pub fn fold_in(&self, profile: &[(ItemIdx, f32)]) -> Result<Vec<f32>> {
        let fit = self.fitted()?;
        let idx = fit.shape.profile_items(profile)?;
        let conf: Vec<f32> = profile.iter().map(|p| self.params.conf(p.1)).collect();
        let mut x = vec![0f32; fit.f.k];
        exact_row(&fit.gram, &fit.f.items, &idx, &conf, &mut x);
        Ok(x)
    }
}

impl Configurable for Als {
    type Params = AlsParams;
    fn from_params(p: Self::Params) -> Result<Self> {
        if p.factors == 0 || p.factors > 4096 {
            return bad("factors", "must be in 1..=4096");
        }
        if !(p.regularization.is_finite() && p.regularization >= 0.0) {
            return bad("regularization", "must be finite and >= 0");
        }
        if !(p.alpha.is_finite() && p.alpha >= 0.0) {
            return bad("alpha", "must be finite and >= 0");
        }
        if p.iterations > 100_000 || p.cg_steps > 1000 || p.threads > 1024 {
            return bad("iterations/cg_steps/threads", "out of range");
        }
        Ok(Als::new(p))
    }
}

impl Recommender for Als {
    cinerec_core::name_and_params!("als");

    /// No timestamps; values by item only when confidences come from the ratings.
    fn data_needs(&self) -> Keep {
        Keep {
            times: false,
            item_positions: self.params.use_ratings,
        }
    }

    fn fit(&mut self, data: &Dataset, observer: &mut dyn FitObserver) -> Result<()> {
        self.fitted = None;
        let p = &self.params;
        let (shape, k, m) = (Shape::of(data), p.factors, data.matrix());
        let threads = worker_count(p.threads);
        let mut rng = Rng::new(p.seed);
        // Trained `k_out` wide and `k` wide inside: padded to a multiple of 8 when that lets
        // the AVX2 + FMA kernel run. The extra columns start at 0 and stay exactly 0 (their
        // Gram rows and right-hand sides are 0), so the result is the unpadded one.
        let k_out = k;
        let k = padded_k(k);
        let mut f = Factors::zeros(shape.n_users, shape.n_items, k);
        for row in f
            .users
            .chunks_exact_mut(k)
            .chain(f.items.chunks_exact_mut(k))
        {
            for v in &mut row[..k_out] {
                *v = rng.f32() * 0.01;
            }
        }
        let (users, items) = (UserRows(m, p), ItemRows(m, p));
        for it in 1..=p.iterations {
            let res = if p.use_cg {
                let r = cg_half_step(
                    &users,
                    &mut f.users,
                    &f.items,
                    k,
                    p.regularization,
                    p.cg_steps,
                    threads,
                );
                cg_half_step(
                    &items,
                    &mut f.items,
                    &f.users,
                    k,
                    p.regularization,
                    p.cg_steps,
                    threads,
                );
                r / users.n_rows().max(1) as f64
            } else {
                exact_half_step(&users, &mut f.users, &f.items, k, p.regularization, threads);
                exact_half_step(&items, &mut f.items, &f.users, k, p.regularization, threads);
                0.0
            };
            let mut metrics = vec![("cg_residual".to_string(), res)];
            let mut train_loss = res;
            if p.calculate_training_loss {
                train_loss = loss(&users, &f.users, &f.items, k, p.regularization, threads);
                metrics.push(("loss".into(), train_loss));
            }
            if !train_loss.is_finite() || !f.items.iter().all(|v| v.is_finite()) {
                return Err(CoreError::InvalidParam {
                    name: "regularization".into(),
                    reason: format!("ALS diverged at iteration {it}"),
                });
            }
            observer.on_epoch(&EpochReport {
                epoch: it,
                epochs: p.iterations,
                train_loss,
                metrics,
            });
        }
        let mut f = f.unpadded(k_out);
        let m = data.matrix();
        f.cold_users_average(|u| m.user_count(UserIdx(u as u32)) > 0);
        let g = gram(&f.items, k_out, p.regularization, threads);
        self.fitted = Some(Fitted { shape, f, gram: g });
        Ok(())
    }

    factor_model_scoring!("als");

    fn save_state(&self) -> Result<Vec<u8>> {
        let fit = self.fitted()?;
        Ok(write_state(TAG, &fit.shape, |w| fit.f.write(w)))
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        let (shape, f) = read_state(bytes, TAG, |r, shape| {
            Ok((shape, Factors::read(r, shape.n_users, shape.n_items)?))
        })?;
        if f.k == 0 || !f.users.iter().chain(&f.items).all(|v| v.is_finite()) {
            return Err(CoreError::Corrupt("als: bad factors".into()));
        }
        let g = gram(
            &f.items,
            f.k,
            self.params.regularization,
            worker_count(self.params.threads),
        );
        self.fitted = Some(Fitted { shape, f, gram: g });
        Ok(())
    }
}
