//! ECDSA keys (ES256 on P-256, ES384 on P-384, ES512 on P-521) on aws-lc: the import rules,
//! verification of the fixed-width `r || s` form (RFC 7518 §3.4; DER signatures never verify),
//! generation, signing and the encodings a JWK or PEM needs.

use crate::b64;
use crate::der;
use crate::errors::{Error, Result};
use crate::jws::Alg;
use aws_lc_rs::encoding::{AsBigEndian, AsDer, EcPrivateKeyBin};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    self as sig, EcdsaKeyPair, EcdsaSigningAlgorithm, EcdsaVerificationAlgorithm, KeyPair as _,
    ParsedPublicKey,
};
use std::sync::Arc;
use zeroize::Zeroizing;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
    P521,
}

const CURVES: [Curve; 3] = [Curve::P256, Curve::P384, Curve::P521];

impl Curve {
    pub fn from_name(name: &str) -> Option<Curve> {
        CURVES.into_iter().find(|c| c.name() == name)
    }

    pub fn from_oid(oid: &[u8]) -> Option<Curve> {
        CURVES.into_iter().find(|c| c.oid() == oid)
    }

    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }

    fn oid(self) -> &'static [u8] {
        match self {
            Curve::P256 => der::OID_P256,
            Curve::P384 => der::OID_P384,
            Curve::P521 => der::OID_P521,
        }
    }

    /// Octets of one coordinate (and of `d`, and of each of `r` and `s`).
    pub fn field_len(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }

    /// The one JWS algorithm of this curve: a key verifies only its own curve's alg.
    pub fn alg(self) -> Alg {
        match self {
            Curve::P256 => Alg::ES256,
            Curve::P384 => Alg::ES384,
            Curve::P521 => Alg::ES512,
        }
    }

    fn verification(self) -> &'static EcdsaVerificationAlgorithm {
        match self {
            Curve::P256 => &sig::ECDSA_P256_SHA256_FIXED,
            Curve::P384 => &sig::ECDSA_P384_SHA384_FIXED,
            Curve::P521 => &sig::ECDSA_P521_SHA512_FIXED,
        }
    }

    fn signing(self) -> &'static EcdsaSigningAlgorithm {
        match self {
            Curve::P256 => &sig::ECDSA_P256_SHA256_FIXED_SIGNING,
            Curve::P384 => &sig::ECDSA_P384_SHA384_FIXED_SIGNING,
            Curve::P521 => &sig::ECDSA_P521_SHA512_FIXED_SIGNING,
        }
    }
}

/// An EC public key: a point validated on its named curve (the identity cannot be encoded).
pub struct EcPublic {
    pub curve: Curve,
    point: Vec<u8>,
    spki: Vec<u8>,
    parsed: ParsedPublicKey,
}

impl EcPublic {
    /// From JWK coordinates, each exactly the field size (RFC 7518 §6.2.1.2).
    pub fn from_coordinates(curve: Curve, x: &[u8], y: &[u8]) -> Result<Self> {
        let n = curve.field_len();
        if x.len() != n || y.len() != n {
            return Err(Error::key(
                "ec_coordinate_invalid",
                format!("{} coordinates must be exactly {n} octets", curve.name()),
            ));
        }
        EcPublic::from_point(curve, &[&[0x04][..], x, y].concat())
    }

    /// From an uncompressed SEC1 point (`04 || x || y`); compressed points are not accepted.
    pub fn from_point(curve: Curve, point: &[u8]) -> Result<Self> {
        if point.len() != 1 + 2 * curve.field_len() || point[0] != 0x04 {
            return Err(Error::key(
                "ec_point_invalid",
                "EC public key must be an uncompressed point",
            ));
        }
        let parsed = ParsedPublicKey::new(curve.verification(), point).map_err(|_| {
            Error::key(
                "ec_point_invalid",
                format!("EC public key is not a point on {}", curve.name()),
            )
        })?;
        let spki = parsed
            .as_der()
            .map_err(|_| Error::key("ec_point_invalid", "EC public key cannot be encoded"))?;
        Ok(EcPublic {
            curve,
            point: point.to_vec(),
            spki: spki.as_ref().to_vec(),
            parsed,
        })
    }

    /// The uncompressed SEC1 point: the key's canonical bytes.
    pub fn point(&self) -> &[u8] {
        &self.point
    }

    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// `(x, y)` in base64url, the JWK and RFC 7638 forms.
    pub fn jwk_members(&self) -> (String, String) {
        let n = self.curve.field_len();
        (
            b64::encode(&self.point[1..1 + n]),
            b64::encode(&self.point[1 + n..]),
        )
    }

    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        // aws-lc's FIXED form takes exactly 2 * field_len octets, so DER never verifies.
        signature.len() == 2 * self.curve.field_len()
            && self.parsed.verify_sig(message, signature).is_ok()
    }
}

impl PartialEq for EcPublic {
    fn eq(&self, other: &Self) -> bool {
        self.curve == other.curve && self.point == other.point
    }
}

/// An EC private key; aws-lc zeroizes it on drop, and the encodings kept for export are zeroized
/// too. They are made at import, so exporting cannot fail later.
pub struct EcPrivate {
    pair: EcdsaKeyPair,
    pub public: Arc<EcPublic>,
    pkcs8: Zeroizing<Vec<u8>>,
    d: Zeroizing<String>,
}

fn rejected(what: &'static str) -> Error {
    Error::key("key_encoding_invalid", format!("not a valid {what}"))
}

impl EcPrivate {
    fn from_pair(curve: Curve, pair: EcdsaKeyPair) -> Result<Self> {
        let public = EcPublic::from_point(curve, pair.public_key().as_ref())?;
        EcPrivate::with_public(pair, public)
    }

    fn with_public(pair: EcdsaKeyPair, public: EcPublic) -> Result<Self> {
        let unusable = || Error::key("key_encoding_invalid", "EC private key cannot be exported");
        let pkcs8 = Zeroizing::new(pair.to_pkcs8v1().map_err(|_| unusable())?.as_ref().to_vec());
        let d: EcPrivateKeyBin<'static> =
            pair.private_key().as_be_bytes().map_err(|_| unusable())?;
        let d = Zeroizing::new(b64::encode(d.as_ref()));
        Ok(EcPrivate {
            pair,
            public: Arc::new(public),
            pkcs8,
            d,
        })
    }

    pub fn generate(curve: Curve) -> Result<Self> {
        let pair = EcdsaKeyPair::generate(curve.signing())
            .map_err(|_| Error::config("EC key generation failed"))?;
        EcPrivate::from_pair(curve, pair)
    }

    /// PKCS#8 with the curve named in its AlgorithmIdentifier.
    pub fn from_pkcs8(curve: Curve, der: &[u8]) -> Result<Self> {
        let pair = EcdsaKeyPair::from_pkcs8(curve.signing(), der)
            .map_err(|_| rejected("EC PKCS#8 private key"))?;
        EcPrivate::from_pair(curve, pair)
    }

    /// SEC1 `ECPrivateKey` (RFC 5915): the curve is whichever one aws-lc finds inside.
    pub fn from_sec1(der: &[u8]) -> Result<Self> {
        CURVES
            .into_iter()
            .find_map(|curve| {
                EcdsaKeyPair::from_private_key_der(curve.signing(), der)
                    .ok()
                    .map(|pair| (curve, pair))
            })
            .ok_or_else(|| rejected("SEC1 EC private key"))
            .and_then(|(curve, pair)| EcPrivate::from_pair(curve, pair))
    }

    /// From JWK `d` and the public point; aws-lc checks that `d` yields that point.
    pub fn from_members(curve: Curve, d: &[u8], x: &[u8], y: &[u8]) -> Result<Self> {
        let public = EcPublic::from_coordinates(curve, x, y)?;
        if d.len() != curve.field_len() {
            return Err(Error::key(
                "ec_coordinate_invalid",
                format!(
                    "{} d must be exactly {} octets",
                    curve.name(),
                    curve.field_len()
                ),
            ));
        }
        let pair = EcdsaKeyPair::from_private_key_and_public_key(curve.signing(), d, &public.point)
            .map_err(|_| Error::key("key_pair_mismatch", "JWK d does not match its x and y"))?;
        EcPrivate::with_public(pair, public)
    }

    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.pair
            .sign(&SystemRandom::new(), message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| Error::config("ECDSA signing failed"))
    }

    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The private scalar `d`, field-size octets in base64url.
    pub fn private_member(&self) -> &str {
        &self.d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_curve_signs_fixed_width_and_refuses_der() {
        for curve in CURVES {
            let key = EcPrivate::generate(curve).unwrap();
            let signature = key.sign(b"msg").unwrap();
            assert_eq!(signature.len(), 2 * curve.field_len());
            assert!(key.public.verify(b"msg", &signature));
            assert!(!key.public.verify(b"msh", &signature));
            let again = EcPrivate::from_pkcs8(curve, key.pkcs8()).unwrap();
            assert!(again.public == key.public);
        }
    }

    #[test]
    fn points_off_the_curve_are_refused() {
        let key = EcPrivate::generate(Curve::P256).unwrap();
        let mut point = key.public.point().to_vec();
        point[64] ^= 1;
        let err = EcPublic::from_point(Curve::P256, &point).err().unwrap();
        assert_eq!(err.code, Some("ec_point_invalid"));
        let err = EcPublic::from_coordinates(Curve::P256, &point[1..32], &point[33..])
            .err()
            .unwrap();
        assert_eq!(err.code, Some("ec_coordinate_invalid"));
        // The point at infinity has no uncompressed encoding; all zeros is not on the curve.
        let err = EcPublic::from_coordinates(Curve::P256, &[0; 32], &[0; 32])
            .err()
            .unwrap();
        assert_eq!(err.code, Some("ec_point_invalid"));
    }
}
