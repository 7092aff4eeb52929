//! Text normalisation and hashed features (character n-grams, optionally
//! jieba words). Works on raw concatenated text: no whitespace needed.

use serde::{Deserialize, Serialize};

/// Feature settings. Stored in the model file; prediction uses exactly the
/// settings the model was trained with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    /// log2 of the number of hash buckets.
    pub hash_bits: u32,
    /// Smallest character n-gram length (0 = no character n-grams).
    pub char_ngram_min: usize,
    /// Largest character n-gram length.
    pub char_ngram_max: usize,
    /// Add jieba words (and word bigrams if `word_bigrams`) as features.
    pub words: bool,
    pub word_bigrams: bool,
    /// Drop punctuation and symbols before building n-grams (the segmented
    /// training rows have no punctuation; raw messages do).
    pub strip_punct: bool,
    /// Map every ASCII digit to '0' (numbers, dates, ids carry little class signal).
    pub fold_digits: bool,
    /// Use 1 + ln(tf) instead of raw term counts.
    pub sublinear_tf: bool,
    /// Extra character n-gram features (separately hashed) for the first
    /// `title_chars` characters: messages start with their subject line.
    #[serde(default)]
    pub title_chars: usize,
    /// Features seen in fewer training documents are dropped.
    pub min_df: u32,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            hash_bits: 20,
            char_ngram_min: 1,
            char_ngram_max: 3,
            words: false,
            word_bigrams: false,
            strip_punct: true,
            fold_digits: true,
            sublinear_tf: true,
            min_df: 1,
            title_chars: 0,
        }
    }
}

/// Full-width ASCII variants to half-width, ASCII letters to lower case.
#[inline]
fn fold_char(c: char) -> char {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    };
    c.to_ascii_lowercase()
}

/// Normalises text into the character sequence features are built from:
/// whitespace removed, full-width folded, lower-cased, optionally punctuation
/// stripped and digits folded.
pub fn normalize_chars(text: &str, strip_punct: bool, fold_digits: bool, out: &mut Vec<char>) {
    out.clear();
    for c in text.chars() {
        let c = fold_char(c);
        if c.is_whitespace() || c.is_control() {
            continue;
        }
        if strip_punct && !c.is_alphanumeric() {
            continue;
        }
        let c = if fold_digits && c.is_ascii_digit() { '0' } else { c };
        out.push(c);
    }
}

/// Normalised text as a `String` (used as the identity key for grouping
/// identical messages in cross-validation and for duplicate detection).
pub fn normalize(text: &str) -> String {
    let mut v = Vec::new();
    normalize_chars(text, true, false, &mut v);
    v.into_iter().collect()
}

#[inline]
pub(crate) fn mix64(mut h: u64) -> u64 {
    // murmur3 finaliser
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    h
}

const FNV_OFFSET: u64 = 0xcbf29ce484222325;
const FNV_PRIME: u64 = 0x100000001b3;

#[inline]
pub(crate) fn step(h: u64, c: u32) -> u64 {
    (h ^ c as u64).wrapping_mul(FNV_PRIME)
}

/// Stable 64-bit hash of a string (FNV-1a over chars, murmur finaliser).
pub fn hash_str(seed: u64, s: &str) -> u64 {
    let mut h = FNV_OFFSET ^ seed;
    for c in s.chars() {
        h = step(h, c as u32);
    }
    mix64(h)
}

/// Reusable buffers for feature extraction.
#[derive(Default)]
pub struct Scratch {
    chars: Vec<char>,
    pub(crate) buckets: Vec<u32>,
    norm_text: String,
}

const WORD_SEED: u64 = 0x9e3779b97f4a7c15;
const TITLE_SEED: u64 = 0x7f4a7c159e3779b9;
const BIGRAM_SEED: u64 = 0x632be59bd9b4e019;

/// Appends the hash bucket of every feature occurrence of `text` to
/// `scratch.buckets` (cleared first), then sorts them so equal buckets are
/// adjacent.
pub fn extract_buckets(cfg: &FeatureConfig, text: &str, scratch: &mut Scratch) {
    let mask = (1u64 << cfg.hash_bits) - 1;
    scratch.buckets.clear();
    normalize_chars(text, cfg.strip_punct, cfg.fold_digits, &mut scratch.chars);
    let chars = &scratch.chars;
    if cfg.char_ngram_min > 0 {
        let (lo, hi) = (cfg.char_ngram_min, cfg.char_ngram_max.max(cfg.char_ngram_min));
        for i in 0..chars.len() {
            let mut h = FNV_OFFSET;
            for n in 1..=hi {
                let Some(&c) = chars.get(i + n - 1) else { break };
                h = step(h, c as u32);
                if n >= lo {
                    scratch.buckets.push((mix64(h) & mask) as u32);
                }
            }
        }
    }
    if cfg.title_chars > 0 && cfg.char_ngram_min > 0 {
        let (lo, hi) = (cfg.char_ngram_min, cfg.char_ngram_max.max(cfg.char_ngram_min));
        let t = &chars[..chars.len().min(cfg.title_chars)];
        for i in 0..t.len() {
            let mut h = FNV_OFFSET ^ TITLE_SEED;
            for n in 1..=hi {
                let Some(&c) = t.get(i + n - 1) else { break };
                h = step(h, c as u32);
                if n >= lo {
                    scratch.buckets.push((mix64(h) & mask) as u32);
                }
            }
        }
    }
    if cfg.words {
        scratch.norm_text.clear();
        scratch.norm_text.extend(chars.iter());
        let text = &scratch.norm_text;
        let buckets = &mut scratch.buckets;
        crate::segment::with_jieba(|j| {
            let toks = j.cut(text, true);
            let mut prev: Option<u64> = None;
            for t in &toks {
                let hw = hash_str(WORD_SEED, t.word);
                buckets.push((hw & mask) as u32);
                if cfg.word_bigrams {
                    if let Some(p) = prev {
                        buckets.push((mix64(p ^ hw.rotate_left(17) ^ BIGRAM_SEED) & mask) as u32);
                    }
                    prev = Some(hw);
                }
            }
        });
    }
    scratch.buckets.sort_unstable();
}

/// Term weight for a count.
#[inline]
pub fn tf_weight(cfg: &FeatureConfig, count: u32) -> f32 {
    if cfg.sublinear_tf { 1.0 + (count as f32).ln() } else { count as f32 }
}

/// Calls `f(bucket, count)` for each distinct bucket of sorted buckets.
#[inline]
pub fn for_each_count(buckets: &[u32], mut f: impl FnMut(u32, u32)) {
    let mut i = 0;
    while i < buckets.len() {
        let b = buckets[i];
        let mut j = i + 1;
        while j < buckets.len() && buckets[j] == b {
            j += 1;
        }
        f(b, (j - i) as u32);
        i = j;
    }
}
