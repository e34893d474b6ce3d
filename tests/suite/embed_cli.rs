//! `divcollapse embed --encoder DIR --input FILE --format json` (the CLI contract), and
//! `divcollapse score` with the SBERT and Vendi metrics through a sentence encoder.

use std::io::Write;
use std::process::Command;

use diversity_collapse::metrics::SmallSetPolicy;
use diversity_collapse::metrics::sbert::{EmbeddingSet, sbert_diversity};
use diversity_collapse::metrics::vendi::{VendiVariant, vendi_score};
use safetensors::SafeTensors;
use serde_json::Value;

use crate::tolerance;

const TINY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/mpnet/tiny");

fn texts() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/mpnet/texts.json");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json["texts"].as_array().unwrap().iter().map(|t| t["text"].as_str().unwrap().to_owned()).collect()
}

fn expected_embeddings() -> Vec<f32> {
    let bytes = std::fs::read(format!("{TINY}/expected.safetensors")).unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    file.tensor("embeddings")
        .unwrap()
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

#[test]
fn embed_prints_normalised_embeddings_of_every_line() {
    let texts = texts();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("texts.jsonl");
    let mut file = std::fs::File::create(&input).unwrap();
    for text in &texts {
        writeln!(file, "{}", serde_json::json!({ "text": text })).unwrap();
    }
    drop(file);
    let output = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
        .args(["embed", "--encoder", TINY, "--input", input.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let rows = json["embeddings"].as_array().unwrap();
    assert_eq!(rows.len(), texts.len());
    let expected = expected_embeddings();
    let dim = expected.len() / texts.len();
    for (i, row) in rows.iter().enumerate() {
        let row: Vec<f64> = row.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert_eq!(row.len(), dim);
        let norm: f64 = row.iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!((norm - 1.0).abs() < tolerance::MPNET_UNIT_NORM, "row {i} norm {norm}");
        for (d, v) in row.iter().enumerate() {
            assert!((v - f64::from(expected[i * dim + d])).abs() < tolerance::MPNET_DIMENSION_CLI, "row {i} dim {d}");
        }
    }
    std::fs::write(&input, "{\"text\": \"fine\"}\n{\"txt\": \"typo\"}\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
        .args(["embed", "--encoder", TINY, "--input", input.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("texts.jsonl:2: no field `text`"));
}

#[test]
fn score_computes_sbert_and_vendi_from_the_encoders_embeddings() {
    let texts = texts();
    let expected = expected_embeddings();
    let dim = expected.len() / texts.len();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("gens.jsonl");
    let groups: Vec<Vec<usize>> = vec![(0..16).collect(), (16..32).collect(), vec![40, 40, 41], vec![50]];
    let mut file = std::fs::File::create(&input).unwrap();
    for (id, group) in groups.iter().enumerate() {
        let outputs: Vec<&str> = group.iter().map(|&i| texts[i].as_str()).collect();
        writeln!(file, "{}", serde_json::json!({"input_id": id, "outputs": outputs})).unwrap();
    }
    drop(file);
    let out = dir.path().join("scores.jsonl");
    let output = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
        .args(["score", "--generations", input.to_str().unwrap(), "--metrics", "sbert,vendi", "--encoder", TINY])
        .args(["--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let rows: Vec<Value> =
        std::fs::read_to_string(&out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    for (row, group) in rows.iter().zip(&groups) {
        let data: Vec<f32> = group.iter().flat_map(|&i| expected[i * dim..(i + 1) * dim].to_vec()).collect();
        let set = EmbeddingSet::new(&data, dim).unwrap();
        let sbert = sbert_diversity(set, SmallSetPolicy::Pipeline);
        let vendi = vendi_score(set, VendiVariant::Pipeline, SmallSetPolicy::Pipeline);
        assert!((row["sbert"].as_f64().unwrap() - sbert).abs() < tolerance::SBERT_FROM_ENCODER, "{row}");
        assert!((row["vendi"].as_f64().unwrap() - vendi).abs() < tolerance::VENDI_FROM_ENCODER, "{row}");
        assert!(row["ead"].is_null());
    }
    let nli = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
        .args([
            "score",
            "--generations",
            input.to_str().unwrap(),
            "--metrics",
            "ead,nli",
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!nli.status.success());
    assert!(String::from_utf8_lossy(&nli.stderr).contains("--nli-model"));
}

#[test]
fn score_computes_nli_with_a_supplied_model_and_the_shared_pair_stream() {
    use diversity_collapse::encoders::roberta::NliModel;
    use diversity_collapse::metrics::nli::{SentencePairSampler, nli_diversity};
    let model_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/roberta_nli/model");
    let prompts = [
        vec![
            "The cat sat. It purred loudly. Then it slept.",
            "The cat sat. It hissed. Then it ran off.",
            "A dog barked.",
        ],
        vec!["Water boils at 100 C. This is at sea level.", "Water boils at 90 C. This is on a mountain."],
        vec!["Only one output."],
    ];
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("gens.jsonl");
    let lines: Vec<String> = prompts
        .iter()
        .enumerate()
        .map(|(id, outputs)| serde_json::json!({"input_id": id, "outputs": outputs}).to_string())
        .collect();
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let out = dir.path().join("scores.jsonl");
    let output = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
        .args(["score", "--generations", input.to_str().unwrap(), "--metrics", "nli", "--nli-model", model_dir])
        .args(["--nli-max-length", "64", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let rows: Vec<Value> =
        std::fs::read_to_string(&out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut model =
        NliModel::<diversity_collapse::device::Cpu>::load(model_dir.as_ref(), 64, 32, &Default::default()).unwrap();
    let mut sampler = SentencePairSampler::default();
    for (row, outputs) in rows.iter().zip(&prompts) {
        let want = nli_diversity(outputs, &mut sampler, &mut model).unwrap();
        assert!((row["nli"].as_f64().unwrap() - want).abs() < tolerance::PARITY_F64, "{row}");
    }
    assert_eq!(rows[2]["nli"].as_f64(), Some(0.0));
}

#[test]
fn diversity_results_draw_nli_per_task_after_the_across_input_sets_as_the_reference() {
    use diversity_collapse::encoders::roberta::NliModel;
    use diversity_collapse::metrics::nli::{SentencePairSampler, nli_diversity};
    let model_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/roberta_nli/model");
    // Two tasks, interleaved in the file; every output has four to seven sentences, so
    // every output pair draws three positions from the stream.
    let sentence = |t: usize, p: usize, k: usize, s: usize| format!("Task {t} prompt {p} output {k} says {s}.");
    let records: Vec<(usize, usize, Vec<String>)> = [(0, 0), (1, 0), (0, 1), (0, 2), (1, 1)]
        .iter()
        .map(|&(t, p)| {
            let outputs = (0..3 - t)
                .map(|k| (0..4 + (p + 2 * k) % 4).map(|s| sentence(t, p, k, s)).collect::<Vec<_>>().join(" "))
                .collect();
            (t, p, outputs)
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("gens.jsonl");
    let lines: Vec<String> = records
        .iter()
        .map(|(t, p, outputs)| {
            serde_json::json!({"task": format!("t{t}"), "input_id": p, "outputs": outputs}).to_string()
        })
        .collect();
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let run = |name: &str, across: bool| -> (Vec<Value>, Vec<Value>) {
        let out = dir.path().join(format!("{name}.jsonl"));
        let results = dir.path().join(format!("{name}.json"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_divcollapse"));
        command
            .args(["score", "--generations", input.to_str().unwrap(), "--metrics", "nli", "--nli-model", model_dir])
            .args(["--nli-max-length", "64", "--out", out.to_str().unwrap(), "--diversity-results"])
            .arg(&results);
        if across {
            command.arg("--nli-across");
        }
        let output = command.output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let rows = std::fs::read_to_string(&out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let results: Value = serde_json::from_str(&std::fs::read_to_string(&results).unwrap()).unwrap();
        (rows, results.as_array().unwrap().clone())
    };
    let (rows, results) = run("scored", true);

    // The reference's compute_diversity, per task: a fresh stream; the first outputs, then
    // every output (fewer than 500), then the prompts in order.
    let mut model =
        NliModel::<diversity_collapse::device::Cpu>::load(model_dir.as_ref(), 64, 32, &Default::default()).unwrap();
    for t in 0..2 {
        let task: Vec<&Vec<String>> = records.iter().filter(|r| r.0 == t).map(|r| &r.2).collect();
        let firsts: Vec<&String> = task.iter().map(|outputs| &outputs[0]).collect();
        let all: Vec<&String> = task.iter().flat_map(|outputs| outputs.iter()).collect();
        let mut sampler = SentencePairSampler::default();
        let across = nli_diversity(&firsts, &mut sampler, &mut model).unwrap();
        let overall = nli_diversity(&all, &mut sampler, &mut model).unwrap();
        let per_input: Vec<f64> =
            task.iter().map(|outputs| nli_diversity(outputs, &mut sampler, &mut model).unwrap()).collect();
        let task_rows: Vec<f64> =
            rows.iter().filter(|r| r["task"] == format!("t{t}")).map(|r| r["nli"].as_f64().unwrap()).collect();
        assert_eq!(task_rows.len(), per_input.len());
        for (ours, want) in task_rows.iter().zip(&per_input) {
            assert!((ours - want).abs() < tolerance::PARITY_F64, "task {t}: {task_rows:?} vs {per_input:?}");
        }
        let nli = &results.iter().find(|r| r["task"] == format!("t{t}")).unwrap()["metrics"]["NLI"];
        // The JSON is rounded to 6 decimals, as the reference rounds it.
        assert!(
            (nli["across_input"].as_f64().unwrap() - across).abs() <= tolerance::DIVERSITY_RESULTS_ROUNDING,
            "{nli}"
        );
        assert!(
            (nli["overall_NLI"].as_f64().unwrap() - overall).abs() <= tolerance::DIVERSITY_RESULTS_ROUNDING,
            "{nli}"
        );
        assert!(
            (nli["overall_single_output_NLI"].as_f64().unwrap() - across).abs()
                <= tolerance::DIVERSITY_RESULTS_ROUNDING,
            "{nli}"
        );
    }

    // The file-order stream of a per-input pass alone draws other pairs: the check above
    // tells the two apart.
    let mut file_order = SentencePairSampler::default();
    let alone: Vec<f64> = records.iter().map(|r| nli_diversity(&r.2, &mut file_order, &mut model).unwrap()).collect();
    let ours: Vec<f64> = rows.iter().map(|r| r["nli"].as_f64().unwrap()).collect();
    assert!(
        alone.iter().zip(&ours).any(|(a, b)| (a - b).abs() > tolerance::NLI_STREAMS_DIFFER),
        "{alone:?} vs {ours:?}"
    );

    // Without --nli-across the same draws are made, so the per-input values are equal,
    // and the unscored sets are left out of the JSON.
    let (unscored_rows, unscored) = run("drawn", false);
    assert_eq!(rows, unscored_rows);
    for task in &unscored {
        let nli = &task["metrics"]["NLI"];
        assert!(nli.get("across_input").is_none() && nli.get("overall_NLI").is_none(), "{nli}");
        assert!(nli["per_input_mean"].is_f64());
    }
}

#[test]
fn a_second_score_run_reads_every_embedding_from_the_cache() {
    let texts = texts();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("gens.jsonl");
    let lines: Vec<String> =
        (0..4).map(|p| serde_json::json!({"input_id": p, "outputs": &texts[p * 8..p * 8 + 8]}).to_string()).collect();
    std::fs::write(&input, lines.join("\n") + "\n").unwrap();
    let cache = dir.path().join("embeddings.cache");
    let run = |out: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
            .env("RUST_LOG", "info")
            .args(["score", "--generations", input.to_str().unwrap(), "--metrics", "sbert,vendi", "--encoder", TINY])
            .args(["--embedding-cache", cache.to_str().unwrap(), "--out"])
            .arg(dir.path().join(out))
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let first = run("a.jsonl");
    assert!(first.contains("0 hits"), "{first}");
    let second = run("b.jsonl");
    assert!(second.contains(" 0 misses"), "{second}");
    assert_eq!(std::fs::read(dir.path().join("a.jsonl")).unwrap(), std::fs::read(dir.path().join("b.jsonl")).unwrap());
}
