//! Hyper-parameter search: grid or random search over a model's JSON parameters, each trial
//! fitted on a *fit* set and scored on a *validation* set with one metric.
//!
//! This crate depends on `cinerec-core` only, so the caller supplies the two pieces that live
//! elsewhere: a model factory (`cinerec_models::create`) and the validation split, carved
//! from the train part only (`cinerec_data::split::carve_validation`). The test split is never
//! an argument here, so a search cannot touch it.
//!
//! The search space is a JSON object, one key per parameter:
//! - an array — the values to try (`{"k": [20, 40, 80]}`);
//! - `{"uniform": [lo, hi]}`, `{"log_uniform": [lo, hi]}`, `{"int_uniform": [lo, hi]}` — a
//!   range (random search only);
//! - any other value — fixed for every trial.
//!
//! Without a trial budget the whole grid is run (in odometer order, the last key varying
//! fastest; keys in the order of `serde_json::Map`, i.e. sorted by name by default). With `trials = n` that many points are drawn with the seeded
//! cinerec RNG: distinct grid points when every dimension is a list, independent draws
//! otherwise. The best trial is the one with the best objective value; ties go to the earlier
//! trial. Failing trials (bad parameters, a fit error, a missing metric) are recorded, not
//! fatal.

use crate::error::{EvalError, Result};
use crate::report::{write_atomic, Metrics};
use crate::EvalConfig;
use cinerec_core::{Dataset, Interactions, NoObserver, Recommender, Rng};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

/// Largest grid enumerated (a larger grid needs a trial budget).
pub const MAX_GRID: usize = 100_000;

/// Whether larger or smaller objective values are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Smaller is better (`rmse`, `mae`).
    Minimize,
    /// Larger is better (`ndcg@10`, `precision@10`, …).
    Maximize,
}

/// The metric a search optimises.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Objective {
    /// A report metric key (`rmse`, `ndcg@10`, `top10_accuracy`, …).
    pub metric: String,
    /// Better direction.
    pub direction: Direction,
}

impl Objective {
    /// The objective for `metric`, minimised for the error metrics (`rmse`, `mae`) and
    /// maximised otherwise.
    pub fn new(metric: impl Into<String>) -> Self {
        let metric = metric.into();
        let direction = if is_rating_metric(&metric) {
            Direction::Minimize
        } else {
            Direction::Maximize
        };
        Objective { metric, direction }
    }

    /// True when `a` is strictly better than `b`.
    pub fn better(&self, a: f64, b: f64) -> bool {
        match self.direction {
            Direction::Minimize => a < b,
            Direction::Maximize => a > b,
        }
    }

    /// The evaluation needed to produce this metric: only the metric group it belongs to.
    fn eval_config(&self, base: &EvalConfig) -> EvalConfig {
        let rating = is_rating_metric(&self.metric);
        let factorized = self.metric.starts_with("top") && self.metric.ends_with("_accuracy");
        let sample = self.metric.ends_with("_sample");
        EvalConfig {
            rating,
            ranking: !rating && !factorized && !sample,
            factorized,
            sample_precision: sample,
            ..base.clone()
        }
    }
}

fn is_rating_metric(m: &str) -> bool {
    matches!(m, "rmse" | "mae")
}

/// One searched parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Dimension {
    /// These values, in order.
    Choice(Vec<Value>),
    /// A float drawn uniformly from `[lo, hi]`.
    Uniform(f64, f64),
    /// A float whose logarithm is uniform on `[ln lo, ln hi]` (`lo > 0`).
    LogUniform(f64, f64),
    /// An integer drawn uniformly from `lo..=hi`.
    IntUniform(i64, i64),
}

/// The parameters searched and their values.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchSpace {
    dims: Vec<(String, Dimension)>,
    raw: Value,
}

impl SearchSpace {
    /// Parses a space (see the module documentation). Rejects anything that is not an
    /// object, empty lists and malformed ranges.
    pub fn from_json(v: &Value) -> Result<Self> {
        let bad = |m: String| EvalError::InvalidInput(format!("search space: {m}"));
        let Value::Object(map) = v else {
            return Err(bad(format!("expected a JSON object, got {v}")));
        };
        let mut dims = Vec::with_capacity(map.len());
        for (k, x) in map {
            let d = match x {
                Value::Array(a) if a.is_empty() => {
                    return Err(bad(format!("`{k}` has an empty list of values")))
                }
                Value::Array(a) => Dimension::Choice(a.clone()),
                Value::Object(o)
                    if o.len() == 1
                        && ["uniform", "log_uniform", "int_uniform"]
                            .contains(&o.keys().next().map(String::as_str).unwrap_or("")) =>
                {
                    let (kind, range) = o.iter().next().expect("one entry");
                    let pair = range
                        .as_array()
                        .filter(|a| a.len() == 2)
                        .and_then(|a| Some((a[0].as_f64()?, a[1].as_f64()?)))
                        .filter(|(lo, hi)| lo.is_finite() && hi.is_finite() && lo <= hi)
                        .ok_or_else(|| {
                            bad(format!("`{k}`: {kind} needs [lo, hi] with lo <= hi"))
                        })?;
                    match kind.as_str() {
                        "uniform" => Dimension::Uniform(pair.0, pair.1),
                        "log_uniform" if pair.0 > 0.0 => Dimension::LogUniform(pair.0, pair.1),
                        "log_uniform" => {
                            return Err(bad(format!("`{k}`: log_uniform needs lo > 0")))
                        }
                        _ => {
                            let (lo, hi) = (pair.0.ceil(), pair.1.floor());
                            if lo > hi || lo.abs() > 9e15 || hi.abs() > 9e15 {
                                return Err(bad(format!("`{k}`: no integer in the range")));
                            }
                            Dimension::IntUniform(lo as i64, hi as i64)
                        }
                    }
                }
                other => Dimension::Choice(vec![other.clone()]),
            };
            dims.push((k.clone(), d));
        }
        Ok(SearchSpace {
            dims,
            raw: v.clone(),
        })
    }

    /// The dimensions, by parameter name.
    pub fn dimensions(&self) -> &[(String, Dimension)] {
        &self.dims
    }

    /// Names of the parameters that take more than one value.
    pub fn varied(&self) -> Vec<&str> {
        self.dims
            .iter()
            .filter(|(_, d)| !matches!(d, Dimension::Choice(v) if v.len() == 1))
            .map(|(k, _)| k.as_str())
            .collect()
    }

    /// Number of grid points, or `None` when a dimension is a continuous range (or the
    /// product overflows).
    pub fn grid_size(&self) -> Option<usize> {
        self.dims.iter().try_fold(1usize, |acc, (_, d)| match d {
            Dimension::Choice(v) => acc.checked_mul(v.len()),
            _ => None,
        })
    }

    /// Every grid point, the last parameter varying fastest.
    pub fn grid(&self) -> Result<Vec<Map<String, Value>>> {
        let n = self.grid_size().ok_or_else(|| {
            EvalError::InvalidInput(
                "the search space has a continuous range: give a number of trials (random search)"
                    .into(),
            )
        })?;
        if n > MAX_GRID {
            return Err(EvalError::InvalidInput(format!(
                "the grid has {n} points (more than {MAX_GRID}): give a number of trials"
            )));
        }
        Ok((0..n).map(|ix| self.grid_point(ix)).collect())
    }

    fn grid_point(&self, mut ix: usize) -> Map<String, Value> {
        let mut vals: Vec<(String, Value)> = Vec::with_capacity(self.dims.len());
        for (k, d) in self.dims.iter().rev() {
            if let Dimension::Choice(v) = d {
                vals.push((k.clone(), v[ix % v.len()].clone()));
                ix /= v.len();
            }
        }
        vals.into_iter().rev().collect()
    }

    /// `n` points drawn with `seed`: distinct grid points (in drawing order) when the space
    /// is a finite grid — all of it when `n` is at least its size — else independent draws.
    pub fn sample(&self, n: usize, seed: u64) -> Vec<Map<String, Value>> {
        let mut rng = Rng::new(seed);
        if let Some(size) = self.grid_size() {
            if n >= size && size <= MAX_GRID {
                let mut order: Vec<usize> = (0..size).collect();
                rng.shuffle(&mut order);
                return order.into_iter().map(|ix| self.grid_point(ix)).collect();
            }
            // Floyd's algorithm: n distinct indices out of `size` without materialising it.
            let mut chosen: Vec<usize> = Vec::with_capacity(n);
            for j in (size - n)..size {
                let t = rng.below(j as u64 + 1) as usize;
                if chosen.contains(&t) {
                    chosen.push(j);
                } else {
                    chosen.push(t);
                }
            }
            return chosen.into_iter().map(|ix| self.grid_point(ix)).collect();
        }
        (0..n)
            .map(|_| {
                self.dims
                    .iter()
                    .map(|(k, d)| {
                        let v = match d {
                            Dimension::Choice(v) => v[rng.below(v.len() as u64) as usize].clone(),
                            Dimension::Uniform(lo, hi) => Value::from(lo + (hi - lo) * rng.f64()),
                            Dimension::LogUniform(lo, hi) => {
                                Value::from((lo.ln() + (hi.ln() - lo.ln()) * rng.f64()).exp())
                            }
                            Dimension::IntUniform(lo, hi) => {
                                let span = (hi - lo) as u64 + 1;
                                Value::from(lo + rng.below(span) as i64)
                            }
                        };
                        (k.clone(), v)
                    })
                    .collect()
            })
            .collect()
    }
}

/// How a search runs.
#[derive(Debug, Clone)]
pub struct TuneConfig {
    /// Metric and direction.
    pub objective: Objective,
    /// `None`: the whole grid; `Some(n)`: random search with `n` trials.
    pub trials: Option<usize>,
    /// Seed of the random search.
    pub seed: u64,
    /// Parameters common to every trial (a JSON object or null); the searched values
    /// override them.
    pub base_params: Value,
    /// Evaluation settings (cut-off K, workers); the metric groups are chosen from the
    /// objective.
    pub eval: EvalConfig,
    /// Description of how the validation set was carved (recorded in the report).
    pub validation: Value,
}

/// One evaluated parameter setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// 0-based position in the search.
    pub index: usize,
    /// The searched values of this trial.
    pub point: Map<String, Value>,
    /// The model's full parameters (`Recommender::params()`), or the requested ones when the
    /// model could not be built.
    pub params: Value,
    /// The objective value (absent when the trial failed).
    pub value: Option<f64>,
    /// Every metric the evaluation produced.
    pub metrics: Metrics,
    /// Fit seconds.
    pub fit_s: Option<f64>,
    /// Evaluation seconds.
    pub eval_s: Option<f64>,
    /// Why the trial failed, if it did.
    pub error: Option<String>,
}

/// The data of a search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TuneData {
    /// Name of the fit dataset.
    pub name: String,
    /// `Dataset::hash()` of the fit part.
    pub fit_hash: String,
    /// Users / movies in the catalogue.
    pub n_users: usize,
    /// Movies in the catalogue.
    pub n_items: usize,
    /// Ratings fitted on.
    pub n_fit: usize,
    /// Validation ratings.
    pub n_validation: usize,
}

/// Result of a search: every trial and the chosen parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TuneReport {
    /// cinerec version.
    pub cinerec_version: String,
    /// Model name.
    pub model: String,
    /// What was optimised.
    pub objective: Objective,
    /// `grid` or `random`.
    pub search: String,
    /// Seed of the random search.
    pub seed: u64,
    /// The search space as given.
    pub space: Value,
    /// Fixed parameters common to every trial.
    pub base_params: Value,
    /// The data searched on.
    pub data: TuneData,
    /// How the validation set was carved from the train part.
    pub validation: Value,
    /// Index of the best trial.
    pub best_trial: usize,
    /// Its objective value.
    pub best_value: f64,
    /// The searched values of the best trial (what to set as defaults).
    pub best_point: Map<String, Value>,
    /// The best model's full parameters.
    pub best_params: Value,
    /// Every trial in search order.
    pub trials: Vec<Trial>,
    /// Wall-clock seconds of the whole search.
    pub total_s: f64,
}

/// Builds an unfitted model from JSON parameters (an error message on bad parameters).
pub type ModelFactory<'a> =
    dyn Fn(&Value) -> std::result::Result<Box<dyn Recommender>, String> + 'a;

/// Runs the search: for each point, builds the model with `base_params` overridden by the
/// point, fits it on `fit`, evaluates the objective on `validation`, and calls `on_trial`
/// with the finished trial. Fails only on an invalid space/objective or when no trial
/// produced a value.
pub fn tune(
    model: &str,
    make: &ModelFactory<'_>,
    fit: &Dataset,
    validation: &Interactions,
    space: &SearchSpace,
    cfg: &TuneConfig,
    on_trial: &mut dyn FnMut(&Trial),
) -> Result<TuneReport> {
    let start = Instant::now();
    let base = match &cfg.base_params {
        Value::Null => Map::new(),
        Value::Object(m) => m.clone(),
        other => {
            return Err(EvalError::InvalidInput(format!(
                "base parameters must be a JSON object, got {other}"
            )))
        }
    };
    if validation.is_empty() {
        return Err(EvalError::Empty("the validation set is empty".into()));
    }
    let (points, search) = match cfg.trials {
        None => (space.grid()?, "grid"),
        Some(0) => return Err(EvalError::InvalidInput("trials must be at least 1".into())),
        Some(n) => (space.sample(n, cfg.seed), "random"),
    };
    let eval_cfg = cfg.objective.eval_config(&cfg.eval);
    let mut trials: Vec<Trial> = Vec::with_capacity(points.len());
    let mut best: Option<(usize, f64)> = None;
    for (index, point) in points.into_iter().enumerate() {
        let mut params = base.clone();
        params.extend(point.clone());
        let params = Value::Object(params);
        let mut trial = Trial {
            index,
            point,
            params: params.clone(),
            value: None,
            metrics: Metrics::default(),
            fit_s: None,
            eval_s: None,
            error: None,
        };
        run_trial(make, &params, fit, validation, &eval_cfg, cfg, &mut trial);
        if let Some(v) = trial.value {
            if best.is_none_or(|(_, b)| cfg.objective.better(v, b)) {
                best = Some((index, v));
            }
        }
        on_trial(&trial);
        trials.push(trial);
    }
    let Some((best_trial, best_value)) = best else {
        let why = trials
            .iter()
            .find_map(|t| t.error.clone())
            .unwrap_or_else(|| "no trials".into());
        return Err(EvalError::Empty(format!(
            "no trial produced `{}` (first error: {why})",
            cfg.objective.metric
        )));
    };
    let b = &trials[best_trial];
    Ok(TuneReport {
        cinerec_version: env!("CARGO_PKG_VERSION").to_string(),
        model: model.to_string(),
        objective: cfg.objective.clone(),
        search: search.to_string(),
        seed: cfg.seed,
        space: space.raw.clone(),
        base_params: cfg.base_params.clone(),
        data: TuneData {
            name: fit.name.clone(),
            fit_hash: fit.hash().to_string(),
            n_users: fit.n_users(),
            n_items: fit.n_items(),
            n_fit: fit.n_ratings(),
            n_validation: validation.len(),
        },
        validation: cfg.validation.clone(),
        best_trial,
        best_value,
        best_point: b.point.clone(),
        best_params: b.params.clone(),
        total_s: start.elapsed().as_secs_f64(),
        trials,
    })
}

fn run_trial(
    make: &ModelFactory<'_>,
    params: &Value,
    fit: &Dataset,
    validation: &Interactions,
    eval_cfg: &EvalConfig,
    cfg: &TuneConfig,
    trial: &mut Trial,
) {
    let mut model = match make(params) {
        Ok(m) => m,
        Err(e) => {
            trial.error = Some(format!("parameters rejected: {e}"));
            return;
        }
    };
    trial.params = model.params();
    let t = Instant::now();
    if let Err(e) = model.fit(fit, &mut NoObserver) {
        trial.error = Some(format!("fit failed: {e}"));
        return;
    }
    trial.fit_s = Some(t.elapsed().as_secs_f64());
    let t = Instant::now();
    match crate::evaluate(model.as_ref(), fit, validation, eval_cfg) {
        Ok(r) => {
            trial.eval_s = Some(t.elapsed().as_secs_f64());
            trial.value = r
                .metrics
                .get(&cfg.objective.metric)
                .filter(|v| v.is_finite());
            if trial.value.is_none() {
                trial.error = Some(format!(
                    "metric `{}` not produced (a rating metric for a ranking-only model, or an \
                     unknown key; produced: {})",
                    cfg.objective.metric,
                    r.metrics.keys().collect::<Vec<_>>().join(", ")
                ));
            }
            trial.metrics = r.metrics;
        }
        Err(e) => trial.error = Some(format!("evaluation failed: {e}")),
    }
}

impl TuneReport {
    /// The report as pretty JSON.
    pub fn to_json(&self) -> Result<String> {
        Ok(serde_json::to_string_pretty(self)?)
    }

    /// Writes [`TuneReport::to_json`] atomically.
    pub fn write_json(&self, path: &Path) -> Result<()> {
        write_atomic(path, self.to_json()?.as_bytes())
    }

    /// Writes [`TuneReport::to_markdown`] atomically.
    pub fn write_markdown(&self, path: &Path) -> Result<()> {
        write_atomic(path, self.to_markdown().as_bytes())
    }

    /// Markdown: the chosen parameters, then one row per trial (best marked).
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let dir = match self.objective.direction {
            Direction::Minimize => "minimise",
            Direction::Maximize => "maximise",
        };
        let _ = writeln!(s, "# Hyper-parameter search: {}\n", self.model);
        let _ = writeln!(
            s,
            "{} search, {} trials, {dir} `{}` on {} validation ratings carved from the train \
             part of {} ({} ratings fitted); validation: `{}`.\n",
            self.search,
            self.trials.len(),
            self.objective.metric,
            self.data.n_validation,
            self.data.name,
            self.data.n_fit,
            self.validation
        );
        let _ = writeln!(
            s,
            "Best: trial {} with {} = {:.4}: `{}`\n",
            self.best_trial,
            self.objective.metric,
            self.best_value,
            Value::Object(self.best_point.clone())
        );
        let keys: Vec<String> = self
            .trials
            .first()
            .map(|t| t.point.keys().cloned().collect())
            .unwrap_or_default();
        let _ = write!(s, "| trial |");
        for k in &keys {
            let _ = write!(s, " {k} |");
        }
        let _ = writeln!(s, " {} | fit s | note |", self.objective.metric);
        let _ = writeln!(s, "|---|{}---:|---:|---|", "---|".repeat(keys.len()));
        for t in &self.trials {
            let _ = write!(s, "| {} |", t.index);
            for k in &keys {
                let _ = write!(
                    s,
                    " {} |",
                    t.point.get(k).map(Value::to_string).unwrap_or_default()
                );
            }
            let v = t.value.map(|v| format!("{v:.4}")).unwrap_or("-".into());
            let f = t.fit_s.map(|v| format!("{v:.3}")).unwrap_or("-".into());
            let note = if t.index == self.best_trial {
                "**best**".to_string()
            } else {
                t.error.clone().unwrap_or_default().replace('|', "/")
            };
            let _ = writeln!(s, " {v} | {f} | {note} |");
        }
        s
    }
}

#[cfg(test)]
#[path = "tune_tests.rs"]
mod tests;
