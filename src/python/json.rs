//! Conversion between [`Json`] and Python objects (claims in, claims out).

use crate::errors::Error;
use crate::json::{self, Json, Members, Object, MAX_DEPTH, MAX_INT_DIGITS};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};
use std::sync::OnceLock;

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

/// A Python value by the JSON type it becomes. The order of the checks is the rule: `bool` before
/// `int` (Python's bool is an int subclass), and only then any other mapping.
enum Value<'a, 'py> {
    Null,
    Bool(bool),
    Int(&'a Bound<'py, PyInt>),
    Float(f64),
    Str(&'a Bound<'py, PyString>),
    List(&'a Bound<'py, PyList>),
    Tuple(&'a Bound<'py, PyTuple>),
    Mapping(&'a Bound<'py, PyMapping>),
}

fn classify<'a, 'py>(value: &'a Bound<'py, PyAny>) -> PyResult<Value<'a, 'py>> {
    // The exact built-in types first, each one pointer comparison: they are disjoint, so this
    // gives the answer the ordered checks below give, without their subclass lookups.
    if let Ok(s) = value.cast_exact::<PyString>() {
        return Ok(Value::Str(s));
    }
    if let Ok(i) = value.cast_exact::<PyInt>() {
        return Ok(Value::Int(i));
    }
    if value.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(i) = value.cast::<PyInt>() {
        return Ok(Value::Int(i));
    }
    if let Ok(f) = value.cast::<PyFloat>() {
        return Ok(Value::Float(f.value()));
    }
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Value::Str(s));
    }
    if let Ok(list) = value.cast::<PyList>() {
        return Ok(Value::List(list));
    }
    if let Ok(tuple) = value.cast::<PyTuple>() {
        return Ok(Value::Tuple(tuple));
    }
    if let Ok(mapping) = value.cast::<PyMapping>() {
        return Ok(Value::Mapping(mapping));
    }
    Err(Error::config(format!(
        "values of type {} are not JSON serializable",
        value.get_type().name()?
    ))
    .into())
}

/// How mappings are read. `Direct` walks an exact dict with exact str keys in place, where no
/// Python code can run and no two keys share a text; anything else stops it. `Snapshot` reads
/// every mapping through its own `items()` (as Python's `json` does) and keeps one member per
/// name: the first place, the last value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Walk {
    Direct,
    Snapshot,
}

/// Why writing stopped: a refusal (or the caller's own exception), or a direct walk that met a
/// mapping it leaves to a snapshot.
enum Stop {
    Refused(PyErr),
    NeedsSnapshot,
}

impl<E: Into<PyErr>> From<E> for Stop {
    fn from(err: E) -> Self {
        Stop::Refused(err.into())
    }
}

/// Appends a Python mapping (claims) as a JSON object. What JSON cannot carry is a
/// `ConfigurationError`, whatever the reason (a type, NaN, a lone surrogate, depth, size); an
/// exception from a mapping's own `items()` passes through. The common case, a dict of str keys,
/// is written straight from the dict; any other mapping makes the whole value be written again
/// from snapshots (before any Python code has run), so every mapping is read one way per call.
pub fn write_object(value: &Bound<'_, PyAny>, out: &mut Vec<u8>) -> PyResult<()> {
    let start = out.len();
    walked(value.py(), |walk| {
        out.truncate(start);
        write(value, out, 0, walk)
    })?;
    // Only an object's JSON text starts with a brace.
    if out.get(start) != Some(&b'{') {
        return Err(Error::config("expected a mapping with str keys").into());
    }
    Ok(())
}

/// A mapping's members (extra header parameters), each value as JSON text, read the same way.
pub fn members(value: &Bound<'_, PyAny>) -> PyResult<Members> {
    let Value::Mapping(mapping) = classify(value)? else {
        write_object(value, &mut Vec::new())?;
        unreachable!("write_object refuses what is not a mapping")
    };
    walked(value.py(), |walk| read_members(mapping, 0, walk))
}

/// `read` in a direct walk (where the GIL allows one), or again in a snapshot where it stopped.
fn walked<T>(py: Python<'_>, mut read: impl FnMut(Walk) -> Result<T, Stop>) -> PyResult<T> {
    let first = if gil_guards_dicts(py) {
        Walk::Direct
    } else {
        Walk::Snapshot
    };
    let read = match read(first) {
        Err(Stop::NeedsSnapshot) => read(Walk::Snapshot),
        other => other,
    };
    read.map_err(|stop| match stop {
        Stop::Refused(err) => err,
        Stop::NeedsSnapshot => unreachable!("a snapshot walk reads every mapping"),
    })
}

/// Whether the GIL keeps every other thread out of a dict while a direct walk reads it. On
/// free-threaded CPython with the GIL off another thread may resize it mid-walk (pyo3's iterator
/// would panic), so every mapping is read from a snapshot, as `PyDict_Items` takes it under the
/// dict's lock. Asked once: the GIL, once on, stays on, and a snapshot is right either way.
fn gil_guards_dicts(py: Python<'_>) -> bool {
    static GIL: OnceLock<bool> = OnceLock::new();
    *GIL.get_or_init(|| {
        // sys._is_gil_enabled exists from CPython 3.13; before it the GIL is always on.
        py.import("sys")
            .and_then(|sys| sys.getattr("_is_gil_enabled"))
            .and_then(|enabled| enabled.call0())
            .and_then(|enabled| enabled.extract::<bool>())
            .unwrap_or(true)
    })
}

fn write(
    value: &Bound<'_, PyAny>,
    out: &mut Vec<u8>,
    depth: usize,
    walk: Walk,
) -> Result<(), Stop> {
    if depth > MAX_DEPTH {
        return Err(Error::config("value is nested too deeply").into());
    }
    match classify(value)? {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Int(i) => write_int(i, out)?,
        Value::Float(f) if f.is_finite() => json::write_number(out, &f),
        Value::Float(_) => return Err(Error::config("NaN and infinity are not JSON").into()),
        Value::Str(s) => json::write_str(out, str_text(s)?),
        Value::List(list) => write_array(list.iter(), out, depth, walk)?,
        Value::Tuple(tuple) => write_array(tuple.iter(), out, depth, walk)?,
        Value::Mapping(mapping) => match (walk, mapping.cast_exact::<PyDict>()) {
            (Walk::Direct, Ok(dict)) => write_dict(dict, out, depth)?,
            (Walk::Direct, Err(_)) => return Err(Stop::NeedsSnapshot),
            (Walk::Snapshot, _) => read_members(mapping, depth, walk)?.write_object(out),
        },
    }
    Ok(())
}

fn write_array<'py>(
    items: impl Iterator<Item = Bound<'py, PyAny>>,
    out: &mut Vec<u8>,
    depth: usize,
    walk: Walk,
) -> Result<(), Stop> {
    out.push(b'[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write(&item, out, depth + 1, walk)?;
    }
    out.push(b']');
    Ok(())
}

/// An exact dict, in place.
fn write_dict(dict: &Bound<'_, PyDict>, out: &mut Vec<u8>, depth: usize) -> Result<(), Stop> {
    out.push(b'{');
    for (i, (k, v)) in dict.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        json::write_str(out, dict_key(&k)?);
        out.push(b':');
        write(&v, out, depth + 1, Walk::Direct)?;
    }
    out.push(b'}');
    Ok(())
}

/// A key of an exact dict. One that is not exactly a str (a subclass may hash two keys of one
/// text apart) leaves the dict to a snapshot.
fn dict_key<'a>(key: &'a Bound<'_, PyAny>) -> Result<&'a str, Stop> {
    match key.cast_exact::<PyString>() {
        Ok(name) => Ok(str_text(name)?),
        Err(_) if key.is_instance_of::<PyString>() => Err(Stop::NeedsSnapshot),
        Err(_) => Err(Error::config("JSON object keys must be str").into()),
    }
}

/// A mapping's members in order, each value written in turn (so the first bad one is the one
/// refused): an exact dict in place in a direct walk, any mapping through its `items()` in a
/// snapshot.
fn read_members(mapping: &Bound<'_, PyMapping>, depth: usize, walk: Walk) -> Result<Members, Stop> {
    let mut members = Members::new();
    if walk == Walk::Direct {
        let dict = mapping
            .cast_exact::<PyDict>()
            .map_err(|_| Stop::NeedsSnapshot)?;
        for (k, v) in dict.iter() {
            members.push_with(dict_key(&k)?, |out| write(&v, out, depth + 1, walk))?;
        }
        return Ok(members);
    }
    // A mapping's own items() may raise: that exception is the caller's and passes through.
    for item in mapping.items()?.iter() {
        let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
        let key = k
            .cast::<PyString>()
            .map_err(|_| Error::config("JSON object keys must be str"))?;
        members.push_with(str_text(key)?, |out| write(&v, out, depth + 1, walk))?;
    }
    Ok(members)
}

/// A str's UTF-8, borrowed; a str with lone surrogates has none and cannot go into JSON.
fn str_text<'a>(s: &'a Bound<'_, PyString>) -> PyResult<&'a str> {
    s.to_str()
        .map_err(|_| Error::config("strings must be valid Unicode (no lone surrogates)").into())
}

/// An integer, exact: within 64 bits as itself, beyond as the decimal text `int.__repr__` writes
/// (as `json.dumps` writes it: a subclass's own `__str__`/`__repr__`, an `IntEnum`'s name, never
/// reaches the token), refused past [`MAX_INT_DIGITS`] digits as Python's `json.dumps` refuses it
/// (there through the interpreter's int/str limit).
fn write_int(i: &Bound<'_, PyInt>, out: &mut Vec<u8>) -> PyResult<()> {
    if let Ok(v) = i.extract::<i64>() {
        json::write_number(out, &v);
        return Ok(());
    }
    if let Ok(v) = i.extract::<u64>() {
        json::write_number(out, &v);
        return Ok(());
    }
    let too_long = || Error::config(format!("integer has more than {MAX_INT_DIGITS} digits"));
    let repr = i.py().get_type::<PyInt>().getattr("__repr__")?;
    let digits = repr.call1((i,)).map_err(|_| too_long())?;
    let digits = digits.cast::<PyString>()?.to_str()?;
    if digits.trim_start_matches('-').len() > MAX_INT_DIGITS {
        return Err(too_long().into());
    }
    out.extend_from_slice(digits.as_bytes());
    Ok(())
}
