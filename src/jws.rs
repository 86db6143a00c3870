//! Compact JWS (RFC 7515) under DESIGN.md's policy: algorithms, strict splitting and header rules,
//! signature checks against a chosen key, and signing.

use crate::b64;
use crate::errors::{Error, Kind, Result};
use crate::hmac::Secret;
use crate::json::{self, Json, Object};
use crate::keys::{PrivateKey, PublicKey};

/// The algorithms keyturn knows. `none` is deliberately absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alg {
    EdDSA,
    Ed25519,
    HS256,
    HS384,
    HS512,
}

const ALL: [Alg; 5] = [Alg::EdDSA, Alg::Ed25519, Alg::HS256, Alg::HS384, Alg::HS512];

impl Alg {
    /// Exact, case-sensitive match (RFC 7515 §4.1.1).
    pub fn from_name(name: &str) -> Option<Alg> {
        ALL.into_iter().find(|a| a.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Alg::EdDSA => "EdDSA",
            Alg::Ed25519 => "Ed25519",
            Alg::HS256 => "HS256",
            Alg::HS384 => "HS384",
            Alg::HS512 => "HS512",
        }
    }

    pub fn is_hmac(self) -> bool {
        matches!(self, Alg::HS256 | Alg::HS384 | Alg::HS512)
    }

    pub fn hmac_len(self) -> usize {
        match self {
            Alg::HS256 => 32,
            Alg::HS384 => 48,
            Alg::HS512 => 64,
            Alg::EdDSA | Alg::Ed25519 => 0,
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A small set of algorithms (a bitmask in [`ALL`] order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct AlgSet(u8);

impl AlgSet {
    pub const ED25519: AlgSet = AlgSet((1 << Alg::EdDSA as u8) | (1 << Alg::Ed25519 as u8));

    pub fn only(alg: Alg) -> AlgSet {
        AlgSet(alg.bit())
    }

    pub fn contains(self, alg: Alg) -> bool {
        self.0 & alg.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Alg> {
        ALL.into_iter().filter(move |a| self.contains(*a))
    }

    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(Alg::name).collect()
    }

    /// The preferred algorithm: the first in [`ALL`] order. Key sets are never empty.
    pub fn first(self) -> Alg {
        self.iter()
            .next()
            .expect("a key always allows some algorithm")
    }

    pub fn single(self) -> Option<Alg> {
        (self.0.count_ones() == 1).then(|| self.first())
    }

    pub fn intersect(self, other: AlgSet) -> AlgSet {
        AlgSet(self.0 & other.0)
    }
}

impl FromIterator<Alg> for AlgSet {
    fn from_iter<I: IntoIterator<Item = Alg>>(iter: I) -> Self {
        AlgSet(iter.into_iter().fold(0, |acc, a| acc | a.bit()))
    }
}

/// The three segments of a compact token, still encoded.
pub struct Segments<'a> {
    pub header: &'a [u8],
    pub payload: &'a [u8],
    pub signature: &'a [u8],
    /// `header.payload`: the bytes the signature covers.
    pub signing_input: &'a [u8],
}

/// Splits a compact JWS after checking its size and alphabet, before any decoding.
pub fn split(token: &[u8], max_bytes: usize) -> Result<Segments<'_>> {
    if token.len() > max_bytes {
        return Err(Error::malformed(
            "token is larger than the configured limit",
        ));
    }
    let mut dots = [0usize; 2];
    let mut count = 0;
    for (i, &c) in token.iter().enumerate() {
        match c {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' => {}
            b'.' if count < 2 => {
                dots[count] = i;
                count += 1;
            }
            b'.' => {
                return Err(Error::malformed(
                    "token has more than three segments (JWE is not accepted)",
                ))
            }
            _ => {
                return Err(Error::malformed(
                    "token contains characters outside base64url",
                ))
            }
        }
    }
    if count != 2 {
        return Err(Error::malformed(
            "token must have three dot-separated segments",
        ));
    }
    Ok(Segments {
        header: &token[..dots[0]],
        payload: &token[dots[0] + 1..dots[1]],
        signature: &token[dots[1] + 1..],
        signing_input: &token[..dots[1]],
    })
}

/// Decodes a segment that must be a base64url JSON object.
pub fn decode_object(segment: &[u8], what: &'static str) -> Result<Object> {
    let bytes = b64::decode(segment)
        .ok_or_else(|| Error::malformed(format!("{what} is not strict base64url")))?;
    json::parse_object(&bytes).map_err(|e| Error::malformed(format!("{what} {}", e.describe())))
}

/// What the verifier needs from a checked protected header.
pub struct Header {
    pub object: Object,
    pub alg: Alg,
    pub kid: Option<String>,
}

/// Registered header parameters (RFC 7515 §4.1, RFC 7516 §4.1): they may not appear in `crit`.
const REGISTERED: [&str; 14] = [
    "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit", "enc",
    "zip", "epk",
];

/// Applies the header rules of the security policy. `allowed` is the verifier's allowlist.
pub fn check_header(object: Object, allowed: AlgSet) -> Result<Header> {
    let alg = match object.get("alg") {
        Some(Json::Str(name)) => Alg::from_name(name)
            .filter(|a| allowed.contains(*a))
            .ok_or_else(|| {
                Error::new(Kind::AlgorithmNotAllowed, "token algorithm is not allowed")
            })?,
        Some(_) => return Err(Error::malformed("header alg must be a string")),
        None => return Err(Error::malformed("header has no alg")),
    };
    for jwe in ["enc", "zip"] {
        if object.contains(jwe) {
            return Err(Error::malformed(
                "encrypted or compressed tokens (JWE) are not accepted",
            ));
        }
    }
    match object.get("b64") {
        None | Some(Json::Bool(true)) => {}
        Some(_) => {
            return Err(Error::malformed(
                "unencoded payloads (b64: false) are not accepted",
            ))
        }
    }
    check_crit(&object)?;
    if let Some(cty) = object.get("cty") {
        let cty = cty
            .as_str()
            .ok_or_else(|| Error::malformed("header cty must be a string"))?;
        if cty.eq_ignore_ascii_case("JWT") || cty.eq_ignore_ascii_case("application/jwt") {
            return Err(Error::malformed(
                "nested tokens (cty: JWT) are not accepted",
            ));
        }
    }
    if object.get("typ").is_some_and(|t| t.as_str().is_none()) {
        return Err(Error::malformed("header typ must be a string"));
    }
    let kid = match object.get("kid") {
        None => None,
        Some(Json::Str(k)) => Some(k.clone()),
        Some(_) => return Err(Error::malformed("header kid must be a string")),
    };
    Ok(Header { object, alg, kid })
}

/// RFC 7515 §4.1.11: every critical extension must be understood. The only one we understand is
/// `b64`, and only as `true` (already enforced above).
fn check_crit(header: &Object) -> Result<()> {
    let Some(crit) = header.get("crit") else {
        return Ok(());
    };
    let Json::Array(names) = crit else {
        return Err(Error::malformed("header crit must be an array"));
    };
    if names.is_empty() {
        return Err(Error::malformed("header crit must not be empty"));
    }
    for name in names {
        let name = name
            .as_str()
            .ok_or_else(|| Error::malformed("header crit entries must be strings"))?;
        if REGISTERED.contains(&name) {
            return Err(Error::malformed("header crit lists a registered parameter"));
        }
        if name != "b64" {
            return Err(Error::malformed(
                "header crit lists an unsupported extension",
            ));
        }
        if !header.contains(name) {
            return Err(Error::malformed(
                "header crit lists a parameter that is absent",
            ));
        }
    }
    Ok(())
}

/// A key the verifier can check signatures with.
#[derive(Clone)]
pub enum VerifyKey {
    Ed25519(PublicKey),
    Hmac(Secret),
}

impl VerifyKey {
    pub fn kid(&self) -> Option<&str> {
        match self {
            VerifyKey::Ed25519(k) => Some(&k.kid),
            VerifyKey::Hmac(k) => k.kid.as_deref(),
        }
    }

    /// The algorithms this key may verify: bound to its type (an Ed25519 key is never an HMAC
    /// secret) and narrowed by its JWK `alg` or its length.
    pub fn algs(&self) -> AlgSet {
        match self {
            VerifyKey::Ed25519(k) => k.algs,
            VerifyKey::Hmac(k) => k.algs,
        }
    }

    pub fn verify(&self, alg: Alg, signing_input: &[u8], signature: &[u8]) -> bool {
        if !self.algs().contains(alg) {
            return false;
        }
        match self {
            VerifyKey::Ed25519(k) => k.verify(signing_input, signature),
            VerifyKey::Hmac(k) => k.verify(alg, signing_input, signature),
        }
    }
}

/// A key keyturn holds itself and can sign with.
pub enum SignKey<'a> {
    Ed25519(&'a PrivateKey),
    Hmac(&'a Secret),
}

impl SignKey<'_> {
    pub fn kid(&self) -> Option<&str> {
        match self {
            SignKey::Ed25519(k) => Some(&k.kid),
            SignKey::Hmac(k) => k.kid.as_deref(),
        }
    }

    pub fn algs(&self) -> AlgSet {
        match self {
            SignKey::Ed25519(k) => k.algs,
            SignKey::Hmac(k) => k.algs,
        }
    }

    pub fn sign(&self, alg: Alg, message: &[u8]) -> Result<Vec<u8>> {
        match self {
            SignKey::Ed25519(k) => Ok(k.sign(message).to_vec()),
            SignKey::Hmac(k) => k.sign(alg, message),
        }
    }
}

/// Header parameters a caller may not set through `headers=`: keyturn writes `alg` itself and
/// does not produce critical extensions or unencoded payloads.
const RESERVED_ON_ENCODE: [&str; 3] = ["alg", "crit", "b64"];

/// Builds the protected header for `encode`: `alg`, `typ` (default `JWT`), `kid`, then extras.
/// An extra `typ` or `kid` of `None` leaves that parameter out (as PyJWT does for `typ`).
pub fn build_header(alg: Alg, kid: Option<&str>, extra: Option<&Object>) -> Result<Object> {
    let mut header = Object::new();
    header.set("alg", Json::Str(alg.name().into()));
    header.set("typ", Json::Str("JWT".into()));
    if let Some(kid) = kid {
        header.set("kid", Json::Str(kid.into()));
    }
    for (name, value) in extra.into_iter().flat_map(Object::iter) {
        if RESERVED_ON_ENCODE.contains(&name.as_str()) {
            return Err(Error::config(format!(
                "header {name:?} cannot be set through headers"
            )));
        }
        match (name.as_str(), value) {
            ("typ" | "kid", Json::Null) => header.remove(name),
            _ => header.set(name.clone(), value.clone()),
        }
    }
    Ok(header)
}

/// `base64url(header) "." base64url(claims)`, ready to be signed.
pub fn signing_input(header: &Object, claims: &Object) -> String {
    let header = serde_json::to_vec(header).expect("Json always serializes");
    let claims = serde_json::to_vec(claims).expect("Json always serializes");
    let mut out = String::with_capacity((header.len() + claims.len()) * 4 / 3 + 90);
    b64::encode_into(&header, &mut out);
    out.push('.');
    b64::encode_into(&claims, &mut out);
    out
}

/// Appends the signature segment.
pub fn finish(mut signing_input: String, signature: &[u8]) -> String {
    signing_input.push('.');
    b64::encode_into(signature, &mut signing_input);
    signing_input
}

/// The algorithm to sign with: the requested one if the key allows it, else the key's default.
pub fn choose_alg(requested: Option<&str>, allowed: AlgSet) -> Result<Alg> {
    match requested {
        None => Ok(allowed.first()),
        Some(name) => Alg::from_name(name)
            .filter(|a| allowed.contains(*a))
            .ok_or_else(|| {
                Error::new(
                    Kind::AlgorithmNotAllowed,
                    "this key cannot sign with that algorithm",
                )
            }),
    }
}

pub fn encode(
    claims: &Object,
    key: &SignKey<'_>,
    alg: Option<&str>,
    headers: Option<&Object>,
) -> Result<String> {
    let alg = choose_alg(alg, key.algs())?;
    let header = build_header(alg, key.kid(), headers)?;
    let input = signing_input(&header, claims);
    let signature = key.sign(alg, input.as_bytes())?;
    Ok(finish(input, &signature))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kind and message of an error: every refusal below is named exactly.
    fn refusal<T>(result: Result<T>) -> (Kind, String) {
        match result {
            Ok(_) => panic!("expected a refusal"),
            Err(err) => (err.kind, err.message.into_owned()),
        }
    }

    fn malformed(message: &str) -> (Kind, String) {
        (Kind::Malformed, message.to_owned())
    }

    #[test]
    fn split_rules() {
        let s = split(b"hh.pp.ss", 100).unwrap();
        assert_eq!(s.header, b"hh");
        assert_eq!(s.payload, b"pp");
        assert_eq!(s.signature, b"ss");
        assert_eq!(s.signing_input, b"hh.pp");
        let s = split(b"..", 2).unwrap();
        assert_eq!(
            (s.header, s.payload, s.signature),
            (&b""[..], &b""[..], &b""[..])
        );
        for (token, message) in [
            (&b"a.b.c"[..], "token is larger than the configured limit"),
            (b"a.b", "token must have three dot-separated segments"),
            (
                b"a.b.c.d.e",
                "token has more than three segments (JWE is not accepted)",
            ),
            (b"a.b.c=", "token contains characters outside base64url"),
            (b"a.b .c", "token contains characters outside base64url"),
        ] {
            let limit = if token == b"a.b.c" { 4 } else { 100 };
            assert_eq!(refusal(split(token, limit)), malformed(message));
        }
    }

    fn header(json: &str) -> Result<Header> {
        check_header(
            json::parse_object(json.as_bytes()).unwrap(),
            AlgSet::ED25519,
        )
    }

    #[test]
    fn header_rules() {
        let ok = header(r#"{"alg":"EdDSA","kid":"k1"}"#).unwrap();
        assert_eq!((ok.alg, ok.kid.as_deref()), (Alg::EdDSA, Some("k1")));
        let ok = header(r#"{"alg":"Ed25519","crit":["b64"],"b64":true}"#).unwrap();
        assert_eq!((ok.alg, ok.kid), (Alg::Ed25519, None));
        for alg in ["none", "HS256", "eddsa"] {
            assert_eq!(
                refusal(header(&format!(r#"{{"alg":"{alg}"}}"#))),
                (
                    Kind::AlgorithmNotAllowed,
                    "token algorithm is not allowed".to_owned()
                ),
                "{alg}"
            );
        }
        for (json, message) in [
            (r#"{}"#, "header has no alg"),
            (r#"{"alg":1}"#, "header alg must be a string"),
            (
                r#"{"alg":"EdDSA","crit":["exp"],"exp":1}"#,
                "header crit lists an unsupported extension",
            ),
            (
                r#"{"alg":"EdDSA","crit":["kid"],"kid":"k"}"#,
                "header crit lists a registered parameter",
            ),
            (
                r#"{"alg":"EdDSA","crit":["b64"],"b64":false}"#,
                "unencoded payloads (b64: false) are not accepted",
            ),
            (
                r#"{"alg":"EdDSA","crit":["b64"]}"#,
                "header crit lists a parameter that is absent",
            ),
            (
                r#"{"alg":"EdDSA","crit":[]}"#,
                "header crit must not be empty",
            ),
            (
                r#"{"alg":"EdDSA","crit":"b64"}"#,
                "header crit must be an array",
            ),
            (
                r#"{"alg":"EdDSA","cty":"jwt"}"#,
                "nested tokens (cty: JWT) are not accepted",
            ),
            (r#"{"alg":"EdDSA","cty":1}"#, "header cty must be a string"),
            (r#"{"alg":"EdDSA","typ":1}"#, "header typ must be a string"),
            (r#"{"alg":"EdDSA","kid":1}"#, "header kid must be a string"),
            (
                r#"{"alg":"EdDSA","enc":"A128GCM"}"#,
                "encrypted or compressed tokens (JWE) are not accepted",
            ),
        ] {
            assert_eq!(refusal(header(json)), malformed(message), "{json}");
        }
    }

    #[test]
    fn embedded_keys_are_not_refused_and_nothing_is_taken_from_them() {
        // A checked header hands the verifier only alg and kid: no jwk (not even its kid), jku,
        // x5u or x5c reaches key selection. That the verifier then never verifies with such a
        // key is tests/core/test_token_rules.py::test_embedded_keys_in_the_header_are_never_used.
        let checked = header(
            r#"{"alg":"EdDSA","jwk":{"kty":"OKP","crv":"Ed25519","x":"AA","kid":"attacker"},
                "jku":"https://evil.example/jwks","x5u":"https://evil.example/c","x5c":["MIIB"]}"#,
        )
        .unwrap();
        assert_eq!((checked.alg, checked.kid), (Alg::EdDSA, None));
    }

    #[test]
    fn encode_refuses_reserved_headers() {
        let sk = PrivateKey::generate(None);
        for name in RESERVED_ON_ENCODE {
            let extra = json::parse_object(format!(r#"{{"{name}":"x"}}"#).as_bytes()).unwrap();
            assert_eq!(
                refusal(encode(
                    &Object::new(),
                    &SignKey::Ed25519(&sk),
                    None,
                    Some(&extra)
                )),
                (
                    Kind::Configuration,
                    format!("header \"{name}\" cannot be set through headers")
                )
            );
        }
    }

    #[test]
    fn rfc8037_a4_signature() {
        // RFC 8037 Appendix A.4: signing input and signature, byte for byte.
        let seed = b64::decode(b"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A").unwrap();
        let sk = PrivateKey::from_seed(&seed, None).unwrap();
        let input = b"eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
        let sig = b64::encode(&sk.sign(input));
        assert_eq!(sig, "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");
    }
}
