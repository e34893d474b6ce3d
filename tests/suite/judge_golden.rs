//! The LLM judges against the study's scripts (tests/golden/judge/, with its generator
//! script): `judge prepare` writes the scripts' Batch API lines byte for byte, the
//! parsers give the scripts' verdict on every reply, and `judge score` reproduces the
//! scripts' tables (plus intervals). The MT-Bench prompt is FastChat's `pair-v2`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use diversity_collapse::judge::parse::{self, ArenaLabel, Verdict};
use diversity_collapse::judge::prompts;
use serde_json::Value;

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/judge")
}

fn divcollapse(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_divcollapse")).args(args).output().unwrap()
}

fn ok(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "divcollapse failed: {stderr}");
    stderr
}

const DETAILS_SUFFIX: &str = "|0_2025-01-01T00-00-00.parquet";
const MODELS: [&str; 2] = ["allenai__OLMo-3-7B-Instruct", "allenai__OLMo-3-7B-Think-SFT"];

/// Runs `judge prepare` and returns the batch file's text.
fn prepare(judge: &str, task: &str, generations: &Path, model: &str, baseline: Option<&Path>) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("batch.jsonl");
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "judge".as_ref(),
        "prepare".as_ref(),
        "--judge".as_ref(),
        judge.as_ref(),
        "--task".as_ref(),
        task.as_ref(),
        "--generations".as_ref(),
        generations.as_os_str(),
        "--model-name".as_ref(),
        model.as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    if let Some(baseline) = baseline {
        args.extend(["--baseline".as_ref(), baseline.as_os_str()]);
    }
    ok(&divcollapse(&args));
    std::fs::read_to_string(out).unwrap()
}

#[test]
fn prepare_writes_the_study_scripts_batch_lines_byte_for_byte() {
    let kirk = golden().join("kirk");
    for model in MODELS {
        for short in ["tldr", "cnn_dailymail", "xsum"] {
            let task = format!("{short}_diversity");
            let generations = kirk.join(model).join(format!("details_{task}{DETAILS_SUFFIX}"));
            let ours = prepare("kirk-summary", &task, &generations, model, None);
            let reference = std::fs::read_to_string(kirk.join(format!("expected/batch_{short}.jsonl"))).unwrap();
            let prefix = format!("{{\"custom_id\": \"{model}||");
            let expected: String =
                reference.lines().filter(|l| l.starts_with(&prefix)).map(|l| format!("{l}\n")).collect();
            assert!(!expected.is_empty());
            assert_eq!(ours, expected, "kirk-summary {model} {short}");
        }
    }

    let arena = golden().join("arena");
    let details = |model: &str| {
        arena.join("open_ended").join(model).join(format!("details_writingprompts_diversity{DETAILS_SUFFIX}"))
    };
    let base = details("allenai__OLMo-3-1025-7B");
    let no_cot = "no_cot__allenai__OLMo-3-7B-Think";
    let no_cot_file =
        arena.join("no_cot_open_ended/allenai__OLMo-3-7B-Think/diversity_generations_writingprompts_diversity.jsonl");
    for (model, generations) in
        [(MODELS[0], details(MODELS[0])), (MODELS[1], details(MODELS[1])), (no_cot, no_cot_file)]
    {
        let ours = prepare("arena-creative", "writingprompts_diversity", &generations, model, Some(&base));
        let round = |r: u8| std::fs::read_to_string(arena.join(format!("expected/round{r}_{model}.jsonl"))).unwrap();
        assert_eq!(ours, round(1) + &round(2), "arena-creative {model}");
    }

    let wildbench = golden().join("wildbench");
    for model in MODELS {
        let generations = wildbench.join(model).join(format!("details_wildbench_diversity{DETAILS_SUFFIX}"));
        let ours = prepare("wb-score", "wildbench_diversity", &generations, model, None);
        let expected = std::fs::read_to_string(wildbench.join(format!("expected/{model}.jsonl"))).unwrap();
        assert_eq!(ours, expected, "wb-score {model}");
    }
}

#[test]
fn prepare_refuses_missing_inputs_and_other_tasks_with_clear_errors() {
    let generations = golden().join("kirk").join(MODELS[0]).join(format!("details_tldr_diversity{DETAILS_SUFFIX}"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b.jsonl");
    let run = |judge: &str, task: &str| {
        let output = divcollapse(&[
            "judge".as_ref(),
            "prepare".as_ref(),
            "--judge".as_ref(),
            judge.as_ref(),
            "--task".as_ref(),
            task.as_ref(),
            "--generations".as_ref(),
            generations.as_os_str(),
            "--model-name".as_ref(),
            "m".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ]);
        assert!(!output.status.success());
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    assert!(run("kirk-summary", "gsm8k_diversity").contains("does not judge task `gsm8k_diversity`"));
    assert!(run("arena-creative", "writingprompts_diversity").contains("--baseline"));
    assert!(!out.exists());
}

fn verdict_lines(judge: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(golden().join(judge).join("expected/verdicts.jsonl")).unwrap();
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn parsers_give_the_study_scripts_verdict_on_every_reply() {
    let mut checked = 0;
    for line in verdict_lines("kirk") {
        let Some(content) = line["content"].as_str() else { continue };
        let ours = parse::kirk(content).map(|v| match v {
            Verdict::Win => "win",
            Verdict::Tie => "tie",
            Verdict::Loss => "loss",
        });
        assert_eq!(ours, line["verdict"].as_str(), "kirk {}: {content:?}", line["kind"]);
        checked += 1;
    }
    for line in verdict_lines("arena") {
        let Some(content) = line["content"].as_str() else { continue };
        let ours = parse::arena(content).map(|label| match label {
            ArenaLabel::MuchBetter => "A>>B",
            ArenaLabel::Better => "A>B",
            ArenaLabel::Same => "A=B",
            ArenaLabel::Worse => "B>A",
            ArenaLabel::MuchWorse => "B>>A",
        });
        assert_eq!(ours, line["verdict"].as_str(), "arena {}: {content:?}", line["kind"]);
        checked += 1;
    }
    for line in verdict_lines("wildbench") {
        let Some(content) = line["content"].as_str() else { continue };
        let ours = parse::wb_score(content).map(|s| s as i64);
        assert_eq!(ours, line["verdict"].as_i64(), "wb-score {}: {content:?}", line["kind"]);
        checked += 1;
    }
    assert!(checked >= 60, "only {checked} replies checked");
}

/// Runs `judge score` and returns (CSV text, stderr).
fn score(judge: &str, results: &Path) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("quality.csv");
    let stderr = ok(&divcollapse(&[
        "judge".as_ref(),
        "score".as_ref(),
        "--judge".as_ref(),
        judge.as_ref(),
        "--results".as_ref(),
        results.as_os_str(),
        "--bootstrap".as_ref(),
        "2000".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]));
    let provenance: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("quality.provenance.json")).unwrap()).unwrap();
    assert_eq!(provenance["parameters"]["judge"], judge);
    (std::fs::read_to_string(out).unwrap(), stderr)
}

/// Our table's first columns equal the script's table; the added interval columns hold
/// the estimate (rows with at least two samples).
fn assert_study_columns_then_intervals(ours: &str, expected: &str, rate_column: &str) {
    let expected: Vec<&str> = expected.lines().collect();
    let ours: Vec<&str> = ours.lines().collect();
    assert_eq!(ours.len(), expected.len(), "{ours:#?}");
    let width = expected[0].split(',').count();
    let header: Vec<&str> = ours[0].split(',').collect();
    let rate = header.iter().position(|c| *c == rate_column).unwrap();
    assert_eq!(&header[header.len() - 2..], [format!("{rate_column}_ci_low"), format!("{rate_column}_ci_high")]);
    for (our_row, expected_row) in ours.iter().zip(&expected) {
        let cells: Vec<&str> = our_row.split(',').collect();
        assert_eq!(cells[..width].join(","), *expected_row);
        if let (Ok(low), Ok(high)) = (cells[cells.len() - 2].parse::<f64>(), cells[cells.len() - 1].parse::<f64>()) {
            let estimate: f64 = cells[rate].parse().unwrap();
            assert!(low <= estimate + 1e-9 && estimate <= high + 1e-9, "{our_row}");
        }
    }
}

#[test]
fn score_reproduces_the_study_tables_with_intervals_and_counts() {
    let kirk = golden().join("kirk");
    let (ours, stderr) = score("kirk-summary", &kirk.join("results"));
    let expected = std::fs::read_to_string(kirk.join("expected/all_summarization_quality.csv")).unwrap();
    assert_study_columns_then_intervals(&ours, &expected, "win_rate");
    assert!(stderr.contains("parsed 22 replies, 12 failures, 4 duplicates skipped"), "{stderr}");

    let arena = golden().join("arena");
    let (ours, _) = score("arena-creative", &arena.join("results"));
    let expected = std::fs::read_to_string(arena.join("expected/all_writingprompts_quality.csv")).unwrap();
    assert_study_columns_then_intervals(&ours, &expected, "win_rate");

    let wildbench = golden().join("wildbench");
    let (ours, stderr) = score("wb-score", &wildbench.join("results"));
    let expected = std::fs::read_to_string(wildbench.join("expected/all_wildbench_quality.csv")).unwrap();
    assert_study_columns_then_intervals(&ours, &expected, "wb_score");
    assert!(stderr.contains("parsed 15 replies, 9 failures"), "{stderr}");
}

#[test]
fn mt_bench_prompts_are_fastchats_pair_v2() {
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(golden().join("mtbench/pair-v2.json")).unwrap()).unwrap();
    assert_eq!(reference["system_prompt"], prompts::MT_BENCH_PAIR_SYSTEM);
    assert_eq!(reference["prompt_template"], prompts::MT_BENCH_PAIR_TEMPLATE);
}

/// A Batch API result line with one reply.
fn reply(custom_id: &str, content: &str) -> String {
    serde_json::json!({
        "id": "batch_req_x", "custom_id": custom_id,
        "response": {"status_code": 200, "request_id": "r", "body": {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}},
        "error": null,
    })
    .to_string()
}

/// FastChat's `display_result_pairwise`: a pair with an error in either game is dropped;
/// two games naming the same winner give that winner, anything else a tie.
#[test]
fn mt_bench_pairs_combine_both_games_as_fastchat_does() {
    let games = [
        ("[[A]]", "[[B]]"),      // model wins both: win
        ("[[B]]", "[[A]]"),      // Base wins both: loss
        ("[[A]]", "[[A]]"),      // position bias: inconsistent, tie
        ("[[C]]", "[[C]]"),      // tie
        ("[[A]]", "[[C]]"),      // win and tie: tie
        ("[[A]]", "no verdict"), // dropped
    ];
    let mut lines = Vec::new();
    for (index, (r1, r2)) in games.iter().enumerate() {
        lines.push(reply(&format!("r1||m||alpaca_diversity||{index}"), r1));
        lines.push(reply(&format!("r2||m||alpaca_diversity||{index}"), r2));
    }
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results.jsonl");
    std::fs::write(&results, lines.join("\n") + "\n").unwrap();
    let (ours, _) = score("mt-bench-pair", &results);
    let rows: Vec<&str> = ours.lines().collect();
    assert_eq!(
        rows[0].split(',').take(9).collect::<Vec<_>>().join(","),
        "model,task,win_rate,n_wins,n_ties,n_losses,n_samples,n_inconsistent,n_unparseable"
    );
    // 1 win, 3 ties, 1 loss of 5: (1 + 1.5) / 5.
    assert!(rows[1].starts_with("m,alpaca_diversity,0.500000,1,3,1,5,2,1,"), "{}", rows[1]);
}
