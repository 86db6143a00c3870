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

pub fn encode(input: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(input)
}

pub fn encode_into(input: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(input, out);
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
