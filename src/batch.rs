//! `verify_many`: a batch of tokens verified in parallel, with the GIL released by the caller.
//! Every token gets exactly the answer `Verifier::verify` would give it.
//!
//! Why not ed25519-dalek's `verify_batch`: its equation is cofactorless with 128-bit weights
//! derived from the inputs, so a signature whose R carries a small torsion component can pass the
//! batch (with probability up to 1/2, and an attacker can grind for it) while `verify_strict`
//! rejects it. Batching is only equivalent once every R is shown torsion-free, and on this
//! machine that check ([l]R) costs 49-71 µs per signature against a saving of ~28 µs
//! (`verify_strict` ~60 µs, `verify_batch` ~32 µs per signature at n = 64). Safe batching
//! would be slower than parallel one-by-one verification, so this module does the latter.

use crate::errors::Result;
use crate::verifier::{Verified, Verifier};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Below this many tokens, thread hand-off costs more than it saves.
const PARALLEL_THRESHOLD: usize = 32;

/// Tokens a thread claims at a time: few enough that the threads finish together, enough that
/// the shared counter is touched rarely.
const CHUNK: usize = 4;

/// The calling thread verifies too, claiming chunks from a shared counter beside one helper per
/// other pool thread, so the batch never waits for a helper to wake before work starts: a helper
/// that comes late (an idle vCPU is slow to wake on a VM) finds less left, or nothing. Handing
/// the whole batch to the pool (`par_iter`) left the caller asleep and made every call pay those
/// wake-ups: on a quiet 2-vCPU guest it was slower than verifying one by one.
pub fn verify_many(verifier: &Verifier, tokens: &[&[u8]], now: f64) -> Vec<Result<Arc<Verified>>> {
    let helpers = rayon::current_num_threads().saturating_sub(1);
    if tokens.len() < PARALLEL_THRESHOLD || helpers == 0 {
        return tokens
            .iter()
            .map(|t| verifier.verify_cached(t, now))
            .collect();
    }
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::with_capacity(tokens.len()));
    let work = || {
        let mut mine = Vec::new();
        loop {
            let start = next.fetch_add(CHUNK, Ordering::Relaxed);
            if start >= tokens.len() {
                break;
            }
            let chunk = &tokens[start..(start + CHUNK).min(tokens.len())];
            mine.extend((start..).zip(chunk.iter().map(|t| verifier.verify_cached(t, now))));
        }
        done.lock().unwrap_or_else(|p| p.into_inner()).extend(mine);
    };
    rayon::in_place_scope(|scope| {
        for _ in 0..helpers {
            scope.spawn(|_| work());
        }
        work();
    });
    let mut results = done.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_unstable_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}
