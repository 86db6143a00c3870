//! RSA keys (RS256/384/512, PS256/384/512) on aws-lc: the import rules, verification, generation,
//! signing and the encodings a JWK or PEM needs.

use crate::b64;
use crate::der;
use crate::errors::{Error, Result};
use crate::jws::{Alg, AlgSet};
use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    self as sig, KeyPair as _, ParsedPublicKey, RsaKeyPair, RsaParameters, RsaPublicKeyComponents,
    RsaSignatureEncoding, RsaSubjectPublicKey,
};
use std::sync::Arc;
use zeroize::Zeroizing;

/// The default least modulus size (RFC 7518 §3.3 requires 2048 bits).
pub const MIN_BITS: usize = 2048;
/// The least size an explicit opt-in may lower the minimum to (for providers still on 1024 bits).
pub const LEGACY_MIN_BITS: usize = 1024;
/// The largest modulus accepted: bounds the cost of one verification.
pub const MAX_BITS: usize = 8192;

/// The verification parameters for `alg`; a key below 2048 bits only has legacy PKCS#1 ones
/// (aws-lc offers no 1024-bit PSS or SHA-384 parameters, so such a key serves RS256 and RS512).
fn parameters(alg: Alg, legacy: bool) -> Option<&'static RsaParameters> {
    Some(match (alg, legacy) {
        (Alg::RS256, false) => &sig::RSA_PKCS1_2048_8192_SHA256,
        (Alg::RS384, false) => &sig::RSA_PKCS1_2048_8192_SHA384,
        (Alg::RS512, false) => &sig::RSA_PKCS1_2048_8192_SHA512,
        (Alg::PS256, false) => &sig::RSA_PSS_2048_8192_SHA256,
        (Alg::PS384, false) => &sig::RSA_PSS_2048_8192_SHA384,
        (Alg::PS512, false) => &sig::RSA_PSS_2048_8192_SHA512,
        (Alg::RS256, true) => &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        (Alg::RS512, true) => &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        _ => return None,
    })
}

fn encoding(alg: Alg) -> Option<&'static RsaSignatureEncoding> {
    Some(match alg {
        Alg::RS256 => &sig::RSA_PKCS1_SHA256,
        Alg::RS384 => &sig::RSA_PKCS1_SHA384,
        Alg::RS512 => &sig::RSA_PKCS1_SHA512,
        Alg::PS256 => &sig::RSA_PSS_SHA256,
        Alg::PS384 => &sig::RSA_PSS_SHA384,
        Alg::PS512 => &sig::RSA_PSS_SHA512,
        _ => return None,
    })
}

/// A big-endian integer without its leading zero octets. Two real providers publish JWK `n`/`e`
/// with one (a non-minimal Base64urlUInt); it does not change the key, so it is tolerated.
fn minimal(bytes: &[u8]) -> &[u8] {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    &bytes[zeros..]
}

fn bit_length(n: &[u8]) -> usize {
    n.first()
        .map_or(0, |&top| n.len() * 8 - top.leading_zeros() as usize)
}

/// An RSA public key that passed the import rules, parsed once per algorithm it may verify.
pub struct RsaPublic {
    n: Vec<u8>,
    e: Vec<u8>,
    bits: usize,
    pkcs1: Vec<u8>,
    spki: Vec<u8>,
    parsed: Vec<(Alg, ParsedPublicKey)>,
}

impl RsaPublic {
    /// Applies the import rules to `(n, e)` and returns the key with the algorithms its size
    /// allows. `min_bits` is the caller's minimum (2048 unless explicitly lowered).
    pub fn new(n: &[u8], e: &[u8], min_bits: usize) -> Result<(Self, AlgSet)> {
        let (n, e) = (minimal(n), minimal(e));
        let bits = bit_length(n);
        if bits < min_bits {
            return Err(Error::key(
                "rsa_modulus_too_small",
                format!("RSA modulus has {bits} bits; the minimum is {min_bits}"),
            ));
        }
        if bits > MAX_BITS {
            return Err(Error::key(
                "rsa_modulus_too_large",
                format!("RSA modulus has {bits} bits; the maximum is {MAX_BITS}"),
            ));
        }
        if n.last().is_some_and(|&low| low & 1 == 0) {
            return Err(Error::key("rsa_modulus_even", "RSA modulus is even"));
        }
        // e odd and 3 <= e < 2^32.
        let e_ok = !e.is_empty() && e.len() <= 4 && e[e.len() - 1] & 1 == 1 && e != [1];
        if !e_ok {
            return Err(Error::key(
                "rsa_exponent_invalid",
                "RSA public exponent must be odd and 3 <= e < 2^32",
            ));
        }
        let legacy = bits < MIN_BITS;
        let components = RsaPublicKeyComponents { n, e };
        let mut parsed = Vec::new();
        for alg in AlgSet::RSA.iter() {
            if let Some(params) = parameters(alg, legacy) {
                let key = components
                    .to_parsed_public_key(params)
                    .map_err(|_| Error::key("rsa_key_invalid", "RSA public key is not valid"))?;
                parsed.push((alg, key));
            }
        }
        let algs = parsed.iter().map(|(alg, _)| *alg).collect();
        let spki = parsed[0]
            .1
            .as_der()
            .map_err(|_| Error::key("rsa_key_invalid", "RSA public key is not valid"))?;
        let pkcs1 = RsaSubjectPublicKey::from_der(spki.as_ref())
            .map_err(|_| Error::key("rsa_key_invalid", "RSA public key is not valid"))?
            .as_ref()
            .to_vec();
        let key = RsaPublic {
            n: n.to_vec(),
            e: e.to_vec(),
            bits,
            pkcs1,
            spki: spki.as_ref().to_vec(),
            parsed,
        };
        Ok((key, algs))
    }

    /// From PKCS#1 `RSAPublicKey` DER.
    pub fn from_pkcs1(der: &[u8], min_bits: usize) -> Result<(Self, AlgSet)> {
        let (n, e) = der::rsa_public(der)
            .ok_or_else(|| Error::key("key_encoding_invalid", "not a PKCS#1 RSAPublicKey"))?;
        RsaPublic::new(n, e, min_bits)
    }

    pub fn bits(&self) -> usize {
        self.bits
    }

    /// PKCS#1 `RSAPublicKey` DER: the key's canonical bytes.
    pub fn pkcs1(&self) -> &[u8] {
        &self.pkcs1
    }

    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// `(n, e)` as minimal Base64urlUInt, the JWK and RFC 7638 forms.
    pub fn jwk_members(&self) -> (String, String) {
        (b64::encode(&self.n), b64::encode(&self.e))
    }

    pub fn verify(&self, alg: Alg, message: &[u8], signature: &[u8]) -> bool {
        self.parsed
            .iter()
            .find(|(a, _)| *a == alg)
            .is_some_and(|(_, key)| key.verify_sig(message, signature).is_ok())
    }
}

impl PartialEq for RsaPublic {
    fn eq(&self, other: &Self) -> bool {
        self.n == other.n && self.e == other.e
    }
}

/// An RSA private key of at least 2048 bits; aws-lc zeroizes it on drop, and the encodings kept
/// for export are zeroized too. They are made at import, so exporting cannot fail later.
pub struct RsaPrivate {
    pair: RsaKeyPair,
    pub public: Arc<RsaPublic>,
    pub algs: AlgSet,
    pkcs8: Zeroizing<Vec<u8>>,
    /// d, p, q, dp, dq, qi in base64url (RFC 7518 §6.3.2).
    members: Zeroizing<Vec<String>>,
}

fn rejected(what: &'static str) -> Error {
    Error::key("key_encoding_invalid", format!("not a valid {what}"))
}

impl RsaPrivate {
    fn from_pair(pair: RsaKeyPair) -> Result<Self> {
        // Signing keys keep the full minimum, whatever a verifier may opt into.
        let (public, algs) = RsaPublic::from_pkcs1(pair.public_key().as_ref(), MIN_BITS)?;
        let unusable = || Error::key("key_encoding_invalid", "RSA private key cannot be exported");
        let der: Pkcs8V1Der<'static> = pair.as_der().map_err(|_| unusable())?;
        let pkcs8 = Zeroizing::new(der.as_ref().to_vec());
        let inner = der::pkcs8(&pkcs8).ok_or_else(unusable)?.key;
        let fields = der::rsa_private(inner).ok_or_else(unusable)?;
        let members = Zeroizing::new(fields[2..].iter().map(|f| b64::encode(f)).collect());
        Ok(RsaPrivate {
            pair,
            public: Arc::new(public),
            algs,
            pkcs8,
            members,
        })
    }

    pub fn generate(bits: usize) -> Result<Self> {
        let size = match bits {
            2048 => KeySize::Rsa2048,
            3072 => KeySize::Rsa3072,
            4096 => KeySize::Rsa4096,
            _ => {
                return Err(Error::config(
                    "RSA keys are generated with 2048, 3072 or 4096 bits",
                ))
            }
        };
        let pair =
            RsaKeyPair::generate(size).map_err(|_| Error::config("RSA key generation failed"))?;
        RsaPrivate::from_pair(pair)
    }

    pub fn from_pkcs8(der: &[u8]) -> Result<Self> {
        RsaPrivate::from_pair(
            RsaKeyPair::from_pkcs8(der).map_err(|_| rejected("RSA PKCS#8 private key"))?,
        )
    }

    pub fn from_pkcs1(der: &[u8]) -> Result<Self> {
        RsaPrivate::from_pair(
            RsaKeyPair::from_der(der).map_err(|_| rejected("PKCS#1 RSAPrivateKey"))?,
        )
    }

    /// From JWK members n, e, d, p, q, dp, dq, qi; aws-lc checks that they form one key.
    pub fn from_members(members: [&[u8]; 8]) -> Result<Self> {
        let [n, e, d, p, q, dp, dq, qi] = members;
        let components = aws_lc_rs::rsa::KeyPairComponents {
            public_key: RsaPublicKeyComponents {
                n: minimal(n),
                e: minimal(e),
            },
            d,
            p,
            q,
            dP: dp,
            dQ: dq,
            qInv: qi,
        };
        let pair = RsaKeyPair::from_components(&components).map_err(|_| {
            Error::key(
                "key_pair_mismatch",
                "RSA private JWK members do not form one valid key",
            )
        })?;
        RsaPrivate::from_pair(pair)
    }

    pub fn sign(&self, alg: Alg, message: &[u8]) -> Result<Vec<u8>> {
        let encoding = encoding(alg).ok_or_else(|| Error::config("not an RSA algorithm"))?;
        let mut out = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(encoding, &SystemRandom::new(), message, &mut out)
            .map_err(|_| Error::config("RSA signing failed"))?;
        Ok(out)
    }

    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The private JWK members d, p, q, dp, dq, qi (RFC 7518 §6.3.2).
    pub fn private_members(&self) -> &[String] {
        &self.members
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modulus(bits: usize) -> Vec<u8> {
        let mut n = vec![0xffu8; bits / 8];
        n[0] = 0xc3;
        n
    }

    #[test]
    fn import_rules_name_their_rule() {
        let code = |n: &[u8], e: &[u8], min| RsaPublic::new(n, e, min).err().unwrap().code;
        assert_eq!(
            code(&modulus(1024), &[1, 0, 1], 2048),
            Some("rsa_modulus_too_small")
        );
        assert_eq!(
            code(&modulus(8200), &[1, 0, 1], 2048),
            Some("rsa_modulus_too_large")
        );
        let mut even = modulus(2048);
        *even.last_mut().unwrap() = 0xfe;
        assert_eq!(code(&even, &[1, 0, 1], 2048), Some("rsa_modulus_even"));
        for e in [&[2u8][..], &[1], &[], &[1, 0, 0, 0, 1]] {
            assert_eq!(code(&modulus(2048), e, 2048), Some("rsa_exponent_invalid"));
        }
    }

    #[test]
    fn generated_key_signs_and_verifies_every_alg() {
        let key = RsaPrivate::generate(2048).unwrap();
        assert_eq!(key.algs, AlgSet::RSA);
        assert_eq!(key.public.bits(), 2048);
        for alg in AlgSet::RSA.iter() {
            let signature = key.sign(alg, b"msg").unwrap();
            assert!(key.public.verify(alg, b"msg", &signature));
            assert!(!key.public.verify(alg, b"msh", &signature));
        }
        // A leading zero octet on n or e names the same key.
        let (n, e) = (key.public.n.clone(), key.public.e.clone());
        let padded = [&[0u8][..], &n].concat();
        let (again, _) = RsaPublic::new(&padded, &[&[0u8][..], &e].concat(), 2048).unwrap();
        assert!(again == *key.public);
        let from_pkcs8 = RsaPrivate::from_pkcs8(key.pkcs8()).unwrap();
        assert!(from_pkcs8.public == key.public);
    }

    #[test]
    fn legacy_keys_serve_rs256_and_rs512_only() {
        let (_, algs) = RsaPublic::new(&modulus(1024), &[1, 0, 1], LEGACY_MIN_BITS).unwrap();
        assert_eq!(algs.names(), vec!["RS256", "RS512"]);
    }
}
