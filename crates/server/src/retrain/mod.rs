//! Guarded background retraining (`cinerec serve --retrain-after N` / `--retrain-every D`).
//!
//! **When.** A background task polls the live overlay's change counter (4 times a second, an
//! atomic load) and the timer; once `after` rating changes were posted since the last attempt,
//! or `every` has passed, it makes one attempt. Attempts never overlap: the task awaits each.
//!
//! **What.** The active model's algorithm with its parameters, or `model` (`auto` included)
//! with `params`. The fit runs on a dedicated thread at nice 19 inside a private rayon pool of
//! `threads` workers (models with a `threads` parameter get it too), so request handlers,
//! at normal priority, preempt it ([`guard::low_priority`]).
//!
//! **The guard.** The store's snapshot is read ([`crate::boot::snapshot`]); the held-back
//! slice is the newest ratings the active model has not seen ([`carve`]; `holdout` of them:
//! a share or a count). The candidate is fitted on the rest; both models are scored on the
//! same slice with `cinerec-eval`: RMSE when both predict ratings, else NDCG@10. The
//! candidate passes when it is not worse than the active model by more than `margin`
//! (relative). Fewer than [`guard::MIN_SLICE`] held-back ratings: the attempt is skipped.
//!
//! **Refit before activation.** An accepted candidate is refitted on the whole snapshot,
//! slice included, and that model is activated. The slice is the newest feedback — the
//! reason to retrain at all — and serving a model that never saw it would treat the slice's
//! ratings as known but unlearnt. The guard judged the configuration on the same data
//! minus the newest ratings; refitting the same configuration with more data is the usual
//! validate-then-refit step. The cost is a second fit, at the same low priority.
//!
//! **Activation.** Under the write gate, as `POST /models/{version}/activate` does: if the
//! active model changed while the candidate trained, the candidate is refused; else it is
//! registered, activated in the store and swapped in with [`crate::boot::rebase`], which
//! replays every live change into the new snapshot's overlay — ratings posted during the
//! fit are carried over. Reads never wait (the snapshot is an `ArcSwap`); writers wait only
//! for the swap itself, never for the fit.
//!
//! **Records.** Every trained candidate is registered (inactive unless activated) with
//! `trained_by: "retrain"` and the decision, both scores, the margin and the timings under
//! `retrain` in its metrics; a `retrain` run goes into the runs folder (`GET /runs`); the
//! latest decisions, skips and failures included, are in [`status::Status`]
//! (`GET /retrain`, the dashboard).

pub mod carve;
pub mod config;
pub mod guard;
pub mod status;

use cinerec_engine::TrainSpec;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::boot;
use crate::error::ServerError;
use crate::live::LiveRatings;
use crate::state::{AppState, LoadedModel, Serving};
use cinerec_core::Dataset;
use guard::Verdict;
use status::{Decision, Outcome};

/// How often the task looks at the change counter and the timer.
const POLL: Duration = Duration::from_millis(250);

/// Starts the retraining task when a trigger is configured (once per state; later calls do
/// nothing). Needs a Tokio runtime.
pub fn spawn(state: &AppState) {
    if !state.config().retrain.enabled() || state.retrain_started() {
        return;
    }
    // The count starts now, not when the task is first scheduled: changes posted in between
    // count toward the first attempt.
    let start = {
        let s = state.serving();
        (s.live.clone(), s.live.change_count())
    };
    let state = state.clone();
    tokio::spawn(async move { run(state, start).await });
}

fn now_unix() -> u64 {
    cinerec_engine::runs::now_unix()
}

/// The trigger loop; `start`: the overlay and its change count when the task was spawned.
async fn run(state: AppState, start: (Arc<LiveRatings>, u64)) {
    let cfg = state.config().retrain.clone();
    let every = cfg.interval();
    let mut next_due = every.map(|d| Instant::now() + d);
    let due_unix = |t: Option<Instant>| {
        t.map(|t| now_unix() + t.saturating_duration_since(Instant::now()).as_secs())
    };
    // The overlay last looked at (held, so its address cannot be reused) and its count then.
    let (mut live, mut seen) = start;
    let mut pending = 0u64;
    loop {
        tokio::time::sleep(POLL).await;
        {
            let s = state.serving();
            let count = s.live.change_count();
            // A swap by someone else replays old changes into a new overlay: not new ones.
            if Arc::ptr_eq(&s.live, &live) {
                pending += count.saturating_sub(seen);
            }
            (live, seen) = (s.live.clone(), count);
        }
        state
            .retrain_status()
            .set_pending(pending, due_unix(next_due));
        let by_count = cfg.after > 0 && pending >= cfg.after;
        let by_time = next_due.is_some_and(|t| Instant::now() >= t);
        if !(by_count || by_time) {
            continue;
        }
        let trigger = if by_count { "after" } else { "every" };
        pending = 0;
        let d = attempt(&state, trigger).await;
        tracing::info!(outcome = ?d.outcome, reason = %d.reason, version = ?d.version, "retrain");
        // Changes posted during the attempt count toward the next one: the next poll counts
        // them on the same overlay; after a swap they are the ones carried over.
        let s = state.serving();
        if !Arc::ptr_eq(&s.live, &live) {
            pending = d.carried_over;
            (live, seen) = (s.live.clone(), s.live.change_count());
        }
        next_due = every.map(|d| Instant::now() + d);
        state
            .retrain_status()
            .set_pending(pending, due_unix(next_due));
        state.retrain_status().push(d);
    }
}

/// What to train: `model` with `params`, else the active algorithm with its parameters.
fn spec_for(cfg: &config::RetrainConfig, active: &LoadedModel) -> TrainSpec {
    match &cfg.model {
        Some(m) if *m != active.algorithm => TrainSpec::new(m.clone(), cfg.params.clone()),
        _ => TrainSpec::new(
            active.algorithm.clone(),
            cfg.params.clone().or_else(|| Some(active.model.params())),
        ),
    }
}

/// One attempt, start to finish; never fails (a failure is a [`Outcome::Failed`] decision).
pub async fn attempt(state: &AppState, trigger: &str) -> Decision {
    let p = prepare(state, trigger).await;
    finish(state, p).await
}

/// An attempt judged but not yet applied (see [`prepare`]).
pub struct Prepared {
    started: Instant,
    decision: Decision,
    old: Arc<Serving>,
    count_at_start: u64,
    judged: Result<(Verdict, Arc<Dataset>), ServerError>,
}

/// The first half of an [`attempt`]: reads the snapshot, then carves, fits, scores and
/// decides on the low-priority thread. Nothing is registered or swapped yet; rating changes
/// posted until [`finish`] are what activation carries over.
pub async fn prepare(state: &AppState, trigger: &str) -> Prepared {
    let started = Instant::now();
    let cfg = state.config().retrain.clone();
    let old = state.serving_arc();
    let mut d = Decision {
        started_unix: now_unix(),
        outcome: Outcome::Failed,
        reason: String::new(),
        trigger: trigger.into(),
        algorithm: spec_for(&cfg, &old.active).algorithm,
        params: serde_json::Value::Null,
        version: None,
        active_version: old.active.version,
        metric: None,
        candidate_score: None,
        active_score: None,
        margin: cfg.margin,
        new_ratings: 0,
        holdout: 0,
        fit_seconds: None,
        eval_seconds: None,
        refit_seconds: None,
        total_seconds: 0.0,
        carried_over: 0,
    };
    state.retrain_status().set_running(Some(d.started_unix));
    let count_at_start = old.live.change_count();
    let judged = judge(state, &cfg, &old).await;
    if let Ok((Verdict::Skipped(reason, new), _)) = &judged {
        d.outcome = Outcome::Skipped;
        d.reason = reason.clone();
        d.new_ratings = *new;
    }
    if let Ok((Verdict::Judged(j), _)) = &judged {
        let (fit, eval, refit) = j.timings;
        d.algorithm = j.algorithm.clone();
        d.params = j.header.params.clone();
        d.metric = Some(j.metric.key().into());
        (d.candidate_score, d.active_score) = (Some(j.scores.0), Some(j.scores.1));
        (d.new_ratings, d.holdout) = (j.new_ratings, j.holdout);
        (d.fit_seconds, d.eval_seconds, d.refit_seconds) = (Some(fit), Some(eval), refit);
        d.outcome = if j.accepted {
            Outcome::Activated
        } else {
            Outcome::Refused
        };
        d.reason = j.reason.clone();
    }
    Prepared {
        started,
        decision: d,
        old,
        count_at_start,
        judged,
    }
}

/// The second half of an [`attempt`]: registers the candidate and, when it passed and the
/// active model did not change meanwhile, activates it and swaps it in; records the run.
pub async fn finish(state: &AppState, p: Prepared) -> Decision {
    let mut d = p.decision;
    let result = match p.judged {
        Ok((Verdict::Judged(j), snap)) => {
            let at = (p.started, p.count_at_start);
            apply(state, &p.old, *j, snap, &mut d, at).await
        }
        Ok((Verdict::Skipped(..), _)) => Ok(()),
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        d.outcome = Outcome::Failed;
        d.reason = e.to_string();
    }
    // After a swap the old overlay took no more writes: its count is what was carried over.
    let now = state.serving_arc();
    let live = if Arc::ptr_eq(&now.live, &p.old.live) {
        &now.live
    } else {
        &p.old.live
    };
    d.carried_over = live.change_count().saturating_sub(p.count_at_start);
    d.total_seconds = p.started.elapsed().as_secs_f64();
    state.retrain_status().set_running(None);
    if d.outcome != Outcome::Skipped {
        record_run(state, &d).await;
    }
    d
}

/// Reads the snapshot and runs [`guard::judge`] on the low-priority thread.
async fn judge(
    state: &AppState,
    cfg: &config::RetrainConfig,
    old: &Arc<Serving>,
) -> Result<(Verdict, Arc<Dataset>), ServerError> {
    let snap = boot::snapshot(state.store().as_ref()).await?;
    let job = guard::Job {
        spec: spec_for(cfg, &old.active),
        cfg: cfg.clone(),
        active: old.active.clone(),
        active_data: old.data.clone(),
        snap: snap.clone(),
        models_dir: state.config().models_dir.clone().into(),
    };
    let verdict = guard::low_priority(cfg.threads, move || guard::judge(job)).await??;
    Ok((verdict, snap))
}

/// Registers the judged candidate with the decision in its metrics and, when it passed and
/// the active model is still the one it was judged against, activates it and swaps it in.
/// `at`: when the attempt started and the live change count then.
async fn apply(
    state: &AppState,
    old: &Arc<Serving>,
    j: guard::Judged,
    snap: Arc<Dataset>,
    d: &mut Decision,
    at: (Instant, u64),
) -> Result<(), ServerError> {
    let store = state.store().clone();
    // The gate only for registering and swapping: writers wait for this, never for the fit.
    let _w = state.gate().write().await;
    let now = state.serving_arc();
    if j.accepted && now.active.version != old.active.version {
        d.outcome = Outcome::Refused;
        d.reason = format!(
            "the active model changed while the candidate trained (v{} → v{}); {}",
            old.active.version, now.active.version, j.reason
        );
    }
    let mut header = j.header;
    let mut metrics = match header.metrics.take() {
        Some(serde_json::Value::Object(m)) => m,
        _ => Default::default(),
    };
    metrics.insert("trained_by".into(), "retrain".into());
    metrics.insert("ratings".into(), snap.n_ratings().into());
    d.total_seconds = at.0.elapsed().as_secs_f64();
    if Arc::ptr_eq(&now.live, &old.live) {
        d.carried_over = now.live.change_count().saturating_sub(at.1);
    }
    metrics.insert("retrain".into(), guard::record(d));
    header.metrics = Some(serde_json::Value::Object(metrics));
    let rec = cinerec_engine::lifecycle::register(store.as_ref(), &header, &j.file).await?;
    d.version = Some(rec.version);
    if d.outcome == Outcome::Activated {
        store.activate_model(rec.version).await?;
        let fitted = cinerec_engine::lifecycle::Fitted::all_of(&snap);
        let model = LoadedModel::new(&rec, j.model, fitted);
        state.swap(boot::rebase(&now, snap, model));
    }
    Ok(())
}

/// Records a `retrain` run in the runs folder (`GET /runs`); a failure is only logged.
async fn record_run(state: &AppState, d: &Decision) {
    use cinerec_engine::runs::{DataRef, RunRecord, Runs};
    let mut rec = RunRecord::new(
        "retrain",
        &d.algorithm,
        d.params.clone(),
        DataRef {
            source: cinerec_store::redact_url(&state.config().store),
            name: state.serving().data.name.clone(),
            hash: state.serving().data.hash().to_string(),
        },
    );
    rec.started_unix = d.started_unix;
    rec.seconds = d.total_seconds;
    if let serde_json::Value::Object(m) = guard::record(d) {
        rec.metrics = m;
    }
    rec.note = Some(match d.version {
        Some(v) => format!("{:?} v{v}", d.outcome).to_lowercase(),
        None => format!("{:?}", d.outcome).to_lowercase(),
    });
    let runs = Runs::new(state.config().runs_dir.clone());
    match tokio::task::spawn_blocking(move || runs.record(rec)).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => tracing::warn!(error = %e, "could not record the retrain run"),
        Err(e) => tracing::warn!(error = %e, "could not record the retrain run"),
    }
}
