//! Loading a Hugging Face Olmo 3 checkpoint folder: `config.json` plus either a single
//! `model.safetensors` or shards listed in `model.safetensors.index.json`.
//!
//! Loading is strict: every expected tensor must be present with the expected shape and
//! nothing else may be there (except known ignorable buffers such as
//! `…rotary_emb.inv_freq`). All problems are collected and reported together, by name
//! and shape. f32, f16, bf16 and f64 on disk are accepted; tensors are created on the
//! device in the dtype the caller asks for (f32 on CPU; bf16 or f32 on CUDA).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use burn::module::Param;
use burn::nn::{Embedding, Linear};
use burn::tensor::backend::Backend;
use burn::tensor::{FloatDType, Tensor, TensorData};
use safetensors::{Dtype, SafeTensors};

use super::config::{ConfigError, Olmo3Config};
use super::model::{Olmo3Attention, Olmo3DecoderLayer, Olmo3ForCausalLM, Olmo3Mlp, Olmo3Model, Olmo3RmsNorm};

/// Errors loading a checkpoint.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// `config.json` is missing or invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// No weights file was found.
    #[error("{folder}: no model.safetensors or model.safetensors.index.json")]
    NoWeights {
        /// The checkpoint folder.
        folder: PathBuf,
    },
    /// A file cannot be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The shard index is not valid JSON or lacks `weight_map`.
    #[error("{path}: invalid shard index: {problem}")]
    Index {
        /// The index file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A safetensors file is truncated or its header is invalid.
    #[error("{path}: invalid safetensors file: {problem}")]
    Safetensors {
        /// The file.
        path: PathBuf,
        /// The safetensors library's message.
        problem: String,
    },
    /// A tensor is stored in a dtype this loader does not read.
    #[error("{path}: tensor `{name}` has unsupported dtype {dtype} (expected F32, F16, BF16 or F64)")]
    Dtype {
        /// The file.
        path: PathBuf,
        /// The tensor.
        name: String,
        /// Its dtype.
        dtype: String,
    },
    /// Tensors are missing, unexpected, or of the wrong shape.
    #[error("{folder}: checkpoint does not match config.json:{}", describe_mismatch(.missing, .unexpected, .wrong_shape))]
    Mismatch {
        /// The checkpoint folder.
        folder: PathBuf,
        /// Expected tensors not found, with their expected shapes.
        missing: Vec<(String, Vec<usize>)>,
        /// Tensors found that the model has no place for, with their shapes.
        unexpected: Vec<(String, Vec<usize>)>,
        /// `(name, expected shape, found shape)`.
        wrong_shape: Vec<(String, Vec<usize>, Vec<usize>)>,
    },
}

fn describe_mismatch(
    missing: &[(String, Vec<usize>)],
    unexpected: &[(String, Vec<usize>)],
    wrong: &[(String, Vec<usize>, Vec<usize>)],
) -> String {
    let mut text = String::new();
    for (name, shape) in missing {
        text.push_str(&format!("\n  missing tensor {name} (expected shape {shape:?})"));
    }
    for (name, shape) in unexpected {
        text.push_str(&format!("\n  unexpected tensor {name} (shape {shape:?})"));
    }
    for (name, expected, found) in wrong {
        text.push_str(&format!("\n  tensor {name} has shape {found:?}, expected {expected:?}"));
    }
    text
}

/// Buffers that some exports carry and the model recomputes.
fn ignorable(name: &str) -> bool {
    name.ends_with("rotary_emb.inv_freq")
}

/// The tensors an Olmo 3 checkpoint must hold, with their shapes (PyTorch layout).
pub fn expected_tensors(config: &Olmo3Config) -> BTreeMap<String, Vec<usize>> {
    let hidden = config.hidden_size;
    let q_width = config.num_attention_heads * config.head_dim;
    let kv_width = config.num_key_value_heads * config.head_dim;
    let mut expected = BTreeMap::new();
    expected.insert("model.embed_tokens.weight".to_owned(), vec![config.vocab_size, hidden]);
    expected.insert("model.norm.weight".to_owned(), vec![hidden]);
    if !config.tie_word_embeddings {
        expected.insert("lm_head.weight".to_owned(), vec![config.vocab_size, hidden]);
    }
    for i in 0..config.num_hidden_layers {
        let p = format!("model.layers.{i}");
        for (name, shape) in [
            ("self_attn.q_proj.weight", vec![q_width, hidden]),
            ("self_attn.k_proj.weight", vec![kv_width, hidden]),
            ("self_attn.v_proj.weight", vec![kv_width, hidden]),
            ("self_attn.o_proj.weight", vec![hidden, q_width]),
            ("self_attn.q_norm.weight", vec![q_width]),
            ("self_attn.k_norm.weight", vec![kv_width]),
            ("mlp.gate_proj.weight", vec![config.intermediate_size, hidden]),
            ("mlp.up_proj.weight", vec![config.intermediate_size, hidden]),
            ("mlp.down_proj.weight", vec![hidden, config.intermediate_size]),
            ("post_attention_layernorm.weight", vec![hidden]),
            ("post_feedforward_layernorm.weight", vec![hidden]),
        ] {
            expected.insert(format!("{p}.{name}"), shape);
        }
    }
    expected
}

/// A loaded checkpoint folder's weight files, in reading order.
fn weight_files(folder: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let single = folder.join("model.safetensors");
    if single.is_file() {
        return Ok(vec![single]);
    }
    let index = folder.join("model.safetensors.index.json");
    if !index.is_file() {
        return Err(LoadError::NoWeights { folder: folder.to_owned() });
    }
    let text = std::fs::read_to_string(&index).map_err(|source| LoadError::Io { path: index.clone(), source })?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|error| LoadError::Index { path: index.clone(), problem: error.to_string() })?;
    let map = value
        .get("weight_map")
        .and_then(|m| m.as_object())
        .ok_or_else(|| LoadError::Index { path: index.clone(), problem: "no `weight_map` object".to_owned() })?;
    let mut shards = BTreeSet::new();
    for (name, file) in map {
        let file = file.as_str().ok_or_else(|| LoadError::Index {
            path: index.clone(),
            problem: format!("`weight_map.{name}` is not a file name"),
        })?;
        shards.insert(file.to_owned());
    }
    Ok(shards.into_iter().map(|file| folder.join(file)).collect())
}

/// Converts one stored tensor to f32 values.
fn to_f32(path: &Path, name: &str, dtype: Dtype, bytes: &[u8]) -> Result<Vec<f32>, LoadError> {
    let values = match dtype {
        Dtype::F32 => bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
        Dtype::BF16 => bytes.chunks_exact(2).map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
        Dtype::F16 => bytes.chunks_exact(2).map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32()).collect(),
        Dtype::F64 => bytes
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32)
            .collect(),
        other => {
            return Err(LoadError::Dtype { path: path.to_owned(), name: name.to_owned(), dtype: format!("{other:?}") });
        }
    };
    Ok(values)
}

/// Host copies of a checkpoint's tensors by name: shape and f32 values.
type HostTensors = BTreeMap<String, (Vec<usize>, Vec<f32>)>;

/// Reads all tensors of `files` as f32 host data.
fn read_tensors(files: &[PathBuf]) -> Result<HostTensors, LoadError> {
    let mut tensors = BTreeMap::new();
    for path in files {
        let bytes = std::fs::read(path).map_err(|source| LoadError::Io { path: path.clone(), source })?;
        let file = SafeTensors::deserialize(&bytes)
            .map_err(|error| LoadError::Safetensors { path: path.clone(), problem: error.to_string() })?;
        for (name, view) in file.tensors() {
            if ignorable(&name) {
                continue;
            }
            let values = to_f32(path, &name, view.dtype(), view.data())?;
            tensors.insert(name, (view.shape().to_vec(), values));
        }
    }
    Ok(tensors)
}

/// Loads `folder` (a Hugging Face Olmo 3 checkpoint) onto `device`, with weights in
/// `dtype` (f32 on CPU; bf16 or f32 on CUDA).
pub fn load_olmo3<B: Backend>(
    folder: &Path,
    device: &B::Device,
    dtype: FloatDType,
) -> Result<Olmo3ForCausalLM<B>, LoadError> {
    let config = Olmo3Config::from_file(&folder.join("config.json"))?;
    let files = weight_files(folder)?;
    let mut tensors = read_tensors(&files)?;

    let expected = expected_tensors(&config);
    let mut missing = Vec::new();
    let mut wrong_shape = Vec::new();
    for (name, shape) in &expected {
        match tensors.get(name) {
            None => missing.push((name.clone(), shape.clone())),
            Some((found, _)) if found != shape => wrong_shape.push((name.clone(), shape.clone(), found.clone())),
            Some(_) => {}
        }
    }
    let unexpected: Vec<(String, Vec<usize>)> = tensors
        .iter()
        .filter(|(name, _)| !expected.contains_key(*name))
        .map(|(name, (shape, _))| (name.clone(), shape.clone()))
        .collect();
    if !missing.is_empty() || !unexpected.is_empty() || !wrong_shape.is_empty() {
        return Err(LoadError::Mismatch { folder: folder.to_owned(), missing, unexpected, wrong_shape });
    }

    let mut take = |name: &str| -> (Vec<usize>, Vec<f32>) { tensors.remove(name).expect("checked above") };
    let mut tensor = |name: &str| -> Tensor<B, 2> {
        let (shape, values) = take(name);
        let data = TensorData::new(values, [shape[0], shape[1]]);
        Tensor::<B, 2>::from_data(data, device).cast(dtype)
    };
    // Linear layers store [out, in] in PyTorch; burn's Linear multiplies by [in, out].
    let linear = |weight: Tensor<B, 2>| Linear { weight: Param::from_tensor(weight.transpose()), bias: None };
    let embed = tensor("model.embed_tokens.weight");
    let lm_head = if config.tie_word_embeddings { embed.clone() } else { tensor("lm_head.weight") };
    let mut layer_weights = Vec::with_capacity(config.num_hidden_layers);
    for i in 0..config.num_hidden_layers {
        let p = format!("model.layers.{i}");
        layer_weights.push((
            linear(tensor(&format!("{p}.self_attn.q_proj.weight"))),
            linear(tensor(&format!("{p}.self_attn.k_proj.weight"))),
            linear(tensor(&format!("{p}.self_attn.v_proj.weight"))),
            linear(tensor(&format!("{p}.self_attn.o_proj.weight"))),
            linear(tensor(&format!("{p}.mlp.gate_proj.weight"))),
            linear(tensor(&format!("{p}.mlp.up_proj.weight"))),
            linear(tensor(&format!("{p}.mlp.down_proj.weight"))),
        ));
    }
    let mut vector = |name: &str| -> Olmo3RmsNorm<B> {
        let (shape, values) = tensors.remove(name).expect("checked above");
        let weight = Tensor::<B, 1>::from_data(TensorData::new(values, [shape[0]]), device).cast(dtype);
        Olmo3RmsNorm { weight: Param::from_tensor(weight), eps: config.rms_norm_eps }
    };
    let layers = layer_weights
        .into_iter()
        .enumerate()
        .map(|(i, (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj))| {
            let p = format!("model.layers.{i}");
            Olmo3DecoderLayer {
                self_attn: Olmo3Attention {
                    q_proj,
                    k_proj,
                    v_proj,
                    o_proj,
                    q_norm: vector(&format!("{p}.self_attn.q_norm.weight")),
                    k_norm: vector(&format!("{p}.self_attn.k_norm.weight")),
                    num_heads: config.num_attention_heads,
                    num_kv_heads: config.num_key_value_heads,
                    head_dim: config.head_dim,
                },
                mlp: Olmo3Mlp { gate_proj, up_proj, down_proj },
                post_attention_layernorm: vector(&format!("{p}.post_attention_layernorm.weight")),
                post_feedforward_layernorm: vector(&format!("{p}.post_feedforward_layernorm.weight")),
            }
        })
        .collect();
    let norm = vector("model.norm.weight");
    let rope = Olmo3ForCausalLM::<B>::rope_tables(&config);
    Ok(Olmo3ForCausalLM {
        model: Olmo3Model { embed_tokens: Embedding { weight: Param::from_tensor(embed) }, layers, norm },
        lm_head: linear(lm_head),
        config,
        rope,
    })
}
