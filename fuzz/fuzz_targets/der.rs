//! PEM and DER import of every key type: SPKI, PKCS#1, PKCS#8 and SEC1 (keyturn's own DER reader
//! decides the type; aws-lc validates the key).
//!
//! Properties beyond "no panic": an imported key's export (PEM, JWK) imports to the same key.
#![no_main]

use _core::keys::{PrivateKey, PublicKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(public) = PublicKey::from_der(data, None, 1024) {
        let again = PublicKey::from_pem(&public.to_pem(), None, 1024).expect("exported PEM imports");
        assert_eq!(public, again);
    }
    if let Ok(private) = PrivateKey::from_der(data, None) {
        let again = PrivateKey::from_pem(&private.to_pem(), None).expect("exported PEM imports");
        assert_eq!(again.public(), private.public());
        let jwk = PrivateKey::from_jwk(&private.jwk(true)).expect("exported JWK imports");
        assert_eq!(jwk.public(), private.public());
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = PublicKey::from_pem(text, None, 2048);
        let _ = PrivateKey::from_pem(text, None);
    }
});
