//! A strict JSON value for JOSE headers and claims.
//!
//! serde_json's own `Value` silently keeps the last of duplicate member names (as Python's `json`
//! does); RFC 7515 §4 lets a recipient reject them and we do, so this module parses into its own
//! order-preserving tree with duplicate detection and a nesting cap.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use std::collections::HashSet;
use std::fmt;

/// Deepest nesting accepted in a header or claims set; real tokens use two or three levels.
pub const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Array(Vec<Json>),
    Object(Object),
}

/// A JSON object in document order, with unique member names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Object(Vec<(String, Json)>);

impl Object {
    pub fn new() -> Self {
        Object(Vec::new())
    }

    pub fn get(&self, name: &str) -> Option<&Json> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Sets `name`, replacing an existing member in place.
    pub fn set(&mut self, name: impl Into<String>, value: Json) {
        let name = name.into();
        match self.0.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }

    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(k, _)| k != name);
    }

    pub fn iter(&self) -> impl Iterator<Item = &(String, Json)> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Json {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A JSON number as f64; booleans and strings are not numbers.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Json::Int(i) => Some(i as f64),
            Json::UInt(u) => Some(u as f64),
            Json::Float(f) => Some(f),
            _ => None,
        }
    }

    pub fn to_vec(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a Json tree always serializes")
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum ParseError {
    Syntax,
    Duplicate,
    TooDeep,
    NotAnObject,
}

impl ParseError {
    pub fn describe(&self) -> &'static str {
        match self {
            ParseError::Syntax => "is not valid UTF-8 JSON",
            ParseError::Duplicate => "has a duplicate member name",
            ParseError::TooDeep => "is nested too deeply",
            ParseError::NotAnObject => "is not a JSON object",
        }
    }
}

/// Parses `bytes` as one strict JSON object.
pub fn parse_object(bytes: &[u8]) -> Result<Object, ParseError> {
    match parse(bytes)? {
        Json::Object(object) => Ok(object),
        _ => Err(ParseError::NotAnObject),
    }
}

/// Parses `bytes` as one strict JSON value.
pub fn parse(bytes: &[u8]) -> Result<Json, ParseError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = Seed { depth: 0 }.deserialize(&mut de).map_err(classify)?;
    de.end().map_err(|_| ParseError::Syntax)?;
    Ok(value)
}

fn classify(err: serde_json::Error) -> ParseError {
    // Our own visitor errors carry these markers; everything else is syntax.
    let text = err.to_string();
    if text.starts_with(DUPLICATE) {
        ParseError::Duplicate
    } else if text.starts_with(TOO_DEEP) || text.contains("recursion limit") {
        ParseError::TooDeep
    } else {
        ParseError::Syntax
    }
}

const DUPLICATE: &str = "keyturn:duplicate";
const TOO_DEEP: &str = "keyturn:too-deep";

struct Seed {
    depth: usize,
}

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Json;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Seed {
    fn child<E: de::Error>(&self) -> Result<Seed, E> {
        if self.depth >= MAX_DEPTH {
            return Err(E::custom(TOO_DEEP));
        }
        Ok(Seed {
            depth: self.depth + 1,
        })
    }
}

impl<'de> Visitor<'de> for Seed {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Int(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(match i64::try_from(v) {
            Ok(i) => Json::Int(i),
            Err(_) => Json::UInt(v),
        })
    }

    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::Str(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::Str(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self.child()?)? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members: Vec<(String, Json)> = Vec::new();
        // Small objects (every real header and claims set) are checked by scanning; a hash set
        // keeps a hostile object with thousands of members linear.
        let mut seen: Option<HashSet<String>> = None;
        while let Some(name) = map.next_key::<String>()? {
            let duplicate = match &mut seen {
                Some(set) => !set.insert(name.clone()),
                None => members.iter().any(|(k, _)| *k == name),
            };
            if duplicate {
                return Err(de::Error::custom(DUPLICATE));
            }
            if seen.is_none() && members.len() >= 16 {
                seen = Some(members.iter().map(|(k, _)| k.clone()).collect());
                seen.as_mut().map(|s| s.insert(name.clone()));
            }
            let value = map.next_value_seed(self.child()?)?;
            members.push((name, value));
        }
        Ok(Json::Object(Object(members)))
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Int(i) => s.serialize_i64(*i),
            Json::UInt(u) => s.serialize_u64(*u),
            Json::Float(f) => s.serialize_f64(*f),
            Json::Str(v) => s.serialize_str(v),
            Json::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(object) => object.serialize(s),
        }
    }
}

impl Serialize for Object {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_preserves_order() {
        let obj = parse_object(br#"{"b":1,"a":[true,null,"x",1.5,-2]}"#).unwrap();
        let names: Vec<&str> = obj.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
        assert_eq!(obj.get("b"), Some(&Json::Int(1)));
        assert_eq!(
            Json::Object(obj).to_vec(),
            br#"{"b":1,"a":[true,null,"x",1.5,-2]}"#
        );
    }

    #[test]
    fn rejects_duplicates_small_and_large() {
        assert_eq!(parse(br#"{"a":1,"a":2}"#), Err(ParseError::Duplicate));
        let mut big = String::from("{");
        for i in 0..40 {
            big.push_str(&format!("\"k{i}\":{i},"));
        }
        big.push_str("\"k3\":0}");
        assert_eq!(parse(big.as_bytes()), Err(ParseError::Duplicate));
        assert_eq!(parse(br#"{"a":{"x":1,"x":1}}"#), Err(ParseError::Duplicate));
    }

    #[test]
    fn caps_depth() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(ok.as_bytes()).is_ok());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(deep.as_bytes()), Err(ParseError::TooDeep));
        let very_deep = "[".repeat(100_000);
        assert_eq!(parse(very_deep.as_bytes()), Err(ParseError::TooDeep));
    }

    #[test]
    fn rejects_bad_syntax_and_non_objects() {
        for bad in [
            &b"{"[..],
            b"{\"a\":1} x",
            b"\xff",
            b"{\"a\":\"\\ud800\"}",
            b"NaN",
        ] {
            assert_eq!(parse(bad), Err(ParseError::Syntax), "{bad:?}");
        }
        assert_eq!(parse_object(b"[1]"), Err(ParseError::NotAnObject));
    }

    #[test]
    fn numbers() {
        assert_eq!(parse(b"18446744073709551615"), Ok(Json::UInt(u64::MAX)));
        assert_eq!(parse(b"-1").unwrap().as_f64(), Some(-1.0));
        assert_eq!(parse(b"true").unwrap().as_f64(), None);
    }
}

pub mod py {
    //! Conversion between [`Json`] and Python objects (claims in, claims out).

    use super::{Json, Object, MAX_DEPTH};
    use crate::errors::Error;
    use pyo3::exceptions::PyTypeError;
    use pyo3::prelude::*;
    use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};

    /// Builds fresh Python objects, so no caller can mutate another caller's claims.
    pub fn to_py<'py>(py: Python<'py>, value: &Json) -> PyResult<Bound<'py, PyAny>> {
        Ok(match value {
            Json::Null => py.None().into_bound(py),
            Json::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
            Json::Int(i) => i.into_pyobject(py)?.into_any(),
            Json::UInt(u) => u.into_pyobject(py)?.into_any(),
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

    pub fn object_to_py<'py>(py: Python<'py>, object: &Object) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (k, v) in object.iter() {
            dict.set_item(k, to_py(py, v)?)?;
        }
        Ok(dict)
    }

    /// Converts a Python mapping (claims, headers) into a JSON object.
    pub fn object_from_py(value: &Bound<'_, PyAny>) -> PyResult<Object> {
        match from_py(value, 0)? {
            Json::Object(object) => Ok(object),
            _ => Err(PyTypeError::new_err("expected a mapping with string keys")),
        }
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
            return match i.extract::<u64>() {
                Ok(v) => Ok(Json::UInt(v)),
                Err(_) => Err(Error::config("integer does not fit in 64 bits").into()),
            };
        }
        if let Ok(f) = value.cast::<PyFloat>() {
            let v = f.value();
            if !v.is_finite() {
                return Err(Error::config("NaN and infinity are not JSON").into());
            }
            return Ok(Json::Float(v));
        }
        if let Ok(s) = value.cast::<PyString>() {
            return Ok(Json::Str(s.to_str()?.to_owned()));
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
            for item in mapping.items()?.iter() {
                let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
                let key = k
                    .cast::<PyString>()
                    .map_err(|_| PyTypeError::new_err("JSON object keys must be strings"))?;
                object.set(key.to_str()?, from_py(&v, depth + 1)?);
            }
            return Ok(Json::Object(object));
        }
        Err(PyTypeError::new_err(format!(
            "values of type {} are not JSON serializable",
            value.get_type().name()?
        )))
    }
}
