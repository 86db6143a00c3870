//! The one conversion point: Rust [`Error`] → an instance of the matching `keyturn.errors` class.

use crate::errors::Error;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};

static ERRORS_MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The Python exception instance for `err`.
pub fn to_instance<'py>(py: Python<'py>, err: &Error) -> PyResult<Bound<'py, PyAny>> {
    let module = ERRORS_MODULE.get_or_try_init(py, || {
        PyModule::import(py, "keyturn.errors").map(Bound::unbind)
    })?;
    let class = module.bind(py).getattr(err.kind.class_name())?;
    let kwargs = PyDict::new(py);
    if let Some(claim) = &err.claim {
        kwargs.set_item("claim", claim.as_ref())?;
    }
    if let Some(code) = err.code {
        kwargs.set_item("code", code)?;
    }
    class.call((err.message.as_ref(),), Some(&kwargs))
}

/// The `PyErr` to raise for `err`.
fn to_pyerr(py: Python<'_>, err: &Error) -> PyErr {
    match to_instance(py, err) {
        Ok(instance) => PyErr::from_value(instance),
        Err(import_failure) => import_failure,
    }
}

impl From<Error> for PyErr {
    fn from(err: Error) -> PyErr {
        Python::attach(|py| to_pyerr(py, &err))
    }
}
