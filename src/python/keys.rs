//! The Python classes `SigningKey` and `VerifyingKey`.

use super::args;
use super::json::object_to_py;
use crate::errors::{Error, Kind, Result};
use crate::jws::{Alg, AlgSet};
use crate::keys::{check_min_rsa_bits, parse_jwk_text, PrivateKey, PublicKey};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyModule, PyString, PyTuple};
use std::hash::{Hash, Hasher};

/// A JWK given as a mapping or as JSON text. A mapping goes through `json.dumps` and the
/// strict parser, so both forms are read by one set of rules (found by fuzzing: a mapping
/// once failed with a different error class than its JSON text).
fn jwk_arg(jwk: &Bound<'_, PyAny>) -> PyResult<crate::json::Object> {
    let not_json = || Error::key("key_encoding_invalid", "JWK is not a JSON object");
    let text = match jwk.cast::<PyString>() {
        Ok(text) => text.clone(),
        Err(_) => PyModule::import(jwk.py(), "json")?
            .call_method1("dumps", (jwk,))
            .and_then(|t| Ok(t.cast_into::<PyString>()?))
            .map_err(|_| not_json())?,
    };
    Ok(parse_jwk_text(text.to_str().map_err(|_| not_json())?)?)
}

/// PEM text: a str, or bytes that must be UTF-8 (PEM itself is ASCII).
fn pem_arg(pem: &Bound<'_, PyAny>) -> PyResult<String> {
    let not_text = || Error::key("key_encoding_invalid", "PEM is not ASCII text");
    if let Ok(bytes) = pem.cast::<PyBytes>() {
        return Ok(String::from_utf8(bytes.as_bytes().to_vec()).map_err(|_| not_text())?);
    }
    match pem.cast::<PyString>() {
        Ok(text) => Ok(text.to_str().map_err(|_| not_text())?.to_owned()),
        Err(_) => Err(Error::config("PEM must be bytes or str").into()),
    }
}

/// An algorithm name for `sign`/`verify`: None means the key's preferred one.
fn alg_arg(name: Option<&str>, key_algs: AlgSet) -> Result<Alg> {
    let Some(name) = name else {
        return Ok(key_algs.first());
    };
    Alg::from_name(name)
        .filter(|alg| key_algs.contains(*alg))
        .ok_or_else(|| {
            Error::new(
                Kind::AlgorithmNotAllowed,
                "this key does not serve that algorithm",
            )
        })
}

/// `min_rsa_bits=`: a whole number within the import rules' bounds.
fn min_rsa_bits(obj: &Bound<'_, PyAny>) -> PyResult<usize> {
    Ok(check_min_rsa_bits(args::whole(obj)?)?)
}

#[pyclass(name = "VerifyingKey", module = "keyturn._core", frozen, eq, hash)]
#[derive(Clone, PartialEq, Eq)]
pub struct PyVerifyingKey {
    pub inner: PublicKey,
}

impl Hash for PyVerifyingKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.inner.material.bytes().hash(state);
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
    fn from_bytes(
        data: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = args::kid)] kid: Option<String>,
    ) -> PyResult<Self> {
        wrap_public(PublicKey::from_bytes(args::key_bytes(data)?, kid))
    }

    #[staticmethod]
    #[pyo3(signature = (jwk, *, min_rsa_bits=2048))]
    fn from_jwk(
        jwk: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = self::min_rsa_bits)] min_rsa_bits: usize,
    ) -> PyResult<Self> {
        wrap_public(PublicKey::from_jwk(&jwk_arg(jwk)?, min_rsa_bits))
    }

    #[staticmethod]
    #[pyo3(signature = (pem, kid=None, *, min_rsa_bits=2048))]
    fn from_pem(
        pem: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = args::kid)] kid: Option<String>,
        #[pyo3(from_py_with = self::min_rsa_bits)] min_rsa_bits: usize,
    ) -> PyResult<Self> {
        wrap_public(PublicKey::from_pem(&pem_arg(pem)?, kid, min_rsa_bits))
    }

    #[staticmethod]
    #[pyo3(signature = (der, kid=None, *, min_rsa_bits=2048))]
    fn from_der(
        der: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = args::kid)] kid: Option<String>,
        #[pyo3(from_py_with = self::min_rsa_bits)] min_rsa_bits: usize,
    ) -> PyResult<Self> {
        wrap_public(PublicKey::from_der(
            args::key_bytes(der)?,
            kid,
            min_rsa_bits,
        ))
    }

    #[getter]
    fn kid(&self) -> &str {
        &self.inner.kid
    }

    #[getter]
    fn kty(&self) -> &'static str {
        self.inner.material.kty()
    }

    /// The one algorithm the key is bound to, or None when it serves several.
    #[getter]
    fn alg(&self) -> Option<&'static str> {
        self.inner.algs.single().map(Alg::name)
    }

    #[getter]
    fn algorithms<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.algs.names())
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.material.bytes())
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

    #[pyo3(signature = (signature, message, alg=None))]
    fn verify(
        &self,
        py: Python<'_>,
        signature: &[u8],
        message: &[u8],
        #[pyo3(from_py_with = args::alg)] alg: Option<String>,
    ) -> PyResult<()> {
        let alg = alg_arg(alg.as_deref(), self.inner.algs)?;
        if py.detach(|| self.inner.verify(alg, message, signature)) {
            Ok(())
        } else {
            Err(Error::new(Kind::InvalidSignature, "signature does not verify").into())
        }
    }

    fn with_kid(&self, #[pyo3(from_py_with = args::new_kid)] kid: String) -> Self {
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
    #[pyo3(signature = (kid=None, *, alg=None, bits=3072))]
    fn generate(
        py: Python<'_>,
        #[pyo3(from_py_with = args::kid)] kid: Option<String>,
        #[pyo3(from_py_with = args::alg)] alg: Option<String>,
        #[pyo3(from_py_with = args::whole)] bits: usize,
    ) -> PyResult<Self> {
        let alg = alg
            .map(|name| {
                Alg::from_name(&name)
                    .ok_or_else(|| Error::config(format!("unsupported algorithm {name:?}")))
            })
            .transpose()?;
        // RSA generation takes up to a second: let other threads run meanwhile.
        wrap_private(py.detach(|| PrivateKey::generate(kid, alg, bits)))
    }

    #[staticmethod]
    #[pyo3(signature = (seed, kid=None))]
    fn from_seed(
        seed: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = args::kid)] kid: Option<String>,
    ) -> PyResult<Self> {
        wrap_private(PrivateKey::from_seed(args::key_bytes(seed)?, kid))
    }

    #[staticmethod]
    fn from_jwk(jwk: &Bound<'_, PyAny>) -> PyResult<Self> {
        wrap_private(PrivateKey::from_jwk(&jwk_arg(jwk)?))
    }

    #[staticmethod]
    #[pyo3(signature = (pem, kid=None))]
    fn from_pem(
        pem: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = args::kid)] kid: Option<String>,
    ) -> PyResult<Self> {
        wrap_private(PrivateKey::from_pem(&pem_arg(pem)?, kid))
    }

    #[staticmethod]
    #[pyo3(signature = (der, kid=None))]
    fn from_der(
        der: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = args::kid)] kid: Option<String>,
    ) -> PyResult<Self> {
        wrap_private(PrivateKey::from_der(args::key_bytes(der)?, kid))
    }

    #[getter]
    fn kid(&self) -> &str {
        &self.inner.kid
    }

    #[getter]
    fn kty(&self) -> &'static str {
        self.inner.public().material.kty()
    }

    /// The algorithm `sign` and `encode` use by default.
    #[getter]
    fn alg(&self) -> &'static str {
        self.inner.algs.first().name()
    }

    #[getter]
    fn algorithms<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.inner.algs.names())
    }

    #[getter]
    fn public_key(&self) -> PyVerifyingKey {
        PyVerifyingKey {
            inner: self.inner.public(),
        }
    }

    #[pyo3(signature = (private=false))]
    fn to_jwk<'py>(
        &self,
        py: Python<'py>,
        #[pyo3(from_py_with = args::flag)] private: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        object_to_py(py, &self.inner.jwk(private))
    }

    fn to_pem<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.to_pem().as_bytes())
    }

    #[pyo3(signature = (message, alg=None))]
    fn sign<'py>(
        &self,
        py: Python<'py>,
        message: &[u8],
        #[pyo3(from_py_with = args::alg)] alg: Option<String>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let alg = alg_arg(alg.as_deref(), self.inner.algs)?;
        let signature = py.detach(|| self.inner.sign(alg, message))?;
        Ok(PyBytes::new(py, &signature))
    }

    fn with_kid(&self, #[pyo3(from_py_with = args::new_kid)] kid: String) -> Self {
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
