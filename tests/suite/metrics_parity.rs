//! The metrics against the authors' reference code (commit f193bfa), run on real text and
//! real all-mpnet-base-v2 embeddings. Fixtures and generator: tests/golden/metrics/.
//!
//! Tolerances: EAD [`tolerance::EXACT_F64`] (same float operations); SBERT and Vendi
//! [`tolerance::SBERT_VENDI_REFERENCE`] (the reference runs its matrix products and
//! eigen-solver in float32); NLI pair selection exact and its value [`tolerance::EXACT_F64`]
//! (scores are a deterministic stand-in for the model, see the README).

use std::collections::BTreeMap;

use diversity_collapse::metrics::SmallSetPolicy;
use diversity_collapse::metrics::ead::{EadConfig, ead, ead_words};
use diversity_collapse::metrics::nli::{NliScorer, SentencePairSampler, nli_diversity};
use diversity_collapse::metrics::sbert::{EmbeddingSet, sbert_diversity};
use diversity_collapse::metrics::summary::{per_input_mean, per_input_std};
use diversity_collapse::metrics::text::{split_sentences, strip_cot, strip_think_tags};
use diversity_collapse::metrics::vendi::{VendiVariant, vendi_score};
use diversity_collapse::pycompat::{is_py_whitespace, py_strip};
use serde::Deserialize;
use serde_json::Value;

use crate::tolerance;

fn fixture(name: &str) -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/metrics/");
    serde_json::from_str(&std::fs::read_to_string(format!("{path}{name}")).unwrap()).unwrap()
}

#[derive(Deserialize)]
struct Group {
    name: String,
    outputs: Vec<String>,
}

fn groups() -> Vec<Group> {
    serde_json::from_value(fixture("groups.json")["groups"].clone()).unwrap()
}

fn floats(value: &Value) -> Vec<f64> {
    value.as_array().unwrap().iter().map(|v| v.as_f64().unwrap_or(f64::NAN)).collect()
}

#[test]
fn ead_matches_the_reference_on_every_group_to_1e12() {
    let groups = groups();
    let reference = fixture("ead.json");
    let config = EadConfig::default();
    let wide = EadConfig { vocab_size: 100_278, ..EadConfig::default() };
    let mut per_input = Vec::new();
    let mut checked_wide = 0;
    for entry in reference["groups"].as_array().unwrap() {
        let index = entry["group"].as_u64().unwrap() as usize;
        let outputs = &groups[index].outputs;
        let score = ead(outputs, &config);
        for (n, (got, want)) in score.per_order.iter().zip(floats(&entry["ead_n"])).enumerate() {
            assert!(
                (got - want).abs() <= tolerance::EXACT_F64,
                "group {index} ({}), n={}: {got} vs {want}",
                groups[index].name,
                n + 1
            );
        }
        let want = entry["per_input"].as_f64().unwrap();
        assert!((score.mean - want).abs() <= tolerance::EXACT_F64, "group {index}: {} vs {want}", score.mean);
        per_input.push(score.mean);
        if let Some(values) = entry.get("ead_n_v100278").filter(|v| !v.is_null()) {
            let score = ead(outputs, &wide);
            for (got, want) in score.per_order.iter().zip(floats(values)) {
                assert!((got - want).abs() <= tolerance::EXACT_F64, "group {index}, V=100278");
            }
            checked_wide += 1;
        }
    }
    assert!(per_input.len() >= 100, "at least 100 prompts of real text");
    assert!(checked_wide >= 20);
    assert!((per_input_mean(&per_input) - reference["per_input_mean"].as_f64().unwrap()).abs() <= tolerance::EXACT_F64);
    assert!((per_input_std(&per_input) - reference["per_input_std"].as_f64().unwrap()).abs() <= tolerance::EXACT_F64);
    let firsts: Vec<&str> = groups.iter().filter_map(|g| g.outputs.first().map(String::as_str)).collect();
    let across = ead(&firsts, &config).mean;
    assert!(
        (across - reference["across_input"].as_f64().unwrap()).abs() <= tolerance::EXACT_F64,
        "across-input {across}"
    );
}

fn embeddings() -> (Vec<f32>, usize) {
    let bytes =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/metrics/embeddings.safetensors")).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let view = file.tensor("embeddings").unwrap();
    let dim = view.shape()[1];
    (view.data().chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect(), dim)
}

#[test]
fn sbert_and_vendi_match_the_reference_on_real_mpnet_embeddings() {
    let (data, dim) = embeddings();
    let reference = fixture("sbert_vendi.json");
    let mut worst = BTreeMap::new();
    let mut check = |label: &str, got: f64, want: f64, tolerance: f64| {
        if want.is_nan() {
            assert!(got.is_nan(), "{label}: expected NaN, got {got}");
            return;
        }
        let error = (got - want).abs();
        assert!(error <= tolerance, "{label}: {got} vs {want}");
        let entry = worst.entry(label.split(':').next().unwrap().to_owned()).or_insert(0.0f64);
        *entry = entry.max(error);
    };
    let (mut sbert_values, mut vendi_values) = (Vec::new(), Vec::new());
    let groups = reference["per_group"].as_array().unwrap();
    assert!(groups.len() >= 40);
    for entry in groups {
        let rows = floats(&entry["rows"]);
        let (start, end) = (rows[0] as usize, rows[1] as usize);
        let set = EmbeddingSet::new(&data[start * dim..end * dim], dim).unwrap();
        let name = entry["name"].as_str().unwrap();
        let sbert = sbert_diversity(set, SmallSetPolicy::Pipeline);
        let vendi = vendi_score(set, VendiVariant::Pipeline, SmallSetPolicy::Pipeline);
        check(&format!("sbert: {name}"), sbert, entry["sbert"].as_f64().unwrap(), tolerance::SBERT_VENDI_REFERENCE);
        check(&format!("vendi: {name}"), vendi, entry["vendi"].as_f64().unwrap(), tolerance::SBERT_VENDI_REFERENCE);
        let qfd_sbert = entry["qfd_sbert"].as_f64().unwrap_or(f64::NAN);
        let qfd_vendi = entry["qfd_vendi"].as_f64().unwrap_or(f64::NAN);
        check(
            &format!("qfd_sbert: {name}"),
            sbert_diversity(set, SmallSetPolicy::Nan),
            qfd_sbert,
            tolerance::SBERT_VENDI_REFERENCE,
        );
        check(
            &format!("qfd_vendi: {name}"),
            vendi_score(set, VendiVariant::QualityFiltered, SmallSetPolicy::Nan),
            qfd_vendi,
            tolerance::SBERT_VENDI_REFERENCE,
        );
        sbert_values.push(sbert);
        vendi_values.push(vendi);
    }
    let close = |a: f64, b: &Value| (a - b.as_f64().unwrap()).abs() <= tolerance::SBERT_VENDI_REFERENCE;
    assert!(close(per_input_mean(&sbert_values), &reference["sbert_per_input_mean"]));
    assert!(close(per_input_mean(&vendi_values), &reference["vendi_per_input_mean"]));
    assert!(close(per_input_std(&vendi_values), &reference["vendi_per_input_std"]));
    let across: Vec<f32> = floats(&reference["across_input_rows"])
        .iter()
        .flat_map(|&row| data[row as usize * dim..(row as usize + 1) * dim].to_vec())
        .collect();
    let set = EmbeddingSet::new(&across, dim).unwrap();
    assert!(close(sbert_diversity(set, SmallSetPolicy::Pipeline), &reference["sbert_across_input"]));
    assert!(close(
        vendi_score(set, VendiVariant::Pipeline, SmallSetPolicy::Pipeline),
        &reference["vendi_across_input"]
    ));
    println!("max abs error against the reference: {worst:?}");
}

#[test]
fn think_stripping_sentence_splitting_and_words_match_python() {
    let reference = fixture("text.json");
    let cases = reference["cases"].as_array().unwrap();
    assert!(cases.len() >= 80);
    for case in cases {
        let input = case["input"].as_str().unwrap();
        assert_eq!(strip_cot(input), case["strip_cot"].as_str().unwrap(), "strip_cot({input:?})");
        assert_eq!(strip_cot(input), case["strip_cot_qfd"].as_str().unwrap(), "QFD copy of strip_cot({input:?})");
        assert_eq!(strip_think_tags(input), case["strip_think_tags"].as_str().unwrap(), "strip_think_tags({input:?})");
        let sentences: Vec<String> = serde_json::from_value(case["split_sentences"].clone()).unwrap();
        assert_eq!(split_sentences(input), sentences, "split_sentences({input:?})");
        let words: Vec<String> = serde_json::from_value(case["ead_words"].clone()).unwrap();
        assert_eq!(ead_words(input), words, "ead words of {input:?}");
    }
    for row in reference["whitespace_table"].as_array().unwrap() {
        let c = row["char"].as_str().unwrap().chars().next().unwrap();
        assert_eq!(is_py_whitespace(c), row["str_isspace"].as_bool().unwrap(), "isspace {c:?}");
        assert_eq!(py_strip(&format!("{c}x{c}")) == "x", row["strip"].as_bool().unwrap(), "strip {c:?}");
        let sentences: Vec<String> = serde_json::from_value(row["split_sentences_after_period"].clone()).unwrap();
        assert_eq!(split_sentences(&format!("A.{c}B")), sentences, "split after period {c:?}");
    }
}

/// The fixture's deterministic stand-in for the NLI model.
struct HashScorer;

impl NliScorer for HashScorer {
    type Error = std::convert::Infallible;
    fn score(&mut self, pairs: &[(&str, &str)]) -> Result<Vec<f64>, Self::Error> {
        use sha2::{Digest, Sha256};
        Ok(pairs
            .iter()
            .map(|(premise, hypothesis)| {
                let digest = Sha256::digest(format!("{premise}\u{0}{hypothesis}").as_bytes());
                let high = u64::from_be_bytes(digest[..8].try_into().unwrap());
                high as f64 / 2f64.powi(64) * 2.0 - 1.0
            })
            .collect())
    }
}

fn check_nli_groups(per_group: &[Value], sampler: &mut SentencePairSampler, groups: &[Group]) -> Vec<f64> {
    let mut values = Vec::new();
    for entry in per_group {
        let index = entry["group"].as_u64().unwrap() as usize;
        let outputs = &groups[index].outputs;
        let sentences: Vec<Vec<String>> = outputs.iter().map(|o| split_sentences(o)).collect();
        let expected: Vec<Vec<String>> = serde_json::from_value(entry["sentences"].clone()).unwrap();
        assert_eq!(sentences, expected, "group {index}: sentences");
        // Selection is checked on a copy of the stream; the metric then consumes the original.
        let pairs: Vec<[usize; 3]> = sampler.clone().select(&sentences).into_iter().map(|p| [p.i, p.j, p.k]).collect();
        let expected_pairs: Vec<[usize; 3]> = serde_json::from_value(entry["pairs"].clone()).unwrap();
        assert_eq!(pairs, expected_pairs, "group {index}: sampled sentence pairs");
        let value = nli_diversity(outputs, sampler, &mut HashScorer).unwrap();
        let want = entry["per_input"].as_f64().unwrap();
        assert!((value - want).abs() <= tolerance::EXACT_F64, "group {index}: {value} vs {want}");
        values.push(value);
    }
    values
}

#[test]
fn nli_selects_the_same_sentence_pairs_as_the_reference() {
    let groups = groups();
    let reference = fixture("nli_pairs.json");
    let mut sampler = SentencePairSampler::default();
    let per_input = &reference["per_input_only"];
    let values = check_nli_groups(per_input["per_group"].as_array().unwrap(), &mut sampler, &groups);
    assert!((per_input_mean(&values) - per_input["per_input_mean"].as_f64().unwrap()).abs() <= tolerance::EXACT_F64);

    // The reference's order in `compute_diversity`: across-input first, on the same stream.
    let run = &reference["across_then_per_input"];
    let mut sampler = SentencePairSampler::default();
    let texts: Vec<String> = serde_json::from_value(run["across_input"]["texts"].clone()).unwrap();
    let across = nli_diversity(&texts, &mut sampler, &mut HashScorer).unwrap();
    assert!(
        (across - run["across_input"]["value"].as_f64().unwrap()).abs() <= tolerance::EXACT_F64,
        "across-input {across}"
    );
    check_nli_groups(run["per_group"].as_array().unwrap(), &mut sampler, &groups);
}
