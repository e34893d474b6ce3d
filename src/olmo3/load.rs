//! Loading a Hugging Face Olmo 3 checkpoint folder: `config.json` plus either a single
//! `model.safetensors` or shards listed in `model.safetensors.index.json`.
//!
//! Loading is strict: every expected tensor must be present with the expected shape and
//! nothing else may be there (except known ignorable buffers such as
//! `…rotary_emb.inv_freq`). All problems are collected and reported together, by name
//! and shape. f32, f16, bf16 and f64 on disk are accepted; tensors are created on the
//! device in the dtype the caller asks for (f32 on CPU; bf16 or f32 on CUDA).

use std::collections::BTreeMap;
use std::path::Path;

use burn::module::Param;
use burn::nn::Embedding;
use burn::tensor::backend::Backend;
use burn::tensor::{FloatDType, Tensor};

use super::config::{ConfigError, Olmo3Config};
use super::model::{Olmo3Attention, Olmo3DecoderLayer, Olmo3ForCausalLM, Olmo3Mlp, Olmo3Model, Olmo3RmsNorm};
use crate::weights::{HostTensors, WeightsError, linear};

/// Errors loading a checkpoint.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// `config.json` is missing or invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The weights are missing, unreadable, or do not match the configuration.
    #[error(transparent)]
    Weights(#[from] WeightsError),
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

/// Loads `folder` (a Hugging Face Olmo 3 checkpoint) onto `device`, with weights in
/// `dtype` (f32 on CPU; bf16 or f32 on CUDA).
pub fn load_olmo3<B: Backend>(
    folder: &Path,
    device: &B::Device,
    dtype: FloatDType,
) -> Result<Olmo3ForCausalLM<B>, LoadError> {
    let config = Olmo3Config::from_file(&folder.join("config.json"))?;
    let tensors = HostTensors::read_folder(folder, ignorable)?;
    tensors.check(folder, &expected_tensors(&config))?;
    Ok(assemble(config, tensors, device, dtype))
}

/// Builds the network from host tensors that hold every name of [`expected_tensors`]
/// with its shape (checked by the caller).
pub(crate) fn assemble<B: Backend>(
    config: Olmo3Config,
    mut tensors: HostTensors,
    device: &B::Device,
    dtype: FloatDType,
) -> Olmo3ForCausalLM<B> {
    let mut tensor = |name: &str| -> Tensor<B, 2> { tensors.take::<B, 2>(name, device, dtype) };
    let linear = |weight: Tensor<B, 2>| linear(weight, None);
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
        let weight = tensors.take::<B, 1>(name, device, dtype);
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
    Olmo3ForCausalLM {
        model: Olmo3Model { embed_tokens: Embedding { weight: Param::from_tensor(embed) }, layers, norm },
        lm_head: linear(lm_head),
        config,
        rope,
    }
}
