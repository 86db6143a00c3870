//! A strict JSON value for JOSE headers and claims.
//!
//! serde_json's own `Value` silently keeps the last of duplicate member names (as Python's `json`
//! does); RFC 7515 §4 lets a recipient reject them and we do, so this module parses into its own
//! order-preserving tree with duplicate detection and a nesting cap.
//!
//! Numbers follow Python's `json`: an integer of any size up to [`MAX_INT_DIGITS`] digits comes
//! back exact (never rounded to a double), and a fraction or exponent is a double read with
//! correct rounding. serde_json's `arbitrary_precision` hands us the text of every number that is
//! not a 64-bit integer, so both rules are ours, not a side effect of its parser.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use std::collections::HashSet;
use std::fmt;

/// Deepest nesting accepted in a header or claims set; real tokens use two or three levels.
pub const MAX_DEPTH: usize = 32;

/// Longest integer accepted, in digits: CPython's default `sys.get_int_max_str_digits()`, the
/// limit Python's own `json` applies (it bounds the quadratic cost of decimal conversion).
pub const MAX_INT_DIGITS: usize = 4300;

#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    /// An integer beyond 64 bits, as its canonical decimal text (`-?[1-9][0-9]*`).
    BigInt(String),
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

    /// A JSON number as f64 (an integer beyond the double range becomes an infinity); booleans
    /// and strings are not numbers.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Json::Int(i) => Some(*i as f64),
            Json::UInt(u) => Some(*u as f64),
            Json::BigInt(digits) => digits.parse().ok(),
            Json::Float(f) => Some(*f),
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
    /// An integer longer than [`MAX_INT_DIGITS`] or a double beyond the f64 range.
    NumberOutOfRange,
    /// serde_json's private member name for numbers, which a document may not use itself.
    ReservedName,
}

impl ParseError {
    pub fn describe(&self) -> &'static str {
        match self {
            ParseError::Syntax => "is not valid UTF-8 JSON",
            ParseError::Duplicate => "has a duplicate member name",
            ParseError::TooDeep => "is nested too deeply",
            ParseError::NotAnObject => "is not a JSON object",
            ParseError::NumberOutOfRange => "has a number out of range",
            ParseError::ReservedName => "uses a reserved member name",
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
    } else if text.starts_with(OUT_OF_RANGE) {
        ParseError::NumberOutOfRange
    } else if text.contains(RESERVED) {
        ParseError::ReservedName
    } else {
        ParseError::Syntax
    }
}

const DUPLICATE: &str = "keyturn:duplicate";
const TOO_DEEP: &str = "keyturn:too-deep";
const OUT_OF_RANGE: &str = "keyturn:number-out-of-range";
const RESERVED: &str = "keyturn:reserved-name";

/// How serde_json (`arbitrary_precision`) passes a number that is not a 64-bit integer to
/// `visit_map`: one member of this name whose value, the number's text, arrives through
/// `visit_string`. A document's own strings arrive through `visit_str`/`visit_borrowed_str`,
/// which is how [`NumberText`] tells the two apart.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Reads serde_json's number text (a syntactically valid JSON number) the way Python's `json`
/// does: integers exactly, anything with a fraction or exponent as a correctly rounded double.
fn number_from_text<E: de::Error>(text: String) -> Result<Json, E> {
    if text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
        return match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Json::Float(v)),
            _ => Err(E::custom(OUT_OF_RANGE)),
        };
    }
    // serde_json gives 64-bit integers to visit_i64/visit_u64, except "-0" (Python: 0).
    if let Ok(i) = text.parse::<i64>() {
        return Ok(Json::Int(i));
    }
    if text.trim_start_matches('-').len() > MAX_INT_DIGITS {
        return Err(E::custom(OUT_OF_RANGE));
    }
    Ok(Json::BigInt(text))
}

/// The value under [`NUMBER_TOKEN`]: serde_json's number text, or else a document string.
struct NumberText;

impl<'de> DeserializeSeed<'de> for NumberText {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_string(self)
    }
}

impl Visitor<'_> for NumberText {
    type Value = String;

    // Any visit but visit_string is the document using the reserved name itself; the default
    // visit_* methods refuse it with an "expected ..." message naming this marker.
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(RESERVED)
    }

    fn visit_string<E>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<String, E> {
        Err(E::custom(RESERVED))
    }
}

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
            if name == NUMBER_TOKEN {
                if !members.is_empty() {
                    return Err(de::Error::custom(RESERVED));
                }
                let text = map.next_value_seed(NumberText)?;
                return number_from_text(text);
            }
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
            // Parsing canonical digits with arbitrary_precision keeps them as text, so serde_json
            // writes them out verbatim.
            Json::BigInt(digits) => digits
                .parse::<serde_json::Number>()
                .map_err(serde::ser::Error::custom)?
                .serialize(s),
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
        let nested = (1..MAX_DEPTH).fold(Json::Array(vec![]), |v, _| Json::Array(vec![v]));
        assert_eq!(parse(ok.as_bytes()), Ok(nested));
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
        assert_eq!(parse(b"-9223372036854775808"), Ok(Json::Int(i64::MIN)));
        assert_eq!(parse(b"-1").unwrap().as_f64(), Some(-1.0));
        assert_eq!(parse(b"true").unwrap().as_f64(), None);
        assert_eq!(parse(b"-0"), Ok(Json::Int(0)));
        assert_eq!(parse(b"1.0"), Ok(Json::Float(1.0)));
        assert_eq!(parse(b"1E2"), Ok(Json::Float(100.0)));
        assert_eq!(parse(b"-0.0"), Ok(Json::Float(-0.0)));
    }

    #[test]
    fn integers_beyond_64_bits_are_exact_both_ways() {
        for digits in [
            "18446744073709551616",
            "-9223372036854775809",
            "1180591620717411303424",
        ] {
            let value = parse(digits.as_bytes()).unwrap();
            assert_eq!(value, Json::BigInt(digits.to_owned()));
            assert_eq!(value.to_vec(), digits.as_bytes());
        }
        let obj = parse_object(br#"{"big":[1180591620717411303424]}"#).unwrap();
        assert_eq!(
            Json::Object(obj).to_vec(),
            br#"{"big":[1180591620717411303424]}"#
        );
        assert_eq!(
            parse(b"1180591620717411303424").unwrap().as_f64(),
            Some(1180591620717411303424.0)
        );
        let longest = "9".repeat(MAX_INT_DIGITS);
        assert_eq!(
            parse(longest.as_bytes()).unwrap().as_f64(),
            Some(f64::INFINITY)
        );
        assert_eq!(
            parse(format!("-{longest}").as_bytes()),
            Ok(Json::BigInt(format!("-{longest}")))
        );
        let too_long = "9".repeat(MAX_INT_DIGITS + 1);
        assert_eq!(
            parse(too_long.as_bytes()),
            Err(ParseError::NumberOutOfRange)
        );
    }

    #[test]
    fn doubles_round_trip_exactly_and_stay_finite() {
        // Shortest representations that need correct rounding to come back bit for bit.
        for text in [
            "0.1",
            "2.2250738585072014e-308",
            "1.7976931348623157e308",
            "5e-324",
        ] {
            let Json::Float(v) = parse(text.as_bytes()).unwrap() else {
                panic!("{text} is not a double");
            };
            assert_eq!(v, text.parse::<f64>().unwrap(), "{text}");
            assert_eq!(parse(&Json::Float(v).to_vec()), Ok(Json::Float(v)));
        }
        for bad in [&b"1e400"[..], b"-1e400", b"[1.8e308]"] {
            assert_eq!(parse(bad), Err(ParseError::NumberOutOfRange), "{bad:?}");
        }
        for bad in [&b"1."[..], b".5", b"01", b"1e", b"+1", b"0x10"] {
            assert_eq!(parse(bad), Err(ParseError::Syntax), "{bad:?}");
        }
    }

    #[test]
    fn serde_json_number_member_name_is_reserved() {
        // serde_json's own marker, spelled by the document: never read as a number.
        for doc in [
            &br#"{"$serde_json::private::Number":"1"}"#[..],
            br#"{"$serde_json::private::Number":1}"#,
            br#"{"$serde_json::private::Number":{}}"#,
            br#"{"a":1,"$serde_json::private::Number":"1"}"#,
            br#"{"a":{"$serde_json::private::Number":"1e5"}}"#,
            br#"{"\u0024serde_json::private::Number":"1"}"#,
        ] {
            assert_eq!(
                parse(doc),
                Err(ParseError::ReservedName),
                "{}",
                String::from_utf8_lossy(doc)
            );
        }
    }
}
