//! RoBERTa sequence classification (the NLI model) against transformers 4.57.6 on a tiny
//! random checkpoint with a shuffled `id2label`. Fixtures: tests/golden/roberta_nli/.
//!
//! Tolerances: token ids exact; probabilities [`tolerance::ROBERTA_NLI_PROBABILITY`];
//! weighted scores [`tolerance::ROBERTA_NLI_SCORE`]. The fixture uses
//! `max_length` 64 so that `longest_first` truncation is exercised (the study uses 512).

use std::path::{Path, PathBuf};

use diversity_collapse::device::Cpu;
use diversity_collapse::encoders::roberta::{NliLabel, NliModel};
use diversity_collapse::metrics::nli::NliScorer;
use serde_json::Value;

use crate::tolerance;

fn golden(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/roberta_nli").join(path)
}

fn json(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(golden(path)).unwrap()).unwrap()
}

#[test]
fn nli_probabilities_match_transformers_with_truncation_and_shuffled_labels() {
    let pairs_json = json("pairs.json");
    let expected = json("expected.json");
    let max_length = expected["max_length"].as_u64().unwrap() as usize;
    let batch = expected["batch_size"].as_u64().unwrap() as usize;
    let mut model = NliModel::<Cpu>::load(&golden("model"), max_length, batch, &Default::default()).unwrap();
    assert_eq!(model.labels(), [NliLabel::Neutral, NliLabel::Entailment, NliLabel::Contradiction]);
    let pairs: Vec<(String, String)> = pairs_json["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["premise"].as_str().unwrap().to_owned(), p["hypothesis"].as_str().unwrap().to_owned()))
        .collect();
    assert!(pairs.len() >= 40);
    let wanted = expected["pairs"].as_array().unwrap();
    let mut truncated = 0;
    for ((premise, hypothesis), want) in pairs.iter().zip(wanted) {
        let ids: Vec<u64> = want["input_ids"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        let got: Vec<u64> = model.pair_ids(premise, hypothesis).unwrap().into_iter().map(u64::from).collect();
        assert_eq!(got, ids, "ids of ({premise:?}, {hypothesis:?})");
        truncated += usize::from(
            want["premise_tokens_kept"] != want["premise_tokens"]
                || want["hypothesis_tokens_kept"] != want["hypothesis_tokens"],
        );
    }
    assert!(truncated >= 10, "the fixture exercises truncation");
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(p, h)| (p.as_str(), h.as_str())).collect();
    let probabilities = model.probabilities(&borrowed).unwrap();
    let scores = model.score(&borrowed).unwrap();
    let mut worst = (0.0f32, 0.0f64);
    for ((row, score), want) in probabilities.iter().zip(&scores).zip(wanted) {
        for (p, w) in row.iter().zip(want["probs"].as_array().unwrap()) {
            worst.0 = worst.0.max((p - w.as_f64().unwrap() as f32).abs());
        }
        worst.1 = worst.1.max((score - want["weighted_score"].as_f64().unwrap()).abs());
    }
    println!("max |Δp| {:.2e}, max |Δscore| {:.2e}", worst.0, worst.1);
    // f32 throughout; the matmul kernels' accumulation order depends on the CPU's SIMD
    // width, which moves probabilities by up to about 1e-5 between machines.
    assert!(worst.0 < tolerance::ROBERTA_NLI_PROBABILITY && worst.1 < tolerance::ROBERTA_NLI_SCORE, "{worst:?}");
    // One pair alone gives what it gets inside a padded batch.
    let alone = model.probabilities(&borrowed[5..6]).unwrap();
    let error = alone[0].iter().zip(&probabilities[5]).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(error < tolerance::ROBERTA_NLI_BATCHING, "{error}");
}

#[test]
fn an_nli_folder_with_unusable_labels_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(golden("model")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let config = std::fs::read_to_string(dir.path().join("config.json")).unwrap();
    std::fs::write(dir.path().join("config.json"), config.replace("\"CONTRADICTION\"", "\"NEUTRAL\"")).unwrap();
    let error = NliModel::<Cpu>::load(dir.path(), 64, 16, &Default::default()).err().unwrap().to_string();
    assert!(error.contains("id2label"), "{error}");
}

#[test]
fn a_max_length_beyond_the_position_table_truncates_to_the_table() {
    // The fixture model has 80 positions and padding index 1: 78 tokens fit.
    let long = "The lighthouse keeper climbs the stairs and lights the lamp every night. ".repeat(20);
    let mut capped = NliModel::<Cpu>::load(&golden("model"), 512, 4, &Default::default()).unwrap();
    let mut exact = NliModel::<Cpu>::load(&golden("model"), 78, 4, &Default::default()).unwrap();
    assert_eq!(capped.pair_ids(&long, &long).unwrap().len(), 78);
    assert_eq!(capped.pair_ids(&long, &long).unwrap(), exact.pair_ids(&long, &long).unwrap());
    let pairs = [(long.as_str(), long.as_str()), ("A short premise.", "A short hypothesis.")];
    assert_eq!(capped.score(&pairs).unwrap(), exact.score(&pairs).unwrap());
}
