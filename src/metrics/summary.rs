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

/// `np.mean` of a float64 array: numpy's pairwise summation (blocks of 128 summed with
/// eight accumulators, halves split at a multiple of 8), divided by n; NaN when empty.
pub fn numpy_mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    numpy_pairwise_sum(values) / values.len() as f64
}

/// numpy's `pairwise_sum` for contiguous float64 data.
pub fn numpy_pairwise_sum(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 8 {
        // numpy starts from -0.0 so that an all-(-0.0) sum keeps its sign.
        values.iter().fold(-0.0, |sum, v| sum + v)
    } else if n <= 128 {
        let mut r = [0.0; 8];
        r.copy_from_slice(&values[..8]);
        let mut i = 8;
        while i < n - n % 8 {
            for (j, acc) in r.iter_mut().enumerate() {
                *acc += values[i + j];
            }
            i += 8;
        }
        let mut sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for v in &values[i..] {
            sum += v;
        }
        sum
    } else {
        let half = n / 2;
        let half = half - half % 8;
        numpy_pairwise_sum(&values[..half]) + numpy_pairwise_sum(&values[half..])
    }
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

    /// `float(np.mean(xs))` (numpy 2.4.6) with `random.seed(5)` and
    /// `xs = [random.random() * 10 ** random.randint(-8, 8) for _ in range(n)]`.
    #[test]
    fn numpy_mean_sums_pairwise_as_numpy_does() {
        let mut random = crate::pycompat::PyRandom::new(5);
        let expected = [
            (3, 26516328.228849392),
            (8, 143738.46099854878),
            (13, 11441.583687643895),
            (128, 1880183.9713566178),
            (129, 2125438.503211121),
            (300, 2623685.150793633),
            (1000, 3583120.397195404),
        ];
        for (n, mean) in expected {
            let values: Vec<f64> = (0..n)
                .map(|_| {
                    let x = random.random();
                    x * 10f64.powf(random.randbelow(17) as f64 - 8.0)
                })
                .collect();
            assert_eq!(numpy_mean(&values), mean, "n = {n}");
        }
    }

    #[test]
    fn exact_sum_is_exact_where_naive_summation_is_not() {
        let values = [1e16, 1.0, -1e16, 1.0];
        assert_eq!(exact_sum(&values), 2.0);
        assert_eq!(per_input_mean(&[]), 0.0);
        assert_eq!(per_input_std(&[3.0]), 0.0);
        assert!((per_input_std(&[1.0, 3.0]) - 1.0).abs() < 1e-15);
    }
}
