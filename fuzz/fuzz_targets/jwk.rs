//! JWK import of every key type: `keys::parse_jwk_text` then `PublicKey::from_jwk` /
//! `PrivateKey::from_jwk` (Ed25519, RSA with the 1024-bit opt-in and the default minimum, EC).
//!
//! Properties beyond "no panic": an imported key exports a JWK that imports to the same key; a
//! key accepted under the default RSA minimum is accepted under the opt-in with the same
//! algorithms or more; a private key's public half imports as a public key.
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
    let legacy = PublicKey::from_jwk(&jwk, 1024);
    if let Ok(public) = PublicKey::from_jwk(&jwk, 2048) {
        let again = PublicKey::from_jwk(&public.jwk(), 2048).expect("an exported public JWK imports");
        assert_eq!(public, again);
        let legacy = legacy.expect("the opt-in accepts what the default accepts");
        assert_eq!(legacy.algs.intersect(public.algs), public.algs);
    }
    if let Ok(private) = PrivateKey::from_jwk(&jwk) {
        let public = PublicKey::from_jwk(&private.public().jwk(), 2048).expect("public half imports");
        assert_eq!(public, private.public());
        let again = PrivateKey::from_jwk(&private.jwk(true)).expect("an exported JWK imports");
        assert_eq!(again.public(), private.public());
    }
});
