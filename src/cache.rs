//! The verified-token cache: a bounded map from a token's exact bytes to its verified header and
//! claims, for services that see the same token many times.
//!
//! A hit skips parsing and the signature check only. The caller re-runs the claim policy against
//! the current clock, so a hit can never turn an expired or not-yet-valid token into an accepted
//! one; the key set is fixed for the life of a compiled verifier, so a key change (rotation,
//! retirement, revocation) means a new verifier and an empty cache.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::verifier::Verified;

/// How many of a token's last bytes its slot is chosen by.
const TAIL: usize = 32;

/// One slot per [`slot`] value; a hit also compares the whole token, so two tokens that share a
/// slot only ever cost each other a miss.
type Slots = HashMap<u64, (Box<[u8]>, Arc<Verified>), BuildHasherDefault<SlotHasher>>;

/// Two generations approximate LRU in O(1): lookups promote into `hot`; when `hot` fills, it
/// becomes `cold` and the old `cold` is dropped. At most `capacity` entries are held.
struct Generations {
    hot: Slots,
    cold: Slots,
    hits: u64,
    misses: u64,
}

pub struct Cache {
    half: usize,
    /// Keys the slot hash (SipHash), so nobody outside can aim tokens at one slot.
    seed: RandomState,
    inner: Mutex<Generations>,
}

/// A slot value is already a keyed hash: the map uses it as it is.
#[derive(Default)]
struct SlotHasher(u64);

impl Hasher for SlotHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, _: &[u8]) {
        unreachable!("slots are keyed by u64 only")
    }

    fn write_u64(&mut self, slot: u64) {
        self.0 = slot;
    }
}

impl Cache {
    pub fn new(capacity: usize) -> Self {
        let half = capacity.div_ceil(2).max(1);
        Cache {
            half,
            seed: RandomState::new(),
            inner: Mutex::new(Generations {
                hot: Slots::with_capacity_and_hasher(half, Default::default()),
                cold: Slots::default(),
                hits: 0,
                misses: 0,
            }),
        }
    }

    /// The slot of `token`: a keyed hash of its last [`TAIL`] bytes, which hold the signature.
    /// Hashing the whole token (an RS256 one is ~600 bytes) was the largest single cost of a hit.
    /// Only tokens that verified are ever stored, and no one without the key can make valid
    /// signatures agree in their last bytes, so stored tokens spread over the slots like any hash.
    fn slot(&self, token: &[u8]) -> u64 {
        self.seed
            .hash_one(&token[token.len().saturating_sub(TAIL)..])
    }

    fn lock(&self) -> MutexGuard<'_, Generations> {
        // A panic while holding the lock cannot leave the maps inconsistent (every update is a
        // single insert/remove), so a poisoned lock is still safe to use.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn get(&self, token: &[u8]) -> Option<Arc<Verified>> {
        let slot = self.slot(token);
        let mut g = self.lock();
        if let Some((held, found)) = g.hot.get(&slot) {
            if **held == *token {
                let found = found.clone();
                g.hits += 1;
                return Some(found);
            }
        }
        match g.cold.remove(&slot) {
            Some((held, found)) if *held == *token => {
                g.hits += 1;
                self.insert_locked(&mut g, slot, held, found.clone());
                Some(found)
            }
            other => {
                if let Some(entry) = other {
                    g.cold.insert(slot, entry); // another token's entry: put it back
                }
                g.misses += 1;
                None
            }
        }
    }

    pub fn insert(&self, token: &[u8], verified: Arc<Verified>) {
        let slot = self.slot(token);
        let mut g = self.lock();
        self.insert_locked(&mut g, slot, token.into(), verified);
    }

    fn insert_locked(
        &self,
        g: &mut Generations,
        slot: u64,
        token: Box<[u8]>,
        verified: Arc<Verified>,
    ) {
        if g.hot.len() >= self.half && !g.hot.contains_key(&slot) {
            let fresh = Slots::with_capacity_and_hasher(self.half, Default::default());
            g.cold = std::mem::replace(&mut g.hot, fresh);
        }
        g.hot.insert(slot, (token, verified));
    }

    /// (hits, misses, entries held, capacity)
    pub fn stats(&self) -> (u64, u64, usize, usize) {
        let g = self.lock();
        (g.hits, g.misses, g.hot.len() + g.cold.len(), self.half * 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{Json, Object};

    /// A distinct entry per key, so a lookup proves which entry it returned.
    fn entry(n: i64) -> Arc<Verified> {
        let mut claims = Object::new();
        claims.set("n", Json::Int(n));
        Arc::new(Verified::new(Object::new(), claims))
    }

    fn found(cache: &Cache, key: &[u8], expected: &Arc<Verified>) -> bool {
        cache
            .get(key)
            .is_some_and(|got| Arc::ptr_eq(&got, expected))
    }

    #[test]
    fn bounded_and_keeps_recent_entries() {
        let cache = Cache::new(4);
        let entries: Vec<_> = (0..100).map(entry).collect();
        for (i, e) in entries.iter().enumerate() {
            cache.insert(&(i as u32).to_le_bytes(), e.clone());
            assert!(cache.stats().2 <= 4);
        }
        assert!(found(&cache, &99u32.to_le_bytes(), &entries[99]));
        assert!(cache.get(&0u32.to_le_bytes()).is_none());
    }

    #[test]
    fn a_hit_in_the_cold_generation_survives_the_next_turnover() {
        let cache = Cache::new(4);
        let a = entry(1);
        cache.insert(b"a", a.clone());
        cache.insert(b"b", entry(2));
        cache.insert(b"c", entry(3)); // a, b are now cold
        assert!(found(&cache, b"a", &a)); // promoted
        cache.insert(b"d", entry(4));
        cache.insert(b"e", entry(5)); // turnover: cold = {c, a}... a stays reachable
        assert!(found(&cache, b"a", &a));
        assert_eq!(cache.stats().0, 2);
    }

    #[test]
    fn tokens_that_share_a_tail_never_answer_for_each_other() {
        let cache = Cache::new(4);
        let tail = [7u8; TAIL];
        let a = [b"header-a.".as_slice(), &tail].concat();
        let b = [b"header-b.".as_slice(), &tail].concat();
        let (entry_a, entry_b) = (entry(1), entry(2));
        cache.insert(&a, entry_a.clone());
        assert!(cache.get(&b).is_none());
        assert!(found(&cache, &a, &entry_a));
        // b takes the slot: a is now a miss, b a hit.
        cache.insert(&b, entry_b.clone());
        assert!(cache.get(&a).is_none());
        assert!(found(&cache, &b, &entry_b));
        // In the cold generation too: a lookup of a leaves b's entry in place.
        cache.insert(b"c", entry(3));
        cache.insert(b"d", entry(4)); // b is now cold
        assert!(cache.get(&a).is_none());
        assert!(found(&cache, &b, &entry_b));
        assert_eq!(cache.stats().0, 3);
        assert_eq!(cache.stats().1, 3);
    }
}
