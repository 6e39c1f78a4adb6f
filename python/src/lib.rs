//! # cinerec-python (`cinerec._native`)
//!
//! The native half of the `cinerec` Python package: a thin pyo3 binding over the engine.
//! It owns only the translation between numpy arrays / Python values and the engine's types:
//! - [`data`]: `NativeData`, a [`cinerec_core::Dataset`] built from integer codes (the Python
//!   side maps raw ids), loaded or fetched by name as the CLI does, and split;
//! - [`model`]: `NativeModel`, any registry model: fit, vectorised predict, batched top-N,
//!   similar items, fold-in scoring, model files;
//! - [`store`]: `NativeStore`, a store (SQLite, PostgreSQL, MySQL) to import into, load from and
//!   register models in, for a running `cinerec serve`;
//! - [`eval`]: the CLI's evaluation (`cinerec eval`'s metric definitions) on a test set.
//!
//! Every engine error becomes `cinerec.CinerecError` with the engine's message. Fitting and
//! scoring run with the GIL released.

use pyo3::prelude::*;

mod data;
mod eval;
mod model;
mod store;

pyo3::create_exception!(
    _native,
    CinerecError,
    pyo3::exceptions::PyValueError,
    "An error of the cinerec engine (bad input, unknown model or parameter, model file mismatch); the message is the engine's."
);

/// The engine's error as a Python exception with the same message.
pub(crate) fn err(e: impl std::fmt::Display) -> PyErr {
    CinerecError::new_err(e.to_string())
}

/// The module `cinerec._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("CinerecError", m.py().get_type::<CinerecError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<data::NativeData>()?;
    m.add_class::<model::NativeModel>()?;
    m.add_class::<store::NativeStore>()?;
    m.add_function(wrap_pyfunction!(model::registry, m)?)?;
    m.add_function(wrap_pyfunction!(model::read_header, m)?)?;
    m.add_function(wrap_pyfunction!(eval::evaluate, m)?)?;
    Ok(())
}
