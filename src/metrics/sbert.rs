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
        dot_f64(self.row(i), self.row(j))
    }

    /// The cosine Gram matrix `E Eᵀ` (row-major, `len × len`), computed once for both
    /// SBERT diversity and the Vendi score.
    pub fn gram(&self) -> Gram {
        let m = self.len();
        let mut values = vec![0.0; m * m];
        for i in 0..m {
            for j in i..m {
                let value = self.dot(i, j);
                values[i * m + j] = value;
                values[j * m + i] = value;
            }
        }
        Gram { m, values }
    }
}

/// `Σ a_i b_i` of two f32 vectors, accumulated in f64. Uses AVX2 and FMA when the CPU
/// has them (checked at run time), otherwise eight partial sums the compiler vectorises.
/// Both paths accumulate in f64, so they agree to about 1e-15 relative.
pub fn dot_f64(a: &[f32], b: &[f32]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports AVX2 and FMA (checked just above).
        return unsafe { dot_f64_avx2(a, b) };
    }
    dot_f64_portable(a, b)
}

fn dot_f64_portable(a: &[f32], b: &[f32]) -> f64 {
    let mut lanes = [0.0f64; 8];
    let (chunks_a, chunks_b) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f64 =
        chunks_a.remainder().iter().zip(chunks_b.remainder()).map(|(&x, &y)| f64::from(x) * f64::from(y)).sum();
    for (x, y) in chunks_a.zip(chunks_b) {
        for lane in 0..8 {
            lanes[lane] += f64::from(x[lane]) * f64::from(y[lane]);
        }
    }
    lanes.iter().sum::<f64>() + tail
}

/// The AVX2/FMA path of [`dot_f64`]: eight f32 per step, widened to two f64×4 halves.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dot_f64_avx2(a: &[f32], b: &[f32]) -> f64 {
    use std::arch::x86_64::{
        __m256d, _mm256_add_pd, _mm256_castps256_ps128, _mm256_cvtps_pd, _mm256_extractf128_ps, _mm256_fmadd_pd,
        _mm256_loadu_ps, _mm256_setzero_pd, _mm256_storeu_pd,
    };
    let n = a.len().min(b.len());
    let mut low: __m256d = _mm256_setzero_pd();
    let mut high: __m256d = _mm256_setzero_pd();
    let mut i = 0;
    while i + 8 <= n {
        // SAFETY: i + 8 <= n, so eight f32 are readable from both slices at offset i.
        let (x, y) = unsafe { (_mm256_loadu_ps(a.as_ptr().add(i)), _mm256_loadu_ps(b.as_ptr().add(i))) };
        low = _mm256_fmadd_pd(
            _mm256_cvtps_pd(_mm256_castps256_ps128(x)),
            _mm256_cvtps_pd(_mm256_castps256_ps128(y)),
            low,
        );
        high = _mm256_fmadd_pd(
            _mm256_cvtps_pd(_mm256_extractf128_ps::<1>(x)),
            _mm256_cvtps_pd(_mm256_extractf128_ps::<1>(y)),
            high,
        );
        i += 8;
    }
    let mut lanes = [0.0f64; 4];
    // SAFETY: `lanes` holds four f64.
    unsafe { _mm256_storeu_pd(lanes.as_mut_ptr(), _mm256_add_pd(low, high)) };
    let mut sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    for k in i..n {
        sum += f64::from(a[k]) * f64::from(b[k]);
    }
    sum
}

/// A cosine Gram matrix of `m` embeddings.
#[derive(Debug, Clone, PartialEq)]
pub struct Gram {
    /// Number of embeddings.
    pub m: usize,
    /// `m × m` values, row-major.
    pub values: Vec<f64>,
}

impl Gram {
    /// Entry `(i, j)`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.values[i * self.m + j]
    }
}

/// SBERT diversity of one set of embeddings. Fewer than two embeddings give 0.0 under
/// [`SmallSetPolicy::Pipeline`] and NaN under [`SmallSetPolicy::Nan`].
pub fn sbert_diversity(embeddings: EmbeddingSet<'_>, policy: SmallSetPolicy) -> f64 {
    if embeddings.len() <= 1 {
        return sbert_diversity_from_gram(&Gram { m: embeddings.len(), values: Vec::new() }, policy);
    }
    sbert_diversity_from_gram(&embeddings.gram(), policy)
}

/// SBERT diversity from a precomputed Gram matrix.
pub fn sbert_diversity_from_gram(gram: &Gram, policy: SmallSetPolicy) -> f64 {
    let k = gram.m;
    if k <= 1 {
        return match policy {
            SmallSetPolicy::Pipeline => 0.0,
            SmallSetPolicy::Nan => f64::NAN,
        };
    }
    let mut sum = 0.0;
    for i in 0..k {
        for j in i + 1..k {
            sum += gram.get(i, j);
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

#[cfg(test)]
mod dot_tests {
    use super::*;

    #[test]
    fn simd_and_portable_dots_agree() {
        for n in [0usize, 1, 7, 8, 9, 384, 768, 1001] {
            let a: Vec<f32> = (0..n).map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0).collect();
            let b: Vec<f32> = (0..n).map(|i| ((i * 53 % 97) as f32 - 48.0) / 48.0).collect();
            let exact: f64 = a.iter().zip(&b).map(|(&x, &y)| f64::from(x) * f64::from(y)).sum();
            assert!((dot_f64(&a, &b) - exact).abs() <= 1e-12 * exact.abs().max(1.0), "n={n}");
            assert!((dot_f64_portable(&a, &b) - exact).abs() <= 1e-12 * exact.abs().max(1.0), "n={n}");
        }
    }
}
