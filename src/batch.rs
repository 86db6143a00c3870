//! `verify_many`: a batch of tokens verified in parallel, with the GIL released by the caller.
//! Every token gets exactly the answer `Verifier::verify` would give it.

use crate::errors::Result;
use crate::verifier::{Verified, Verifier};
use rayon::prelude::*;

/// Below this many tokens, thread hand-off costs more than it saves.
const PARALLEL_THRESHOLD: usize = 32;

pub fn verify_many(verifier: &Verifier, tokens: &[&[u8]], now: f64) -> Vec<Result<Verified>> {
    if tokens.len() < PARALLEL_THRESHOLD {
        return tokens.iter().map(|t| verifier.verify(t, now)).collect();
    }
    tokens
        .par_iter()
        .with_min_len(8)
        .map(|t| verifier.verify(t, now))
        .collect()
}
