//! The compact-JWS verify path with a fixed key set (Ed25519, HS256, RS256/PS256, ES256) and
//! policy.
//!
//! Properties beyond "no panic": the cached path and the batch path answer exactly as a plain
//! verify does (same accept/reject, same error kind), also on a cache hit.
#![no_main]

use _core::batch;
use _core::claims::Policy;
use _core::hmac::Secret;
use _core::jws::{Alg, AlgSet, VerifyKey};
use _core::keys::PrivateKey;
use _core::verifier::Verifier;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// The clock the seed tokens were made for (fuzz/build_corpus.py uses the same values).
const NOW: f64 = 1_700_000_000.0;

fn verifier() -> &'static Verifier {
    static VERIFIER: OnceLock<Verifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let ed = PrivateKey::from_seed(&[7u8; 32], Some("ed".into())).expect("seed");
        let hs = Secret::new(&[b'k'; 32], Some("hs".into())).expect("secret");
        let policy = Policy {
            issuer: Some(vec!["https://issuer.test".into()]),
            audience: Some(vec!["api.test".into()]),
            leeway: 5.0,
            require: vec!["exp".into(), "sub".into()],
            typ: Some("at+jwt".into()),
            max_age: Some(3600.0),
        };
        // RSA and EC keys are generated once per run: their kids ("rs", "es") route the seed
        // tokens of fuzz/build_corpus.py into the RSA and ECDSA verify paths.
        let rs = PrivateKey::generate(Some("rs".into()), Some(Alg::RS256), 2048).expect("rsa");
        let es = PrivateKey::generate(Some("es".into()), Some(Alg::ES256), 0).expect("ec");
        let algs: AlgSet = [
            Alg::EdDSA,
            Alg::Ed25519,
            Alg::HS256,
            Alg::RS256,
            Alg::PS256,
            Alg::ES256,
        ]
        .into_iter()
        .collect();
        let keys = vec![
            VerifyKey::Public(ed.public()),
            VerifyKey::Hmac(hs),
            VerifyKey::Public(rs.public()),
            VerifyKey::Public(es.public()),
        ];
        Verifier::new(keys, algs, policy, 64 * 1024)
            .expect("valid policy")
            .with_cache(64)
    })
}

fn outcome<T>(result: &Result<T, _core::errors::Error>) -> Option<&'static str> {
    result.as_ref().err().map(|e| e.kind.class_name())
}

fuzz_target!(|data: &[u8]| {
    let verifier = verifier();
    let plain = outcome(&verifier.verify(data, NOW));
    assert_eq!(
        plain,
        outcome(&verifier.verify_cached(data, NOW)),
        "cache miss differs"
    );
    assert_eq!(
        plain,
        outcome(&verifier.verify_cached(data, NOW)),
        "cache hit differs"
    );
    let batched = batch::verify_many(verifier, &[data, data], NOW);
    for result in &batched {
        assert_eq!(plain, outcome(result), "batch differs");
    }
});
