//! The Python extension module `keyturn._core`: the only part of the crate that knows Python.
//!
//! Compiled with the `python` feature (maturin turns it on; `cargo test` leaves it off and needs no
//! interpreter). Each file converts between Python objects and one domain module's types; errors
//! become `keyturn.errors` exceptions in `errors.rs`, and argument values of the wrong type become
//! `ConfigurationError` in `args.rs`.

mod args;
mod errors;
mod hmac;
mod json;
mod keys;
mod sign;
mod verify;

use crate::{digest, ed25519, verifier};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// The curve arithmetic Ed25519 verification runs on here: "avx512ifma", "avx2" or "serial".
#[pyfunction]
fn ed25519_backend() -> &'static str {
    ed25519::backend().name()
}

/// SHA-256 of a refresh token (stores keep only this hash).
#[pyfunction]
fn sha256<'py>(py: Python<'py>, data: &[u8]) -> Bound<'py, PyBytes> {
    PyBytes::new(py, &digest::sha256(data))
}

#[pyfunction]
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    digest::constant_time_eq(a, b)
}

// Every shared structure is immutable or behind a Mutex (the verified-token cache), so the module
// runs without the GIL on free-threaded CPython.
#[pymodule(gil_used = false)]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("MAX_TOKEN_BYTES", verifier::MAX_TOKEN_BYTES)?;
    m.add_function(wrap_pyfunction!(ed25519_backend, m)?)?;
    m.add_class::<keys::PySigningKey>()?;
    m.add_class::<keys::PyVerifyingKey>()?;
    m.add_class::<hmac::PyHmacKey>()?;
    m.add_class::<verify::PyCompiledVerifier>()?;
    m.add_function(wrap_pyfunction!(sign::encode, m)?)?;
    m.add_function(wrap_pyfunction!(verify::unverified_parts, m)?)?;
    m.add_function(wrap_pyfunction!(sha256, m)?)?;
    m.add_function(wrap_pyfunction!(constant_time_eq, m)?)?;
    Ok(())
}
