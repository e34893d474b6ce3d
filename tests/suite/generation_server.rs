//! `generate --backend openai` against a real OpenAI-compatible server: llama.cpp's,
//! through llama-cpp-python (installed by scripts/setup-generation-server), serving two
//! lab checkpoints converted to GGUF by scripts/generation-server/hf_to_gguf.py and
//! tokenising with their own tokenizer.json.
//!
//! * Greedy decoding through the server gives the local engine's tokens, text, end
//!   reasons and token counts, with the chat template (sft_instruct) and with raw prompts
//!   and stop sequences (base).
//! * A sampled run killed midway and resumed holds every prompt once, with the samples of
//!   an uninterrupted run (each sample has its own seed).
//! * Sharded runs merge into the unsharded run.
//! * A wrong model name, an unreachable server and a server without `n` are clear errors.
//!
//! Slow (builds the server's environment once, starts the server), so ignored in a plain
//! `cargo test`; scripts/test installs the server and runs it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::servers::{Server, free_port, venv};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn lineage() -> PathBuf {
    repo().join("lab/lineage")
}

/// Converts the lab checkpoints `names` to GGUF and serves them under their names.
fn start_server(dir: &Path, names: &[&str]) -> Server {
    let python = venv("generation-server").join("bin/python");
    assert!(python.exists(), "{} is missing: run scripts/setup-generation-server first", python.display());
    let mut models = Vec::new();
    for name in names {
        let gguf = dir.join(format!("{name}.gguf"));
        let converted = Command::new(&python)
            .arg(repo().join("scripts/generation-server/hf_to_gguf.py"))
            .arg(lineage().join(name))
            .arg(&gguf)
            .output()
            .unwrap();
        assert!(converted.status.success(), "conversion of {name} failed: {}", text(&converted));
        models.push(serde_json::json!({
            "model": gguf,
            "model_alias": name,
            "hf_pretrained_model_name_or_path": lineage().join(name),
            "n_ctx": 256,
            "n_threads": 1,
            "verbose": false,
        }));
    }
    let port = free_port();
    let config = dir.join("server.json");
    let settings = serde_json::json!({"host": "127.0.0.1", "port": port, "models": models});
    std::fs::write(&config, settings.to_string()).unwrap();
    let mut command = Command::new(&python);
    command.args(["-m", "llama_cpp.server", "--config_file"]).arg(&config).env("HF_HUB_OFFLINE", "1");
    Server::start(command, port, &dir.join("server.log"), Duration::from_secs(120))
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// `divcollapse generate` of lab_sums with `extra` arguments.
fn generate(model: &str, out: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_divcollapse"));
    command
        .args(["generate", "--model"])
        .arg(lineage().join(model))
        .args(["--task", "lab_sums", "--data"])
        .arg(lineage())
        .arg("--out")
        .arg(out)
        .args(extra)
        .env_remove("OPENAI_API_KEY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

fn served(server: &Server, model: &str) -> Vec<String> {
    let url = server.base_url();
    // llama.cpp's server penalises repeats unless told not to; the local engine does not.
    ["--backend", "openai", "--base-url", &url, "--served-model", model, "--extra-body", r#"{"repeat_penalty": 1.0}"#]
        .map(str::to_owned)
        .to_vec()
}

/// The records of a run file by prompt id.
fn records(path: &Path) -> BTreeMap<String, Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|r| (r["input_id"].as_str().unwrap().to_owned(), r))
        .collect()
}

/// The fields a sample run decides (not `meta`).
fn samples(record: &Value) -> Value {
    serde_json::json!([record["raw_outputs"], record["outputs"], record["finish_reasons"], record["n_tokens"]])
}

fn run(mut command: Command) -> Output {
    let output = command.output().unwrap();
    assert!(output.status.success(), "{}", text(&output));
    output
}

#[test]
#[ignore = "slow: builds and starts llama.cpp's server (scripts/setup-generation-server)"]
fn generation_through_a_real_server_matches_the_local_engine_resumes_shards_and_reports_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), &["sft_instruct", "base"]);
    let path = |name: &str| dir.path().join(name);

    // Greedy: the server's tokens are the local engine's, with the chat template and with
    // raw prompts and stop sequences.
    for model in ["sft_instruct", "base"] {
        let greedy = ["--n", "12", "--k", "2", "--temperature", "0", "--samples-per-request", "one"];
        let local = path(&format!("{model}.local.jsonl"));
        run(generate(model, &local, &greedy));
        let remote = path(&format!("{model}.server.jsonl"));
        let mut args = greedy.map(str::to_owned).to_vec();
        args.extend(served(&server, model));
        run(generate(model, &remote, &args.iter().map(String::as_str).collect::<Vec<_>>()));
        let (local, remote) = (records(&local), records(&remote));
        assert_eq!(local.len(), 12);
        assert_eq!(local.keys().collect::<Vec<_>>(), remote.keys().collect::<Vec<_>>());
        let mut reasons = Vec::new();
        for (id, record) in &local {
            assert_eq!(samples(record), samples(&remote[id]), "{model} prompt {id}");
            reasons.extend(record["finish_reasons"].as_array().unwrap().iter().cloned());
        }
        // Both backends record the same checkpoint; the server run says what served it.
        let (meta, server_meta) = (&local.values().next().unwrap()["meta"], &remote.values().next().unwrap()["meta"]);
        for field in ["weights_sha256", "tokenizer_sha256", "template_sha256", "stop_sequences"] {
            assert_eq!(meta[field], server_meta[field], "{model} {field}");
        }
        assert_eq!(server_meta["server"]["served_model"], model);
        assert_eq!(server_meta["server"]["reported"]["model_entry"]["id"], model);
        if model == "base" {
            // Raw prompts end on the task's stop sequences as well as on the end token.
            assert!(!meta["stop_sequences"].as_array().unwrap().is_empty());
            assert!(meta["template_sha256"].is_null());
        } else {
            assert!(reasons.iter().any(|r| r == "eos"), "{reasons:?}");
        }
    }

    // Sampled, killed midway, resumed: every prompt once, with the samples of an
    // uninterrupted run.
    let sampled: Vec<String> = ["--n", "30", "--k", "3", "--temperature", "1.0", "--samples-per-request", "one"]
        .map(str::to_owned)
        .into_iter()
        .chain(served(&server, "sft_instruct"))
        .chain(["--concurrency".to_owned(), "1".to_owned()])
        .collect();
    let sampled: Vec<&str> = sampled.iter().map(String::as_str).collect();
    let whole = path("whole.jsonl");
    run(generate("sft_instruct", &whole, &sampled));
    let resumed = path("resumed.jsonl");
    let mut child = generate("sft_instruct", &resumed, &sampled).spawn().unwrap();
    let start = Instant::now();
    while std::fs::read_to_string(&resumed).map_or(0, |t| t.lines().count()) < 3 {
        assert!(start.elapsed() < Duration::from_secs(120), "no lines written");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = records(&resumed).len();
    assert!(partial < 30, "the run finished before it was killed ({partial} prompts)");
    let output = run(generate("sft_instruct", &resumed, &sampled));
    let (whole, resumed_records) = (records(&whole), records(&resumed));
    assert_eq!(std::fs::read_to_string(&resumed).unwrap().lines().count(), 30, "a prompt written twice");
    for (id, record) in &whole {
        assert_eq!(samples(record), samples(&resumed_records[id]), "prompt {id}");
    }
    assert!(text(&output).contains(&format!("{} sampled now", 30 - partial)), "{}", text(&output));
    // Distinct seeds per sample: the three samples of a prompt are not all one text.
    assert!(whole.values().any(|r| {
        let outputs = r["raw_outputs"].as_array().unwrap();
        outputs.iter().any(|o| o != &outputs[0])
    }));

    // Two shards through the server merge into the unsharded run.
    let shards: Vec<PathBuf> = (1..=2).map(|i| path(&format!("shard{i}.jsonl"))).collect();
    for (i, shard) in shards.iter().enumerate() {
        let slice = format!("{}/2", i + 1);
        let mut args = sampled.clone();
        args.extend(["--shard", &slice]);
        run(generate("sft_instruct", shard, &args));
    }
    let merged = path("merged.jsonl");
    let mut merge = Command::new(env!("CARGO_BIN_EXE_divcollapse"));
    merge.arg("merge").args(&shards).arg("--out").arg(&merged);
    run(merge);
    let merged = records(&merged);
    assert_eq!(merged.keys().collect::<Vec<_>>(), whole.keys().collect::<Vec<_>>());
    for (id, record) in &whole {
        assert_eq!(samples(record), samples(&merged[id]), "prompt {id}");
        assert!(merged[id]["meta"].get("shard").is_none());
    }

    // By default the mode is asked of the server: llama.cpp's ignores `n`, so one request
    // per sample, recorded in the run file.
    let auto = path("auto.jsonl");
    let mut args = vec!["--n".to_owned(), "2".into(), "--k".into(), "2".into()];
    args.extend(served(&server, "sft_instruct"));
    run(generate("sft_instruct", &auto, &args.iter().map(String::as_str).collect::<Vec<_>>()));
    let auto = records(&auto);
    assert_eq!(auto.len(), 2);
    assert_eq!(auto.values().next().unwrap()["meta"]["server"]["samples_per_request"], "one");

    // Clear errors.
    let url = server.base_url();
    let failed = |args: &[&str], out: &str| {
        let output = generate("sft_instruct", &path(out), args).output().unwrap();
        assert!(!output.status.success());
        text(&output)
    };
    let wrong = failed(
        &["--n", "2", "--k", "2", "--backend", "openai", "--base-url", &url, "--served-model", "no-such-model"],
        "wrong.jsonl",
    );
    assert!(wrong.contains("does not serve `no-such-model`") && wrong.contains("sft_instruct"), "{wrong}");
    let closed = format!("http://127.0.0.1:{}/v1", free_port());
    let unreachable = failed(
        &["--n", "2", "--k", "2", "--backend", "openai", "--base-url", &closed, "--served-model", "sft_instruct"],
        "closed.jsonl",
    );
    assert!(unreachable.contains("cannot reach the server"), "{unreachable}");
    let no_n = failed(
        &["--n", "2", "--k", "2", "--backend", "openai", "--base-url", &url, "--served-model", "sft_instruct"]
            .into_iter()
            .chain(["--samples-per-request", "all"])
            .collect::<Vec<_>>(),
        "all.jsonl",
    );
    assert!(no_n.contains("does not support `n`") && no_n.contains("--samples-per-request one"), "{no_n}");
    drop(server);
}
