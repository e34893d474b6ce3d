//! `divcollapse correctness`: the CLI contract on real task data (GSM8K and TruthfulQA
//! from the assets): one labels line per prompt, linking by id and by prompt text.

use std::fmt::Write as _;
use std::process::Command;

use diversity_collapse::tasks::{load_task, task};
use serde_json::{Value, json};

fn divcollapse(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_divcollapse")).args(args).output().unwrap()
}

#[test]
fn gsm8k_and_truthfulqa_outputs_are_labelled_per_prompt() {
    let dir = tempfile::tempdir().unwrap();
    // GSM8K: output 0 repeats the gold rationale, output 1 is wrong, output 2 gives no
    // number, output 3 boxes the gold. The last record links by prompt text only.
    let documents = load_task(task("gsm8k").unwrap(), None, Some(5)).unwrap();
    let mut generations = String::new();
    for (i, document) in documents.iter().enumerate() {
        let answer = document.doc["answer"].as_str().unwrap();
        let gold = answer.rsplit("#### ").next().unwrap().trim().replace(',', "");
        let outputs = [
            answer.to_owned(),
            "#### -987654".to_owned(),
            "I am not sure.".to_owned(),
            format!("so \\boxed{{{gold}}}"),
        ];
        let id = if i == 4 { "unknown-id".to_owned() } else { document.input_id.clone() };
        writeln!(
            generations,
            "{}",
            json!({"input_id": id, "prompt": document.prompt, "outputs": outputs, "task": "gsm8k_diversity|0"})
        )
        .unwrap();
    }
    let input = dir.path().join("gsm8k.jsonl");
    std::fs::write(&input, generations).unwrap();
    let out = dir.path().join("labels.jsonl");
    let output = divcollapse(&[
        "correctness",
        "--task",
        "gsm8k",
        "--generations",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<Value> =
        std::fs::read_to_string(&out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 5);
    for (line, document) in lines.iter().zip(&documents) {
        assert_eq!(line["input_id"], document.input_id.as_str());
        assert_eq!(line["labels"], json!([true, false, false, true]), "{line}");
        assert_eq!(line["details"][2]["answer"], Value::Null);
        assert_eq!(line["majority_vote"], true, "the gold answer has 2 of the 4 votes, the others 1 each");
    }
    assert!(String::from_utf8_lossy(&output.stderr).contains("accuracy@1 1.0000"));

    // TruthfulQA: a correct answer, a string unrelated to any answer, an empty output.
    let documents = load_task(task("truthfulqa").unwrap(), None, Some(3)).unwrap();
    let mut generations = String::new();
    for document in &documents {
        let correct = document.doc["answer"][0].as_str().unwrap();
        let outputs = [format!("I think: {correct}."), "Zqxj vbnm wertyuiop.".to_owned(), "   ".to_owned()];
        writeln!(
            generations,
            "{}",
            json!({"input_id": document.input_id, "prompt": document.prompt, "outputs": outputs})
        )
        .unwrap();
    }
    let input = dir.path().join("truthfulqa.jsonl");
    std::fs::write(&input, generations).unwrap();
    let output = divcollapse(&[
        "correctness",
        "--task",
        "truthfulqa",
        "--generations",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for line in std::fs::read_to_string(&out).unwrap().lines() {
        let line: Value = serde_json::from_str(line).unwrap();
        assert_eq!(line["labels"], json!([true, false, false]), "{line}");
    }
}

#[test]
fn unavailable_checkers_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("g.jsonl");
    std::fs::write(&input, "{\"input_id\": 1, \"prompt\": \"p\", \"outputs\": [\"a\"]}\n").unwrap();
    let out = dir.path().join("labels.jsonl");
    for (args, message) in [
        (vec!["--task", "ifeval"], "the ifeval checker in Paper mode is not available in this version"),
        (vec!["--task", "gsm8k", "--mode", "corrected"], "in Corrected mode is not available"),
        (vec!["--task", "alpaca"], "judged by an LLM"),
        (vec!["--task", "nope"], "unknown task"),
    ] {
        let mut all = vec!["correctness", "--generations", input.to_str().unwrap(), "--out", out.to_str().unwrap()];
        all.extend(args);
        let output = divcollapse(&all);
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{stderr}");
    }
}

#[test]
fn humaneval_outputs_run_in_the_sandbox() {
    let _serial = crate::sandbox_serial();
    let dir = tempfile::tempdir().unwrap();
    let documents = load_task(task("humaneval").unwrap(), None, Some(3)).unwrap();
    let mut generations = String::new();
    for document in &documents {
        let doc = &document.doc;
        let entry = doc["entry_point"].as_str().unwrap();
        let standalone = format!(
            "Here is my solution:\n```python\n{}{}\n```\nDone.",
            doc["prompt"].as_str().unwrap(),
            doc["canonical_solution"].as_str().unwrap()
        );
        let outputs = [
            doc["canonical_solution"].as_str().unwrap().to_owned(),
            format!("    raise ValueError('{entry}')\n"),
            standalone,
        ];
        writeln!(
            generations,
            "{}",
            json!({"input_id": document.input_id, "prompt": document.prompt, "outputs": outputs})
        )
        .unwrap();
    }
    let input = dir.path().join("humaneval.jsonl");
    std::fs::write(&input, generations).unwrap();
    let out = dir.path().join("labels.jsonl");
    let output = divcollapse(&[
        "correctness",
        "--task",
        "humaneval",
        "--generations",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<Value> =
        std::fs::read_to_string(&out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    for line in &lines {
        assert_eq!(line["labels"], json!([true, false, true]), "{line}");
        assert_eq!(line["details"][1]["outcome"]["outcome"], "failed");
        assert_eq!(line["majority_vote"], Value::Null);
    }
    assert!(String::from_utf8_lossy(&output.stderr).contains("pass@1 0.6667"));
}
