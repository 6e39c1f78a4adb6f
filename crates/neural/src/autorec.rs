//! [`AutoRec`]: item-based AutoRec (I-AutoRec, Sedhain et al. 2015). Each movie's vector of
//! user ratings (missing = 0) is encoded to a hidden code `h_i = sigmoid(W r_i + μ)` and
//! decoded back over all users, `r̂_i = V h_i + b` (identity output); the loss is the MSE on
//! the observed ratings plus `λ/2 (‖W‖² + ‖V‖²)`, trained with Adam on mini-batches of movies
//! (the paper used L-BFGS / Rprop on full batches) — see `ae_fit.rs` (feature `train`).
//!
//! Once trained, the model is a factorisation: `r̂(u, i) = h_iᵀ v_u + b_u` with the movies'
//! codes `h_i` (computed from all their training ratings) and user `u`'s output unit
//! `(v_u, b_u)` (a column of `V`). Scoring needs no burn and no dense matrix.
//!
//! By default (`refit_decoder`) each user's output unit is then re-solved in closed form on
//! the final codes (ridge regression, [`crate::ae_autorec`]) — an exact minimisation of the
//! same objective over the decoder that Adam only approaches; on the MovieLens-100K
//! validation carve it lowered RMSE by ~0.005.
//!
//! **Residuals or raw ratings** (`target`): a network over raw ratings (the paper's) uses
//! which users rated a movie as well as how, and wins on dense data (MovieLens-100K); on a
//! long tail of movies rated once or twice it memorises those few ratings and loses to the
//! baseline. A network over each rating's residual over [`crate::biases::Biases`] (global
//! mean + regularised user and movie biases, from the training data, so any rating scale)
//! predicts that baseline plus the decoded residual: a missing input is "as the baseline",
//! and a sparse movie's residual stays near 0. By default (`auto`) both are trained on the
//! same hold-out (the biases fitted without it) and the one with the lower validation error
//! is kept — a choice made on the data, not on its name.
//!
//! A residual network's output is scaled by the user's and movie's training support
//! ([`crate::shrink`], fitted on the same hold-out): 0 for a user or movie without training
//! ratings, less for sparse ones — so the model falls back to the biases where its
//! residual is noise.
//!
//! Fallbacks: a movie without training ratings is predicted at the user's baseline
//! (`μ + b_u`) by a residual network; by a raw one at the user's mean rating (the
//! global mean for users without ratings). A user without training ratings — and a new
//! visitor ([`UserRef::Profile`]) — has no trained output unit: they get the **prior unit**
//! `(v̄, b̄)`, the mean of the trained users' units (so an empty profile is ranked by the
//! average user's predicted ratings), and a non-empty profile is folded in by ridge
//! regression of its ratings on the rated movies' codes, shrunk towards the prior
//! ([`crate::ae_ridge`], penalty `fold_in_l2`) — no retraining.

use crate::ae_autorec::Fitted;
use crate::ae_ridge;
use crate::ae_shape::{centered_cosine, dot, AeShape};
use crate::error::check;
use crate::train::with_schedule;
use cinerec_core::{Dataset, FitObserver, ItemIdx, Recommender, Result, UserRef};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// What [`AutoRec`]'s network reconstructs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Train both networks below on the same hold-out; keep the one that validates better.
    #[default]
    Auto,
    /// Each rating's residual over the biases (missing input = "as the baseline").
    Residual,
    /// The raw ratings (missing input = 0), as in the paper.
    Raw,
}

with_schedule! {
/// Parameters of [`AutoRec`]; the defaults are the configuration tuned on a validation carve
/// (10 %) of the MovieLens-100K 80/20 training split: 100 hidden units (the paper's 500
/// overfit within a few epochs under mini-batch Adam and validated ~0.01 worse), λ = 100,
/// 80 epochs of Adam at 1e-3 on batches of 64 movies.
///
/// One training example is a movie's rating column; the optimiser is Adam.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AutoRecParams {
    /// Hidden units (the code width).
    pub hidden: usize,
    /// L2 weight λ of `λ/2 (‖W‖² + ‖V‖²)`, in units of the summed squared error.
    pub l2: f64,
    /// Ridge penalty of a new visitor's fold-in and of the decoder refit (see the module
    /// docs); `l2 / 2` matches the training objective's penalty on one output unit.
    pub fold_in_l2: f64,
    /// Re-solve every user's output unit in closed form after training.
    pub refit_decoder: bool,
    /// What the network reconstructs: `residual`s over the biases, `raw` ratings (the
    /// paper's), or `auto`: both, keeping the lower validation error (see the module docs).
    pub target: Target,
}
}

impl Default for AutoRecParams {
    fn default() -> Self {
        AutoRecParams {
            hidden: 100,
            l2: 100.0,
            fold_in_l2: 50.0,
            refit_decoder: true,
            target: Target::Auto,
            epochs: 80,
            batch_size: 64,
            learning_rate: 1e-3,
            validation_fraction: 0.05,
            patience: 0,
            seed: 42,
            threads: 1,
        }
    }
}

/// Item-based AutoRec (see the module docs).
#[derive(Debug, Clone)]
pub struct AutoRec {
    params: AutoRecParams,
    fitted: Option<Fitted>,
}

/// A resolved user: output unit, the fallback for movies without ratings (raw-rating
/// networks) and the user's bias (residual networks).
struct Unit<'a> {
    v: Cow<'a, [f32]>,
    b: f32,
    mean: f32,
    bias: f32,
    /// The user's training support (scales a residual network's output, [`crate::shrink`]).
    n: f32,
}

impl AutoRec {
    /// A new, unfitted model; rejects out-of-range parameters.
    pub fn new(params: AutoRecParams) -> crate::Result<Self> {
        params.schedule().validate()?;
        check(
            (1..=8192).contains(&params.hidden),
            "hidden",
            "must be in 1..=8192",
        )?;
        check(
            params.l2.is_finite() && params.l2 >= 0.0,
            "l2",
            "must be finite and >= 0",
        )?;
        check(
            params.fold_in_l2.is_finite() && params.fold_in_l2 > 0.0,
            "fold_in_l2",
            "must be finite and > 0",
        )?;
        Ok(AutoRec {
            params,
            fitted: None,
        })
    }

    cinerec_core::fitted_accessor!(Fitted, "autorec");

    /// Trains on `data` (with burn), then builds the codes, units and fallbacks (and refits
    /// the decoder when asked).
    #[cfg(feature = "train")]
    fn train(&self, data: &Dataset, observer: &mut dyn FitObserver) -> Result<Fitted> {
        use crate::ae_fit::{train, AeData};
        use crate::ae_net::NetSpec;
        use crate::ae_shape::Shape;
        use crate::ae_sparse::Rows;
        use crate::biases::Biases;
        use crate::mlp::Activation;
        use cinerec_core::Rng;
        let p = &self.params;
        let shape = Shape::ordered_of(data);
        let raw = Rows::items_of(data);
        let (input, val) = raw.holdout(p.validation_fraction, &mut Rng::fork(p.seed, 1));
        // The biases come from the training part only, so the validation compares the two
        // targets fairly.
        let triples: Vec<(u32, u32, f32)> =
            input.triples().iter().map(|&(i, u, r)| (u, i, r)).collect();
        let biases = || Biases::fit_ratings(shape.n_users, shape.n_items, &triples);
        let shift = |rows: &Rows, base: &Option<Biases>| match base {
            Some(b) => rows.minus(|i, u| b.get(Some(u), i)),
            None => rows.clone(),
        };
        // Residuals first: without a hold-out (no validation loss) they are kept.
        let candidates: &[bool] = match p.target {
            Target::Auto => &[true, false],
            Target::Residual => &[true],
            Target::Raw => &[false],
        };
        let spec = NetSpec {
            d_in: shape.n_users,
            layers: vec![
                (p.hidden, Activation::Sigmoid),
                (shape.n_users, Activation::Identity),
            ],
            output_range: None,
        };
        let mut best: Option<(f64, crate::mlp::Mlp, Option<Biases>, Vec<_>)> = None;
        let mut obs = crate::train::Renumbered {
            inner: observer,
            offset: 0,
            total: p.epochs * candidates.len(),
        };
        for &residual in candidates {
            let base = residual.then(biases);
            let ae = AeData {
                input: shift(&input, &base),
                n_out: shape.n_users,
                val: shift(&val, &base),
            };
            let trained = train("autorec", &spec, p.l2, &p.schedule(), &ae, &mut obs)?;
            obs.offset += trained.epochs_run;
            let v = trained.val_mse.unwrap_or(f64::INFINITY);
            if best.as_ref().is_none_or(|b| v < b.0) {
                let held = match base {
                    Some(_) => crate::ae_fit::held_out(&trained.mlp, &ae),
                    None => vec![],
                };
                best = Some((v, trained.mlp, base, held));
            }
        }
        let (_, mlp, mut base, held) = best.ok_or_else(|| {
            cinerec_core::CoreError::Training("autorec: no network trained".into())
        })?;
        // Rows are movies, columns users: how far to trust the residual by support. The
        // final model's biases are then refitted on all the ratings (as the baseline's
        // are), keeping that shrink: where the residual is dropped the model is the
        // baseline, not a baseline of 95 % of the data.
        if let Some(b) = base.as_mut() {
            b.fit_shrink(held.into_iter().map(|(i, u, p, t)| (u, i, p, t)));
            let shrink = b.support.as_ref().map(|s| s.shrink);
            *b = Biases::fit(data);
            if let (Some(s), Some(k)) = (b.support.as_mut(), shrink) {
                s.shrink = k;
            }
            b.settle(data);
        }
        let all = shift(&raw, &base);
        let refit = p.refit_decoder.then_some(p.fold_in_l2);
        Ok(Fitted::from_net(
            data,
            shape,
            &mlp,
            (&all, base),
            refit,
            p.threads,
        )?)
    }

    /// Refuses: this build has no `train` feature.
    #[cfg(not(feature = "train"))]
    fn train(&self, _: &Dataset, _: &mut dyn FitObserver) -> Result<Fitted> {
        crate::error::no_training("autorec")
    }

    fn unit<'a>(&'a self, f: &'a Fitted, user: UserRef<'_>) -> Result<Unit<'a>> {
        f.shape.check_user(user)?;
        let n = f
            .base
            .as_ref()
            .and_then(|b| b.support.as_ref())
            .map_or(0.0, |s| s.user(user));
        Ok(match user {
            UserRef::Known(u) if f.user_n[u.ix()] > 0 => Unit {
                v: Cow::Borrowed(f.user(u.ix())),
                b: f.bias[u.ix()],
                mean: f.user_mean[u.ix()],
                bias: f.base.as_ref().map_or(0.0, |b| b.user[u.ix()]),
                n,
            },
            UserRef::Known(_) => Unit {
                v: Cow::Borrowed(&f.prior_v),
                b: f.prior_b,
                mean: f.global_mean,
                bias: 0.0,
                n,
            },
            UserRef::Profile(p) | UserRef::Updated { profile: p, .. } => {
                let bias = f.base.as_ref().map_or(0.0, |b| b.profile_bias(p));
                let rated: Vec<&(ItemIdx, f32)> =
                    p.iter().filter(|(i, _)| f.item_n[i.ix()] > 0).collect();
                let codes: Vec<&[f32]> = rated.iter().map(|(i, _)| f.code(i.ix())).collect();
                let r: Vec<f32> = rated
                    .iter()
                    .map(|&&(i, r)| r - f.baseline(None, i.ix()) - bias)
                    .collect();
                let (b, v) =
                    ae_ridge::fold_in(&codes, &r, f.prior_b, &f.prior_v, self.params.fold_in_l2);
                let mean = if p.is_empty() {
                    f.global_mean
                } else {
                    p.iter().map(|x| x.1).sum::<f32>() / p.len() as f32
                };
                Unit {
                    v: Cow::Owned(v),
                    b,
                    mean,
                    bias,
                    n,
                }
            }
        })
    }

    fn estimate(f: &Fitted, u: &Unit<'_>, i: usize) -> f32 {
        match (&f.base, f.item_n[i]) {
            (None, 0) => u.mean,
            (None, _) => dot(f.code(i), &u.v) + u.b,
            // A movie without ratings: the user's baseline (its bias is 0).
            (Some(b), 0) => b.mean + u.bias,
            (Some(b), _) => {
                let scale = b.support.as_ref().map_or(1.0, |s| s.factor(u.n, i));
                b.mean + u.bias + b.item[i] + scale * (dot(f.code(i), &u.v) + u.b)
            }
        }
    }
}

impl Recommender for AutoRec {
    cinerec_core::name_and_params!("autorec");

    fn fit(&mut self, data: &Dataset, observer: &mut dyn FitObserver) -> Result<()> {
        self.fitted = None;
        self.fitted = Some(self.train(data, observer)?);
        Ok(())
    }

    fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> Result<f32> {
        let f = self.fitted()?;
        let u = self.unit(f, user)?;
        f.shape.check_item(item)?;
        Ok(f.shape.clip(Self::estimate(f, &u, item.ix())))
    }

    fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> Result<()> {
        let f = self.fitted()?;
        let u = self.unit(f, user)?;
        f.shape.check_out(out)?;
        for (i, o) in out.iter_mut().enumerate() {
            let s = Self::estimate(f, &u, i);
            *o = if s.is_finite() { s } else { u.mean };
        }
        Ok(())
    }

    /// Cosine of the movies' hidden codes, centred on the mean code of the rated movies
    /// (0 for movies without ratings).
    fn item_similarities(&self, item: ItemIdx, out: &mut [f32]) -> Result<()> {
        let f = self.fitted()?;
        f.shape.check_item(item)?;
        f.shape.check_out(out)?;
        centered_cosine(&f.codes, f.k, &f.code_mean, item.ix(), out);
        Ok(())
    }

    fn save_state(&self) -> Result<Vec<u8>> {
        Ok(self.fitted()?.save())
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        self.fitted = Some(Fitted::load(bytes)?);
        Ok(())
    }
}
