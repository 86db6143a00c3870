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
use serde::ser::Serialize;
use std::collections::HashSet;
use std::fmt;
use std::ops::Range;

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

    pub fn write(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        for (i, (name, value)) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_str(out, name);
            out.push(b':');
            value.write(out);
        }
        out.push(b'}');
    }
}

impl Json {
    /// Neither an array nor an object: a value with nothing inside it to change.
    pub fn is_scalar(&self) -> bool {
        !matches!(self, Json::Array(_) | Json::Object(_))
    }

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
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    /// Appends this value as JSON text: strings by [`write_str`], numbers as serde_json writes
    /// them, an integer beyond 64 bits as its canonical digits.
    pub fn write(&self, out: &mut Vec<u8>) {
        match self {
            Json::Null => out.extend_from_slice(b"null"),
            Json::Bool(true) => out.extend_from_slice(b"true"),
            Json::Bool(false) => out.extend_from_slice(b"false"),
            Json::Int(i) => write_number(out, i),
            Json::UInt(u) => write_number(out, u),
            Json::BigInt(digits) => out.extend_from_slice(digits.as_bytes()),
            Json::Float(f) => write_number(out, f),
            Json::Str(s) => write_str(out, s),
            Json::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.write(out);
                }
                out.push(b']');
            }
            Json::Object(object) => object.write(out),
        }
    }
}

/// An object being written: each member's name and the JSON text of its value, in order, one per
/// name (a name given again keeps its place and takes the new value, as [`Object::set`] does).
/// Names and values share one buffer.
#[derive(Debug, Default)]
pub struct Members {
    text: Vec<u8>,
    entries: Vec<(Range<usize>, Range<usize>)>,
}

impl Members {
    pub fn new() -> Self {
        Members::default()
    }

    /// Adds `name` with the value `write` appends as JSON text.
    pub fn push_with<E>(
        &mut self,
        name: &str,
        write: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
    ) -> Result<(), E> {
        let at = self.text.len();
        self.text.extend_from_slice(name.as_bytes());
        let value_at = self.text.len();
        write(&mut self.text)?;
        let value = value_at..self.text.len();
        match self
            .entries
            .iter()
            .position(|(n, _)| self.text[n.clone()] == *name.as_bytes())
        {
            Some(i) => {
                // The name's bytes just written are left unused in the buffer.
                self.entries[i].1 = value;
            }
            None => self.entries.push((at..value_at, value)),
        }
        Ok(())
    }

    /// `(name, JSON text of the value)` in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.entries.iter().map(|(name, value)| {
            let name = std::str::from_utf8(&self.text[name.clone()]).expect("names are str");
            (name, &self.text[value.clone()])
        })
    }

    pub fn write_object(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        for (i, (name, value)) in self.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_str(out, name);
            out.push(b':');
            out.extend_from_slice(value);
        }
        out.push(b'}');
    }
}

impl From<&Object> for Members {
    fn from(object: &Object) -> Self {
        let mut members = Members::new();
        for (name, value) in object.iter() {
            let written: Result<(), ()> = members.push_with(name, |out| {
                value.write(out);
                Ok(())
            });
            written.expect("writing a Json tree cannot fail");
        }
        members
    }
}

/// Appends `s` as a JSON string, escaped exactly as serde_json escapes it (the bytes of tokens
/// signed before this writer existed stay the same): `"` and `\\`, the short escapes `\b \t \n
/// \f \r`, `\u00xx` (lower-case hex) for the other control characters, everything else as is.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut plain = 0;
    while let Some(offset) = first_to_escape(&bytes[plain..]) {
        let at = plain + offset;
        out.extend_from_slice(&bytes[plain..at]);
        write_escape(out, bytes[at]);
        plain = at + 1;
    }
    out.extend_from_slice(&bytes[plain..]);
    out.push(b'"');
}

/// The index of the first byte that needs an escape, eight bytes at a time (the last few padded
/// with a plain byte): names and claims are mostly plain ASCII.
fn first_to_escape(bytes: &[u8]) -> Option<usize> {
    let mut chunks = bytes.chunks_exact(8);
    for (i, chunk) in chunks.by_ref().enumerate() {
        if has_escape(chunk.try_into().expect("eight bytes")) {
            return chunk
                .iter()
                .position(|&b| needs_escape(b))
                .map(|j| i * 8 + j);
        }
    }
    let tail = chunks.remainder();
    let mut padded = [b'a'; 8];
    padded[..tail.len()].copy_from_slice(tail);
    if !has_escape(padded) {
        return None;
    }
    let done = bytes.len() - tail.len();
    tail.iter().position(|&b| needs_escape(b)).map(|j| done + j)
}

/// Whether any of eight bytes needs an escape. A byte of `x` is zero exactly where the high bit
/// of `zero_bytes(x)` is set (a byte above a zero one may be flagged too: the exact scan after a
/// hit sorts that out).
fn has_escape(chunk: [u8; 8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let zero_bytes = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let x = u64::from_ne_bytes(chunk);
    // Control characters: below 0x20 means no bit of 0xe0 set.
    let control = zero_bytes(x & u64::from_ne_bytes([0xe0; 8]));
    let quote = zero_bytes(x ^ u64::from_ne_bytes([b'"'; 8]));
    let backslash = zero_bytes(x ^ u64::from_ne_bytes([b'\\'; 8]));
    control | quote | backslash != 0
}

fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

fn write_escape(out: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let short = match b {
        b'"' => b'"',
        b'\\' => b'\\',
        0x08 => b'b',
        b'\t' => b't',
        b'\n' => b'n',
        0x0c => b'f',
        b'\r' => b'r',
        _ => {
            let hex = [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]];
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', hex[0], hex[1]]);
            return;
        }
    };
    out.extend_from_slice(&[b'\\', short]);
}

/// An integer or a finite double as serde_json writes it (itoa, and the shortest digits that
/// read back to the same double).
pub fn write_number<N: Serialize + ?Sized>(out: &mut Vec<u8>, n: &N) {
    serde_json::to_writer(out, n).expect("a number always serializes");
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
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let every_ascii: String = (0..128u8).map(char::from).collect();
        let mut samples = vec![every_ascii, "é€😀/".to_owned(), String::new()];
        // Escapes at every offset of the eight-byte scan, and between plain runs.
        for at in 0..20 {
            for c in ['"', '\\', '\n', '\u{1f}', '\u{7f}', 'é'] {
                let mut s = "a".repeat(20);
                s.insert(at, c);
                samples.push(s);
            }
        }
        for s in samples {
            let mut out = Vec::new();
            write_str(&mut out, &s);
            assert_eq!(out, serde_json::to_vec(&s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn members_keep_one_place_per_name() {
        let mut members = Members::new();
        for (name, value) in [("x", "1"), ("y", "2"), ("x", "3")] {
            let pushed: Result<(), ()> = members.push_with(name, |out| {
                out.extend_from_slice(value.as_bytes());
                Ok(())
            });
            pushed.unwrap();
        }
        let mut out = Vec::new();
        members.write_object(&mut out);
        assert_eq!(out, br#"{"x":3,"y":2}"#);
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
