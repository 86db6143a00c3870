//! The strict JSON parser (`json::parse`, `json::parse_object`).
//!
//! Properties beyond "no panic": an accepted object serializes to JSON that parses back to the
//! same tree (what the signer writes, the verifier reads).
#![no_main]

use _core::json::{self, Json};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = json::parse(data);
    if let Ok(object) = json::parse_object(data) {
        let written = Json::Object(object.clone()).to_vec();
        let again = json::parse_object(&written).expect("written JSON parses");
        assert_eq!(object, again, "round trip changed the object");
    }
});
