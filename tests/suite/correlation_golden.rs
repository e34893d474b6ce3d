//! Spearman's rank correlation against `scipy.stats.spearmanr` (tests/golden/correlation/,
//! generator and versions there): the average ranks exactly, ρ within
//! [`SPEARMAN_ABSOLUTE`], and NaN exactly where scipy's is.

use diversity_collapse::stats::correlation::{average_ranks, spearman};
use serde_json::Value;

use crate::tolerance::SPEARMAN_ABSOLUTE;

#[test]
fn spearman_equals_scipy_on_every_case() {
    let fixture: Value = serde_json::from_str(include_str!("../golden/correlation/cases.json")).unwrap();
    let numbers =
        |v: &Value| -> Vec<f64> { v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect() };
    let cases = fixture["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 14);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let (x, y) = (numbers(&case["x"]), numbers(&case["y"]));
        let kept: Vec<f64> =
            x.iter().zip(&y).filter(|(a, b)| a.is_finite() && b.is_finite()).map(|(a, _)| *a).collect();
        assert_eq!(average_ranks(&kept), numbers(&case["ranks_x"]), "{name}: ranks");
        let rho = spearman(&x, &y);
        match case["spearman"].as_f64() {
            Some(expected) => assert!((rho - expected).abs() <= SPEARMAN_ABSOLUTE, "{name}: {rho} vs scipy {expected}"),
            None => assert!(rho.is_nan(), "{name}: {rho}, scipy NaN"),
        }
    }
}
