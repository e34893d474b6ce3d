//! The nonparametric bootstrap over prompts: percentile and BCa intervals.
//!
//! The unit of replication is the prompt. A statistic sees one resample as a slice of
//! prompt indices (drawn with replacement, length `n`), so the same code serves
//! single-checkpoint means, ratios and shares, and **paired** comparisons: when two
//! checkpoints were run on the same prompts, a statistic that reads both checkpoints'
//! aligned per-prompt arrays at the same indices is the paired bootstrap
//! (`scipy.stats.bootstrap(..., paired=True)` resamples the same way).
//!
//! Conventions follow `scipy.stats.bootstrap` (SciPy 1.17):
//! * percentile interval: the `α/2` and `1 − α/2` quantiles of the bootstrap
//!   distribution, linear interpolation between order statistics (numpy's default);
//! * BCa: bias correction `z0 = Φ⁻¹(p)` with `p = (#{θ* < θ̂} + #{θ* ≤ θ̂}) / 2B`,
//!   acceleration from the leave-one-out jackknife
//!   `a = Σ(θ̄ − θ₍ᵢ₎)³ / (6 (Σ(θ̄ − θ₍ᵢ₎)²)^{3/2})`, and the adjusted levels
//!   `Φ(z0 + (z0 + z)/(1 − a(z0 + z)))` for `z = Φ⁻¹(α/2), Φ⁻¹(1 − α/2)`;
//! * standard error: the sample standard deviation (`ddof = 1`) of the bootstrap
//!   distribution.
//!
//! Where SciPy returns NaN for degenerate data, this module is explicit instead: a
//! bootstrap distribution with no spread gives the interval `[θ̂, θ̂]`, and a BCa
//! correction that cannot be computed (every replicate on one side of `θ̂`, or a
//! jackknife with no spread) falls back to the percentile interval and says so in
//! [`Interval::method`].
//!
//! Reproducibility: resample `b` draws its indices from ChaCha8 seeded with the
//! configured seed on stream `b`, so intervals do not depend on the number of threads.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

/// How the interval is formed from the bootstrap distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum IntervalMethod {
    /// Quantiles of the bootstrap distribution.
    Percentile,
    /// Bias-corrected and accelerated (Efron 1987), SciPy's default.
    Bca,
}

impl IntervalMethod {
    /// Lower-case name used in tables and provenance records.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Percentile => "percentile",
            Self::Bca => "bca",
        }
    }
}

/// Settings of one bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BootstrapConfig {
    /// Number of resamples B (default 10,000).
    pub resamples: usize,
    /// Two-sided confidence level in (0, 1) (default 0.95).
    pub confidence: f64,
    /// Seed of the resampling streams.
    pub seed: u64,
    /// Interval construction (default BCa).
    pub method: IntervalMethod,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        Self { resamples: 10_000, confidence: 0.95, seed: 0, method: IntervalMethod::Bca }
    }
}

/// Why a bootstrap could not be run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BootstrapError {
    /// Fewer than two units to resample.
    #[error("a bootstrap needs at least 2 prompts to resample, got {0}")]
    TooFewUnits(usize),
    /// The confidence level is not in (0, 1).
    #[error("confidence level must lie strictly between 0 and 1, got {0}")]
    InvalidConfidence(f64),
    /// Fewer than two resamples requested.
    #[error("a bootstrap needs at least 2 resamples, got {0}")]
    TooFewResamples(usize),
}

/// A point estimate with its bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The statistic on the original data.
    pub estimate: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
    /// Standard deviation (ddof 1) of the finite bootstrap replicates.
    pub standard_error: f64,
    /// The method actually used (BCa falls back to percentile when it is undefined).
    pub method: IntervalMethod,
    /// Replicates that were finite and entered the interval (≤ B).
    pub finite_resamples: usize,
}

impl Interval {
    /// An interval with every field NaN: the statistic itself is undefined on the data.
    pub fn undefined(method: IntervalMethod) -> Self {
        Self {
            estimate: f64::NAN,
            low: f64::NAN,
            high: f64::NAN,
            standard_error: f64::NAN,
            method,
            finite_resamples: 0,
        }
    }

    /// Whether the closed interval contains `value`.
    pub fn contains(&self, value: f64) -> bool {
        self.low <= value && value <= self.high
    }
}

/// A configured bootstrap.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bootstrap {
    config: BootstrapConfig,
}

impl Bootstrap {
    /// A bootstrap with the given settings.
    pub fn new(config: BootstrapConfig) -> Self {
        Self { config }
    }

    /// The settings.
    pub fn config(&self) -> &BootstrapConfig {
        &self.config
    }

    /// Interval of one scalar statistic over `n_units` prompts.
    ///
    /// `statistic(indices)` evaluates the statistic on the prompts `indices` (with
    /// repetitions); it may return NaN for a resample on which it is undefined.
    pub fn interval<F>(&self, n_units: usize, statistic: F) -> Result<Interval, BootstrapError>
    where
        F: Fn(&[usize]) -> f64 + Sync,
    {
        let intervals = self.intervals(n_units, 1, |indices, out| out[0] = statistic(indices))?;
        Ok(intervals[0])
    }

    /// Intervals of `n_stats` statistics computed together on each resample (one pass
    /// over the resamples; joint resampling, so differences between them are paired).
    ///
    /// `statistic(indices, out)` writes the `n_stats` values for the prompts `indices`.
    pub fn intervals<F>(&self, n_units: usize, n_stats: usize, statistic: F) -> Result<Vec<Interval>, BootstrapError>
    where
        F: Fn(&[usize], &mut [f64]) + Sync,
    {
        self.validate(n_units)?;
        let all: Vec<usize> = (0..n_units).collect();
        let mut estimates = vec![0.0; n_stats];
        statistic(&all, &mut estimates);
        let replicates = self.replicates(n_units, n_stats, &statistic)?;
        let jackknife = match self.config.method {
            IntervalMethod::Bca => Some(jackknife(n_units, n_stats, &statistic)),
            IntervalMethod::Percentile => None,
        };
        Ok((0..n_stats)
            .map(|s| {
                let column: Vec<f64> = replicates.iter().map(|row| row[s]).collect();
                let jack: Option<Vec<f64>> = jackknife.as_ref().map(|j| j.iter().map(|row| row[s]).collect());
                interval_from_replicates(estimates[s], column, jack.as_deref(), &self.config)
            })
            .collect())
    }

    /// [`Bootstrap::intervals`], or bare point estimates (NaN intervals) when there are
    /// fewer than two prompts to resample (NaN estimates too when there are none).
    pub fn intervals_or_points<F>(
        &self,
        n_units: usize,
        n_stats: usize,
        statistic: F,
    ) -> Result<Vec<Interval>, BootstrapError>
    where
        F: Fn(&[usize], &mut [f64]) + Sync,
    {
        if n_units >= 2 {
            return self.intervals(n_units, n_stats, statistic);
        }
        let mut estimates = vec![f64::NAN; n_stats];
        if n_units == 1 {
            statistic(&[0], &mut estimates);
        }
        Ok(estimates
            .into_iter()
            .map(|estimate| Interval { estimate, ..Interval::undefined(self.config.method) })
            .collect())
    }

    /// The bootstrap distribution itself: `B` rows of `n_stats` values, row `b` from
    /// resample `b` (for plotting or custom intervals).
    pub fn replicates<F>(&self, n_units: usize, n_stats: usize, statistic: &F) -> Result<Vec<Vec<f64>>, BootstrapError>
    where
        F: Fn(&[usize], &mut [f64]) + Sync,
    {
        self.validate(n_units)?;
        let seed = self.config.seed;
        Ok((0..self.config.resamples)
            .into_par_iter()
            .map_init(
                || vec![0usize; n_units],
                |indices, b| {
                    resample_indices(seed, b as u64, indices);
                    let mut out = vec![0.0; n_stats];
                    statistic(indices, &mut out);
                    out
                },
            )
            .collect())
    }

    fn validate(&self, n_units: usize) -> Result<(), BootstrapError> {
        let c = self.config.confidence;
        if !(c > 0.0 && c < 1.0) {
            return Err(BootstrapError::InvalidConfidence(c));
        }
        if self.config.resamples < 2 {
            return Err(BootstrapError::TooFewResamples(self.config.resamples));
        }
        if n_units < 2 {
            return Err(BootstrapError::TooFewUnits(n_units));
        }
        Ok(())
    }
}

/// Fills `indices` with resample `stream` of the seeded bootstrap (uniform, with
/// replacement, over `0..indices.len()`).
pub fn resample_indices(seed: u64, stream: u64, indices: &mut [usize]) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    let n = indices.len();
    for slot in indices.iter_mut() {
        *slot = rng.random_range(0..n);
    }
}

/// Leave-one-out values: row `i` is the statistic on every prompt but `i`.
pub fn jackknife<F>(n_units: usize, n_stats: usize, statistic: &F) -> Vec<Vec<f64>>
where
    F: Fn(&[usize], &mut [f64]) + Sync,
{
    (0..n_units)
        .into_par_iter()
        .map(|left_out| {
            let indices: Vec<usize> = (0..n_units).filter(|&i| i != left_out).collect();
            let mut out = vec![0.0; n_stats];
            statistic(&indices, &mut out);
            out
        })
        .collect()
}

/// The BCa acceleration from leave-one-out values (NaN when they have no spread or
/// any is non-finite).
pub fn bca_acceleration(jackknife_values: &[f64]) -> f64 {
    if jackknife_values.iter().any(|v| !v.is_finite()) {
        return f64::NAN;
    }
    let n = jackknife_values.len() as f64;
    let mean = jackknife_values.iter().sum::<f64>() / n;
    let (mut num, mut den) = (0.0, 0.0);
    for &v in jackknife_values {
        let d = mean - v;
        num += d * d * d;
        den += d * d;
    }
    num / (6.0 * den.powf(1.5))
}

/// Quantile `q ∈ [0, 1]` of sorted values with linear interpolation (numpy's default).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() || q.is_nan() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn standard_normal() -> Normal {
    Normal::new(0.0, 1.0).expect("the standard normal has valid parameters")
}

/// Forms the interval of one statistic from its bootstrap replicates (non-finite ones
/// are dropped) and, for BCa, its leave-one-out values; without them the interval is a
/// percentile interval. Used directly for statistics assembled from several independent
/// bootstraps (a stratified bootstrap across tasks).
pub fn interval_from_replicates(
    estimate: f64,
    mut replicates: Vec<f64>,
    jackknife_values: Option<&[f64]>,
    config: &BootstrapConfig,
) -> Interval {
    if !estimate.is_finite() {
        return Interval::undefined(config.method);
    }
    replicates.retain(|v| v.is_finite());
    let b = replicates.len();
    if b < 2 {
        return Interval { estimate, ..Interval::undefined(config.method) };
    }
    replicates.sort_by(f64::total_cmp);
    let mean = replicates.iter().sum::<f64>() / b as f64;
    let standard_error = (replicates.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (b - 1) as f64).sqrt();
    let alpha = (1.0 - config.confidence) / 2.0;
    let percentile = Interval {
        estimate,
        low: quantile_sorted(&replicates, alpha),
        high: quantile_sorted(&replicates, 1.0 - alpha),
        standard_error,
        method: IntervalMethod::Percentile,
        finite_resamples: b,
    };
    if replicates[0] == replicates[b - 1] {
        // No spread: every resample reproduces one value.
        return Interval { low: replicates[0], high: replicates[0], method: config.method, ..percentile };
    }
    let Some(jack) = jackknife_values else {
        return percentile;
    };
    let normal = standard_normal();
    let below = replicates.iter().filter(|&&v| v < estimate).count();
    let at_or_below = replicates.iter().filter(|&&v| v <= estimate).count();
    let z0 = normal.inverse_cdf((below + at_or_below) as f64 / (2 * b) as f64);
    let a = bca_acceleration(jack);
    if !z0.is_finite() || !a.is_finite() {
        return percentile;
    }
    let adjusted = |z: f64| {
        let num = z0 + z;
        normal.cdf(z0 + num / (1.0 - a * num))
    };
    let (alpha_low, alpha_high) = (adjusted(normal.inverse_cdf(alpha)), adjusted(normal.inverse_cdf(1.0 - alpha)));
    Interval {
        low: quantile_sorted(&replicates, alpha_low),
        high: quantile_sorted(&replicates, alpha_high),
        method: IntervalMethod::Bca,
        ..percentile
    }
}

/// Mean of `values` at `indices`, skipping NaN (NaN when every value is NaN).
pub fn nanmean_at(values: &[f64], indices: &[usize]) -> f64 {
    let (mut sum, mut count) = (0.0, 0usize);
    for &i in indices {
        let v = values[i];
        if !v.is_nan() {
            sum += v;
            count += 1;
        }
    }
    if count == 0 { f64::NAN } else { sum / count as f64 }
}

/// Mean of `values` at `indices` (NaN for no indices).
pub fn mean_at(values: &[f64], indices: &[usize]) -> f64 {
    if indices.is_empty() {
        return f64::NAN;
    }
    indices.iter().map(|&i| values[i]).sum::<f64>() / indices.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(method: IntervalMethod) -> BootstrapConfig {
        BootstrapConfig { resamples: 2000, confidence: 0.95, seed: 7, method }
    }

    #[test]
    fn quantile_matches_numpy_linear_interpolation() {
        let sorted = [1.0, 2.0, 4.0, 8.0];
        // numpy.percentile([1,2,4,8], [0, 25, 50, 90, 100]) = [1, 1.75, 3, 6.8, 8]
        let expected = [1.0, 1.75, 3.0, 6.8, 8.0];
        for (q, e) in [0.0, 0.25, 0.5, 0.9, 1.0].iter().zip(expected) {
            assert!((quantile_sorted(&sorted, *q) - e).abs() < 1e-12, "q={q}");
        }
    }

    #[test]
    fn resamples_do_not_depend_on_thread_count() {
        let data: Vec<f64> = (0..40).map(|i| ((i * 37) % 11) as f64).collect();
        let run =
            || Bootstrap::new(config(IntervalMethod::Bca)).interval(data.len(), |idx| mean_at(&data, idx)).unwrap();
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(run);
        let two = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap().install(run);
        assert_eq!(one, two);
    }

    #[test]
    fn constant_data_gives_a_point_interval() {
        let data = vec![0.5; 10];
        for method in [IntervalMethod::Percentile, IntervalMethod::Bca] {
            let i = Bootstrap::new(config(method)).interval(10, |idx| mean_at(&data, idx)).unwrap();
            assert_eq!((i.low, i.estimate, i.high), (0.5, 0.5, 0.5));
            assert_eq!(i.standard_error, 0.0);
        }
    }

    #[test]
    fn invalid_settings_are_errors() {
        let b = Bootstrap::new(BootstrapConfig { confidence: 1.0, ..config(IntervalMethod::Bca) });
        assert_eq!(b.interval(5, |_| 0.0), Err(BootstrapError::InvalidConfidence(1.0)));
        let b = Bootstrap::new(config(IntervalMethod::Bca));
        assert_eq!(b.interval(1, |_| 0.0), Err(BootstrapError::TooFewUnits(1)));
    }

    #[test]
    fn undefined_replicates_are_dropped_and_counted() {
        // The statistic is undefined whenever the resample misses prompt 0.
        let data: Vec<f64> = (0..5).map(f64::from).collect();
        let i = Bootstrap::new(config(IntervalMethod::Percentile))
            .interval(5, |idx| if idx.contains(&0) { mean_at(&data, idx) } else { f64::NAN })
            .unwrap();
        assert!(i.finite_resamples < 2000 && i.finite_resamples > 1000, "{}", i.finite_resamples);
        assert!(i.low <= i.estimate && i.estimate <= i.high);
    }

    #[test]
    fn nanmean_skips_missing_values() {
        let v = [1.0, f64::NAN, 3.0];
        assert_eq!(nanmean_at(&v, &[0, 1, 2, 2]), 7.0 / 3.0);
        assert!(nanmean_at(&v, &[1]).is_nan());
    }
}
