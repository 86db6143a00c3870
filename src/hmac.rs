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

/// Markers of PEM armour and of OpenSSH / RFC 4716 public keys, refused wherever they appear:
/// a key file with a comment line or a UTF-8 BOM before its armour is still that key, and
/// PyJWT (whose users this refusal protects) reads it as one.
const KEY_MARKERS: [(&[u8], &str); 6] = [
    (b"-----BEGIN", "contains a PEM block"),
    (b"BEGIN SSH2 PUBLIC KEY", "contains an SSH public key"),
    (b"ssh-ed25519", "contains an OpenSSH public key"),
    (b"ssh-rsa", "contains an OpenSSH public key"),
    (b"ssh-dss", "contains an OpenSSH public key"),
    (b"ecdsa-sha2-", "contains an OpenSSH public key"),
];

/// Why `secret` is (or contains) key material and so must never be an HMAC secret, if it is.
///
/// The classic algorithm-confusion attack feeds a public key (which anyone may read) in as an
/// HMAC secret; whatever shape that key is stored in must be refused, not only the canonical one.
fn key_material(secret: &[u8]) -> Option<&'static str> {
    if let Some((_, why)) = KEY_MARKERS
        .iter()
        .find(|(marker, _)| contains(secret, marker))
    {
        return Some(why);
    }
    if secret.contains(&b'{') && names_kty(secret) {
        return Some("is a JWK (JSON with a kty member)");
    }
    if is_der_key(secret) {
        return Some("is DER-encoded key material (SubjectPublicKeyInfo, PKCS#1 or PKCS#8)");
    }
    None
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Whether JSON text names a `kty` member, however it is spelled: `\uXXXX` escapes are decoded
/// and case ignored before looking for the quoted name (JSON objects and arrays alike, after a
/// BOM or anything else: this is a scan, not a parse, so no lenient parser can see more).
fn names_kty(text: &[u8]) -> bool {
    let mut plain = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let byte = text[i];
        if byte == b'\\' && i + 1 < text.len() {
            if let Some(decoded) = unicode_escape(&text[i + 1..]) {
                plain.push(decoded);
                i += 6;
                continue;
            }
            plain.push(text[i + 1]);
            i += 2;
            continue;
        }
        plain.push(byte);
        i += 1;
    }
    plain.make_ascii_lowercase();
    contains(&plain, b"\"kty\"") || contains(&plain, b"'kty'")
}

/// The byte a `uXXXX` escape (after its backslash) stands for: the ASCII character, or 0x80
/// for anything beyond ASCII (which cannot spell `kty`).
fn unicode_escape(rest: &[u8]) -> Option<u8> {
    let hex = rest.get(..5).filter(|h| h[0] == b'u')?;
    let text = std::str::from_utf8(&hex[1..]).ok()?;
    let code = u32::from_str_radix(text, 16).ok()?;
    Some(u8::try_from(code).ok().filter(u8::is_ascii).unwrap_or(0x80))
}

/// One DER tag-length-value at the start of `bytes`: (tag, contents, rest).
fn der_tlv(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[count..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// Whether `secret` is exactly one DER SEQUENCE that holds at least two elements, the first an
/// INTEGER or a SEQUENCE: the outer shape of SubjectPublicKeyInfo (algorithm, key), PKCS#1
/// (n, e, ...), PKCS#8 and SEC1 private keys (version, ...). Random bytes match this by chance
/// far more rarely than once in 2^40; a secret that does is not one anyway.
fn is_der_key(secret: &[u8]) -> bool {
    const SEQUENCE: u8 = 0x30;
    const INTEGER: u8 = 0x02;
    let Some((SEQUENCE, mut contents, [])) = der_tlv(secret) else {
        return false;
    };
    let mut elements = 0;
    while !contents.is_empty() {
        let Some((tag, _, rest)) = der_tlv(contents) else {
            return false;
        };
        if elements == 0 && tag != SEQUENCE && tag != INTEGER {
            return false;
        }
        elements += 1;
        contents = rest;
    }
    elements >= 2
}

impl Secret {
    pub fn new(secret: &[u8], kid: Option<String>) -> Result<Self> {
        if let Some(why) = key_material(secret) {
            return Err(Error::invalid_key(format!(
                "HMAC secret {why}: a public key (or any key) is never an HMAC secret"
            )));
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

    fn refused(secret: &[u8]) -> String {
        let err = Secret::new(secret, None).err().expect("refused");
        assert_eq!(err.kind, Kind::InvalidKey);
        err.message.into_owned()
    }

    #[test]
    fn length_decides_algorithms() {
        assert_eq!(
            refused(&[1u8; 31]),
            "HMAC secret must be at least 32 bytes (the HS256 output size)"
        );
        let s = Secret::new(&[1u8; 32], None).unwrap();
        assert!(s.algs.contains(Alg::HS256) && !s.algs.contains(Alg::HS384));
        let err = s.sign(Alg::HS512, b"x").unwrap_err();
        assert_eq!(err.kind, Kind::AlgorithmNotAllowed);
        assert_eq!(err.message, "this HMAC secret cannot be used with HS512");
        let s = Secret::new(&[1u8; 64], None).unwrap();
        assert!(s.algs.contains(Alg::HS512));
    }

    const PEM: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n";
    const SSH: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host";
    const JWK: &str =
        r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#;

    fn spki_ed25519() -> Vec<u8> {
        let mut der = vec![
            0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
        ];
        der.extend([0x19u8; 32]);
        der
    }

    #[test]
    fn refuses_pem_anywhere() {
        let pem = refused(PEM.as_bytes());
        assert!(pem.starts_with("HMAC secret contains a PEM block"), "{pem}");
        for wrapped in [
            format!("\u{feff}{PEM}"),
            format!("# the issuer's key\n{PEM}"),
            format!("padding padding padding {PEM} trailing"),
            PEM.replace("PUBLIC KEY", "RSA PUBLIC KEY"),
            PEM.replace("PUBLIC KEY", "CERTIFICATE"),
        ] {
            assert!(refused(wrapped.as_bytes()).contains("contains a PEM block"));
        }
    }

    #[test]
    fn refuses_ssh_keys() {
        for key in [
            SSH.to_owned(),
            format!("\u{feff}{SSH}"),
            format!("from=\"10.0.0.1\" {SSH}"),
            SSH.replace("ssh-ed25519", "ssh-rsa"),
            SSH.replace("ssh-ed25519", "ecdsa-sha2-nistp256"),
            SSH.replace("ssh-ed25519", "sk-ssh-ed25519@openssh.com"),
            SSH.replace("ssh-ed25519", "ssh-dss"),
        ] {
            assert!(
                refused(key.as_bytes()).contains("an OpenSSH public key"),
                "{key}"
            );
        }
        let rfc4716 = "---- BEGIN SSH2 PUBLIC KEY ----\nAAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n---- END SSH2 PUBLIC KEY ----\n";
        assert!(refused(rfc4716.as_bytes()).contains("contains an SSH public key"));
    }

    #[test]
    fn refuses_jwks_however_spelled() {
        for jwk in [
            JWK.to_owned(),
            format!("\u{feff}{JWK}"),
            format!("[{JWK}]"),
            format!(r#"{{"keys": [{JWK}]}}"#),
            JWK.replace("kty", r"k\u0074y"),
            JWK.replace("kty", r"\u006B\u0054\u0059"),
            JWK.replace("kty", "KTY"),
            JWK.replace('"', "'"),
            format!("  \n\t{JWK}\n"),
        ] {
            assert_eq!(
                refused(jwk.as_bytes()),
                "HMAC secret is a JWK (JSON with a kty member): a public key (or any key) is \
                 never an HMAC secret",
                "{jwk}"
            );
        }
    }

    #[test]
    fn refuses_der_key_material() {
        let spki = spki_ed25519();
        assert!(refused(&spki).starts_with("HMAC secret is DER-encoded key material"));
        // PKCS#1 RSAPublicKey: SEQUENCE { INTEGER n, INTEGER e }, long-form length.
        let mut pkcs1 = vec![0x30, 0x81, 0x89, 0x02, 0x81, 0x81, 0x00];
        pkcs1.extend([0xc5u8; 128]);
        pkcs1.extend([0x02, 0x03, 0x01, 0x00, 0x01]);
        assert!(refused(&pkcs1).starts_with("HMAC secret is DER-encoded key material"));
    }

    #[test]
    fn ordinary_secrets_are_accepted() {
        // Shapes close to the refused ones, but not key material.
        let mut truncated = spki_ed25519();
        truncated.pop();
        let mut trailing = spki_ed25519();
        trailing.push(0);
        for secret in [
            b"correct horse battery staple and then some".to_vec(),
            vec![0x30; 40],
            truncated,
            trailing,
            br#"{"secret":"k","ty":"0123456789abcdef0123456789abcdef"}"#.to_vec(),
            b"-----BEGIn nothing armoured here, just dashes---".to_vec(),
        ] {
            assert!(Secret::new(&secret, None).is_ok(), "{secret:?}");
        }
    }
}
