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

/// Appends unpadded base64url. Writes into space sized once, three bytes to four characters at a
/// time: tokens are short, and the engine of the `base64` crate spends more on setting up than
/// on encoding a 40-byte header.
pub fn encode_into(input: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + encoded_len(input.len()), 0);
    let dst = &mut out[start..];
    let whole = input.len() / 3;
    for (src, dst) in input.chunks_exact(3).zip(dst.chunks_exact_mut(4)) {
        let n = u32::from(src[0]) << 16 | u32::from(src[1]) << 8 | u32::from(src[2]);
        dst[0] = ALPHABET[(n >> 18) as usize];
        dst[1] = ALPHABET[(n >> 12 & 63) as usize];
        dst[2] = ALPHABET[(n >> 6 & 63) as usize];
        dst[3] = ALPHABET[(n & 63) as usize];
    }
    let (src, dst) = (&input[whole * 3..], &mut dst[whole * 4..]);
    match *src {
        [a] => {
            dst[0] = ALPHABET[usize::from(a >> 2)];
            dst[1] = ALPHABET[usize::from(a << 4 & 63)];
        }
        [a, b] => {
            dst[0] = ALPHABET[usize::from(a >> 2)];
            dst[1] = ALPHABET[usize::from((a << 4 | b >> 4) & 63)];
            dst[2] = ALPHABET[usize::from(b << 2 & 63)];
        }
        _ => {}
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
