//! Quality metrics over labelled prompts (methodology §2.2): accuracy@1 (output 0, not a
//! greedy run), pass@K (any correct) and the unbiased pass@k estimator.

/// Unbiased pass@k for `n` samples of which `c` are correct:
/// `1 − C(n−c, k) / C(n, k)`, exactly 1 when `n − c < k`; `k` is capped at `n`.
pub fn pass_at_k(n: usize, c: usize, k: usize) -> f64 {
    let k = k.min(n);
    if n == 0 {
        return 0.0;
    }
    if n - c < k {
        return 1.0;
    }
    // C(n−c, k) / C(n, k) = Π_{i=0}^{k−1} (n−c−i) / (n−i), exact in rationals; the
    // product of ratios is accurate to a few ulps for the n ≤ a few hundred used here.
    let mut ratio = 1.0;
    for i in 0..k {
        ratio *= (n - c - i) as f64 / (n - i) as f64;
    }
    1.0 - ratio
}

/// Mean over prompts of a per-prompt value.
pub fn mean(values: impl IntoIterator<Item = f64>) -> f64 {
    let (sum, count) = values.into_iter().fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if count == 0 { f64::NAN } else { sum / count as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_at_k_matches_the_binomial_formula() {
        // 1 − C(12,5)/C(16,5) = 1 − 792/4368
        assert!((pass_at_k(16, 4, 5) - (1.0 - 792.0 / 4368.0)).abs() < 1e-15);
        assert_eq!(pass_at_k(16, 0, 16), 0.0);
        assert_eq!(pass_at_k(16, 1, 16), 1.0);
        assert!((pass_at_k(16, 4, 1) - 0.25).abs() < 1e-15);
        assert_eq!(pass_at_k(4, 1, 10), 1.0);
    }
}
