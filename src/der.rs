//! The little DER that key import needs: SubjectPublicKeyInfo, PKCS#8 and PKCS#1 structures, read
//! strictly (definite minimal lengths, nothing after the outer element). aws-lc does the
//! cryptographic validation; this module only finds out which key type a blob holds and pulls
//! out the integers a JWK needs.

/// Object identifier contents (without tag and length).
pub const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
pub const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
pub const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
pub const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
pub const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
pub const OID_P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const NULL: u8 = 0x05;
const OID: u8 = 0x06;

/// Reads consecutive TLV elements from a byte string.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8]) -> Self {
        Reader { rest: data }
    }

    /// The next element's tag and contents.
    fn any(&mut self) -> Option<(u8, &'a [u8])> {
        let (&tag, rest) = self.rest.split_first()?;
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = match first {
            0..=0x7f => (usize::from(first), rest),
            0x81..=0x83 => {
                let count = usize::from(first & 0x7f);
                if rest.len() < count || rest[0] == 0 {
                    return None;
                }
                let len = rest[..count]
                    .iter()
                    .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
                if len < 0x80 {
                    return None; // the short form was required (DER is minimal)
                }
                (len, &rest[count..])
            }
            _ => return None,
        };
        if rest.len() < len {
            return None;
        }
        let (contents, rest) = rest.split_at(len);
        self.rest = rest;
        Some((tag, contents))
    }

    fn expect(&mut self, tag: u8) -> Option<&'a [u8]> {
        match self.any()? {
            (t, contents) if t == tag => Some(contents),
            _ => None,
        }
    }

    fn done(&self) -> bool {
        self.rest.is_empty()
    }
}

/// The contents of the one element `data` consists of.
fn whole(data: &[u8], tag: u8) -> Option<&[u8]> {
    let mut reader = Reader::new(data);
    let contents = reader.expect(tag)?;
    reader.done().then_some(contents)
}

/// A non-negative INTEGER's magnitude, big-endian (the sign octet removed).
fn unsigned(contents: &[u8]) -> Option<&[u8]> {
    match contents {
        [] => None,
        [first, ..] if first & 0x80 != 0 => None,
        [0, rest @ ..] if !rest.is_empty() => Some(rest),
        _ => Some(contents),
    }
}

/// An AlgorithmIdentifier: the algorithm OID and, for EC, the named-curve OID.
fn algorithm(contents: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
    let mut reader = Reader::new(contents);
    let oid = reader.expect(OID)?;
    let params = match reader.any() {
        None => None,
        Some((OID, curve)) => Some(curve),
        Some((NULL, [])) => None,
        Some(_) => return None,
    };
    reader.done().then_some((oid, params))
}

/// A parsed key container: algorithm OID, curve OID (EC), and the inner key bytes.
pub struct Container<'a> {
    pub oid: &'a [u8],
    pub curve: Option<&'a [u8]>,
    pub key: &'a [u8],
}

/// SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
pub fn spki(der: &[u8]) -> Option<Container<'_>> {
    let mut reader = Reader::new(whole(der, SEQUENCE)?);
    let (oid, curve) = algorithm(reader.expect(SEQUENCE)?)?;
    let bits = reader.expect(BIT_STRING)?;
    let key = bits.strip_prefix(&[0])?; // no unused bits
    reader.done().then_some(Container { oid, curve, key })
}

/// PKCS#8 v1 PrivateKeyInfo (RFC 5208); the inner key is the OCTET STRING's contents.
pub fn pkcs8(der: &[u8]) -> Option<Container<'_>> {
    let mut reader = Reader::new(whole(der, SEQUENCE)?);
    if reader.expect(INTEGER)? != [0] {
        return None;
    }
    let (oid, curve) = algorithm(reader.expect(SEQUENCE)?)?;
    let key = reader.expect(OCTET_STRING)?;
    // Attributes ([0]) and a v2 public key ([1]) may follow; nothing of ours is in them.
    Some(Container { oid, curve, key })
}

/// PKCS#1 RSAPublicKey (RFC 8017 A.1.1): (n, e).
pub fn rsa_public(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut reader = Reader::new(whole(der, SEQUENCE)?);
    let n = unsigned(reader.expect(INTEGER)?)?;
    let e = unsigned(reader.expect(INTEGER)?)?;
    reader.done().then_some((n, e))
}

/// PKCS#1 RSAPrivateKey (RFC 8017 A.1.2), two-prime only: n, e, d, p, q, dp, dq, qi.
pub fn rsa_private(der: &[u8]) -> Option<[&[u8]; 8]> {
    let mut reader = Reader::new(whole(der, SEQUENCE)?);
    if reader.expect(INTEGER)? != [0] {
        return None;
    }
    let mut out: [&[u8]; 8] = [&[]; 8];
    for slot in &mut out {
        *slot = unsigned(reader.expect(INTEGER)?)?;
    }
    reader.done().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_must_be_minimal() {
        // 0x81 0x05 encodes 5 in the long form: DER forbids it.
        assert_eq!(
            whole(&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5], OCTET_STRING),
            None
        );
        assert_eq!(
            whole(&[0x04, 0x05, 1, 2, 3, 4, 5], OCTET_STRING),
            Some(&[1u8, 2, 3, 4, 5][..])
        );
        // Trailing bytes after the element, and a truncated element.
        assert_eq!(whole(&[0x04, 0x01, 1, 0], OCTET_STRING), None);
        assert_eq!(whole(&[0x04, 0x02, 1], OCTET_STRING), None);
    }

    #[test]
    fn integers_are_non_negative() {
        assert_eq!(unsigned(&[0x00, 0x80]), Some(&[0x80u8][..]));
        assert_eq!(unsigned(&[0x80]), None);
        assert_eq!(unsigned(&[]), None);
        assert_eq!(unsigned(&[0x00]), Some(&[0u8][..]));
    }
}
