//! Self-BLEU: how much each output repeats the others, as sacrebleu 2.6 scores one
//! sentence against references (`sacrebleu.sentence_bleu`, its defaults: the `13a`
//! tokenizer, `exp` smoothing, effective order, case kept, n-grams up to 4).
//!
//! ```text
//! self-BLEU = (1/K) Σ_i BLEU(o_i ; {o_j : j ≠ i})        0..100, higher = less diverse
//! BLEU      = BP · exp( (1/N) Σ_{n ≤ N} ln p_n )
//! p_n       = 100 · Σ_g min(c_hyp(g), max_refs c_ref(g)) / Σ_g c_hyp(g)   (n-grams g of order n)
//! BP        = exp(1 − r/c) if c < r else 1     (c = hypothesis length, r = closest reference length)
//! ```
//!
//! `exp` smoothing (mteval-v13a's): the m-th order with no match scores `100 / (2^m · total)`.
//! Effective order: `N` stops before the first order the hypothesis has no n-gram of.
//! A hypothesis with no matching n-gram of any order scores 0; `ln 0` counts as
//! `-9999999999` (sacrebleu's `my_log`). Self-BLEU is undefined below two outputs.

use std::sync::LazyLock;

use regex::Regex;
use rustc_hash::FxHashMap;

use crate::pycompat::{py_rstrip, py_split_whitespace};

/// Highest n-gram order.
const MAX_ORDER: usize = 4;
/// sacrebleu's floor for `ln 0`.
const LOG_ZERO: f64 = -9_999_999_999.0;

/// The regular expressions of sacrebleu's `TokenizerRegexp`, applied in order.
static TOKENIZER_RULES: LazyLock<[(Regex, &'static str); 4]> = LazyLock::new(|| {
    let rule = |pattern: &str| Regex::new(pattern).expect("valid tokenizer pattern");
    [
        // Punctuation and symbols: `{`–`~`, `[`–`` ` ``, space–`&`, `(`–`+`, `:`–`@`, `/`.
        (rule(r"([\x7B-\x7E\x5B-\x60\x20-\x26\x28-\x2B\x3A-\x40/])"), " ${1} "),
        // A period or comma after a non-digit.
        (rule(r"([^0-9])([.,])"), "${1} ${2} "),
        // A period or comma before a non-digit.
        (rule(r"([.,])([^0-9])"), " ${1} ${2}"),
        // A dash after a digit.
        (rule(r"([0-9])(-)"), "${1} ${2} "),
    ]
});

/// sacrebleu's `13a` tokenization of one segment (after its `rstrip`), tokens joined by
/// one space.
pub fn tokenize_13a(segment: &str) -> String {
    let mut line = py_rstrip(segment).replace("<skipped>", "").replace("-\n", "").replace('\n', " ");
    if line.contains('&') {
        line = line.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
    }
    let mut line = format!(" {line} ");
    for (pattern, replacement) in TOKENIZER_RULES.iter() {
        line = pattern.replace_all(&line, *replacement).into_owned();
    }
    py_split_whitespace(&line).collect::<Vec<_>>().join(" ")
}

/// The n-grams (orders 1..=4) of a tokenized segment with their counts, and its length.
#[derive(Debug, Clone, Default)]
struct SegmentNgrams {
    counts: FxHashMap<Vec<String>, usize>,
    length: usize,
}

impl SegmentNgrams {
    fn of(segment: &str) -> Self {
        let tokenized = tokenize_13a(segment);
        let tokens: Vec<String> = tokenized.split(' ').filter(|t| !t.is_empty()).map(str::to_owned).collect();
        let mut counts = FxHashMap::default();
        for n in 1..=MAX_ORDER {
            for window in tokens.windows(n) {
                *counts.entry(window.to_vec()).or_insert(0) += 1;
            }
        }
        Self { counts, length: tokens.len() }
    }
}

/// BLEU's sufficient statistics for one hypothesis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BleuStats {
    /// Hypothesis length in tokens.
    pub sys_len: usize,
    /// The closest reference length (the shorter on a tie).
    pub ref_len: usize,
    /// Clipped matches per order.
    pub correct: [usize; MAX_ORDER],
    /// Hypothesis n-grams per order.
    pub total: [usize; MAX_ORDER],
}

impl BleuStats {
    /// `sacrebleu.BLEU.compute_bleu` with `exp` smoothing and effective order (0..100).
    pub fn score(&self) -> f64 {
        if self.correct.iter().all(|&c| c == 0) {
            return 0.0;
        }
        let brevity = if self.sys_len < self.ref_len {
            if self.sys_len > 0 { (1.0 - self.ref_len as f64 / self.sys_len as f64).exp() } else { 0.0 }
        } else {
            1.0
        };
        let mut precisions = [0.0; MAX_ORDER];
        let mut smooth = 1.0;
        let mut order = MAX_ORDER;
        for (n, (precision, (&correct, &total))) in
            precisions.iter_mut().zip(self.correct.iter().zip(&self.total)).enumerate()
        {
            if total == 0 {
                break;
            }
            order = n + 1;
            *precision = if correct == 0 {
                smooth *= 2.0;
                100.0 / (smooth * total as f64)
            } else {
                100.0 * correct as f64 / total as f64
            };
        }
        let log_sum: f64 = precisions[..order].iter().map(|&p| if p == 0.0 { LOG_ZERO } else { p.ln() }).sum();
        brevity * (log_sum / order as f64).exp()
    }
}

/// The statistics of `hypothesis` against `references` (n-gram counts clipped at the
/// largest count in any one reference).
fn segment_stats(hypothesis: &SegmentNgrams, references: &[&SegmentNgrams]) -> BleuStats {
    let mut reference_max: FxHashMap<&[String], usize> = FxHashMap::default();
    for reference in references {
        for (ngram, &count) in &reference.counts {
            let slot = reference_max.entry(ngram.as_slice()).or_insert(0);
            *slot = (*slot).max(count);
        }
    }
    let mut ref_len = None;
    for reference in references {
        let diff = reference.length.abs_diff(hypothesis.length);
        ref_len = match ref_len {
            None => Some((diff, reference.length)),
            Some((best, length)) if diff < best || (diff == best && reference.length < length) => {
                Some((diff, reference.length))
            }
            keep => keep,
        };
    }
    let mut stats = BleuStats {
        sys_len: hypothesis.length,
        ref_len: ref_len.map_or(0, |(_, length)| length),
        correct: [0; MAX_ORDER],
        total: [0; MAX_ORDER],
    };
    for (ngram, &count) in &hypothesis.counts {
        let n = ngram.len() - 1;
        stats.total[n] += count;
        if let Some(&available) = reference_max.get(ngram.as_slice()) {
            stats.correct[n] += count.min(available);
        }
    }
    stats
}

/// `sacrebleu.sentence_bleu(hypothesis, references)`: statistics and score (0..100).
pub fn sentence_bleu(hypothesis: &str, references: &[&str]) -> (BleuStats, f64) {
    let references: Vec<SegmentNgrams> = references.iter().map(|r| SegmentNgrams::of(r)).collect();
    let stats = segment_stats(&SegmentNgrams::of(hypothesis), &references.iter().collect::<Vec<_>>());
    let score = stats.score();
    (stats, score)
}

/// Each output's BLEU against the others, in order; empty below two outputs.
pub fn sentence_bleus<S: AsRef<str>>(outputs: &[S]) -> Vec<f64> {
    if outputs.len() < 2 {
        return Vec::new();
    }
    let segments: Vec<SegmentNgrams> = outputs.iter().map(|o| SegmentNgrams::of(o.as_ref())).collect();
    (0..segments.len())
        .map(|i| {
            let others: Vec<&SegmentNgrams> =
                segments.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, s)| s).collect();
            segment_stats(&segments[i], &others).score()
        })
        .collect()
}

/// Self-BLEU of a set of outputs (0..100); `None` below two outputs.
pub fn self_bleu<S: AsRef<str>>(outputs: &[S]) -> Option<f64> {
    let scores = sentence_bleus(outputs);
    (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_outputs_score_100_and_disjoint_ones_0() {
        assert!((self_bleu(&["the cat sat on the mat", "the cat sat on the mat"]).unwrap() - 100.0).abs() < 1e-9);
        assert_eq!(self_bleu(&["alpha beta gamma delta", "one two three four"]), Some(0.0));
        assert_eq!(self_bleu(&["only one"]), None);
    }

    #[test]
    fn the_tokenizer_splits_punctuation_but_not_numbers() {
        assert_eq!(
            tokenize_13a("Hello, world! It costs 3.5 (or 1,000)."),
            "Hello , world ! It costs 3.5 ( or 1,000 ) ."
        );
    }
}
