//! Coverage of the bootstrap intervals by simulation: over 1,000 datasets drawn from a
//! distribution with a known mean, the nominal 95% interval must contain the truth
//! between 93% and 97% of the time (the binomial standard error at 1,000 datasets is
//! 0.7 points). Slow; `scripts/test` runs it with the other ignored tests
//! (`cargo test -- --include-ignored`, optimised build).

use diversity_collapse::stats::bootstrap::{Bootstrap, BootstrapConfig, IntervalMethod, mean_at};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const DATASETS: usize = 1000;

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Fraction of datasets whose interval contains `truth`.
fn coverage(method: IntervalMethod, n: usize, draw: impl Fn(&mut ChaCha8Rng) -> (f64, f64), truth: f64) -> f64 {
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let mut covered = 0;
    for dataset in 0..DATASETS {
        let (x, y): (Vec<f64>, Vec<f64>) = (0..n).map(|_| draw(&mut rng)).unzip();
        let config = BootstrapConfig { resamples: 2000, confidence: 0.95, seed: dataset as u64, method };
        let interval = Bootstrap::new(config).interval(n, |idx| mean_at(&x, idx) - mean_at(&y, idx)).unwrap();
        covered += usize::from(interval.contains(truth));
    }
    covered as f64 / DATASETS as f64
}

#[test]
#[ignore = "slow: scripts/test runs it (cargo test -- --include-ignored)"]
fn bca_interval_of_a_mean_covers_the_truth_at_the_nominal_rate() {
    // One sample (y = 0): mean of N(0.4, 0.1²), n = 100.
    let rate = coverage(IntervalMethod::Bca, 100, |rng| (0.4 + 0.1 * normal(rng), 0.0), 0.4);
    eprintln!("BCa coverage {rate}");
    assert!((0.93..=0.97).contains(&rate), "BCa coverage {rate}");
}

#[test]
#[ignore = "slow: scripts/test runs it (cargo test -- --include-ignored)"]
fn paired_percentile_interval_of_a_difference_covers_the_truth_at_the_nominal_rate() {
    // Paired, correlated checkpoints: x = z + e1, y = 0.9 z − 0.05 + e2, true mean difference
    // E[x − y] = 0.1·E[z] + 0.05 with z ~ N(0.5, 0.1²) → 0.1.
    let draw = |rng: &mut ChaCha8Rng| {
        let z = 0.5 + 0.1 * normal(rng);
        (z + 0.02 * normal(rng), 0.9 * z - 0.05 + 0.02 * normal(rng))
    };
    let rate = coverage(IntervalMethod::Percentile, 80, draw, 0.1);
    eprintln!("percentile coverage {rate}");
    assert!((0.93..=0.97).contains(&rate), "percentile coverage {rate}");
}
