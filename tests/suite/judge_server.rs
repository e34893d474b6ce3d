//! `judge run` against a real OpenAI-compatible server: LiteLLM's proxy, installed by
//! scripts/setup-judge-server and started here with mock replies (a fixed Kirk ranking)
//! and a model that always answers HTTP 429. Slow (the proxy takes about 20 s to start),
//! so ignored in a plain `cargo test`; scripts/test installs the server and runs it.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::Value;

use super::servers::{Server, free_port, venv};

const KEY: &str = "sk-divcollapse-test-key-5f2a";

fn start_server(dir: &Path) -> Server {
    let litellm = venv("judge-server").join("bin/litellm");
    assert!(litellm.exists(), "{} is missing: run scripts/setup-judge-server first", litellm.display());
    let config = dir.join("proxy.yaml");
    std::fs::write(
        &config,
        format!(
            "model_list:\n  - model_name: judge-mock\n    litellm_params:\n      model: openai/judge-mock\n      \
             mock_response: \"[{{'model': 'model_1', 'rank': 1}}, {{'model': 'model_2', 'rank': 2}}]\"\n  \
             - model_name: judge-limited\n    litellm_params:\n      model: openai/judge-limited\n      \
             mock_response: \"litellm.RateLimitError\"\ngeneral_settings:\n  master_key: {KEY}\n\
             litellm_settings:\n  num_retries: 0\n"
        ),
    )
    .unwrap();
    let port = free_port();
    let mut command = Command::new(litellm);
    command
        .args(["--config".as_ref(), config.as_os_str(), "--host".as_ref(), "127.0.0.1".as_ref()])
        .args(["--port", &port.to_string()])
        .env("LITELLM_TELEMETRY", "False");
    Server::start(command, port, &dir.join("proxy.log"), Duration::from_secs(180))
}

fn divcollapse(args: &[&str], key: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_divcollapse"));
    command.args(args).env_remove("OPENAI_API_KEY");
    if let Some(key) = key {
        command.env("OPENAI_API_KEY", key);
    }
    command.output().unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn custom_ids(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["custom_id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
#[ignore = "slow: starts LiteLLM's proxy (scripts/setup-judge-server installs it)"]
fn judge_run_sends_resumes_retries_and_reports_clear_errors_against_a_real_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path());
    let base_url = server.base_url();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();

    // A real batch: the TL;DR requests of one model of the judge fixtures.
    let generations = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "tests/golden/judge/kirk/allenai__OLMo-3-7B-Instruct/details_tldr_diversity|0_2025-01-01T00-00-00.parquet",
    );
    let prepared = divcollapse(
        &[
            "judge",
            "prepare",
            "--judge",
            "kirk-summary",
            "--task",
            "tldr_diversity",
            "--generations",
            generations.to_str().unwrap(),
            "--model-name",
            "m",
            "--out",
            &path("batch.jsonl"),
        ],
        None,
    );
    assert!(prepared.status.success(), "{}", text(&prepared));
    let batch_ids = custom_ids(Path::new(&path("batch.jsonl")));
    assert!(batch_ids.len() >= 3);

    // Every request answered, once, in the Batch API's output format; the key is nowhere.
    let run = |model: &str, out: &str, retries: &str| {
        divcollapse(
            &[
                "judge",
                "run",
                "--batch",
                &path("batch.jsonl"),
                "--base-url",
                &base_url,
                "--model",
                model,
                "--out",
                &path(out),
                "--concurrency",
                "3",
                "--max-retries",
                retries,
            ],
            Some(KEY),
        )
    };
    let first = run("judge-mock", "results.jsonl", "2");
    assert!(first.status.success(), "{}", text(&first));
    let results = std::fs::read_to_string(path("results.jsonl")).unwrap();
    let mut answered = custom_ids(Path::new(&path("results.jsonl")));
    answered.sort();
    let mut expected = batch_ids.clone();
    expected.sort();
    assert_eq!(answered, expected);
    assert!(!results.contains(KEY) && !text(&first).contains(KEY));
    let line: Value = serde_json::from_str(results.lines().next().unwrap()).unwrap();
    assert_eq!(line["response"]["status_code"], 200);

    // The replies score: every ranking names model_1 first, so the un-swapped verdicts
    // are wins where the model was shown first and losses where the reference was.
    let scored = divcollapse(
        &["judge", "score", "--judge", "kirk-summary", "--results", &path("results.jsonl"), "--out", &path("q.csv")],
        None,
    );
    assert!(scored.status.success(), "{}", text(&scored));
    let swapped = batch_ids.iter().filter(|id| id.ends_with("||1")).count();
    let row = std::fs::read_to_string(path("q.csv")).unwrap().lines().nth(1).unwrap().to_owned();
    let cells: Vec<&str> = row.split(',').collect();
    assert_eq!(cells[..2], ["m", "tldr"]);
    assert_eq!(
        cells[3..7],
        [
            (batch_ids.len() - swapped).to_string().as_str(),
            "0",
            swapped.to_string().as_str(),
            batch_ids.len().to_string().as_str()
        ]
    );

    // A crash after two replies and half a line: the rerun sends only the others.
    let kept: String =
        results.lines().take(2).map(|l| format!("{l}\n")).collect::<String>() + "{\"id\": \"batch_req_torn";
    std::fs::write(path("results.jsonl"), kept).unwrap();
    let resumed = run("judge-mock", "results.jsonl", "2");
    assert!(resumed.status.success(), "{}", text(&resumed));
    let report: Value = serde_json::from_slice(&resumed.stdout).unwrap();
    assert_eq!(report["already_done"], 2);
    assert_eq!(report["answered"], batch_ids.len() - 2);
    let mut answered = custom_ids(Path::new(&path("results.jsonl")));
    answered.sort();
    assert_eq!(answered, expected);

    // HTTP 429 on every request: retried, then left out of the file for a rerun.
    let limited = run("judge-limited", "limited.jsonl", "1");
    assert!(!limited.status.success());
    assert!(text(&limited).contains("run the same command again"), "{}", text(&limited));
    assert_eq!(std::fs::read_to_string(path("limited.jsonl")).unwrap_or_default(), "");

    // A model the server does not serve, and a server that is not there.
    let wrong = run("no-such-judge", "wrong.jsonl", "0");
    assert!(!wrong.status.success());
    assert!(
        text(&wrong).contains("does not serve `no-such-judge`") && text(&wrong).contains("judge-mock"),
        "{}",
        text(&wrong)
    );
    let closed = format!("http://127.0.0.1:{}/v1", free_port());
    let unreachable = divcollapse(
        &["judge", "run", "--batch", &path("batch.jsonl"), "--base-url", &closed, "--out", &path("none.jsonl")],
        Some(KEY),
    );
    assert!(!unreachable.status.success());
    assert!(text(&unreachable).contains("cannot reach the server"), "{}", text(&unreachable));
    assert!(!text(&unreachable).contains(KEY));
}
