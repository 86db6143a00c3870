//! The compiled verifier: a key set, an algorithm allowlist and a claim policy, applied to one
//! token at a time without touching Python.

use crate::b64;
use crate::cache::Cache;
use crate::claims::Policy;
use crate::errors::{Error, Kind, Result};
use crate::json::Object;
use crate::jws::{self, AlgSet, Header, VerifyKey};
use std::collections::HashMap;
use std::sync::Arc;
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

const NOW_RULE: &str = "now must be a finite number of seconds since the epoch";

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
        Ok(Verified {
            header: prepared.header.object,
            claims,
        })
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
        let Some(cache) = &self.cache else {
            return self.verify(token, now).map(Arc::new);
        };
        if let Some(hit) = cache.get(token) {
            self.policy.check(&hit.header, &hit.claims, now)?;
            return Ok(hit);
        }
        let verified = Arc::new(self.verify(token, now)?);
        cache.insert(token, verified.clone());
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

pub mod py {
    //! The Python face of the verify and sign paths: `CompiledVerifier`, `encode`, `decode`,
    //! `unverified_parts`.

    use super::{moment, unverified_parts as parts, Verified, Verifier, MAX_TOKEN_BYTES, NOW_RULE};
    use crate::claims::{normalize_typ, Policy};
    use crate::errors::{py::to_instance, Error};
    use crate::hmac::py::PyHmacKey;
    use crate::json::py::{object_from_py, object_to_py};
    use crate::json::Object;
    use crate::jws::{self, Alg, AlgSet, SignKey, VerifyKey};
    use crate::keys::py::{PySigningKey, PyVerifyingKey};
    use pyo3::exceptions::PyTypeError;
    use pyo3::prelude::*;
    use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
    use std::sync::Arc;

    fn verify_key(obj: &Bound<'_, PyAny>) -> PyResult<VerifyKey> {
        if let Ok(k) = obj.cast::<PyVerifyingKey>() {
            return Ok(VerifyKey::Public(k.get().inner.clone()));
        }
        if let Ok(k) = obj.cast::<PyHmacKey>() {
            return Ok(VerifyKey::Hmac(k.get().inner.clone()));
        }
        Err(PyTypeError::new_err(
            "keys must be VerifyingKey or HmacKey objects",
        ))
    }

    /// One key or a sequence of keys.
    fn verify_keys(obj: &Bound<'_, PyAny>) -> PyResult<Vec<VerifyKey>> {
        if let Ok(key) = verify_key(obj) {
            return Ok(vec![key]);
        }
        obj.try_iter()?.map(|k| verify_key(&k?)).collect()
    }

    fn alg_set(names: Vec<String>) -> PyResult<AlgSet> {
        names
            .iter()
            .map(|n| {
                Alg::from_name(n).ok_or_else(|| {
                    PyErr::from(Error::config(format!("unsupported algorithm {n:?}")))
                })
            })
            .collect()
    }

    /// A str or a sequence of str.
    fn strings(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<String>>> {
        let Some(obj) = obj.filter(|o| !o.is_none()) else {
            return Ok(None);
        };
        if let Ok(s) = obj.cast::<PyString>() {
            return Ok(Some(vec![s.to_str()?.to_owned()]));
        }
        obj.try_iter()?
            .map(|item| item?.extract::<String>())
            .collect::<PyResult<Vec<_>>>()
            .map(Some)
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

    fn claims_to_py<'py>(py: Python<'py>, verified: &Verified) -> PyResult<Bound<'py, PyDict>> {
        object_to_py(py, &verified.claims)
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
            algorithms: Vec<String>,
            issuer: Option<&Bound<'_, PyAny>>,
            audience: Option<&Bound<'_, PyAny>>,
            leeway: f64,
            require: Option<Vec<String>>,
            typ: Option<&str>,
            max_age: Option<f64>,
            max_token_bytes: usize,
            cache_size: usize,
        ) -> PyResult<Self> {
            let policy = Policy {
                issuer: strings(issuer)?,
                audience: strings(audience)?,
                leeway,
                require: require.unwrap_or_default(),
                typ: typ.map(normalize_typ),
                max_age,
            };
            let algs = alg_set(algorithms)?;
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
            claims_to_py(py, &verified)
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
                claims_to_py(py, &verified)?,
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
                    Ok(verified) => out.append(claims_to_py(py, &verified)?)?,
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
            Ok(py.detach(|| self.verifier.verify_cached(bytes, at))?)
        }
    }

    #[pyfunction]
    #[pyo3(signature = (token, keys, *, algorithms, issuer=None, audience=None, leeway=0.0,
                        require=None, typ=None, max_age=None, now=None))]
    #[allow(clippy::too_many_arguments)]
    pub fn decode<'py>(
        py: Python<'py>,
        token: &Bound<'py, PyAny>,
        keys: &Bound<'py, PyAny>,
        algorithms: Vec<String>,
        issuer: Option<&Bound<'py, PyAny>>,
        audience: Option<&Bound<'py, PyAny>>,
        leeway: f64,
        require: Option<Vec<String>>,
        typ: Option<&str>,
        max_age: Option<f64>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let verifier = PyCompiledVerifier::new(
            keys,
            algorithms,
            issuer,
            audience,
            leeway,
            require,
            typ,
            max_age,
            MAX_TOKEN_BYTES,
            0,
        )?;
        verifier.verify(py, token, now)
    }

    /// Signs with a key held elsewhere through the `Signer` protocol (`kid`, `alg`, `sign`).
    fn encode_with_signer(
        claims: &Object,
        signer: &Bound<'_, PyAny>,
        alg: Option<&str>,
        headers: Option<&Object>,
    ) -> PyResult<String> {
        let own: String = signer.getattr("alg")?.extract()?;
        let signer_alg = Alg::from_name(&own)
            .ok_or_else(|| Error::config("the signer's alg is not supported"))?;
        let alg = jws::choose_alg(alg, AlgSet::only(signer_alg))?;
        let kid: Option<String> = signer.getattr("kid")?.extract()?;
        let header = jws::build_header(alg, kid.as_deref(), headers)?;
        let input = jws::signing_input(&header, claims);
        let signature: Vec<u8> = signer
            .call_method1("sign", (PyBytes::new(signer.py(), input.as_bytes()),))?
            .extract()?;
        if alg
            .signature_len()
            .is_some_and(|expected| signature.len() != expected)
        {
            return Err(
                Error::invalid_key("the signer returned a signature of the wrong length").into(),
            );
        }
        Ok(jws::finish(input, &signature))
    }

    #[pyfunction]
    #[pyo3(signature = (claims, key, alg=None, headers=None))]
    pub fn encode(
        py: Python<'_>,
        claims: &Bound<'_, PyAny>,
        key: &Bound<'_, PyAny>,
        alg: Option<&str>,
        headers: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let claims = object_from_py(claims)?;
        let headers = headers
            .filter(|h| !h.is_none())
            .map(object_from_py)
            .transpose()?;
        if let Ok(k) = key.cast::<PySigningKey>() {
            let private = &k.get().inner;
            return Ok(py.detach(|| {
                jws::encode(&claims, &SignKey::Private(private), alg, headers.as_ref())
            })?);
        }
        if let Ok(k) = key.cast::<PyHmacKey>() {
            return Ok(jws::encode(
                &claims,
                &SignKey::Hmac(&k.get().inner),
                alg,
                headers.as_ref(),
            )?);
        }
        if key.hasattr("sign")? {
            return encode_with_signer(&claims, key, alg, headers.as_ref());
        }
        Err(PyTypeError::new_err(
            "key must be a SigningKey, an HmacKey or a Signer",
        ))
    }

    #[pyfunction]
    pub fn unverified_parts<'py>(
        py: Python<'py>,
        token: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let (header, claims) = parts(token_bytes(token)?)?;
        PyTuple::new(py, [object_to_py(py, &header)?, object_to_py(py, &claims)?])
    }
}
