//! `divcollapse qfd`: the CLI contract on a per-prompt table in the reference schema,
//! with expected values computed by pandas with the reference's aggregation
//! (tests/golden/qfd/, generator script beside it).

use std::process::Command;

use serde_json::Value;

use crate::tolerance;

fn golden(name: &str) -> String {
    format!("{}/tests/golden/qfd/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn divcollapse(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_divcollapse")).args(args).output().unwrap()
}

fn record<'a>(records: &'a [Value], model: &str, task: &str) -> &'a Value {
    records
        .iter()
        .find(|r| r["model"] == model && r["task"] == task)
        .unwrap_or_else(|| panic!("no record for {model} / {task}"))
}

fn close(actual: &Value, expected: &Value, what: &str) {
    let (a, e) = (actual.as_f64().unwrap(), expected.as_f64().unwrap());
    assert!((a - e).abs() <= tolerance::EXACT_RELATIVE_F64 * e.abs().max(1.0), "{what}: {a} vs {e}");
}

#[test]
fn qfd_reproduces_the_reference_summary_and_the_matched_decomposition() {
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(golden("expected.json")).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("qfd.json");
    let csv = golden("qfd_per_prompt.csv");
    let output = divcollapse(&[
        "qfd",
        "--per-prompt",
        &csv,
        "--base",
        "Base",
        "--bootstrap",
        "2000",
        "--seed",
        "0",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let records: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(records.len(), 6, "3 models x 2 tasks");

    for summary in expected["summary"].as_array().unwrap() {
        let (model, task) = (summary["model"].as_str().unwrap(), summary["task"].as_str().unwrap());
        let ours = record(&records, model, task);
        for field in ["accuracy_at_1", "mean_k_correct", "d_all_sbert", "d_correct_sbert", "d_correct_vendi"] {
            close(&ours[field], &summary[field], &format!("{model}/{task} {field}"));
            let (low, high) =
                (ours[format!("{field}_ci_low")].as_f64().unwrap(), ours[format!("{field}_ci_high")].as_f64().unwrap());
            let estimate = ours[field].as_f64().unwrap();
            assert!(low < estimate && estimate < high, "{model}/{task} {field}: [{low}, {high}] around {estimate}");
        }
        assert_eq!(ours["n_computable"], summary["n_computable"], "{model}/{task}");
        assert_eq!(ours["n_total"], summary["n_total"], "{model}/{task}");
        if model == "Base" {
            assert!(ours.get("delta_all").is_none(), "the base has no decomposition against itself");
        }
    }
    for matched in expected["matched"].as_array().unwrap() {
        let (model, task) = (matched["model"].as_str().unwrap(), matched["task"].as_str().unwrap());
        let ours = record(&records, model, task);
        assert_eq!(ours["n_matched"], matched["n_matched"], "{model}/{task}");
        for field in ["delta_all", "residual", "quality_control", "genuine_share"] {
            close(&ours[field], &matched[field], &format!("{model}/{task} {field}"));
            let (low, high) =
                (ours[format!("{field}_ci_low")].as_f64().unwrap(), ours[format!("{field}_ci_high")].as_f64().unwrap());
            assert!(low <= high && high - low > 0.0, "{model}/{task} {field}");
        }
        assert_eq!(ours["genuine_share_defined"], true, "{model}/{task}: the synthetic loss is clear");
    }
    for paper in expected["paper_share"].as_array().unwrap() {
        let ours = record(&records, paper["model"].as_str().unwrap(), paper["task"].as_str().unwrap());
        close(&ours["paper_genuine_share"], &paper["share"], "paper_genuine_share");
    }
    let provenance: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("qfd.provenance.json")).unwrap()).unwrap();
    assert_eq!(provenance["parameters"]["bootstrap_resamples"], "2000");
    assert_eq!(provenance["parameters"]["base"], "Base");
}

#[test]
fn same_seed_same_intervals_and_an_unknown_base_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let csv = golden("qfd_per_prompt.csv");
    let run = |name: &str| {
        let out = dir.path().join(name);
        let output = divcollapse(&[
            "qfd",
            "--per-prompt",
            &csv,
            "--base",
            "Base",
            "--bootstrap",
            "500",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        std::fs::read_to_string(out).unwrap()
    };
    assert_eq!(run("a.json"), run("b.json"));
    let output = divcollapse(&[
        "qfd",
        "--per-prompt",
        &csv,
        "--base",
        "Olmo",
        "--out",
        dir.path().join("c.json").to_str().unwrap(),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--base `Olmo` is not a model of the table (models: Base, SFT, RL)"), "{stderr}");
}
