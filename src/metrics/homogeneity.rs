//! Homogeneity across checkpoints: do two checkpoints give the same answers to the same
//! prompt? (the "Artificial Hivemind" question: whether post-trained models converge on
//! the same outputs.)
//!
//! For one prompt with outputs `a_1..a_m` of checkpoint A and `b_1..b_n` of checkpoint B
//! (L2-normalised sentence embeddings, so a dot product is a cosine):
//!
//! ```text
//! cross_similarity = (1 / (m n)) Σ_i Σ_j a_i · b_j
//! within_a         = (2 / (m (m − 1))) Σ_{i<j} a_i · a_j        (1 − SBERT diversity of A)
//! coverage_a_in_b  = share of A's meaning classes whose first member has cosine ≥ τ with
//!                    some output of B         (classes: [`super::classes::embedding_partition`])
//! ```
//!
//! `cross_similarity` close to `within_a` and `within_b` means the two checkpoints answer
//! as if drawn from one distribution; `coverage_a_in_b = 1` means every distinct answer of A
//! is also among B's. Coverage uses the threshold `τ` of the class partition.

use super::SmallSetPolicy;
use super::classes::embedding_partition;
use super::sbert::{EmbeddingSet, sbert_diversity};

/// The homogeneity of two checkpoints' outputs for one prompt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homogeneity {
    /// Mean cosine between an output of A and an output of B.
    pub cross_similarity: f64,
    /// Mean pairwise cosine within A (NaN below two outputs).
    pub within_a: f64,
    /// Mean pairwise cosine within B (NaN below two outputs).
    pub within_b: f64,
    /// Share of A's classes found among B's outputs.
    pub coverage_a_in_b: f64,
    /// Share of B's classes found among A's outputs.
    pub coverage_b_in_a: f64,
}

/// Mean pairwise cosine within a set: one minus its SBERT diversity (NaN below two).
fn within(set: EmbeddingSet<'_>) -> f64 {
    1.0 - sbert_diversity(set, SmallSetPolicy::Nan)
}

/// Share of `from`'s classes (threshold `threshold`) whose first member has a cosine of at
/// least `threshold` with some row of `to`.
fn coverage(from: EmbeddingSet<'_>, to: EmbeddingSet<'_>, threshold: f64) -> f64 {
    let partition = embedding_partition(from, threshold);
    let classes = partition.classes();
    let found = (0..classes)
        .filter(|&class| {
            let first = partition.class_of.iter().position(|&c| c == class).unwrap_or(0);
            (0..to.len()).any(|j| super::sbert::dot_f64(from.row(first), to.row(j)) >= threshold)
        })
        .count();
    found as f64 / classes as f64
}

/// The homogeneity of two sets of embeddings of one width; `None` when either is empty.
pub fn homogeneity(a: EmbeddingSet<'_>, b: EmbeddingSet<'_>, threshold: f64) -> Option<Homogeneity> {
    if a.is_empty() || b.is_empty() || a.dim() != b.dim() {
        return None;
    }
    let mut cross = 0.0;
    for i in 0..a.len() {
        for j in 0..b.len() {
            cross += super::sbert::dot_f64(a.row(i), b.row(j));
        }
    }
    Some(Homogeneity {
        cross_similarity: cross / (a.len() * b.len()) as f64,
        within_a: within(a),
        within_b: within(b),
        coverage_a_in_b: coverage(a, b, threshold),
        coverage_b_in_a: coverage(b, a, threshold),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_and_private_answers_are_counted_by_class() {
        // A: e1, e1, e2 (classes {e1}, {e2}); B: e1, e3 (classes {e1}, {e3}).
        let a = [1.0f32, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
        let b = [1.0f32, 0.0, 0.0, 0.0, 0.0, 1.0];
        let (a, b) = (EmbeddingSet::new(&a, 3).unwrap(), EmbeddingSet::new(&b, 3).unwrap());
        let h = homogeneity(a, b, 0.9).unwrap();
        // Cross: a1·b1 = a2·b1 = 1, all else 0 → 2 / 6.
        assert!((h.cross_similarity - 2.0 / 6.0).abs() < 1e-12);
        assert!((h.within_a - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(h.within_b, 0.0);
        assert_eq!(h.coverage_a_in_b, 0.5);
        assert_eq!(h.coverage_b_in_a, 0.5);
        let same = homogeneity(a, a, 0.9).unwrap();
        assert_eq!((same.coverage_a_in_b, same.coverage_b_in_a), (1.0, 1.0));
    }
}
