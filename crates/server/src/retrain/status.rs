//! What the retrainer is doing and what it decided: a [`Status`] shared between the
//! background task and `GET /retrain` (and the dashboard), holding the phase, the rating
//! changes counted toward the next attempt and the latest [`Decision`]s (the registry keeps
//! every candidate with the same figures in its metrics for good).

use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Mutex;
use utoipa::ToSchema;

/// Decisions kept in memory for the API (newest first).
pub const KEEP: usize = 50;

/// What an attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The candidate passed the guard and now serves.
    Activated,
    /// The candidate was worse than the active model by more than the margin (or the active
    /// model changed while it trained); it is registered, inactive.
    Refused,
    /// Nothing was trained (too few new ratings to judge a candidate).
    Skipped,
    /// Training, evaluation or registration failed; the active model stays.
    Failed,
}

/// One retraining attempt.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Decision {
    /// When the attempt started (seconds since the Unix epoch).
    pub started_unix: u64,
    /// What it came to.
    pub outcome: Outcome,
    /// Why, in words.
    pub reason: String,
    /// What started it: `after` (rating count) or `every` (timer).
    pub trigger: String,
    /// Algorithm of the candidate.
    pub algorithm: String,
    /// Its parameters as the model reports them (null when nothing was trained).
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
    /// Registry version of the candidate (none when skipped or failed before registration).
    pub version: Option<i64>,
    /// Registry version that was active when training started.
    pub active_version: i64,
    /// The metric compared: `rmse` (lower is better) or `ndcg@10` (higher is better).
    pub metric: Option<String>,
    /// The candidate's score on the held-back slice.
    pub candidate_score: Option<f64>,
    /// The active model's score on the same slice.
    pub active_score: Option<f64>,
    /// Relative tolerance applied.
    pub margin: f64,
    /// Ratings the active model had not seen (the slice is carved from them).
    pub new_ratings: usize,
    /// Ratings in the held-back slice.
    pub holdout: usize,
    /// Seconds to fit the candidate on the snapshot without the slice.
    pub fit_seconds: Option<f64>,
    /// Seconds to score both models on the slice.
    pub eval_seconds: Option<f64>,
    /// Seconds to refit the accepted candidate on the whole snapshot.
    pub refit_seconds: Option<f64>,
    /// Wall-clock seconds of the whole attempt.
    pub total_seconds: f64,
    /// Rating changes posted while it ran, carried over into the new snapshot's live overlay
    /// on activation.
    pub carried_over: u64,
}

/// The retrainer's state (one per server).
#[derive(Debug, Default)]
pub struct Status {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default, Clone)]
struct Inner {
    running_since: Option<u64>,
    pending: u64,
    next_due_unix: Option<u64>,
    decisions: VecDeque<Decision>,
}

/// A copy of [`Status`] at one moment.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Start of the attempt in progress (seconds since the Unix epoch).
    pub running_since: Option<u64>,
    /// Rating changes counted toward the next `after` trigger.
    pub pending: u64,
    /// When the `every` timer fires next.
    pub next_due_unix: Option<u64>,
    /// Latest decisions, newest first.
    pub decisions: Vec<Decision>,
}

impl Status {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }

    /// Marks an attempt as started (`Some(unix)`) or finished (`None`).
    pub fn set_running(&self, since: Option<u64>) {
        self.with(|s| s.running_since = since);
    }

    /// Sets the count toward the `after` trigger and the timer's next firing.
    pub fn set_pending(&self, pending: u64, next_due_unix: Option<u64>) {
        self.with(|s| {
            s.pending = pending;
            s.next_due_unix = next_due_unix;
        });
    }

    /// Records a decision (the oldest beyond [`KEEP`] are forgotten here, not in the registry).
    pub fn push(&self, d: Decision) {
        self.with(|s| {
            s.decisions.push_front(d);
            s.decisions.truncate(KEEP);
        });
    }

    /// The state now.
    pub fn snapshot(&self) -> Snapshot {
        self.with(|s| Snapshot {
            running_since: s.running_since,
            pending: s.pending,
            next_due_unix: s.next_due_unix,
            decisions: s.decisions.iter().cloned().collect(),
        })
    }
}
