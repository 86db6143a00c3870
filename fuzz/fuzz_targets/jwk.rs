//! JWK import: `keys::parse_jwk_text` then `PublicKey::from_jwk` / `PrivateKey::from_jwk`.
//!
//! Properties beyond "no panic": an imported key exports a JWK that imports to the same key, and
//! a private key's public half imports as a public key.
#![no_main]

use _core::keys::{self, PrivateKey, PublicKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(jwk) = keys::parse_jwk_text(text) else {
        return;
    };
    if let Ok(public) = PublicKey::from_jwk(&jwk) {
        let again = PublicKey::from_jwk(&public.jwk()).expect("an exported public JWK imports");
        assert_eq!(public.key, again.key);
        assert_eq!(public.kid, again.kid);
    }
    if let Ok(private) = PrivateKey::from_jwk(&jwk) {
        let public = PublicKey::from_jwk(&private.public().jwk()).expect("public half imports");
        assert_eq!(public.key, private.public().key);
        let again = PrivateKey::from_jwk(&private.jwk(true)).expect("an exported JWK imports");
        assert_eq!(again.key.to_bytes(), private.key.to_bytes());
    }
});
