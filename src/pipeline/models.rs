//! The models that score outputs (the sentence encoder, the NLI model) and the
//! embedding cache, loaded once and shared by the score and analyse stages.

use std::path::{Path, PathBuf};

use burn::tensor::backend::Backend;

use super::{StageError, hash_file};
use crate::encoders::SentenceEncoder;
use crate::encoders::cache::EmbeddingCache;
use crate::encoders::roberta::NliModel;

/// Where the scoring models are and how they run.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSettings {
    /// sentence-transformers folder (`None`: the fetched all-mpnet-base-v2).
    pub encoder: Option<PathBuf>,
    /// NLI model folder (roberta-large-mnli), when NLI diversity is wanted.
    pub nli_model: Option<PathBuf>,
    /// NLI pair truncation in tokens (the study: 512).
    pub nli_max_length: usize,
    /// Texts per encoder batch.
    pub batch_size: usize,
    /// Embedding cache file (created if absent), keyed by model hash, max length and text.
    pub embedding_cache: Option<PathBuf>,
    /// Code encoder folder (microsoft/unixcoder-base), for `code_sbert` and `code_vendi`.
    pub code_encoder: Option<PathBuf>,
}

impl Default for ModelSettings {
    fn default() -> Self {
        Self {
            encoder: None,
            nli_model: None,
            nli_max_length: 512,
            batch_size: 32,
            embedding_cache: None,
            code_encoder: None,
        }
    }
}

impl ModelSettings {
    /// The encoder folder: the one given, else the fetched all-mpnet-base-v2.
    pub fn encoder_dir(&self) -> Result<PathBuf, StageError> {
        match &self.encoder {
            Some(dir) => Ok(dir.clone()),
            None => Ok(crate::assets::Assets::locate().mpnet()?),
        }
    }
}

/// A loaded sentence encoder with the hash of its weights.
pub struct LoadedEncoder<B: Backend> {
    /// The encoder.
    pub encoder: SentenceEncoder<B>,
    /// sha256 of its `model.safetensors`.
    pub sha256: String,
}

impl<B: Backend> LoadedEncoder<B> {
    /// Loads the encoder in `dir`.
    pub fn load(dir: &Path, device: &B::Device) -> Result<Self, StageError> {
        let sha256 = hash_file(&dir.join("model.safetensors"))?;
        Ok(Self { encoder: SentenceEncoder::load(dir, device)?, sha256 })
    }

    /// Loads the code encoder in `dir` ([`SentenceEncoder::load_code`]).
    pub fn load_code(dir: &Path, device: &B::Device) -> Result<Self, StageError> {
        let sha256 = hash_file(&dir.join("model.safetensors"))?;
        Ok(Self { encoder: SentenceEncoder::load_code(dir, device)?, sha256 })
    }

    /// Opens the embedding cache at `path` for this encoder.
    pub fn open_cache(&self, path: &Path) -> Result<EmbeddingCache, StageError> {
        Ok(EmbeddingCache::open(path, self.encoder.dim(), &self.sha256, self.encoder.max_seq_length())?)
    }
}

/// Loads the NLI model of the settings, with the hash of its weights.
pub fn load_nli<B: Backend>(
    settings: &ModelSettings,
    device: &B::Device,
) -> Result<Option<(NliModel<B>, String)>, StageError> {
    let Some(dir) = &settings.nli_model else { return Ok(None) };
    let sha256 = hash_file(&dir.join("model.safetensors"))?;
    Ok(Some((NliModel::load(dir, settings.nli_max_length, settings.batch_size, device)?, sha256)))
}
