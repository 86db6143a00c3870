//! HS256/384/512 keys: a secret no shorter than the hash output, never one shaped like a public
//! key (the classic algorithm-confusion attack feeds a PEM/JWK public key in as an HMAC secret).

use crate::errors::{Error, Kind, Result};
use crate::jws::{Alg, AlgSet};
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha384, Sha512};
use zeroize::Zeroizing;

#[derive(Clone)]
pub struct Secret {
    bytes: Zeroizing<Vec<u8>>,
    pub kid: Option<String>,
    pub algs: AlgSet,
}

/// Public-key shapes that must never be used as an HMAC secret.
fn looks_like_public_key(secret: &[u8]) -> bool {
    let trimmed = secret.trim_ascii_start();
    const PREFIXES: [&[u8]; 6] = [
        b"-----BEGIN",
        b"ssh-ed25519",
        b"ssh-rsa",
        b"ecdsa-sha2-",
        b"sk-ssh-ed25519",
        b"sk-ecdsa-sha2-",
    ];
    if PREFIXES.iter().any(|p| trimmed.starts_with(p)) {
        return true;
    }
    trimmed.starts_with(b"{") && trimmed.windows(5).any(|w| w == b"\"kty\"")
}

impl Secret {
    pub fn new(secret: &[u8], kid: Option<String>) -> Result<Self> {
        if looks_like_public_key(secret) {
            return Err(Error::invalid_key(
                "HMAC secret looks like a public key (PEM, JWK or SSH); refusing it",
            ));
        }
        let algs = AlgSet::from_iter(
            [Alg::HS256, Alg::HS384, Alg::HS512]
                .into_iter()
                .filter(|alg| secret.len() >= alg.hmac_len()),
        );
        if algs.is_empty() {
            return Err(Error::invalid_key(
                "HMAC secret must be at least 32 bytes (the HS256 output size)",
            ));
        }
        Ok(Secret {
            bytes: Zeroizing::new(secret.to_vec()),
            kid,
            algs,
        })
    }

    pub fn sign(&self, alg: Alg, message: &[u8]) -> Result<Vec<u8>> {
        if !self.algs.contains(alg) {
            return Err(Error::new(
                Kind::AlgorithmNotAllowed,
                format!("this HMAC secret cannot be used with {}", alg.name()),
            ));
        }
        fn mac<M: Mac + hmac::digest::KeyInit>(key: &[u8], message: &[u8]) -> Vec<u8> {
            let mut m = <M as Mac>::new_from_slice(key).expect("HMAC takes any key length");
            m.update(message);
            m.finalize().into_bytes().to_vec()
        }
        Ok(match alg {
            Alg::HS256 => mac::<Hmac<Sha256>>(&self.bytes, message),
            Alg::HS384 => mac::<Hmac<Sha384>>(&self.bytes, message),
            Alg::HS512 => mac::<Hmac<Sha512>>(&self.bytes, message),
            _ => unreachable!("algs holds HMAC algorithms only"),
        })
    }

    /// Constant-time check of a MAC.
    pub fn verify(&self, alg: Alg, message: &[u8], tag: &[u8]) -> bool {
        match self.sign(alg, message) {
            Ok(expected) => crate::digest::constant_time_eq(&expected, tag),
            Err(_) => false,
        }
    }
}

pub mod py {
    //! The Python class `HmacKey`.

    use super::Secret;
    use crate::errors::Error;
    use crate::jws::Alg;
    use pyo3::prelude::*;
    use pyo3::types::{PyBytes, PyTuple};

    #[pyclass(name = "HmacKey", module = "keyturn._core", frozen)]
    pub struct PyHmacKey {
        pub inner: Secret,
    }

    #[pymethods]
    impl PyHmacKey {
        #[new]
        #[pyo3(signature = (secret, kid=None))]
        fn new(secret: &Bound<'_, PyAny>, kid: Option<String>) -> PyResult<Self> {
            // Accept str for PyJWT parity, but only as its UTF-8 bytes.
            let bytes: Vec<u8> = match secret.extract::<String>() {
                Ok(text) => text.into_bytes(),
                Err(_) => secret.extract::<Vec<u8>>()?,
            };
            Ok(PyHmacKey {
                inner: Secret::new(&bytes, kid)?,
            })
        }

        #[getter]
        fn kid(&self) -> Option<&str> {
            self.inner.kid.as_deref()
        }

        #[getter]
        fn alg(&self) -> &'static str {
            self.inner.algs.first().name()
        }

        #[getter]
        fn algorithms<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
            PyTuple::new(py, self.inner.algs.names())
        }

        #[pyo3(signature = (message, alg="HS256"))]
        fn sign<'py>(
            &self,
            py: Python<'py>,
            message: &[u8],
            alg: &str,
        ) -> PyResult<Bound<'py, PyBytes>> {
            let alg = Alg::from_name(alg)
                .filter(|a| a.is_hmac())
                .ok_or_else(|| Error::config("not an HMAC algorithm"))?;
            Ok(PyBytes::new(py, &self.inner.sign(alg, message)?))
        }

        fn __repr__(&self) -> String {
            match &self.inner.kid {
                Some(kid) => format!("HmacKey(kid={kid:?})"),
                None => "HmacKey(kid=None)".to_owned(),
            }
        }

        fn __str__(&self) -> String {
            self.__repr__()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn rfc4231_case_6_long_key() {
        // RFC 4231 test case 6 (131-byte key, longer than any block).
        let key = [0xaau8; 131];
        let secret = Secret::new(&key, None).unwrap();
        let tag = secret
            .sign(
                Alg::HS256,
                b"Test Using Larger Than Block-Size Key - Hash Key First",
            )
            .unwrap();
        assert_eq!(
            hex(&tag),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
        assert!(secret.verify(
            Alg::HS256,
            b"Test Using Larger Than Block-Size Key - Hash Key First",
            &tag
        ));
    }

    #[test]
    fn length_decides_algorithms() {
        assert!(Secret::new(&[1u8; 31], None).is_err());
        let s = Secret::new(&[1u8; 32], None).unwrap();
        assert!(s.algs.contains(Alg::HS256) && !s.algs.contains(Alg::HS384));
        assert!(s.sign(Alg::HS512, b"x").is_err());
        let s = Secret::new(&[1u8; 64], None).unwrap();
        assert!(s.algs.contains(Alg::HS512));
    }

    #[test]
    fn refuses_public_key_shapes() {
        let pem = b"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n";
        assert!(Secret::new(pem, None).is_err());
        assert!(Secret::new(
            b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
            None
        )
        .is_err());
        assert!(Secret::new(
            br#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
            None
        )
        .is_err());
    }
}
