//! `divcollapse embed --encoder DIR --input FILE --format json` (the CLI contract), and
//! `divcollapse score` with the SBERT and Vendi metrics through a sentence encoder.

use std::io::Write;
use std::process::Command;

use diversity_collapse::metrics::SmallSetPolicy;
use diversity_collapse::metrics::sbert::{EmbeddingSet, sbert_diversity};
use diversity_collapse::metrics::vendi::{VendiVariant, vendi_score};
use safetensors::SafeTensors;
use serde_json::Value;

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
        assert!((norm - 1.0).abs() < 1e-5, "row {i} norm {norm}");
        for (d, v) in row.iter().enumerate() {
            assert!((v - f64::from(expected[i * dim + d])).abs() < 1e-4, "row {i} dim {d}");
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
        assert!((row["sbert"].as_f64().unwrap() - sbert).abs() < 1e-5, "{row}");
        assert!((row["vendi"].as_f64().unwrap() - vendi).abs() < 1e-4, "{row}");
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
        assert!((row["nli"].as_f64().unwrap() - want).abs() < 1e-9, "{row}");
    }
    assert_eq!(rows[2]["nli"].as_f64(), Some(0.0));
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
