//! `NativeModel`: any model of the engine's registry behind one Python class — fit on a
//! `NativeData`, vectorised rating prediction, batched top-N with a caller's seen set or a
//! fold-in profile, similar items, and the engine's versioned model files.

use crate::data::{slice, NativeData};
use crate::err;
use cinerec_core::{
    top_k, Dataset, ItemIdx, NoObserver, Recommender, RecommenderExt, Scored, UserIdx, UserRef,
};
use cinerec_engine::persist::{self, LoadOptions};
use numpy::ndarray::Array2;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1};
use pyo3::prelude::*;
use rayon::prelude::*;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

/// `(name, description)` of every model in the engine's registry.
#[pyfunction]
pub fn registry() -> Vec<(&'static str, &'static str)> {
    cinerec_engine::registry::MODELS
        .iter()
        .map(|m| (m.name, m.description))
        .collect()
}

/// The header of a model file as JSON (algorithm, params, dataset, metrics).
#[pyfunction]
pub fn read_header(path: &str) -> PyResult<String> {
    let h = persist::read_header(Path::new(path)).map_err(err)?;
    serde_json::to_string(&h).map_err(err)
}

/// A fitted model with the dataset it was fitted on.
struct Fitted {
    model: Box<dyn Recommender>,
    data: Arc<Dataset>,
}

/// A model of the engine's registry.
#[pyclass(module = "cinerec._native")]
pub struct NativeModel {
    name: String,
    params: Option<Value>,
    fitted: Option<Fitted>,
}

/// Per-user seen sets or profiles given as CSR arrays (`indptr` has one more entry than users).
struct Rows<'a> {
    indptr: &'a [i64],
    indices: &'a [i64],
    values: &'a [f32],
}

impl Rows<'_> {
    fn row(&self, r: usize) -> PyResult<(&[i64], &[f32])> {
        let (a, b) = (self.indptr[r], self.indptr[r + 1]);
        if a < 0 || b < a || b as usize > self.indices.len() || b as usize > self.values.len() {
            return Err(err(format!("user_items: bad indptr at row {r}")));
        }
        Ok((
            &self.indices[a as usize..b as usize],
            &self.values[a as usize..b as usize],
        ))
    }
}

impl NativeModel {
    /// The registry name of the model.
    pub(crate) fn algorithm(&self) -> &str {
        &self.name
    }

    fn fitted(&self) -> PyResult<&Fitted> {
        self.fitted.as_ref().ok_or_else(|| {
            err(format!(
                "model `{}` is not fitted: call fit first",
                self.name
            ))
        })
    }
}

/// Checks a user or item code against a catalogue size.
fn code(c: i64, n: usize, what: &str) -> PyResult<u32> {
    if c < 0 || c as usize >= n {
        return Err(err(format!(
            "unknown {what} index {c} (the model knows {n})"
        )));
    }
    Ok(c as u32)
}

/// Top-`n` of `scores` as fixed-width rows: ids and scores, padded with -1 / -inf.
fn put_row(top: &[Scored], n: usize, ids: &mut [i64], sc: &mut [f32]) {
    for k in 0..n {
        match top.get(k) {
            Some(s) if s.score > f32::NEG_INFINITY => {
                ids[k] = s.item.0 as i64;
                sc[k] = s.score;
            }
            _ => {
                ids[k] = -1;
                sc[k] = f32::NEG_INFINITY;
            }
        }
    }
}

type Matrix<'py> = (Bound<'py, PyArray2<i64>>, Bound<'py, PyArray2<f32>>);

fn to_matrices(
    py: Python<'_>,
    rows: usize,
    n: usize,
    ids: Vec<i64>,
    sc: Vec<f32>,
) -> PyResult<Matrix<'_>> {
    let ids = Array2::from_shape_vec((rows, n), ids).map_err(err)?;
    let sc = Array2::from_shape_vec((rows, n), sc).map_err(err)?;
    Ok((ids.into_pyarray(py), sc.into_pyarray(py)))
}

#[pymethods]
impl NativeModel {
    /// A model from the registry by name, with parameters as JSON (`None` = defaults).
    /// Unknown names and bad parameters fail here with the engine's message.
    #[new]
    #[pyo3(signature = (name, params_json=None))]
    fn new(name: String, params_json: Option<String>) -> PyResult<Self> {
        let params = match params_json {
            Some(s) => Some(serde_json::from_str::<Value>(&s).map_err(err)?),
            None => None,
        };
        cinerec_engine::create(&name, params.as_ref()).map_err(err)?;
        Ok(NativeModel {
            name,
            params,
            fitted: None,
        })
    }

    /// Registry name of the algorithm.
    #[getter]
    fn name(&self) -> String {
        self.name.clone()
    }

    /// The parameters as the model reports them (JSON).
    fn params_json(&self) -> PyResult<String> {
        let p = match &self.fitted {
            Some(f) => f.model.params(),
            None => cinerec_engine::create(&self.name, self.params.as_ref())
                .map_err(err)?
                .params(),
        };
        serde_json::to_string(&p).map_err(err)
    }

    /// Whether `fit` (or `load`) has run.
    #[getter]
    fn is_fitted(&self) -> bool {
        self.fitted.is_some()
    }

    /// The dataset the model was fitted on.
    fn data(&self) -> PyResult<NativeData> {
        Ok(NativeData {
            data: self.fitted()?.data.clone(),
        })
    }

    /// Fits a fresh instance on `data`, with the GIL released.
    fn fit(&mut self, py: Python<'_>, data: &NativeData) -> PyResult<()> {
        let mut model = cinerec_engine::create(&self.name, self.params.as_ref()).map_err(err)?;
        let d = data.data.clone();
        py.detach(|| model.fit(&d, &mut NoObserver)).map_err(err)?;
        self.fitted = Some(Fitted { model, data: d });
        Ok(())
    }

    /// Predicted ratings for (user code, item code) pairs.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        users: PyReadonlyArray1<'py, i64>,
        items: PyReadonlyArray1<'py, i64>,
    ) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let f = self.fitted()?;
        let (u, i) = (slice(&users, "users")?, slice(&items, "items")?);
        if u.len() != i.len() {
            return Err(err(format!(
                "predict: {} users but {} items",
                u.len(),
                i.len()
            )));
        }
        let (nu, ni) = (f.data.n_users(), f.data.n_items());
        let out: PyResult<Vec<f32>> = py.detach(|| {
            u.par_iter()
                .zip(i.par_iter())
                .with_min_len(4096)
                .map(|(&u, &i)| {
                    let (u, i) = (code(u, nu, "user")?, code(i, ni, "item")?);
                    f.model
                        .predict(UserRef::Known(UserIdx(u)), ItemIdx(i))
                        .map_err(err)
                })
                .collect()
        });
        Ok(out?.into_pyarray(py))
    }

    /// Scores of every movie for one user: a trained user (`user` code) or, with `items` /
    /// `values`, a profile folded in without retraining.
    #[pyo3(signature = (user=None, items=None, values=None))]
    fn score_all<'py>(
        &self,
        py: Python<'py>,
        user: Option<i64>,
        items: Option<PyReadonlyArray1<'py, i64>>,
        values: Option<PyReadonlyArray1<'py, f32>>,
    ) -> PyResult<Bound<'py, PyArray1<f32>>> {
        let f = self.fitted()?;
        let ni = f.data.n_items();
        let mut out = vec![0f32; ni];
        match (items, values) {
            (Some(it), Some(v)) => {
                let (it, v) = (slice(&it, "items")?, slice(&v, "values")?);
                let profile = it
                    .iter()
                    .zip(v)
                    .map(|(&i, &v)| Ok((ItemIdx(code(i, ni, "item")?), v)))
                    .collect::<PyResult<Vec<_>>>()?;
                py.detach(|| f.model.score_all(UserRef::Profile(&profile), &mut out))
                    .map_err(err)?;
            }
            _ => {
                let u = code(user.unwrap_or(-1), f.data.n_users(), "user")?;
                py.detach(|| f.model.score_all(UserRef::Known(UserIdx(u)), &mut out))
                    .map_err(err)?;
            }
        }
        Ok(out.into_pyarray(py))
    }

    /// Top-`n` movies for each user code: `(ids, scores)` of shape `(len(users), n)`, padded
    /// with -1 / -inf. `indptr`/`indices`/`values` (CSR rows, one per user) give each user's
    /// items: masked when `filter_seen`, and folded in as the user's profile when
    /// `recalculate`. Without them the training ratings are the seen set. `exclude` item
    /// codes are never recommended; `candidates`, when given, are the only ones that may be.
    #[pyo3(signature = (users, n, filter_seen=true, recalculate=false, indptr=None, indices=None, values=None, exclude=None, candidates=None))]
    #[allow(clippy::too_many_arguments)]
    fn recommend<'py>(
        &self,
        py: Python<'py>,
        users: PyReadonlyArray1<'py, i64>,
        n: usize,
        filter_seen: bool,
        recalculate: bool,
        indptr: Option<PyReadonlyArray1<'py, i64>>,
        indices: Option<PyReadonlyArray1<'py, i64>>,
        values: Option<PyReadonlyArray1<'py, f32>>,
        exclude: Option<PyReadonlyArray1<'py, i64>>,
        candidates: Option<PyReadonlyArray1<'py, i64>>,
    ) -> PyResult<Matrix<'py>> {
        let f = self.fitted()?;
        let (nu, ni) = (f.data.n_users(), f.data.n_items());
        let users = slice(&users, "userid")?;
        let rows = match (&indptr, &indices, &values) {
            (Some(p), Some(i), Some(v)) => {
                let r = Rows {
                    indptr: slice(p, "user_items.indptr")?,
                    indices: slice(i, "user_items.indices")?,
                    values: slice(v, "user_items.data")?,
                };
                if r.indptr.len() != users.len() + 1 {
                    return Err(err(format!(
                        "user_items has {} rows for {} users",
                        r.indptr.len().saturating_sub(1),
                        users.len()
                    )));
                }
                Some(r)
            }
            _ => None,
        };
        if recalculate && rows.is_none() {
            return Err(err("recalculate_user needs user_items"));
        }
        let mut blocked = vec![false; ni];
        if let Some(e) = &exclude {
            for &i in slice(e, "filter_items")? {
                blocked[code(i, ni, "item")? as usize] = true;
            }
        }
        if let Some(c) = &candidates {
            let mut allowed = vec![false; ni];
            for &i in slice(c, "items")? {
                allowed[code(i, ni, "item")? as usize] = true;
            }
            for (b, a) in blocked.iter_mut().zip(allowed) {
                *b |= !a;
            }
        }
        let n = n.min(ni);
        let mut ids = vec![0i64; users.len() * n];
        let mut sc = vec![0f32; users.len() * n];
        let rows = &rows;
        let blocked = &blocked;
        py.detach(|| -> PyResult<()> {
            ids.par_chunks_mut(n.max(1))
                .zip(sc.par_chunks_mut(n.max(1)))
                .enumerate()
                .try_for_each_init(
                    || (vec![0f32; ni], Vec::new()),
                    |(buf, profile), (r, (ids, sc))| -> PyResult<()> {
                        if n == 0 {
                            return Ok(());
                        }
                        let row = match rows {
                            Some(rows) => Some(rows.row(r)?),
                            None => None,
                        };
                        let user = if recalculate {
                            let (it, v) = row.unwrap_or((&[], &[]));
                            profile.clear();
                            for (&i, &v) in it.iter().zip(v) {
                                profile.push((ItemIdx(code(i, ni, "item")?), v));
                            }
                            UserRef::Profile(profile)
                        } else {
                            UserRef::Known(UserIdx(code(users[r], nu, "user")?))
                        };
                        f.model.score_all(user, buf).map_err(err)?;
                        for (s, &b) in buf.iter_mut().zip(blocked) {
                            if b {
                                *s = f32::NEG_INFINITY;
                            }
                        }
                        if filter_seen {
                            match row {
                                Some((it, _)) => {
                                    for &i in it {
                                        buf[code(i, ni, "item")? as usize] = f32::NEG_INFINITY;
                                    }
                                }
                                None => {
                                    if let UserRef::Known(u) = user {
                                        for &i in f.data.user_ratings(u).0 {
                                            buf[i as usize] = f32::NEG_INFINITY;
                                        }
                                    }
                                }
                            }
                        }
                        put_row(&top_k(buf, n), n, ids, sc);
                        Ok(())
                    },
                )
        })?;
        to_matrices(py, users.len(), n, ids, sc)
    }

    /// The `n` movies most similar to each item code (itself excluded): `(ids, scores)`.
    fn similar_items<'py>(
        &self,
        py: Python<'py>,
        items: PyReadonlyArray1<'py, i64>,
        n: usize,
    ) -> PyResult<Matrix<'py>> {
        let f = self.fitted()?;
        let ni = f.data.n_items();
        let items = slice(&items, "itemid")?;
        let n = n.min(ni.saturating_sub(1));
        let mut ids = vec![0i64; items.len() * n];
        let mut sc = vec![0f32; items.len() * n];
        if n > 0 {
            py.detach(|| -> PyResult<()> {
                ids.par_chunks_mut(n)
                    .zip(sc.par_chunks_mut(n))
                    .zip(items.par_iter())
                    .try_for_each(|((ids, sc), &i)| {
                        let i = code(i, ni, "item")?;
                        let top = f.model.similar_items(ni, ItemIdx(i), n).map_err(err)?;
                        put_row(&top, n, ids, sc);
                        Ok(())
                    })
            })?;
        }
        to_matrices(py, items.len(), n, ids, sc)
    }

    /// Writes the engine's versioned model file (the one `cinerec train` writes and
    /// `cinerec serve` loads), atomically; returns its header as JSON.
    #[pyo3(signature = (path, metrics_json=None))]
    fn save(&self, py: Python<'_>, path: &str, metrics_json: Option<String>) -> PyResult<String> {
        let f = self.fitted()?;
        let metrics = match metrics_json {
            Some(s) => Some(serde_json::from_str::<Value>(&s).map_err(err)?),
            None => None,
        };
        let h = py
            .detach(|| persist::save(Path::new(path), f.model.as_ref(), &f.data, metrics))
            .map_err(err)?;
        serde_json::to_string(&h).map_err(err)
    }

    /// Loads a model file for use with `data` (its training data: the engine refuses another
    /// unless `force`, and then the sizes must still agree).
    #[staticmethod]
    #[pyo3(signature = (path, data, force=false))]
    fn load(py: Python<'_>, path: &str, data: &NativeData, force: bool) -> PyResult<Self> {
        let d = data.data.clone();
        let (model, header) = py
            .detach(|| persist::load_with(Path::new(path), &d, LoadOptions { force }))
            .map_err(err)?;
        Ok(NativeModel {
            name: header.algorithm.clone(),
            params: Some(header.params),
            fitted: Some(Fitted { model, data: d }),
        })
    }
}

impl NativeModel {
    /// The fitted model and its data, for the evaluation.
    pub(crate) fn parts(&self) -> PyResult<(&dyn Recommender, &Arc<Dataset>)> {
        let f = self.fitted()?;
        Ok((f.model.as_ref(), &f.data))
    }
}
