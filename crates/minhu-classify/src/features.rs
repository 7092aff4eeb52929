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
    /// Dictionary words: character n-grams of length `dict_min_len..=dict_max_len`
    /// that are in the model's word list (built at training time from jieba
    /// segmentation of the training texts) are added as word features. This
    /// gives word features without running jieba when predicting.
    #[serde(default)]
    pub dict_words: bool,
    #[serde(default)]
    pub dict_min_len: usize,
    #[serde(default)]
    pub dict_max_len: usize,
    /// Minimum number of training texts a word must occur in to be listed.
    #[serde(default)]
    pub dict_min_df: u32,
    /// Features seen in fewer training documents are dropped.
    pub min_df: u32,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            hash_bits: 19,
            char_ngram_min: 1,
            char_ngram_max: 2,
            words: false,
            word_bigrams: false,
            strip_punct: true,
            fold_digits: true,
            sublinear_tf: true,
            min_df: 1,
            title_chars: 25,
            dict_words: true,
            dict_min_len: 3,
            dict_max_len: 4,
            dict_min_df: 2,
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
        if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
            out.push(c); // CJK unified ideographs: kept as they are
            continue;
        }
        let c = fold_char(c);
        if c.is_whitespace() || c.is_control() {
            continue;
        }
        if strip_punct && !c.is_alphanumeric() {
            continue;
        }
        let c = if fold_digits && c.is_ascii_digit() {
            '0'
        } else {
            c
        };
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

/// A set of word hashes (open addressing, linear probing), stored as-is in
/// the model file so that loading needs no rebuilding.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WordSet {
    pub(crate) slots: Vec<u64>,
    pub(crate) len: usize,
    /// Bitset (PREFIX_BITS bits) of the first-two-character prefixes of the
    /// words; lets extraction skip the longer n-grams at most positions.
    /// Empty = no filter (used when words can be shorter than 3 characters).
    pub(crate) prefix: Vec<u64>,
}

pub(crate) const PREFIX_BITS: u32 = 17;

#[inline]
fn prefix_index(chain2: u64) -> usize {
    (mix64(chain2 ^ 0x6a09e667f3bcc909) >> (64 - PREFIX_BITS)) as usize
}

#[inline]
fn prefix_index_of(chars: &[char]) -> usize {
    prefix_index(
        chars[..2]
            .iter()
            .fold(FNV_OFFSET, |h, &c| step(h, c as u32)),
    )
}

/// Hash key of a normalised word (never 0, which marks an empty slot).
#[inline]
fn word_key(chain: u64) -> u64 {
    mix64(chain ^ 0x2545f4914f6cdd1d) | 1
}

/// Hash key of a word (normalised like feature text).
pub(crate) fn word_key_of(chars: &[char]) -> u64 {
    word_key(chars.iter().fold(FNV_OFFSET, |h, &c| step(h, c as u32)))
}

impl WordSet {
    pub fn from_keys(keys: &[u64], prefix: Vec<u64>) -> WordSet {
        if keys.is_empty() {
            return WordSet::default();
        }
        let size = (keys.len() * 2).next_power_of_two();
        let mut slots = vec![0u64; size];
        let mut len = 0;
        for &k in keys {
            let mut i = (k as usize) & (size - 1);
            loop {
                if slots[i] == 0 {
                    slots[i] = k;
                    len += 1;
                    break;
                }
                if slots[i] == k {
                    break;
                }
                i = (i + 1) & (size - 1);
            }
        }
        WordSet { slots, len, prefix }
    }

    pub(crate) fn from_slots(slots: Vec<u64>, prefix: Vec<u64>) -> WordSet {
        let len = slots.iter().filter(|&&k| k != 0).count();
        WordSet { slots, len, prefix }
    }

    #[inline]
    fn may_start(&self, chain2: u64) -> bool {
        if self.prefix.is_empty() {
            return true;
        }
        let i = prefix_index(chain2);
        (self.prefix[i >> 6] >> (i & 63)) & 1 == 1
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    pub fn contains_key(&self, k: u64) -> bool {
        if self.slots.is_empty() {
            return false;
        }
        let mask = self.slots.len() - 1;
        let mut i = (k as usize) & mask;
        loop {
            let s = self.slots[i];
            if s == k {
                return true;
            }
            if s == 0 {
                return false;
            }
            i = (i + 1) & mask;
        }
    }
}

/// Builds the dictionary-word list: jieba words of the (normalised)
/// training texts with `dict_min_len..=dict_max_len` characters, not all
/// digits, occurring in at least `dict_min_df` texts.
pub(crate) fn build_word_set<S: AsRef<str> + Sync>(cfg: &FeatureConfig, texts: &[S]) -> WordSet {
    let per_doc: Vec<Vec<(u64, usize)>> = crate::train::par_map(texts.len(), |i, s| {
        normalize_chars(
            texts[i].as_ref(),
            cfg.strip_punct,
            cfg.fold_digits,
            &mut s.chars,
        );
        s.norm_text.clear();
        s.norm_text.extend(s.chars.iter());
        let mut keys: Vec<(u64, usize)> = crate::segment::with_jieba(|j| {
            j.cut(&s.norm_text, true)
                .iter()
                .filter_map(|t| {
                    let w: Vec<char> = t.word.chars().collect();
                    let ok = w.len() >= cfg.dict_min_len.max(1)
                        && w.len() <= cfg.dict_max_len
                        && !w.iter().all(|c| c.is_ascii_digit());
                    ok.then(|| {
                        (
                            word_key_of(&w),
                            if w.len() >= 2 { prefix_index_of(&w) } else { 0 },
                        )
                    })
                })
                .collect()
        });
        keys.sort_unstable();
        keys.dedup();
        keys
    });
    let mut all: Vec<(u64, usize)> = per_doc.into_iter().flatten().collect();
    all.sort_unstable();
    let mut keep = Vec::new();
    let mut prefixes = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j < all.len() && all[j] == all[i] {
            j += 1;
        }
        if (j - i) as u32 >= cfg.dict_min_df.max(1) {
            keep.push(all[i].0);
            prefixes.push(all[i].1);
        }
        i = j;
    }
    let mut prefix = Vec::new();
    if cfg.dict_min_len >= 3 {
        prefix = vec![0u64; 1 << (PREFIX_BITS - 6)];
        for p in prefixes {
            prefix[p >> 6] |= 1 << (p & 63);
        }
    }
    WordSet::from_keys(&keep, prefix)
}

/// Reusable buffers for feature extraction.
#[derive(Default)]
pub struct Scratch {
    chars: Vec<char>,
    pub(crate) buckets: Vec<u32>,
    norm_text: String,
    slots: Vec<u32>,
    /// Distinct buckets with their counts (in first-seen order).
    pub(crate) counts: Vec<(u32, u32)>,
}

impl Scratch {
    /// Aggregates `buckets` into `counts` with a small open-addressing table
    /// (bucket ids are already hashes, so their low bits index it).
    fn aggregate(&mut self) {
        self.counts.clear();
        let cap = (self.buckets.len() * 2).next_power_of_two().max(16);
        let mask = cap - 1;
        self.slots.clear();
        self.slots.resize(cap, 0);
        for &b in &self.buckets {
            let mut i = (b as usize) & mask;
            loop {
                let s = self.slots[i];
                if s == 0 {
                    self.counts.push((b, 1));
                    self.slots[i] = self.counts.len() as u32;
                    break;
                }
                let e = &mut self.counts[s as usize - 1];
                if e.0 == b {
                    e.1 += 1;
                    break;
                }
                i = (i + 1) & mask;
            }
        }
    }
}

const WORD_SEED: u64 = 0x9e3779b97f4a7c15;
const TITLE_SEED: u64 = 0x7f4a7c159e3779b9;
const BIGRAM_SEED: u64 = 0x632be59bd9b4e019;

/// Collects the hash bucket of every feature occurrence of `text` in
/// `scratch.buckets` and their distinct (bucket, count) pairs in `scratch.counts`.
pub fn extract_buckets(cfg: &FeatureConfig, words: &WordSet, text: &str, scratch: &mut Scratch) {
    let mask = (1u64 << cfg.hash_bits) - 1;
    scratch.buckets.clear();
    normalize_chars(text, cfg.strip_punct, cfg.fold_digits, &mut scratch.chars);
    let chars = &scratch.chars;
    if cfg.char_ngram_min > 0 {
        let (lo, hi) = (
            cfg.char_ngram_min,
            cfg.char_ngram_max.max(cfg.char_ngram_min),
        );
        for i in 0..chars.len() {
            let mut h = FNV_OFFSET;
            for n in 1..=hi {
                let Some(&c) = chars.get(i + n - 1) else {
                    break;
                };
                h = step(h, c as u32);
                if n >= lo {
                    scratch.buckets.push((mix64(h) & mask) as u32);
                }
            }
        }
    }
    if cfg.dict_words && !words.is_empty() {
        let (lo, hi) = (cfg.dict_min_len.max(1), cfg.dict_max_len);
        for i in 0..chars.len() {
            let mut h = FNV_OFFSET;
            for n in 1..=hi {
                let Some(&c) = chars.get(i + n - 1) else {
                    break;
                };
                h = step(h, c as u32);
                if n == 2 && !words.may_start(h) {
                    break;
                }
                if n >= lo {
                    let k = word_key(h);
                    if words.contains_key(k) {
                        scratch.buckets.push((mix64(k ^ WORD_SEED) & mask) as u32);
                    }
                }
            }
        }
    }
    if cfg.title_chars > 0 && cfg.char_ngram_min > 0 {
        let (lo, hi) = (
            cfg.char_ngram_min,
            cfg.char_ngram_max.max(cfg.char_ngram_min),
        );
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
    scratch.aggregate();
}

/// Term weight for a count.
#[inline]
pub fn tf_weight(cfg: &FeatureConfig, count: u32) -> f32 {
    if count == 1 {
        1.0
    } else if cfg.sublinear_tf {
        1.0 + (count as f32).ln()
    } else {
        count as f32
    }
}
