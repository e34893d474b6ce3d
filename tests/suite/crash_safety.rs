//! Crash safety of the long commands: `generate` and `score` are killed with SIGKILL at
//! 24 random points each and restarted; the files they finish with hold every prompt
//! exactly once and are byte-identical to an uninterrupted run's.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Kill points per command.
const KILLS: usize = 24;

/// Prompts per run: more than the kill points can use up (each restart is allowed at
/// most two more prompts before its kill).
const PROMPTS: usize = 60;

/// Complete lines of `path` (0 when it does not exist yet).
fn complete_lines(path: &Path) -> usize {
    std::fs::read(path).map_or(0, |bytes| bytecount(&bytes))
}

fn bytecount(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// Kills `command` with SIGKILL `KILLS` times, then runs it to completion; returns the
/// number of kills that hit a running process.
///
/// Each kill point is drawn from the progress of the run, so every restart is killed
/// while it still has work: the child is started, allowed to finish 0 to 2 more items
/// (complete lines of `progress`, minus `header_lines`), then killed after a further
/// random part of one item's time (so kills land in start-up, in the middle of an item
/// and in the middle of a write).
fn kill_and_restart(
    command: &dyn Fn() -> Command,
    progress: &Path,
    header_lines: usize,
    item_time: Duration,
    seed: u64,
) -> usize {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let done = || complete_lines(progress).saturating_sub(header_lines);
    let mut landed = 0;
    for _ in 0..KILLS {
        let target = done() + rng.random_range(0..3);
        let jitter = item_time.mul_f64(rng.random_range(0.0..1.0));
        let mut child = command().stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        while done() < target && child.try_wait().unwrap().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(jitter);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            landed += 1;
        }
        child.wait().unwrap();
    }
    let output = command().stdout(Stdio::null()).stderr(Stdio::piped()).output().unwrap();
    assert!(output.status.success(), "the final restart failed: {}", String::from_utf8_lossy(&output.stderr));
    landed
}

/// Runs `command` uninterrupted; returns its wall time.
fn uninterrupted(command: &dyn Fn() -> Command) -> Duration {
    let start = Instant::now();
    let output = command().stdout(Stdio::null()).stderr(Stdio::piped()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    start.elapsed()
}

fn input_ids(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()["input_id"].as_str().unwrap().to_owned())
        .collect()
}

fn prompts(dir: &Path, count: usize) -> PathBuf {
    let path = dir.join("prompts.jsonl");
    let animals = ["cat", "fox", "owl", "deer"];
    let lines: Vec<String> = (0..count)
        .map(|i| {
            let question = format!("Describe a {} in the park number {i}.", animals[i % animals.len()]);
            serde_json::json!({"input_id": format!("p{i}"), "prompt": question}).to_string()
        })
        .collect();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
#[ignore = "slow: 26 process starts (scripts/test runs it)"]
fn generate_killed_at_random_points_finishes_with_the_uninterrupted_file() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("lab/lineage/sft_instruct");
    let work = tempfile::tempdir().unwrap();
    let prompts = prompts(work.path(), PROMPTS);
    let command = |out: &Path| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_divcollapse"));
        command
            .args(["generate", "--model"])
            .arg(&model)
            .arg("--task")
            .arg(&prompts)
            .args(["--k", "8", "--max-new-tokens", "48", "--seed", "1234", "--out"])
            .arg(out);
        command
    };
    let reference = work.path().join("reference.jsonl");
    let run = uninterrupted(&|| command(&reference));
    let killed = work.path().join("killed.jsonl");
    let landed = kill_and_restart(&|| command(&killed), &killed, 0, run / PROMPTS as u32, 1);
    assert!(landed >= 20, "only {landed} kills hit a running process (run: {run:?})");
    let ids = input_ids(&killed);
    let expected: Vec<String> = (0..PROMPTS).map(|i| format!("p{i}")).collect();
    assert_eq!(ids, expected, "every prompt exactly once, in order");
    assert!(
        std::fs::read(&killed).unwrap() == std::fs::read(&reference).unwrap(),
        "the resumed file differs from the uninterrupted one"
    );
}

/// A generation file of `count` prompts with 4 outputs of several sentences each.
fn generations(dir: &Path, count: usize) -> PathBuf {
    let words = ["the", "fox", "runs", "quietly", "near", "a", "river", "owl", "sleeps", "in", "old", "tree", "sun"];
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let sentence = |rng: &mut ChaCha8Rng| {
        let length = rng.random_range(3..9);
        let text: Vec<&str> = (0..length).map(|_| words[rng.random_range(0..words.len())]).collect();
        format!("{}.", text.join(" "))
    };
    let lines: Vec<String> = (0..count)
        .map(|i| {
            let outputs: Vec<String> = (0..4)
                .map(|_| (0..rng.random_range(1..5)).map(|_| sentence(&mut rng)).collect::<Vec<_>>().join(" "))
                .collect();
            serde_json::json!({"input_id": format!("q{i}"), "task": "describe", "outputs": outputs}).to_string()
        })
        .collect();
    let path = dir.join("generations.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

#[test]
#[ignore = "slow: 26 process starts with model loads (scripts/test runs it)"]
fn score_killed_at_random_points_finishes_with_the_uninterrupted_tables() {
    let encoder = diversity_collapse::assets::Assets::locate().mpnet().expect("run scripts/setup");
    let nli = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/roberta_nli/model");
    let work = tempfile::tempdir().unwrap();
    let generations = generations(work.path(), PROMPTS);
    let command = |stem: &str| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_divcollapse"));
        command
            .args(["score", "--generations"])
            .arg(&generations)
            .args(["--metrics", "ead,sbert,vendi,nli", "--model-name", "m", "--encoder"])
            .arg(&encoder)
            .arg("--nli-model")
            .arg(&nli)
            .arg("--out")
            .arg(work.path().join(format!("{stem}.jsonl")))
            .arg("--summary")
            .arg(work.path().join(format!("{stem}.summary.json")))
            .arg("--diversity-results")
            .arg(work.path().join(format!("{stem}.diversity.json")));
        command
    };
    let run = uninterrupted(&|| command("reference"));
    let journal = work.path().join(".killed.jsonl.journal.jsonl");
    let landed = kill_and_restart(&|| command("killed"), &journal, 1, run / PROMPTS as u32, 2);
    assert!(landed >= 20, "only {landed} kills hit a running process (run: {run:?})");
    let ids = input_ids(&work.path().join("killed.jsonl"));
    let expected: Vec<String> = (0..PROMPTS).map(|i| format!("q{i}")).collect();
    assert_eq!(ids, expected, "every prompt exactly once, in order");
    for suffix in ["jsonl", "summary.json", "diversity.json"] {
        let read = |stem: &str| std::fs::read(work.path().join(format!("{stem}.{suffix}"))).unwrap();
        assert!(read("killed") == read("reference"), "{suffix}: the resumed output differs from the uninterrupted one");
    }
    // Nothing is left behind: no journal, no temporary file.
    let mut names: Vec<String> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
}
