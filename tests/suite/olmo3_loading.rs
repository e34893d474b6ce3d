//! Loading errors: each bad checkpoint gives the documented error, never a panic.

use std::path::{Path, PathBuf};
use std::process::Command;

use burn::tensor::FloatDType;
use diversity_collapse::device::Cpu;
use diversity_collapse::olmo3::{LoadError, load_olmo3};
use diversity_collapse::weights::WeightsError;
use safetensors::{Dtype, SafeTensors, tensor::TensorView};

use crate::tolerance;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/olmo3").join(name)
}

/// A copy of a fixture folder in a temporary directory.
fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture(name)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    dir
}

type Entry = (String, Dtype, Vec<usize>, Vec<u8>);

/// Rewrites `model.safetensors` in `folder` through `edit`.
fn rewrite(folder: &Path, edit: impl FnOnce(&mut Vec<Entry>)) {
    let path = folder.join("model.safetensors");
    let bytes = std::fs::read(&path).unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let mut entries: Vec<Entry> = file
        .tensors()
        .into_iter()
        .map(|(name, view)| (name, view.dtype(), view.shape().to_vec(), view.data().to_vec()))
        .collect();
    edit(&mut entries);
    let views: Vec<(String, TensorView<'_>)> = entries
        .iter()
        .map(|(name, dtype, shape, data)| (name.clone(), TensorView::new(*dtype, shape.clone(), data).unwrap()))
        .collect();
    std::fs::write(&path, safetensors::serialize(views, None).unwrap()).unwrap();
}

fn load(folder: &Path) -> Result<(), LoadError> {
    load_olmo3::<Cpu>(folder, &Default::default(), FloatDType::F32).map(|_| ())
}

#[test]
fn truncated_safetensors_is_reported_with_the_file() {
    let dir = copy_fixture("mha_legacy");
    let path = dir.path().join("model.safetensors");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let error = load(dir.path()).unwrap_err();
    assert!(matches!(error, LoadError::Weights(WeightsError::Safetensors { .. })), "{error}");
    assert!(error.to_string().contains("model.safetensors"), "{error}");
}

#[test]
fn missing_unexpected_and_misshapen_tensors_are_all_listed() {
    let dir = copy_fixture("mha_legacy");
    rewrite(dir.path(), |entries| {
        entries.retain(|(name, ..)| name != "model.layers.0.mlp.up_proj.weight");
        let norm = entries.iter_mut().find(|(name, ..)| name == "model.layers.2.self_attn.q_norm.weight").unwrap();
        norm.2 = vec![32];
        norm.3.truncate(32 * 4);
        entries.push(("model.layers.0.extra.weight".into(), Dtype::F32, vec![2], vec![0; 8]));
        // A buffer some exports carry: must be ignored, not reported.
        entries.push(("model.rotary_emb.inv_freq".into(), Dtype::F32, vec![2], vec![0; 8]));
    });
    let error = load(dir.path()).unwrap_err();
    let LoadError::Weights(WeightsError::Mismatch { missing, unexpected, wrong_shape, .. }) = &error else {
        panic!("{error}")
    };
    assert_eq!(missing, &[("model.layers.0.mlp.up_proj.weight".to_owned(), vec![160, 64])]);
    assert_eq!(unexpected, &[("model.layers.0.extra.weight".to_owned(), vec![2])]);
    assert_eq!(wrong_shape, &[("model.layers.2.self_attn.q_norm.weight".to_owned(), vec![64], vec![32])]);
    let message = error.to_string();
    for needle in ["missing tensor model.layers.0.mlp.up_proj.weight", "[160, 64]", "unexpected tensor", "[32]"] {
        assert!(message.contains(needle), "{needle} not in {message}");
    }
}

#[test]
fn an_unsupported_dtype_names_the_tensor() {
    let dir = copy_fixture("mha_legacy");
    rewrite(dir.path(), |entries| {
        let norm = entries.iter_mut().find(|(name, ..)| name == "model.norm.weight").unwrap();
        norm.1 = Dtype::I32;
    });
    let error = load(dir.path()).unwrap_err();
    assert!(
        matches!(&error, LoadError::Weights(WeightsError::Dtype { name, .. }) if name == "model.norm.weight"),
        "{error}"
    );
}

#[test]
fn config_and_index_problems_name_the_file_and_key() {
    let dir = copy_fixture("mha_legacy");
    let config = std::fs::read_to_string(dir.path().join("config.json")).unwrap();
    std::fs::write(dir.path().join("config.json"), config.replace("\"hidden_size\"", "\"hidden_sizes\"")).unwrap();
    let error = load(dir.path()).unwrap_err().to_string();
    assert!(error.contains("config.json") && error.contains("`hidden_size`"), "{error}");

    let dir = copy_fixture("gqa_v5");
    std::fs::remove_file(dir.path().join("model-00003-of-00006.safetensors")).unwrap();
    let error = load(dir.path()).unwrap_err().to_string();
    assert!(error.contains("model-00003-of-00006.safetensors"), "{error}");

    let empty = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("mha_legacy").join("config.json"), empty.path().join("config.json")).unwrap();
    let error = load(empty.path()).unwrap_err();
    assert!(matches!(error, LoadError::Weights(WeightsError::NoWeights { .. })), "{error}");
}

#[test]
fn logits_cli_prints_every_position_from_one_forward_pass() {
    let expected_bytes = std::fs::read(fixture("gqa_v5").join("expected.safetensors")).unwrap();
    let expected = SafeTensors::deserialize(&expected_bytes).unwrap();
    let ids: Vec<i64> = expected
        .tensor("input_ids")
        .unwrap()
        .data()
        .chunks_exact(8)
        .map(|b| i64::from_le_bytes(b.try_into().unwrap()))
        .take(40)
        .collect();
    let logits: Vec<f32> = expected
        .tensor("logits")
        .unwrap()
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    let id_list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let output = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
        .args(["logits", "--model"])
        .arg(fixture("gqa_v5"))
        .args(["--ids", &id_list, "--device", "cpu", "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rows = json["logits"].as_array().unwrap();
    assert_eq!(rows.len(), 40);
    let mut worst = 0.0f64;
    for (t, row) in rows.iter().enumerate() {
        let row = row.as_array().unwrap();
        assert_eq!(row.len(), 1024);
        for (v, value) in row.iter().enumerate() {
            worst = worst.max((value.as_f64().unwrap() - f64::from(logits[t * 1024 + v])).abs());
        }
    }
    assert!(worst < tolerance::OLMO3_LOGITS_CLI, "max abs error {worst}");

    let output = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
        .args(["logits", "--model"])
        .arg(fixture("gqa_v5"))
        .args(["--ids", "1,2,x"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("entry 2"));
}

#[test]
fn olmo3_check_passes_on_the_cpu_in_f32_and_bf16() {
    let output = Command::new(env!("CARGO_BIN_EXE_divcollapse"))
        .args(["olmo3-check", "--device", "cpu", "--batch", "2", "--steps", "4", "--fixtures"])
        .arg(fixture(""))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let results: Vec<serde_json::Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(results.iter().filter(|r| r["passed"] == true).count(), 6, "{stdout}");
    assert_eq!(results.iter().filter(|r| r["tokens_per_second"].as_f64().is_some_and(|t| t > 0.0)).count(), 2);
}
