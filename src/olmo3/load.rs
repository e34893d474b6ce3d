//! Loading a Hugging Face Olmo 3 checkpoint folder: `config.json` plus either a single
//! `model.safetensors` or shards listed in `model.safetensors.index.json`.
//!
//! Loading is strict: every expected tensor must be present with the expected shape and
//! nothing else may be there (except known ignorable buffers such as
//! `…rotary_emb.inv_freq`). All problems are collected and reported together, by name
//! and shape. f32, f16, bf16 and f64 on disk are accepted; tensors are created on the
//! device in the dtype the caller asks for (f32 on CPU; bf16 or f32 on CUDA).

use std::path::Path;

use burn::module::Param;
use burn::nn::Embedding;
use burn::tensor::FloatDType;
use burn::tensor::backend::Backend;

use super::config::{ConfigError, Olmo3Config};
use super::model::{Olmo3Attention, Olmo3DecoderLayer, Olmo3ForCausalLM, Olmo3Mlp, Olmo3Model, Olmo3RmsNorm};
use super::names::{EMBED_TOKENS, FINAL_NORM, LM_HEAD, LayerTensor, expected_tensors};
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

/// Loads `folder` (a Hugging Face Olmo 3 checkpoint) onto `device`, with weights in
/// `dtype` (f32 on CPU; bf16 or f32 on CUDA). The files are memory-mapped and each tensor
/// goes to the device as it is converted, so the host never holds the whole checkpoint
/// (see [`crate::weights`]).
pub fn load_olmo3<B: Backend>(
    folder: &Path,
    device: &B::Device,
    dtype: FloatDType,
) -> Result<Olmo3ForCausalLM<B>, LoadError> {
    load_olmo3_as(folder, device, Some(dtype))
}

/// [`load_olmo3`] in `dtype`, or (`None`) in the checkpoint's own dtype when all its
/// tensors share one of f32, bf16 and f16 (f32 otherwise).
pub fn load_olmo3_as<B: Backend>(
    folder: &Path,
    device: &B::Device,
    dtype: Option<FloatDType>,
) -> Result<Olmo3ForCausalLM<B>, LoadError> {
    let config = Olmo3Config::from_file(&folder.join("config.json"))?;
    let tensors = HostTensors::read_folder(folder, ignorable)?;
    tensors.check(folder, &expected_tensors(&config))?;
    let dtype = dtype.or_else(|| tensors.stored_dtype()).unwrap_or(FloatDType::F32);
    Ok(assemble(config, tensors, device, dtype))
}

/// Builds the network from host tensors that hold every name of
/// [`super::names::expected_tensors`]
/// with its shape (checked by the caller).
pub(crate) fn assemble<B: Backend>(
    config: Olmo3Config,
    mut tensors: HostTensors,
    device: &B::Device,
    dtype: FloatDType,
) -> Olmo3ForCausalLM<B> {
    let embed = tensors.take::<B, 2>(EMBED_TOKENS, device, dtype);
    let lm_head = match config.tie_word_embeddings {
        true => linear(embed.clone(), None),
        false => tensors.take_linear(LM_HEAD, device, dtype, None),
    };
    let mut layer_weights = Vec::with_capacity(config.num_hidden_layers);
    for i in 0..config.num_hidden_layers {
        let mut take = |t: LayerTensor| tensors.take_linear(&t.name(i), device, dtype, None);
        layer_weights.push((
            take(LayerTensor::QProj),
            take(LayerTensor::KProj),
            take(LayerTensor::VProj),
            take(LayerTensor::OProj),
            take(LayerTensor::GateProj),
            take(LayerTensor::UpProj),
            take(LayerTensor::DownProj),
        ));
    }
    let mut vector = |name: &str| -> Olmo3RmsNorm<B> {
        let weight = tensors.take::<B, 1>(name, device, dtype);
        Olmo3RmsNorm { weight: Param::from_tensor(weight), eps: config.rms_norm_eps }
    };
    let layers = layer_weights
        .into_iter()
        .enumerate()
        .map(|(i, (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj))| Olmo3DecoderLayer {
            self_attn: Olmo3Attention {
                q_proj,
                k_proj,
                v_proj,
                o_proj,
                q_norm: vector(&LayerTensor::QNorm.name(i)),
                k_norm: vector(&LayerTensor::KNorm.name(i)),
                num_heads: config.num_attention_heads,
                num_kv_heads: config.num_key_value_heads,
                head_dim: config.head_dim,
            },
            mlp: Olmo3Mlp { gate_proj, up_proj, down_proj },
            post_attention_layernorm: vector(&LayerTensor::PostAttentionNorm.name(i)),
            post_feedforward_layernorm: vector(&LayerTensor::PostFeedforwardNorm.name(i)),
        })
        .collect();
    let norm = vector(FINAL_NORM);
    let rope = Olmo3ForCausalLM::<B>::rope_tables(&config);
    Olmo3ForCausalLM {
        model: Olmo3Model { embed_tokens: Embedding { weight: Param::from_tensor(embed) }, layers, norm },
        lm_head,
        config,
        rope,
    }
}
