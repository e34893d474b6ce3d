//! The across-input and overall samples and `diversity_results.json` against the
//! reference: numpy's legacy `np.random.choice` (tests/golden/numpy_random/) and the
//! reference's `compute_diversity` EAD payload on 600 and 40 prompts
//! (tests/golden/diversity_results/), each fixture with its generator script.

use std::process::Command;

use diversity_collapse::pycompat::NumpyLegacyRandom;
use serde_json::Value;

fn golden(path: &str) -> Value {
    let path = format!("{}/tests/golden/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn usizes(value: &Value) -> Vec<usize> {
    value.as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect()
}

#[test]
fn legacy_mt19937_and_choice_equal_numpy() {
    let fixture = golden("numpy_random/choice.json");
    let raw = &fixture["mt19937_raw"];
    let mut rng = NumpyLegacyRandom::new(raw["seed"].as_u64().unwrap() as u32);
    let ours: Vec<u64> = (0..raw["u32"].as_array().unwrap().len()).map(|_| u64::from(rng.next_u32())).collect();
    assert_eq!(ours, raw["u32"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect::<Vec<_>>());
    for case in fixture["cases"].as_array().unwrap() {
        let mut rng = NumpyLegacyRandom::new(case["seed"].as_u64().unwrap() as u32);
        for (index, call) in case["calls"].as_array().unwrap().iter().enumerate() {
            let (population, size) =
                (call["population"].as_u64().unwrap() as usize, call["size"].as_u64().unwrap() as usize);
            let indices = rng.choice_without_replacement(population, size).unwrap();
            assert_eq!(indices, usizes(&call["indices"]), "seed {} call {index}", case["seed"]);
        }
        if let Some(permutation) = case.get("permutation_2400") {
            let mut fresh = NumpyLegacyRandom::new(case["seed"].as_u64().unwrap() as u32);
            assert_eq!(fresh.permutation(2400), usizes(permutation));
        }
    }
}

#[test]
fn score_writes_the_reference_diversity_results_payload() {
    for set in ["large", "small"] {
        let expected = golden(&format!("diversity_results/{set}/expected.json"));
        let dir = tempfile::tempdir().unwrap();
        let results = dir.path().join("diversity_results.json");
        let generations =
            format!("{}/tests/golden/diversity_results/{set}/generations.jsonl", env!("CARGO_MANIFEST_DIR"));
        let output = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
            .args(["score", "--generations", &generations, "--metrics", "ead", "--model-name", "toy", "--out"])
            .arg(dir.path().join("scores.csv"))
            .arg("--diversity-results")
            .arg(&results)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let ours: Value = serde_json::from_str(&std::fs::read_to_string(&results).unwrap()).unwrap();
        let ours = &ours.as_array().unwrap()[0];
        assert_eq!(ours["model_name"], expected["model_name"]);
        assert_eq!(ours["N"], expected["N"]);
        assert_eq!(ours["K"], expected["K"]);
        assert_eq!(ours["task"], "toy_diversity");
        // Rounded to 6 decimals on both sides: equal as numbers.
        assert_eq!(ours["metrics"]["EAD"], expected["metrics"]["EAD"], "{set}");
    }
}
