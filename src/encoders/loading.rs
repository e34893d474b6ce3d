//! Loading helpers shared by the encoders: JSON configuration files with clear errors,
//! and checked host tensors turned into f32 device modules by Hugging Face name.

use std::path::{Path, PathBuf};

use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::backend::Backend;
use burn::tensor::{FloatDType, Tensor};

use std::collections::BTreeMap;

use super::layers::{EncoderLayer, LayerNorm};
use crate::weights::{HostTensors, WeightsError};

/// Errors loading an encoder.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EncoderLoadError {
    /// A configuration file cannot be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A configuration file is invalid (serde's message names the field, line and column).
    #[error("{path}: {message}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The weights are missing, unreadable or do not match the configuration.
    #[error(transparent)]
    Weights(#[from] WeightsError),
}

/// transformers' defaults for BERT-family configs (`layer_norm_eps`, `pad_token_id`,
/// `hidden_act`), shared by the MPNet and RoBERTa configurations.
pub(crate) fn default_layer_norm_eps() -> f64 {
    1e-5
}

/// See [`default_layer_norm_eps`].
pub(crate) fn default_pad_token_id() -> u32 {
    1
}

/// See [`default_layer_norm_eps`].
pub(crate) fn default_hidden_act() -> String {
    "gelu".to_owned()
}

/// Reads and parses a JSON configuration file with a clear error.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, EncoderLoadError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| EncoderLoadError::Io { path: path.to_owned(), source })?;
    serde_json::from_str(&text)
        .map_err(|error| EncoderLoadError::Config { path: path.to_owned(), message: error.to_string() })
}

/// Checked host tensors turned into f32 device modules by Hugging Face name.
pub(crate) struct DeviceTensors<'a, B: Backend> {
    pub(crate) tensors: &'a mut HostTensors,
    pub(crate) device: &'a B::Device,
    pub(crate) eps: f64,
}

impl<B: Backend> DeviceTensors<'_, B> {
    /// A `[rows, cols]` matrix.
    pub(crate) fn matrix(&mut self, name: &str) -> Tensor<B, 2> {
        self.tensors.take::<B, 2>(name, self.device, FloatDType::F32)
    }

    /// A vector.
    pub(crate) fn vector(&mut self, name: &str) -> Tensor<B, 1> {
        self.tensors.take::<B, 1>(name, self.device, FloatDType::F32)
    }

    /// `{prefix}.weight` (PyTorch `[out, in]`) and `{prefix}.bias` as a linear layer.
    pub(crate) fn linear(&mut self, prefix: &str) -> Linear<B> {
        let bias = self.vector(&format!("{prefix}.bias"));
        self.tensors.take_linear(&format!("{prefix}.weight"), self.device, FloatDType::F32, Some(bias))
    }

    /// `{prefix}.weight` and `{prefix}.bias` as a LayerNorm.
    pub(crate) fn norm(&mut self, prefix: &str) -> LayerNorm<B> {
        LayerNorm {
            weight: Param::from_tensor(self.vector(&format!("{prefix}.weight"))),
            bias: Param::from_tensor(self.vector(&format!("{prefix}.bias"))),
            eps: self.eps,
        }
    }
}

/// Hugging Face names of the parts of one post-LN encoder layer, relative to the layer's
/// prefix (each a linear layer or LayerNorm with `.weight` and `.bias`).
pub(crate) struct LayerNames {
    pub(crate) query: &'static str,
    pub(crate) key: &'static str,
    pub(crate) value: &'static str,
    pub(crate) attention_output: &'static str,
    pub(crate) attention_norm: &'static str,
    pub(crate) intermediate: &'static str,
    pub(crate) output: &'static str,
    pub(crate) output_norm: &'static str,
}

impl LayerNames {
    /// Adds the layer's tensors under `prefix` with their shapes (PyTorch layout).
    pub(crate) fn expect(
        &self,
        prefix: &str,
        hidden: usize,
        intermediate: usize,
        expected: &mut BTreeMap<String, Vec<usize>>,
    ) {
        let mut add = |name: &str, weight: Vec<usize>, bias: usize| {
            expected.insert(format!("{prefix}.{name}.weight"), weight);
            expected.insert(format!("{prefix}.{name}.bias"), vec![bias]);
        };
        for name in [self.query, self.key, self.value, self.attention_output] {
            add(name, vec![hidden, hidden], hidden);
        }
        for name in [self.attention_norm, self.output_norm] {
            add(name, vec![hidden], hidden);
        }
        add(self.intermediate, vec![intermediate, hidden], intermediate);
        add(self.output, vec![hidden, intermediate], hidden);
    }
}

impl<B: Backend> DeviceTensors<'_, B> {
    /// The encoder layer stored under `prefix` with these part names.
    pub(crate) fn encoder_layer(&mut self, prefix: &str, names: &LayerNames, num_heads: usize) -> EncoderLayer<B> {
        EncoderLayer {
            query: self.linear(&format!("{prefix}.{}", names.query)),
            key: self.linear(&format!("{prefix}.{}", names.key)),
            value: self.linear(&format!("{prefix}.{}", names.value)),
            attention_output: self.linear(&format!("{prefix}.{}", names.attention_output)),
            attention_norm: self.norm(&format!("{prefix}.{}", names.attention_norm)),
            intermediate: self.linear(&format!("{prefix}.{}", names.intermediate)),
            output: self.linear(&format!("{prefix}.{}", names.output)),
            output_norm: self.norm(&format!("{prefix}.{}", names.output_norm)),
            num_heads,
        }
    }
}
