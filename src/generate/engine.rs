//! K samples per prompt from an Olmo 3 checkpoint: the prompt is formatted (the
//! checkpoint's chat template, or the raw task prompt for base models), prefilled once at
//! batch 1, and its KV cache repeated for the K samples, which are decoded together. Each
//! sample stops on an end token (`eos_token_id`s and `<|im_end|>`), on a stop sequence,
//! or at the token limit; finished samples leave the batch.
//!
//! Samples draw from their own random streams ([`SampleStream`]), so they do not depend
//! on how many samples are decoded together.

use burn::tensor::backend::Backend;
use burn::tensor::{FloatDType, Int, Tensor, TensorData};
use rayon::prelude::*;

use super::chat::{ChatTemplate, ChatTemplateError, PromptFormat};
use super::sampling::{SampleStream, SamplingParams, sample_token};
use super::tokenizer::{TextTokenizer, TokenizerError};
use crate::metrics::text::strip_cot;
use crate::olmo3::{KvCache, Olmo3ForCausalLM};

/// How prompts are formatted and when samples stop.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationSettings {
    /// Samples per prompt (K).
    pub k: usize,
    /// Samples decoded together (at most K); results do not depend on it.
    pub batch_size: usize,
    /// Sampling parameters.
    pub sampling: SamplingParams,
    /// Run seed.
    pub seed: u64,
    /// Token limit per sample.
    pub max_new_tokens: usize,
    /// Pre-fill an empty think block ("think without thinking").
    pub no_think: bool,
    /// Stop sequences (the task's, for models prompted without a chat template).
    pub stop_sequences: Vec<String>,
    /// The task name (part of every sample's random stream).
    pub task: String,
}

/// The dtype the local engine holds its weights and computes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineDtype {
    /// f32 (the default: the lab's results and the CPU runs).
    #[default]
    F32,
    /// bf16: half the memory of weights and KV cache (GPUs).
    Bf16,
}

impl EngineDtype {
    /// Whether it is the default, f32.
    pub fn is_f32(&self) -> bool {
        *self == Self::F32
    }

    /// burn's dtype.
    pub fn float(self) -> FloatDType {
        match self {
            Self::F32 => FloatDType::F32,
            Self::Bf16 => FloatDType::BF16,
        }
    }

    /// Bytes per element.
    pub fn bytes(self) -> u64 {
        match self {
            Self::F32 => 4,
            Self::Bf16 => 2,
        }
    }
}

/// Why a sample ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// An end-of-sequence token.
    Eos,
    /// A stop sequence.
    StopSequence,
    /// The token limit.
    Length,
}

/// The K samples of one prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptSamples {
    /// The exact text given to the model (formatted prompt).
    pub model_input: String,
    /// Generated text of each sample, before think stripping (stop sequence removed).
    pub raw_outputs: Vec<String>,
    /// Think-stripped outputs (what the metrics see).
    pub outputs: Vec<String>,
    /// Why each sample ended.
    pub finish_reasons: Vec<FinishReason>,
    /// Generated tokens per sample (end token excluded).
    pub n_tokens: Vec<usize>,
}

/// Errors of generation for one prompt.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerationError {
    /// The prompt is empty.
    #[error("prompt `{input_id}` is empty")]
    EmptyPrompt {
        /// The prompt's id.
        input_id: String,
    },
    /// Prompt plus token limit exceed the model's context.
    #[error(
        "prompt `{input_id}` has {prompt_tokens} tokens; with --max-new-tokens {max_new} it exceeds the context of {context}"
    )]
    TooLong {
        /// The prompt's id.
        input_id: String,
        /// Prompt length in tokens.
        prompt_tokens: usize,
        /// The token limit.
        max_new: usize,
        /// `max_position_embeddings`.
        context: usize,
    },
    /// The template failed.
    #[error(transparent)]
    Template(#[from] ChatTemplateError),
    /// The tokenizer failed.
    #[error(transparent)]
    Tokenizer(#[from] TokenizerError),
    /// The tokenizer produced an id the model does not have.
    #[error(
        "the tokenizer produced id {id}, outside the model's vocabulary of {vocab}: tokenizer and model do not belong together"
    )]
    Vocabulary {
        /// The id.
        id: u32,
        /// The model's vocabulary size.
        vocab: usize,
    },
}

/// A model, its tokenizer and its template, ready to sample.
pub struct Generator<B: Backend> {
    /// The network.
    pub model: Olmo3ForCausalLM<B>,
    /// The tokenizer.
    pub tokenizer: TextTokenizer,
    /// How prompts are formatted.
    pub format: PromptFormat,
    /// Token ids that end a sample.
    pub stop_ids: Vec<u32>,
    /// The device.
    pub device: B::Device,
}

impl<B: Backend> Generator<B> {
    /// Wraps a loaded model; end tokens are the config's `eos_token_id`s plus
    /// `<|im_end|>` and `<|endoftext|>` when the tokenizer has them.
    pub fn new(
        model: Olmo3ForCausalLM<B>,
        tokenizer: TextTokenizer,
        template: Option<ChatTemplate>,
        device: B::Device,
    ) -> Self {
        let stop_ids = stop_token_ids(&model.config.eos_token_ids, &tokenizer);
        let format = PromptFormat::new(template, tokenizer.token_id("<|endoftext|>").is_some());
        Self { model, tokenizer, format, stop_ids, device }
    }

    /// The text given to the model for a raw task prompt.
    pub fn format_prompt(&self, prompt: &str, no_think: bool) -> Result<String, GenerationError> {
        Ok(self.format.format(prompt, no_think)?)
    }

    /// Generates `settings.k` samples for one prompt.
    pub fn generate(
        &self,
        input_id: &str,
        prompt: &str,
        settings: &GenerationSettings,
    ) -> Result<PromptSamples, GenerationError> {
        if prompt.trim().is_empty() {
            return Err(GenerationError::EmptyPrompt { input_id: input_id.to_owned() });
        }
        let model_input = self.format_prompt(prompt, settings.no_think)?;
        let ids = self.tokenizer.encode(&model_input)?;
        let vocab = self.model.config.vocab_size;
        if let Some(&id) = ids.iter().find(|&&id| id as usize >= vocab) {
            return Err(GenerationError::Vocabulary { id, vocab });
        }
        let context = self.model.config.max_position_embeddings;
        if ids.is_empty() || ids.len() + settings.max_new_tokens > context {
            return Err(GenerationError::TooLong {
                input_id: input_id.to_owned(),
                prompt_tokens: ids.len(),
                max_new: settings.max_new_tokens,
                context,
            });
        }
        // Prefill once; every sample starts from the same cache and last-position logits.
        let mut prefill = KvCache::new(&self.model.config);
        let input = Tensor::<B, 2, Int>::from_data(
            TensorData::new(ids.iter().map(|&i| i64::from(i)).collect::<Vec<_>>(), [1, ids.len()]),
            &self.device,
        );
        let first_logits = to_rows(self.model.forward_last(input, &mut prefill), vocab).remove(0);

        let mut tokens: Vec<Vec<u32>> = vec![Vec::new(); settings.k];
        let mut finish: Vec<Option<FinishReason>> = vec![None; settings.k];
        let mut texts: Vec<String> = vec![String::new(); settings.k];
        let batch_size = settings.batch_size.clamp(1, settings.k.max(1));
        let samples: Vec<usize> = (0..settings.k).collect();
        for group in samples.chunks(batch_size) {
            let mut streams: Vec<SampleStream> =
                group.iter().map(|&s| SampleStream::new(settings.seed, &settings.task, input_id, s)).collect();
            let mut active: Vec<usize> = (0..group.len()).collect();
            let mut cache = prefill.repeat_batch(group.len());
            let mut logits: Vec<Vec<f32>> = vec![first_logits.clone(); group.len()];
            for step in 0..settings.max_new_tokens {
                let mut next = Vec::with_capacity(active.len());
                let mut still = Vec::with_capacity(active.len());
                let drawn = draw_tokens(&logits, &active, &mut streams, &settings.sampling);
                for (row, (&local, token)) in active.iter().zip(drawn).enumerate() {
                    let sample = group[local];
                    if self.stop_ids.contains(&token) {
                        finish[sample] = Some(FinishReason::Eos);
                        continue;
                    }
                    tokens[sample].push(token);
                    // Stop sequences are only checked when there are any (raw prompts), so
                    // chat generations are not decoded at every step.
                    if !settings.stop_sequences.is_empty() {
                        let text = self.tokenizer.decode(&tokens[sample])?;
                        if let Some(cut) = first_stop(&text, &settings.stop_sequences) {
                            texts[sample] = text[..cut].to_owned();
                            finish[sample] = Some(FinishReason::StopSequence);
                            continue;
                        }
                    }
                    if step + 1 == settings.max_new_tokens {
                        finish[sample] = Some(FinishReason::Length);
                        continue;
                    }
                    next.push(i64::from(token));
                    still.push(row);
                }
                if still.is_empty() {
                    break;
                }
                if still.len() < active.len() {
                    cache = cache.select_batch(&still, &self.device);
                    active = still.iter().map(|&row| active[row]).collect();
                }
                let input = Tensor::<B, 2, Int>::from_data(TensorData::new(next, [active.len(), 1]), &self.device);
                logits = to_rows(self.model.forward_last(input, &mut cache), vocab);
            }
        }
        for (sample, reason) in finish.iter().enumerate() {
            if *reason != Some(FinishReason::StopSequence) {
                texts[sample] = self.tokenizer.decode(&tokens[sample])?;
            }
        }
        let n_tokens = tokens.iter().map(Vec::len).collect();
        let finish_reasons = finish.into_iter().map(|f| f.unwrap_or(FinishReason::Length)).collect();
        let outputs = texts.iter().map(|t| strip_cot(t)).collect();
        Ok(PromptSamples { model_input, raw_outputs: texts, outputs, finish_reasons, n_tokens })
    }
}

/// The token ids that end a sample: the config's `eos_token_id`s plus `<|im_end|>` and
/// `<|endoftext|>` when the tokenizer has them.
pub fn stop_token_ids(eos_token_ids: &[u32], tokenizer: &TextTokenizer) -> Vec<u32> {
    let mut stop_ids = eos_token_ids.to_vec();
    for token in ["<|im_end|>", "<|endoftext|>"] {
        if let Some(id) = tokenizer.token_id(token)
            && !stop_ids.contains(&id)
        {
            stop_ids.push(id);
        }
    }
    stop_ids
}

/// Draws the next token of every active sample, in parallel: row `r` of `logits` belongs
/// to sample `active[r]` (ascending) and draws from `streams[active[r]]`. Each sample has
/// its own stream, so the tokens do not depend on the thread count.
fn draw_tokens(
    logits: &[Vec<f32>],
    active: &[usize],
    streams: &mut [SampleStream],
    sampling: &SamplingParams,
) -> Vec<u32> {
    let mut wanted = active.iter().peekable();
    let active_streams: Vec<&mut SampleStream> = streams
        .iter_mut()
        .enumerate()
        .filter_map(|(index, stream)| wanted.next_if_eq(&&index).map(|_| stream))
        .collect();
    logits.par_iter().zip(active_streams).map(|(row, stream)| sample_token(row, sampling, stream)).collect()
}

/// Byte offset of the earliest stop sequence in `text`.
fn first_stop(text: &str, stops: &[String]) -> Option<usize> {
    stops.iter().filter(|s| !s.is_empty()).filter_map(|s| text.find(s.as_str())).min()
}

fn to_rows<B: Backend>(logits: Tensor<B, 2>, vocab: usize) -> Vec<Vec<f32>> {
    let values = logits.cast(FloatDType::F32).into_data().to_vec::<f32>().unwrap_or_default();
    values.chunks(vocab).map(<[f32]>::to_vec).collect()
}
