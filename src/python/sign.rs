//! `encode`: claims and headers from Python, signed by a key of ours or by a `Signer`.

use super::args;
use super::hmac::PyHmacKey;
use super::json::{members, write_object};
use super::keys::PySigningKey;
use crate::errors::Error;
use crate::json::Members;
use crate::jws::{self, Alg, AlgSet, SignKey};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// Signs with a key held elsewhere through the `Signer` protocol (`kid`, `alg`, `sign`). An
/// exception raised by the signer's own `sign` (a KMS outage) passes through unchanged.
fn encode_with_signer(
    claims: &[u8],
    signer: &Bound<'_, PyAny>,
    alg: Option<&str>,
    extra: &Members,
) -> PyResult<String> {
    let own: String = signer
        .getattr("alg")?
        .extract()
        .map_err(|_| Error::config("the signer's alg must be a str"))?;
    let signer_alg =
        Alg::from_name(&own).ok_or_else(|| Error::config("the signer's alg is not supported"))?;
    let alg = jws::choose_alg(alg, AlgSet::only(signer_alg))?;
    let kid: Option<String> = signer
        .getattr("kid")?
        .extract()
        .map_err(|_| Error::config("the signer's kid must be a str or None"))?;
    let mut header = Vec::new();
    jws::write_header(&mut header, alg, kid.as_deref(), extra)?;
    let input = jws::signing_input(&header, claims, alg);
    let signature: Vec<u8> = signer
        .call_method1("sign", (PyBytes::new(signer.py(), &input),))?
        .extract()
        .map_err(|_| {
            Error::invalid_key("the signer's sign() returned something other than bytes")
        })?;
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
    #[pyo3(from_py_with = args::alg)] alg: Option<String>,
    headers: Option<&Bound<'_, PyAny>>,
) -> PyResult<String> {
    let mut json = Vec::with_capacity(256);
    write_object(claims, &mut json)?;
    let extra = match headers.filter(|h| !h.is_none()) {
        Some(headers) => members(headers)?,
        None => Members::new(),
    };
    if let Ok(k) = key.cast::<PySigningKey>() {
        let private = &k.get().inner;
        return Ok(py.detach(|| {
            jws::sign_json(&json, &SignKey::Private(private), alg.as_deref(), &extra)
        })?);
    }
    if let Ok(k) = key.cast::<PyHmacKey>() {
        return Ok(jws::sign_json(
            &json,
            &SignKey::Hmac(&k.get().inner),
            alg.as_deref(),
            &extra,
        )?);
    }
    if key.hasattr("sign")? {
        return encode_with_signer(&json, key, alg.as_deref(), &extra);
    }
    Err(Error::config("key must be a SigningKey, an HmacKey or a Signer").into())
}
