//! `NativeData`: a dataset as the engine sees it (catalogue + rating matrix), built from
//! numpy arrays of integer codes, loaded by name or path as the CLI loads it, fetched, split.

use crate::err;
use cinerec_core::{Catalog, Dataset, IdMap, Interactions, ItemMeta, Keep, UserMeta};
use cinerec_data::split::{split, RngKind, SplitSpec};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use std::path::Path;
use std::sync::Arc;

/// A contiguous view of a numpy array, or a `CinerecError` naming the argument.
pub(crate) fn slice<'a, T: numpy::Element>(
    a: &'a PyReadonlyArray1<'_, T>,
    what: &str,
) -> PyResult<&'a [T]> {
    a.as_slice()
        .map_err(|_| err(format!("{what}: the array is not contiguous")))
}

/// Rating triples from code arrays, checked against the catalogue sizes.
pub(crate) fn interactions(
    users: &[u32],
    items: &[u32],
    values: &[f32],
    times: Option<&[u32]>,
    n_users: usize,
    n_items: usize,
) -> PyResult<Interactions> {
    let n = users.len();
    if items.len() != n || values.len() != n || times.is_some_and(|t| t.len() != n) {
        return Err(err(format!(
            "ratings: users, items, ratings (and timestamps) must have the same length ({n} users, {} items, {} ratings)",
            items.len(),
            values.len()
        )));
    }
    let mut r = Interactions::with_capacity(n);
    for k in 0..n {
        let (u, i, v) = (users[k], items[k], values[k]);
        if u as usize >= n_users || i as usize >= n_items {
            return Err(err(format!(
                "row {k}: user code {u} or item code {i} outside the catalogue ({n_users} users, {n_items} items)"
            )));
        }
        if !v.is_finite() {
            return Err(err(format!(
                "row {k}: field rating: {v} is not a finite number"
            )));
        }
        r.push(u, i, v, times.map_or(0, |t| t[k]));
    }
    Ok(r)
}

/// A dataset: a catalogue of users and movies with their ratings.
#[pyclass(module = "cinerec._native", frozen)]
pub struct NativeData {
    pub(crate) data: Arc<Dataset>,
}

impl NativeData {
    pub(crate) fn wrap(data: Dataset) -> Self {
        NativeData {
            data: Arc::new(data),
        }
    }
}

#[pymethods]
impl NativeData {
    /// Builds a dataset from ratings given as codes into `user_ids` / `item_ids` (raw ids as
    /// strings, in inner-id order).
    #[new]
    #[pyo3(signature = (name, users, items, values, times, user_ids, item_ids, scale=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        name: String,
        users: PyReadonlyArray1<'_, u32>,
        items: PyReadonlyArray1<'_, u32>,
        values: PyReadonlyArray1<'_, f32>,
        times: Option<PyReadonlyArray1<'_, u32>>,
        user_ids: Vec<String>,
        item_ids: Vec<String>,
        scale: Option<(f32, f32)>,
    ) -> PyResult<Self> {
        let (nu, ni) = (user_ids.len(), item_ids.len());
        let users = slice(&users, "users")?;
        let items = slice(&items, "items")?;
        let values = slice(&values, "ratings")?;
        let times = match &times {
            Some(t) => Some(slice(t, "timestamps")?),
            None => None,
        };
        let catalog = Catalog {
            users: IdMap::from_ordered(user_ids),
            items: IdMap::from_ordered(item_ids),
            item_meta: vec![ItemMeta::default(); ni],
            user_meta: vec![UserMeta::default(); nu],
            genre_names: vec![],
        };
        if catalog.n_users() != nu || catalog.n_items() != ni {
            return Err(err("user_ids / item_ids: ids must be unique"));
        }
        let r = interactions(users, items, values, times, nu, ni)?;
        let data = py.detach(|| {
            let mut d = Dataset::new(name, Arc::new(catalog), r);
            if let Some((lo, hi)) = scale {
                d.set_scale(lo, hi);
            }
            d.hash();
            d
        });
        Ok(Self::wrap(data))
    }

    /// Loads a dataset by name (under `data_dir`) or path, as the CLI's `--data` does.
    #[staticmethod]
    fn load(py: Python<'_>, spec: String, data_dir: String) -> PyResult<Self> {
        let d = py
            .detach(|| cinerec_engine::source::load_file(&spec, Path::new(&data_dir), Keep::ALL))
            .map_err(err)?;
        Ok(Self::wrap(d))
    }

    /// Fetches a known dataset into `data_dir/<name>` as `cinerec data fetch` does; returns
    /// the folder.
    #[staticmethod]
    #[pyo3(signature = (name, data_dir, source=None))]
    fn fetch(
        py: Python<'_>,
        name: String,
        data_dir: String,
        source: Option<String>,
    ) -> PyResult<String> {
        let dir = Path::new(&data_dir);
        py.detach(|| cinerec_data::fetch::fetch(&name, dir, source.as_deref()))
            .map_err(err)?;
        Ok(dir.join(&name).display().to_string())
    }

    /// The dataset's name.
    #[getter]
    fn name(&self) -> String {
        self.data.name.clone()
    }
    /// The dataset's fingerprint (as recorded in model files).
    #[getter]
    fn hash(&self) -> String {
        self.data.hash().to_string()
    }
    /// Users in the catalogue.
    #[getter]
    fn n_users(&self) -> usize {
        self.data.n_users()
    }
    /// Movies in the catalogue.
    #[getter]
    fn n_items(&self) -> usize {
        self.data.n_items()
    }
    /// Ratings.
    #[getter]
    fn n_ratings(&self) -> usize {
        self.data.n_ratings()
    }
    /// The rating scale `(lo, hi)`.
    #[getter]
    fn scale(&self) -> (f32, f32) {
        self.data.rating_scale()
    }
    /// Raw user ids in inner-id order.
    fn user_ids(&self) -> Vec<String> {
        self.data.catalog().users.raws().to_vec()
    }
    /// Raw movie ids in inner-id order.
    fn item_ids(&self) -> Vec<String> {
        self.data.catalog().items.raws().to_vec()
    }
    /// Movie titles, years and `|`-joined genres in inner-id order.
    #[allow(clippy::type_complexity)]
    fn item_meta(&self) -> (Vec<Option<String>>, Vec<Option<u16>>, Vec<String>) {
        let c = self.data.catalog();
        let mut titles = Vec::with_capacity(c.n_items());
        let mut years = Vec::with_capacity(c.n_items());
        let mut genres = Vec::with_capacity(c.n_items());
        for (k, m) in c.item_meta.iter().enumerate() {
            titles.push(m.title.clone());
            years.push(m.year);
            genres.push(c.genres_of(cinerec_core::ItemIdx(k as u32)).join("|"));
        }
        (titles, years, genres)
    }
    /// The ratings as code arrays `(users, items, ratings, timestamps)`.
    #[allow(clippy::type_complexity)]
    fn ratings<'py>(
        &self,
        py: Python<'py>,
    ) -> (
        Bound<'py, PyArray1<u32>>,
        Bound<'py, PyArray1<u32>>,
        Bound<'py, PyArray1<f32>>,
        Bound<'py, PyArray1<u32>>,
    ) {
        let r = py.detach(|| self.data.matrix().to_interactions());
        (
            r.users.into_pyarray(py),
            r.items.into_pyarray(py),
            r.values.into_pyarray(py),
            r.times.into_pyarray(py),
        )
    }
    /// Splits the ratings as `cinerec data split` does: `kind` is `random` (`test_ratio`,
    /// `seed`, numpy-identical permutation when `numpy`) or `temporal` (per user, the most recent
    /// `test_ratio`). Returns the train set (same catalogue) and the test ratings as code arrays.
    #[pyo3(signature = (kind, test_ratio=0.2, seed=42, numpy=true))]
    #[allow(clippy::type_complexity)]
    fn split<'py>(
        &self,
        py: Python<'py>,
        kind: &str,
        test_ratio: f64,
        seed: u64,
        numpy: bool,
    ) -> PyResult<(
        NativeData,
        (
            Bound<'py, PyArray1<u32>>,
            Bound<'py, PyArray1<u32>>,
            Bound<'py, PyArray1<f32>>,
            Bound<'py, PyArray1<u32>>,
        ),
    )> {
        let spec = match kind {
            "random" => SplitSpec::Random {
                test_ratio,
                seed,
                rng: if numpy {
                    RngKind::Numpy
                } else {
                    RngKind::Cinerec
                },
            },
            "temporal" => SplitSpec::Temporal {
                test_ratio,
                min_user_ratings: 0,
            },
            other => {
                return Err(err(format!(
                    "unknown split kind `{other}`; known: random, temporal"
                )))
            }
        };
        let s = py.detach(|| split(&self.data, &spec)).map_err(err)?;
        let t = s.test;
        Ok((
            Self::wrap(s.train),
            (
                t.users.into_pyarray(py),
                t.items.into_pyarray(py),
                t.values.into_pyarray(py),
                t.times.into_pyarray(py),
            ),
        ))
    }
}
