//! Lexical diversity beyond EAD, each defined as a named package computes it.
//!
//! Words are NLTK's `word_tokenize` tokens ([`crate::pycompat::nltk`]) of each output,
//! case kept, and an n-gram is its tokens joined by one space (scikit-learn's
//! `CountVectorizer(tokenizer=word_tokenize, ngram_range=(n, n), lowercase=False)`, which
//! the vendi-score package 0.0.3 builds):
//!
//! ```text
//! distinct_n   = |{n-grams of all outputs}| / Σ_outputs #n-grams        n = 1..4
//!                (vendi_score.text_utils.single_ngram_diversity; n-grams never cross outputs)
//! ngram_vendi  = VS( (1/4) Σ_{n=1..4} X̂_n X̂_nᵀ )
//!                (vendi_score.text_utils.ngram_vendi_score: X̂_n = the outputs' n-gram
//!                 count vectors, each scaled to unit length; VS of order 1)
//! ngram_diversity = Σ_{n=1..4} |{n-grams}| / #n-grams     of the outputs joined by one space
//!                and split on single spaces (Shaib et al.; `diversity` 0.3.1
//!                ngram_diversity_score, here unrounded; 0..4, n-grams cross outputs)
//! ```
//!
//! Undefined (`None`) where the package raises: an order with no n-gram at all
//! (scikit-learn's "empty vocabulary") for `distinct_n` and `ngram_vendi`, fewer than four
//! words for `ngram_diversity`.

use rustc_hash::{FxHashMap, FxHashSet};

use super::vendi::{VendiOrder, vendi_of_kernel};
use crate::pycompat::nltk::word_tokenize;

/// The n-gram orders of distinct-n, the n-gram Vendi score and the n-gram diversity score.
pub const LEXICAL_ORDERS: [usize; 4] = [1, 2, 3, 4];

/// Each output's NLTK word tokens.
pub fn word_tokens<S: AsRef<str>>(outputs: &[S]) -> Vec<Vec<String>> {
    outputs.iter().map(|o| word_tokenize(o.as_ref())).collect()
}

/// The n-gram counts of one token sequence (n-grams joined by one space).
fn ngram_counts(tokens: &[String], n: usize) -> FxHashMap<String, usize> {
    let mut counts = FxHashMap::default();
    for window in tokens.windows(n) {
        *counts.entry(window.join(" ")).or_insert(0) += 1;
    }
    counts
}

/// distinct-n of tokenized outputs; `None` when no output has an n-gram.
pub fn distinct_n(tokens: &[Vec<String>], n: usize) -> Option<f64> {
    let mut distinct: FxHashSet<String> = FxHashSet::default();
    let mut total = 0usize;
    for output in tokens {
        for window in output.windows(n) {
            distinct.insert(window.join(" "));
            total += 1;
        }
    }
    (total > 0).then(|| distinct.len() as f64 / total as f64)
}

/// The n-gram Vendi score of tokenized outputs; `None` when some order has no n-gram in
/// any output, or there are no outputs.
pub fn ngram_vendi(tokens: &[Vec<String>]) -> Option<f64> {
    let m = tokens.len();
    if m == 0 {
        return None;
    }
    let mut kernel = vec![0.0; m * m];
    for &n in &LEXICAL_ORDERS {
        let counts: Vec<FxHashMap<String, usize>> = tokens.iter().map(|t| ngram_counts(t, n)).collect();
        if counts.iter().all(FxHashMap::is_empty) {
            return None;
        }
        let norms: Vec<f64> =
            counts.iter().map(|c| c.values().map(|&v| (v as f64) * (v as f64)).sum::<f64>().sqrt()).collect();
        for i in 0..m {
            for j in i..m {
                if norms[i] == 0.0 || norms[j] == 0.0 {
                    continue;
                }
                let (small, large) = if counts[i].len() <= counts[j].len() { (i, j) } else { (j, i) };
                let dot: f64 = counts[small]
                    .iter()
                    .filter_map(|(gram, &a)| {
                        counts[large].get(gram).map(|&b| (a as f64 / norms[small]) * (b as f64 / norms[large]))
                    })
                    .sum();
                kernel[i * m + j] += dot;
                if i != j {
                    kernel[j * m + i] += dot;
                }
            }
        }
    }
    let orders = LEXICAL_ORDERS.len() as f64;
    kernel.iter_mut().for_each(|v| *v /= orders);
    Some(vendi_of_kernel(&kernel, m, VendiOrder::Finite(1.0)))
}

/// The n-gram diversity score of Shaib et al. (unrounded); `None` below four words.
pub fn ngram_diversity_score<S: AsRef<str>>(outputs: &[S]) -> Option<f64> {
    let joined = outputs.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(" ");
    let words: Vec<&str> = joined.split(' ').collect();
    let mut score = 0.0;
    for &n in &LEXICAL_ORDERS {
        let total = (words.len() + 1).checked_sub(n).filter(|&t| t > 0)?;
        let distinct: FxHashSet<&[&str]> = words.windows(n).collect();
        score += distinct.len() as f64 / total as f64;
    }
    Some(score)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(texts: &[&str]) -> Vec<Vec<String>> {
        texts.iter().map(|t| t.split(' ').map(str::to_owned).collect()).collect()
    }

    #[test]
    fn distinct_n_pools_outputs_without_crossing_them() {
        // Unigrams: a b a | b c → 3 distinct of 5; bigrams: "a b" "b a" | "b c" → 3 of 3.
        let t = tokens(&["a b a", "b c"]);
        assert_eq!(distinct_n(&t, 1), Some(0.6));
        assert_eq!(distinct_n(&t, 2), Some(1.0));
        assert_eq!(distinct_n(&t, 4), None);
    }

    #[test]
    fn identical_outputs_have_one_ngram_mode_and_disjoint_ones_m() {
        let same = tokens(&["x y z w v", "x y z w v", "x y z w v"]);
        assert!((ngram_vendi(&same).unwrap() - 1.0).abs() < 1e-9);
        let disjoint = tokens(&["a b c d", "e f g h", "i j k l"]);
        assert!((ngram_vendi(&disjoint).unwrap() - 3.0).abs() < 1e-9);
    }

    #[test]
    fn ngram_diversity_counts_across_the_joined_outputs() {
        // "a b a b": unigrams 2/4, bigrams 2/3 ("a b", "b a"), trigrams 2/2, 4-grams 1/1.
        let score = ngram_diversity_score(&["a b", "a b"]).unwrap();
        assert!((score - (0.5 + 2.0 / 3.0 + 1.0 + 1.0)).abs() < 1e-12);
        assert_eq!(ngram_diversity_score(&["a b", "c"]), None);
    }
}
