//! Expectation-adjusted distinct n-grams (EAD), the lexical metric.
//!
//! For each n in 1..=5 the n-grams of the K outputs are pooled (an n-gram never crosses
//! an output boundary). With `T` the total and `U` the distinct count,
//!
//! ```text
//! EAD_n = clip( U / (V · (1 − ((V − 1)/V)^T)), 0, 1 )     (0 when T = 0)
//! D_EAD = mean over n of EAD_n
//! ```
//!
//! Words, not model tokens: every `.` and `\n` is deleted (no space inserted) and the
//! rest is split on Python whitespace. `V` defaults to 50257, which is what the
//! reference's code path used in practice (the paper says "the model's vocabulary").

use std::borrow::Cow;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::pycompat::{is_py_whitespace, py_split_whitespace};

/// The reference's fallback vocabulary size (GPT-2), used by the published numbers.
pub const DEFAULT_VOCAB_SIZE: u64 = 50_257;

/// The n-gram orders the study averages.
pub const DEFAULT_NGRAMS: [usize; 5] = [1, 2, 3, 4, 5];

/// EAD settings.
#[derive(Debug, Clone, PartialEq)]
pub struct EadConfig {
    /// n-gram orders (sorted, non-empty); the score is their unweighted mean.
    pub ngram_orders: Vec<usize>,
    /// `V` in the expectation adjustment.
    pub vocab_size: u64,
}

impl Default for EadConfig {
    fn default() -> Self {
        Self { ngram_orders: DEFAULT_NGRAMS.to_vec(), vocab_size: DEFAULT_VOCAB_SIZE }
    }
}

/// EAD of one set of outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct EadScore {
    /// `EAD_n` for each configured order, in the order of [`EadConfig::ngram_orders`].
    pub per_order: Vec<f64>,
    /// Their mean, `D_EAD`.
    pub mean: f64,
}

/// The reference's word tokenisation: delete `.` and `\n`, split on Python whitespace.
pub fn ead_words(output: &str) -> Vec<String> {
    let cleaned = output.replace(['.', '\n'], "");
    py_split_whitespace(&cleaned).map(str::to_owned).collect()
}

/// The expectation-adjusted ratio for `distinct` n-gram types among `total` n-grams.
pub fn expectation_adjusted(distinct: usize, total: usize, vocab_size: u64) -> f64 {
    if total == 0 {
        return 0.0;
    }
    let vocab = vocab_size as f64;
    // Same operations and order as the reference, so results agree to the last bit:
    // `vocab * (1.0 - pow((vocab - 1.0) / vocab, total))`.
    let denominator = vocab * (1.0 - ((vocab - 1.0) / vocab).powf(total as f64));
    if denominator <= 0.0 {
        return 0.0;
    }
    (distinct as f64 / denominator).clamp(0.0, 1.0)
}

/// EAD over one set of outputs (the K outputs of a prompt, or the first outputs of all
/// prompts for the across-input variant).
pub fn ead<S: AsRef<str>>(outputs: &[S], config: &EadConfig) -> EadScore {
    // Words are interned as small integers, so n-grams compare as integer tuples.
    // Sized for about one new word per 8 bytes of text, so it rarely grows.
    let bytes: usize = outputs.iter().map(|o| o.as_ref().len()).sum();
    let mut vocabulary: FxHashMap<Cow<'_, str>, u32> =
        FxHashMap::with_capacity_and_hasher(bytes / 8 + 16, Default::default());
    let mut ids: Vec<u32> = Vec::with_capacity(bytes / 4 + 16);
    let mut ends: Vec<usize> = Vec::with_capacity(outputs.len());
    let mut scratch = String::new();
    for output in outputs {
        intern_words(output.as_ref(), &mut vocabulary, &mut ids, &mut scratch);
        ends.push(ids.len());
    }
    let encoded: Vec<&[u32]> =
        std::iter::once(0).chain(ends.iter().copied()).zip(&ends).map(|(a, &b)| &ids[a..b]).collect();
    let packable = vocabulary.len() < (1 << PACK_BITS);
    // Exact: each word id fits in PACK_BITS bits, so an n-gram (n ≤ 5) packs into a u64.
    let packed_orders: Vec<usize> =
        config.ngram_orders.iter().copied().filter(|&n| packable && (2..=MAX_PACKED_ORDER).contains(&n)).collect();
    let packed_distinct = distinct_packed_ngrams(&encoded, &packed_orders);
    let per_order: Vec<f64> = config
        .ngram_orders
        .iter()
        .map(|&n| {
            if n == 0 {
                return 0.0;
            }
            let total: usize = encoded.iter().map(|words| words.len().saturating_sub(n - 1)).sum();
            let distinct = if n == 1 {
                // Every interned word occurs at least once: the distinct unigrams.
                vocabulary.len()
            } else if let Some(i) = packed_orders.iter().position(|&m| m == n) {
                packed_distinct[i]
            } else {
                let mut set: FxHashSet<&[u32]> = FxHashSet::with_capacity_and_hasher(total, Default::default());
                for words in &encoded {
                    set.extend(words.windows(n));
                }
                set.len()
            };
            expectation_adjusted(distinct, total, config.vocab_size)
        })
        .collect();
    let mean = if per_order.is_empty() { 0.0 } else { per_order.iter().sum::<f64>() / per_order.len() as f64 };
    EadScore { per_order, mean }
}

/// What the reference's tokenisation does with an ASCII byte.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ByteRole {
    /// Part of a word.
    Keep,
    /// Deleted before splitting (`.` and `\n`), so the text around it joins.
    Delete,
    /// Python whitespace: ends a word.
    Split,
}

/// Roles of the 128 ASCII bytes (Python's `str.split()` whitespace includes `\x1c`–`\x1f`).
static ASCII_ROLES: [ByteRole; 128] = {
    let mut roles = [ByteRole::Keep; 128];
    let mut b = 0;
    while b < 128 {
        roles[b] = match b as u8 {
            b'.' | b'\n' => ByteRole::Delete,
            b'\t' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f | b' ' => ByteRole::Split,
            _ => ByteRole::Keep,
        };
        b += 1;
    }
    roles
};

/// Appends the ids of `text`'s words to `ids`, interning new words in `vocabulary`: the
/// words of [`ead_words`] without building the cleaned text. A word is borrowed from
/// `text` when no deleted character lies inside it (the common case: a sentence's last
/// word keeps its slice without the full stop) and assembled in `scratch` otherwise.
fn intern_words<'t>(
    text: &'t str,
    vocabulary: &mut FxHashMap<Cow<'t, str>, u32>,
    ids: &mut Vec<u32>,
    scratch: &mut String,
) {
    let bytes = text.as_bytes();
    // The current word: its first and one-past-last kept byte, and whether a deleted
    // character inside it moved it into `scratch`.
    let mut start: Option<usize> = None;
    let mut end = 0;
    let mut joined = false;
    let mut emit = |start: usize, end: usize, joined: bool, scratch: &String| {
        let word: &str = if joined { scratch } else { &text[start..end] };
        let id = match vocabulary.get(word) {
            Some(&id) => id,
            None => {
                let id = vocabulary.len() as u32;
                let key = if joined { Cow::Owned(scratch.clone()) } else { Cow::Borrowed(&text[start..end]) };
                vocabulary.insert(key, id);
                id
            }
        };
        ids.push(id);
    };
    let mut i = 0;
    while i < bytes.len() {
        let (role, width) = match bytes[i] {
            b if b < 0x80 => (ASCII_ROLES[usize::from(b)], 1),
            _ => {
                let c = text[i..].chars().next().expect("i is a character boundary");
                (if is_py_whitespace(c) { ByteRole::Split } else { ByteRole::Keep }, c.len_utf8())
            }
        };
        match role {
            ByteRole::Keep => {
                match start {
                    None => start = Some(i),
                    Some(first) if !joined && end != i => {
                        // A deleted character lies between: the word is no longer a slice.
                        scratch.clear();
                        scratch.push_str(&text[first..end]);
                        joined = true;
                    }
                    Some(_) => {}
                }
                if joined {
                    scratch.push_str(&text[i..i + width]);
                }
                end = i + width;
            }
            ByteRole::Delete => {}
            ByteRole::Split => {
                if let Some(first) = start.take() {
                    emit(first, end, joined, scratch);
                    joined = false;
                }
            }
        }
        i += width;
    }
    if let Some(first) = start {
        emit(first, end, joined, scratch);
    }
}

/// Bits per word id when n-grams are packed into a `u64` (5 × 12 = 60 bits).
const PACK_BITS: u32 = 12;

/// The longest n-gram that packs (the top 4 bits of the key hold the order).
const MAX_PACKED_ORDER: usize = 5;

/// The number of distinct n-grams of each order in `orders` (2 ≤ n ≤ 5, word ids below
/// 2^PACK_BITS), counted in one open-addressing table of packed keys: a key is the n word
/// ids, PACK_BITS bits each, with the order in its top 4 bits, so every key is non-zero
/// and the orders never collide. A table of twice the keys' number, rounded up to a power
/// of two, stays in the first-level cache for a prompt's outputs.
fn distinct_packed_ngrams(outputs: &[&[u32]], orders: &[usize]) -> Vec<usize> {
    let keys: usize =
        orders.iter().map(|&n| outputs.iter().map(|w| w.len().saturating_sub(n - 1)).sum::<usize>()).sum();
    let bits = (2 * keys).max(16).next_power_of_two().trailing_zeros();
    let mask = (1usize << bits) - 1;
    let mut table = vec![0u64; 1 << bits];
    orders
        .iter()
        .map(|&n| {
            let tag = (n as u64) << 60;
            let window_mask = (1u64 << (PACK_BITS as usize * n)) - 1;
            let mut distinct = 0;
            for words in outputs {
                let mut rolling = 0u64;
                for (t, &id) in words.iter().enumerate() {
                    rolling = (rolling << PACK_BITS) | u64::from(id);
                    if t + 1 < n {
                        continue;
                    }
                    let key = (rolling & window_mask) | tag;
                    // Fibonacci hashing: the top bits of the product index the table.
                    let mut slot = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize;
                    loop {
                        match table[slot] {
                            0 => {
                                table[slot] = key;
                                distinct += 1;
                                break;
                            }
                            k if k == key => break,
                            _ => slot = (slot + 1) & mask,
                        }
                    }
                }
            }
            distinct
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, written plainly: string n-grams in a set.
    fn naive(outputs: &[String], n: usize) -> (usize, usize) {
        let mut set = std::collections::HashSet::new();
        let mut total = 0;
        for output in outputs {
            let words = ead_words(output);
            for gram in words.windows(n) {
                set.insert(gram.to_vec());
                total += 1;
            }
        }
        (set.len(), total)
    }

    #[test]
    fn packed_and_slice_counting_equal_the_plain_definition() {
        // Small vocabularies take the packed path; over 4096 distinct words the slice path.
        for words_in_vocabulary in [30usize, 6000] {
            let outputs: Vec<String> = (0..16)
                .map(|k| {
                    (0..400)
                        .map(|i| format!("w{}", (i * 7919 + k * 104_729) % words_in_vocabulary))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            let config = EadConfig::default();
            let score = ead(&outputs, &config);
            for (index, &n) in config.ngram_orders.iter().enumerate() {
                let (distinct, total) = naive(&outputs, n);
                assert_eq!(score.per_order[index], expectation_adjusted(distinct, total, config.vocab_size), "n={n}");
            }
        }
    }

    #[test]
    fn interned_words_are_the_reference_words() {
        let texts = [
            "end\nNext 3.5 a.b",
            "Sentence one. Sentence two.\n\nThird.",
            "...",
            "",
            "  leading and trailing \t",
            "a.\n.b c\u{1c}d\u{a0}e\u{3000}f\u{2028}g\u{85}h",
            "caf\u{e9}. na\u{ef}ve\u{1f}\u{1f}x.y.z. \r\n w",
            "\u{65e5}\u{672c}\u{8a9e}.\u{8a9e} \u{1680}k",
            "end.",
            ".start",
        ];
        for text in texts {
            let mut vocabulary = FxHashMap::default();
            let (mut ids, mut scratch) = (Vec::new(), String::new());
            intern_words(text, &mut vocabulary, &mut ids, &mut scratch);
            let mut names = vec![String::new(); vocabulary.len()];
            for (word, &id) in &vocabulary {
                names[id as usize] = word.to_string();
            }
            let words: Vec<String> = ids.iter().map(|&id| names[id as usize].clone()).collect();
            assert_eq!(words, ead_words(text), "{text:?}");
        }
    }

    #[test]
    fn words_drop_periods_and_newlines_without_inserting_spaces() {
        assert_eq!(ead_words("end\nNext 3.5 a.b"), ["endNext", "35", "ab"]);
    }

    #[test]
    fn identical_outputs_score_lower_than_distinct_ones() {
        let config = EadConfig::default();
        let same = ead(&["the cat sat on the mat"; 4], &config);
        let different = ead(&["the cat sat", "a dog ran far", "birds fly south", "fish swim deep"], &config);
        assert!(same.mean < different.mean);
    }

    #[test]
    fn empty_and_short_outputs_give_zero_orders_that_still_count() {
        let score = ead(&["", "one two"], &EadConfig::default());
        assert_eq!(score.per_order.len(), 5);
        assert!(score.per_order[0] > 0.0 && score.per_order[1] > 0.0);
        assert_eq!(&score.per_order[2..], &[0.0, 0.0, 0.0]);
        assert!((score.mean - score.per_order.iter().sum::<f64>() / 5.0).abs() < 1e-15);
    }
}
