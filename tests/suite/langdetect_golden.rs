//! The langdetect port gives Python's answers: for every text of the fixture, the same
//! language as `langdetect.detect` with `DetectorFactory.seed = 0` (or the same
//! "No features in text." error), the same `detect_langs` list, and for every fifth text
//! the same probability of each of the 55 languages, within
//! [`tolerance::LANGDETECT_PROBABILITY`].
//! Fixture: tests/golden/langdetect/ (regenerate with generate.py there). The profiles are
//! an asset (`scripts/setup`); without them the test says so and skips.

use diversity_collapse::assets::Assets;
use diversity_collapse::tasks::langdetect::{LangDetectError, LanguageDetector};
use serde::Deserialize;

use crate::tolerance;

#[derive(Deserialize)]
struct Case {
    id: usize,
    source: String,
    text: String,
    lang: Option<String>,
    error: Option<String>,
    probs: Option<Vec<(String, f64)>>,
    #[serde(default)]
    langprob: Option<Vec<f64>>,
}

fn cases() -> Vec<Case> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/langdetect/cases.jsonl");
    let text = std::fs::read_to_string(path).expect("the langdetect fixture is readable");
    text.lines()
        .enumerate()
        .map(|(n, line)| serde_json::from_str(line).unwrap_or_else(|e| panic!("{path}:{}: {e}", n + 1)))
        .collect()
}

fn detector() -> Option<LanguageDetector> {
    let assets = Assets::locate();
    if let Err(missing) = assets.langdetect() {
        println!("SKIPPED langdetect golden test: {missing}");
        eprintln!("SKIPPED langdetect golden test: {missing}");
        return None;
    }
    Some(LanguageDetector::load(&assets).expect("the langdetect profiles load"))
}

fn preview(text: &str) -> String {
    let short: String = text.chars().take(60).collect();
    format!("{short:?}{}", if text.chars().count() > 60 { "…" } else { "" })
}

#[test]
fn langdetect_port_matches_python_detect_on_every_fixture_text() {
    let Some(detector) = detector() else { return };
    let cases = cases();
    assert!(cases.len() >= 500, "the fixture has {} cases", cases.len());
    let mut mismatches = Vec::new();
    let (mut detected, mut errors, mut prob_lists, mut vectors, mut exact_bits, mut compared) = (0, 0, 0, 0, 0, 0);
    let mut max_difference = 0.0f64;
    for case in &cases {
        let label = format!("case {} ({}, {})", case.id, case.source, preview(&case.text));
        match (&case.lang, &case.error, detector.detect(&case.text)) {
            (Some(expected), None, Ok(got)) if *expected == got => detected += 1,
            (None, Some(message), Err(error @ LangDetectError::NoFeatures)) if *message == error.to_string() => {
                errors += 1
            }
            (expected, message, got) => {
                mismatches.push(format!("{label}: python {expected:?} / {message:?}, port {got:?}"));
                continue;
            }
        }
        // (what, python, port) for every probability compared.
        let mut pairs: Vec<(String, f64, f64)> = Vec::new();
        if let Some(expected) = &case.probs {
            prob_lists += 1;
            let got = detector.detect_langs(&case.text).expect("detected above");
            let got_langs: Vec<&str> = got.iter().map(|l| l.lang.as_str()).collect();
            let expected_langs: Vec<&str> = expected.iter().map(|(lang, _)| lang.as_str()).collect();
            if got_langs != expected_langs {
                mismatches.push(format!("{label}: detect_langs python {expected_langs:?}, port {got_langs:?}"));
            } else {
                for ((lang, p), language) in expected.iter().zip(&got) {
                    pairs.push((format!("P({lang})"), *p, language.prob));
                }
            }
        }
        if let Some(expected) = &case.langprob {
            vectors += 1;
            let got = detector.probabilities(&case.text).expect("detected above");
            assert_eq!(got.len(), expected.len(), "{label}: number of languages");
            for ((lang, p), q) in detector.languages().iter().zip(expected).zip(&got) {
                pairs.push((format!("langprob[{lang}]"), *p, *q));
            }
        }
        for (what, expected, got) in pairs {
            compared += 1;
            exact_bits += usize::from(expected.to_bits() == got.to_bits());
            max_difference = max_difference.max((expected - got).abs());
            if (expected - got).abs() > tolerance::LANGDETECT_PROBABILITY {
                mismatches.push(format!("{label}: {what} python {expected:e}, port {got:e}"));
            }
        }
    }
    println!(
        "langdetect parity: {} cases, {detected} detected, {errors} errors, {prob_lists} detect_langs lists and \
         {vectors} full probability vectors compared ({compared} values, {exact_bits} bit-identical, \
         largest difference {max_difference:e}); {} mismatches",
        cases.len(),
        mismatches.len()
    );
    assert!(errors > 0 && detected > 500, "the fixture covers errors and many detections");
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
}
