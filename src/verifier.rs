//! The compiled verifier: a key set, an algorithm allowlist and a claim policy, applied to one
//! token at a time without touching Python.

use crate::b64;
use crate::cache::Cache;
use crate::claims::Policy;
use crate::errors::{Error, Kind, Result};
use crate::json::Object;
use crate::jws::{self, AlgSet, Header, VerifyKey};
use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// Default cap on a token's length, checked before any decoding.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// Keys indexed by `kid`, an opaque lookup string.
pub struct KeySet {
    keys: Vec<VerifyKey>,
    by_kid: HashMap<String, usize>,
}

impl KeySet {
    pub fn new(keys: Vec<VerifyKey>) -> Result<Self> {
        let mut by_kid = HashMap::new();
        for (i, key) in keys.iter().enumerate() {
            if let Some(kid) = key.kid() {
                if by_kid.insert(kid.to_owned(), i).is_some() {
                    return Err(Error::invalid_key("two keys share one kid"));
                }
            }
        }
        Ok(KeySet { keys, by_kid })
    }

    pub fn kids(&self) -> impl Iterator<Item = Option<&str>> {
        self.keys.iter().map(VerifyKey::kid)
    }

    /// By `kid` when the token names one; without a `kid`, only if exactly one key could verify.
    pub fn select(&self, header: &Header) -> Result<&VerifyKey> {
        let key = match &header.kid {
            Some(kid) => self
                .by_kid
                .get(kid)
                .map(|&i| &self.keys[i])
                .ok_or_else(|| {
                    Error::new(Kind::UnknownKey, "no key is known for the token's kid")
                })?,
            None => {
                let mut candidates = self.keys.iter().filter(|k| k.algs().contains(header.alg));
                match (candidates.next(), candidates.next()) {
                    (Some(key), None) => key,
                    (None, _) => {
                        return Err(Error::new(Kind::UnknownKey, "no key can verify this token"))
                    }
                    (Some(_), Some(_)) => {
                        return Err(Error::coded(
                            Kind::UnknownKey,
                            "key_ambiguous",
                            "token has no kid and more than one key could verify it",
                        ))
                    }
                }
            }
        };
        if !key.algs().contains(header.alg) {
            return Err(Error::new(
                Kind::AlgorithmNotAllowed,
                "the key for this kid does not allow the token's algorithm",
            ));
        }
        Ok(key)
    }
}

pub struct Verifier {
    pub keys: KeySet,
    pub algs: AlgSet,
    pub policy: Policy,
    pub max_bytes: usize,
    pub cache: Option<Cache>,
}

/// A verified token's protected header and claims.
pub struct Verified {
    pub header: Object,
    pub claims: Object,
    /// The claims as the binding hands them out, made once for a cached token (the Python edge
    /// keeps a dict to copy on every hit: cheaper than building one). Empty until it does.
    pub kept: OnceLock<Box<dyn Any + Send + Sync>>,
}

impl Verified {
    pub fn new(header: Object, claims: Object) -> Self {
        Verified {
            header,
            claims,
            kept: OnceLock::new(),
        }
    }
}

/// A token whose header passed the rules and whose key is chosen, signature not yet checked.
/// Batch verification works on these.
pub struct Prepared<'t, 'k> {
    pub header: Header,
    pub key: &'k VerifyKey,
    pub signing_input: &'t [u8],
    pub signature: Vec<u8>,
    pub payload: &'t [u8],
}

pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The moment a token is checked at: the caller's `now`, or the clock. NaN compares false with
/// everything, so `exp <= now` would never hold and a token that expired in 1970 would verify;
/// infinities are as wrong. Checked here, at the one place every verify passes through.
pub fn moment(now: Option<f64>) -> Result<f64> {
    match now {
        None => Ok(self::now()),
        Some(at) if at.is_finite() => Ok(at),
        Some(_) => Err(Error::config(NOW_RULE)),
    }
}

pub const NOW_RULE: &str = "now must be a finite number of seconds since the epoch";

impl Verifier {
    pub fn new(
        keys: Vec<VerifyKey>,
        algs: AlgSet,
        policy: Policy,
        max_bytes: usize,
    ) -> Result<Self> {
        if algs.is_empty() {
            return Err(Error::config("at least one algorithm must be allowed"));
        }
        policy.validate()?;
        Ok(Verifier {
            keys: KeySet::new(keys)?,
            algs,
            policy,
            max_bytes,
            cache: None,
        })
    }

    /// Keeps up to `capacity` verified tokens (0 turns the cache off).
    pub fn with_cache(mut self, capacity: usize) -> Self {
        self.cache = (capacity > 0).then(|| Cache::new(capacity));
        self
    }

    /// Everything before the signature check: size, alphabet, header rules and key choice.
    pub fn prepare<'t>(&self, token: &'t [u8]) -> Result<Prepared<'t, '_>> {
        let segments = jws::split(token, self.max_bytes)?;
        let header = jws::check_header(jws::decode_object(segments.header, "header")?, self.algs)?;
        let key = self.keys.select(&header)?;
        let signature = b64::decode(segments.signature)
            .ok_or_else(|| Error::malformed("signature is not strict base64url"))?;
        Ok(Prepared {
            header,
            key,
            signing_input: segments.signing_input,
            signature,
            payload: segments.payload,
        })
    }

    /// Everything after the signature check: the payload and the claim policy.
    pub fn finish(&self, prepared: Prepared<'_, '_>, now: f64) -> Result<Verified> {
        let claims = jws::decode_object(prepared.payload, "payload")?;
        self.policy.check(&prepared.header.object, &claims, now)?;
        Ok(Verified::new(prepared.header.object, claims))
    }

    pub fn verify(&self, token: &[u8], now: f64) -> Result<Verified> {
        let prepared = self.prepare(token)?;
        if !prepared.key.verify(
            prepared.header.alg,
            prepared.signing_input,
            &prepared.signature,
        ) {
            return Err(Error::new(
                Kind::InvalidSignature,
                "signature does not verify",
            ));
        }
        self.finish(prepared, now)
    }

    /// `verify` through the cache. A hit skips parsing and the signature check but still runs the
    /// whole claim policy against `now`, so it answers exactly as an uncached verify would.
    pub fn verify_cached(&self, token: &[u8], now: f64) -> Result<Arc<Verified>> {
        self.cache_hit(token, now)
            .unwrap_or_else(|| self.verify_and_keep(token, now))
    }

    /// A cached token's answer, or None on a miss (or without a cache). Cheap enough that the
    /// Python edge asks it before releasing the GIL, which costs more than a hit.
    pub fn cache_hit(&self, token: &[u8], now: f64) -> Option<Result<Arc<Verified>>> {
        let hit = self.cache.as_ref()?.get(token)?;
        Some(
            self.policy
                .check(&hit.header, &hit.claims, now)
                .map(|()| hit),
        )
    }

    /// `verify`, keeping the result in the cache if there is one (after a [`Self::cache_hit`]
    /// miss).
    pub fn verify_and_keep(&self, token: &[u8], now: f64) -> Result<Arc<Verified>> {
        let verified = Arc::new(self.verify(token, now)?);
        if let Some(cache) = &self.cache {
            cache.insert(token, verified.clone());
        }
        Ok(verified)
    }
}

/// Parses a token strictly without checking its signature or claims (for inspection only).
pub fn unverified_parts(token: &[u8]) -> Result<(Object, Object)> {
    let segments = jws::split(token, MAX_TOKEN_BYTES)?;
    let header = jws::decode_object(segments.header, "header")?;
    let claims = jws::decode_object(segments.payload, "payload")?;
    Ok((header, claims))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hmac::Secret;
    use crate::json::{self, Json};
    use crate::jws::{encode, Alg, SignKey};
    use crate::keys::PrivateKey;

    fn claims() -> Object {
        let mut c = Object::new();
        c.set("sub", Json::Str("u".into()));
        c.set("exp", Json::Int(2000));
        c
    }

    #[test]
    fn a_moment_must_be_finite() {
        assert_eq!(moment(Some(1700.5)).unwrap(), 1700.5);
        assert!(moment(None).unwrap() > 1.7e9);
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let err = moment(Some(bad)).unwrap_err();
            assert_eq!(err.kind, Kind::Configuration);
            assert_eq!(err.message, NOW_RULE);
        }
    }

    fn verifier(keys: Vec<VerifyKey>) -> Verifier {
        Verifier::new(keys, AlgSet::ED25519, Policy::default(), MAX_TOKEN_BYTES).unwrap()
    }

    /// The kind (and code, where one is set) of a refused token.
    fn refusal(v: &Verifier, token: &[u8]) -> (Kind, Option<&'static str>) {
        let err = v
            .verify(token, 1000.0)
            .err()
            .expect("the token was accepted");
        (err.kind, err.code)
    }

    #[test]
    fn round_trip_and_tamper() {
        let sk = PrivateKey::generate(None, None, 0).unwrap();
        let token = encode(&claims(), &SignKey::Private(&sk), None, None).unwrap();
        let v = verifier(vec![VerifyKey::Public(sk.public())]);
        let out = v.verify(token.as_bytes(), 1000.0).unwrap();
        assert_eq!(out.claims, claims());
        let mut forged = token.clone().into_bytes();
        let n = forged.len();
        forged[n - 2] = if forged[n - 2] == b'A' { b'B' } else { b'A' };
        assert_eq!(refusal(&v, &forged), (Kind::InvalidSignature, None));
        let err = v.verify(token.as_bytes(), 2000.0).err().unwrap();
        assert_eq!(err.kind, Kind::Expired);
    }

    #[test]
    fn key_selection() {
        let a = PrivateKey::generate(Some("a".into()), None, 0).unwrap();
        let b = PrivateKey::generate(Some("b".into()), None, 0).unwrap();
        let v = verifier(vec![
            VerifyKey::Public(a.public()),
            VerifyKey::Public(b.public()),
        ]);
        let token = encode(&claims(), &SignKey::Private(&b), None, None).unwrap();
        let out = v.verify(token.as_bytes(), 1000.0).unwrap();
        assert_eq!(out.claims, claims());
        assert_eq!(out.header.get("kid"), Some(&Json::Str("b".into())));
        let c = PrivateKey::generate(Some("c".into()), None, 0).unwrap();
        let token = encode(&claims(), &SignKey::Private(&c), None, None).unwrap();
        assert_eq!(refusal(&v, token.as_bytes()), (Kind::UnknownKey, None));
        let err = KeySet::new(vec![
            VerifyKey::Public(a.public()),
            VerifyKey::Public(a.public()),
        ])
        .err()
        .unwrap();
        assert_eq!(err.kind, Kind::InvalidKey);
    }

    #[test]
    fn a_token_without_kid_needs_exactly_one_candidate() {
        let a = PrivateKey::generate(Some("a".into()), Some(Alg::ES256), 0).unwrap();
        let b = PrivateKey::generate(Some("b".into()), Some(Alg::ES256), 0).unwrap();
        let no_kid = json::parse_object(br#"{"kid":null}"#).unwrap();
        let token = encode(&claims(), &SignKey::Private(&a), None, Some(&no_kid)).unwrap();
        let algs = AlgSet::only(Alg::ES256);
        let one = Verifier::new(
            vec![VerifyKey::Public(a.public())],
            algs,
            Policy::default(),
            MAX_TOKEN_BYTES,
        )
        .unwrap();
        assert_eq!(
            one.verify(token.as_bytes(), 1000.0).unwrap().claims,
            claims()
        );
        let two = Verifier::new(
            vec![VerifyKey::Public(a.public()), VerifyKey::Public(b.public())],
            algs,
            Policy::default(),
            MAX_TOKEN_BYTES,
        )
        .unwrap();
        assert_eq!(
            refusal(&two, token.as_bytes()),
            (Kind::UnknownKey, Some("key_ambiguous"))
        );
    }

    #[test]
    fn an_ed25519_key_is_never_an_hmac_secret() {
        // Algorithm confusion: HS256 keyed with the public key bytes must not verify, even when
        // the verifier allows HS256.
        let sk = PrivateKey::generate(Some("k".into()), None, 0).unwrap();
        let algs = AlgSet::from_iter([Alg::EdDSA, Alg::HS256]);
        let v = Verifier::new(
            vec![VerifyKey::Public(sk.public())],
            algs,
            Policy::default(),
            MAX_TOKEN_BYTES,
        )
        .unwrap();
        let mut secret_bytes = sk.public().material.bytes().to_vec();
        secret_bytes.extend_from_slice(&[0; 8]);
        let secret = Secret::new(&secret_bytes, Some("k".into())).unwrap();
        let token = encode(&claims(), &SignKey::Hmac(&secret), Some("HS256"), None).unwrap();
        assert_eq!(
            refusal(&v, token.as_bytes()),
            (Kind::AlgorithmNotAllowed, None)
        );
    }

    #[test]
    fn rsa_and_ec_keys_verify_only_their_own_family() {
        let rsa = PrivateKey::generate(Some("k".into()), Some(Alg::RS256), 2048).unwrap();
        let ec = PrivateKey::generate(Some("k".into()), Some(Alg::ES256), 0).unwrap();
        let all = AlgSet::RSA.iter().chain([Alg::ES256, Alg::HS256]).collect();
        let v = |key: &PrivateKey| {
            Verifier::new(
                vec![VerifyKey::Public(key.public())],
                all,
                Policy::default(),
                MAX_TOKEN_BYTES,
            )
            .unwrap()
        };
        // The RS256 public key as an HS256 secret: its DER is refused as a secret outright, and
        // its raw modulus (no recognisable shape) still never verifies under the RSA key.
        let spki = Secret::new(&rsa.public().material.spki(), Some("k".into()));
        assert_eq!(spki.err().unwrap().kind, Kind::InvalidKey);
        let Some(Json::Str(n)) = rsa.public().jwk().get("n").cloned() else {
            panic!("an RSA JWK has n");
        };
        let modulus = crate::b64::decode(n.as_bytes()).unwrap();
        let secret = Secret::new(&modulus, Some("k".into())).unwrap();
        let forged = encode(&claims(), &SignKey::Hmac(&secret), Some("HS256"), None).unwrap();
        assert_eq!(
            refusal(&v(&rsa), forged.as_bytes()),
            (Kind::AlgorithmNotAllowed, None)
        );
        // An ES256 token presented to the RSA key under the same kid, and the other way round.
        let es = encode(&claims(), &SignKey::Private(&ec), None, None).unwrap();
        assert_eq!(
            refusal(&v(&rsa), es.as_bytes()),
            (Kind::AlgorithmNotAllowed, None)
        );
        let rs = encode(&claims(), &SignKey::Private(&rsa), None, None).unwrap();
        assert_eq!(
            refusal(&v(&ec), rs.as_bytes()),
            (Kind::AlgorithmNotAllowed, None)
        );
        // The JWK's alg (RS256) binds the key: a PS256 header is refused before any signature.
        let ps = PrivateKey {
            algs: AlgSet::only(Alg::PS256),
            ..rsa.clone()
        };
        let token = encode(&claims(), &SignKey::Private(&ps), None, None).unwrap();
        assert_eq!(
            refusal(&v(&rsa), token.as_bytes()),
            (Kind::AlgorithmNotAllowed, None)
        );
        let out = v(&rsa).verify(rs.as_bytes(), 1000.0).unwrap();
        assert_eq!(out.header.get("alg"), Some(&Json::Str("RS256".into())));
    }
}
