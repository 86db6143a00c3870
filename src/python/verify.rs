//! The Python face of the verify path: `CompiledVerifier` and `unverified_parts`.

use super::args;
use super::errors::to_instance;
use super::hmac::PyHmacKey;
use super::json::object_to_py;
use super::keys::PyVerifyingKey;
use crate::claims::{normalize_typ, Policy};
use crate::errors::Error;
use crate::jws::{Alg, AlgSet, VerifyKey};
use crate::verifier::{
    moment, unverified_parts as parts, Verified, Verifier, MAX_TOKEN_BYTES, NOW_RULE,
};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use std::sync::Arc;

fn verify_key(obj: &Bound<'_, PyAny>) -> Option<VerifyKey> {
    if let Ok(k) = obj.cast::<PyVerifyingKey>() {
        return Some(VerifyKey::Public(k.get().inner.clone()));
    }
    if let Ok(k) = obj.cast::<PyHmacKey>() {
        return Some(VerifyKey::Hmac(k.get().inner.clone()));
    }
    None
}

/// One key or an iterable of keys.
fn verify_keys(obj: &Bound<'_, PyAny>) -> PyResult<Vec<VerifyKey>> {
    let not_keys = || Error::config("keys must be VerifyingKey or HmacKey objects");
    if let Some(key) = verify_key(obj) {
        return Ok(vec![key]);
    }
    obj.try_iter()
        .map_err(|_| not_keys())?
        .map(|k| verify_key(&k?).ok_or_else(|| not_keys().into()))
        .collect()
}

fn alg_set(names: &[String]) -> PyResult<AlgSet> {
    names
        .iter()
        .map(|n| {
            Alg::from_name(n)
                .ok_or_else(|| PyErr::from(Error::config(format!("unsupported algorithm {n:?}"))))
        })
        .collect()
}

/// A token's bytes. Anything that is not a str or bytes (or a str that is not valid Unicode)
/// is a malformed token like any other, so `verify` and `verify_many` answer it alike.
fn token_bytes<'a>(token: &'a Bound<'_, PyAny>) -> Result<&'a [u8], Error> {
    if let Ok(s) = token.cast::<PyString>() {
        return s
            .to_str()
            .map(str::as_bytes)
            .map_err(|_| Error::malformed("token is not valid Unicode"));
    }
    if let Ok(b) = token.cast::<PyBytes>() {
        return Ok(b.as_bytes());
    }
    Err(Error::malformed("a token must be str or bytes"))
}

/// A Python `now=`: None, or an int or float (not a bool, not a numeric string) that is finite.
fn moment_arg(now: Option<&Bound<'_, PyAny>>) -> PyResult<f64> {
    let Some(now) = now.filter(|n| !n.is_none()) else {
        return Ok(moment(None)?);
    };
    if now.is_instance_of::<PyBool>()
        || !(now.is_instance_of::<PyInt>() || now.is_instance_of::<PyFloat>())
    {
        return Err(Error::config(NOW_RULE).into());
    }
    let at = now.extract::<f64>().map_err(|_| Error::config(NOW_RULE))?;
    Ok(moment(Some(at))?)
}

/// The claims as a new dict, which the caller may change freely. A cached token keeps one dict
/// of its claims and answers every later hit with a copy of it (a copy costs a fraction of a
/// build), but only when every value is a str, number, bool or null: a list or object inside
/// would be shared by the copies, so those claims are built afresh each time.
fn claims_to_py<'py>(
    py: Python<'py>,
    verified: &Verified,
    cached: bool,
) -> PyResult<Bound<'py, PyDict>> {
    if let Some(kept) = verified.kept.get() {
        if let Some(dict) = kept.downcast_ref::<Py<PyDict>>() {
            return dict.bind(py).copy();
        }
    }
    let dict = object_to_py(py, &verified.claims)?;
    if cached && verified.claims.iter().all(|(_, value)| value.is_scalar()) {
        // Keep a copy, never the dict handed out: the caller may change that one.
        let _ = verified.kept.set(Box::new(dict.copy()?.unbind()));
    }
    Ok(dict)
}

#[pyclass(name = "CompiledVerifier", module = "keyturn._core", frozen)]
pub struct PyCompiledVerifier {
    verifier: Verifier,
}

#[pymethods]
impl PyCompiledVerifier {
    #[new]
    #[pyo3(signature = (keys, *, algorithms, issuer=None, audience=None, leeway=0.0,
                        require=None, typ=None, max_age=None, max_token_bytes=MAX_TOKEN_BYTES,
                        cache_size=0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        keys: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = args::names)] algorithms: Vec<String>,
        #[pyo3(from_py_with = args::one_or_many)] issuer: Option<Vec<String>>,
        #[pyo3(from_py_with = args::one_or_many)] audience: Option<Vec<String>>,
        #[pyo3(from_py_with = args::seconds)] leeway: f64,
        #[pyo3(from_py_with = args::optional_names)] require: Option<Vec<String>>,
        #[pyo3(from_py_with = args::typ)] typ: Option<String>,
        #[pyo3(from_py_with = args::optional_seconds)] max_age: Option<f64>,
        #[pyo3(from_py_with = args::whole)] max_token_bytes: usize,
        #[pyo3(from_py_with = args::whole)] cache_size: usize,
    ) -> PyResult<Self> {
        let policy = Policy {
            issuer,
            audience,
            leeway,
            require: require.unwrap_or_default(),
            typ: typ.as_deref().map(normalize_typ),
            max_age,
        };
        let algs = alg_set(&algorithms)?;
        let verifier = Verifier::new(verify_keys(keys)?, algs, policy, max_token_bytes)?
            .with_cache(cache_size);
        Ok(PyCompiledVerifier { verifier })
    }

    /// `(hits, misses, entries, capacity)` of the verified-token cache, or None without one.
    #[getter]
    fn cache_stats(&self) -> Option<(u64, u64, usize, usize)> {
        self.verifier.cache.as_ref().map(|c| c.stats())
    }

    #[getter]
    fn kids(&self) -> Vec<Option<String>> {
        self.verifier
            .keys
            .kids()
            .map(|k| k.map(str::to_owned))
            .collect()
    }

    #[pyo3(signature = (token, now=None))]
    fn verify<'py>(
        &self,
        py: Python<'py>,
        token: &Bound<'py, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let verified = self.run(py, token, now)?;
        claims_to_py(py, &verified, self.cached())
    }

    #[pyo3(signature = (token, now=None))]
    fn verify_complete<'py>(
        &self,
        py: Python<'py>,
        token: &Bound<'py, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyDict>)> {
        let verified = self.run(py, token, now)?;
        Ok((
            object_to_py(py, &verified.header)?,
            claims_to_py(py, &verified, self.cached())?,
        ))
    }

    #[pyo3(signature = (tokens, now=None))]
    fn verify_many<'py>(
        &self,
        py: Python<'py>,
        tokens: &Bound<'py, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let items: Vec<Bound<'py, PyAny>> = tokens.try_iter()?.collect::<PyResult<_>>()?;
        let bytes: Vec<Result<&[u8], Error>> = items.iter().map(token_bytes).collect();
        let present: Vec<&[u8]> = bytes
            .iter()
            .filter_map(|b| b.as_ref().ok())
            .copied()
            .collect();
        let at = moment_arg(now)?;
        let results = py.detach(|| crate::batch::verify_many(&self.verifier, &present, at));
        let mut results = results.into_iter();
        let out = PyList::empty(py);
        for item in bytes {
            let result = match item {
                Ok(_) => results.next().expect("one result per token"),
                Err(err) => Err(err),
            };
            match result {
                Ok(verified) => out.append(claims_to_py(py, &verified, self.cached())?)?,
                Err(err) => out.append(to_instance(py, &err)?)?,
            }
        }
        Ok(out)
    }

    fn __repr__(&self) -> String {
        format!("CompiledVerifier(kids={:?})", self.kids())
    }
}

impl PyCompiledVerifier {
    fn run(
        &self,
        py: Python<'_>,
        token: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Arc<Verified>> {
        let bytes = token_bytes(token)?;
        let at = moment_arg(now)?;
        if let Some(hit) = self.verifier.cache_hit(bytes, at) {
            return Ok(hit?);
        }
        Ok(py.detach(|| self.verifier.verify_and_keep(bytes, at))?)
    }

    fn cached(&self) -> bool {
        self.verifier.cache.is_some()
    }
}

#[pyfunction]
pub fn unverified_parts<'py>(
    py: Python<'py>,
    token: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyTuple>> {
    let (header, claims) = parts(token_bytes(token)?)?;
    PyTuple::new(py, [object_to_py(py, &header)?, object_to_py(py, &claims)?])
}
