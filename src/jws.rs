//! Compact JWS (RFC 7515) under DESIGN.md's policy: algorithms, strict splitting and header rules,
//! signature checks against a chosen key, and signing.

use crate::b64;
use crate::errors::{Error, Kind, Result};
use crate::hmac::Secret;
use crate::json::{self, Json, Members, Object};
use crate::keys::{PrivateKey, PublicKey};

/// The algorithms keyturn knows. `none` is deliberately absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alg {
    EdDSA,
    Ed25519,
    HS256,
    HS384,
    HS512,
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    ES512,
}

const ALL: [Alg; 14] = [
    Alg::EdDSA,
    Alg::Ed25519,
    Alg::HS256,
    Alg::HS384,
    Alg::HS512,
    Alg::RS256,
    Alg::RS384,
    Alg::RS512,
    Alg::PS256,
    Alg::PS384,
    Alg::PS512,
    Alg::ES256,
    Alg::ES384,
    Alg::ES512,
];

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
            Alg::RS256 => "RS256",
            Alg::RS384 => "RS384",
            Alg::RS512 => "RS512",
            Alg::PS256 => "PS256",
            Alg::PS384 => "PS384",
            Alg::PS512 => "PS512",
            Alg::ES256 => "ES256",
            Alg::ES384 => "ES384",
            Alg::ES512 => "ES512",
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
            _ => 0,
        }
    }

    /// The exact signature length, where the algorithm fixes one (RSA's follows the modulus).
    pub fn signature_len(self) -> Option<usize> {
        match self {
            Alg::EdDSA | Alg::Ed25519 | Alg::ES256 => Some(64),
            Alg::HS256 | Alg::HS384 | Alg::HS512 => Some(self.hmac_len()),
            Alg::ES384 => Some(96),
            Alg::ES512 => Some(132),
            _ => None,
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A small set of algorithms (a bitmask in [`ALL`] order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct AlgSet(u16);

impl AlgSet {
    pub const ED25519: AlgSet = AlgSet((1 << Alg::EdDSA as u16) | (1 << Alg::Ed25519 as u16));
    /// Every RSA algorithm: PKCS#1 v1.5 and PSS.
    pub const RSA: AlgSet = AlgSet(
        (1 << Alg::RS256 as u16)
            | (1 << Alg::RS384 as u16)
            | (1 << Alg::RS512 as u16)
            | (1 << Alg::PS256 as u16)
            | (1 << Alg::PS384 as u16)
            | (1 << Alg::PS512 as u16),
    );

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
    /// Ed25519, RSA or EC: bound to the algorithms of its type.
    Public(PublicKey),
    Hmac(Secret),
}

impl VerifyKey {
    pub fn kid(&self) -> Option<&str> {
        match self {
            VerifyKey::Public(k) => Some(&k.kid),
            VerifyKey::Hmac(k) => k.kid.as_deref(),
        }
    }

    /// The algorithms this key may verify: bound to its type (a public key is never an HMAC
    /// secret) and narrowed by its JWK `alg`, its curve, its size or its length.
    pub fn algs(&self) -> AlgSet {
        match self {
            VerifyKey::Public(k) => k.algs,
            VerifyKey::Hmac(k) => k.algs,
        }
    }

    pub fn verify(&self, alg: Alg, signing_input: &[u8], signature: &[u8]) -> bool {
        match self {
            VerifyKey::Public(k) => k.verify(alg, signing_input, signature),
            VerifyKey::Hmac(k) => {
                self.algs().contains(alg) && k.verify(alg, signing_input, signature)
            }
        }
    }
}

/// A key keyturn holds itself and can sign with.
pub enum SignKey<'a> {
    Private(&'a PrivateKey),
    Hmac(&'a Secret),
}

impl SignKey<'_> {
    pub fn kid(&self) -> Option<&str> {
        match self {
            SignKey::Private(k) => Some(&k.kid),
            SignKey::Hmac(k) => k.kid.as_deref(),
        }
    }

    pub fn algs(&self) -> AlgSet {
        match self {
            SignKey::Private(k) => k.algs,
            SignKey::Hmac(k) => k.algs,
        }
    }

    pub fn sign(&self, alg: Alg, message: &[u8]) -> Result<Vec<u8>> {
        match self {
            SignKey::Private(k) => k.sign(alg, message),
            SignKey::Hmac(k) => k.sign(alg, message),
        }
    }
}

/// Header parameters a caller may not set through `headers=`: keyturn writes `alg` itself and
/// does not produce critical extensions or unencoded payloads.
const RESERVED_ON_ENCODE: [&str; 3] = ["alg", "crit", "b64"];

/// Writes the protected header for `encode` as JSON: `alg`, `typ` (default `JWT`), `kid`, then
/// the extra parameters in their order; an extra `typ`, or an extra `kid` where the key has one,
/// takes that parameter's place. An extra `typ` or `kid` of `None` (`null`) leaves that parameter
/// out (as PyJWT does for `typ`).
pub fn write_header(out: &mut Vec<u8>, alg: Alg, kid: Option<&str>, extra: &Members) -> Result<()> {
    if let Some((name, _)) = extra
        .iter()
        .find(|(name, _)| RESERVED_ON_ENCODE.contains(name))
    {
        return Err(Error::config(format!(
            "header {name:?} cannot be set through headers"
        )));
    }
    let given = |wanted: &str| extra.iter().find(|(name, _)| *name == wanted);
    out.extend_from_slice(b"{\"alg\":");
    json::write_str(out, alg.name());
    match given("typ") {
        None => out.extend_from_slice(b",\"typ\":\"JWT\""),
        Some((_, b"null")) => {}
        Some((_, typ)) => write_member(out, "typ", typ),
    }
    if let Some(kid) = kid {
        match given("kid") {
            None => {
                out.extend_from_slice(b",\"kid\":");
                json::write_str(out, kid);
            }
            Some((_, b"null")) => {}
            Some((_, value)) => write_member(out, "kid", value),
        }
    }
    for (name, value) in extra.iter() {
        let placed = name == "typ" || (name == "kid" && (kid.is_some() || value == b"null"));
        if !placed {
            write_member(out, name, value);
        }
    }
    out.push(b'}');
    Ok(())
}

fn write_member(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.push(b',');
    json::write_str(out, name);
    out.push(b':');
    out.extend_from_slice(value);
}

/// `base64url(header) "." base64url(claims)`, ready to be signed, in one buffer sized for the
/// signature segment too (RSA's length follows the modulus: its room is a guess).
pub fn signing_input(header: &[u8], claims: &[u8], alg: Alg) -> Vec<u8> {
    let signature = b64::encoded_len(alg.signature_len().unwrap_or(512));
    let len = b64::encoded_len(header.len()) + b64::encoded_len(claims.len()) + signature + 2;
    let mut out = Vec::with_capacity(len);
    b64::encode_into(header, &mut out);
    out.push(b'.');
    b64::encode_into(claims, &mut out);
    out
}

/// Appends the signature segment.
pub fn finish(mut signing_input: Vec<u8>, signature: &[u8]) -> String {
    signing_input.push(b'.');
    b64::encode_into(signature, &mut signing_input);
    String::from_utf8(signing_input).expect("base64url is ASCII")
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

/// Signs claims already written as a JSON object, with `extra` header parameters.
pub fn sign_json(
    claims: &[u8],
    key: &SignKey<'_>,
    alg: Option<&str>,
    extra: &Members,
) -> Result<String> {
    let alg = choose_alg(alg, key.algs())?;
    let mut header = Vec::with_capacity(64);
    write_header(&mut header, alg, key.kid(), extra)?;
    let input = signing_input(&header, claims, alg);
    let signature = key.sign(alg, &input)?;
    Ok(finish(input, &signature))
}

pub fn encode(
    claims: &Object,
    key: &SignKey<'_>,
    alg: Option<&str>,
    headers: Option<&Object>,
) -> Result<String> {
    let extra = headers.map(Members::from).unwrap_or_default();
    let mut json = Vec::new();
    claims.write(&mut json);
    sign_json(&json, key, alg, &extra)
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
        let sk = PrivateKey::generate(None, None, 0).unwrap();
        for name in RESERVED_ON_ENCODE {
            let extra = json::parse_object(format!(r#"{{"{name}":"x"}}"#).as_bytes()).unwrap();
            assert_eq!(
                refusal(encode(
                    &Object::new(),
                    &SignKey::Private(&sk),
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
        let sig = b64::encode(&sk.sign(Alg::EdDSA, input).unwrap());
        assert_eq!(sig, "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg");
    }
}
