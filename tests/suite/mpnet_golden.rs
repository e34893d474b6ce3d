//! MPNet against sentence-transformers 5.7.0 / transformers 4.57.6.
//! Fixtures and generator: tests/golden/mpnet/ (see the README there).
//!
//! Tolerances: every embedding dimension within [`tolerance::MPNET_DIMENSION`] and every
//! pairwise cosine within [`tolerance::MPNET_COSINE`] of the reference (f32); batched equals
//! single within [`tolerance::MPNET_BATCHING`].

use std::path::{Path, PathBuf};

use diversity_collapse::assets::Assets;
use diversity_collapse::device::Cpu;
use diversity_collapse::encoders::SentenceEncoder;
use diversity_collapse::encoders::mpnet::relative_position_bucket;
use safetensors::SafeTensors;
use serde_json::Value;

use crate::tolerance;

fn golden(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/mpnet").join(path)
}

fn texts() -> Vec<String> {
    let json: Value = serde_json::from_str(&std::fs::read_to_string(golden("texts.json")).unwrap()).unwrap();
    json["texts"].as_array().unwrap().iter().map(|t| t["text"].as_str().unwrap().to_owned()).collect()
}

fn tensor_f32(file: &SafeTensors<'_>, key: &str) -> Vec<f32> {
    file.tensor(key).unwrap().data().chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect()
}

fn tensor_i64(file: &SafeTensors<'_>, key: &str) -> Vec<i64> {
    file.tensor(key).unwrap().data().chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().unwrap())).collect()
}

fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum()
}

/// Compares embeddings dimension by dimension and all pairwise cosines.
fn compare(got: &[Vec<f32>], want: &[f32], dim: usize, label: &str) -> (f32, f64) {
    assert_eq!(got.len() * dim, want.len());
    let mut worst_dim = 0.0f32;
    for (i, row) in got.iter().enumerate() {
        for (d, value) in row.iter().enumerate() {
            worst_dim = worst_dim.max((value - want[i * dim + d]).abs());
        }
    }
    let mut worst_cos = 0.0f64;
    for i in 0..got.len() {
        for j in i + 1..got.len() {
            let reference = dot(&want[i * dim..(i + 1) * dim], &want[j * dim..(j + 1) * dim]);
            worst_cos = worst_cos.max((dot(&got[i], &got[j]) - reference).abs());
        }
    }
    println!("{label}: max |Δ| per dimension {worst_dim:.2e}, max |Δcos| {worst_cos:.2e}");
    (worst_dim, worst_cos)
}

#[test]
fn relative_position_buckets_match_transformers() {
    let json: Value = serde_json::from_str(&std::fs::read_to_string(golden("position_buckets.json")).unwrap()).unwrap();
    let relative = json["relative_position"].as_array().unwrap();
    let buckets = json["bucket"].as_array().unwrap();
    assert!(relative.len() > 1000);
    for (r, b) in relative.iter().zip(buckets) {
        assert_eq!(relative_position_bucket(r.as_i64().unwrap(), 32, 128) as u64, b.as_u64().unwrap(), "relative {r}");
    }
}

#[test]
fn tiny_mpnet_matches_sentence_transformers_and_batching_does_not_change_vectors() {
    let encoder = SentenceEncoder::<Cpu>::load(&golden("tiny"), &Default::default()).unwrap();
    assert_eq!(encoder.max_seq_length(), 64);
    let bytes = std::fs::read(golden("tiny/expected.safetensors")).unwrap();
    let expected = SafeTensors::deserialize(&bytes).unwrap();
    let texts = texts();
    // Token ids of the first ten texts (truncated at 64, padded in the fixture).
    let ids = tensor_i64(&expected, "input_ids");
    let mask = tensor_i64(&expected, "attention_mask");
    let width = ids.len() / 10;
    for (i, text) in texts.iter().take(10).enumerate() {
        let want: Vec<u32> =
            (0..width).filter(|&t| mask[i * width + t] == 1).map(|t| ids[i * width + t] as u32).collect();
        assert_eq!(encoder.token_ids(text).unwrap(), want, "token ids of text {i}");
    }
    let got = encoder.encode(&texts, 16).unwrap();
    let (worst_dim, worst_cos) = compare(&got, &tensor_f32(&expected, "embeddings"), encoder.dim(), "tiny");
    assert!(worst_dim < tolerance::MPNET_DIMENSION && worst_cos < tolerance::MPNET_COSINE);
    for (i, text) in texts.iter().enumerate().take(40) {
        let alone = encoder.encode(&[text], 1).unwrap();
        let error = alone[0].iter().zip(&got[i]).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
        assert!(error < tolerance::MPNET_BATCHING, "text {i}: batched and single differ by {error}");
    }
}

#[test]
fn all_mpnet_base_v2_matches_sentence_transformers_on_real_weights() {
    let folder = Assets::locate().mpnet().expect("run scripts/setup: this test uses the real all-mpnet-base-v2");
    let encoder = SentenceEncoder::<Cpu>::load(&folder, &Default::default()).unwrap();
    assert_eq!((encoder.dim(), encoder.max_seq_length()), (768, 384));
    let bytes = std::fs::read(golden("real_embeddings.safetensors")).unwrap();
    let expected = SafeTensors::deserialize(&bytes).unwrap();
    let texts = texts();
    assert!(texts.len() >= 150);
    let counts = tensor_i64(&expected, "num_tokens");
    for (i, text) in texts.iter().enumerate() {
        assert_eq!(encoder.token_ids(text).unwrap().len() as i64, counts[i], "token count of text {i}");
    }
    let got = encoder.encode(&texts, 32).unwrap();
    let (worst_dim, worst_cos) = compare(&got, &tensor_f32(&expected, "embeddings"), 768, "all-mpnet-base-v2");
    assert!(worst_dim < tolerance::MPNET_DIMENSION, "max per-dimension error {worst_dim}");
    assert!(worst_cos < tolerance::MPNET_COSINE, "max cosine error {worst_cos}");
}

#[test]
fn encoder_folders_with_missing_files_or_unsupported_pooling_give_clear_errors() {
    let copy = tempfile::tempdir().unwrap();
    let copy_tree = |from: &Path, to: &Path| {
        for entry in walk(from) {
            let target = to.join(entry.strip_prefix(from).unwrap());
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&entry, &target).unwrap();
        }
    };
    copy_tree(&golden("tiny"), copy.path());
    std::fs::remove_file(copy.path().join("tokenizer.json")).unwrap();
    let error = SentenceEncoder::<Cpu>::load(copy.path(), &Default::default()).err().unwrap().to_string();
    assert!(error.contains("tokenizer.json"), "{error}");

    copy_tree(&golden("tiny"), copy.path());
    std::fs::write(copy.path().join("1_Pooling/config.json"), r#"{"pooling_mode_cls_token": true}"#).unwrap();
    let error = SentenceEncoder::<Cpu>::load(copy.path(), &Default::default()).err().unwrap().to_string();
    assert!(error.contains("pooling") && error.contains("1_Pooling/config.json"), "{error}");

    copy_tree(&golden("tiny"), copy.path());
    std::fs::remove_file(copy.path().join("modules.json")).unwrap();
    let error = SentenceEncoder::<Cpu>::load(copy.path(), &Default::default()).err().unwrap().to_string();
    assert!(error.contains("modules.json"), "{error}");

    // A tokenizer from another model (the real all-mpnet-base-v2 vocabulary is larger).
    if let Ok(real) = Assets::locate().mpnet() {
        copy_tree(&golden("tiny"), copy.path());
        std::fs::copy(real.join("tokenizer.json"), copy.path().join("tokenizer.json")).unwrap();
        let error = SentenceEncoder::<Cpu>::load(copy.path(), &Default::default()).err().unwrap().to_string();
        assert!(error.contains("do not belong together"), "{error}");
    }
}

fn walk(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}
