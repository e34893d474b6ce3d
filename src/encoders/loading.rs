//! Loading helpers shared by the encoders: JSON configuration files with clear errors,
//! and checked host tensors turned into f32 device modules by Hugging Face name.

use std::path::{Path, PathBuf};

use burn::module::Param;
use burn::nn::Linear;
use burn::tensor::backend::Backend;
use burn::tensor::{FloatDType, Tensor};

use super::layers::{LayerNorm, linear};
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
        let weight = self.matrix(&format!("{prefix}.weight"));
        linear(weight, Some(self.vector(&format!("{prefix}.bias"))))
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
