//! Aggregation of per-input scores as the reference reports them.

/// `statistics.fmean`: the mean computed from an exactly rounded sum (`math.fsum`).
/// Returns 0.0 for an empty slice, as the reference's `_summary_statistics` does.
pub fn per_input_mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    exact_sum(values) / values.len() as f64
}

/// `statistics.pstdev` (population standard deviation); 0.0 for fewer than two values.
pub fn per_input_std(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let mean = per_input_mean(values);
    let squares: Vec<f64> = values.iter().map(|v| (v - mean) * (v - mean)).collect();
    (exact_sum(&squares) / values.len() as f64).sqrt()
}

/// A correctly rounded floating-point sum (Shewchuk's algorithm, as `math.fsum`).
pub fn exact_sum(values: &[f64]) -> f64 {
    let mut partials: Vec<f64> = Vec::new();
    for &value in values {
        let mut x = value;
        let mut kept = 0;
        for i in 0..partials.len() {
            let mut y = partials[i];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let high = x + y;
            let low = y - (high - x);
            if low != 0.0 {
                partials[kept] = low;
                kept += 1;
            }
            x = high;
        }
        partials.truncate(kept);
        partials.push(x);
    }
    // Combine the partials from the top, with CPython's correction for half-way cases.
    let mut n = partials.len();
    if n == 0 {
        return 0.0;
    }
    n -= 1;
    let mut high = partials[n];
    let mut low = 0.0;
    while n > 0 {
        let x = high;
        n -= 1;
        let y = partials[n];
        high = x + y;
        low = y - (high - x);
        if low != 0.0 {
            break;
        }
    }
    if n > 0 && ((low < 0.0 && partials[n - 1] < 0.0) || (low > 0.0 && partials[n - 1] > 0.0)) {
        let y = low * 2.0;
        let x = high + y;
        if y == x - high {
            high = x;
        }
    }
    high
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_sum_is_exact_where_naive_summation_is_not() {
        let values = [1e16, 1.0, -1e16, 1.0];
        assert_eq!(exact_sum(&values), 2.0);
        assert_eq!(per_input_mean(&[]), 0.0);
        assert_eq!(per_input_std(&[3.0]), 0.0);
        assert!((per_input_std(&[1.0, 3.0]) - 1.0).abs() < 1e-15);
    }
}
