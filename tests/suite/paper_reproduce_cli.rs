//! `divcollapse paper reproduce --out DIR`: the CLI contract and the numbers.
//!
//! The expected values are recomputed here straight from the shipped CSV with the
//! definitions of methodology §4.2, independently of the library's polars path.

use std::collections::HashMap;
use std::process::Command;

use crate::tolerance;

const QUANTITIES: [&str; 9] = [
    "think_sft",
    "think_dpo",
    "think_rl",
    "think_retain",
    "instruct_sft",
    "instruct_dpo",
    "instruct_rl",
    "instruct_retain",
    "rlzero_retain",
];

fn sbert_table() -> (Vec<String>, HashMap<(String, String), f64>) {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/paper/paper_tables.csv")).unwrap();
    let mut tasks = Vec::new();
    let mut values = HashMap::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        if fields[0] == "3" && fields[3] == "sbert_per_input_mean" {
            if !tasks.iter().any(|t| t == fields[2]) {
                tasks.push(fields[2].to_owned());
            }
            values.insert((fields[1].to_owned(), fields[2].to_owned()), fields[4].parse::<f64>().unwrap());
        }
    }
    (tasks, values)
}

fn expected(task: &str, quantity: &str, d: &HashMap<(String, String), f64>) -> f64 {
    let v = |model: &str| d[&(model.to_owned(), task.to_owned())];
    let base = v("Base");
    match quantity {
        "think_sft" => (v("Think-SFT") - base) / base * 100.0,
        "think_dpo" => (v("Think-DPO") - v("Think-SFT")) / base * 100.0,
        "think_rl" => (v("Think") - v("Think-DPO")) / base * 100.0,
        "think_retain" => v("Think") / base * 100.0,
        "instruct_sft" => (v("Instruct-SFT") - base) / base * 100.0,
        "instruct_dpo" => (v("Instruct-DPO") - v("Instruct-SFT")) / base * 100.0,
        "instruct_rl" => (v("Instruct") - v("Instruct-DPO")) / base * 100.0,
        "instruct_retain" => v("Instruct") / base * 100.0,
        "rlzero_retain" => {
            let variants =
                ["RL-Zero-Math", "RL-Zero-Code", "RL-Zero-IF", "RL-Zero-General", "RL-Zero-Math3.1", "RL-Zero-Code3.1"];
            variants.iter().map(|m| v(m) / base * 100.0).sum::<f64>() / 6.0
        }
        other => panic!("unknown quantity {other}"),
    }
}

#[test]
fn paper_reproduce_writes_the_stage_attribution_contract() {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
        .args(["paper", "reproduce", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));

    let csv = std::fs::read_to_string(out.path().join("stage_attribution.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("task,quantity,value"));
    let mut got: HashMap<(String, String), f64> = HashMap::new();
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), 3, "{line}");
        let previous = got.insert((fields[0].to_owned(), fields[1].to_owned()), fields[2].parse().unwrap());
        assert!(previous.is_none(), "duplicate row {line}");
    }

    let (tasks, table) = sbert_table();
    assert_eq!(tasks.len(), 15);
    assert_eq!(got.len(), (tasks.len() + 1) * QUANTITIES.len());
    for quantity in QUANTITIES {
        let mut sum = 0.0;
        for task in &tasks {
            let want = expected(task, quantity, &table);
            let have = got[&(task.clone(), quantity.to_owned())];
            assert!((have - want).abs() < tolerance::PARITY_F64, "{task}/{quantity}: {have} vs {want}");
            sum += want;
        }
        let average = got[&("average".to_owned(), quantity.to_owned())];
        assert!((average - sum / tasks.len() as f64).abs() < tolerance::PARITY_F64, "average/{quantity}");
    }
    // The identity of the convention: SFT + DPO + RL = retain − 100, per task.
    for task in tasks.iter().map(String::as_str).chain(["average"]) {
        for lineage in ["think", "instruct"] {
            let g = |s: &str| got[&(task.to_owned(), format!("{lineage}_{s}"))];
            assert!(
                (g("sft") + g("dpo") + g("rl") - (g("retain") - 100.0)).abs() < tolerance::STAGE_ATTRIBUTION_IDENTITY,
                "{task}/{lineage}"
            );
        }
    }
    let figures =
        ["stage_attribution", "diversity_stages", "decomposition", "accuracy_vs_majority_gain", "nli_per_task"];
    let files = figures.iter().flat_map(|f| [format!("{f}.png"), format!("{f}.svg")]);
    for file in files.chain(["stage_attribution.md".to_owned(), "provenance.json".to_owned()]) {
        let file = file.as_str();
        let meta = std::fs::metadata(out.path().join(file)).unwrap_or_else(|_| panic!("{file} missing"));
        assert!(meta.len() > 100, "{file} is nearly empty");
    }
}

#[test]
fn paper_reproduce_is_byte_identical_across_runs() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    for dir in [&first, &second] {
        let status = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
            .args(["paper", "reproduce", "--out"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success());
    }
    for file in [
        "stage_attribution.csv",
        "stage_attribution.md",
        "provenance.json",
        "stage_attribution.svg",
        "diversity_stages.svg",
        "decomposition.svg",
        "accuracy_vs_majority_gain.svg",
        "nli_per_task.svg",
    ] {
        let a = std::fs::read(first.path().join(file)).unwrap();
        let b = std::fs::read(second.path().join(file)).unwrap();
        assert!(a == b, "{file} differs between runs");
    }
}
