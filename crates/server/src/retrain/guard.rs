//! The guard's blocking half, run on one low-priority thread with a private thread pool:
//! carve the held-back slice ([`super::carve`]), fit the candidate on the rest, score
//! candidate and active model on the slice with `cinerec-eval`'s metrics, decide, and (when
//! accepted) refit the candidate on the whole snapshot; then save the model file. The async
//! half — registering, activating, recording — is in [`super`].

use cinerec_core::{Dataset, Interactions, Recommender};
use cinerec_engine::{lifecycle, train, ModelHeader, TrainSpec, Trained};
use cinerec_eval::EvalConfig;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use super::carve::carve;
use super::config::RetrainConfig;
use crate::error::ServerError;
use crate::state::LoadedModel;

/// Fewest held-back ratings a decision is taken on; with fewer the attempt is skipped.
pub const MIN_SLICE: usize = 5;

/// The score compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// RMSE of rating predictions (lower is better): when both models predict ratings.
    Rmse,
    /// NDCG@10 of the slice's movies (higher is better): when either ranks only.
    Ndcg,
}

impl Metric {
    /// The metric's key in an evaluation report.
    pub fn key(self) -> &'static str {
        match self {
            Metric::Rmse => "rmse",
            Metric::Ndcg => "ndcg@10",
        }
    }

    /// Whether `candidate` is not worse than `active` by more than `margin` (relative);
    /// a score that is not a number is worse.
    pub fn not_worse(self, candidate: f64, active: f64, margin: f64) -> bool {
        match self {
            Metric::Rmse => candidate <= active * (1.0 + margin),
            Metric::Ndcg => candidate >= active * (1.0 - margin),
        }
    }
}

/// Everything the blocking half needs.
pub struct Job {
    /// What to train.
    pub spec: TrainSpec,
    /// The retraining settings (threads, margin, holdout).
    pub cfg: RetrainConfig,
    /// The active model when the attempt started.
    pub active: Arc<LoadedModel>,
    /// The data it serves with.
    pub active_data: Arc<Dataset>,
    /// The store's snapshot now.
    pub snap: Arc<Dataset>,
    /// Folder for the model file.
    pub models_dir: PathBuf,
}

/// What the blocking half decided and produced.
pub struct Judged {
    /// The algorithm trained.
    pub algorithm: String,
    /// Ratings the active model had not seen.
    pub new_ratings: usize,
    /// Ratings held back.
    pub holdout: usize,
    /// The metric compared.
    pub metric: Metric,
    /// Candidate and active scores.
    pub scores: (f64, f64),
    /// Whether the candidate passed.
    pub accepted: bool,
    /// The decision in words.
    pub reason: String,
    /// Fit, evaluation and refit seconds.
    pub timings: (f64, f64, Option<f64>),
    /// The model to register: refitted on the whole snapshot when accepted, else the
    /// candidate as fitted without the slice.
    pub model: Box<dyn Recommender>,
    /// Its saved file and header.
    pub file: PathBuf,
    /// The saved header (its metrics are completed before registration).
    pub header: ModelHeader,
}

/// The blocking half's answer: a decision, or why nothing was trained.
pub enum Verdict {
    /// A candidate was trained and judged.
    Judged(Box<Judged>),
    /// Nothing to judge: the reason and the count of new ratings.
    Skipped(String, usize),
}

/// `spec` with its `threads` parameter set to `threads` when the model has one.
fn with_threads(spec: &TrainSpec, threads: usize) -> Result<TrainSpec, ServerError> {
    let defaults = spec.create()?.params();
    if defaults.get("threads").is_none() {
        return Ok(spec.clone());
    }
    let mut params = spec.params.clone().unwrap_or_else(|| json!({}));
    if let Some(o) = params.as_object_mut() {
        o.insert("threads".into(), threads.into());
    }
    Ok(TrainSpec::new(spec.algorithm.clone(), Some(params)))
}

/// Scores a fitted model on `test` (train: what counts as already rated).
fn score(
    model: &dyn Recommender,
    train: &Dataset,
    test: &Interactions,
    metric: Metric,
    workers: usize,
) -> Result<f64, ServerError> {
    let cfg = EvalConfig {
        rating: metric == Metric::Rmse,
        ranking: metric == Metric::Ndcg,
        k: 10,
        workers,
        ..Default::default()
    };
    let report = cinerec_eval::evaluate(model, train, test, &cfg)
        .map_err(cinerec_engine::EngineError::from)?;
    Ok(report.metrics.get(metric.key()).unwrap_or(f64::NAN))
}

/// Runs the blocking half (call it on the low-priority thread).
pub fn judge(job: Job) -> Result<Verdict, ServerError> {
    let spec = with_threads(&job.spec, job.cfg.threads)?;
    let c = carve(&job.active_data, &job.snap, |n| job.cfg.slice_size(n));
    if c.slice.len() < MIN_SLICE {
        return Ok(Verdict::Skipped(
            format!(
                "{} new rating(s) the active model has not seen give a held-back slice of {}; at least {MIN_SLICE} are needed",
                c.new_ratings,
                c.slice.len()
            ),
            c.new_ratings,
        ));
    }
    let t = Instant::now();
    let cand = train::train(&spec, &c.rest, &mut cinerec_core::NoObserver)?;
    let fit_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let active = job.active.model.as_ref();
    let both_rate = cinerec_eval::predicts_ratings(cand.model.as_ref(), &c.rest)
        && cinerec_eval::predicts_ratings(active, &c.active_rest);
    let metric = if both_rate {
        Metric::Rmse
    } else {
        Metric::Ndcg
    };
    let workers = job.cfg.threads;
    let cs = score(cand.model.as_ref(), &c.rest, &c.slice, metric, workers)?;
    let act = score(active, &c.active_rest, &c.active_slice, metric, workers)?;
    let eval_s = t.elapsed().as_secs_f64();
    let accepted = metric.not_worse(cs, act, job.cfg.margin);
    let key = metric.key();
    let margin = job.cfg.margin;
    let reason = match (accepted, metric) {
        (true, _) => format!("candidate {key} {cs:.4} is not worse than the active model's {act:.4} (margin {margin})"),
        (false, Metric::Rmse) => format!("candidate {key} {cs:.4} is above the active model's {act:.4} × (1 + {margin})"),
        (false, Metric::Ndcg) => format!("candidate {key} {cs:.4} is below the active model's {act:.4} × (1 − {margin})"),
    };
    // Accepted: refit on everything, so the newest ratings (the slice) are in the model
    // that serves (see the module docs of `retrain`).
    let (trained, data, refit_s): (Trained, &Dataset, Option<f64>) = if accepted {
        let t = Instant::now();
        let full = train::train(&spec, &job.snap, &mut cinerec_core::NoObserver)?;
        (full, job.snap.as_ref(), Some(t.elapsed().as_secs_f64()))
    } else {
        (cand, &c.rest, None)
    };
    let file = lifecycle::versioned_model_path(&job.models_dir, &job.snap, &spec.algorithm);
    let header = lifecycle::save(&trained, data, &file)?;
    Ok(Verdict::Judged(Box::new(Judged {
        algorithm: spec.algorithm,
        new_ratings: c.new_ratings,
        holdout: c.slice.len(),
        metric,
        scores: (cs, act),
        accepted,
        reason,
        timings: (fit_s, eval_s, refit_s),
        model: trained.model,
        file,
        header,
    })))
}

/// Runs `f` on a new thread at the lowest nice level, inside a private rayon pool of
/// `threads` workers (also niced), and awaits its result without blocking the runtime.
pub async fn low_priority<T: Send + 'static>(
    threads: usize,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ServerError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("cinerec-retrain".into())
        .spawn(move || {
            lower_priority();
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|i| format!("cinerec-retrain-{i}"))
                .start_handler(|_| lower_priority())
                .build();
            let out = match pool {
                Ok(p) => Ok(p.install(f)),
                Err(e) => Err(format!("thread pool: {e}")),
            };
            let _ = tx.send(out);
        })
        .map_err(|e| ServerError::Internal(format!("could not start the retrain thread: {e}")))?;
    rx.await
        .map_err(|_| ServerError::Internal("the retrain thread ended early (panic)".into()))?
        .map_err(ServerError::Internal)
}

/// Gives the calling thread the lowest CPU priority (nice 19) on Linux; threads it starts
/// inherit it. Elsewhere it keeps its priority.
pub fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain syscalls on the calling thread (its kernel thread id) with valid
        // arguments; a failure leaves the priority as it was.
        let rc = unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, 19)
        };
        if rc != 0 {
            tracing::debug!("could not lower the retrain thread's priority");
        }
    }
}

/// The retraining figures recorded under `retrain` in the registry's metrics and as a run's
/// metrics (the version and the parameters are recorded beside them already).
pub fn record(decision: &super::status::Decision) -> Value {
    let mut v = serde_json::to_value(decision).unwrap_or_else(|_| json!({}));
    if let Some(o) = v.as_object_mut() {
        o.remove("version");
        o.remove("params");
    }
    v
}
