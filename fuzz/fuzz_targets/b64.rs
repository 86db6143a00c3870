//! Strict base64url (`b64::decode`): every byte string has exactly one accepted spelling.
//!
//! Properties: an accepted input is the canonical encoding of what it decodes to (no padding,
//! no trailing bits, no second alphabet), and every encoding decodes back to its bytes.
#![no_main]

use _core::b64;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(decoded) = b64::decode(data) {
        assert_eq!(
            b64::encode(&decoded).as_bytes(),
            data,
            "a second spelling was accepted"
        );
    }
    let encoded = b64::encode(data);
    assert_eq!(b64::decode(encoded.as_bytes()).as_deref(), Some(data));
});
