//! Strict base64url (RFC 7515 §2): no padding, no whitespace, no non-zero trailing bits.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Decodes strict base64url; `None` for anything else.
pub fn decode(input: &[u8]) -> Option<Vec<u8>> {
    // The engine refuses padding, characters outside the URL-safe alphabet and non-zero trailing
    // bits, so every byte string has exactly one accepted encoding.
    URL_SAFE_NO_PAD.decode(input).ok()
}

/// Decodes strict base64url into exactly `N` bytes.
pub fn decode_exact<const N: usize>(input: &[u8]) -> Option<[u8; N]> {
    decode(input)?.try_into().ok()
}

/// The base64url alphabet (RFC 4648 §5).
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Characters of unpadded base64url for `len` bytes.
pub fn encoded_len(len: usize) -> usize {
    (len * 4).div_ceil(3)
}

pub fn encode(input: &[u8]) -> String {
    let mut out = Vec::with_capacity(encoded_len(input.len()));
    encode_into(input, &mut out);
    String::from_utf8(out).expect("base64url is ASCII")
}

/// Every pair of characters, by the twelve bits they encode (first character in the low byte).
const PAIRS: [u16; 4096] = {
    let mut pairs = [0u16; 4096];
    let mut i = 0;
    while i < 4096 {
        pairs[i] = ALPHABET[i >> 6] as u16 | (ALPHABET[i & 63] as u16) << 8;
        i += 1;
    }
    pairs
};

/// Appends unpadded base64url, into space sized once. Six bytes become eight characters per step
/// (one eight-byte load, four lookups of two characters, one eight-byte store): tokens are short,
/// and the `base64` crate's engine spends more setting up than encoding a 40-byte header.
pub fn encode_into(input: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + encoded_len(input.len()), 0);
    let dst = &mut out[start..];
    let (mut i, mut j) = (0, 0);
    // The load reads two bytes past the six it encodes, so it stops eight bytes from the end.
    while i + 8 <= input.len() {
        let bits = u64::from_be_bytes(input[i..i + 8].try_into().expect("eight bytes")) >> 16;
        let chars = u64::from(PAIRS[(bits >> 36) as usize])
            | u64::from(PAIRS[(bits >> 24 & 0xfff) as usize]) << 16
            | u64::from(PAIRS[(bits >> 12 & 0xfff) as usize]) << 32
            | u64::from(PAIRS[(bits & 0xfff) as usize]) << 48;
        dst[j..j + 8].copy_from_slice(&chars.to_le_bytes());
        i += 6;
        j += 8;
    }
    for (src, dst) in input[i..].chunks(3).zip(dst[j..].chunks_mut(4)) {
        let n = src
            .iter()
            .enumerate()
            .fold(0u32, |n, (k, &b)| n | u32::from(b) << (16 - 8 * k));
        for (k, c) in dst.iter_mut().enumerate() {
            *c = ALPHABET[(n >> (18 - 6 * k) & 63) as usize];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for len in 0..40 {
            let data: Vec<u8> = (0..len as u8).collect();
            assert_eq!(decode(encode(&data).as_bytes()).unwrap(), data);
        }
    }

    #[test]
    fn encodes_as_the_base64_crate_does() {
        for len in 0..70 {
            let data: Vec<u8> = (0..len).map(|i| (i * 37 + 251) as u8).collect();
            let mut out = b"x.".to_vec();
            encode_into(&data, &mut out);
            assert_eq!(out[2..], *URL_SAFE_NO_PAD.encode(&data).as_bytes(), "{len}");
            assert_eq!(out.len() - 2, encoded_len(len));
        }
        assert_eq!(encode(&[0xfb, 0xff, 0xbf]), "-_-_");
    }

    #[test]
    fn refuses_padding_whitespace_and_other_alphabets() {
        assert_eq!(decode(b"QQ").unwrap(), b"A");
        assert!(decode(b"QQ==").is_none());
        assert!(decode(b"Q Q").is_none());
        assert!(decode(b"QQ\n").is_none());
        assert!(decode(b"+/8").is_none());
        assert_eq!(decode(b"-_8").unwrap(), [0xfb, 0xff]);
    }

    #[test]
    fn refuses_non_zero_trailing_bits() {
        // "QQ" is the only encoding of b"A"; "QR" differs only in the unused low bits.
        assert!(decode(b"QR").is_none());
        assert!(decode(b"Q").is_none());
    }
}
