//! SBERT diversity, the semantic metric: one minus the mean pairwise cosine similarity
//! of L2-normalised sentence embeddings (all-mpnet-base-v2 in the study).
//!
//! ```text
//! D_SBERT = 1 − (2 / (K(K−1))) Σ_{i<j} e_i · e_j
//! ```
//!
//! The embeddings are assumed normalised (as sentence-transformers returns them), so a
//! dot product is the cosine. Products are accumulated in f64 from the f32 embeddings;
//! the reference multiplies in f32 (torch) and averages in f64, a difference below 1e-6.

use super::SmallSetPolicy;

/// A borrowed set of `rows` embeddings of width `dim`, stored row-major.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddingSet<'a> {
    data: &'a [f32],
    dim: usize,
}

impl<'a> EmbeddingSet<'a> {
    /// Wraps `data` (shape `[rows, dim]`, row-major). Returns `None` when `dim` is zero
    /// or does not divide the length.
    pub fn new(data: &'a [f32], dim: usize) -> Option<Self> {
        (dim > 0 && data.len().is_multiple_of(dim)).then_some(Self { data, dim })
    }

    /// Number of embeddings.
    pub fn len(&self) -> usize {
        self.data.len() / self.dim
    }

    /// True when the set holds no embedding.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Embedding width.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Row `i` (shape `[dim]`).
    pub fn row(&self, i: usize) -> &'a [f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// Dot product of rows `i` and `j`, accumulated in f64.
    pub fn dot(&self, i: usize, j: usize) -> f64 {
        self.row(i).iter().zip(self.row(j)).map(|(&a, &b)| f64::from(a) * f64::from(b)).sum()
    }
}

/// SBERT diversity of one set of embeddings. Fewer than two embeddings give 0.0 under
/// [`SmallSetPolicy::Pipeline`] and NaN under [`SmallSetPolicy::Nan`].
pub fn sbert_diversity(embeddings: EmbeddingSet<'_>, policy: SmallSetPolicy) -> f64 {
    let k = embeddings.len();
    if k <= 1 {
        return match policy {
            SmallSetPolicy::Pipeline => 0.0,
            SmallSetPolicy::Nan => f64::NAN,
        };
    }
    let mut sum = 0.0;
    for i in 0..k {
        for j in i + 1..k {
            sum += embeddings.dot(i, j);
        }
    }
    let pairs = (k * (k - 1) / 2) as f64;
    1.0 - sum / pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_embeddings_have_zero_diversity_and_orthogonal_ones_one() {
        let same = [0.6f32, 0.8, 0.6, 0.8, 0.6, 0.8];
        let set = EmbeddingSet::new(&same, 2).unwrap();
        assert!(sbert_diversity(set, SmallSetPolicy::Pipeline).abs() < 1e-7);
        let orthogonal = [1.0f32, 0.0, 0.0, 1.0];
        let set = EmbeddingSet::new(&orthogonal, 2).unwrap();
        assert_eq!(sbert_diversity(set, SmallSetPolicy::Pipeline), 1.0);
    }

    #[test]
    fn single_output_follows_the_policy() {
        let one = [1.0f32, 0.0];
        let set = EmbeddingSet::new(&one, 2).unwrap();
        assert_eq!(sbert_diversity(set, SmallSetPolicy::Pipeline), 0.0);
        assert!(sbert_diversity(set, SmallSetPolicy::Nan).is_nan());
        assert!(EmbeddingSet::new(&one, 3).is_none());
    }
}
