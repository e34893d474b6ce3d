//! `divcollapse score`: the CLI contract on the metric fixtures (reference values from the
//! authors' code, tests/golden/metrics/), and clear errors on malformed input.

use std::io::Write;
use std::process::Command;

use serde_json::Value;

use crate::tolerance;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/golden/metrics/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn divcollapse(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_divcollapse")).args(args).output().unwrap()
}

#[test]
fn score_writes_per_prompt_ead_and_the_reference_summary() {
    let groups = fixture("groups.json");
    let reference = fixture("ead.json");
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("gens.jsonl");
    let mut file = std::fs::File::create(&input).unwrap();
    for (i, group) in groups["groups"].as_array().unwrap().iter().enumerate() {
        let record =
            serde_json::json!({"input_id": i, "prompt": group["name"], "outputs": group["outputs"], "task": "t|0"});
        writeln!(file, "{record}").unwrap();
    }
    drop(file);
    let out = dir.path().join("scores.jsonl");
    let summary = dir.path().join("summary.json");
    let output = divcollapse(&[
        "score",
        "--generations",
        input.to_str().unwrap(),
        "--metrics",
        "ead",
        "--model-name",
        "m",
        "--out",
        out.to_str().unwrap(),
        "--summary",
        summary.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let rows: Vec<Value> =
        std::fs::read_to_string(&out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let expected = reference["groups"].as_array().unwrap();
    assert_eq!(rows.len(), expected.len());
    for (row, want) in rows.iter().zip(expected) {
        assert_eq!(row["model"], "m");
        assert_eq!(row["task"], "t");
        let got = row["ead"].as_f64().unwrap();
        assert!((got - want["per_input"].as_f64().unwrap()).abs() <= tolerance::EXACT_F64, "{row}");
        assert!((row["ead_3"].as_f64().unwrap() - want["ead_n"][2].as_f64().unwrap()).abs() <= tolerance::EXACT_F64);
        assert!(row["sbert"].is_null() && row["nli"].is_null());
    }
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    let mean = summary["metrics"]["EAD"]["per_input_mean"].as_f64().unwrap();
    let std = summary["metrics"]["EAD"]["per_input_std"].as_f64().unwrap();
    assert!((mean - reference["per_input_mean"].as_f64().unwrap()).abs() <= tolerance::EXACT_F64);
    assert!((std - reference["per_input_std"].as_f64().unwrap()).abs() <= tolerance::EXACT_F64);
    assert_eq!(summary["skipped_bad_lines"], 0);

    // The same table as CSV and parquet.
    for extension in ["csv", "parquet"] {
        let table = dir.path().join(format!("scores.{extension}"));
        let output = divcollapse(&[
            "score",
            "--generations",
            input.to_str().unwrap(),
            "--metrics",
            "ead",
            "--out",
            table.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(std::fs::metadata(&table).unwrap().len() > 1000);
    }
    let csv = std::fs::read_to_string(dir.path().join("scores.csv")).unwrap();
    assert!(csv.starts_with("model,task,input_id,n_outputs,ead,ead_1,ead_2,ead_3,ead_4,ead_5,sbert,vendi,nli"));
}

#[test]
fn malformed_files_name_the_line_and_can_be_skipped_with_a_count() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.jsonl");
    let mut bytes =
        b"{\"input_id\": 1, \"outputs\": [\"a b c\", \"d e\"]}\n{\"input_id\": 2, \"outputs\": \"x\"}\n".to_vec();
    bytes.extend_from_slice(b"{\"input_id\": 3, \"outputs\": [\"\xff\"]}\n{broken\n{\"input_id\": 4}\n");
    bytes.extend_from_slice(b"{\"input_id\": 5, \"outputs\": [\"ok\"]}\n{\"input_id\": 6, \"outp");
    std::fs::write(&input, bytes).unwrap();
    let out = dir.path().join("s.csv");
    let output = divcollapse(&[
        "score",
        "--generations",
        input.to_str().unwrap(),
        "--metrics",
        "ead",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.jsonl:2") && stderr.contains("not a list"), "{stderr}");

    let summary = dir.path().join("s.json");
    let output = divcollapse(&[
        "score",
        "--generations",
        input.to_str().unwrap(),
        "--metrics",
        "ead",
        "--skip-bad-lines",
        "--out",
        out.to_str().unwrap(),
        "--summary",
        summary.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(summary["n_prompts"], 2);
    assert_eq!(summary["skipped_bad_lines"], 4);
    assert_eq!(summary["torn_last_line"], 7);
    let lines: Vec<&str> = summary["bad_lines"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    for (line, needle) in lines.iter().zip([":2:", ":3: not UTF-8", ":4: invalid JSON", ":5: no outputs"]) {
        assert!(line.contains(needle), "{line} lacks {needle}");
    }
}
