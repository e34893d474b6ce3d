//! lighteval details parquet (written by pyarrow; tests/golden/lighteval_details/ with
//! its generator script): documents in row order, ids and queries from the `doc`
//! struct, raw outputs think-stripped exactly as the reference's `_strip_cot` does.

use std::process::Command;

use diversity_collapse::data::details::read_details;
use serde_json::Value;

fn folder() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/lighteval_details")
}

#[test]
fn details_rows_equal_the_reference_reading() {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(folder().join("expected.json")).unwrap()).unwrap();
    let path = folder().join(expected["parquet_file"].as_str().unwrap());
    let records = read_details(&path).unwrap();
    let rows = expected["rows"].as_array().unwrap();
    assert_eq!(records.len(), rows.len());
    for (record, row) in records.iter().zip(rows) {
        assert_eq!(record.input_id, row["id"].as_str().unwrap());
        assert_eq!(record.prompt.as_deref(), row["query"].as_str());
        assert_eq!(record.task, "gsm8k_diversity");
        let outputs: Vec<&str> = row["outputs"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(record.outputs, outputs, "row {}", record.input_id);
    }
}

#[test]
fn score_reads_a_details_parquet_and_a_bad_file_is_a_clear_error() {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(folder().join("expected.json")).unwrap()).unwrap();
    let path = folder().join(expected["parquet_file"].as_str().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scores.jsonl");
    let output = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
        .args(["score", "--metrics", "ead", "--generations"])
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), expected["rows"].as_array().unwrap().len());

    let bad = dir.path().join("details_x|0_2025.parquet");
    std::fs::write(&bad, b"not parquet").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
        .args(["score", "--metrics", "ead", "--generations"])
        .arg(&bad)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot read lighteval details parquet"), "{stderr}");
}
