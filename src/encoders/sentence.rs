//! A sentence-transformers model folder run as `SentenceTransformer.encode` runs it:
//! Transformer (MPNet or RoBERTa, by `config.json`'s `model_type`) → Pooling(mean) →
//! Normalize, with the settings read from the folder (`modules.json`,
//! `sentence_bert_config.json`, `1_Pooling/config.json`), or, for a code encoder given as
//! a bare Hugging Face folder, the study's wrapping ([`SentenceEncoder::load_code`]).
//!
//! Texts are lower-cased if `do_lower_case`, tokenised with the
//! folder's `tokenizer.json` (special tokens added) and truncated to `max_seq_length`
//! word-pieces. Batches are formed from texts of similar length (sorted by length, as
//! sentence-transformers does) and padded on the right; padding is masked in attention
//! and pooling, so a text's embedding does not depend on its batch.

use std::path::{Path, PathBuf};

use burn::tensor::backend::Backend;
use serde::Deserialize;
use tokenizers::{Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

use super::cache::{CacheError, EmbeddingCache};
use super::loading::{EncoderLoadError, read_json};
use super::mpnet::MpnetModel;
use super::roberta::RobertaEncoder;

#[derive(Debug, Deserialize)]
struct ModuleEntry {
    path: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Debug, Deserialize)]
struct SentenceBertConfig {
    /// Absent in the format of sentence-transformers 5.7, which takes the tokenizer's
    /// `model_max_length` instead.
    #[serde(default)]
    max_seq_length: Option<usize>,
    #[serde(default)]
    do_lower_case: bool,
}

#[derive(Debug, Deserialize)]
struct PoolingConfig {
    /// The format of sentence-transformers 5.7: `"mean"`, `"cls"`, ….
    #[serde(default)]
    pooling_mode: Option<String>,
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
    #[serde(default)]
    pooling_mode_mean_sqrt_len_tokens: bool,
    #[serde(default)]
    pooling_mode_weightedmean_tokens: bool,
    #[serde(default)]
    pooling_mode_lasttoken: bool,
}

/// Errors setting up or running a sentence encoder.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SentenceEncoderError {
    /// A model file is missing or invalid.
    #[error(transparent)]
    Load(#[from] EncoderLoadError),
    /// The folder's module pipeline is not Transformer → Pooling(mean) [→ Normalize].
    #[error("{path}: {problem}")]
    Unsupported {
        /// The file that says so.
        path: PathBuf,
        /// What is not supported.
        problem: String,
    },
    /// The embedding cache cannot be read or written.
    #[error(transparent)]
    Cache(#[from] CacheError),
    /// The tokenizer cannot be loaded or fails on a text.
    #[error("{path}: tokenizer: {message}")]
    Tokenizer {
        /// `tokenizer.json`.
        path: PathBuf,
        /// The tokenizers library's message.
        message: String,
    },
}

/// The transformer under the pooling: MPNet (all-mpnet-base-v2) or RoBERTa (UniXcoder).
enum Body<B: Backend> {
    Mpnet(MpnetModel<B>),
    Roberta(RobertaEncoder<B>),
}

impl<B: Backend> Body<B> {
    fn forward(&self, input_ids: &[Vec<u32>], mask: &[Vec<u8>], device: &B::Device) -> burn::tensor::Tensor<B, 3> {
        match self {
            Self::Mpnet(model) => model.forward(input_ids, mask, device),
            Self::Roberta(model) => model.forward(input_ids, mask, device),
        }
    }
}

/// The sizes of the body that the encoder needs.
#[derive(Debug, Clone, Copy)]
struct BodyShape {
    hidden_size: usize,
    vocab_size: usize,
    max_position_embeddings: usize,
    pad_token_id: u32,
}

impl From<(usize, usize, usize, u32)> for BodyShape {
    /// `(hidden_size, vocab_size, max_position_embeddings, pad_token_id)`.
    fn from((hidden_size, vocab_size, max_position_embeddings, pad_token_id): (usize, usize, usize, u32)) -> Self {
        Self { hidden_size, vocab_size, max_position_embeddings, pad_token_id }
    }
}

/// The sentence-transformers settings of an encoder.
#[derive(Debug, Clone, Copy)]
struct Pipeline {
    max_seq_length: usize,
    do_lower_case: bool,
    normalize: bool,
}

#[derive(Debug, Deserialize)]
struct ModelType {
    #[serde(default)]
    model_type: String,
}

/// `model_max_length` of the folder's `tokenizer_config.json` (`usize::MAX` when absent:
/// the position table then bounds the length).
fn tokenizer_max_length(folder: &Path) -> Result<usize, SentenceEncoderError> {
    let path = folder.join("tokenizer_config.json");
    if !path.exists() {
        return Ok(usize::MAX);
    }
    let config: serde_json::Value = read_json(&path)?;
    Ok(config
        .get("model_max_length")
        .and_then(serde_json::Value::as_f64)
        .map_or(usize::MAX, |n| if n >= usize::MAX as f64 { usize::MAX } else { n as usize }))
}

/// A loaded sentence-transformers model: MPNet or RoBERTa, mean pooling.
pub struct SentenceEncoder<B: Backend> {
    model: Body<B>,
    config: BodyShape,
    tokenizer: Tokenizer,
    tokenizer_path: PathBuf,
    max_seq_length: usize,
    do_lower_case: bool,
    normalize: bool,
    device: B::Device,
}

impl<B: Backend> SentenceEncoder<B> {
    /// Loads a sentence-transformers folder (e.g. `assets/models/all-mpnet-base-v2`).
    pub fn load(folder: &Path, device: &B::Device) -> Result<Self, SentenceEncoderError> {
        let pipeline = Self::read_pipeline(folder)?;
        Self::load_with(folder, pipeline, device)
    }

    /// Loads a code encoder as the study's code-diversity script does
    /// (`SentenceTransformer("microsoft/unixcoder-base")`, `max_seq_length = 512`,
    /// `encode(..., normalize_embeddings=True)`): a sentence-transformers folder with its
    /// own settings, or a bare Hugging Face encoder folder wrapped with mean pooling and a
    /// 512-token limit. Embeddings are always L2-normalised.
    pub fn load_code(folder: &Path, device: &B::Device) -> Result<Self, SentenceEncoderError> {
        let pipeline = if folder.join("modules.json").exists() {
            Pipeline { normalize: true, ..Self::read_pipeline(folder)? }
        } else {
            Pipeline { max_seq_length: 512, do_lower_case: false, normalize: true }
        };
        Self::load_with(folder, pipeline, device)
    }

    /// The folder's module pipeline (Transformer → Pooling(mean) [→ Normalize]).
    fn read_pipeline(folder: &Path) -> Result<Pipeline, SentenceEncoderError> {
        let modules_path = folder.join("modules.json");
        let modules: Vec<ModuleEntry> = read_json(&modules_path)?;
        let unsupported =
            |path: &Path, problem: String| SentenceEncoderError::Unsupported { path: path.to_owned(), problem };
        let kinds: Vec<&str> = modules.iter().map(|m| m.kind.rsplit('.').next().unwrap_or("")).collect();
        let normalize = match kinds.as_slice() {
            ["Transformer", "Pooling"] => false,
            ["Transformer", "Pooling", "Normalize"] => true,
            _ => {
                return Err(unsupported(
                    &modules_path,
                    format!("module pipeline {kinds:?} is not supported (expected Transformer, Pooling[, Normalize])"),
                ));
            }
        };
        if !modules[0].path.is_empty() {
            return Err(unsupported(&modules_path, "the Transformer module must live in the folder itself".into()));
        }
        let pooling_path = folder.join(&modules[1].path).join("config.json");
        let pooling: PoolingConfig = read_json(&pooling_path)?;
        let other_modes = pooling.pooling_mode_cls_token
            || pooling.pooling_mode_max_tokens
            || pooling.pooling_mode_mean_sqrt_len_tokens
            || pooling.pooling_mode_weightedmean_tokens
            || pooling.pooling_mode_lasttoken;
        let mean = match pooling.pooling_mode.as_deref() {
            Some(mode) => mode == "mean" && !other_modes,
            None => pooling.pooling_mode_mean_tokens && !other_modes,
        };
        if !mean {
            return Err(unsupported(
                &pooling_path,
                "unsupported pooling mode: only mean pooling is implemented".into(),
            ));
        }
        let st_config: SentenceBertConfig = read_json(&folder.join("sentence_bert_config.json"))?;
        let max_seq_length = match st_config.max_seq_length {
            Some(length) => length,
            None => tokenizer_max_length(folder)?,
        };
        Ok(Pipeline { max_seq_length, do_lower_case: st_config.do_lower_case, normalize })
    }

    /// Loads the body named by `config.json`'s `model_type` and the tokenizer.
    fn load_with(folder: &Path, pipeline: Pipeline, device: &B::Device) -> Result<Self, SentenceEncoderError> {
        let config_path = folder.join("config.json");
        let model_type: ModelType = read_json(&config_path)?;
        let (model, config) = match model_type.model_type.as_str() {
            "roberta" => {
                let (model, c) = RobertaEncoder::load(folder, device)?;
                let shape = (c.hidden_size, c.vocab_size, c.max_position_embeddings, c.pad_token_id);
                (Body::Roberta(model), BodyShape::from(shape))
            }
            _ => {
                let (model, c) = MpnetModel::load(folder, device)?;
                let shape = (c.hidden_size, c.vocab_size, c.max_position_embeddings, c.pad_token_id);
                (Body::Mpnet(model), BodyShape::from(shape))
            }
        };
        let tokenizer_path = folder.join("tokenizer.json");
        let tokenizer_error = |error: tokenizers::Error| SentenceEncoderError::Tokenizer {
            path: tokenizer_path.clone(),
            message: error.to_string(),
        };
        let mut tokenizer = Tokenizer::from_file(&tokenizer_path).map_err(tokenizer_error)?;
        let tokenizer_vocab = tokenizer.get_vocab_size(true);
        if tokenizer_vocab > config.vocab_size {
            return Err(SentenceEncoderError::Tokenizer {
                path: tokenizer_path,
                message: format!(
                    "the tokenizer has {tokenizer_vocab} ids but the model's vocab_size is {}: they do not belong together",
                    config.vocab_size
                ),
            });
        }
        // Position ids run up to length + padding index, so the table bounds the length.
        let position_limit = config.max_position_embeddings.saturating_sub(config.pad_token_id as usize + 1);
        let max_seq_length = pipeline.max_seq_length.min(position_limit);
        // The folder's tokenizer.json may carry its own padding and truncation (128 for
        // all-mpnet-base-v2); sentence-transformers overrides them at call time with
        // `truncation="longest_first", max_length=max_seq_length`, and so do we.
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_seq_length,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
                direction: TruncationDirection::Right,
            }))
            .map_err(tokenizer_error)?;
        Ok(Self {
            model,
            config,
            tokenizer,
            tokenizer_path,
            max_seq_length,
            do_lower_case: pipeline.do_lower_case,
            normalize: pipeline.normalize,
            device: device.clone(),
        })
    }

    /// Embedding width.
    pub fn dim(&self) -> usize {
        self.config.hidden_size
    }

    /// The truncation length in word-pieces (special tokens included).
    pub fn max_seq_length(&self) -> usize {
        self.max_seq_length
    }

    /// Token ids of `text` as the model sees them (stripped, truncated, special tokens).
    pub fn token_ids(&self, text: &str) -> Result<Vec<u32>, SentenceEncoderError> {
        // sentence-transformers 5.x passes the text as is (older versions stripped it; the
        // BERT normaliser and pre-tokenizer drop surrounding whitespace either way).
        let prepared = if self.do_lower_case { text.to_lowercase() } else { text.to_owned() };
        let encoding = self.tokenizer.encode(prepared, true).map_err(|error| SentenceEncoderError::Tokenizer {
            path: self.tokenizer_path.clone(),
            message: error.to_string(),
        })?;
        Ok(encoding.get_ids().to_vec())
    }

    /// Embeddings of `texts` (`[texts.len()][dim]`), in input order; `batch_size` texts
    /// of similar length are run together.
    pub fn encode<S: AsRef<str>>(&self, texts: &[S], batch_size: usize) -> Result<Vec<Vec<f32>>, SentenceEncoderError> {
        self.encode_with_progress(texts, batch_size, &mut |_| {})
    }

    /// [`SentenceEncoder::encode`], calling `progress(n)` after each batch of `n` texts.
    pub fn encode_with_progress<S: AsRef<str>>(
        &self,
        texts: &[S],
        batch_size: usize,
        progress: &mut dyn FnMut(usize),
    ) -> Result<Vec<Vec<f32>>, SentenceEncoderError> {
        let ids: Vec<Vec<u32>> = texts.iter().map(|t| self.token_ids(t.as_ref())).collect::<Result<_, _>>()?;
        let mut order: Vec<usize> = (0..ids.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(ids[i].len()));
        let mut embeddings = vec![Vec::new(); ids.len()];
        for chunk in order.chunks(batch_size.max(1)) {
            let batch: Vec<&Vec<u32>> = chunk.iter().map(|&i| &ids[i]).collect();
            for (slot, embedding) in chunk.iter().zip(self.encode_batch(&batch)) {
                embeddings[*slot] = embedding;
            }
            progress(chunk.len());
        }
        Ok(embeddings)
    }

    /// [`SentenceEncoder::encode`] through an embedding cache: only texts the cache does
    /// not hold are encoded, and their vectors are added to it.
    pub fn encode_cached<S: AsRef<str>>(
        &self,
        texts: &[S],
        batch_size: usize,
        cache: &mut EmbeddingCache,
    ) -> Result<Vec<Vec<f32>>, SentenceEncoderError> {
        let mut out: Vec<Option<Vec<f32>>> = texts.iter().map(|t| cache.get(t.as_ref())).collect();
        let missing: Vec<usize> = (0..texts.len()).filter(|&i| out[i].is_none()).collect();
        if !missing.is_empty() {
            let fresh = self.encode(&missing.iter().map(|&i| texts[i].as_ref()).collect::<Vec<_>>(), batch_size)?;
            for (&i, vector) in missing.iter().zip(fresh) {
                cache.insert(texts[i].as_ref(), &vector)?;
                out[i] = Some(vector);
            }
        }
        Ok(out.into_iter().map(|v| v.expect("filled")).collect())
    }

    /// The embeddings of a prompt's outputs as one row-major `[outputs.len(), dim]`
    /// buffer. Each distinct text is encoded once (outputs often repeat), through the
    /// cache when one is given.
    pub fn encode_outputs<S: AsRef<str>>(
        &self,
        outputs: &[S],
        batch_size: usize,
        cache: Option<&mut EmbeddingCache>,
    ) -> Result<Vec<f32>, SentenceEncoderError> {
        let mut unique: Vec<&str> = Vec::new();
        let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for text in outputs {
            index.entry(text.as_ref()).or_insert_with(|| {
                unique.push(text.as_ref());
                unique.len() - 1
            });
        }
        let embedded = match cache {
            Some(cache) => self.encode_cached(&unique, batch_size, cache)?,
            None => self.encode(&unique, batch_size)?,
        };
        Ok(outputs.iter().flat_map(|t| embedded[index[t.as_ref()]].iter().copied()).collect())
    }

    fn encode_batch(&self, batch: &[&Vec<u32>]) -> Vec<Vec<f32>> {
        let length = batch.iter().map(|ids| ids.len()).max().unwrap_or(0);
        let pad = self.config.pad_token_id;
        let mut input_ids = Vec::with_capacity(batch.len());
        let mut mask = Vec::with_capacity(batch.len());
        for ids in batch {
            let mut row = ids.to_vec();
            row.resize(length, pad);
            input_ids.push(row);
            let mut ones = vec![1u8; ids.len()];
            ones.resize(length, 0);
            mask.push(ones);
        }
        let hidden = self.model.forward(&input_ids, &mask, &self.device);
        let values = hidden.into_data().to_vec::<f32>().unwrap_or_default();
        let dim = self.dim();
        mask.iter()
            .enumerate()
            .map(|(row, row_mask)| {
                // Mean pooling over real tokens (sum / max(count, 1e-9)), then L2 normalisation.
                let mut pooled = vec![0.0f32; dim];
                let mut count = 0.0f32;
                for (t, &m) in row_mask.iter().enumerate() {
                    if m == 1 {
                        count += 1.0;
                        let token = &values[(row * length + t) * dim..(row * length + t + 1) * dim];
                        pooled.iter_mut().zip(token).for_each(|(p, v)| *p += v);
                    }
                }
                let count = count.max(1e-9);
                pooled.iter_mut().for_each(|p| *p /= count);
                if self.normalize {
                    let norm = pooled.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
                    pooled.iter_mut().for_each(|p| *p /= norm);
                }
                pooled
            })
            .collect()
    }
}
