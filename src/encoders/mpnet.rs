//! MPNet (transformers' `MPNetModel`) in burn, as all-mpnet-base-v2 uses it.
//!
//! What MPNet has that BERT lacks: position ids that start at `padding_idx + 1` (a
//! cumulative sum over non-padding tokens, like RoBERTa), no token-type embeddings, and a
//! learned relative attention bias shared by all layers, indexed by T5-style buckets of
//! the relative position (`MPNetEncoder.compute_position_bias`, bidirectional, 32 buckets,
//! max distance 128). Weight names are the Hugging Face ones.

use std::collections::BTreeMap;
use std::path::Path;

use burn::module::{Module, Param};
use burn::nn::Embedding;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};
use serde::Deserialize;

use super::layers::{EncoderLayer, LayerNorm, ids_and_positions, padding_bias};
use super::loading::{
    DeviceTensors, EncoderLoadError, LayerNames, default_hidden_act, default_layer_norm_eps, default_pad_token_id,
    read_json,
};
use crate::weights::HostTensors;

/// MPNet's names for the parts of an encoder layer.
const MPNET_LAYER: LayerNames = LayerNames {
    query: "attention.attn.q",
    key: "attention.attn.k",
    value: "attention.attn.v",
    attention_output: "attention.attn.o",
    attention_norm: "attention.LayerNorm",
    intermediate: "intermediate.dense",
    output: "output.dense",
    output_norm: "output.LayerNorm",
};

/// The maximum relative distance of the position buckets (fixed in transformers).
const MAX_DISTANCE: i64 = 128;

/// `config.json` of an MPNet checkpoint (fields used).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct MpnetConfig {
    /// Vocabulary size.
    pub vocab_size: usize,
    /// Model width.
    pub hidden_size: usize,
    /// Number of layers.
    pub num_hidden_layers: usize,
    /// Attention heads.
    pub num_attention_heads: usize,
    /// Feed-forward width.
    pub intermediate_size: usize,
    /// Rows of the position embedding table.
    pub max_position_embeddings: usize,
    /// LayerNorm epsilon.
    #[serde(default = "default_layer_norm_eps")]
    pub layer_norm_eps: f64,
    /// Relative attention buckets.
    #[serde(default = "default_buckets")]
    pub relative_attention_num_buckets: usize,
    /// Padding id (also the position padding index).
    #[serde(default = "default_pad_token_id")]
    pub pad_token_id: u32,
    /// Activation (only `gelu` is supported).
    #[serde(default = "default_hidden_act")]
    pub hidden_act: String,
}

fn default_buckets() -> usize {
    32
}

/// MPNet encoder.
#[derive(Module, Debug)]
pub struct MpnetModel<B: Backend> {
    /// Token embeddings.
    pub word_embeddings: Embedding<B>,
    /// Absolute position embeddings.
    pub position_embeddings: Embedding<B>,
    /// Embedding LayerNorm.
    pub embeddings_norm: LayerNorm<B>,
    /// Encoder layers.
    pub layers: Vec<EncoderLayer<B>>,
    /// Relative attention bias `[buckets, heads]`.
    pub relative_attention_bias: Param<Tensor<B, 2>>,
    /// Bucket count.
    pub num_buckets: usize,
    /// Padding id.
    pub padding_idx: u32,
}

/// transformers' `MPNetEncoder.relative_position_bucket` for `relative = key − query`,
/// bidirectional: half of the buckets for each sign, exact for small distances and
/// logarithmic up to `max_distance`. The logarithm is taken in f32, as torch does.
pub fn relative_position_bucket(relative: i64, num_buckets: usize, max_distance: i64) -> usize {
    let half = (num_buckets / 2) as i64;
    let n = -relative;
    let mut bucket = if n < 0 { half } else { 0 };
    let n = n.abs();
    let max_exact = half / 2;
    if n < max_exact {
        bucket += n;
    } else {
        let scaled = ((n as f32 / max_exact as f32).ln() / ((max_distance as f64 / max_exact as f64).ln() as f32)
            * (half - max_exact) as f32) as i64;
        bucket += (max_exact + scaled).min(half - 1);
    }
    bucket as usize
}

impl<B: Backend> MpnetModel<B> {
    /// Token embeddings of the last layer, `[batch, T, hidden]`, for right-padded
    /// `input_ids` with `attention_mask` (1 = token, 0 = padding).
    pub fn forward(&self, input_ids: &[Vec<u32>], attention_mask: &[Vec<u8>], device: &B::Device) -> Tensor<B, 3> {
        let length = input_ids.first().map_or(0, Vec::len);
        let (ids, positions) = ids_and_positions::<B>(input_ids, self.padding_idx, device);
        let mut x = self
            .embeddings_norm
            .forward(self.word_embeddings.forward(ids) + self.position_embeddings.forward(positions));
        let bias = padding_bias::<B>(attention_mask, device) + self.position_bias(length, device);
        for layer in &self.layers {
            x = layer.forward(x, bias.clone());
        }
        x
    }

    /// The relative position bias `[1, heads, T, T]` for positions `0..T`.
    fn position_bias(&self, length: usize, device: &B::Device) -> Tensor<B, 4> {
        let buckets: Vec<i64> = (0..length as i64)
            .flat_map(|query| {
                (0..length as i64)
                    .map(move |key| relative_position_bucket(key - query, self.num_buckets, MAX_DISTANCE) as i64)
            })
            .collect();
        let index = Tensor::<B, 1, Int>::from_data(TensorData::new(buckets, [length * length]), device);
        let table = self.relative_attention_bias.val();
        let [_, heads] = table.dims();
        table.select(0, index).reshape([length, length, heads]).permute([2, 0, 1]).unsqueeze::<4>()
    }

    /// The tensors an MPNet checkpoint must hold.
    pub fn expected_tensors(config: &MpnetConfig) -> BTreeMap<String, Vec<usize>> {
        let h = config.hidden_size;
        let mut expected = BTreeMap::new();
        expected.insert("embeddings.word_embeddings.weight".into(), vec![config.vocab_size, h]);
        expected.insert("embeddings.position_embeddings.weight".into(), vec![config.max_position_embeddings, h]);
        expected.insert("embeddings.LayerNorm.weight".into(), vec![h]);
        expected.insert("embeddings.LayerNorm.bias".into(), vec![h]);
        expected.insert(
            "encoder.relative_attention_bias.weight".into(),
            vec![config.relative_attention_num_buckets, config.num_attention_heads],
        );
        for i in 0..config.num_hidden_layers {
            MPNET_LAYER.expect(&format!("encoder.layer.{i}"), h, config.intermediate_size, &mut expected);
        }
        expected
    }

    /// Loads the transformer part of a checkpoint folder (config.json + safetensors).
    /// The pooler head and the `position_ids` buffer, unused for sentence embeddings,
    /// are skipped.
    pub fn load(folder: &Path, device: &B::Device) -> Result<(Self, MpnetConfig), EncoderLoadError> {
        let config_path = folder.join("config.json");
        let config: MpnetConfig = read_json(&config_path)?;
        if config.hidden_act != "gelu" {
            return Err(EncoderLoadError::Config {
                path: config_path,
                message: format!("field `hidden_act`: only \"gelu\" is supported, found \"{}\"", config.hidden_act),
            });
        }
        if config.num_attention_heads == 0 || !config.hidden_size.is_multiple_of(config.num_attention_heads) {
            return Err(EncoderLoadError::Config {
                path: config_path,
                message: "field `num_attention_heads` does not divide `hidden_size`".to_owned(),
            });
        }
        let mut tensors =
            HostTensors::read_folder(folder, |name| name.starts_with("pooler.") || name == "embeddings.position_ids")?;
        tensors.check(folder, &Self::expected_tensors(&config))?;
        let mut take = DeviceTensors { tensors: &mut tensors, device, eps: config.layer_norm_eps };
        let word = take.matrix("embeddings.word_embeddings.weight");
        let position = take.matrix("embeddings.position_embeddings.weight");
        let relative = take.matrix("encoder.relative_attention_bias.weight");
        let embeddings_norm = take.norm("embeddings.LayerNorm");
        let layers = (0..config.num_hidden_layers)
            .map(|i| take.encoder_layer(&format!("encoder.layer.{i}"), &MPNET_LAYER, config.num_attention_heads))
            .collect();
        let model = Self {
            word_embeddings: Embedding { weight: Param::from_tensor(word) },
            position_embeddings: Embedding { weight: Param::from_tensor(position) },
            embeddings_norm,
            layers,
            relative_attention_bias: Param::from_tensor(relative),
            num_buckets: config.relative_attention_num_buckets,
            padding_idx: config.pad_token_id,
        };
        Ok((model, config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_exact_near_zero_signed_and_capped() {
        // 32 buckets: 16 per direction, exact below 8, logarithmic up to 128, capped at 15.
        assert_eq!(relative_position_bucket(0, 32, 128), 0);
        assert_eq!(relative_position_bucket(-3, 32, 128), 3);
        assert_eq!(relative_position_bucket(3, 32, 128), 16 + 3);
        assert_eq!(relative_position_bucket(-1000, 32, 128), 15);
        assert_eq!(relative_position_bucket(1000, 32, 128), 31);
        let increasing: Vec<usize> = (0..200).map(|d| relative_position_bucket(-d, 32, 128)).collect();
        assert!(increasing.windows(2).all(|w| w[0] <= w[1]));
    }
}
