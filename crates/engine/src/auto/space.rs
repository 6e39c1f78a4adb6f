//! `auto`'s search spaces: for each task (rating prediction, ranking) the registered models
//! and the few configurations worth trying, each with a prior cost so the search can plan
//! within its budget before it fits anything. The priors are fit seconds measured on this
//! project's 2-core reference machine (`bench/peers/results.md`, `bench/RESULTS.md`), scaled by
//! the data: linearly in ratings, for EASE by the dense item block it solves, and for AutoRec
//! by its dense users × movies reconstruction.

use super::blend::Component;
use cinerec_core::Dataset;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// What a candidate is chosen for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// Rating prediction, scored by validation RMSE (lower is better).
    Rating,
    /// Top-N recommendation, scored by validation NDCG@10 (higher is better).
    Ranking,
}

/// One configuration to try.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The task it competes in.
    pub task: Task,
    /// The model and parameters.
    pub component: Component,
    /// Fit seconds per 100,000 ratings on the reference machine.
    pub per_100k: f64,
    /// Extra fit seconds per (1,000 items)³ of dense item-item work (EASE).
    pub per_kitem3: f64,
    /// Extra fit seconds per million users × movies cells of dense work (AutoRec, whose
    /// every epoch reconstructs each movie's whole column of users).
    pub per_mcell: f64,
}

impl Candidate {
    fn new(task: Task, model: &str, params: Value, per_100k: f64) -> Self {
        Candidate {
            task,
            component: Component::new(model, params),
            per_100k,
            per_kitem3: 0.0,
            per_mcell: 0.0,
        }
    }

    /// Predicted fit seconds on `data` (its ratings, users and movies).
    pub fn cost(&self, data: &Dataset) -> f64 {
        self.cost_at(data.n_ratings() as f64, data.n_users(), data.n_items())
    }

    /// Predicted fit seconds on `ratings` ratings of `users` users over `items` movies.
    pub fn cost_at(&self, ratings: f64, users: usize, items: usize) -> f64 {
        let k = items.min(MAX_DENSE_ITEMS) as f64 / 1000.0;
        let cells = users as f64 * items as f64 / 1e6;
        self.per_100k * ratings / 1e5 + self.per_kitem3 * k * k * k + self.per_mcell * cells
    }
}

/// Largest dense item block the EASE prior assumes (the model caps what it inverts).
const MAX_DENSE_ITEMS: usize = 3_000;

/// The candidates for `data`; the neural ones only in builds that can train them.
pub fn candidates(data: &Dataset) -> Vec<Candidate> {
    use Task::{Ranking, Rating};
    let _ = data;
    let mut c = vec![
        Candidate::new(Rating, "baseline", Value::Null, 0.01),
        Candidate::new(Rating, "svd", Value::Null, 0.05),
        Candidate::new(
            Rating,
            "svd",
            json!({"n_factors": 200, "n_epochs": 30, "lr_all": 0.01, "reg_all": 0.1}),
            0.3,
        ),
        Candidate::new(Rating, "svdpp", Value::Null, 0.1),
        Candidate::new(Rating, "itemknn", Value::Null, 0.1),
        Candidate::new(Rating, "itemknn", json!({"k": 80}), 0.1),
        Candidate::new(Ranking, "popularity", Value::Null, 0.005),
        Candidate::new(Ranking, "als", Value::Null, 0.2),
        Candidate::new(
            Ranking,
            "als",
            json!({"factors": 32, "regularization": 5.0, "alpha": 1.0}),
            0.15,
        ),
        Candidate::new(Ranking, "bpr", Value::Null, 1.2),
        Candidate::new(Ranking, "itemknn", Value::Null, 0.1),
    ];
    for lambda in [
        Value::Null,
        json!({"lambda": 300.0}),
        json!({"lambda": 1500.0}),
    ] {
        let mut e = Candidate::new(Ranking, "ease", lambda, 0.02);
        e.per_kitem3 = 0.3;
        c.push(e);
    }
    if cfg!(feature = "neural-train") {
        // AutoRec's default (`target: auto`) trains both targets and keeps the better on its
        // own hold-out; here each target is a configuration, so the choice the blend's
        // weights were learnt with is the one refitted.
        for target in ["residual", "raw"] {
            // Measured: 3.0 s on ML-100K (1.6 M cells), 20 s on 8,000 users × 1,500 movies
            // with 72k ratings (12 M cells): ~1.8 s per million cells, whatever the ratings.
            let mut a = Candidate::new(Rating, "autorec", json!({"target": target}), 0.5);
            a.per_mcell = 2.0;
            c.push(a);
        }
        c.push(Candidate::new(Ranking, "twotower", Value::Null, 30.0));
    }
    c
}
