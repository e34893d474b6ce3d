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
    let summary = dir.path().join("quality.csv");
    let output = divcollapse(&[
        "correctness",
        "--task",
        "gsm8k",
        "--generations",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--summary",
        summary.to_str().unwrap(),
        "--bootstrap",
        "200",
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
    // The summary: all 5 prompts (the unknown id links by its prompt), K = 4,
    // every rate with its interval; pass@1 = 2/4 per prompt; no pass@5 or @16 at K = 4.
    let table = std::fs::read_to_string(&summary).unwrap();
    let header: Vec<&str> = table.lines().next().unwrap().split(',').collect();
    let row: Vec<&str> = table.lines().nth(1).unwrap().split(',').collect();
    let cell = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!((cell("model"), cell("task"), cell("n_prompts"), cell("k")), ("gsm8k", "gsm8k", "5", "4"));
    assert_eq!((cell("acc_at_1"), cell("majority_vote"), cell("pass_at_1")), ("1.000000", "1.000000", "0.500000"));
    assert_eq!((cell("pass_at_5"), cell("pass_at_16"), cell("strict_at_1")), ("", "", ""));

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

/// Runs `correctness --task TASK` on `records` (written as JSONL) with `extra` options;
/// returns the labels lines and stderr, after checking that the command succeeded.
fn label(dir: &std::path::Path, task: &str, records: &[Value], extra: &[&str]) -> (Vec<Value>, String) {
    let input = dir.join(format!("{task}.generations.jsonl"));
    std::fs::write(&input, records.iter().map(|r| format!("{r}\n")).collect::<String>()).unwrap();
    let out = dir.join(format!("{task}.labels.jsonl"));
    let mut args =
        vec!["correctness", "--task", task, "--generations", input.to_str().unwrap(), "--out", out.to_str().unwrap()];
    args.extend(extra);
    let output = divcollapse(&args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    let lines = std::fs::read_to_string(&out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (lines, stderr)
}

#[test]
fn ifeval_and_cruxeval_outputs_are_labelled() {
    let dir = tempfile::tempdir().unwrap();
    // IFEval prompt 1001 asks for no commas only; prompt 1000 adds 3 highlighted
    // sections and at least 300 words. The Think-style output is stripped first.
    let documents = load_task(task("ifeval").unwrap(), None, None).unwrap();
    let prompt = |key: &str| documents.iter().find(|d| d.input_id == key).unwrap().prompt.clone();
    let long = format!("*one* *two* *three* {}", "word ".repeat(300));
    let records = [
        json!({"input_id": "1001", "prompt": prompt("1001"), "outputs": ["No commas here.", "One, two.", "<think>a, b</think>fine"]}),
        json!({"input_id": "", "prompt": prompt("1000"), "outputs": [long, "*one* *two* short", "a, b"]}),
    ];
    let (lines, stderr) = label(dir.path(), "ifeval", &records, &[]);
    assert_eq!(lines[0]["labels"], json!([true, false, true]));
    assert_eq!(lines[1]["input_id"], "1000", "linked by prompt text");
    assert_eq!(lines[1]["labels"], json!([true, false, false]));
    assert_eq!(lines[1]["details"][1]["results"], json!([true, false, false]));
    assert_eq!(lines[1]["details"][2]["loose"], json!(0.0));
    assert!(stderr.contains("strict@1 1.0000, loose@1 1.0000, strict pass@K 1.0000, consistency@K 0.5000"), "{stderr}");

    // The official checker (corrected mode) agrees here, and reports loose per instruction.
    let (official, stderr) = label(dir.path(), "ifeval", &records, &["--mode", "corrected"]);
    assert_eq!(official[0]["labels"], json!([true, false, true]));
    assert_eq!(official[1]["labels"], json!([true, false, false]));
    assert_eq!(official[1]["details"][1]["loose_results"].as_array().unwrap().len(), 3);
    assert_eq!(official[1]["details"][0]["loose"], json!(true));
    assert!(stderr.contains("strict@1 1.0000, loose@1 1.0000, strict pass@K 1.0000"), "{stderr}");

    // CRUXEval from a user's export: literal equality, quotes, and a wrong answer.
    let data = dir.path().join("cruxeval.jsonl");
    std::fs::write(
        &data,
        concat!(
            "{\"id\": \"sample_0\", \"code\": \"def f(x):\\n    return x * 2\", \"input\": \"[1]\", \"output\": \"[1, 1]\"}\n",
            "{\"id\": \"sample_1\", \"code\": \"def f(s):\\n    return s.upper()\", \"input\": \"'ab'\", \"output\": \"'AB'\"}\n",
        ),
    )
    .unwrap();
    let records = [
        json!({"input_id": "sample_0", "outputs": ["[1, 1]", "**Answer:**\n`[1, 1]`", "Output: [2]", "[1,1.0]"]}),
        json!({"input_id": "sample_1", "outputs": ["\"AB\"", "The answer is `'ab'`.", "AB"]}),
    ];
    let (lines, _) = label(dir.path(), "cruxeval", &records, &["--data", data.to_str().unwrap()]);
    assert_eq!(lines[0]["labels"], json!([true, true, false, true]));
    assert_eq!(lines[0]["majority_vote"], true, "votes go by normalised text: `[1, 1]` has 2 of 4");
    assert_eq!(lines[1]["labels"], json!([true, false, true]));
    assert_eq!(lines[1]["details"][1]["prediction"], "'ab'");
}

#[test]
fn unavailable_checkers_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("g.jsonl");
    std::fs::write(&input, "{\"input_id\": 1, \"prompt\": \"p\", \"outputs\": [\"a\"]}\n").unwrap();
    let out = dir.path().join("labels.jsonl");
    for (args, message) in [
        (vec!["--task", "cruxeval"], "cruxeval"),
        (vec!["--task", "truthfulqa", "--mode", "corrected"], "has one rule, the paper's"),
        (vec!["--task", "alpaca"], "judged by an LLM"),
        (vec!["--task", "gsm8k", "--mode", "qfd"], "--mode qfd is the quality-filtered scripts' code check"),
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
        // A helper written before the entry point and used after it: the paper's rule
        // renames the helper to the entry point, so the call `_double(2)` becomes a call of
        // the entry point with a number, which fails.
        let helper_first = format!(
            "```python\ndef _double(x):\n    return 2 * x\n\n{}{}\n\nassert _double(2) == 4\n```",
            doc["prompt"].as_str().unwrap(),
            doc["canonical_solution"].as_str().unwrap()
        );
        // The entry point in a short block and a longer usage block without it: Table 8's
        // harness takes the block defining the entry point, the quality-filtered scripts
        // the longest block, which continues the prompt without a body and fails.
        let usage: Vec<String> = (0..60).map(|i| format!("print('usage example {i}:', {entry})")).collect();
        let short_then_long = format!(
            "```python\n{}{}\n```\nUsage:\n```python\n{}\n```",
            doc["prompt"].as_str().unwrap(),
            doc["canonical_solution"].as_str().unwrap(),
            usage.join("\n")
        );
        let outputs = [
            doc["canonical_solution"].as_str().unwrap().to_owned(),
            format!("    raise ValueError('{entry}')\n"),
            standalone,
            helper_first,
            short_then_long,
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
    // The paper mode strips each output as the study's harness does (`_strip_cot` ends in
    // `.strip()`), so the raw continuation loses its first indentation and fails.
    for line in &lines {
        assert_eq!(line["labels"], json!([false, false, true, false, true]), "{line}");
        assert_eq!(line["details"][1]["outcome"]["outcome"], "failed");
        assert_eq!(line["majority_vote"], Value::Null);
    }
    assert!(String::from_utf8_lossy(&output.stderr).contains("pass@1 0.4000"));

    // The corrected mode keeps the continuation's indentation and the defined entry point,
    // so the continuation and the helper-first program pass.
    let corrected = dir.path().join("corrected.jsonl");
    let output = divcollapse(&[
        "correctness",
        "--task",
        "humaneval",
        "--mode",
        "corrected",
        "--generations",
        input.to_str().unwrap(),
        "--out",
        corrected.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for line in std::fs::read_to_string(&corrected).unwrap().lines() {
        let line: Value = serde_json::from_str(line).unwrap();
        assert_eq!(line["labels"], json!([true, false, true, true, true]), "{line}");
    }

    // The quality-filtered scripts' check: the longest block, whatever it defines; a
    // block that defines the entry point runs as written (the helper keeps its name).
    let qfd = dir.path().join("qfd.jsonl");
    let output = divcollapse(&[
        "correctness",
        "--task",
        "humaneval",
        "--mode",
        "qfd",
        "--generations",
        input.to_str().unwrap(),
        "--out",
        qfd.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    for line in std::fs::read_to_string(&qfd).unwrap().lines() {
        let line: Value = serde_json::from_str(line).unwrap();
        assert_eq!(line["labels"], json!([false, false, true, true, false]), "{line}");
    }
}

#[test]
fn the_corrected_math_mode_reads_whole_boxes_and_the_prompts_answer_form() {
    let dir = tempfile::tempdir().unwrap();
    // MATH documents whose final box holds braces (a fraction, a root, ...).
    let documents: Vec<_> = load_task(task("math_algebra").unwrap(), None, None)
        .unwrap()
        .into_iter()
        .filter(|d| diversity_collapse::tasks::math_corrected::math_gold(&d.doc).is_some_and(|g| g.contains('{')))
        .take(4)
        .collect();
    assert_eq!(documents.len(), 4);
    let records: Vec<Value> = documents
        .iter()
        .map(|d| {
            let gold = diversity_collapse::tasks::math_corrected::math_gold(&d.doc).unwrap();
            let outputs = [
                format!("Final Answer: The final answer is ${gold}$. I hope it is correct."),
                "\\boxed{\\frac{123}{457}}".to_owned(),
                format!("We find $\\boxed{{{gold}}}$."),
            ];
            json!({"input_id": d.input_id, "prompt": d.prompt, "outputs": outputs})
        })
        .collect();
    let (paper, _) = label(dir.path(), "math_algebra", &records, &[]);
    let (corrected, stderr) = label(dir.path(), "math_algebra", &records, &["--mode", "corrected"]);
    for (paper, corrected) in paper.iter().zip(&corrected) {
        assert_eq!(corrected["labels"], json!([true, false, true]), "{corrected}");
        assert_eq!(corrected["majority_vote"], true, "two of three outputs agree with the gold");
        // The paper's rule misses the prompt's own answer form.
        assert_eq!(paper["labels"][0], false, "{paper}");
    }
    assert!(stderr.contains("accuracy@1 1.0000"), "{stderr}");
}

/// `humaneval_instruct`'s instruction head is 189 characters, so the reference's 200-
/// character prompt key leaves only 11 characters of each problem: the 164 queries give
/// 130 keys. Every record must still reach its own problem (linked by its whole prompt, or
/// by the unwrapped `original_query` as the study's scripts do), and a bare key that
/// several problems share must be an error naming them, not a guess.
#[test]
fn humaneval_instruct_records_link_to_their_own_problem_among_all_164() {
    use diversity_collapse::pipeline::StageError;
    use diversity_collapse::pipeline::label::{CheckMode, LabelSettings, label_run};

    let _serial = crate::sandbox_serial();
    let dir = tempfile::tempdir().unwrap();
    let spec = task("humaneval_instruct").unwrap();
    let documents = load_task(spec, None, None).unwrap();
    assert_eq!(documents.len(), 164);
    let key = |prompt: &str| prompt.chars().take(200).collect::<String>().trim().to_owned();
    let keys: std::collections::HashSet<String> = documents.iter().map(|d| key(&d.prompt)).collect();
    assert_eq!(keys.len(), 130, "distinct 200-character keys of the 164 queries");

    // Each output is its own problem's canonical solution as a fenced program: it passes
    // only when the record is checked against that problem. (Corrected mode: the paper's
    // renaming of the first `def` breaks the solutions that define a helper first.)
    let solution = |doc: &Value| {
        format!("```python\n{}{}\n```", doc["prompt"].as_str().unwrap(), doc["canonical_solution"].as_str().unwrap())
    };
    let run = |name: &str, records: Vec<Value>| -> Result<Vec<Value>, StageError> {
        let input = dir.path().join(format!("{name}.jsonl"));
        std::fs::write(&input, records.iter().map(|r| format!("{r}\n")).collect::<String>()).unwrap();
        let out = dir.path().join(format!("{name}.labels.jsonl"));
        let settings = LabelSettings { mode: CheckMode::Corrected, ..LabelSettings::default() };
        let summary = label_run("humaneval_instruct", &input, &settings, &out, &mut ())?;
        assert_eq!(summary.unlinked, 0, "{name}");
        Ok(std::fs::read_to_string(&out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect())
    };
    let check_all_pass = |name: &str, lines: Vec<Value>| {
        assert_eq!(lines.len(), 164, "{name}");
        let ids: std::collections::HashSet<&str> = lines.iter().map(|l| l["input_id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), 164, "{name}: every problem once");
        for line in &lines {
            assert_eq!(line["labels"], json!([true]), "{name}: {line}");
        }
    };

    // No ids: by the whole (wrapped) prompt.
    let whole: Vec<Value> =
        documents.iter().map(|d| json!({"prompt": d.prompt, "outputs": [solution(&d.doc)]})).collect();
    check_all_pass("whole prompt", run("whole", whole).unwrap());

    // No ids, a truncated query, and the unwrapped prompt as lighteval's details carry it.
    let original: Vec<Value> = documents
        .iter()
        .map(|d| json!({"prompt": key(&d.prompt), "original_query": d.doc["prompt"], "outputs": [solution(&d.doc)]}))
        .collect();
    check_all_pass("original_query", run("original", original).unwrap());

    // Only a key that several problems share: an error naming them.
    let shared =
        documents.iter().find(|d| documents.iter().filter(|e| key(&e.prompt) == key(&d.prompt)).count() > 1).unwrap();
    let error =
        run("ambiguous", vec![json!({"prompt": key(&shared.prompt), "outputs": [solution(&shared.doc)]})]).unwrap_err();
    let StageError::AmbiguousPrompt { line, documents: colliding, .. } = &error else {
        panic!("expected an ambiguous-prompt error, got {error}")
    };
    assert_eq!(*line, 1);
    assert!(colliding.len() > 1 && colliding.contains(&shared.input_id), "{error}");
    assert!(error.to_string().contains(&shared.input_id), "{error}");
}
