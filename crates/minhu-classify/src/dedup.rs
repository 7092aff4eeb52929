//! Near-duplicate detection: SimHash fingerprints, MinHash signatures over
//! character shingles, and LSH banding so that finding similar pairs does not
//! compare all pairs.

use std::collections::HashMap;

use crate::features::{hash_str, mix64, normalize_chars, step};

/// 64-bit SimHash of a token sequence (each occurrence weighs 1).
pub fn simhash<S: AsRef<str>>(tokens: &[S]) -> u64 {
    let mut acc = [0i32; 64];
    for t in tokens {
        let h = hash_str(0x51_3a_54, t.as_ref());
        for (bit, a) in acc.iter_mut().enumerate() {
            if (h >> bit) & 1 == 1 {
                *a += 1
            } else {
                *a -= 1
            }
        }
    }
    acc.iter()
        .enumerate()
        .fold(0u64, |f, (bit, &a)| if a > 0 { f | (1 << bit) } else { f })
}

/// Hamming distance of two SimHash fingerprints.
pub fn hamming(a: u64, b: u64) -> u32 {
    (a ^ b).count_ones()
}

/// Character shingle length used by [`shingles`] and [`near_duplicates`].
/// Bigrams behave like Chinese words and survive light rewording.
pub const SHINGLE_LEN: usize = 2;

/// Sorted, distinct hashes of the character `SHINGLE_LEN`-grams of the
/// normalised text (whitespace and punctuation removed, ASCII lower-cased).
pub fn shingles(text: &str) -> Vec<u64> {
    let mut chars = Vec::new();
    normalize_chars(text, true, false, &mut chars);
    let mut out: Vec<u64> = if chars.len() < SHINGLE_LEN {
        if chars.is_empty() {
            vec![]
        } else {
            vec![mix64(chars.iter().fold(1, |h, &c| step(h, c as u32)))]
        }
    } else {
        chars
            .windows(SHINGLE_LEN)
            .map(|w| mix64(w.iter().fold(0xcbf29ce484222325, |h, &c| step(h, c as u32))))
            .collect()
    };
    out.sort_unstable();
    out.dedup();
    out
}

/// Exact Jaccard similarity of two sorted, distinct shingle sets.
pub fn jaccard(a: &[u64], b: &[u64]) -> f32 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    inter as f32 / (a.len() + b.len() - inter) as f32
}

/// How alike two texts are for a duplicate hint, from their [`shingles`]: their Jaccard, or
/// how much of the shorter text the longer one contains (a counter clerk's short note of a
/// long online complaint), whichever is higher. Very short texts only count when equal.
pub fn likeness(a: &[u64], b: &[u64]) -> f32 {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let jaccard = jaccard(a, b);
    if short.len() < 6 {
        return if jaccard >= 0.99 { jaccard } else { 0.0 };
    }
    let inter = short
        .iter()
        .filter(|x| long.binary_search(x).is_ok())
        .count();
    let contained = inter as f32 / short.len() as f32;
    jaccard.max(contained * 0.9)
}

/// Number of hash functions in a MinHash signature.
pub const MINHASH_PERM: usize = 128;

/// MinHash signature (`MINHASH_PERM` values) of a shingle set.
pub fn minhash(shingles: &[u64]) -> Vec<u32> {
    let mut sig = vec![u32::MAX; MINHASH_PERM];
    for &s in shingles {
        for (k, m) in sig.iter_mut().enumerate() {
            let h = (mix64(s ^ (k as u64).wrapping_mul(0x9e3779b97f4a7c15)) >> 32) as u32;
            if h < *m {
                *m = h;
            }
        }
    }
    sig
}

/// Picks LSH (bands, rows) with bands*rows <= MINHASH_PERM whose S-curve
/// midpoint (1/b)^(1/r) sits somewhat below `threshold`, favouring recall;
/// candidates are verified with the exact Jaccard afterwards.
fn bands_for(threshold: f32) -> (usize, usize) {
    let target = (threshold * 0.8).clamp(0.05, 0.95);
    let mut best = (MINHASH_PERM / 4, 4);
    let mut best_err = f32::INFINITY;
    for r in 1..=16usize {
        let b = MINHASH_PERM / r;
        let mid = (1.0 / b as f32).powf(1.0 / r as f32);
        let err = (mid - target).abs();
        if err < best_err {
            best_err = err;
            best = (b, r);
        }
    }
    best
}

/// All pairs (i, j), i < j, of `texts` whose character-bigram Jaccard
/// similarity is at least `threshold`, with that similarity, sorted by i, j.
///
/// Candidates come from MinHash LSH banding (no all-pairs comparison), then
/// each candidate is verified with the exact Jaccard, so every reported pair
/// really meets the threshold; a pair far below the LSH midpoint can be missed
/// (probability is small above the threshold). Empty texts are never paired.
pub fn near_duplicates(texts: &[String], threshold: f32) -> Vec<(usize, usize, f32)> {
    let sets: Vec<Vec<u64>> = crate::train::par_map(texts.len(), |i, _| shingles(&texts[i]));
    let sigs: Vec<Vec<u32>> = crate::train::par_map(texts.len(), |i, _| minhash(&sets[i]));
    let (bands, rows) = bands_for(threshold);
    let mut candidates: Vec<(u32, u32)> = Vec::new();
    let mut buckets: HashMap<u64, Vec<u32>> = HashMap::new();
    for band in 0..bands {
        buckets.clear();
        for (i, sig) in sigs.iter().enumerate() {
            if sets[i].is_empty() {
                continue;
            }
            let key = sig[band * rows..(band + 1) * rows]
                .iter()
                .fold(band as u64 + 1, |h, &v| mix64(h ^ v as u64));
            buckets.entry(key).or_default().push(i as u32);
        }
        for members in buckets.values() {
            if members.len() < 2 {
                continue;
            }
            for a in 0..members.len() {
                for b in a + 1..members.len() {
                    candidates.push((members[a], members[b]));
                }
            }
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    let mut out: Vec<(usize, usize, f32)> = candidates
        .into_iter()
        .filter_map(|(a, b)| {
            let s = jaccard(&sets[a as usize], &sets[b as usize]);
            (s >= threshold).then_some((a as usize, b as usize, s))
        })
        .collect();
    out.sort_by_key(|x| (x.0, x.1));
    out
}

/// Groups `n` items into clusters joined by `pairs` (union-find). Returns
/// clusters of two or more items, largest first, members ascending.
pub fn clusters(n: usize, pairs: &[(usize, usize, f32)]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for &(a, b, _) in pairs {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for i in 0..n {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() > 1).collect();
    out.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a[0].cmp(&b[0])));
    out
}
