//! Training as a service: build a model from its registry name and parameters, fit it with
//! progress, time it and keep its per-epoch losses, and (optionally) evaluate the same
//! configuration on the peers' temporal hold-out first. The figures end up in the model
//! file's header and the registry ([`Trained::metrics`]).

use crate::error::Result;
use crate::registry;
use cinerec_core::{Dataset, EpochReport, FitObserver, Keep, Recommender};
use cinerec_data::split::{split, SplitSpec};
use cinerec_eval::{EvalConfig, Report};
use serde_json::{Map, Value};
use std::time::Instant;

/// What to train: a registry name and its parameters (`None` = defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct TrainSpec {
    /// Registry name of the algorithm.
    pub algorithm: String,
    /// Hyper-parameters as JSON.
    pub params: Option<Value>,
}

impl TrainSpec {
    /// `algorithm` with `params`.
    pub fn new(algorithm: impl Into<String>, params: Option<Value>) -> Self {
        TrainSpec {
            algorithm: algorithm.into(),
            params,
        }
    }

    /// An unfitted model of this specification.
    pub fn create(&self) -> Result<Box<dyn Recommender>> {
        Ok(registry::create(&self.algorithm, self.params.as_ref())?)
    }
}

/// A fitted model and what its fit recorded.
pub struct Trained {
    /// Registry name of the algorithm.
    pub algorithm: String,
    /// The fitted model.
    pub model: Box<dyn Recommender>,
    /// Figures to record: `fit_seconds`, `epochs` (per-epoch losses, when reported) and
    /// whatever the caller adds (evaluation figures, who trained it).
    pub metrics: Map<String, Value>,
    /// The per-epoch reports of the fit.
    pub history: Vec<EpochReport>,
    /// Wall-clock fit time.
    pub fit_seconds: f64,
}

impl std::fmt::Debug for Trained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trained")
            .field("algorithm", &self.algorithm)
            .field("fit_seconds", &self.fit_seconds)
            .finish()
    }
}

/// Passes progress on and keeps every epoch report.
struct Recorder<'a> {
    inner: &'a mut dyn FitObserver,
    history: Vec<EpochReport>,
}

impl FitObserver for Recorder<'_> {
    fn on_epoch(&mut self, report: &EpochReport) {
        self.history.push(report.clone());
        self.inner.on_epoch(report);
    }
    fn on_progress(&mut self, done: u64, total: u64) {
        self.inner.on_progress(done, total);
    }
    fn on_batch(&mut self, epoch: usize, done: u64, total: u64, running_loss: f64) {
        self.inner.on_batch(epoch, done, total, running_loss);
    }
}

/// Fits `spec` on `data`.
pub fn train(spec: &TrainSpec, data: &Dataset, observer: &mut dyn FitObserver) -> Result<Trained> {
    fit_model(spec.create()?, data, observer)
}

/// Fits an unfitted `model` (built from a [`TrainSpec`], e.g. to ask its
/// [`Recommender::data_needs`] before loading the data) on `data`.
pub fn fit_model(
    mut model: Box<dyn Recommender>,
    data: &Dataset,
    observer: &mut dyn FitObserver,
) -> Result<Trained> {
    let mut rec = Recorder {
        inner: observer,
        history: Vec::new(),
    };
    let t = Instant::now();
    model.fit(data, &mut rec)?;
    let fit_seconds = t.elapsed().as_secs_f64();
    let mut metrics = Map::new();
    metrics.insert("fit_seconds".into(), fit_seconds.into());
    if let Some(report) = model.fit_report() {
        metrics.insert("search".into(), report);
    }
    if !rec.history.is_empty() {
        metrics.insert(
            "epochs".into(),
            serde_json::to_value(&rec.history).unwrap_or_default(),
        );
    }
    Ok(Trained {
        algorithm: model.name().to_string(),
        model,
        metrics,
        history: rec.history,
        fit_seconds,
    })
}

/// The data a fit of `spec` reads: only what the model needs, or everything when the caller
/// also evaluates on a temporal split (which needs the timestamps).
pub fn data_needs(model: &dyn Recommender, evaluate_first: bool) -> Keep {
    if evaluate_first {
        Keep::ALL
    } else {
        model.data_needs()
    }
}

/// Fits `spec` on the train part of the peers' temporal split of `data` and evaluates it on
/// the test part (the figures `cinerec train --eval` records).
pub fn evaluate_holdout(
    spec: &TrainSpec,
    data: &Dataset,
    observer: &mut dyn FitObserver,
) -> Result<Report> {
    let s = split(data, &SplitSpec::peer_temporal())?;
    let mut m = spec.create()?;
    m.fit(&s.train, observer)?;
    Ok(cinerec_eval::evaluate(
        m.as_ref(),
        &s.train,
        &s.test,
        &holdout_config(),
    )?)
}

/// The evaluation of [`evaluate_holdout`]: the peers' temporal split, default metrics.
pub fn holdout_config() -> EvalConfig {
    EvalConfig {
        split: serde_json::to_value(SplitSpec::peer_temporal()).unwrap_or_default(),
        ..Default::default()
    }
}

/// Adds an evaluation report's figures (flat keys such as `ndcg@10`) and its split to
/// `metrics`.
pub fn record_eval(metrics: &mut Map<String, Value>, report: &Report) {
    for (k, v) in report.metrics.iter() {
        metrics.insert(k.to_string(), v.clone());
    }
    metrics.insert("eval_split".into(), report.split.clone());
}
