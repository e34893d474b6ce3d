//! NLI diversity, the logical metric, exactly as the reference computes it.
//!
//! For every output pair `(i, j)`, `i < j` (all 120 pairs for K = 16), both outputs are
//! split into sentences ([`split_sentences`]); with `m = min(#sent_i, #sent_j)` (pairs
//! with `m = 0` are skipped), `min(3, m)` sentence positions are drawn — with CPython's
//! `random.sample(range(m), size)` when `m > size`, otherwise all of them in order — and
//! the sentences at each drawn position are scored in both directions. A direction's
//! score is `P(entailment) − P(contradiction)`; a sentence pair's similarity is the mean
//! of its two directions. The diversity is `1 − mean` over **all sampled sentence pairs
//! pooled** (the reference code; the paper's formula averages per output pair), and 0
//! when nothing was scored.
//!
//! The random stream is one `random.Random(1234)` shared across calls in the order the
//! reference makes them, so a [`SentencePairSampler`] is passed along rather than
//! re-created per prompt.

use super::text::split_sentences;
use crate::pycompat::PyRandom;

/// The reference's seed (`DiversityConfig.random_seed`).
pub const DEFAULT_SEED: i64 = 1234;
/// Sentence positions sampled per output pair (`nli_sentence_sample_size`).
pub const DEFAULT_SENTENCE_SAMPLE_SIZE: usize = 3;

/// Scores (premise, hypothesis) pairs: `P(entailment) − P(contradiction)` for each.
pub trait NliScorer {
    /// The error a scorer can fail with.
    type Error;
    /// One score per pair, in order.
    fn score(&mut self, pairs: &[(&str, &str)]) -> Result<Vec<f64>, Self::Error>;
}

/// One sampled sentence pair: outputs `i` and `j` at sentence position `k`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentencePair {
    /// First output (premise of the forward direction).
    pub i: usize,
    /// Second output.
    pub j: usize,
    /// Sentence position in both.
    pub k: usize,
}

/// Draws sentence positions with the reference's random stream.
#[derive(Clone)]
pub struct SentencePairSampler {
    rng: PyRandom,
    sample_size: usize,
}

impl Default for SentencePairSampler {
    fn default() -> Self {
        Self::new(DEFAULT_SEED, DEFAULT_SENTENCE_SAMPLE_SIZE)
    }
}

impl SentencePairSampler {
    /// A sampler seeded like `random.Random(seed)` drawing at most `sample_size`
    /// positions per output pair (at least 1).
    pub fn new(seed: i64, sample_size: usize) -> Self {
        Self { rng: PyRandom::new(seed), sample_size: sample_size.max(1) }
    }

    /// Splits `outputs` into sentences and draws their pairs ([`Self::select`]): what
    /// scoring the set consumes from the stream, whether or not it is then scored.
    pub fn split_and_select<S: AsRef<str>>(&mut self, outputs: &[S]) -> (Vec<Vec<String>>, Vec<SentencePair>) {
        let sentences: Vec<Vec<String>> = outputs.iter().map(|o| split_sentences(o.as_ref())).collect();
        let pairs = self.select(&sentences);
        (sentences, pairs)
    }

    /// The sentence pairs of one set of outputs, given their sentences, in the
    /// reference's order. Sets with fewer than two outputs draw nothing.
    pub fn select(&mut self, sentences: &[Vec<String>]) -> Vec<SentencePair> {
        let mut pairs = Vec::new();
        for i in 0..sentences.len() {
            for j in i + 1..sentences.len() {
                let shared = sentences[i].len().min(sentences[j].len());
                if shared == 0 {
                    continue;
                }
                let size = self.sample_size.min(shared);
                if shared > size {
                    let drawn = self.rng.sample_indices(shared, size).expect("size <= shared");
                    pairs.extend(drawn.into_iter().map(|k| SentencePair { i, j, k }));
                } else {
                    pairs.extend((0..shared).map(|k| SentencePair { i, j, k }));
                }
            }
        }
        pairs
    }
}

/// How sentence-pair similarities are averaged (methodology §8, discrepancy 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NliAggregation {
    /// The reference code: one mean over all sampled sentence pairs, pooled.
    #[default]
    PooledSentencePairs,
    /// The paper's formula: the mean over output pairs of each pair's mean similarity.
    MeanOverOutputPairs,
}

/// NLI diversity of one set of outputs (per-input: the K outputs of a prompt;
/// across-input: the first outputs of all prompts), with the reference's pooling.
pub fn nli_diversity<S: AsRef<str>, N: NliScorer>(
    outputs: &[S],
    sampler: &mut SentencePairSampler,
    scorer: &mut N,
) -> Result<f64, N::Error> {
    nli_diversity_with(outputs, sampler, scorer, NliAggregation::PooledSentencePairs)
}

/// [`nli_diversity`] with a chosen aggregation. Both draw the same sentence pairs.
pub fn nli_diversity_with<S: AsRef<str>, N: NliScorer>(
    outputs: &[S],
    sampler: &mut SentencePairSampler,
    scorer: &mut N,
    aggregation: NliAggregation,
) -> Result<f64, N::Error> {
    if outputs.len() <= 1 {
        return Ok(0.0);
    }
    let (sentences, pairs) = sampler.split_and_select(outputs);
    if pairs.is_empty() {
        return Ok(0.0);
    }
    let mut directional: Vec<(&str, &str)> = Vec::with_capacity(2 * pairs.len());
    for pair in &pairs {
        let (a, b) = (sentences[pair.i][pair.k].as_str(), sentences[pair.j][pair.k].as_str());
        directional.push((a, b));
        directional.push((b, a));
    }
    let scores = scorer.score(&directional)?;
    let similarities: Vec<f64> = scores.chunks_exact(2).map(|both| 0.5 * (both[0] + both[1])).collect();
    let mean_similarity = match aggregation {
        NliAggregation::PooledSentencePairs => similarities.iter().sum::<f64>() / similarities.len() as f64,
        NliAggregation::MeanOverOutputPairs => {
            // Pairs of one output pair are adjacent in `pairs`.
            let mut output_pair_means = Vec::new();
            let mut start = 0;
            while start < pairs.len() {
                let end = (start..pairs.len())
                    .find(|&t| (pairs[t].i, pairs[t].j) != (pairs[start].i, pairs[start].j))
                    .unwrap_or(pairs.len());
                output_pair_means.push(similarities[start..end].iter().sum::<f64>() / (end - start) as f64);
                start = end;
            }
            output_pair_means.iter().sum::<f64>() / output_pair_means.len() as f64
        }
    };
    Ok(1.0 - mean_similarity)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Constant(f64);
    impl NliScorer for Constant {
        type Error = std::convert::Infallible;
        fn score(&mut self, pairs: &[(&str, &str)]) -> Result<Vec<f64>, Self::Error> {
            Ok(vec![self.0; pairs.len()])
        }
    }

    #[test]
    fn mutual_entailment_is_zero_diversity_and_contradiction_two() {
        let outputs = ["A cat sat. It slept.", "A cat sat. It purred.", "Dogs run."];
        let mut sampler = SentencePairSampler::default();
        assert_eq!(nli_diversity(&outputs, &mut sampler, &mut Constant(1.0)).unwrap(), 0.0);
        assert_eq!(nli_diversity(&outputs, &mut sampler, &mut Constant(-1.0)).unwrap(), 2.0);
        assert_eq!(nli_diversity(&outputs[..1], &mut sampler, &mut Constant(1.0)).unwrap(), 0.0);
        assert_eq!(nli_diversity(&["", " "], &mut sampler, &mut Constant(1.0)).unwrap(), 0.0);
    }

    #[test]
    fn the_papers_aggregation_weights_output_pairs_equally() {
        // Output 0 and 1 share three sentences, output 2 has one: pooled and per-output-pair
        // means differ when the scores differ by output pair.
        struct ByLength;
        impl NliScorer for ByLength {
            type Error = std::convert::Infallible;
            fn score(&mut self, pairs: &[(&str, &str)]) -> Result<Vec<f64>, Self::Error> {
                Ok(pairs.iter().map(|(a, _)| if a.starts_with('x') { 1.0 } else { 0.0 }).collect())
            }
        }
        let outputs = ["x1. x2. x3.", "x4. x5. x6.", "y."];
        let pooled = nli_diversity_with(
            &outputs,
            &mut SentencePairSampler::default(),
            &mut ByLength,
            NliAggregation::PooledSentencePairs,
        )
        .unwrap();
        let paper = nli_diversity_with(
            &outputs,
            &mut SentencePairSampler::default(),
            &mut ByLength,
            NliAggregation::MeanOverOutputPairs,
        )
        .unwrap();
        // Five sentence pairs: three (0,1) with similarity 1, one (0,2) and one (1,2) with 0.5.
        assert!((pooled - (1.0 - 4.0 / 5.0)).abs() < 1e-12);
        assert!((paper - (1.0 - 2.0 / 3.0)).abs() < 1e-12);
    }

    #[test]
    fn at_most_three_positions_per_output_pair_below_the_shorter_output() {
        let sentences: Vec<Vec<String>> =
            [5, 2, 9].iter().map(|&n| (0..n).map(|k| format!("s{k}")).collect()).collect();
        let pairs = SentencePairSampler::default().select(&sentences);
        assert_eq!(pairs.iter().filter(|p| (p.i, p.j) == (0, 1)).count(), 2);
        assert_eq!(pairs.iter().filter(|p| (p.i, p.j) == (0, 2)).count(), 3);
        assert!(pairs.iter().all(|p| p.k < sentences[p.i].len().min(sentences[p.j].len())));
    }
}
