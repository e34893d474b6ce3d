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

use std::collections::HashMap;
use std::collections::HashSet;

use crate::pycompat::py_split_whitespace;

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
    // Intern words once so that n-grams hash as small integer slices.
    let mut vocabulary: HashMap<String, u32> = HashMap::new();
    let encoded: Vec<Vec<u32>> = outputs
        .iter()
        .map(|output| {
            ead_words(output.as_ref())
                .into_iter()
                .map(|word| {
                    let next = vocabulary.len() as u32;
                    *vocabulary.entry(word).or_insert(next)
                })
                .collect()
        })
        .collect();
    let per_order: Vec<f64> = config
        .ngram_orders
        .iter()
        .map(|&n| {
            if n == 0 {
                return 0.0;
            }
            let mut distinct: HashSet<&[u32]> = HashSet::new();
            let mut total = 0usize;
            for words in &encoded {
                for gram in words.windows(n) {
                    total += 1;
                    distinct.insert(gram);
                }
            }
            expectation_adjusted(distinct.len(), total, config.vocab_size)
        })
        .collect();
    let mean = if per_order.is_empty() { 0.0 } else { per_order.iter().sum::<f64>() / per_order.len() as f64 };
    EadScore { per_order, mean }
}

#[cfg(test)]
mod tests {
    use super::*;

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
