//! Rating-prediction accuracy: RMSE and MAE of `model.predict(UserRef::Known(u), i)` over a
//! test set, the way Surprise's `algo.test()` + `accuracy.rmse/mae` compute them.
//!
//! * A prediction the model cannot make — it returns [`CoreError::UnknownUser`] or
//!   [`CoreError::UnknownItem`], or a non-finite value — is *impossible*: it is counted and
//!   replaced by the training global mean (Surprise's `default_prediction()`), and it still
//!   enters RMSE/MAE. Any other model error (not fitted, mismatch, …) aborts.
//! * Estimates are clipped to the training rating scale when `clip` is set (Surprise's
//!   `test()` default, used for the peer figures).

use crate::error::{EvalError, Result};
use crate::parallel::check_pairs;
use cinerec_core::{CoreError, Dataset, Interactions, ItemIdx, Recommender, UserIdx, UserRef};
use serde::{Deserialize, Serialize};

/// RMSE / MAE and how many predictions were impossible, by cause.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct RatingMetrics {
    /// Root mean squared error.
    pub rmse: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// Number of test pairs.
    pub n_test: usize,
    /// Pairs whose user the model does not know.
    pub n_unknown_user: usize,
    /// Pairs whose movie the model does not know.
    pub n_unknown_item: usize,
    /// Pairs where the model returned NaN or an infinity.
    pub n_non_finite: usize,
}

impl RatingMetrics {
    /// All impossible predictions (replaced by the training global mean).
    pub fn n_impossible(&self) -> usize {
        self.n_unknown_user + self.n_unknown_item + self.n_non_finite
    }
}

/// Outcome of one prediction.
enum Pred {
    Ok(f32),
    UnknownUser,
    UnknownItem,
    NonFinite,
}

fn predict_one(model: &dyn Recommender, u: u32, i: u32) -> Result<Pred> {
    match model.predict(UserRef::Known(UserIdx(u)), ItemIdx(i)) {
        Ok(p) if p.is_finite() => Ok(Pred::Ok(p)),
        Ok(_) => Ok(Pred::NonFinite),
        Err(CoreError::UnknownUser(_)) => Ok(Pred::UnknownUser),
        Err(CoreError::UnknownItem(_)) => Ok(Pred::UnknownItem),
        Err(e) => Err(e.into()),
    }
}

/// RMSE and MAE of `model` (fitted on `train`) over the `test` pairs.
///
/// `clip`: clip every estimate to `train.rating_scale()` first (Surprise default).
/// Errors: [`EvalError::Empty`] for an empty test set, [`EvalError::InvalidInput`] for pairs
/// outside the catalogue, [`EvalError::Core`] for model failures other than unknown
/// user / movie.
pub fn rating_metrics(
    model: &dyn Recommender,
    train: &Dataset,
    test: &Interactions,
    clip: bool,
) -> Result<RatingMetrics> {
    check_pairs(train, test)?;
    if test.is_empty() {
        return Err(EvalError::Empty("the test set has no ratings".into()));
    }
    let fallback = train.global_mean() as f64;
    let (lo, hi) = train.rating_scale();
    let (lo, hi) = (lo.min(hi) as f64, hi.max(lo) as f64);
    let mut m = RatingMetrics {
        n_test: test.len(),
        ..Default::default()
    };
    let (mut se, mut ae) = (0f64, 0f64);
    for k in 0..test.len() {
        let est = match predict_one(model, test.users[k], test.items[k])? {
            Pred::Ok(p) => p as f64,
            Pred::UnknownUser => {
                m.n_unknown_user += 1;
                fallback
            }
            Pred::UnknownItem => {
                m.n_unknown_item += 1;
                fallback
            }
            Pred::NonFinite => {
                m.n_non_finite += 1;
                fallback
            }
        };
        let est = if clip { est.clamp(lo, hi) } else { est };
        let err = est - test.values[k] as f64;
        se += err * err;
        ae += err.abs();
    }
    m.rmse = (se / test.len() as f64).sqrt();
    m.mae = ae / test.len() as f64;
    Ok(m)
}
