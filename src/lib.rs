//! keyturn's Rust core: strict compact JWS with Ed25519, RSA, ECDSA and HMAC, keys, claim checks
//! and batch verification. Python owns policy and state; this crate runs the hot path.

pub mod b64;
pub mod batch;
pub mod cache;
pub mod claims;
#[cfg(test)]
mod conformance;
pub mod der;
pub mod digest;
pub mod ec;
pub mod ed25519;
pub mod errors;
pub mod hmac;
pub mod json;
pub mod jws;
pub mod keys;
pub mod rsa;
pub mod verifier;

use pyo3::prelude::*;

/// The curve arithmetic Ed25519 verification runs on here: "avx512ifma", "avx2" or "serial".
#[pyfunction]
fn ed25519_backend() -> &'static str {
    ed25519::backend().name()
}

// Every shared structure is immutable or behind a Mutex (the verified-token cache), so the module
// runs without the GIL on free-threaded CPython.
#[pymodule(gil_used = false)]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("MAX_TOKEN_BYTES", verifier::MAX_TOKEN_BYTES)?;
    m.add_function(wrap_pyfunction!(ed25519_backend, m)?)?;
    m.add_class::<keys::py::PySigningKey>()?;
    m.add_class::<keys::py::PyVerifyingKey>()?;
    m.add_class::<hmac::py::PyHmacKey>()?;
    m.add_class::<verifier::py::PyCompiledVerifier>()?;
    m.add_function(wrap_pyfunction!(verifier::py::encode, m)?)?;
    m.add_function(wrap_pyfunction!(verifier::py::decode, m)?)?;
    m.add_function(wrap_pyfunction!(verifier::py::unverified_parts, m)?)?;
    m.add_function(wrap_pyfunction!(digest::py::sha256, m)?)?;
    m.add_function(wrap_pyfunction!(digest::py::constant_time_eq, m)?)?;
    Ok(())
}
