//! Rank correlation, as `scipy.stats.spearmanr` computes it for two 1-D arrays.
//!
//! `rankdata(x, method="average")`: tied values share the mean of the ranks they span
//! (1-based). Spearman's ρ is Pearson's r of the two rank vectors,
//! `r = Σ(a−ā)(b−b̄) / √(Σ(a−ā)² · Σ(b−b̄)²)`; NaN when either vector is constant or
//! has fewer than two values (scipy warns and returns NaN there).

/// Average ranks (1-based) of `values`; ties share the mean rank of their run.
pub fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Ranks start+1 ..= end share their mean.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &index in &order[start..end] {
            ranks[index] = rank;
        }
        start = end;
    }
    ranks
}

/// Pearson's r of two equally long slices (NaN when undefined).
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    assert_eq!(x.len(), y.len(), "pearson: slices of different lengths");
    let n = x.len();
    if n < 2 {
        return f64::NAN;
    }
    let (mean_x, mean_y) = (x.iter().sum::<f64>() / n as f64, y.iter().sum::<f64>() / n as f64);
    let (mut xy, mut xx, mut yy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (da, db) = (a - mean_x, b - mean_y);
        xy += da * db;
        xx += da * da;
        yy += db * db;
    }
    if xx == 0.0 || yy == 0.0 {
        return f64::NAN;
    }
    (xy / (xx * yy).sqrt()).clamp(-1.0, 1.0)
}

/// Spearman's ρ of the pairs where both values are finite (scipy's `nan_policy="omit"`;
/// NaN when undefined).
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    assert_eq!(x.len(), y.len(), "spearman: slices of different lengths");
    let (kept_x, kept_y): (Vec<f64>, Vec<f64>) =
        x.iter().zip(y).filter(|(a, b)| a.is_finite() && b.is_finite()).map(|(a, b)| (*a, *b)).unzip();
    pearson(&average_ranks(&kept_x), &average_ranks(&kept_y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_share_their_mean_rank() {
        assert_eq!(average_ranks(&[3.0, 1.0, 3.0, 2.0]), [3.5, 1.0, 3.5, 2.0]);
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]), 1.0);
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), -1.0);
        assert!(spearman(&[1.0, 1.0], &[1.0, 2.0]).is_nan());
        // Pairs with a NaN are left out.
        assert_eq!(spearman(&[1.0, f64::NAN, 2.0, 3.0], &[1.0, 5.0, 2.0, 3.0]), 1.0);
    }
}
