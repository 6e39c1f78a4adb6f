//! [`Baseline`]: Surprise's `BaselineOnly` — global mean plus a user and an item bias,
//! `r̂ = μ + b_u + b_i`, fitted by alternating least squares (Surprise's default) or SGD.
//!
//! ALS epoch (as Surprise does it): first every item bias
//! `b_i = Σ_u (r_ui − μ − b_u) / (reg_i + |U_i|)`, then every user bias
//! `b_u = Σ_i (r_ui − μ − b_i) / (reg_u + |I_u|)`, starting from zeros.
//! SGD epoch: for every rating in (user, item) order, `e = r − μ − b_u − b_i`,
//! `b_u += lr (e − reg b_u)`, `b_i += lr (e − reg b_i)`.
//! All arithmetic is in `f64`. Predictions are clipped to the rating scale; ranking scores
//! are the unclipped estimates (as the peers rank with `clip=False`).

use crate::common::{bad, mean, read_state, write_state, Shape};
use cinerec_core::Configurable;
use cinerec_core::{
    CoreError, Dataset, EpochReport, FitObserver, ItemIdx, Recommender, Result, UserIdx, UserRef,
};
use serde::{Deserialize, Serialize};

const TAG: &[u8] = b"baseline/1";

/// How the biases are fitted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BaselineMethod {
    /// Alternating least squares (Surprise's default).
    #[default]
    Als,
    /// Stochastic gradient descent.
    Sgd,
}

/// Parameters of [`Baseline`], named as Surprise's `bsl_options`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BaselineParams {
    /// `als` or `sgd`.
    pub method: BaselineMethod,
    /// Epochs; when absent, 10 for ALS and 20 for SGD.
    pub n_epochs: Option<usize>,
    /// ALS user-bias regularisation (also used to fold in profile users).
    pub reg_u: f64,
    /// ALS item-bias regularisation.
    pub reg_i: f64,
    /// SGD regularisation.
    pub reg: f64,
    /// SGD learning rate.
    pub learning_rate: f64,
}

impl Default for BaselineParams {
    fn default() -> Self {
        BaselineParams {
            method: BaselineMethod::Als,
            n_epochs: None,
            reg_u: 15.0,
            reg_i: 10.0,
            reg: 0.02,
            learning_rate: 0.005,
        }
    }
}

impl BaselineParams {
    /// Epochs actually run.
    pub fn epochs(&self) -> usize {
        self.n_epochs.unwrap_or(match self.method {
            BaselineMethod::Als => 10,
            BaselineMethod::Sgd => 20,
        })
    }
}

#[derive(Debug, Clone)]
struct Fitted {
    shape: Shape,
    mu: f64,
    bu: Vec<f64>,
    bi: Vec<f64>,
}

/// Global mean + user bias + item bias.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    params: BaselineParams,
    fitted: Option<Fitted>,
}

impl Baseline {
    cinerec_core::model_basics!(Baseline, BaselineParams, Fitted, "baseline");

    /// Global mean, user biases and item biases of the fitted model.
    pub fn biases(&self) -> Result<(f64, &[f64], &[f64])> {
        let f = self.fitted()?;
        Ok((f.mu, &f.bu, &f.bi))
    }

    /// The user bias: learned for known users, folded in from the ratings for profiles with
    /// the ALS user step `Σ (r − μ − b_i) / (reg_u + n)` (no retraining).
    fn user_bias(&self, f: &Fitted, user: UserRef<'_>) -> Result<f64> {
        f.shape.check_user(user)?;
        Ok(match user {
            UserRef::Known(u) => f.bu[u.ix()],
            UserRef::Profile(p) | UserRef::Updated { profile: p, .. } => {
                let dev: f64 = p.iter().map(|&(i, r)| r as f64 - f.mu - f.bi[i.ix()]).sum();
                let b = dev / (self.params.reg_u + p.len() as f64);
                if b.is_finite() {
                    b
                } else {
                    0.0
                }
            }
        })
    }
}

impl Configurable for Baseline {
    type Params = BaselineParams;
    fn from_params(p: Self::Params) -> Result<Self> {
        let nonneg = |x: f64| x.is_finite() && x >= 0.0;
        if !nonneg(p.reg_u) || !nonneg(p.reg_i) || !nonneg(p.reg) {
            return bad("reg_u/reg_i/reg", "must be finite and >= 0");
        }
        if !(p.learning_rate.is_finite() && p.learning_rate > 0.0 && p.learning_rate < 1.0) {
            return bad("learning_rate", "must be in (0, 1)");
        }
        if p.epochs() > 100_000 {
            return bad("n_epochs", "must be at most 100000");
        }
        Ok(Baseline::new(p))
    }
}

fn train_mse(data: &Dataset, mu: f64, bu: &[f64], bi: &[f64]) -> f64 {
    let mut se = 0.0;
    for u in data.active_users() {
        let (items, vals) = data.user_ratings(u);
        for (&i, &r) in items.iter().zip(vals) {
            se += (r as f64 - mu - bu[u.ix()] - bi[i as usize]).powi(2);
        }
    }
    se / data.n_ratings().max(1) as f64
}

impl Recommender for Baseline {
    fn name(&self) -> &'static str {
        "baseline"
    }

    fn params(&self) -> serde_json::Value {
        let mut p = self.params.clone();
        p.n_epochs = Some(p.epochs());
        serde_json::to_value(p).unwrap_or_default()
    }

    fn fit(&mut self, data: &Dataset, observer: &mut dyn FitObserver) -> Result<()> {
        self.fitted = None;
        let shape = Shape::of(data);
        let m = data.matrix();
        let mu = mean(m.values()).unwrap_or_else(|| shape.mid());
        let (mut bu, mut bi) = (vec![0.0f64; shape.n_users], vec![0.0f64; shape.n_items]);
        let p = &self.params;
        let epochs = p.epochs();
        for epoch in 1..=epochs {
            match p.method {
                BaselineMethod::Als => {
                    for (i, b) in bi.iter_mut().enumerate() {
                        let (users, pos) = m.item_col(ItemIdx(i as u32));
                        let dev: f64 = users
                            .iter()
                            .zip(pos)
                            .map(|(&u, &k)| m.value_at(k) as f64 - mu - bu[u as usize])
                            .sum();
                        *b = dev / (p.reg_i + users.len() as f64);
                    }
                    for (u, b) in bu.iter_mut().enumerate() {
                        let (items, vals) = m.user_row(UserIdx(u as u32));
                        let dev: f64 = items
                            .iter()
                            .zip(vals)
                            .map(|(&i, &r)| r as f64 - mu - bi[i as usize])
                            .sum();
                        *b = dev / (p.reg_u + items.len() as f64);
                    }
                }
                BaselineMethod::Sgd => {
                    for (u, b_u) in bu.iter_mut().enumerate() {
                        let (items, vals) = m.user_row(UserIdx(u as u32));
                        for (&i, &r) in items.iter().zip(vals) {
                            let b_i = &mut bi[i as usize];
                            let err = r as f64 - (mu + *b_u + *b_i);
                            *b_u += p.learning_rate * (err - p.reg * *b_u);
                            *b_i += p.learning_rate * (err - p.reg * *b_i);
                        }
                    }
                }
            }
            let mse = train_mse(data, mu, &bu, &bi);
            if !mse.is_finite() {
                return Err(CoreError::InvalidParam {
                    name: "learning_rate".into(),
                    reason: format!("training diverged at epoch {epoch}"),
                });
            }
            observer.on_epoch(&EpochReport {
                epoch,
                epochs,
                train_loss: mse,
                metrics: vec![("train_rmse".into(), mse.sqrt())],
            });
        }
        self.fitted = Some(Fitted { shape, mu, bu, bi });
        Ok(())
    }

    fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> Result<f32> {
        let f = self.fitted()?;
        f.shape.check_item(item)?;
        let b = self.user_bias(f, user)?;
        Ok(f.shape.clip(f.mu + b + f.bi[item.ix()]))
    }

    fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> Result<()> {
        let f = self.fitted()?;
        f.shape.check_out(out)?;
        let b = self.user_bias(f, user)?;
        for (o, &bi) in out.iter_mut().zip(&f.bi) {
            *o = (f.mu + b + bi) as f32;
        }
        Ok(())
    }

    fn save_state(&self) -> Result<Vec<u8>> {
        let f = self.fitted()?;
        Ok(write_state(TAG, &f.shape, |w| {
            w.f64(f.mu);
            w.f64s(&f.bu);
            w.f64s(&f.bi);
        }))
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        let f = read_state(bytes, TAG, |r, shape| {
            let mu = r.f64()?;
            let bu = r.f64s_len(shape.n_users, "user biases")?;
            let bi = r.f64s_len(shape.n_items, "item biases")?;
            Ok(Fitted { shape, mu, bu, bi })
        })?;
        if !f.mu.is_finite() || !f.bu.iter().chain(&f.bi).all(|x| x.is_finite()) {
            return Err(CoreError::Corrupt("baseline: non-finite bias".into()));
        }
        self.fitted = Some(f);
        Ok(())
    }
}
