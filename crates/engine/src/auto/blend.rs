//! `blend`: a rating model whose prediction is a learnt blend of other registered rating
//! models (by default baseline, SVD++, item-KNN and, with `neural-train`, AutoRec). Fitting
//! carves a random validation share off the training data, fits every component on the rest,
//! learns the feature-weighted ridge blend of their validation predictions ([`super::stack`]),
//! then refits every component on all of the training data. Given `weights`, the fit only
//! refits the components (what `auto` does once it has learnt them on its own carve).
//! A user or movie without training ratings is answered by one component (`baseline` when it
//! is one): the weights were learnt on rows where both had ratings.

use super::stack::{self, Support};
use crate::registry;
use cinerec_core::state::{StateReader, StateWriter};
use cinerec_core::{
    Configurable, CoreError, Dataset, FitObserver, ItemIdx, NoObserver, Recommender, Result,
    UserRef,
};
use cinerec_data::split::{carve_validation, RngKind, SplitSpec};
use serde::{Deserialize, Serialize};
use serde_json::Value;

const TAG: &[u8] = b"blend/2";

/// One model of a blend (or of `auto`'s choice): a registry name and its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    /// Registry name.
    pub model: String,
    /// Parameters (`null` = the model's defaults).
    #[serde(default)]
    pub params: Value,
}

impl Component {
    /// `model` at `params`.
    pub fn new(model: &str, params: Value) -> Self {
        Component {
            model: model.to_string(),
            params,
        }
    }

    /// An unfitted model of this component.
    pub fn create(&self) -> Result<Box<dyn Recommender>> {
        registry::create(&self.model, Some(&self.params)).map_err(|e| CoreError::InvalidParam {
            name: format!("component {}", self.model),
            reason: e.to_string(),
        })
    }
}

/// Parameters of [`Blend`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BlendParams {
    /// The blended rating models.
    pub components: Vec<Component>,
    /// Ridge penalty per validation rating on the correction weights (`null`: chosen by
    /// 5-fold cross-validation on the validation carve, [`stack::RIDGE_GRID`]).
    pub ridge: Option<f64>,
    /// The component whose prediction the blend corrects (the best one on validation; set
    /// with the weights; `null` = the weights' intercept is the whole base).
    pub base: Option<usize>,
    /// Share of the training ratings carved off to learn the weights.
    pub validation: f64,
    /// Seed of the carve.
    pub seed: u64,
    /// The learnt weights (intercept, supports, then three per component); `null` = learn them.
    pub weights: Option<Vec<f64>>,
    /// The user and item support range the weights were learnt on
    /// (`[user lo, user hi, item lo, item hi]`, see [`stack::support_range`]); supports
    /// outside it are clamped. Set with the weights.
    pub support_range: Option<[f32; 4]>,
}

impl Default for BlendParams {
    fn default() -> Self {
        let mut components = vec![
            Component::new("baseline", Value::Null),
            Component::new("svdpp", Value::Null),
            Component::new("itemknn", Value::Null),
        ];
        if cfg!(feature = "neural-train") {
            components.push(Component::new("autorec", Value::Null));
        }
        BlendParams {
            components,
            ridge: None,
            base: None,
            validation: 0.2,
            seed: 7,
            weights: None,
            support_range: None,
        }
    }
}

/// The blend model.
pub struct Blend {
    p: BlendParams,
    models: Vec<Box<dyn Recommender>>,
    support: Support,
    mean: f32,
    scale: (f32, f32),
    fitted: bool,
}

impl Configurable for Blend {
    type Params = BlendParams;
    fn from_params(p: BlendParams) -> Result<Self> {
        let bad = |reason: String| CoreError::InvalidParam {
            name: "blend".into(),
            reason,
        };
        if p.components.is_empty() {
            return Err(bad("components must not be empty".into()));
        }
        if p.components
            .iter()
            .any(|c| c.model == "blend" || c.model == "auto")
        {
            return Err(bad("a blend cannot contain blend or auto".into()));
        }
        let ridge_ok = p.ridge.is_none_or(|r| r >= 0.0 && r.is_finite());
        if !(p.validation > 0.0 && p.validation < 1.0 && ridge_ok) {
            return Err(bad("validation must be in (0, 1) and ridge ≥ 0".into()));
        }
        if p.base.is_some_and(|b| b >= p.components.len()) {
            return Err(bad("base must index a component".into()));
        }
        if let Some(w) = &p.weights {
            if w.len() != stack::n_features(p.components.len()) || w.iter().any(|x| !x.is_finite())
            {
                return Err(bad(format!(
                    "weights must be {} finite numbers for {} components",
                    stack::n_features(p.components.len()),
                    p.components.len()
                )));
            }
        }
        let models = p
            .components
            .iter()
            .map(Component::create)
            .collect::<Result<_>>()?;
        Ok(Blend {
            p,
            models,
            support: Support::default(),
            mean: 0.0,
            scale: (1.0, 5.0),
            fitted: false,
        })
    }
}

impl Blend {
    /// Learns the weights on a validation carve of `data`.
    fn learn(&mut self, data: &Dataset, obs: &mut dyn FitObserver, total: u64) -> Result<Vec<f64>> {
        let spec = SplitSpec::Random {
            test_ratio: self.p.validation,
            seed: self.p.seed,
            rng: RngKind::Cinerec,
        };
        let carve =
            carve_validation(data, &spec).map_err(|e| CoreError::Training(e.to_string()))?;
        let mut preds = Vec::with_capacity(self.models.len());
        for (k, c) in self.p.components.iter().enumerate() {
            let mut m = c.create()?;
            m.fit(&carve.fit, &mut NoObserver)?;
            preds.push(predict_rows(m.as_ref(), &carve.fit, &carve.validation)?);
            obs.on_progress(k as u64 + 1, total);
        }
        let l = learn_weights(&carve.fit, &carve.validation, &preds, self.p.ridge)
            .ok_or_else(|| CoreError::Training("blend: singular validation design".into()))?;
        (self.p.ridge, self.p.base, self.p.support_range) =
            (Some(l.ridge), Some(l.base), Some(l.support_range));
        Ok(l.weights)
    }
}

/// What [`learn_weights`] learnt.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// The correction weights.
    pub weights: Vec<f64>,
    /// The chosen (or given) ridge penalty.
    pub ridge: f64,
    /// The corrected component: the best single one on validation.
    pub base: usize,
    /// The support range of the validation rows.
    pub support_range: [f32; 4],
    /// The blend's 5-fold cross-validated RMSE.
    pub cv_rmse: f64,
    /// The base component's validation RMSE.
    pub base_rmse: f64,
}

/// Learns blend weights from components' predictions `preds` (one column per component)
/// of the validation ratings `val` of models fitted on `fit`: the correction of the best
/// single component, penalty `ridge` or chosen by cross-validation.
pub fn learn_weights(
    fit: &Dataset,
    val: &cinerec_core::Interactions,
    preds: &[Vec<f32>],
    ridge: Option<f64>,
) -> Option<Weights> {
    let y: Vec<f64> = val.values.iter().map(|&v| v as f64).collect();
    let (base, base_rmse) = preds
        .iter()
        .map(|col| stack::rmse(col, &val.values))
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    let base_col: Vec<f64> = preds[base].iter().map(|&p| p as f64).collect();
    let support = Support::of(fit);
    let range = stack::support_range(&support, val);
    let x = design(&support, fit.global_mean(), val, preds, Some(range));
    let d = stack::n_features(preds.len());
    let (lo, hi) = fit.rating_scale();
    let scale = (lo.min(hi) as f64, hi.max(lo) as f64);
    let l = match ridge {
        None => stack::learn(&x, &y, &base_col, d, scale)?,
        Some(r) => stack::Learnt {
            cv_rmse: stack::cross_validated_rmse(&x, &y, &base_col, d, r, 5, scale)
                .unwrap_or(f64::NAN),
            weights: {
                let resid: Vec<f64> = y.iter().zip(&base_col).map(|(a, b)| a - b).collect();
                let rows: Vec<usize> = (0..y.len()).collect();
                stack::ridge(&x, &resid, d, &rows, r)?
            },
            ridge: r,
        },
    };
    Some(Weights {
        weights: l.weights,
        ridge: l.ridge,
        base,
        support_range: range,
        cv_rmse: l.cv_rmse,
        base_rmse,
    })
}

/// Predictions of a fitted `model` (fitted on `fit`) for every rating of `rows`; a rating the
/// model cannot predict (unknown user or movie) gets the global mean, as evaluation does.
pub fn predict_rows(
    model: &dyn Recommender,
    fit: &Dataset,
    rows: &cinerec_core::Interactions,
) -> Result<Vec<f32>> {
    let (lo, hi) = fit.rating_scale();
    let mean = fit.global_mean();
    let mut out = Vec::with_capacity(rows.len());
    for k in 0..rows.len() {
        let u = UserRef::Known(cinerec_core::UserIdx(rows.users[k]));
        let p = match model.predict(u, ItemIdx(rows.items[k])) {
            Ok(p) if p.is_finite() => p,
            Ok(_) | Err(CoreError::UnknownUser(_)) | Err(CoreError::UnknownItem(_)) => mean,
            Err(e) => return Err(e),
        };
        out.push(p.clamp(lo.min(hi), hi.max(lo)));
    }
    Ok(out)
}

/// The row-major stacking design of `rows` from per-component predictions, supports
/// clamped to `range`.
pub fn design(
    support: &Support,
    mean: f32,
    rows: &cinerec_core::Interactions,
    preds: &[Vec<f32>],
    range: Option<[f32; 4]>,
) -> Vec<f64> {
    let d = stack::n_features(preds.len());
    let mut x = vec![0f64; rows.len() * d];
    let mut p = vec![0f32; preds.len()];
    for r in 0..rows.len() {
        for (k, col) in preds.iter().enumerate() {
            p[k] = col[r];
        }
        let (su, si) = support.of_pair(rows.users[r], rows.items[r]);
        let (su, si) = stack::clamp_support(range, su, si);
        stack::features(su, si, &p, mean, &mut x[r * d..(r + 1) * d]);
    }
    x
}

/// One user's blend predictions: the resolved support and reusable buffers.
struct Scorer<'a> {
    blend: &'a Blend,
    user: UserRef<'a>,
    w: &'a [f64],
    su: f32,
    preds: Vec<f32>,
    x: Vec<f64>,
}

impl Scorer<'_> {
    fn predict(&mut self, item: ItemIdx) -> Result<f32> {
        let b = self.blend;
        let Some(&si) = b.support.items.get(item.0 as usize) else {
            return Err(CoreError::UnknownItem(item.0.to_string()));
        };
        // A user or movie without training ratings: the weights were learnt on warm rows
        // only, so the fallback component (the baseline when the blend has one) answers.
        if b.support.is_cold(self.su, si) {
            return b.models[b.fallback()].predict(self.user, item);
        }
        self.preds.clear();
        for m in &b.models {
            self.preds.push(m.predict(self.user, item)?);
        }
        let (su, si) = stack::clamp_support(b.p.support_range, self.su, si);
        stack::features(su, si, &self.preds, b.mean, &mut self.x);
        let base = b.p.base.map(|k| self.preds[k] as f64).unwrap_or(0.0);
        let (lo, hi) = b.scale;
        Ok(((base + stack::apply(self.w, &self.x)) as f32).clamp(lo.min(hi), hi.max(lo)))
    }
}

impl Blend {
    /// The component that answers for cold users and movies: `baseline` if it is one,
    /// else the best single component (`base`), else the first.
    fn fallback(&self) -> usize {
        self.p
            .components
            .iter()
            .position(|c| c.model == "baseline")
            .or(self.p.base)
            .filter(|&k| k < self.models.len())
            .unwrap_or(0)
    }

    /// The scorer of `user` (typed errors: not fitted, unknown user).
    fn scorer<'a>(&'a self, user: UserRef<'a>) -> Result<Scorer<'a>> {
        let w = match (&self.p.weights, self.fitted) {
            (Some(w), true) => w,
            _ => return Err(CoreError::NotFitted("blend")),
        };
        let su = match user {
            UserRef::Known(u) => *self
                .support
                .users
                .get(u.0 as usize)
                .ok_or_else(|| CoreError::UnknownUser(u.0.to_string()))?,
            UserRef::Profile(p) | UserRef::Updated { profile: p, .. } => {
                (1.0 + p.len() as f32).ln() - self.support.user_mean
            }
        };
        Ok(Scorer {
            blend: self,
            user,
            w,
            su,
            preds: Vec::with_capacity(self.models.len()),
            x: vec![0f64; w.len()],
        })
    }
}

impl Recommender for Blend {
    fn name(&self) -> &'static str {
        "blend"
    }

    fn params(&self) -> Value {
        serde_json::to_value(&self.p).unwrap_or_default()
    }

    fn fit(&mut self, data: &Dataset, obs: &mut dyn FitObserver) -> Result<()> {
        self.fitted = false;
        let k = self.models.len() as u64;
        let learn = self.p.weights.is_none();
        let total = if learn { 2 * k } else { k };
        if learn {
            self.p.weights = Some(self.learn(data, obs, total)?);
        }
        let done0 = total - k;
        for (j, m) in self.models.iter_mut().enumerate() {
            m.fit(data, &mut NoObserver)?;
            obs.on_progress(done0 + j as u64 + 1, total);
        }
        self.support = Support::of(data);
        self.mean = data.global_mean();
        self.scale = data.rating_scale();
        self.fitted = true;
        report_fit(self, data, obs, Vec::new())
    }

    fn predict(&self, user: UserRef<'_>, item: ItemIdx) -> Result<f32> {
        let mut s = self.scorer(user)?;
        s.predict(item)
    }

    /// Every movie's blended rating: the user's support is resolved once and the buffers
    /// reused; each component still predicts movie by movie (`score_all` need not be a
    /// model's `predict`, so it cannot stand in for it).
    fn score_all(&self, user: UserRef<'_>, out: &mut [f32]) -> Result<()> {
        if out.len() != self.support.items.len() {
            return Err(CoreError::Mismatch(format!(
                "score buffer of {} for {} movies",
                out.len(),
                self.support.items.len()
            )));
        }
        let mut s = self.scorer(user)?;
        for (i, o) in out.iter_mut().enumerate() {
            *o = s.predict(ItemIdx(i as u32))?;
        }
        Ok(())
    }

    fn item_similarities(&self, item: ItemIdx, out: &mut [f32]) -> Result<()> {
        for m in &self.models {
            match m.item_similarities(item, out) {
                Err(CoreError::Unsupported { .. }) => continue,
                r => return r,
            }
        }
        Err(CoreError::Unsupported {
            model: "blend",
            what: "similar movies",
        })
    }

    fn save_state(&self) -> Result<Vec<u8>> {
        if !self.fitted {
            return Err(CoreError::NotFitted("blend"));
        }
        let mut w = StateWriter::new(TAG);
        w.bytes(self.params().to_string().as_bytes());
        for m in &self.models {
            w.bytes(&m.save_state()?);
        }
        w.f32s(&self.support.users);
        w.f32s(&self.support.items);
        w.f32s(&[
            self.support.user_mean,
            self.mean,
            self.scale.0,
            self.scale.1,
            self.support.item_mean,
        ]);
        Ok(w.finish())
    }

    fn load_state(&mut self, bytes: &[u8]) -> Result<()> {
        let mut r = StateReader::new(bytes, TAG)?;
        // The state carries the components and weights it was fitted with, so it loads into a
        // blend built with any parameters (a model file rebuilds from the same ones anyway).
        let p: BlendParams = serde_json::from_slice(r.bytes()?)
            .map_err(|e| CoreError::Corrupt(format!("blend parameters: {e}")))?;
        if p.weights.is_none() {
            return Err(CoreError::Corrupt("blend state without weights".into()));
        }
        let mut next = Blend::from_params(p)?;
        for m in next.models.iter_mut() {
            m.load_state(r.bytes()?)?;
        }
        let users = r.f32s()?;
        let items = r.f32s()?;
        let s = r.f32s()?;
        r.finish()?;
        // Four scalars: a state written before the item mean was kept (no cold fallback).
        let (user_mean, mean, lo, hi, item_mean) = match s[..] {
            [a, b, c, d] => (a, b, c, d, f32::NAN),
            [a, b, c, d, e] => (a, b, c, d, e),
            _ => return Err(CoreError::Corrupt("blend scalars".into())),
        };
        next.support = Support {
            users,
            items,
            user_mean,
            item_mean,
        };
        (next.mean, next.scale, next.fitted) = (mean, (lo, hi), true);
        *self = next;
        Ok(())
    }
}

/// Reports a model's one "epoch": its mean squared error on (up to 10,000, evenly spaced)
/// training ratings, plus `metrics`.
pub(crate) fn report_fit(
    m: &dyn Recommender,
    data: &Dataset,
    obs: &mut dyn FitObserver,
    metrics: Vec<(String, f64)>,
) -> Result<()> {
    let all = data.matrix().to_interactions();
    let step = (all.len() / 10_000).max(1);
    let rows: Vec<usize> = (0..all.len()).step_by(step).collect();
    let sample = all.select(&rows);
    let p = predict_rows(m, data, &sample)?;
    let se: f64 = p
        .iter()
        .zip(&sample.values)
        .map(|(a, b)| ((a - b) as f64).powi(2))
        .sum();
    obs.on_epoch(&cinerec_core::EpochReport {
        epoch: 1,
        epochs: 1,
        train_loss: se / rows.len().max(1) as f64,
        metrics,
    });
    Ok(())
}
