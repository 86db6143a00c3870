//! Keys of every type keyturn verifies with: Ed25519 (ed25519-dalek), RSA and EC (aws-lc, in
//! `rsa.rs` and `ec.rs`). One rule set whatever the encoding: JWK (RFC 7517/7518/8037, kid
//! defaulting to the RFC 7638 thumbprint), PEM and DER (SPKI, PKCS#1, PKCS#8, SEC1). This file
//! holds the shared JWK member rules, the Ed25519 specifics, the dispatch on key type and the
//! Python classes `SigningKey` and `VerifyingKey`.

use crate::b64;
use crate::der;
use crate::digest::sha256;
use crate::ec::{Curve, EcPrivate, EcPublic};
use crate::errors::{Error, Result};
use crate::json::{self, Json, Object};
use crate::jws::{Alg, AlgSet};
use crate::rsa::{self, RsaPrivate, RsaPublic};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use curve25519_dalek::edwards::CompressedEdwardsY;
use ed25519_dalek::Signature;
use std::sync::Arc;
use zeroize::Zeroizing;

const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];
const PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// The public key material, by type.
#[derive(Clone)]
pub enum PublicMaterial {
    Ed25519(ed25519_dalek::VerifyingKey),
    Rsa(Arc<RsaPublic>),
    Ec(Arc<EcPublic>),
}

impl PublicMaterial {
    pub fn kty(&self) -> &'static str {
        match self {
            PublicMaterial::Ed25519(_) => "OKP",
            PublicMaterial::Rsa(_) => "RSA",
            PublicMaterial::Ec(_) => "EC",
        }
    }

    /// Canonical bytes: the raw Ed25519 key, PKCS#1 `RSAPublicKey` DER, the uncompressed EC point.
    pub fn bytes(&self) -> &[u8] {
        match self {
            PublicMaterial::Ed25519(k) => k.as_bytes(),
            PublicMaterial::Rsa(k) => k.pkcs1(),
            PublicMaterial::Ec(k) => k.point(),
        }
    }

    /// The required JWK members (RFC 7638 §3.2), in lexicographic order.
    fn required_members(&self) -> Vec<(&'static str, String)> {
        match self {
            PublicMaterial::Ed25519(k) => vec![
                ("crv", "Ed25519".into()),
                ("kty", "OKP".into()),
                ("x", b64::encode(k.as_bytes())),
            ],
            PublicMaterial::Rsa(k) => {
                let (n, e) = k.jwk_members();
                vec![("e", e), ("kty", "RSA".into()), ("n", n)]
            }
            PublicMaterial::Ec(k) => {
                let (x, y) = k.jwk_members();
                vec![
                    ("crv", k.curve.name().into()),
                    ("kty", "EC".into()),
                    ("x", x),
                    ("y", y),
                ]
            }
        }
    }

    /// RFC 7638 thumbprint: SHA-256 over the required members in lexicographic order (every
    /// member value here is base64url or a fixed name, so no JSON escaping is needed).
    fn thumbprint(&self) -> String {
        let members: Vec<String> = self
            .required_members()
            .into_iter()
            .map(|(name, value)| format!(r#""{name}":"{value}""#))
            .collect();
        let canonical = format!("{{{}}}", members.join(","));
        b64::encode(&sha256(canonical.as_bytes()))
    }

    pub fn spki(&self) -> Vec<u8> {
        match self {
            PublicMaterial::Ed25519(k) => [&SPKI_PREFIX[..], k.as_bytes()].concat(),
            PublicMaterial::Rsa(k) => k.spki().to_vec(),
            PublicMaterial::Ec(k) => k.spki().to_vec(),
        }
    }
}

impl PartialEq for PublicMaterial {
    fn eq(&self, other: &Self) -> bool {
        self.kty() == other.kty() && self.bytes() == other.bytes()
    }
}

impl Eq for PublicMaterial {}

impl std::fmt::Debug for PublicMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}({})", self.kty(), self.thumbprint())
    }
}

/// A public key that passed the import rules, with its `kid` and the algorithms it may verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    pub material: PublicMaterial,
    pub kid: String,
    pub algs: AlgSet,
}

/// The private key material, by type; each zeroizes its secret on drop. The Ed25519 key (the
/// default, and the one on the signing hot path) stays inline; RSA and EC sit behind an Arc.
#[derive(Clone)]
#[allow(clippy::large_enum_variant)]
pub enum PrivateMaterial {
    Ed25519(crate::ed25519::SigningKey),
    Rsa(Arc<RsaPrivate>),
    Ec(Arc<EcPrivate>),
}

#[derive(Clone)]
pub struct PrivateKey {
    pub material: PrivateMaterial,
    pub kid: String,
    pub algs: AlgSet,
}

/// Refuses the public keys DESIGN.md bans: not a point, non-canonical, small-order or with a
/// torsion component. With those gone, `verify_strict` and batch verification agree.
pub fn checked_public(bytes: &[u8]) -> Result<ed25519_dalek::VerifyingKey> {
    let raw: [u8; 32] = bytes
        .try_into()
        .map_err(|_| Error::invalid_key("an Ed25519 public key is exactly 32 bytes"))?;
    let point = CompressedEdwardsY(raw)
        .decompress()
        .ok_or_else(|| Error::invalid_key("public key is not a curve point"))?;
    if point.compress().to_bytes() != raw {
        return Err(Error::invalid_key("public key encoding is not canonical"));
    }
    if point.is_small_order() {
        return Err(Error::invalid_key("public key has small order"));
    }
    if !point.is_torsion_free() {
        return Err(Error::invalid_key("public key has a torsion component"));
    }
    ed25519_dalek::VerifyingKey::from_bytes(&raw)
        .map_err(|_| Error::invalid_key("public key is not valid"))
}

// --- the JWK member rules shared by every key type ----------------------------------------------

/// The usage a JWK is imported for; `use`/`key_ops` must permit it.
#[derive(Clone, Copy)]
enum Op {
    Sign,
    Verify,
}

/// Members that only a private or secret key has (RFC 7518 §6.2.2, §6.3.2, §6.4).
const PRIVATE_MEMBERS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

#[derive(Clone, Copy)]
enum Kty {
    Okp,
    Rsa,
    Ec(Curve),
}

impl Kty {
    /// Every algorithm a key of this type could serve (RSA narrows further by size).
    fn family(self) -> AlgSet {
        match self {
            Kty::Okp => AlgSet::ED25519,
            Kty::Rsa => AlgSet::RSA,
            Kty::Ec(curve) => AlgSet::only(curve.alg()),
        }
    }
}

/// What every JWK states besides its key material.
struct Members {
    kty: Kty,
    algs: AlgSet,
    kid: Option<String>,
}

fn unsupported(message: &'static str) -> Error {
    Error::key("key_type_unsupported", message)
}

fn key_type(jwk: &Object) -> Result<Kty> {
    let crv = jwk.get("crv").and_then(Json::as_str);
    match jwk.get("kty").and_then(Json::as_str) {
        Some("OKP") if crv == Some("Ed25519") => Ok(Kty::Okp),
        Some("OKP") => Err(unsupported(
            "JWK crv is not Ed25519 (the one OKP curve for JWS)",
        )),
        Some("RSA") => Ok(Kty::Rsa),
        Some("EC") => crv
            .and_then(Curve::from_name)
            .map(Kty::Ec)
            .ok_or_else(|| unsupported("JWK crv must be P-256, P-384 or P-521")),
        _ => Err(unsupported("JWK kty must be \"OKP\", \"RSA\" or \"EC\"")),
    }
}

fn check_usage(jwk: &Object, op: Op) -> Result<()> {
    match jwk.get("use") {
        None => {}
        Some(Json::Str(u)) if u == "sig" => {}
        Some(_) => {
            return Err(Error::key(
                "key_use_invalid",
                "JWK use does not permit signatures",
            ))
        }
    }
    if let Some(ops) = jwk.get("key_ops") {
        let wanted = match op {
            Op::Sign => "sign",
            Op::Verify => "verify",
        };
        let Json::Array(ops) = ops else {
            return Err(Error::key(
                "key_use_invalid",
                "JWK key_ops must be an array",
            ));
        };
        if !ops.iter().any(|o| o.as_str() == Some(wanted)) {
            return Err(Error::key(
                "key_use_invalid",
                format!("JWK key_ops does not permit {wanted}"),
            ));
        }
    }
    Ok(())
}

fn members(jwk: &Object, op: Op) -> Result<Members> {
    let kty = key_type(jwk)?;
    check_usage(jwk, op)?;
    let algs = match jwk.get("alg") {
        None => kty.family(),
        Some(Json::Str(a)) => match Alg::from_name(a) {
            Some(alg) if kty.family().contains(alg) => AlgSet::only(alg),
            _ => {
                return Err(Error::key(
                    "key_alg_mismatch",
                    "JWK alg is not an algorithm of this key type",
                ))
            }
        },
        Some(_) => return Err(encoding("JWK alg must be a string")),
    };
    let kid = match jwk.get("kid") {
        None => None,
        Some(Json::Str(k)) if !k.is_empty() => Some(k.clone()),
        Some(_) => return Err(encoding("JWK kid must be a non-empty string")),
    };
    Ok(Members { kty, algs, kid })
}

fn encoding(message: impl Into<std::borrow::Cow<'static, str>>) -> Error {
    Error::key("key_encoding_invalid", message)
}

/// A member holding strict base64url (Base64urlUInt for integers, RFC 7518 §2).
fn bytes_member(jwk: &Object, name: &str) -> Result<Zeroizing<Vec<u8>>> {
    jwk.get(name)
        .and_then(Json::as_str)
        .and_then(|v| b64::decode(v.as_bytes()))
        .map(Zeroizing::new)
        .ok_or_else(|| encoding(format!("JWK {name} must be strict base64url")))
}

pub fn parse_jwk_text(text: &str) -> Result<Object> {
    json::parse_object(text.as_bytes()).map_err(|e| encoding(format!("JWK {}", e.describe())))
}

/// The least RSA modulus a caller may ask for: 1024 is an explicit, documented opt-in.
pub fn check_min_rsa_bits(bits: usize) -> Result<usize> {
    if (rsa::LEGACY_MIN_BITS..=rsa::MAX_BITS).contains(&bits) {
        Ok(bits)
    } else {
        Err(Error::config(format!(
            "min_rsa_bits must be between {} and {}",
            rsa::LEGACY_MIN_BITS,
            rsa::MAX_BITS
        )))
    }
}

// --- PEM ------------------------------------------------------------------------------------------

/// The label and DER of the one PEM block in `pem`.
fn pem_der(pem: &str) -> Result<(&str, Zeroizing<Vec<u8>>)> {
    let pem = pem.trim();
    let malformed = || encoding("expected one PEM block");
    let rest = pem.strip_prefix("-----BEGIN ").ok_or_else(malformed)?;
    let (label, rest) = rest.split_once("-----").ok_or_else(malformed)?;
    let end = format!("-----END {label}-----");
    let body = rest.strip_suffix(&end).ok_or_else(malformed)?;
    let compact: Zeroizing<String> =
        Zeroizing::new(body.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    let der = STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| encoding("PEM body is not valid base64"))?;
    Ok((label, Zeroizing::new(der)))
}

fn pem_block(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

// --- public keys ----------------------------------------------------------------------------------

impl PublicKey {
    fn new(material: PublicMaterial, kid: Option<String>, algs: AlgSet) -> Result<Self> {
        if algs.is_empty() {
            // Only an RSA key below 2048 bits (legacy opt-in) under a JWK alg it cannot serve.
            return Err(Error::key(
                "rsa_modulus_too_small",
                "this RSA key is too small for the JWK's alg",
            ));
        }
        let kid = kid.unwrap_or_else(|| material.thumbprint());
        Ok(PublicKey {
            material,
            kid,
            algs,
        })
    }

    /// A raw 32-byte Ed25519 public key.
    pub fn from_bytes(bytes: &[u8], kid: Option<String>) -> Result<Self> {
        let key = checked_public(bytes)?;
        PublicKey::new(PublicMaterial::Ed25519(key), kid, AlgSet::ED25519)
    }

    pub fn from_jwk(jwk: &Object, min_rsa_bits: usize) -> Result<Self> {
        if PRIVATE_MEMBERS.iter().any(|m| jwk.contains(m)) {
            return Err(Error::key(
                "key_private_given",
                "a private JWK was given where a public key is expected",
            ));
        }
        let m = members(jwk, Op::Verify)?;
        let (material, allowed) = match m.kty {
            Kty::Okp => {
                let x = bytes_member(jwk, "x")?;
                (
                    PublicMaterial::Ed25519(checked_public(&x)?),
                    AlgSet::ED25519,
                )
            }
            Kty::Rsa => {
                let (n, e) = (bytes_member(jwk, "n")?, bytes_member(jwk, "e")?);
                let (key, algs) = RsaPublic::new(&n, &e, min_rsa_bits)?;
                (PublicMaterial::Rsa(Arc::new(key)), algs)
            }
            Kty::Ec(curve) => {
                let (x, y) = (bytes_member(jwk, "x")?, bytes_member(jwk, "y")?);
                let key = EcPublic::from_coordinates(curve, &x, &y)?;
                (PublicMaterial::Ec(Arc::new(key)), m.algs)
            }
        };
        PublicKey::new(material, m.kid, m.algs.intersect(allowed))
    }

    /// SubjectPublicKeyInfo of any supported type, or PKCS#1 `RSAPublicKey`.
    pub fn from_der(der: &[u8], kid: Option<String>, min_rsa_bits: usize) -> Result<Self> {
        let Some(spki) = der::spki(der) else {
            return PublicKey::from_pkcs1(der, kid, min_rsa_bits);
        };
        match (spki.oid, spki.curve) {
            (der::OID_ED25519, None) => PublicKey::from_bytes(spki.key, kid),
            (der::OID_RSA, None) => PublicKey::from_pkcs1(spki.key, kid, min_rsa_bits),
            (der::OID_EC, Some(oid)) => {
                let curve = Curve::from_oid(oid)
                    .ok_or_else(|| unsupported("EC curve must be P-256, P-384 or P-521"))?;
                let key = EcPublic::from_point(curve, spki.key)?;
                PublicKey::new(
                    PublicMaterial::Ec(Arc::new(key)),
                    kid,
                    AlgSet::only(curve.alg()),
                )
            }
            _ => Err(unsupported("public key type is not Ed25519, RSA or EC")),
        }
    }

    fn from_pkcs1(der: &[u8], kid: Option<String>, min_rsa_bits: usize) -> Result<Self> {
        let (key, algs) = RsaPublic::from_pkcs1(der, min_rsa_bits)?;
        PublicKey::new(PublicMaterial::Rsa(Arc::new(key)), kid, algs)
    }

    /// PEM `PUBLIC KEY` (SPKI) or `RSA PUBLIC KEY` (PKCS#1).
    pub fn from_pem(pem: &str, kid: Option<String>, min_rsa_bits: usize) -> Result<Self> {
        match pem_der(pem)? {
            ("PUBLIC KEY", der) if der::spki(&der).is_some() => {
                PublicKey::from_der(&der, kid, min_rsa_bits)
            }
            ("RSA PUBLIC KEY", der) => PublicKey::from_pkcs1(&der, kid, min_rsa_bits),
            _ => Err(encoding(
                "expected a PEM PUBLIC KEY (SPKI) or RSA PUBLIC KEY (PKCS#1) block",
            )),
        }
    }

    pub fn thumbprint(&self) -> String {
        self.material.thumbprint()
    }

    pub fn jwk(&self) -> Object {
        let mut jwk = Object::new();
        let mut required = self.material.required_members();
        // kty first, then the rest in RFC 7638 order (the shape providers publish).
        required.sort_by_key(|(name, _)| *name != "kty");
        for (name, value) in required {
            jwk.set(name, Json::Str(value));
        }
        jwk.set("kid", Json::Str(self.kid.clone()));
        if let Some(alg) = self.algs.single() {
            jwk.set("alg", Json::Str(alg.name().into()));
        }
        jwk
    }

    pub fn to_pem(&self) -> String {
        pem_block("PUBLIC KEY", &self.material.spki())
    }

    /// Whether `signature` is valid for `message` under `alg`; an algorithm outside the key's
    /// own set never verifies. Ed25519 uses `verify_strict` (cofactorless, refuses small-order
    /// R and non-canonical S).
    pub fn verify(&self, alg: Alg, message: &[u8], signature: &[u8]) -> bool {
        if !self.algs.contains(alg) {
            return false;
        }
        match &self.material {
            PublicMaterial::Ed25519(key) => {
                let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
                    return false;
                };
                key.verify_strict(message, &Signature::from_bytes(&bytes))
                    .is_ok()
            }
            PublicMaterial::Rsa(key) => key.verify(alg, message, signature),
            PublicMaterial::Ec(key) => key.verify(message, signature),
        }
    }
}

// --- private keys ---------------------------------------------------------------------------------

impl PrivateKey {
    fn new(material: PrivateMaterial, kid: Option<String>, algs: AlgSet) -> Self {
        let mut key = PrivateKey {
            material,
            kid: String::new(),
            algs,
        };
        key.kid = kid.unwrap_or_else(|| key.public().thumbprint());
        key
    }

    pub fn from_seed(seed: &[u8], kid: Option<String>) -> Result<Self> {
        let seed: Zeroizing<[u8; 32]> = Zeroizing::new(
            seed.try_into()
                .map_err(|_| Error::invalid_key("an Ed25519 seed is exactly 32 bytes"))?,
        );
        let key = crate::ed25519::SigningKey::from_seed(&seed);
        Ok(PrivateKey::new(
            PrivateMaterial::Ed25519(key),
            kid,
            AlgSet::ED25519,
        ))
    }

    /// A new key for `alg` (Ed25519 when None); RSA keys get `rsa_bits` bits. A key generated
    /// for an RSA or EC algorithm is bound to exactly that algorithm.
    pub fn generate(kid: Option<String>, alg: Option<Alg>, rsa_bits: usize) -> Result<Self> {
        let (material, algs) = match alg {
            None | Some(Alg::EdDSA | Alg::Ed25519) => (
                PrivateMaterial::Ed25519(crate::ed25519::SigningKey::generate()),
                AlgSet::ED25519,
            ),
            Some(alg) if AlgSet::RSA.contains(alg) => (
                PrivateMaterial::Rsa(Arc::new(RsaPrivate::generate(rsa_bits)?)),
                AlgSet::only(alg),
            ),
            Some(alg @ (Alg::ES256 | Alg::ES384 | Alg::ES512)) => {
                let curve = [Curve::P256, Curve::P384, Curve::P521]
                    .into_iter()
                    .find(|c| c.alg() == alg)
                    .expect("every ES alg has its curve");
                (
                    PrivateMaterial::Ec(Arc::new(EcPrivate::generate(curve)?)),
                    AlgSet::only(alg),
                )
            }
            Some(_) => {
                return Err(Error::config(
                    "generate makes Ed25519, RSA or EC keys; use HmacKey for HS algorithms",
                ))
            }
        };
        Ok(PrivateKey::new(material, kid, algs))
    }

    pub fn from_jwk(jwk: &Object) -> Result<Self> {
        let m = members(jwk, Op::Sign)?;
        let material = match m.kty {
            Kty::Okp => {
                let x = bytes_member(jwk, "x")?;
                let d = bytes_member(jwk, "d")?;
                let key = PrivateKey::from_seed(&d, None)?;
                if key.public().material.bytes() != &x[..] {
                    return Err(Error::key(
                        "key_pair_mismatch",
                        "JWK d does not match its x",
                    ));
                }
                key.material
            }
            Kty::Rsa => {
                if jwk.contains("oth") {
                    return Err(unsupported("multi-prime RSA keys (oth) are not supported"));
                }
                let names = ["n", "e", "d", "p", "q", "dp", "dq", "qi"];
                let values = names
                    .iter()
                    .map(|name| bytes_member(jwk, name))
                    .collect::<Result<Vec<_>>>()?;
                let members: [&[u8]; 8] = std::array::from_fn(|i| &values[i][..]);
                PrivateMaterial::Rsa(Arc::new(RsaPrivate::from_members(members)?))
            }
            Kty::Ec(curve) => {
                let (d, x, y) = (
                    bytes_member(jwk, "d")?,
                    bytes_member(jwk, "x")?,
                    bytes_member(jwk, "y")?,
                );
                PrivateMaterial::Ec(Arc::new(EcPrivate::from_members(curve, &d, &x, &y)?))
            }
        };
        Ok(PrivateKey::new(material, m.kid, m.algs))
    }

    /// PKCS#8 of any supported type, PKCS#1 `RSAPrivateKey` or SEC1 `ECPrivateKey`.
    pub fn from_der(der: &[u8], kid: Option<String>) -> Result<Self> {
        let Some(pkcs8) = der::pkcs8(der) else {
            if let Ok(key) = RsaPrivate::from_pkcs1(der) {
                return Ok(PrivateKey::new(
                    PrivateMaterial::Rsa(Arc::new(key)),
                    kid,
                    AlgSet::RSA,
                ));
            }
            let key = EcPrivate::from_sec1(der)?;
            let alg = key.public.curve.alg();
            return Ok(PrivateKey::new(
                PrivateMaterial::Ec(Arc::new(key)),
                kid,
                AlgSet::only(alg),
            ));
        };
        match (pkcs8.oid, pkcs8.curve) {
            (der::OID_ED25519, None) => match der.strip_prefix(&PKCS8_PREFIX[..]) {
                Some(seed) if seed.len() == 32 => PrivateKey::from_seed(seed, kid),
                _ => Err(encoding("not an Ed25519 PKCS#8 v1 private key")),
            },
            (der::OID_RSA, None) => Ok(PrivateKey::new(
                PrivateMaterial::Rsa(Arc::new(RsaPrivate::from_pkcs8(der)?)),
                kid,
                AlgSet::RSA,
            )),
            (der::OID_EC, Some(oid)) => {
                let curve = Curve::from_oid(oid)
                    .ok_or_else(|| unsupported("EC curve must be P-256, P-384 or P-521"))?;
                let key = EcPrivate::from_pkcs8(curve, der)?;
                Ok(PrivateKey::new(
                    PrivateMaterial::Ec(Arc::new(key)),
                    kid,
                    AlgSet::only(curve.alg()),
                ))
            }
            _ => Err(unsupported("private key type is not Ed25519, RSA or EC")),
        }
    }

    /// PEM `PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY` (PKCS#1) or `EC PRIVATE KEY` (SEC1).
    pub fn from_pem(pem: &str, kid: Option<String>) -> Result<Self> {
        match pem_der(pem)? {
            ("PRIVATE KEY", der) if der::pkcs8(&der).is_some() => PrivateKey::from_der(&der, kid),
            ("RSA PRIVATE KEY", der) if der::pkcs8(&der).is_none() => {
                PrivateKey::from_der(&der, kid)
            }
            ("EC PRIVATE KEY", der) if der::pkcs8(&der).is_none() => {
                PrivateKey::from_der(&der, kid)
            }
            _ => Err(encoding(
                "expected an unencrypted PEM PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block",
            )),
        }
    }

    pub fn public(&self) -> PublicKey {
        let material = match &self.material {
            PrivateMaterial::Ed25519(k) => PublicMaterial::Ed25519(k.verifying_key()),
            PrivateMaterial::Rsa(k) => PublicMaterial::Rsa(k.public.clone()),
            PrivateMaterial::Ec(k) => PublicMaterial::Ec(k.public.clone()),
        };
        PublicKey {
            material,
            kid: self.kid.clone(),
            algs: self.algs,
        }
    }

    pub fn jwk(&self, private: bool) -> Object {
        let mut jwk = self.public().jwk();
        if private {
            match &self.material {
                PrivateMaterial::Ed25519(k) => jwk.set("d", Json::Str(b64::encode(k.as_bytes()))),
                PrivateMaterial::Rsa(k) => {
                    let names = ["d", "p", "q", "dp", "dq", "qi"];
                    for (name, value) in names.into_iter().zip(k.private_members()) {
                        jwk.set(name, Json::Str(value.clone()));
                    }
                }
                PrivateMaterial::Ec(k) => jwk.set("d", Json::Str(k.private_member().into())),
            }
        }
        jwk
    }

    /// PKCS#8 v1 for every type.
    pub fn to_pem(&self) -> Zeroizing<String> {
        let der = match &self.material {
            PrivateMaterial::Ed25519(k) => {
                Zeroizing::new([&PKCS8_PREFIX[..], k.as_bytes()].concat())
            }
            PrivateMaterial::Rsa(k) => Zeroizing::new(k.pkcs8().to_vec()),
            PrivateMaterial::Ec(k) => Zeroizing::new(k.pkcs8().to_vec()),
        };
        Zeroizing::new(pem_block("PRIVATE KEY", &der))
    }

    /// Signs with `alg`, which must be one of the key's own algorithms.
    pub fn sign(&self, alg: Alg, message: &[u8]) -> Result<Vec<u8>> {
        if !self.algs.contains(alg) {
            return Err(Error::new(
                crate::errors::Kind::AlgorithmNotAllowed,
                "this key cannot sign with that algorithm",
            ));
        }
        match &self.material {
            PrivateMaterial::Ed25519(k) => Ok(k.sign(message).to_vec()),
            PrivateMaterial::Rsa(k) => k.sign(alg, message),
            PrivateMaterial::Ec(k) => k.sign(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::Kind;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The error of a refused import, checked to be `InvalidKey` with the given code.
    fn refused<T>(result: Result<T>, code: Option<&str>) -> Error {
        let Err(err) = result else {
            panic!("the key was accepted");
        };
        assert_eq!((err.kind, err.code), (Kind::InvalidKey, code), "{err:?}");
        err
    }

    fn ed25519() -> PrivateKey {
        PrivateKey::generate(None, None, 0).unwrap()
    }

    #[test]
    fn rfc8032_test_1() {
        let sk = PrivateKey::from_seed(
            &hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"),
            None,
        )
        .unwrap();
        assert_eq!(
            sk.public().material.bytes().to_vec(),
            hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        );
        let sig = sk.sign(Alg::EdDSA, b"").unwrap();
        assert_eq!(sig, hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"));
        assert!(sk.public().verify(Alg::EdDSA, b"", &sig));
        assert!(!sk.public().verify(Alg::EdDSA, b"x", &sig));
        // A key only verifies its own family, whatever the bytes.
        assert!(!sk.public().verify(Alg::ES256, b"", &sig));
    }

    #[test]
    fn rfc8037_thumbprint() {
        let pk = PublicKey::from_bytes(
            &b64::decode(b"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo").unwrap(),
            None,
        )
        .unwrap();
        assert_eq!(
            pk.thumbprint(),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
        assert_eq!(pk.kid, pk.thumbprint());
    }

    #[test]
    fn rfc7638_rsa_thumbprint() {
        // RFC 7638 §3.1: the example RSA key and its thumbprint.
        let jwk = parse_jwk_text(concat!(
            r#"{"kty":"RSA","e":"AQAB","alg":"RS256","kid":"2011-04-29","n":"0vx7agoebGcQSuuPiLJXZpt"#,
            r#"N9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs"#,
            r#"tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb"#,
            r#"9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G"#,
            r#"_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}"#
        ))
        .unwrap();
        let pk = PublicKey::from_jwk(&jwk, rsa::MIN_BITS).unwrap();
        assert_eq!(
            pk.thumbprint(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
        assert_eq!(pk.kid, "2011-04-29");
        assert_eq!(pk.algs, AlgSet::only(Alg::RS256));
    }

    #[test]
    fn refuses_bad_ed25519_public_keys() {
        // The identity point (small order), and y = p (a non-canonical encoding of y = 0).
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let err = refused(PublicKey::from_bytes(&identity, None), None);
        assert_eq!(err.message, "public key has small order");
        let mut non_canonical = [0xffu8; 32];
        non_canonical[0] = 0xed;
        non_canonical[31] = 0x7f;
        let err = refused(PublicKey::from_bytes(&non_canonical, None), None);
        assert_eq!(err.message, "public key encoding is not canonical");
        let err = refused(PublicKey::from_bytes(&[0u8; 31], None), None);
        assert_eq!(err.message, "an Ed25519 public key is exactly 32 bytes");
    }

    #[test]
    fn pem_round_trip_every_type() {
        let keys = [
            PrivateKey::generate(Some("k".into()), None, 0).unwrap(),
            PrivateKey::generate(Some("k".into()), Some(Alg::PS256), 2048).unwrap(),
            PrivateKey::generate(Some("k".into()), Some(Alg::ES384), 0).unwrap(),
        ];
        for sk in keys {
            let again = PrivateKey::from_pem(&sk.to_pem(), Some("k".into())).unwrap();
            assert_eq!(again.public().material, sk.public().material);
            let pk = PublicKey::from_pem(&sk.public().to_pem(), Some("k".into()), 2048).unwrap();
            assert_eq!(pk.material, sk.public().material);
            let jwk = PrivateKey::from_jwk(&sk.jwk(true)).unwrap();
            assert_eq!(jwk.public(), sk.public());
            assert_eq!(
                PublicKey::from_jwk(&sk.jwk(false), 2048).unwrap(),
                sk.public()
            );
        }
    }

    #[test]
    fn jwk_rules_name_their_rule() {
        let sk = ed25519();
        refused(
            PublicKey::from_jwk(&sk.jwk(true), 2048),
            Some("key_private_given"),
        );
        assert_eq!(
            PublicKey::from_jwk(&sk.jwk(false), 2048).unwrap(),
            sk.public()
        );
        let with = |name: &str, value: Json| {
            let mut jwk = sk.jwk(false);
            jwk.set(name, value);
            PublicKey::from_jwk(&jwk, 2048)
        };
        refused(
            with("use", Json::Str("enc".into())),
            Some("key_use_invalid"),
        );
        refused(
            with("alg", Json::Str("RS256".into())),
            Some("key_alg_mismatch"),
        );
        refused(
            with("crv", Json::Str("X25519".into())),
            Some("key_type_unsupported"),
        );
        refused(
            with("kty", Json::Str("oct".into())),
            Some("key_type_unsupported"),
        );
        refused(
            with("kid", Json::Str("".into())),
            Some("key_encoding_invalid"),
        );
        let other = ed25519();
        let mut mismatched = sk.jwk(true);
        mismatched.set("x", other.jwk(false).get("x").unwrap().clone());
        refused(PrivateKey::from_jwk(&mismatched), Some("key_pair_mismatch"));
    }

    #[test]
    fn a_key_generated_for_an_alg_is_bound_to_it() {
        let sk = PrivateKey::generate(None, Some(Alg::ES256), 0).unwrap();
        assert_eq!(sk.algs, AlgSet::only(Alg::ES256));
        let err = sk.sign(Alg::ES384, b"m").err().unwrap();
        assert_eq!(err.kind, Kind::AlgorithmNotAllowed);
        let sk = PrivateKey::generate(None, Some(Alg::RS256), 2048).unwrap();
        assert_eq!(
            sk.public().jwk().get("alg"),
            Some(&Json::Str("RS256".into()))
        );
        let err = PrivateKey::generate(None, Some(Alg::HS256), 0)
            .err()
            .unwrap();
        assert_eq!(err.kind, Kind::Configuration);
        let err = PrivateKey::generate(None, Some(Alg::RS256), 1024)
            .err()
            .unwrap();
        assert_eq!(err.kind, Kind::Configuration);
    }

    #[test]
    fn ec_jwk_rules() {
        let sk = PrivateKey::generate(None, Some(Alg::ES256), 0).unwrap();
        let with = |name: &str, value: &str| {
            let mut jwk = sk.jwk(false);
            jwk.set(name, Json::Str(value.into()));
            PublicKey::from_jwk(&jwk, 2048)
        };
        refused(with("crv", "P-384"), Some("key_alg_mismatch"));
        refused(with("crv", "secp256k1"), Some("key_type_unsupported"));
        refused(with("alg", "ES384"), Some("key_alg_mismatch"));
        refused(with("x", "AAAA"), Some("ec_coordinate_invalid"));
        refused(with("y", &"A".repeat(43)), Some("ec_point_invalid"));
        refused(with("x", "!!"), Some("key_encoding_invalid"));
    }

    #[test]
    fn der_dispatch() {
        let sk = PrivateKey::generate(None, Some(Alg::ES256), 0).unwrap();
        refused(
            PublicKey::from_der(b"\x30\x00", None, 2048),
            Some("key_encoding_invalid"),
        );
        refused(
            PrivateKey::from_der(b"junk", None),
            Some("key_encoding_invalid"),
        );
        let spki = sk.public().material.spki();
        assert_eq!(PublicKey::from_der(&spki, None, 2048).unwrap(), sk.public());
        // A public PEM where a private one is expected, and the other way round.
        refused(
            PrivateKey::from_pem(&sk.public().to_pem(), None),
            Some("key_encoding_invalid"),
        );
        refused(
            PublicKey::from_pem(&sk.to_pem(), None, 2048),
            Some("key_encoding_invalid"),
        );
    }
}
