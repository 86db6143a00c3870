//! Arguments that configure an object (kids, algorithm names, sizes, verifier options, key
//! material) read from Python. A value of the wrong type, or a number out of range, is a
//! configuration mistake like any refused setting and raises `ConfigurationError`; pyo3's own
//! extraction would raise `TypeError` or `OverflowError`. pyo3 notes the argument's name on the
//! exception (Python >= 3.11). Data handed to an operation (a message to sign, a signature to
//! check) keeps Python's `TypeError`, as `hashlib` does.

use crate::errors::Error;
use pyo3::conversion::FromPyObjectOwned;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// `obj` as a `T`, or `ConfigurationError(rule)`.
fn setting<'py, T: FromPyObjectOwned<'py>>(
    obj: &Bound<'py, PyAny>,
    rule: &'static str,
) -> PyResult<T> {
    obj.extract::<T>().map_err(|_| Error::config(rule).into())
}

pub fn kid(obj: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    setting(obj, "kid must be a str or None")
}

pub fn new_kid(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    setting(obj, "kid must be a str")
}

pub fn alg(obj: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    setting(obj, "alg must be an algorithm name (a str) or None")
}

pub fn alg_name(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    setting(obj, "alg must be an algorithm name (a str)")
}

pub fn names(obj: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    setting(obj, "expected a sequence of str (not one str)")
}

pub fn optional_names(obj: &Bound<'_, PyAny>) -> PyResult<Option<Vec<String>>> {
    setting(obj, "expected a sequence of str (not one str) or None")
}

/// A str or an iterable of str (issuer, audience): any one of them matches.
pub fn one_or_many(obj: &Bound<'_, PyAny>) -> PyResult<Option<Vec<String>>> {
    if obj.is_none() {
        return Ok(None);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Some(vec![text(s)?]));
    }
    let rule = || PyErr::from(Error::config("expected a str, an iterable of str or None"));
    obj.try_iter()
        .map_err(|_| rule())?
        .map(|item| item?.extract::<String>().map_err(|_| rule()))
        .collect::<PyResult<_>>()
        .map(Some)
}

pub fn typ(obj: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    setting(obj, "typ must be a str or None")
}

/// A size or a count (bits, min_rsa_bits, max_token_bytes, cache_size).
pub fn whole(obj: &Bound<'_, PyAny>) -> PyResult<usize> {
    setting(obj, "expected a whole number, at least 0")
}

pub fn seconds(obj: &Bound<'_, PyAny>) -> PyResult<f64> {
    setting(obj, "expected a number of seconds")
}

pub fn optional_seconds(obj: &Bound<'_, PyAny>) -> PyResult<Option<f64>> {
    setting(obj, "expected a number of seconds or None")
}

pub fn flag(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    setting(obj, "expected True or False")
}

/// Raw key material (a seed, public key bytes, DER): bytes only.
pub fn key_bytes<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<&'a [u8]> {
    match obj.cast::<PyBytes>() {
        Ok(bytes) => Ok(bytes.as_bytes()),
        Err(_) => Err(Error::config("key material must be bytes").into()),
    }
}

/// A str's UTF-8; a str with lone surrogates has none and cannot go into JSON or a header.
pub fn text(s: &Bound<'_, PyString>) -> PyResult<String> {
    s.to_str()
        .map(str::to_owned)
        .map_err(|_| Error::config("strings must be valid Unicode (no lone surrogates)").into())
}
