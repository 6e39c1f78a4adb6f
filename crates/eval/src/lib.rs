//! # cinerec-eval
//!
//! Evaluation of cinerec models, with the metric definitions of the peer scripts
//! (`peers/common.py`, Surprise, TensorFlow Recommenders, LightFM):
//! - [`rating`]: RMSE / MAE with counted impossible predictions;
//! - [`ranking`]: P/R/NDCG/HR/MAP/MRR@K, coverage, genre diversity, novelty (parallel);
//! - [`factorized`]: factorized top-K accuracy, precision@K in- and out-of-sample;
//! - [`report`]: the [`Report`] (JSON / Markdown / terminal table, side-by-side comparison);
//! - [`curves`]: per-epoch train / validation loss curves as an SVG picture;
//! - [`tune`]: grid / random hyper-parameter search on a validation split ([`tune::tune`]);
//! - this module: [`EvalConfig`] and [`evaluate`], which run what the config asks.

pub mod curves;
pub mod error;
pub mod factorized;
pub mod parallel;
pub mod ranking;
pub mod rating;
pub mod report;
pub mod tune;

#[cfg(test)]
mod tests;

pub use error::{EvalError, Result};
pub use factorized::{
    factorized_ranks, factorized_top_k, precision_in_sample, precision_out_of_sample,
    FactorizedAccuracy, UserRanks, FACTORIZED_KS,
};
pub use parallel::DEFAULT_WORKERS;
pub use ranking::{metrics_from_lists, ranking_metrics, relevant_sets, top_lists, RankingMetrics};
pub use rating::{rating_metrics, RatingMetrics};
pub use report::{
    comparison_markdown, write_atomic, DatasetInfo, Metrics, ModelInfo, Report, Timings,
};

use cinerec_core::{Dataset, Interactions, Recommender};
use std::time::Instant;

/// What [`evaluate`] computes and how the report is labelled.
#[derive(Debug, Clone)]
pub struct EvalConfig {
    /// RMSE / MAE (`rmse`, `mae`, `n_test`, `n_impossible`).
    pub rating: bool,
    /// Clip rating estimates to the train rating scale (Surprise default).
    pub clip_predictions: bool,
    /// Ranking metrics at [`EvalConfig::k`] (`precision@K` … `novelty@K`, `n_users`, …).
    pub ranking: bool,
    /// Ranking cut-off (default 10).
    pub k: usize,
    /// Factorized top-K accuracy (`top{K}_accuracy`).
    pub factorized: bool,
    /// Cut-offs of the factorized accuracy (default 1, 5, 10, 50, 100).
    pub factorized_ks: Vec<usize>,
    /// `precision@K_in_sample` (on train) and `precision@K_out_of_sample` (train = given,
    /// test = hidden).
    pub sample_precision: bool,
    /// Worker threads for per-user work (default 2).
    pub workers: usize,
    /// Split description recorded in the report.
    pub split: serde_json::Value,
    /// Seed recorded in the report.
    pub seed: Option<u64>,
    /// Fit time to record when the caller fitted the model itself.
    pub fit_seconds: Option<f64>,
}

impl Default for EvalConfig {
    fn default() -> Self {
        EvalConfig {
            rating: true,
            clip_predictions: true,
            ranking: true,
            k: 10,
            factorized: false,
            factorized_ks: FACTORIZED_KS.to_vec(),
            sample_precision: false,
            workers: DEFAULT_WORKERS,
            split: serde_json::Value::Null,
            seed: None,
            fit_seconds: None,
        }
    }
}

/// Evaluates a fitted `model` (fitted on `train`) on `test` as `cfg` asks and returns the
/// report. Metric keys follow `peers/common.py` (`rmse`, `precision@10`, …); see the crate
/// modules for the definitions.
pub fn evaluate(
    model: &dyn Recommender,
    train: &Dataset,
    test: &Interactions,
    cfg: &EvalConfig,
) -> Result<Report> {
    parallel::check_pairs(train, test)?;
    let k = cfg.k;
    let mut report = Report {
        cinerec_version: env!("CARGO_PKG_VERSION").to_string(),
        dataset: DatasetInfo {
            name: train.name.clone(),
            hash: train.hash().to_string(),
            test_hash: (!test.is_empty())
                .then(|| train.with_ratings("test", test.clone()).hash().to_string()),
            n_users: train.n_users(),
            n_items: train.n_items(),
            n_train: train.n_ratings(),
            n_test: test.len(),
        },
        split: cfg.split.clone(),
        seed: cfg.seed,
        model: ModelInfo {
            name: model.name().to_string(),
            params: model.params(),
        },
        timings: Timings {
            fit_s: cfg.fit_seconds,
            ..Default::default()
        },
        metrics: Metrics::default(),
    };
    let m = &mut report.metrics;
    if cfg.rating && predicts_ratings(model, train) {
        let t = Instant::now();
        let r = rating_metrics(model, train, test, cfg.clip_predictions)?;
        report.timings.predict_s = Some(t.elapsed().as_secs_f64());
        m.set("rmse", r.rmse);
        m.set("mae", r.mae);
        m.set_count("n_test", r.n_test);
        m.set_count("n_impossible", r.n_impossible());
    }
    if cfg.ranking {
        let t = Instant::now();
        let r = ranking_metrics(model, train, test, k, cfg.workers)?;
        report.timings.rank_s = Some(t.elapsed().as_secs_f64());
        for (name, v) in [
            ("precision", r.precision),
            ("recall", r.recall),
            ("ndcg", r.ndcg),
            ("hitrate", r.hitrate),
            ("map", r.map),
            ("mrr", r.mrr),
            ("coverage", r.coverage),
        ] {
            m.set(format!("{name}@{k}"), v);
        }
        if let Some(d) = r.diversity {
            m.set(format!("diversity@{k}"), d);
        }
        m.set(format!("novelty@{k}"), r.novelty);
        m.set_count("n_users", r.n_users);
        m.set(
            "mean_train_count_of_recommended",
            r.mean_train_count_of_recommended,
        );
        m.set(
            "share_recommended_with_le5_train_ratings",
            r.share_recommended_with_le5_train_ratings,
        );
        m.set_count("n_users_unscored", r.n_users_unscored);
    }
    if cfg.factorized || cfg.sample_precision {
        let t = Instant::now();
        if cfg.factorized {
            let f = factorized_top_k(model, train, test, &cfg.factorized_ks, cfg.workers)?;
            for (kk, acc) in &f.by_k {
                m.set(format!("top{kk}_accuracy"), *acc);
            }
            m.set_count("n_factorized_unscored", f.n_unscored);
        }
        if cfg.sample_precision {
            m.set(
                format!("precision@{k}_in_sample"),
                precision_in_sample(model, train, k, cfg.workers)?,
            );
            m.set(
                format!("precision@{k}_out_of_sample"),
                precision_out_of_sample(model, train, test, k, cfg.workers)?,
            );
        }
        report.timings.factorized_s = Some(t.elapsed().as_secs_f64());
    }
    Ok(report)
}

/// False for ranking-only models (ALS, BPR, …) whose `predict` answers
/// [`cinerec_core::CoreError::Unsupported`]: their reports simply have no `rmse`/`mae`.
pub fn predicts_ratings(model: &dyn Recommender, train: &Dataset) -> bool {
    if train.n_items() == 0 {
        return true;
    }
    let probe = (0..train.n_users() as u32)
        .map(cinerec_core::UserIdx)
        .next()
        .map(cinerec_core::UserRef::Known)
        .unwrap_or(cinerec_core::UserRef::Profile(&[]));
    !matches!(
        model.predict(probe, cinerec_core::ItemIdx(0)),
        Err(cinerec_core::CoreError::Unsupported { .. })
    )
}
