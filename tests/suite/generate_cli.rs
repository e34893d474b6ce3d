//! `divcollapse generate`: an interrupted run (SIGKILL) resumed to the end holds every
//! prompt exactly once with the samples of an uninterrupted run; runs with other settings
//! are refused; bad input is a clear error that keeps completed lines.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use diversity_collapse::generate::tokenizer::train_byte_level_bpe;

fn checkpoint() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/olmo3/mha_legacy");
    for entry in std::fs::read_dir(&fixture).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let corpus = ["Question: how many apples are left? Answer: 7.", "You are a helpful assistant. system user"];
    let texts = corpus.iter().cycle().take(40).map(|s| s.to_string());
    train_byte_level_bpe(
        texts,
        600,
        &["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|pad|>"],
        &dir.path().join("tokenizer.json"),
    )
    .unwrap();
    dir
}

fn prompts(dir: &Path, count: usize) -> PathBuf {
    let path = dir.join("prompts.jsonl");
    let lines: Vec<String> = (0..count)
        .map(|i| {
            serde_json::json!({"input_id": format!("p{i}"), "prompt": format!("Question: item {i}, how many apples?")})
                .to_string()
        })
        .collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

fn command(model: &Path, prompts: &Path, out: &Path, seed: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_divcollapse"));
    command
        .args(["generate", "--model"])
        .arg(model)
        .arg("--task")
        .arg(prompts)
        .args(["--k", "4", "--max-new-tokens", "40", "--temperature", "1.0", "--top-p", "0.95", "--seed", seed])
        .args(["--template", "instruct", "--out"])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

fn lines(path: &Path) -> Vec<String> {
    let mut lines: Vec<String> = std::fs::read_to_string(path).unwrap().lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

#[test]
fn a_killed_run_resumes_to_the_same_file_as_an_uninterrupted_one() {
    let model = checkpoint();
    let work = tempfile::tempdir().unwrap();
    let prompts = prompts(work.path(), 24);
    let reference = work.path().join("reference.jsonl");
    let output = command(model.path(), &prompts, &reference, "1234").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let expected = lines(&reference);
    assert_eq!(expected.len(), 24);

    let resumed = work.path().join("resumed.jsonl");
    let mut child = command(model.path(), &prompts, &resumed, "1234").spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::read_to_string(&resumed).map_or(0, |t| t.lines().count()) < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let written = std::fs::read_to_string(&resumed).unwrap().lines().count();
    assert!((3..24).contains(&written), "killed in the middle ({written} lines)");
    // Whatever was mid-write is now a torn line, as after a crash.
    let mut partial = std::fs::read(&resumed).unwrap();
    partial.extend_from_slice(b"{\"input_id\": \"p9\", \"outp");
    std::fs::write(&resumed, partial).unwrap();
    let output = command(model.path(), &prompts, &resumed, "1234").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("torn last line"));
    assert_eq!(lines(&resumed), expected, "every prompt exactly once, with the uninterrupted samples");

    // A finished run started again generates nothing and changes nothing.
    let output = command(model.path(), &prompts, &resumed, "1234").output().unwrap();
    assert!(output.status.success());
    assert_eq!(lines(&resumed), expected);

    // The same checkpoint under another spelling of its folder resumes: the weights'
    // hash identifies it, not the path.
    let respelled = model.path().join("..").join(model.path().file_name().unwrap());
    let output = command(&respelled, &prompts, &resumed, "1234").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(lines(&resumed), expected);

    // Other settings on the same file are refused, naming the field.
    let output = command(model.path(), &prompts, &resumed, "99").output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("other settings") && stderr.contains("seed"), "{stderr}");
}

#[test]
fn bad_inputs_are_clear_errors_and_completed_lines_stay() {
    let model = checkpoint();
    let work = tempfile::tempdir().unwrap();
    let path = work.path().join("prompts.jsonl");
    std::fs::write(
        &path,
        "{\"input_id\": 1, \"prompt\": \"Question: fine\"}\n{\"input_id\": 2, \"prompt\": \"   \"}\n",
    )
    .unwrap();
    let out = work.path().join("run.jsonl");
    let output = command(model.path(), &path, &out, "1").output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("prompt `2` is empty"));
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 1, "the completed prompt is kept");

    std::fs::write(&path, "{\"input_id\": 1, \"text\": \"no prompt field\"}\n").unwrap();
    let output = command(model.path(), &path, &out, "1").output().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("prompts.jsonl:1: no string field `prompt`"));

    std::fs::remove_file(model.path().join("tokenizer.json")).unwrap();
    let empty_assets = tempfile::tempdir().unwrap();
    let output = command(model.path(), &prompts(work.path(), 2), &work.path().join("x.jsonl"), "1")
        .env("DIVCOLLAPSE_ASSETS", empty_assets.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no tokenizer.json") && stderr.contains("scripts/setup"), "{stderr}");
}

#[test]
fn a_registered_task_supplies_its_selected_prompts_limit_and_stops() {
    let model = checkpoint();
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("truthfulqa.jsonl");
    let output = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
        .args(["generate", "--model"])
        .arg(model.path())
        .args(["--task", "truthfulqa", "--n", "3", "--k", "2", "--max-new-tokens", "6", "--template", "none", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let records: Vec<serde_json::Value> =
        std::fs::read_to_string(&out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 3);
    // The first three documents of lighteval's seeded shuffle of the 817 questions.
    let selected =
        diversity_collapse::tasks::load_task(diversity_collapse::tasks::task("truthfulqa").unwrap(), None, Some(3))
            .unwrap();
    let ids: Vec<&str> = records.iter().map(|r| r["input_id"].as_str().unwrap()).collect();
    let expected: Vec<&str> = selected.iter().map(|d| d.input_id.as_str()).collect();
    assert_eq!(ids, expected);
    for (record, document) in records.iter().zip(&selected) {
        assert_eq!(record["task"], "truthfulqa");
        assert_eq!(record["input_id"], document.input_id.as_str());
        assert_eq!(record["prompt"].as_str().unwrap(), document.prompt);
        assert!(document.prompt.starts_with("Q: ") && document.prompt.ends_with("\nA:"));
        assert_eq!(record["meta"]["stop_sequences"], serde_json::json!(["\nQ:", "\n\n"]));
        assert_eq!(record["meta"]["max_new_tokens"], 6);
    }
    let output = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
        .args(["generate", "--model"])
        .arg(model.path())
        .args(["--task", "cruxeval", "--out"])
        .arg(work.path().join("crux.jsonl"))
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--data FILE"));
}
