//! keyturn's Rust core: strict compact JWS with Ed25519, RSA, ECDSA and HMAC, keys, claim checks
//! and batch verification. Python owns policy and state; this crate runs the hot path.
//!
//! The domain modules know nothing of Python. `src/python/` (the `python` feature, which maturin
//! turns on) is the extension module `keyturn._core`: argument conversion, the classes and
//! functions, and the one place a Rust error becomes a `keyturn.errors` exception.

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

// The Python extension module; every other module is plain Rust that `cargo test` runs alone.
#[cfg(feature = "python")]
mod python;
