//! The Vendi score: the exponential of the Shannon entropy of the eigenvalues of the
//! normalised cosine kernel, read as an effective number of distinct outputs.
//!
//! ```text
//! G = E Eᵀ (cosines; trace m)     P = G / m     λ = eig(P)
//! VS = exp( −Σ λ ln λ )           1 ≤ VS ≤ m
//! ```
//!
//! Clipping: eigenvalues are clipped from below at `1e-12` before the entropy, exactly
//! as the main pipeline's `_vendi_score` does (`np.clip(eigvals, 1e-12, None)`). Tiny
//! negative eigenvalues from rounding therefore contribute about `-1e-12·ln(1e-12)`,
//! i.e. nothing measurable, and a rank-deficient kernel is handled without NaN. The
//! quality-filtered scripts' variant (clip at 0, renormalise, drop p ≤ 1e-12) agrees with
//! this within about 1e-6; both are available through [`VendiVariant`]. The reference
//! computes in float32; here the Gram matrix and eigenvalues are f64 (from the f32
//! embeddings), which differs from the reference by well under 1e-4.

use nalgebra::DMatrix;

use super::SmallSetPolicy;
use super::eigen::symmetric_eigenvalues;
use super::sbert::{EmbeddingSet, Gram};

/// The eigenvalue clipping floor of the main pipeline.
pub const EIGENVALUE_FLOOR: f64 = 1e-12;

/// Which reference implementation's eigenvalue handling to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VendiVariant {
    /// `_vendi_score` of the main pipeline: clip at 1e-12, no renormalisation.
    #[default]
    Pipeline,
    /// `compute_vendi_score` of the quality-filtered scripts: clip at 0, renormalise,
    /// drop probabilities ≤ 1e-12.
    QualityFiltered,
}

/// The order `q` of a Vendi score (Friedman and Dieng; Pasarkar and Dieng's family):
///
/// ```text
/// VS_q = exp( ln(Σ_{λ>0} λ^q) / (1 − q) )     q ∉ {1, ∞}
/// VS_1 = exp( −Σ_{λ>0} λ ln λ )                (today's Vendi score)
/// VS_∞ = 1 / max λ
/// ```
///
/// over the eigenvalues `λ` of `K / m`, as the vendi-score package 0.0.3 computes
/// `score_K(K, q)`: eigenvalues that rounding makes zero or negative are dropped, with no
/// clipping floor (the main pipeline's `1e-12` floor moves `VS_1` by less than 1e-10).
/// Small `q` counts rare modes, large `q` only the dominant ones.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum VendiOrder {
    /// A finite order `q ≥ 0`.
    Finite(f64),
    /// `q = ∞`.
    Infinity,
}

impl VendiOrder {
    /// The per-prompt column, `vendi_q<q>`: `vendi_q0.5`, `vendi_q1`, `vendi_q2`, `vendi_qinf`.
    pub fn column(self) -> String {
        match self {
            Self::Finite(q) => format!("vendi_q{q}"),
            Self::Infinity => "vendi_qinf".to_owned(),
        }
    }
}

impl std::str::FromStr for VendiOrder {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("inf") {
            return Ok(Self::Infinity);
        }
        match text.parse::<f64>() {
            Ok(q) if q.is_finite() && q >= 0.0 => Ok(Self::Finite(q)),
            _ => Err(format!("`{text}` is not a Vendi order (a number ≥ 0, or `inf`)")),
        }
    }
}

/// `VS_q` of a kernel (`m × m`, row-major, unit diagonal for a similarity kernel):
/// vendi-score's `score_K(K, q)`.
pub fn vendi_of_kernel(kernel: &[f64], m: usize, order: VendiOrder) -> f64 {
    vendi_of_eigenvalues(&scaled_eigenvalues(kernel, m), order)
}

/// `VS_q` from the eigenvalues of `K / m`.
pub fn vendi_of_eigenvalues(eigenvalues: &[f64], order: VendiOrder) -> f64 {
    let positive = eigenvalues.iter().copied().filter(|&l| l > 0.0);
    match order {
        VendiOrder::Infinity => 1.0 / eigenvalues.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        VendiOrder::Finite(1.0) => (-positive.map(|p| p * p.ln()).sum::<f64>()).exp(),
        VendiOrder::Finite(q) => (positive.map(|p| p.powf(q)).sum::<f64>().ln() / (1.0 - q)).exp(),
    }
}

/// `VS_q` of the cosine kernel of a set of embeddings; `None` for an empty set.
pub fn vendi_of_order(embeddings: EmbeddingSet<'_>, order: VendiOrder) -> Option<f64> {
    let m = embeddings.len();
    (m > 0).then(|| vendi_of_kernel(&embeddings.gram().values, m, order))
}

/// The Vendi score of one set of embeddings. Fewer than two embeddings give 1.0 under
/// [`SmallSetPolicy::Pipeline`] and NaN under [`SmallSetPolicy::Nan`].
pub fn vendi_score(embeddings: EmbeddingSet<'_>, variant: VendiVariant, policy: SmallSetPolicy) -> f64 {
    if embeddings.len() <= 1 {
        return vendi_from_gram(&Gram { m: embeddings.len(), values: Vec::new() }, variant, policy);
    }
    vendi_from_gram(&embeddings.gram(), variant, policy)
}

/// The Vendi score from a precomputed Gram matrix (shared with SBERT diversity).
pub fn vendi_from_gram(gram: &Gram, variant: VendiVariant, policy: SmallSetPolicy) -> f64 {
    let m = gram.m;
    if m <= 1 {
        return match policy {
            SmallSetPolicy::Pipeline => 1.0,
            SmallSetPolicy::Nan => f64::NAN,
        };
    }
    let eigenvalues = kernel_eigenvalues(gram);
    let entropy = match variant {
        VendiVariant::Pipeline => {
            eigenvalues.iter().map(|&l| l.max(EIGENVALUE_FLOOR)).map(|l| -l * l.ln()).sum::<f64>()
        }
        VendiVariant::QualityFiltered => {
            let clipped: Vec<f64> = eigenvalues.iter().map(|&l| l.max(0.0)).collect();
            let total: f64 = clipped.iter().sum();
            if total < EIGENVALUE_FLOOR {
                return 1.0;
            }
            clipped.iter().map(|&l| l / total).filter(|&p| p > EIGENVALUE_FLOOR).map(|p| -p * p.ln()).sum()
        }
    };
    entropy.exp()
}

/// Eigenvalues of `P = G / m` for the Pipeline variant; for the quality-filtered variant
/// the scale does not matter (it renormalises), so the same values serve both.
fn kernel_eigenvalues(gram: &Gram) -> Vec<f64> {
    scaled_eigenvalues(&gram.values, gram.m)
}

/// Eigenvalues of `K / m` for an `m × m` row-major kernel `K`.
fn scaled_eigenvalues(kernel: &[f64], m: usize) -> Vec<f64> {
    let scale = 1.0 / m as f64;
    let mut scaled: Vec<f64> = kernel.iter().map(|v| v * scale).collect();
    symmetric_eigenvalues(&mut scaled, m).unwrap_or_else(|| {
        // QL did not converge (never seen for a finite kernel): the general solver.
        let matrix = DMatrix::from_row_slice(m, m, &kernel.iter().map(|v| v * scale).collect::<Vec<_>>());
        matrix.symmetric_eigenvalues().iter().copied().collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_outputs_count_as_one_mode_and_orthogonal_as_m() {
        let same = [1.0f32, 0.0, 1.0, 0.0, 1.0, 0.0];
        let set = EmbeddingSet::new(&same, 2).unwrap();
        for variant in [VendiVariant::Pipeline, VendiVariant::QualityFiltered] {
            assert!((vendi_score(set, variant, SmallSetPolicy::Pipeline) - 1.0).abs() < 1e-9);
        }
        let orthogonal = [1.0f32, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        let set = EmbeddingSet::new(&orthogonal, 3).unwrap();
        assert!((vendi_score(set, VendiVariant::Pipeline, SmallSetPolicy::Pipeline) - 3.0).abs() < 1e-9);
    }

    #[test]
    fn two_clusters_give_about_two_modes() {
        // Four outputs in two identical pairs: exactly two equal eigenvalues of 1/2.
        let data = [1.0f32, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0];
        let set = EmbeddingSet::new(&data, 2).unwrap();
        assert!((vendi_score(set, VendiVariant::Pipeline, SmallSetPolicy::Pipeline) - 2.0).abs() < 1e-9);
    }
}
