//! The bootstrap against `scipy.stats.bootstrap` (tests/golden/bootstrap/, generator
//! script beside it): the same point estimates and jackknife quantities exactly, and
//! intervals within Monte-Carlo error of SciPy's 200,000-resample intervals.

use diversity_collapse::stats::bootstrap::{
    Bootstrap, BootstrapConfig, IntervalMethod, bca_acceleration, jackknife, mean_at,
};
use serde_json::Value;

use crate::tolerance::{
    BOOTSTRAP_ACCELERATION_RELATIVE, BOOTSTRAP_ACCELERATION_SCALE_FLOOR, BOOTSTRAP_INTERVAL_SLACK,
    BOOTSTRAP_INTERVAL_STANDARD_ERRORS, BOOTSTRAP_STANDARD_ERROR_RELATIVE, EXACT_F64,
};

fn cases() -> Vec<Value> {
    let path = format!("{}/tests/golden/bootstrap/bootstrap_cases.json", env!("CARGO_MANIFEST_DIR"));
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    fixture["cases"].as_array().unwrap().clone()
}

fn samples(case: &Value) -> Vec<Vec<f64>> {
    case["samples"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect())
        .collect()
}

/// The case's statistic on the (paired) samples at `indices`.
fn statistic(name: &str, data: &[Vec<f64>], indices: &[usize]) -> f64 {
    let m = |k: usize| mean_at(&data[k], indices);
    match name {
        "mean" => m(0),
        "paired_difference" => m(0) - m(1),
        "ratio_of_means" => m(0) / m(1),
        "share" => (m(2) - m(3)) / (m(0) - m(1)),
        other => panic!("unknown statistic {other}"),
    }
}

fn close(actual: f64, expected: f64, tolerance: f64, what: &str) {
    assert!((actual - expected).abs() <= tolerance, "{what}: {actual} vs {expected} (tolerance {tolerance})");
}

#[test]
fn point_estimates_and_jackknife_match_scipy_exactly() {
    for case in cases() {
        let name = case["name"].as_str().unwrap();
        let kind = case["statistic"].as_str().unwrap();
        let data = samples(&case);
        let n = data[0].len();
        let all: Vec<usize> = (0..n).collect();
        close(statistic(kind, &data, &all), case["point_estimate"].as_f64().unwrap(), EXACT_F64, name);
        let jack: Vec<f64> = jackknife(n, 1, &|idx: &[usize], out: &mut [f64]| out[0] = statistic(kind, &data, idx))
            .into_iter()
            .map(|row| row[0])
            .collect();
        let expected: Vec<f64> =
            case["jackknife_values"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert_eq!(jack.len(), expected.len());
        let worst = jack.iter().zip(&expected).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(worst < EXACT_F64, "{name}: jackknife max |diff| {worst}");
        let a = case["bca_acceleration"].as_f64().unwrap();
        close(
            bca_acceleration(&jack),
            a,
            BOOTSTRAP_ACCELERATION_RELATIVE * a.abs().max(BOOTSTRAP_ACCELERATION_SCALE_FLOOR),
            &format!("{name} acceleration"),
        );
    }
}

#[test]
fn intervals_agree_with_scipy_within_monte_carlo_error() {
    for case in cases() {
        let name = case["name"].as_str().unwrap();
        let kind = case["statistic"].as_str().unwrap();
        let data = samples(&case);
        let n = data[0].len();
        for (method, key) in [(IntervalMethod::Percentile, "percentile"), (IntervalMethod::Bca, "bca")] {
            let config = BootstrapConfig { resamples: 20_000, confidence: 0.95, seed: 11, method };
            let ours = Bootstrap::new(config).interval(n, |idx| statistic(kind, &data, idx)).unwrap();
            let scipy = &case[key];
            let se = scipy["standard_error"].as_f64().unwrap();
            // The Monte-Carlo standard error of a 2.5% quantile from B = 20,000 resamples is
            // about 0.02 SE; 0.1 SE is five of them. A mean of 0/1 values lives on a grid of
            // 1/n, so its quantiles may also land one grid step apart.
            let grid = if name == "mean_binary" { 1.0 / n as f64 } else { 0.0 };
            let tolerance = BOOTSTRAP_INTERVAL_STANDARD_ERRORS * se + grid + BOOTSTRAP_INTERVAL_SLACK;
            close(ours.low, scipy["low"].as_f64().unwrap(), tolerance, &format!("{name} {key} low"));
            close(ours.high, scipy["high"].as_f64().unwrap(), tolerance, &format!("{name} {key} high"));
            close(
                ours.standard_error,
                se,
                BOOTSTRAP_STANDARD_ERROR_RELATIVE * se,
                &format!("{name} {key} standard error"),
            );
            assert_eq!(ours.method, method, "{name}");
        }
    }
}
