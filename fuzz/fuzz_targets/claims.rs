//! The registered-claim checks (`claims::Policy::check`) over parsed objects.
//!
//! Input: 4 bytes of clock (whole seconds), 1 byte choosing the policy, then a JSON claims object.
//! Properties beyond "no panic": leeway only ever relaxes (a token a policy accepts is accepted by
//! the same policy with the largest leeway).
#![no_main]

use _core::claims::{Policy, MAX_LEEWAY};
use _core::json::{self, Json, Object};
use libfuzzer_sys::fuzz_target;

fn policy(choice: u8) -> Policy {
    let bit = |n: u8| choice & (1 << n) != 0;
    Policy {
        issuer: bit(0).then(|| vec!["https://issuer.test".into()]),
        audience: bit(1).then(|| vec!["api.test".into(), "other.test".into()]),
        leeway: if bit(2) { 30.0 } else { 0.0 },
        require: if bit(3) {
            vec!["exp".into(), "iat".into(), "sub".into(), "jti".into()]
        } else {
            Vec::new()
        },
        typ: bit(4).then(|| "at+jwt".into()),
        max_age: bit(5).then_some(600.0),
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 5 {
        return;
    }
    let now = f64::from(u32::from_le_bytes([data[0], data[1], data[2], data[3]]));
    let Ok(claims) = json::parse_object(&data[5..]) else {
        return;
    };
    let mut header = Object::new();
    header.set("alg", Json::Str("EdDSA".into()));
    header.set("typ", Json::Str("at+jwt".into()));
    let strict = policy(data[4]);
    strict.validate().expect("fuzz policies are valid");
    if strict.check(&header, &claims, now).is_ok() {
        let relaxed = Policy {
            leeway: MAX_LEEWAY,
            ..strict.clone()
        };
        assert!(
            relaxed.check(&header, &claims, now).is_ok(),
            "more leeway rejected a token"
        );
    }
});
