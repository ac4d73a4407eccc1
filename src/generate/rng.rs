//! Deterministic randomness. Every account draws from its own ChaCha stream
//! keyed by (seed, purpose, index), so an account's rows are the same whatever
//! batch it falls in and whichever thread builds it.
//!
//! The draws below are built on `next_u64` alone (not on rand's distributions)
//! so that the output stays byte-identical across rand releases.

use rand::{Rng as _, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// ChaCha with 8 rounds: the fastest ChaCha, ample for synthetic data.
pub type Rng = ChaCha8Rng;

/// What a stream is used for; each purpose gets independent streams.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    Account = 1,
    Catalog = 2,
    Spend = 3,
}

pub fn stream(seed: u64, purpose: Purpose, index: u64) -> Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&(purpose as u64).to_le_bytes());
    key[16..24].copy_from_slice(&index.to_le_bytes());
    key[24..].copy_from_slice(b"jmap-gen");
    ChaCha8Rng::from_seed(key)
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const HEX: &[u8] = b"0123456789abcdef";

pub trait Draw {
    fn bits(&mut self) -> u64;

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.bits() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in 0..n (n > 0).
    fn below(&mut self, n: usize) -> usize {
        ((self.bits() as u128 * n as u128) >> 64) as usize
    }

    /// Uniform in lo..=hi.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as usize) as i64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A copy of a random item (where `*pick` would read as a needless deref).
    fn one<T: Copy>(&mut self, items: &[T]) -> T {
        *self.pick(items)
    }

    /// A copy of an item chosen with probability proportional to its weight.
    fn one_weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        *self.weighted(items)
    }

    /// An item chosen with probability proportional to its weight.
    fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.below(total as usize) as u32;
        for (item, w) in items {
            if x < *w {
                return item;
            }
            x -= w;
        }
        &items[items.len() - 1].0
    }

    /// Exponentially distributed with the given mean.
    fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }

    /// How many extra items, geometrically distributed with the given mean.
    fn extra(&mut self, mean: f64) -> u32 {
        let p = mean / (1.0 + mean);
        let mut n = 0;
        while n < 50 && self.chance(p) {
            n += 1;
        }
        n
    }

    /// A random version-4 UUID, as device ids and event ids look.
    fn uuid(&mut self) -> String {
        let (a, b) = (self.bits(), self.bits());
        let bytes: Vec<u8> = a.to_be_bytes().into_iter().chain(b.to_be_bytes()).collect();
        let mut s = String::with_capacity(36);
        for (i, byte) in bytes.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                s.push('-');
            }
            let byte = match i {
                6 => (byte & 0x0f) | 0x40,
                8 => (byte & 0x3f) | 0x80,
                _ => *byte,
            };
            s.push(HEX[(byte >> 4) as usize] as char);
            s.push(HEX[(byte & 15) as usize] as char);
        }
        s
    }

    /// `n` random letters and digits.
    fn token(&mut self, n: usize) -> String {
        (0..n).map(|_| BASE62[self.below(62)] as char).collect()
    }
}

impl Draw for Rng {
    fn bits(&mut self) -> u64 {
        self.next_u64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_differ_by_seed_purpose_and_index() {
        let a = stream(1, Purpose::Account, 0).bits();
        assert_eq!(a, stream(1, Purpose::Account, 0).bits());
        assert_ne!(a, stream(2, Purpose::Account, 0).bits());
        assert_ne!(a, stream(1, Purpose::Catalog, 0).bits());
        assert_ne!(a, stream(1, Purpose::Account, 1).bits());
    }

    #[test]
    fn draws_stay_in_range() {
        let mut r = stream(7, Purpose::Account, 3);
        for _ in 0..1000 {
            assert!((0.0..1.0).contains(&r.unit()));
            assert!((3..=5).contains(&r.between(3, 5)));
        }
        let id = r.uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
    }
}
