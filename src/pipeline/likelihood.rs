//! How typical post-trained outputs are for the base model (`analyze --base-likelihood`):
//! every output's mean per-token negative log-likelihood under the base checkpoint,
//! teacher-forced through the Olmo 3 forward pass.
//!
//! ```text
//! NLL(o | p) = −(1/T) Σ_{t=1..T} ln P_base(o_t | p, o_<t)       nats per token
//! base_nll        = mean over the K outputs of a prompt
//! base_nll_spread = population standard deviation over the K outputs
//! ```
//!
//! The condition `p` is the prompt the base itself was sampled with (the base
//! checkpoint's run file, same task and prompt id), so every checkpoint's outputs are
//! scored against one context. Output tokens are the base tokenizer's encoding of the
//! answer (think spans stripped), after one space when neither the prompt ends nor the
//! answer starts with whitespace (the base's own continuations of `Answer:` begin with
//! one). Output tokens beyond the base's context are cut; an empty answer has no value.

use std::collections::HashMap;
use std::path::Path;

use burn::tensor::backend::Backend;
use burn::tensor::{FloatDType, Int, Tensor, TensorData};

use super::StageError;
use crate::analysis::lineage::Lineage;
use crate::assets::Assets;
use crate::data::GenerationSource;
use crate::generate::tokenizer::TextTokenizer;
use crate::olmo3::{Olmo3ForCausalLM, load_olmo3};
use crate::pycompat::is_py_whitespace;

/// A prompt's key: (checkpoint, task, prompt id).
pub type RowKey = (String, String, String);

/// One prompt's `base_nll` and `base_nll_spread` (`None` without a scorable output).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BaseLikelihood {
    /// Mean over the outputs of their mean per-token NLL.
    pub nll: Option<f64>,
    /// Population standard deviation of the outputs' NLLs.
    pub spread: Option<f64>,
}

/// Every prompt's [`BaseLikelihood`].
pub type BaseLikelihoods = HashMap<RowKey, BaseLikelihood>;

/// The base model and tokenizer that score outputs.
pub struct BaseScorer<B: Backend> {
    model: Olmo3ForCausalLM<B>,
    tokenizer: TextTokenizer,
    device: B::Device,
}

impl<B: Backend> BaseScorer<B> {
    /// Loads the checkpoint in `folder` in f32.
    pub fn load(folder: &Path, device: &B::Device) -> Result<Self, StageError> {
        let loading = |what: &str| StageError::model(format!("{}: loading the {what}", folder.display()));
        let model = load_olmo3::<B>(folder, device, FloatDType::F32).map_err(|e| loading("model")(Box::new(e)))?;
        let tokenizer =
            TextTokenizer::for_checkpoint(folder, &Assets::locate()).map_err(|e| loading("tokenizer")(Box::new(e)))?;
        Ok(Self { model, tokenizer, device: device.clone() })
    }

    /// The mean per-token NLL of `output` after `prompt` (nats); `None` for an empty
    /// output or one with no token inside the context.
    pub fn nll(&self, prompt: &str, output: &str) -> Result<Option<f64>, StageError> {
        let encode = |text: &str| {
            self.tokenizer
                .encode(text)
                .map_err(|e| StageError::model("encoding for the base likelihood".to_owned())(Box::new(e)))
        };
        let separator = !prompt.ends_with(is_py_whitespace) && !output.starts_with(is_py_whitespace);
        let continuation = if separator { format!(" {output}") } else { output.to_owned() };
        let prompt_ids = encode(prompt)?;
        let mut output_ids = encode(&continuation)?;
        let context = self.model.config.max_position_embeddings;
        output_ids.truncate(context.saturating_sub(prompt_ids.len()));
        if output.is_empty() || output_ids.is_empty() || prompt_ids.is_empty() {
            return Ok(None);
        }
        let ids: Vec<i64> = prompt_ids.iter().chain(&output_ids).map(|&id| i64::from(id)).collect();
        let length = ids.len();
        let input = Tensor::<B, 2, Int>::from_data(TensorData::new(ids.clone(), [1, length]), &self.device);
        let vocab = self.model.config.vocab_size;
        let logits =
            self.model.forward_full(input).cast(FloatDType::F32).into_data().to_vec::<f32>().map_err(|e| {
                StageError::model("reading the base model's logits".to_owned())(format!("{e:?}").into())
            })?;
        // Position t − 1 predicts token t, for the output tokens t.
        let mut total = 0.0f64;
        for t in prompt_ids.len()..length {
            let row = &logits[(t - 1) * vocab..t * vocab];
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
            let log_sum = max + row.iter().map(|&v| (v as f64 - max).exp()).sum::<f64>().ln();
            total += log_sum - row[ids[t] as usize] as f64;
        }
        Ok(Some(total / output_ids.len() as f64))
    }
}

/// `base_nll` and `base_nll_spread` of every prompt of every checkpoint with a run file,
/// by (checkpoint, task, prompt id).
pub fn measure_base_likelihood<B: Backend>(
    lineage: &Lineage,
    scorer: &BaseScorer<B>,
) -> Result<BaseLikelihoods, StageError> {
    let base = lineage.base();
    let base_run = base.run.as_ref().ok_or_else(|| {
        StageError::Invalid(format!(
            "--base-likelihood conditions on the base's own prompts: checkpoint `{}` needs a `run` file",
            base.name
        ))
    })?;
    let mut prompts: HashMap<(String, String), String> = HashMap::new();
    for record in GenerationSource::open(base_run, false)? {
        let record = record?;
        if let Some(prompt) = record.prompt {
            prompts.insert((record.task, record.input_id), prompt);
        }
    }
    let mut values = HashMap::new();
    for checkpoint in &lineage.checkpoints {
        let Some(run) = &checkpoint.run else { continue };
        for record in GenerationSource::open(run, false)? {
            let record = record?;
            let Some(prompt) = prompts.get(&(record.task.clone(), record.input_id.clone())) else { continue };
            let mut nlls = Vec::new();
            for output in &record.outputs {
                if let Some(nll) = scorer.nll(prompt, output)? {
                    nlls.push(nll);
                }
            }
            let summary = if nlls.is_empty() {
                BaseLikelihood::default()
            } else {
                let mean = nlls.iter().sum::<f64>() / nlls.len() as f64;
                let variance = nlls.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / nlls.len() as f64;
                BaseLikelihood { nll: Some(mean), spread: Some(variance.sqrt()) }
            };
            values.insert((checkpoint.name.clone(), record.task, record.input_id), summary);
        }
    }
    Ok(values)
}
