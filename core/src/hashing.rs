//! Small hashing helpers shared by the classifier's feature hashing, the model file checksum,
//! the aggregator and the corpus splits of the evaluation commands.

/// A 64-bit finalizer (MurmurHash3's fmix64): spreads every input bit over the output.
#[inline]
pub(crate) fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ceb9fe1a85ec53);
    h ^ (h >> 33)
}

/// FNV-1a over `parts` (each followed by a separator byte), then [`mix`]ed. Unlike `FxHasher`
/// its value is fixed by this code alone, not by a dependency's version: it fingerprints data
/// that is saved to disk and compared in a later run.
pub(crate) fn stable_hash<I, P>(parts: I) -> u64
where
    I: IntoIterator<Item = P>,
    P: AsRef<[u8]>,
{
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.as_ref().iter().chain(&[0xff]) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    mix(h)
}

/// FNV-1a 64: the model file's checksum, and the hash that fixes the held-out part of the
/// labelled corpora (`scripts/corpus/texts.py` computes the same).
///
/// ```
/// assert_eq!(suqiu::hashing::fnv1a64(b""), 0xcbf29ce484222325);
/// assert_eq!(suqiu::hashing::fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
/// ```
pub fn fnv1a64(data: &[u8]) -> u64 {
    let mut h = 0xcbf29ce484222325u64;
    for &b in data {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}
