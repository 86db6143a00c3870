//! The Python class `HmacKey`.

use super::args;
use crate::errors::Error;
use crate::hmac::Secret;
use crate::jws::Alg;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyTuple};
use zeroize::Zeroizing;

#[pyclass(name = "HmacKey", module = "keyturn._core", frozen)]
pub struct PyHmacKey {
    pub inner: Secret,
}

/// An HMAC secret: bytes-like, or a str taken as its UTF-8 bytes (PyJWT parity).
fn secret_bytes(secret: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(text) = secret.cast::<PyString>() {
        return Ok(args::text(text)?.into_bytes());
    }
    secret
        .extract::<Vec<u8>>()
        .map_err(|_| Error::config("an HMAC secret must be bytes or str").into())
}

#[pymethods]
impl PyHmacKey {
    #[new]
    #[pyo3(signature = (secret, kid=None))]
    fn new(
        secret: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = args::kid)] kid: Option<String>,
    ) -> PyResult<Self> {
        let bytes = Zeroizing::new(secret_bytes(secret)?);
        Ok(PyHmacKey {
            inner: Secret::new(&bytes, kid)?,
        })
    }

    #[getter]
    fn kid(&self) -> Option<&str> {
        self.inner.kid.as_deref()
    }

    #[getter]
    fn alg(&self) -> &'static str {
        self.inner.algs.first().name()
    }

    #[getter]
    fn algorithms<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.algs.names())
    }

    // The default is an expression (from_py_with needs an owned String), which pyo3 would show
    // as `...`: the text signature spells it out.
    #[pyo3(signature = (message, alg="HS256".to_owned()))]
    #[pyo3(text_signature = "($self, message, alg='HS256')")]
    fn sign<'py>(
        &self,
        py: Python<'py>,
        message: &[u8],
        #[pyo3(from_py_with = args::alg_name)] alg: String,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let alg = Alg::from_name(&alg)
            .filter(|a| a.is_hmac())
            .ok_or_else(|| Error::config("not an HMAC algorithm"))?;
        Ok(PyBytes::new(py, &self.inner.sign(alg, message)?))
    }

    fn __repr__(&self) -> String {
        match &self.inner.kid {
            Some(kid) => format!("HmacKey(kid={kid:?})"),
            None => "HmacKey(kid=None)".to_owned(),
        }
    }

    fn __str__(&self) -> String {
        self.__repr__()
    }
}
