//! Registered-claim validation (RFC 7519 §4.1, RFC 9068, RFC 8725) as a compiled policy.

use crate::errors::{Error, Kind, Result};
use crate::json::{Json, Object};

/// Largest clock tolerance accepted: more than a few minutes of leeway defeats expiry.
pub const MAX_LEEWAY: f64 = 300.0;

#[derive(Clone, Debug, Default)]
pub struct Policy {
    pub issuer: Option<Vec<String>>,
    pub audience: Option<Vec<String>>,
    pub leeway: f64,
    pub require: Vec<String>,
    /// Normalised with [`normalize_typ`].
    pub typ: Option<String>,
    pub max_age: Option<f64>,
}

/// RFC 8725bis §3.11: media types compare case-insensitively and `application/` may be omitted.
pub fn normalize_typ(typ: &str) -> String {
    let lower = typ.to_ascii_lowercase();
    match lower.strip_prefix("application/") {
        Some(rest) => rest.to_owned(),
        None => lower,
    }
}

impl Policy {
    /// Refuses configurations that would quietly weaken the checks.
    pub fn validate(&self) -> Result<()> {
        if !self.leeway.is_finite() || self.leeway < 0.0 {
            return Err(Error::config(
                "leeway must be a non-negative number of seconds",
            ));
        }
        if self.leeway > MAX_LEEWAY {
            return Err(Error::config("leeway above 300 seconds defeats expiry"));
        }
        if let Some(max_age) = self.max_age {
            if !max_age.is_finite() || max_age <= 0.0 {
                return Err(Error::config(
                    "max_age must be a positive number of seconds",
                ));
            }
        }
        for (name, values) in [("issuer", &self.issuer), ("audience", &self.audience)] {
            if let Some(values) = values {
                if values.is_empty() || values.iter().any(String::is_empty) {
                    return Err(Error::config(format!("{name} must be non-empty strings")));
                }
            }
        }
        Ok(())
    }

    pub fn check(&self, header: &Object, claims: &Object, now: f64) -> Result<()> {
        self.check_typ(header)?;
        for name in &self.require {
            if !claims.contains(name) {
                return Err(Error::claim(
                    Kind::MissingClaim,
                    name.clone(),
                    "a required claim is missing",
                ));
            }
        }
        self.check_times(claims, now)?;
        check_one_of(claims, "iss", self.issuer.as_deref(), Kind::InvalidIssuer)?;
        self.check_audience(claims)?;
        for name in ["sub", "jti"] {
            if claims.get(name).is_some_and(|v| v.as_str().is_none()) {
                return Err(Error::claim(
                    Kind::InvalidClaim,
                    name,
                    "claim must be a string",
                ));
            }
        }
        Ok(())
    }

    fn check_typ(&self, header: &Object) -> Result<()> {
        let Some(expected) = &self.typ else {
            return Ok(());
        };
        match header.get("typ").and_then(Json::as_str) {
            Some(actual) if normalize_typ(actual) == *expected => Ok(()),
            _ => Err(Error::claim(
                Kind::InvalidType,
                "typ",
                "token type does not match",
            )),
        }
    }

    fn check_times(&self, claims: &Object, now: f64) -> Result<()> {
        let leeway = self.leeway;
        if let Some(exp) = time_claim(claims, "exp")? {
            if exp <= now - leeway {
                return Err(Error::claim(Kind::Expired, "exp", "token has expired"));
            }
        }
        if let Some(nbf) = time_claim(claims, "nbf")? {
            if nbf > now + leeway {
                return Err(Error::claim(
                    Kind::NotYetValid,
                    "nbf",
                    "token is not valid yet",
                ));
            }
        }
        let iat = time_claim(claims, "iat")?;
        if let Some(iat) = iat {
            if iat > now + leeway {
                return Err(Error::claim(
                    Kind::NotYetValid,
                    "iat",
                    "token was issued in the future",
                ));
            }
        }
        if let Some(max_age) = self.max_age {
            let iat = iat.ok_or_else(|| {
                Error::claim(Kind::MissingClaim, "iat", "max_age needs the iat claim")
            })?;
            if now - iat > max_age + leeway {
                return Err(Error::claim(
                    Kind::Expired,
                    "iat",
                    "token is older than max_age",
                ));
            }
        }
        Ok(())
    }

    fn check_audience(&self, claims: &Object) -> Result<()> {
        let Some(accepted) = &self.audience else {
            // A token meant for some audience must not be accepted by a verifier that was not
            // told who it is (RFC 7519 §4.1.3).
            return match claims.get("aud") {
                None => Ok(()),
                Some(_) => Err(Error::claim(
                    Kind::InvalidAudience,
                    "aud",
                    "token has an audience but the verifier has none configured",
                )),
            };
        };
        let invalid = || Error::claim(Kind::InvalidAudience, "aud", "audience does not match");
        match claims.get("aud") {
            None => Err(Error::claim(
                Kind::MissingClaim,
                "aud",
                "the aud claim is missing",
            )),
            Some(Json::Str(aud)) if accepted.contains(aud) => Ok(()),
            Some(Json::Array(items)) => {
                let mut matched = false;
                for item in items {
                    let aud = item.as_str().ok_or_else(invalid)?;
                    matched |= accepted.iter().any(|a| a == aud);
                }
                if matched {
                    Ok(())
                } else {
                    Err(invalid())
                }
            }
            Some(_) => Err(invalid()),
        }
    }
}

/// A NumericDate claim: absent, or a JSON number (never a string or a boolean). An integer beyond
/// 64 bits compares by its value (its double is exact to far less than a second of any clock
/// reading); one beyond the double range is refused rather than compared as an infinity, so no
/// later step (revocation's `float(iat)`) meets a number it cannot hold.
fn time_claim(claims: &Object, name: &'static str) -> Result<Option<f64>> {
    let Some(value) = claims.get(name) else {
        return Ok(None);
    };
    match value.as_f64() {
        Some(v) if v.is_finite() => Ok(Some(v)),
        Some(_) => Err(Error::claim(
            Kind::InvalidClaim,
            name,
            "time claim is out of range",
        )),
        None => Err(Error::claim(
            Kind::InvalidClaim,
            name,
            "time claim must be a number",
        )),
    }
}

/// A string claim that must equal one of `accepted` exactly, when `accepted` is configured.
fn check_one_of(
    claims: &Object,
    name: &'static str,
    accepted: Option<&[String]>,
    kind: Kind,
) -> Result<()> {
    let Some(accepted) = accepted else {
        return Ok(());
    };
    match claims.get(name) {
        None => Err(Error::claim(
            Kind::MissingClaim,
            name,
            "a required claim is missing",
        )),
        Some(Json::Str(v)) if accepted.iter().any(|a| a == v) => Ok(()),
        Some(_) => Err(Error::claim(kind, name, "claim does not match")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_object;

    fn check(policy: &Policy, claims: &str) -> Result<()> {
        policy.check(
            &Object::new(),
            &parse_object(claims.as_bytes()).unwrap(),
            1000.0,
        )
    }

    fn kind(r: Result<()>) -> Kind {
        r.err().unwrap().kind
    }

    #[test]
    fn expiry_with_leeway() {
        let mut p = Policy::default();
        assert_eq!(check(&p, r#"{"exp":1001}"#), Ok(()));
        assert_eq!(kind(check(&p, r#"{"exp":1000}"#)), Kind::Expired);
        p.leeway = 5.0;
        assert_eq!(check(&p, r#"{"exp":996}"#), Ok(()));
        assert_eq!(kind(check(&p, r#"{"exp":995}"#)), Kind::Expired);
        assert_eq!(kind(check(&p, r#"{"exp":"2000"}"#)), Kind::InvalidClaim);
        assert_eq!(kind(check(&p, r#"{"exp":true}"#)), Kind::InvalidClaim);
    }

    #[test]
    fn not_before_and_issued_at() {
        let p = Policy::default();
        assert_eq!(check(&p, r#"{"nbf":1000}"#), Ok(()));
        assert_eq!(kind(check(&p, r#"{"nbf":1000.5}"#)), Kind::NotYetValid);
        assert_eq!(kind(check(&p, r#"{"iat":1001}"#)), Kind::NotYetValid);
    }

    #[test]
    fn max_age_needs_iat() {
        let p = Policy {
            max_age: Some(60.0),
            ..Policy::default()
        };
        assert_eq!(kind(check(&p, r#"{}"#)), Kind::MissingClaim);
        assert_eq!(check(&p, r#"{"iat":940}"#), Ok(()));
        assert_eq!(kind(check(&p, r#"{"iat":939}"#)), Kind::Expired);
    }

    #[test]
    fn issuer_and_audience_exact() {
        let p = Policy {
            issuer: Some(vec!["https://a".into()]),
            audience: Some(vec!["api".into(), "api2".into()]),
            ..Policy::default()
        };
        assert_eq!(check(&p, r#"{"iss":"https://a","aud":"api"}"#), Ok(()));
        assert_eq!(
            check(&p, r#"{"iss":"https://a","aud":["x","api2"]}"#),
            Ok(())
        );
        assert_eq!(
            kind(check(&p, r#"{"iss":"https://a/","aud":"api"}"#)),
            Kind::InvalidIssuer
        );
        assert_eq!(kind(check(&p, r#"{"aud":"api"}"#)), Kind::MissingClaim);
        assert_eq!(
            kind(check(&p, r#"{"iss":"https://a","aud":"ap"}"#)),
            Kind::InvalidAudience
        );
        assert_eq!(
            kind(check(&p, r#"{"iss":"https://a","aud":["api",1]}"#)),
            Kind::InvalidAudience
        );
        assert_eq!(
            kind(check(&p, r#"{"iss":"https://a"}"#)),
            Kind::MissingClaim
        );
        assert_eq!(
            kind(check(&Policy::default(), r#"{"aud":"api"}"#)),
            Kind::InvalidAudience
        );
    }

    #[test]
    fn typ_rfc8725bis() {
        let p = Policy {
            typ: Some(normalize_typ("at+jwt")),
            ..Policy::default()
        };
        let header = |t: &str| parse_object(format!(r#"{{"typ":"{t}"}}"#).as_bytes()).unwrap();
        for ok in [
            "at+jwt",
            "AT+JWT",
            "application/at+jwt",
            "Application/At+Jwt",
        ] {
            assert_eq!(p.check(&header(ok), &Object::new(), 0.0), Ok(()), "{ok}");
        }
        assert_eq!(
            p.check(&header("JWT"), &Object::new(), 0.0)
                .err()
                .unwrap()
                .kind,
            Kind::InvalidType
        );
        assert_eq!(
            p.check(&Object::new(), &Object::new(), 0.0)
                .err()
                .unwrap()
                .kind,
            Kind::InvalidType
        );
    }

    #[test]
    fn integers_beyond_64_bits_compare_by_value() {
        let p = Policy::default();
        // 2**70 and -2**70: far past and far future of any clock, read exactly.
        assert_eq!(check(&p, r#"{"exp":1180591620717411303424}"#), Ok(()));
        assert_eq!(
            kind(check(&p, r#"{"exp":-1180591620717411303424}"#)),
            Kind::Expired
        );
        assert_eq!(
            kind(check(&p, r#"{"nbf":1180591620717411303424}"#)),
            Kind::NotYetValid
        );
        assert_eq!(check(&p, r#"{"iat":-1180591620717411303424}"#), Ok(()));
    }

    #[test]
    fn integers_beyond_the_double_range_are_refused() {
        let p = Policy::default();
        let huge = format!("1{}", "0".repeat(400));
        for claim in ["exp", "nbf", "iat"] {
            for sign in ["", "-"] {
                let err = check(&p, &format!(r#"{{"{claim}":{sign}{huge}}}"#)).unwrap_err();
                assert_eq!(err.kind, Kind::InvalidClaim, "{claim} {sign}");
                assert_eq!(err.claim.as_deref(), Some(claim));
                assert_eq!(err.message, "time claim is out of range");
            }
        }
    }

    #[test]
    fn validate_refuses_weak_config() {
        for (policy, message) in [
            (
                Policy {
                    leeway: 301.0,
                    ..Policy::default()
                },
                "leeway above 300 seconds defeats expiry",
            ),
            (
                Policy {
                    leeway: -1.0,
                    ..Policy::default()
                },
                "leeway must be a non-negative number of seconds",
            ),
            (
                Policy {
                    audience: Some(vec![]),
                    ..Policy::default()
                },
                "audience must be non-empty strings",
            ),
        ] {
            let err = policy.validate().unwrap_err();
            assert_eq!(err.kind, Kind::Configuration);
            assert_eq!(err.message, message);
        }
        assert_eq!(Policy::default().validate(), Ok(()));
    }
}
