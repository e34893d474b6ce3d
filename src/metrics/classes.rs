//! How many different answers: the K outputs of a prompt partitioned into meaning
//! classes, the discrete semantic entropy of that partition, and the class count
//! (NoveltyBench's `distinct_k` at k = K).
//!
//! The partition is greedy, as in Kuhn et al.'s semantic-entropy clustering and
//! NoveltyBench's: outputs are taken in order, and each joins the first class (in order of
//! creation) whose first member it is equivalent to, or opens a new class.
//!
//! ```text
//! classes          = number of classes C
//! semantic_entropy = −Σ_c p_c ln p_c,   p_c = |c| / K     (nats; 0 = one meaning, ln K = all differ)
//! ```
//!
//! Two equivalences:
//! * **NLI** (`classes_nli`, `semantic_entropy_nli`): bidirectional entailment — the
//!   NLI model's most probable label is *entailment* with either output as premise.
//! * **Embedding** (`classes_emb`, `semantic_entropy_emb`): cosine of the sentence
//!   embeddings ≥ a named threshold ([`DEFAULT_CLASS_THRESHOLD`]); cheap enough for
//!   every run, but the threshold is a choice, recorded with the scores.

use super::sbert::EmbeddingSet;
use crate::encoders::roberta::{NliLabel, NliModel, NliModelError};

/// Default cosine threshold above which two outputs' all-mpnet-base-v2 embeddings count
/// as one meaning (paraphrases typically score 0.85–0.95 with that encoder, different
/// answers to one prompt 0.4–0.8).
pub const DEFAULT_CLASS_THRESHOLD: f64 = 0.9;

/// A partition of outputs: the class of each output, classes numbered from 0 in order of
/// creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    /// `class_of[i]`: the class of output `i`.
    pub class_of: Vec<usize>,
}

impl Partition {
    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.class_of.iter().max().map_or(0, |&c| c + 1)
    }

    /// Discrete semantic entropy in nats (0 for no outputs).
    pub fn semantic_entropy(&self) -> f64 {
        let k = self.class_of.len() as f64;
        let mut sizes = vec![0usize; self.classes()];
        for &c in &self.class_of {
            sizes[c] += 1;
        }
        sizes.iter().map(|&s| s as f64 / k).map(|p| -p * p.ln()).sum()
    }
}

/// The greedy partition of `m` outputs under `equivalent(representative, candidate)`,
/// which receives the candidate and every current class's first member and answers for
/// each.
pub fn greedy_partition<E>(
    m: usize,
    mut equivalent: impl FnMut(usize, &[usize]) -> Result<Vec<bool>, E>,
) -> Result<Partition, E> {
    let mut representatives: Vec<usize> = Vec::new();
    let mut class_of = Vec::with_capacity(m);
    for candidate in 0..m {
        let matches = if representatives.is_empty() { Vec::new() } else { equivalent(candidate, &representatives)? };
        match matches.iter().position(|&same| same) {
            Some(class) => class_of.push(class),
            None => {
                class_of.push(representatives.len());
                representatives.push(candidate);
            }
        }
    }
    Ok(Partition { class_of })
}

/// The embedding partition: cosine (dot product of the normalised embeddings) ≥ `threshold`.
pub fn embedding_partition(embeddings: EmbeddingSet<'_>, threshold: f64) -> Partition {
    let result: Result<Partition, std::convert::Infallible> = greedy_partition(embeddings.len(), |candidate, reps| {
        Ok(reps.iter().map(|&r| embeddings.dot(r, candidate) >= threshold).collect())
    });
    match result {
        Ok(partition) => partition,
        Err(never) => match never {},
    }
}

/// Decides bidirectional entailment for pairs of texts.
pub trait EntailmentJudge {
    /// The error a judge can fail with.
    type Error;
    /// For each (premise, hypothesis), whether the premise entails the hypothesis.
    fn entails(&mut self, pairs: &[(&str, &str)]) -> Result<Vec<bool>, Self::Error>;
}

impl<B: burn::tensor::backend::Backend> EntailmentJudge for NliModel<B> {
    type Error = NliModelError;

    /// The most probable label is entailment (ties to the lower label index, as `argmax`).
    fn entails(&mut self, pairs: &[(&str, &str)]) -> Result<Vec<bool>, Self::Error> {
        let labels = self.labels().to_vec();
        Ok(self
            .probabilities(pairs)?
            .iter()
            .map(|p| {
                let best = p.iter().enumerate().fold(0, |best, (i, &v)| if v > p[best] { i } else { best });
                labels.get(best) == Some(&NliLabel::Entailment)
            })
            .collect())
    }
}

/// The NLI partition: a candidate joins a class when it and the class's first member
/// entail each other. Each candidate's pairs (both directions against every current
/// representative) go to the judge in one batch.
pub fn nli_partition<S: AsRef<str>, J: EntailmentJudge>(outputs: &[S], judge: &mut J) -> Result<Partition, J::Error> {
    greedy_partition(outputs.len(), |candidate, reps| {
        let text = |i: usize| outputs[i].as_ref();
        let pairs: Vec<(&str, &str)> =
            reps.iter().flat_map(|&r| [(text(r), text(candidate)), (text(candidate), text(r))]).collect();
        let entails = judge.entails(&pairs)?;
        Ok(entails.chunks(2).map(|both| both.iter().all(|&e| e)).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entails when the two texts share their first word, except "yes"/"no" one way only.
    struct FirstWord;
    impl EntailmentJudge for FirstWord {
        type Error = ();
        fn entails(&mut self, pairs: &[(&str, &str)]) -> Result<Vec<bool>, ()> {
            Ok(pairs
                .iter()
                .map(|(p, h)| {
                    let first = |t: &str| t.split(' ').next().unwrap_or("").to_owned();
                    let one_way = p.ends_with("one-way") && !h.ends_with("one-way");
                    first(p) == first(h) && !one_way
                })
                .collect())
        }
    }

    #[test]
    fn classes_follow_first_members_and_need_both_directions() {
        let outputs = ["a 1", "b 1", "a 2", "a one-way", "c", "b 2"];
        let partition = nli_partition(&outputs, &mut FirstWord).unwrap();
        // "a one-way" entails "a 1" but not the reverse, so it opens a class of its own.
        assert_eq!(partition.class_of, vec![0, 1, 0, 2, 3, 1]);
        assert_eq!(partition.classes(), 4);
        // Sizes 2, 2, 1, 1 of 6.
        let expected = -(2.0 * (2.0 / 6.0) * (2.0f64 / 6.0).ln() + 2.0 * (1.0 / 6.0) * (1.0f64 / 6.0).ln());
        assert!((partition.semantic_entropy() - expected).abs() < 1e-12);
    }

    #[test]
    fn the_threshold_decides_what_counts_as_one_meaning() {
        let s = 0.6f32.sqrt();
        let t = 0.4f32.sqrt();
        // Rows: e1, e1, v = √0.6 e1 + √0.4 e2 (cosine 0.77 with e1, 0.63 with e2), e2.
        let data = [1.0, 0.0, 1.0, 0.0, s, t, 0.0, 1.0];
        let set = EmbeddingSet::new(&data, 2).unwrap();
        assert_eq!(embedding_partition(set, 0.9).class_of, vec![0, 0, 1, 2]);
        assert_eq!(embedding_partition(set, 0.5).class_of, vec![0, 0, 0, 1]);
        let expected = -(0.5f64 * 0.5f64.ln() + 2.0 * 0.25 * 0.25f64.ln());
        assert!((embedding_partition(set, 0.9).semantic_entropy() - expected).abs() < 1e-12);
    }
}
