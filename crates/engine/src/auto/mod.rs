//! `auto`: the model that picks the models. Fitting runs [`search::search`] on validation
//! carves of the training data only, then fits the chosen rating model (a single model or a
//! [`Blend`]) and the chosen ranking model on all of the training data. Ratings
//! (`predict`) come from the rating model and rankings (`score_all`, similar movies) from the
//! ranking model, so a server with `auto` active answers `/predict` and `/recommend` both.
//! The choice is its parameters (a fit given a choice skips the search); the search table is
//! its [`Recommender::fit_report`], recorded in the registry and shown on the dashboard.

pub mod blend;
pub mod search;
pub mod space;
pub mod stack;

pub use blend::{Blend, BlendParams, Component};

use cinerec_core::state::{StateReader, StateWriter};
use cinerec_core::{
    Configurable, CoreError, Dataset, FitObserver, ItemIdx, NoObserver, Recommender, Result,
    UserRef,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

const TAG: &[u8] = b"auto/2";

/// What `auto` chose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// The rating model.
    pub rating: Component,
    /// The ranking model.
    pub ranking: Component,
}

/// Parameters of [`Auto`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AutoParams {
    /// Time budget in seconds (`null`: [`search::default_budget`], 60 s per 100k ratings).
    pub budget_seconds: Option<f64>,
    /// Seed of the validation carves.
    pub seed: u64,
    /// Share of the training data carved off for validation.
    pub validation: f64,
    /// The choice; `null` = search for it when fitting.
    pub choice: Option<Choice>,
}

impl Default for AutoParams {
    fn default() -> Self {
        AutoParams {
            budget_seconds: None,
            seed: 42,
            validation: 0.2,
            choice: None,
        }
    }
}

/// The automatically chosen pair of models.
pub struct Auto {
    p: AutoParams,
    rating: Option<Box<dyn Recommender>>,
    ranking: Option<Box<dyn Recommender>>,
    report: Option<Value>,
    /// The choice came with the parameters (fit without searching).
    given: bool,
}

impl Configurable for Auto {
    type Params = AutoParams;
    fn from_params(p: AutoParams) -> Result<Self> {
        if !(p.validation > 0.0 && p.validation < 1.0) {
            return Err(CoreError::InvalidParam {
                name: "validation".into(),
                reason: "must be in (0, 1)".into(),
            });
        }
        if let Some(b) = p.budget_seconds {
            if !(b.is_finite() && b > 0.0) {
                return Err(CoreError::InvalidParam {
                    name: "budget_seconds".into(),
                    reason: "must be a positive number".into(),
                });
            }
        }
        let mut a = Auto {
            given: p.choice.is_some(),
            p,
            rating: None,
            ranking: None,
            report: None,
        };
        a.build()?;
        Ok(a)
    }
}

impl Auto {
    /// Builds the unfitted models of the current choice (none without one).
    fn build(&mut self) -> Result<()> {
        (self.rating, self.ranking) = match &self.p.choice {
            Some(c) => (
                Some(c.rating.create()?),
                (c.ranking != c.rating)
                    .then(|| c.ranking.create())
                    .transpose()?,
            ),
            None => (None, None),
        };
        Ok(())
    }

    fn rating(&self) -> Result<&dyn Recommender> {
        self.rating.as_deref().ok_or(CoreError::NotFitted("auto"))
    }

    /// The ranking model (the rating model when both are the same configuration).
    fn ranking(&self) -> Result<&dyn Recommender> {
        match &self.ranking {
            Some(r) => Ok(r.as_ref()),
            None => self.rating(),
        }
    }
}

impl Recommender for Auto {
    fn name(&self) -> &'static str {
        "auto"
    }

    fn params(&self) -> Value {
        serde_json::to_value(&self.p).unwrap_or_default()
    }

    fn fit(&mut self, data: &Dataset, obs: &mut dyn FitObserver) -> Result<()> {
        if !self.given {
            let budget = self
                .p
                .budget_seconds
                .unwrap_or_else(|| search::default_budget(data));
            let out = search::search(data, budget, self.p.seed, self.p.validation, obs)?;
            let (Some(rating), Some(ranking)) = (out.rating.clone(), out.ranking.clone()) else {
                return Err(CoreError::Training(format!(
                    "auto: no candidate could be fitted within {budget:.0} s ({} trials)",
                    out.trials.len()
                )));
            };
            self.report = serde_json::to_value(&out).ok();
            self.p.choice = Some(Choice { rating, ranking });
        }
        self.build()?;
        if let Some(m) = self.rating.as_mut() {
            m.fit(data, &mut NoObserver)?;
        }
        if let Some(m) = self.ranking.as_mut() {
            m.fit(data, &mut NoObserver)?;
        }
        let mut figures = Vec::new();
        if let Some(r) = &self.report {
            for key in ["rating_rmse", "ranking_ndcg"] {
                if let Some(v) = r[key].as_f64() {
                    figures.push((format!("validation_{key}"), v));
                }
            }
        }
        blend::report_fit(self, data, obs, figures)
    }

    fn fit_report(&self) -> Option<Value> {
        self.report.clone()
    }

    fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> Result<f32> {
        self.rating()?.predict(user, item)
    }

    fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> Result<()> {
        self.ranking()?.score_all(user, out)
    }

    fn item_similarities(&self, item: ItemIdx, out: &mut [f32]) -> Result<()> {
        match self.ranking()?.item_similarities(item, out) {
            Err(CoreError::Unsupported { .. }) => self.rating()?.item_similarities(item, out),
            r => r,
        }
    }

    fn save_state(&self) -> Result<Vec<u8>> {
        let mut w = StateWriter::new(TAG);
        w.bytes(self.params().to_string().as_bytes());
        w.bytes(&self.rating()?.save_state()?);
        match &self.ranking {
            Some(r) => w.bytes(&r.save_state()?),
            None => w.bytes(&[]),
        }
        let report = self
            .report
            .as_ref()
            .map(|r| r.to_string())
            .unwrap_or_default();
        w.bytes(report.as_bytes());
        Ok(w.finish())
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        let mut r = StateReader::new(bytes, TAG)?;
        // The state carries its choice, so it loads into an `auto` built with any parameters.
        let p: AutoParams = serde_json::from_slice(r.bytes()?)
            .map_err(|e| CoreError::Corrupt(format!("auto parameters: {e}")))?;
        if p.choice.is_none() {
            return Err(CoreError::Corrupt("auto state without a choice".into()));
        }
        let mut next = Auto::from_params(p)?;
        let rating = r.bytes()?;
        let ranking = r.bytes()?;
        let report = r.bytes()?;
        r.finish()?;
        if let Some(m) = next.rating.as_mut() {
            m.load_state(rating)?;
        }
        if let Some(m) = next.ranking.as_mut() {
            m.load_state(ranking)?;
        }
        next.report = serde_json::from_slice(report).ok();
        *self = next;
        Ok(())
    }

    /// The chosen ranking model's, with the demographics.
    fn score_all_with_meta(
        &self,
        user: UserRef<'_>,
        meta: Option<&cinerec_core::UserMeta>,
        out: &mut [f32],
    ) -> Result<()> {
        self.ranking()?.score_all_with_meta(user, meta, out)
    }

    fn uses_demographics(&self) -> bool {
        self.ranking().is_ok_and(|m| m.uses_demographics())
    }
}
