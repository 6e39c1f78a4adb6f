//! The CLI's evaluation from Python: `cinerec_eval::evaluate` with `cinerec eval`'s
//! configuration (rating metrics with Surprise's clipping, ranking metrics at K with the
//! peers' definitions) on test ratings given as codes into the model's catalogue.

use crate::data::{interactions, slice};
use crate::err;
use crate::model::NativeModel;
use cinerec_eval::EvalConfig;
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;

/// Evaluates a fitted model on test ratings (codes into its catalogue); returns the report's
/// metrics as JSON (`rmse`, `mae`, `precision@10`, `ndcg@10`, …).
#[pyfunction]
#[pyo3(signature = (model, users, items, values, k=10, rating=true, ranking=true))]
#[allow(clippy::too_many_arguments)]
pub fn evaluate(
    py: Python<'_>,
    model: PyRef<'_, NativeModel>,
    users: PyReadonlyArray1<'_, u32>,
    items: PyReadonlyArray1<'_, u32>,
    values: PyReadonlyArray1<'_, f32>,
    k: usize,
    rating: bool,
    ranking: bool,
) -> PyResult<String> {
    let (m, data) = model.parts()?;
    let test = interactions(
        slice(&users, "users")?,
        slice(&items, "items")?,
        slice(&values, "ratings")?,
        None,
        data.n_users(),
        data.n_items(),
    )?;
    let cfg = EvalConfig {
        rating,
        ranking,
        k,
        ..Default::default()
    };
    let report = py
        .detach(|| cinerec_eval::evaluate(m, data, &test, &cfg))
        .map_err(err)?;
    let metrics: serde_json::Map<String, serde_json::Value> = report
        .metrics
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    serde_json::to_string(&metrics).map_err(err)
}
