//! The verified-token cache: a bounded map from a token's exact bytes to its verified header and
//! claims, for services that see the same token many times.
//!
//! A hit skips parsing and the signature check only. The caller re-runs the claim policy against
//! the current clock, so a hit can never turn an expired or not-yet-valid token into an accepted
//! one; the key set is fixed for the life of a compiled verifier, so a key change (rotation,
//! retirement, revocation) means a new verifier and an empty cache.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::verifier::Verified;

/// Two generations approximate LRU in O(1): lookups promote into `hot`; when `hot` fills, it
/// becomes `cold` and the old `cold` is dropped. At most `capacity` entries are held.
struct Generations {
    hot: HashMap<Box<[u8]>, Arc<Verified>>,
    cold: HashMap<Box<[u8]>, Arc<Verified>>,
    hits: u64,
    misses: u64,
}

pub struct Cache {
    half: usize,
    inner: Mutex<Generations>,
}

impl Cache {
    pub fn new(capacity: usize) -> Self {
        let half = capacity.div_ceil(2).max(1);
        Cache {
            half,
            inner: Mutex::new(Generations {
                hot: HashMap::with_capacity(half),
                cold: HashMap::new(),
                hits: 0,
                misses: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Generations> {
        // A panic while holding the lock cannot leave the maps inconsistent (every update is a
        // single insert/remove), so a poisoned lock is still safe to use.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn get(&self, token: &[u8]) -> Option<Arc<Verified>> {
        let mut g = self.lock();
        if let Some(found) = g.hot.get(token).cloned() {
            g.hits += 1;
            return Some(found);
        }
        match g.cold.remove_entry(token) {
            Some((key, found)) => {
                g.hits += 1;
                self.insert_locked(&mut g, key, found.clone());
                Some(found)
            }
            None => {
                g.misses += 1;
                None
            }
        }
    }

    pub fn insert(&self, token: &[u8], verified: Arc<Verified>) {
        let mut g = self.lock();
        self.insert_locked(&mut g, token.into(), verified);
    }

    fn insert_locked(&self, g: &mut Generations, token: Box<[u8]>, verified: Arc<Verified>) {
        if g.hot.len() >= self.half && !g.hot.contains_key(&token) {
            let full = std::mem::replace(&mut g.hot, HashMap::with_capacity(self.half));
            g.cold = full;
        }
        g.hot.insert(token, verified);
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
        Arc::new(Verified {
            header: Object::new(),
            claims,
        })
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
}
