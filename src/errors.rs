//! keyturn's error type. It becomes a Python exception in one place, `src/python/errors.rs`.
//!
//! The exception classes live in `keyturn.errors` (Python), like pyca/cryptography's: Rust names the
//! class, Python owns the hierarchy. Messages never contain token bytes, secrets or key material.

use std::borrow::Cow;

/// Which `keyturn.errors` class an [`Error`] becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Malformed,
    InvalidSignature,
    AlgorithmNotAllowed,
    UnknownKey,
    Expired,
    NotYetValid,
    InvalidClaim,
    InvalidIssuer,
    InvalidAudience,
    MissingClaim,
    InvalidType,
    InvalidKey,
    Configuration,
}

impl Kind {
    /// The class name in `keyturn.errors`.
    pub fn class_name(self) -> &'static str {
        match self {
            Kind::Malformed => "MalformedToken",
            Kind::InvalidSignature => "InvalidSignature",
            Kind::AlgorithmNotAllowed => "AlgorithmNotAllowed",
            Kind::UnknownKey => "UnknownKey",
            Kind::Expired => "ExpiredToken",
            Kind::NotYetValid => "NotYetValid",
            Kind::InvalidClaim => "InvalidClaim",
            Kind::InvalidIssuer => "InvalidIssuer",
            Kind::InvalidAudience => "InvalidAudience",
            Kind::MissingClaim => "MissingClaim",
            Kind::InvalidType => "InvalidType",
            Kind::InvalidKey => "InvalidKey",
            Kind::Configuration => "ConfigurationError",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: Kind,
    pub message: Cow<'static, str>,
    /// The claim a claim error is about (`exp`, `aud`, ...), exposed as `.claim` in Python.
    pub claim: Option<Cow<'static, str>>,
    /// A code more precise than the class's own (`rsa_modulus_too_small`, ...), exposed as
    /// `.code`; None keeps the class code.
    pub code: Option<&'static str>,
}

impl Error {
    pub fn new(kind: Kind, message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            kind,
            message: message.into(),
            claim: None,
            code: None,
        }
    }

    pub fn claim(
        kind: Kind,
        claim: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Error {
            kind,
            message: message.into(),
            claim: Some(claim.into()),
            code: None,
        }
    }

    /// An error whose `.code` names the exact rule that refused the input.
    pub fn coded(kind: Kind, code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            code: Some(code),
            ..Error::new(kind, message)
        }
    }

    /// `InvalidKey` naming the import rule that refused the key.
    pub fn key(code: &'static str, message: impl Into<Cow<'static, str>>) -> Self {
        Error::coded(Kind::InvalidKey, code, message)
    }

    pub fn malformed(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(Kind::Malformed, message)
    }

    pub fn invalid_key(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(Kind::InvalidKey, message)
    }

    pub fn config(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(Kind::Configuration, message)
    }
}

pub type Result<T> = std::result::Result<T, Error>;
