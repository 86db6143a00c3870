//! Conversion between [`Json`] and Python objects (claims in, claims out).

use super::args::text;
use crate::errors::Error;
use crate::json::{Json, Object, MAX_DEPTH, MAX_INT_DIGITS};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};

/// Builds fresh Python objects, so no caller can mutate another caller's claims.
pub fn to_py<'py>(py: Python<'py>, value: &Json) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Json::Null => py.None().into_bound(py),
        Json::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Json::Int(i) => i.into_pyobject(py)?.into_any(),
        Json::UInt(u) => u.into_pyobject(py)?.into_any(),
        Json::BigInt(digits) => big_int_to_py(py, digits)?,
        Json::Float(f) => PyFloat::new(py, *f).into_any(),
        Json::Str(s) => PyString::new(py, s).into_any(),
        Json::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Json::Object(object) => object_to_py(py, object)?.into_any(),
    })
}

/// `int(digits)`. Within [`MAX_INT_DIGITS`] this only fails where the interpreter's
/// `sys.set_int_max_str_digits` was lowered below it: then the token cannot be read exactly.
fn big_int_to_py<'py>(py: Python<'py>, digits: &str) -> PyResult<Bound<'py, PyAny>> {
    py.get_type::<PyInt>().call1((digits,)).map_err(|_| {
        Error::malformed("an integer claim is longer than this interpreter's int limit").into()
    })
}

pub fn object_to_py<'py>(py: Python<'py>, object: &Object) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (k, v) in object.iter() {
        dict.set_item(member_name(py, k), to_py(py, v)?)?;
    }
    Ok(dict)
}

/// A member name as a Python str. The registered claim and header names come from interned
/// strings, made once: no allocation, and the dict reuses their cached hash instead of hashing a
/// fresh string for every token.
fn member_name<'py>(py: Python<'py>, name: &str) -> Bound<'py, PyString> {
    macro_rules! interned {
        ($($known:literal)|*) => {
            match name {
                $($known => intern!(py, $known).clone(),)*
                _ => PyString::new(py, name),
            }
        };
    }
    interned!(
        "iss"
            | "sub"
            | "aud"
            | "exp"
            | "nbf"
            | "iat"
            | "jti"
            | "scope"
            | "client_id"
            | "azp"
            | "auth_time"
            | "nonce"
            | "sid"
            | "alg"
            | "typ"
            | "kid"
    )
}

/// Converts a Python mapping (claims, headers) into a JSON object. What JSON cannot carry is a
/// `ConfigurationError`, whatever the reason (a type, NaN, a lone surrogate, depth, size).
pub fn object_from_py(value: &Bound<'_, PyAny>) -> PyResult<Object> {
    match from_py(value, 0)? {
        Json::Object(object) => Ok(object),
        _ => Err(Error::config("expected a mapping with str keys").into()),
    }
}

/// An integer beyond 64 bits as its decimal text, refused past [`MAX_INT_DIGITS`] digits as
/// Python's `json.dumps` refuses it (there through the interpreter's int/str limit). Written
/// by `int.__repr__`, as `json.dumps` writes it: a subclass's own `__str__`/`__repr__` (an
/// `IntEnum`'s name) never reaches the token.
fn big_int_from_py(i: &Bound<'_, PyInt>) -> PyResult<Json> {
    let too_long = || Error::config(format!("integer has more than {MAX_INT_DIGITS} digits"));
    let repr = i.py().get_type::<PyInt>().getattr("__repr__")?;
    let digits = repr.call1((i,)).map_err(|_| too_long())?;
    let digits = digits.cast::<PyString>()?.to_str()?.to_owned();
    if digits.trim_start_matches('-').len() > MAX_INT_DIGITS {
        return Err(too_long().into());
    }
    Ok(Json::BigInt(digits))
}

fn from_py(value: &Bound<'_, PyAny>, depth: usize) -> PyResult<Json> {
    if depth > MAX_DEPTH {
        return Err(Error::config("value is nested too deeply").into());
    }
    if value.is_none() {
        return Ok(Json::Null);
    }
    // bool before int: Python's bool is an int subclass.
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Json::Bool(b.is_true()));
    }
    if let Ok(i) = value.cast::<PyInt>() {
        if let Ok(v) = i.extract::<i64>() {
            return Ok(Json::Int(v));
        }
        if let Ok(v) = i.extract::<u64>() {
            return Ok(Json::UInt(v));
        }
        return big_int_from_py(i);
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        let v = f.value();
        if !v.is_finite() {
            return Err(Error::config("NaN and infinity are not JSON").into());
        }
        return Ok(Json::Float(v));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Json::Str(text(s)?));
    }
    if let Ok(list) = value.cast::<PyList>() {
        return list
            .iter()
            .map(|v| from_py(&v, depth + 1))
            .collect::<PyResult<_>>()
            .map(Json::Array);
    }
    if let Ok(tuple) = value.cast::<PyTuple>() {
        return tuple
            .iter()
            .map(|v| from_py(&v, depth + 1))
            .collect::<PyResult<_>>()
            .map(Json::Array);
    }
    if let Ok(mapping) = value.cast::<PyMapping>() {
        let mut object = Object::new();
        // A mapping's own items() may raise: that exception is the caller's and passes through.
        for item in mapping.items()?.iter() {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            let key = k
                .cast::<PyString>()
                .map_err(|_| Error::config("JSON object keys must be str"))?;
            object.set(text(key)?, from_py(&v, depth + 1)?);
        }
        return Ok(Json::Object(object));
    }
    Err(Error::config(format!(
        "values of type {} are not JSON serializable",
        value.get_type().name()?
    ))
    .into())
}
