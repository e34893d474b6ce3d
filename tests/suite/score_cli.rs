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

#[test]
fn on_trace_scores_the_think_spans_and_trace_columns_sit_beside_the_answers() {
    use diversity_collapse::metrics::ead::{EadConfig, ead};
    use diversity_collapse::metrics::per_prompt::read_scores;
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run.jsonl");
    let mut file = std::fs::File::create(&run).unwrap();
    let traces = [
        ["Cara has 6. She adds 3.", "Start at 6, count up 3.", "6 plus 3 is 9."],
        ["Double 4 is 8.", "Double 4 is 8.", "Two fours make eight."],
    ];
    for (p, spans) in traces.iter().enumerate() {
        let answers = ["The answer is 9.", "9", "Answer: 9"];
        let mut raw: Vec<String> = spans.iter().zip(answers).map(|(t, a)| format!("{t}</think>\n{a}")).collect();
        raw.push("An answer without a trace.".into());
        let outputs: Vec<String> =
            answers.iter().map(|a| a.to_string()).chain(["An answer without a trace.".into()]).collect();
        let record = serde_json::json!({"input_id": p, "outputs": outputs, "raw_outputs": raw, "task": "lab_sums"});
        writeln!(file, "{record}").unwrap();
    }
    drop(file);
    let score = |run: &std::path::Path, out: &std::path::Path, extra: &[&str]| {
        let mut args = vec!["score", "--generations", run.to_str().unwrap(), "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        let output = divcollapse(&args);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        read_scores(out).unwrap()
    };
    let on_trace = score(&run, &dir.path().join("trace.jsonl"), &["--metrics", "ead,distinct", "--on", "trace"]);
    let beside = score(&run, &dir.path().join("answer.jsonl"), &["--metrics", "ead,trace_ead"]);
    for (p, spans) in traces.iter().enumerate() {
        let spans: Vec<String> = spans.iter().map(|s| s.to_string()).collect();
        let want = ead(&spans, &EadConfig::default()).mean;
        assert_eq!(on_trace[p].n_outputs, 3, "the output without a trace is left out");
        assert!((on_trace[p].ead.unwrap() - want).abs() <= tolerance::EXACT_F64);
        assert!((beside[p].extended["trace_ead"].unwrap() - want).abs() <= tolerance::EXACT_F64);
        assert_eq!(beside[p].n_outputs, 4);
        assert!(on_trace[p].extended.contains_key("distinct_2"));
    }
    // A file without raw outputs cannot be scored on traces; its trace columns are empty.
    let plain = dir.path().join("plain.jsonl");
    std::fs::write(&plain, "{\"input_id\": 0, \"outputs\": [\"a\", \"b\"], \"task\": \"t\"}\n").unwrap();
    let output = divcollapse(&[
        "score",
        "--generations",
        plain.to_str().unwrap(),
        "--metrics",
        "ead",
        "--on",
        "trace",
        "--out",
        dir.path().join("y.jsonl").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success() && stderr.contains("plain.jsonl:1: no `raw_outputs`"), "{stderr}");
    let rows = score(&plain, &dir.path().join("plain_scores.jsonl"), &["--metrics", "ead,trace_ead"]);
    assert_eq!(rows[0].extended["trace_ead"], None);
    // raw_outputs that do not pair with the outputs name the line.
    std::fs::write(&plain, "{\"input_id\": 0, \"outputs\": [\"a\", \"b\"], \"raw_outputs\": [\"a\"]}\n").unwrap();
    let output = divcollapse(&[
        "score",
        "--generations",
        plain.to_str().unwrap(),
        "--metrics",
        "ead",
        "--out",
        dir.path().join("x.jsonl").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success()
            && stderr.contains("plain.jsonl:1")
            && stderr.contains("1 `raw_outputs` for 2 outputs"),
        "{stderr}"
    );
}

/// `compare`: two `score` runs of the same prompts (one sampled "hot", one "cold"),
/// metric by metric, paired over the prompts both have (the paper's Table 17).
#[test]
fn compare_pairs_two_score_tables_over_their_shared_prompts() {
    let dir = tempfile::tempdir().unwrap();
    let write_run = |name: &str, prompts: usize, variety: usize| {
        let path = dir.path().join(format!("{name}.jsonl"));
        let mut file = std::fs::File::create(&path).unwrap();
        for p in 0..prompts {
            let outputs: Vec<String> = (0..4)
                .map(|k| format!("answer {} to question {p} with words {}", k % variety, "x ".repeat(k)))
                .collect();
            writeln!(
                file,
                "{}",
                serde_json::json!({"input_id": p, "prompt": p.to_string(), "outputs": outputs, "task": "t|0"})
            )
            .unwrap();
        }
        path
    };
    let score = |run: &std::path::Path, out: &str| {
        let out = dir.path().join(out);
        let args =
            ["score", "--generations", run.to_str().unwrap(), "--metrics", "ead", "--out", out.to_str().unwrap()];
        let output = divcollapse(&args);
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        out
    };
    // The hot run has one prompt more, which the comparison leaves out.
    let hot = score(&write_run("hot", 6, 4), "hot.csv");
    let cold = score(&write_run("cold", 5, 1), "cold.csv");
    let table = dir.path().join("table17.csv");
    let args =
        ["compare", "--scores", cold.to_str().unwrap(), "--baseline", hot.to_str().unwrap(), "--bootstrap", "300"];
    let output = divcollapse(&[&args[..], &["--out", table.to_str().unwrap()]].concat());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let ead_of = |path: &std::path::Path| -> Vec<f64> {
        let text = std::fs::read_to_string(path).unwrap();
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let at = header.iter().position(|h| *h == "ead").unwrap();
        text.lines().skip(1).take(5).map(|l| l.split(',').nth(at).unwrap().parse().unwrap()).collect()
    };
    let (hot_ead, cold_ead) = (ead_of(&hot), ead_of(&cold));
    let (hot_mean, cold_mean) = (hot_ead.iter().sum::<f64>() / 5.0, cold_ead.iter().sum::<f64>() / 5.0);
    let csv = std::fs::read_to_string(&table).unwrap();
    let row: Vec<f64> = csv
        .lines()
        .find(|l| l.starts_with("t,ead,5,"))
        .unwrap_or_else(|| panic!("{csv}"))
        .split(',')
        .skip(3)
        .map(|v| v.parse().unwrap())
        .collect();
    assert!((row[0] - hot_mean).abs() < 1e-12 && (row[3] - cold_mean).abs() < 1e-12, "{csv}");
    assert!((row[9] - (cold_mean - hot_mean) / hot_mean * 100.0).abs() < 1e-9, "{csv}");
    assert!(row[10] <= row[9] && row[9] <= row[11], "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("t,mean_words,5,")), "{csv}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("| t | ead | 5 |"));

    // Tables of different prompts are a clear error.
    let other = dir.path().join("other.jsonl");
    std::fs::write(
        &other,
        "{\"input_id\": \"z\", \"prompt\": \"z\", \"outputs\": [\"a b\", \"c d\"], \"task\": \"t|0\"}\n",
    )
    .unwrap();
    let other = score(&other, "other.csv");
    let output = divcollapse(&["compare", "--scores", other.to_str().unwrap(), "--baseline", hot.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success() && stderr.contains("no task and metric in common over shared prompts"),
        "{stderr}"
    );
}
