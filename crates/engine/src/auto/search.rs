//! `auto`'s model selection: successive halving over [`super::space`] on validation carves of
//! the training data only (random for ratings, each user's most recent ratings for ranking
//! when the data has timestamps), inside a time budget.
//!
//! Rung 0 fits the configurations of each model family on half of the fit ratings and
//! promotes the family's best; rung 1 fits every family's promoted configuration on all of
//! them. Then the rating survivors' validation predictions are stacked
//! ([`super::stack`]) and the blend is chosen when its cross-validated RMSE beats the best
//! single model. Plans use the candidates' prior costs, never the clock, so one dataset and
//! seed always give the same choice; the measured times are recorded beside them.

use super::blend::{predict_rows, Component};
use super::space::{candidates, Candidate, Task};
use cinerec_core::{CoreError, Dataset, FitObserver, NoObserver, Result, Rng};
use cinerec_data::split::{carve_validation, RngKind, SplitSpec};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::time::Instant;

/// Share of the fit ratings rung 0 trains on.
const RUNG0_FRACTION: f64 = 0.5;
/// A family whose configurations all fit in this share of the remaining search budget skips
/// rung 0: every configuration is judged on the whole fit set.
const AFFORD_ALL: f64 = 0.25;
/// Share of the budget the search may plan for (the rest is for the final fits).
const SEARCH_SHARE: f64 = 0.6;
/// Share of the search budget for the rating task (more families, and the blend); the
/// ranking task has the rest. Fixed shares keep each task's choice independent of what the
/// other task's candidates cost.
const RATING_SHARE: f64 = 0.6;

/// One line of the search table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    /// Task it competed in.
    pub task: Task,
    /// Model and parameters.
    pub model: String,
    /// Parameters (`null` = defaults).
    pub params: Value,
    /// Rung (0: half of the fit data, 1: all of it; 2: the blend).
    pub rung: usize,
    /// Predicted fit seconds (what the plan used).
    pub predicted_s: f64,
    /// Measured fit seconds.
    pub fit_s: Option<f64>,
    /// Validation RMSE (rating) or NDCG@10 (ranking).
    pub value: Option<f64>,
    /// `promoted`, `dropped`, `chosen`, `skipped: …` or `failed: …`.
    pub status: String,
}

/// What the search chose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// The rating model (possibly a `blend` with its weights).
    pub rating: Option<Component>,
    /// Its validation RMSE.
    pub rating_rmse: Option<f64>,
    /// The ranking model.
    pub ranking: Option<Component>,
    /// Its validation NDCG@10.
    pub ranking_ndcg: Option<f64>,
    /// The budget in seconds.
    pub budget_s: f64,
    /// Seconds the search took (the final fits not included).
    pub search_s: f64,
    /// Every trial.
    pub trials: Vec<Trial>,
}

/// The default budget for `data`: 60 s per 100,000 ratings, at least 5 s.
pub fn default_budget(data: &Dataset) -> f64 {
    (60.0 * data.n_ratings() as f64 / 1e5).max(5.0)
}

struct Carve {
    fit: Dataset,
    /// Rung 0's share of `fit`, built the first time a family needs it.
    half: std::cell::OnceCell<Dataset>,
    seed: u64,
    validation: cinerec_core::Interactions,
}

impl Carve {
    /// A random [`RUNG0_FRACTION`] of the fit ratings (same movies and users).
    fn half(&self) -> &Dataset {
        self.half.get_or_init(|| {
            let n = self.fit.n_ratings();
            let all = self.fit.matrix().to_interactions();
            let mut pos: Vec<usize> = (0..all.len()).collect();
            Rng::new(self.seed ^ 0x5eed).shuffle(&mut pos);
            pos.truncate(((n as f64 * RUNG0_FRACTION).ceil() as usize).max(1).min(n));
            pos.sort_unstable();
            self.fit
                .with_ratings(format!("{}:half", self.fit.name), all.select(&pos))
        })
    }
}

fn carve(data: &Dataset, spec: SplitSpec, seed: u64) -> Result<Carve> {
    let c = carve_validation(data, &spec).map_err(|e| CoreError::Training(e.to_string()))?;
    Ok(Carve {
        fit: c.fit,
        half: std::cell::OnceCell::new(),
        seed,
        validation: c.validation,
    })
}

/// Whether the ratings carry timestamps that order them (not all equal).
fn has_time(data: &Dataset) -> bool {
    let m = data.matrix();
    if !m.has_times() {
        return false;
    }
    let mut first = None;
    for u in data.active_users() {
        for &t in m.user_times(u) {
            match first {
                None => first = Some(t),
                Some(f) if f != t => return true,
                Some(_) => {}
            }
        }
    }
    false
}

/// Runs the search on `data` within `budget` seconds.
pub fn search(
    data: &Dataset,
    budget: f64,
    seed: u64,
    validation: f64,
    obs: &mut dyn FitObserver,
) -> Result<Outcome> {
    let t0 = Instant::now();
    let random = SplitSpec::Random {
        test_ratio: validation,
        seed,
        rng: RngKind::Cinerec,
    };
    let rating_carve = carve(data, random.clone(), seed)?;
    let ranking_carve = if has_time(data) {
        let spec = SplitSpec::Temporal {
            test_ratio: validation,
            min_user_ratings: 0,
        };
        carve(data, spec, seed)?
    } else {
        carve(data, random, seed)?
    };
    let mut s = State {
        left: 0.0,
        trials: Vec::new(),
        done: 0,
        total: 0,
    };
    let all = candidates(data);
    s.total = all.len() as u64 * 2;
    let rating: Vec<&Candidate> = all.iter().filter(|c| c.task == Task::Rating).collect();
    let ranking: Vec<&Candidate> = all.iter().filter(|c| c.task == Task::Ranking).collect();
    s.left = budget * SEARCH_SHARE * RATING_SHARE;
    let rated = s.halve(&rating, &rating_carve, obs);
    s.left = budget * SEARCH_SHARE * (1.0 - RATING_SHARE);
    let ranked = s.halve(&ranking, &ranking_carve, obs);

    let mut out = Outcome {
        rating: None,
        rating_rmse: None,
        ranking: None,
        ranking_ndcg: None,
        budget_s: budget,
        search_s: 0.0,
        trials: Vec::new(),
    };
    if let Some((c, v, _)) = ranked.first() {
        (out.ranking, out.ranking_ndcg) = (Some(c.component.clone()), Some(*v));
        s.mark(c, 1, "chosen");
    }
    if let Some((c, v, _)) = rated.first() {
        (out.rating, out.rating_rmse) = (Some(c.component.clone()), Some(*v));
        match blend(&rated, &rating_carve) {
            Some((b, cv)) if cv < *v => {
                s.trials.push(Trial {
                    task: Task::Rating,
                    model: b.model.clone(),
                    params: b.params.clone(),
                    rung: 2,
                    predicted_s: 0.0,
                    fit_s: None,
                    value: Some(cv),
                    status: "chosen".into(),
                });
                let parts: Vec<Component> =
                    serde_json::from_value(b.params["components"].clone()).unwrap_or_default();
                for t in s
                    .trials
                    .iter_mut()
                    .filter(|t| t.rung == 1 && t.task == Task::Rating)
                {
                    if parts
                        .iter()
                        .any(|p| p.model == t.model && p.params == t.params)
                    {
                        t.status = "blended".into();
                    }
                }
                (out.rating, out.rating_rmse) = (Some(b), Some(cv));
            }
            _ => s.mark(c, 1, "chosen"),
        }
    }
    out.trials = s.trials;
    out.search_s = t0.elapsed().as_secs_f64();
    Ok(out)
}

/// One scored survivor: the candidate, its validation value, its validation predictions
/// (rating only).
type Scored<'a> = (&'a Candidate, f64, Vec<f32>);

struct State {
    /// Seconds left of the current task's share.
    left: f64,
    trials: Vec<Trial>,
    done: u64,
    total: u64,
}

impl State {
    /// Rung 0 on half of the fit ratings for every model family with several
    /// configurations that are too dear to fit all on the whole set, and whose halving
    /// saves time (EASE's and AutoRec's dense work does not shrink with the ratings): only
    /// the family's best configuration goes on (halving within a family never judges a
    /// data-hungry model, e.g. AutoRec or item-KNN, against a cheap one on little data).
    /// Rung 1: every family's configuration on the whole fit set. Returns the rung-1
    /// results, best first.
    fn halve<'a>(
        &mut self,
        cands: &[&'a Candidate],
        carve: &Carve,
        obs: &mut dyn FitObserver,
    ) -> Vec<Scored<'a>> {
        let mut families: Vec<&str> = Vec::new();
        for c in cands {
            if !families.contains(&c.component.model.as_str()) {
                families.push(&c.component.model);
            }
        }
        let mut pool: Vec<&Candidate> = Vec::new();
        for f in families {
            let configs: Vec<&Candidate> = cands
                .iter()
                .copied()
                .filter(|c| c.component.model == f)
                .collect();
            let full: Vec<f64> = configs.iter().map(|c| c.cost(&carve.fit)).collect();
            let all_full: f64 = full.iter().sum();
            let affordable = all_full <= AFFORD_ALL * self.left;
            // Halving costs rung 0 on half the data plus the winner on all of it.
            let saves = || {
                let f = &carve.fit;
                let r = f.n_ratings() as f64 * RUNG0_FRACTION;
                let half: f64 = configs
                    .iter()
                    .map(|c| c.cost_at(r, f.n_users(), f.n_items()))
                    .sum();
                half + full.iter().copied().fold(0.0, f64::max) < all_full
            };
            if configs.len() == 1 || affordable || !saves() {
                pool.extend(configs);
                continue;
            }
            let r0 = self.rung(&configs, carve.half(), &carve.validation, 0, obs);
            for (k, (c, _, _)) in r0.iter().enumerate() {
                self.mark(c, 0, if k == 0 { "promoted" } else { "dropped" });
            }
            pool.extend(r0.first().map(|r| r.0));
        }
        let r1 = self.rung(&pool, &carve.fit, &carve.validation, 1, obs);
        r1.iter().for_each(|(c, _, _)| self.mark(c, 1, "evaluated"));
        r1
    }

    fn rung<'a>(
        &mut self,
        cands: &[&'a Candidate],
        fit: &Dataset,
        val: &cinerec_core::Interactions,
        rung: usize,
        obs: &mut dyn FitObserver,
    ) -> Vec<Scored<'a>> {
        let mut scored = Vec::new();
        for c in cands {
            let predicted = c.cost(fit);
            let mut trial = Trial {
                task: c.task,
                model: c.component.model.clone(),
                params: c.component.params.clone(),
                rung,
                predicted_s: predicted,
                fit_s: None,
                value: None,
                status: String::new(),
            };
            if predicted > self.left {
                trial.status = format!(
                    "skipped: {predicted:.1} s predicted, {:.1} s left",
                    self.left
                );
                self.trials.push(trial);
                continue;
            }
            self.left -= predicted;
            let t = Instant::now();
            match score(c, fit, val) {
                Ok((v, preds)) => {
                    trial.value = Some(v);
                    scored.push((*c, v, preds));
                }
                Err(e) => trial.status = format!("failed: {e}"),
            }
            trial.fit_s = Some(t.elapsed().as_secs_f64());
            self.trials.push(trial);
            self.done += 1;
            obs.on_progress(self.done.min(self.total), self.total);
        }
        let lower_better = cands
            .first()
            .map(|c| c.task == Task::Rating)
            .unwrap_or(true);
        scored.sort_by(|a, b| {
            let o = a.1.total_cmp(&b.1);
            if lower_better {
                o
            } else {
                o.reverse()
            }
        });
        scored
    }

    /// Sets the status of `c`'s trial at `rung`.
    fn mark(&mut self, c: &Candidate, rung: usize, status: &str) {
        if let Some(t) = self.trials.iter_mut().rev().find(|t| {
            t.rung == rung
                && t.model == c.component.model
                && t.params == c.component.params
                && t.task == c.task
        }) {
            t.status = status.into();
        }
    }
}

/// Fits `c` on `fit` and scores it on `val`: RMSE with the predictions, or NDCG@10.
fn score(
    c: &Candidate,
    fit: &Dataset,
    val: &cinerec_core::Interactions,
) -> Result<(f64, Vec<f32>)> {
    let mut m = c.component.create()?;
    m.fit(fit, &mut NoObserver)?;
    match c.task {
        Task::Rating => {
            let p = predict_rows(m.as_ref(), fit, val)?;
            Ok((super::stack::rmse(&p, &val.values), p))
        }
        Task::Ranking => {
            let r = cinerec_eval::ranking_metrics(
                m.as_ref(),
                fit,
                val,
                10,
                cinerec_eval::DEFAULT_WORKERS,
            )
            .map_err(|e| CoreError::Training(e.to_string()))?;
            Ok((r.ndcg, Vec::new()))
        }
    }
}

/// The stacked blend of the best configuration of each rating model family among the
/// survivors, with its cross-validated RMSE; `None` with fewer than two families.
fn blend(rated: &[Scored<'_>], carve: &Carve) -> Option<(Component, f64)> {
    let mut picked: Vec<&Scored<'_>> = Vec::new();
    for r in rated {
        if !picked
            .iter()
            .any(|p| p.0.component.model == r.0.component.model)
        {
            picked.push(r);
        }
    }
    if picked.len() < 2 {
        return None;
    }
    let preds: Vec<Vec<f32>> = picked.iter().map(|p| p.2.clone()).collect();
    let w = super::blend::learn_weights(&carve.fit, &carve.validation, &preds, None)?;
    let components: Vec<Component> = picked.iter().map(|p| p.0.component.clone()).collect();
    let params = json!({
        "components": components,
        "weights": w.weights,
        "ridge": w.ridge,
        "base": w.base,
        "support_range": w.support_range,
    });
    Some((Component::new("blend", params), w.cv_rmse))
}
