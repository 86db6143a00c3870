//! Ed25519 conformance on the vectors in ../shared/vectors, in Rust so that `cargo test` proves it
//! on each curve25519-dalek backend (scripts/test.sh runs the tests once per backend). The Python
//! suite (tests/core/test_vectors.py, test_batch_and_cache.py) checks the same through the API.

use crate::b64;
use crate::claims::Policy;
use crate::ed25519;
use crate::jws::{Alg, AlgSet, VerifyKey};
use crate::keys::PublicKey;
use crate::verifier::{Verifier, MAX_TOKEN_BYTES};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Absent in a user's clone (the folder sits beside the checkout in CI): the test says so.
fn vectors(name: &str) -> Option<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/vectors")
        .join(name);
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {} is absent", path.display());
        return None;
    };
    Some(serde_json::from_str(&text).expect("vector file is JSON"))
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn text<'v>(v: &'v Value, key: &str) -> &'v str {
    v[key].as_str().expect("string member")
}

fn flags(vector: &Value) -> Vec<&str> {
    match vector["flags"].as_array() {
        Some(flags) => flags.iter().map(|f| f.as_str().expect("flag")).collect(),
        None => vec![],
    }
}

/// (key, signature, message) of every Wycheproof test, keys imported through their JWK.
fn wycheproof_cases(suite: &Value) -> Vec<(PublicKey, Vec<u8>, Vec<u8>, bool)> {
    let mut out = vec![];
    for group in suite["testGroups"].as_array().expect("groups") {
        let jwk = crate::keys::parse_jwk_text(&group["publicKeyJwk"].to_string()).expect("JWK");
        let key =
            PublicKey::from_jwk(&jwk, crate::rsa::MIN_BITS).expect("every Wycheproof key imports");
        for case in group["tests"].as_array().expect("tests") {
            let valid = text(case, "result") == "valid";
            out.push((
                key.clone(),
                hex(text(case, "sig")),
                hex(text(case, "msg")),
                valid,
            ));
        }
    }
    out
}

#[test]
fn wycheproof_every_vector_through_jwk_import() {
    let Some(suite) = vectors("wycheproof_ed25519_test.json") else {
        return;
    };
    let mut outcomes = BTreeMap::new();
    for (key, sig, msg, valid) in wycheproof_cases(&suite) {
        let got = key.verify(Alg::EdDSA, &msg, &sig);
        assert_eq!(got, valid, "backend {:?}", ed25519::backend());
        *outcomes.entry((valid, got)).or_insert(0) += 1;
    }
    assert_eq!(
        outcomes,
        BTreeMap::from([((false, false), 63), ((true, true), 88)])
    );
}

#[test]
fn cctv_verify_strict_alone_accepts_43() {
    let Some(Value::Array(cctv)) = vectors("cctv_ed25519vectors.json") else {
        return;
    };
    let mut accepted = 0;
    for vector in &cctv {
        let raw: [u8; 32] = hex(text(vector, "key")).try_into().expect("32 bytes");
        let sig: [u8; 64] = hex(text(vector, "sig")).try_into().expect("64 bytes");
        let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&raw) else {
            continue;
        };
        let sig = ed25519_dalek::Signature::from_bytes(&sig);
        if key
            .verify_strict(text(vector, "msg").as_bytes(), &sig)
            .is_ok()
        {
            accepted += 1;
            let f = flags(vector);
            assert!(
                f.iter()
                    .all(|f| ["low_order_component_A", "low_order_component_R"].contains(f)),
                "{f:?}"
            );
        }
    }
    assert_eq!(accepted, 43, "backend {:?}", ed25519::backend());
}

#[test]
fn cctv_only_the_flagless_vector_verifies_under_the_import_rule() {
    let Some(Value::Array(cctv)) = vectors("cctv_ed25519vectors.json") else {
        return;
    };
    let mut refused = BTreeMap::new();
    let mut verified = vec![];
    for vector in &cctv {
        match PublicKey::from_bytes(&hex(text(vector, "key")), None) {
            Err(e) => *refused.entry(e.message.to_string()).or_insert(0) += 1,
            Ok(key) => {
                if key.verify(
                    Alg::EdDSA,
                    text(vector, "msg").as_bytes(),
                    &hex(text(vector, "sig")),
                ) {
                    verified.push(flags(vector));
                }
            }
        }
    }
    assert_eq!(
        verified,
        vec![Vec::<&str>::new()],
        "{:?}",
        ed25519::backend()
    );
    assert_eq!(
        refused,
        BTreeMap::from([
            ("public key encoding is not canonical".to_string(), 226),
            ("public key has a torsion component".to_string(), 360),
            ("public key has small order".to_string(), 300),
        ])
    );
}

/// Every vector's signature bytes as the signature of a token under the vector's key: the
/// parallel batch path (`verify_many`) answers exactly as one-by-one verification, error for
/// error. (The vectors sign other messages than these tokens, so every answer is a rejection at
/// the signature, after the edge-case R and S values went through the whole path.)
#[test]
fn verify_many_matches_verify_on_every_vector_signature() {
    let (Some(suite), Some(Value::Array(cctv))) = (
        vectors("wycheproof_ed25519_test.json"),
        vectors("cctv_ed25519vectors.json"),
    ) else {
        return;
    };
    let mut pairs: Vec<(PublicKey, Vec<u8>)> = wycheproof_cases(&suite)
        .into_iter()
        .map(|(key, sig, _, _)| (key, sig))
        .collect();
    for vector in &cctv {
        if let Ok(key) = PublicKey::from_bytes(&hex(text(vector, "key")), None) {
            pairs.push((key, hex(text(vector, "sig"))));
        }
    }
    // One key per vector, each under its own kid, so one batch covers them all in parallel.
    let mut keys = vec![];
    let mut tokens = vec![];
    for (i, (mut key, sig)) in pairs.into_iter().enumerate() {
        key.kid = format!("k{i}");
        let header = format!(r#"{{"alg":"EdDSA","kid":"k{i}"}}"#);
        let body = format!("{}.{}", b64::encode(header.as_bytes()), b64::encode(b"{}"));
        tokens.push(format!("{body}.{}", b64::encode(&sig)));
        keys.push(VerifyKey::Public(key));
    }
    let verifier =
        Verifier::new(keys, AlgSet::ED25519, Policy::default(), MAX_TOKEN_BYTES).expect("verifier");
    let tokens: Vec<&[u8]> = tokens.iter().map(|t| t.as_bytes()).collect();
    let batch = crate::batch::verify_many(&verifier, &tokens, 1000.0);
    let mut verified = 0;
    for (token, answer) in tokens.iter().zip(batch) {
        let single = verifier.verify(token, 1000.0).map(|v| v.claims);
        verified += usize::from(single.is_ok());
        assert_eq!(answer.map(|v| v.claims.clone()), single);
    }
    assert_eq!((tokens.len(), verified), (151 + 28, 0));
}
