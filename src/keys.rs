//! Ed25519 keys: strict import from raw bytes, JWK (RFC 8037) and PEM (PKCS#8 / SPKI), export, and
//! the Python classes `SigningKey` and `VerifyingKey`.

use crate::b64;
use crate::digest::sha256;
use crate::errors::{Error, Result};
use crate::json::{self, Json, Object};
use crate::jws::{Alg, AlgSet};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use curve25519_dalek::edwards::CompressedEdwardsY;
use ed25519_dalek::Signature;
use zeroize::Zeroizing;

const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];
const PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// An Ed25519 public key that passed the import rules, with its `kid` and allowed algorithms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    pub key: ed25519_dalek::VerifyingKey,
    pub kid: String,
    pub algs: AlgSet,
}

/// An Ed25519 private key; the seed is zeroized on drop.
#[derive(Clone)]
pub struct PrivateKey {
    pub key: crate::ed25519::SigningKey,
    pub kid: String,
    pub algs: AlgSet,
}

/// Refuses the public keys DESIGN.md bans: not a point, non-canonical, small-order or with a
/// torsion component. With those gone, `verify_strict` and batch verification agree.
pub fn checked_public(bytes: &[u8]) -> Result<ed25519_dalek::VerifyingKey> {
    let raw: [u8; 32] = bytes
        .try_into()
        .map_err(|_| Error::invalid_key("an Ed25519 public key is exactly 32 bytes"))?;
    let point = CompressedEdwardsY(raw)
        .decompress()
        .ok_or_else(|| Error::invalid_key("public key is not a curve point"))?;
    if point.compress().to_bytes() != raw {
        return Err(Error::invalid_key("public key encoding is not canonical"));
    }
    if point.is_small_order() {
        return Err(Error::invalid_key("public key has small order"));
    }
    if !point.is_torsion_free() {
        return Err(Error::invalid_key("public key has a torsion component"));
    }
    ed25519_dalek::VerifyingKey::from_bytes(&raw)
        .map_err(|_| Error::invalid_key("public key is not valid"))
}

/// RFC 7638 thumbprint of an OKP key: SHA-256 over the required members in lexicographic order.
fn okp_thumbprint(x: &[u8; 32]) -> String {
    let canonical = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        b64::encode(x)
    );
    b64::encode(&sha256(canonical.as_bytes()))
}

/// The usage a JWK is imported for; `use`/`key_ops` must permit it.
#[derive(Clone, Copy)]
enum Op {
    Sign,
    Verify,
}

/// Checks the members shared by both key kinds and returns (x, kid, allowed algorithms).
fn okp_members(jwk: &Object, op: Op) -> Result<([u8; 32], Option<String>, AlgSet)> {
    if jwk.get("kty").and_then(Json::as_str) != Some("OKP") {
        return Err(Error::invalid_key("JWK kty must be \"OKP\""));
    }
    if jwk.get("crv").and_then(Json::as_str) != Some("Ed25519") {
        return Err(Error::invalid_key("JWK crv must be \"Ed25519\""));
    }
    let x = jwk
        .get("x")
        .and_then(Json::as_str)
        .and_then(|x| b64::decode_exact::<32>(x.as_bytes()))
        .ok_or_else(|| Error::invalid_key("JWK x must be 32 bytes of strict base64url"))?;
    match jwk.get("use") {
        None => {}
        Some(Json::Str(u)) if u == "sig" => {}
        Some(_) => return Err(Error::invalid_key("JWK use does not permit signatures")),
    }
    if let Some(ops) = jwk.get("key_ops") {
        let wanted = match op {
            Op::Sign => "sign",
            Op::Verify => "verify",
        };
        let Json::Array(ops) = ops else {
            return Err(Error::invalid_key("JWK key_ops must be an array"));
        };
        if !ops.iter().any(|o| o.as_str() == Some(wanted)) {
            return Err(Error::invalid_key(format!(
                "JWK key_ops does not permit {wanted}"
            )));
        }
    }
    let algs = match jwk.get("alg") {
        None => AlgSet::ED25519,
        Some(Json::Str(a)) => match Alg::from_name(a) {
            Some(alg) if AlgSet::ED25519.contains(alg) => AlgSet::only(alg),
            _ => return Err(Error::invalid_key("JWK alg is not an Ed25519 algorithm")),
        },
        Some(_) => return Err(Error::invalid_key("JWK alg must be a string")),
    };
    let kid = match jwk.get("kid") {
        None => None,
        Some(Json::Str(k)) if !k.is_empty() => Some(k.clone()),
        Some(_) => return Err(Error::invalid_key("JWK kid must be a non-empty string")),
    };
    Ok((x, kid, algs))
}

pub fn parse_jwk_text(text: &str) -> Result<Object> {
    json::parse_object(text.as_bytes())
        .map_err(|e| Error::invalid_key(format!("JWK {}", e.describe())))
}

/// Extracts the DER inside one PEM block with the given label.
fn pem_der(pem: &str, label: &str) -> Result<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let body = pem
        .trim()
        .strip_prefix(&begin)
        .and_then(|rest| rest.strip_suffix(&end))
        .ok_or_else(|| Error::invalid_key(format!("expected one PEM block labelled {label}")))?;
    let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD
        .decode(compact)
        .map_err(|_| Error::invalid_key("PEM body is not valid base64"))
}

fn pem_block(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

impl PublicKey {
    pub fn from_bytes(bytes: &[u8], kid: Option<String>) -> Result<Self> {
        let key = checked_public(bytes)?;
        let kid = kid.unwrap_or_else(|| okp_thumbprint(key.as_bytes()));
        Ok(PublicKey {
            key,
            kid,
            algs: AlgSet::ED25519,
        })
    }

    pub fn from_jwk(jwk: &Object) -> Result<Self> {
        if jwk.contains("d") {
            return Err(Error::invalid_key(
                "a private JWK (with d) was given where a public key is expected",
            ));
        }
        let (x, kid, algs) = okp_members(jwk, Op::Verify)?;
        let mut key = PublicKey::from_bytes(&x, kid)?;
        key.algs = algs;
        Ok(key)
    }

    pub fn from_pem(pem: &str, kid: Option<String>) -> Result<Self> {
        let der = pem_der(pem, "PUBLIC KEY")?;
        match der.strip_prefix(&SPKI_PREFIX[..]) {
            Some(raw) if raw.len() == 32 => PublicKey::from_bytes(raw, kid),
            _ => Err(Error::invalid_key(
                "PEM is not an Ed25519 SubjectPublicKeyInfo",
            )),
        }
    }

    pub fn thumbprint(&self) -> String {
        okp_thumbprint(self.key.as_bytes())
    }

    pub fn jwk(&self) -> Object {
        let mut jwk = Object::new();
        jwk.set("kty", Json::Str("OKP".into()));
        jwk.set("crv", Json::Str("Ed25519".into()));
        jwk.set("x", Json::Str(b64::encode(self.key.as_bytes())));
        jwk.set("kid", Json::Str(self.kid.clone()));
        if let Some(alg) = self.algs.single() {
            jwk.set("alg", Json::Str(alg.name().into()));
        }
        jwk
    }

    pub fn to_pem(&self) -> String {
        let mut der = SPKI_PREFIX.to_vec();
        der.extend_from_slice(self.key.as_bytes());
        pem_block("PUBLIC KEY", &der)
    }

    /// `verify_strict`: cofactorless, refuses small-order R and non-canonical S.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
            return false;
        };
        let signature = Signature::from_bytes(&bytes);
        self.key.verify_strict(message, &signature).is_ok()
    }
}

impl PrivateKey {
    pub fn from_seed(seed: &[u8], kid: Option<String>) -> Result<Self> {
        let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
            seed.try_into()
                .map_err(|_| Error::invalid_key("an Ed25519 seed is exactly 32 bytes"))?,
        );
        let key = crate::ed25519::SigningKey::from_seed(&seed);
        let kid = kid.unwrap_or_else(|| okp_thumbprint(key.verifying_key().as_bytes()));
        Ok(PrivateKey {
            key,
            kid,
            algs: AlgSet::ED25519,
        })
    }

    pub fn generate(kid: Option<String>) -> Self {
        let key = crate::ed25519::SigningKey::generate();
        let kid = kid.unwrap_or_else(|| okp_thumbprint(key.verifying_key().as_bytes()));
        PrivateKey {
            key,
            kid,
            algs: AlgSet::ED25519,
        }
    }

    pub fn from_jwk(jwk: &Object) -> Result<Self> {
        let (x, kid, algs) = okp_members(jwk, Op::Sign)?;
        let d: Zeroizing<[u8; 32]> = Zeroizing::new(
            jwk.get("d")
                .and_then(Json::as_str)
                .and_then(|d| b64::decode_exact::<32>(d.as_bytes()))
                .ok_or_else(|| Error::invalid_key("JWK d must be 32 bytes of strict base64url"))?,
        );
        let mut key = PrivateKey::from_seed(&d[..], kid)?;
        if key.key.verifying_key().as_bytes() != &x {
            return Err(Error::invalid_key("JWK d does not match its x"));
        }
        key.algs = algs;
        Ok(key)
    }

    pub fn from_pem(pem: &str, kid: Option<String>) -> Result<Self> {
        let der = Zeroizing::new(pem_der(pem, "PRIVATE KEY")?);
        match der.strip_prefix(&PKCS8_PREFIX[..]) {
            Some(seed) if seed.len() == 32 => PrivateKey::from_seed(seed, kid),
            _ => Err(Error::invalid_key(
                "PEM is not an Ed25519 PKCS#8 v1 private key",
            )),
        }
    }

    pub fn public(&self) -> PublicKey {
        PublicKey {
            key: self.key.verifying_key(),
            kid: self.kid.clone(),
            algs: self.algs,
        }
    }

    pub fn jwk(&self, private: bool) -> Object {
        let mut jwk = self.public().jwk();
        if private {
            jwk.set("d", Json::Str(b64::encode(self.key.as_bytes())));
        }
        jwk
    }

    pub fn to_pem(&self) -> Zeroizing<String> {
        let mut der = Zeroizing::new(PKCS8_PREFIX.to_vec());
        der.extend_from_slice(self.key.as_bytes());
        Zeroizing::new(pem_block("PRIVATE KEY", &der))
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message)
    }
}

pub mod py {
    //! The Python classes `SigningKey` and `VerifyingKey`.

    use super::{parse_jwk_text, PrivateKey, PublicKey};
    use crate::errors::{Error, Result};
    use crate::json::py::object_to_py;
    use crate::json::Object;
    use pyo3::prelude::*;
    use pyo3::types::{PyBytes, PyDict, PyModule, PyString, PyTuple};
    use std::hash::{Hash, Hasher};

    /// A JWK given as a mapping or as JSON text. A mapping goes through `json.dumps` and the
    /// strict parser, so both forms are read by one set of rules (found by fuzzing: a mapping
    /// once failed with a different error class than its JSON text).
    pub fn jwk_arg(jwk: &Bound<'_, PyAny>) -> PyResult<Object> {
        let text = match jwk.cast::<PyString>() {
            Ok(text) => text.clone(),
            Err(_) => PyModule::import(jwk.py(), "json")?
                .call_method1("dumps", (jwk,))
                .and_then(|t| Ok(t.cast_into::<PyString>()?))
                .map_err(|_| Error::invalid_key("JWK is not a JSON object"))?,
        };
        Ok(parse_jwk_text(text.to_str()?)?)
    }

    fn pem_arg(pem: &Bound<'_, PyAny>) -> PyResult<String> {
        if let Ok(bytes) = pem.cast::<PyBytes>() {
            return Ok(String::from_utf8(bytes.as_bytes().to_vec())
                .map_err(|_| Error::invalid_key("PEM is not ASCII text"))?);
        }
        pem.extract::<String>()
    }

    #[pyclass(name = "VerifyingKey", module = "keyturn._core", frozen, eq, hash)]
    #[derive(Clone, PartialEq, Eq)]
    pub struct PyVerifyingKey {
        pub inner: PublicKey,
    }

    impl Hash for PyVerifyingKey {
        fn hash<H: Hasher>(&self, state: &mut H) {
            self.inner.key.as_bytes().hash(state);
            self.inner.kid.hash(state);
        }
    }

    fn wrap_public(r: Result<PublicKey>) -> PyResult<PyVerifyingKey> {
        Ok(PyVerifyingKey { inner: r? })
    }

    #[pymethods]
    impl PyVerifyingKey {
        #[staticmethod]
        #[pyo3(signature = (data, kid=None))]
        fn from_bytes(data: &[u8], kid: Option<String>) -> PyResult<Self> {
            wrap_public(PublicKey::from_bytes(data, kid))
        }

        #[staticmethod]
        fn from_jwk(jwk: &Bound<'_, PyAny>) -> PyResult<Self> {
            wrap_public(PublicKey::from_jwk(&jwk_arg(jwk)?))
        }

        #[staticmethod]
        #[pyo3(signature = (pem, kid=None))]
        fn from_pem(pem: &Bound<'_, PyAny>, kid: Option<String>) -> PyResult<Self> {
            wrap_public(PublicKey::from_pem(&pem_arg(pem)?, kid))
        }

        #[getter]
        fn kid(&self) -> &str {
            &self.inner.kid
        }

        #[getter]
        fn algorithms<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
            PyTuple::new(py, self.inner.algs.names())
        }

        fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
            PyBytes::new(py, self.inner.key.as_bytes())
        }

        fn to_jwk<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
            object_to_py(py, &self.inner.jwk())
        }

        fn to_pem<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
            PyBytes::new(py, self.inner.to_pem().as_bytes())
        }

        fn thumbprint(&self) -> String {
            self.inner.thumbprint()
        }

        fn verify(&self, py: Python<'_>, signature: &[u8], message: &[u8]) -> PyResult<()> {
            if py.detach(|| self.inner.verify(message, signature)) {
                Ok(())
            } else {
                Err(crate::errors::Error::new(
                    crate::errors::Kind::InvalidSignature,
                    "signature does not verify",
                )
                .into())
            }
        }

        fn with_kid(&self, kid: String) -> Self {
            let mut inner = self.inner.clone();
            inner.kid = kid;
            PyVerifyingKey { inner }
        }

        fn __repr__(&self) -> String {
            format!("VerifyingKey(kid={:?})", self.inner.kid)
        }
    }

    #[pyclass(name = "SigningKey", module = "keyturn._core", frozen)]
    pub struct PySigningKey {
        pub inner: PrivateKey,
    }

    fn wrap_private(r: Result<PrivateKey>) -> PyResult<PySigningKey> {
        Ok(PySigningKey { inner: r? })
    }

    #[pymethods]
    impl PySigningKey {
        #[staticmethod]
        #[pyo3(signature = (kid=None))]
        fn generate(kid: Option<String>) -> Self {
            PySigningKey {
                inner: PrivateKey::generate(kid),
            }
        }

        #[staticmethod]
        #[pyo3(signature = (seed, kid=None))]
        fn from_seed(seed: &[u8], kid: Option<String>) -> PyResult<Self> {
            wrap_private(PrivateKey::from_seed(seed, kid))
        }

        #[staticmethod]
        fn from_jwk(jwk: &Bound<'_, PyAny>) -> PyResult<Self> {
            wrap_private(PrivateKey::from_jwk(&jwk_arg(jwk)?))
        }

        #[staticmethod]
        #[pyo3(signature = (pem, kid=None))]
        fn from_pem(pem: &Bound<'_, PyAny>, kid: Option<String>) -> PyResult<Self> {
            wrap_private(PrivateKey::from_pem(&pem_arg(pem)?, kid))
        }

        #[getter]
        fn kid(&self) -> &str {
            &self.inner.kid
        }

        #[getter]
        fn alg(&self) -> &'static str {
            self.inner.algs.first().name()
        }

        #[getter]
        fn public_key(&self) -> PyVerifyingKey {
            PyVerifyingKey {
                inner: self.inner.public(),
            }
        }

        #[pyo3(signature = (private=false))]
        fn to_jwk<'py>(&self, py: Python<'py>, private: bool) -> PyResult<Bound<'py, PyDict>> {
            object_to_py(py, &self.inner.jwk(private))
        }

        fn to_pem<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
            PyBytes::new(py, self.inner.to_pem().as_bytes())
        }

        fn sign<'py>(&self, py: Python<'py>, message: &[u8]) -> Bound<'py, PyBytes> {
            PyBytes::new(py, &self.inner.sign(message))
        }

        fn with_kid(&self, kid: String) -> Self {
            let mut inner = self.inner.clone();
            inner.kid = kid;
            PySigningKey { inner }
        }

        fn __repr__(&self) -> String {
            format!("SigningKey(kid={:?})", self.inner.kid)
        }

        fn __str__(&self) -> String {
            self.__repr__()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn rfc8032_test_1() {
        let sk = PrivateKey::from_seed(
            &hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"),
            None,
        )
        .unwrap();
        assert_eq!(
            sk.public().key.as_bytes().to_vec(),
            hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        );
        let sig = sk.sign(b"");
        assert_eq!(sig.to_vec(), hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"));
        assert!(sk.public().verify(b"", &sig));
        assert!(!sk.public().verify(b"x", &sig));
    }

    #[test]
    fn rfc8037_thumbprint() {
        let pk = PublicKey::from_bytes(
            &b64::decode(b"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo").unwrap(),
            None,
        )
        .unwrap();
        assert_eq!(
            pk.thumbprint(),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
        assert_eq!(pk.kid, pk.thumbprint());
    }

    #[test]
    fn refuses_bad_public_keys() {
        // The identity point (small order), and y = p (a non-canonical encoding of y = 0).
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(PublicKey::from_bytes(&identity, None).is_err());
        let mut non_canonical = [0xffu8; 32];
        non_canonical[0] = 0xed;
        non_canonical[31] = 0x7f;
        assert!(PublicKey::from_bytes(&non_canonical, None).is_err());
        assert!(PublicKey::from_bytes(&[0u8; 31], None).is_err());
    }

    #[test]
    fn pem_round_trip() {
        let sk = PrivateKey::generate(Some("k".into()));
        let again = PrivateKey::from_pem(&sk.to_pem(), Some("k".into())).unwrap();
        assert_eq!(again.key.as_bytes(), sk.key.as_bytes());
        let pk = PublicKey::from_pem(&sk.public().to_pem(), Some("k".into())).unwrap();
        assert_eq!(pk, sk.public());
    }

    #[test]
    fn jwk_rules() {
        let sk = PrivateKey::generate(None);
        assert!(PublicKey::from_jwk(&sk.jwk(true)).is_err());
        assert_eq!(PublicKey::from_jwk(&sk.jwk(false)).unwrap(), sk.public());
        let mut wrong_use = sk.jwk(false);
        wrong_use.set("use", Json::Str("enc".into()));
        assert!(PublicKey::from_jwk(&wrong_use).is_err());
        let other = PrivateKey::generate(None);
        let mut mismatched = sk.jwk(true);
        mismatched.set("x", other.jwk(false).get("x").unwrap().clone());
        assert!(PrivateKey::from_jwk(&mismatched).is_err());
    }
}
