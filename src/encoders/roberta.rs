//! RoBERTa: the bare encoder (transformers' `RobertaModel`, as UniXcoder's code
//! embeddings use it), the encoder with the sequence-classification head
//! (`RobertaForSequenceClassification`) as the NLI metric runs roberta-large-mnli, and
//! the NLI scorer built on it.
//!
//! Pairs are tokenised as `<s> premise </s></s> hypothesis </s>` with `longest_first`
//! truncation to `max_length` (512 for the study), padded on the right per batch.
//! Position ids are a cumulative count of non-padding tokens offset by the padding
//! index; the single token-type row is added to every token. The head reads the `<s>`
//! state through `dense → tanh → out_proj`; a softmax gives the probabilities. Labels are
//! read from `id2label` and canonicalised as the reference does (anything containing
//! CONTRADICT or ENTAIL, upper-cased; everything else is neutral).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use burn::module::{Module, Param};
use burn::nn::{Embedding, Linear};
use burn::tensor::Tensor;
use burn::tensor::activation::softmax;
use burn::tensor::backend::Backend;
use serde::Deserialize;
use tokenizers::{EncodeInput, Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

use super::layers::{EncoderLayer, LayerNorm, ids_and_positions, padding_bias};
use super::loading::{
    DeviceTensors, EncoderLoadError, LayerNames, default_hidden_act, default_layer_norm_eps, default_pad_token_id,
    read_json,
};
use crate::metrics::nli::NliScorer;
use crate::weights::HostTensors;

/// RoBERTa's names for the parts of an encoder layer.
const ROBERTA_LAYER: LayerNames = LayerNames {
    query: "attention.self.query",
    key: "attention.self.key",
    value: "attention.self.value",
    attention_output: "attention.output.dense",
    attention_norm: "attention.output.LayerNorm",
    intermediate: "intermediate.dense",
    output: "output.dense",
    output_norm: "output.LayerNorm",
};

/// The three NLI labels in canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NliLabel {
    /// The hypothesis contradicts the premise (weight −1).
    Contradiction,
    /// Neither (weight 0).
    Neutral,
    /// The premise entails the hypothesis (weight +1).
    Entailment,
}

impl NliLabel {
    /// The reference's `_canonical_label`.
    pub fn canonical(label: &str) -> Self {
        let upper = label.to_uppercase();
        if upper.contains("CONTRADICT") {
            Self::Contradiction
        } else if upper.contains("ENTAIL") {
            Self::Entailment
        } else {
            Self::Neutral
        }
    }

    /// The label's weight in `P(entailment) − P(contradiction)`.
    pub fn weight(self) -> f64 {
        match self {
            Self::Contradiction => -1.0,
            Self::Neutral => 0.0,
            Self::Entailment => 1.0,
        }
    }
}

/// `config.json` of a RoBERTa model (fields used).
#[derive(Debug, Clone, Deserialize)]
pub struct RobertaConfig {
    /// Vocabulary size.
    pub vocab_size: usize,
    /// Model width.
    pub hidden_size: usize,
    /// Layers.
    pub num_hidden_layers: usize,
    /// Attention heads.
    pub num_attention_heads: usize,
    /// Feed-forward width.
    pub intermediate_size: usize,
    /// Rows of the position table.
    pub max_position_embeddings: usize,
    /// Rows of the token-type table.
    #[serde(default = "one")]
    pub type_vocab_size: usize,
    /// LayerNorm epsilon.
    #[serde(default = "default_layer_norm_eps")]
    pub layer_norm_eps: f64,
    /// Padding id (also the position padding index).
    #[serde(default = "default_pad_token_id")]
    pub pad_token_id: u32,
    /// Labels by output index (empty for a bare encoder).
    #[serde(default)]
    pub id2label: BTreeMap<String, String>,
    /// Activation (only `gelu`).
    #[serde(default = "default_hidden_act")]
    pub hidden_act: String,
}

fn one() -> usize {
    1
}

/// Longest input the position table can index: positions run from `pad_token_id + 1`.
pub fn position_capacity(config: &RobertaConfig) -> usize {
    config.max_position_embeddings.saturating_sub(config.pad_token_id as usize + 1).max(1)
}

/// The RoBERTa encoder (transformers' `RobertaModel` without its pooler): embeddings
/// and the post-LN layers, giving the last hidden states.
#[derive(Module, Debug)]
pub struct RobertaEncoder<B: Backend> {
    /// Token embeddings.
    pub word_embeddings: Embedding<B>,
    /// Position embeddings.
    pub position_embeddings: Embedding<B>,
    /// Token-type row 0, `[hidden]`.
    pub token_type: Param<Tensor<B, 1>>,
    /// Embedding LayerNorm.
    pub embeddings_norm: LayerNorm<B>,
    /// Encoder layers.
    pub layers: Vec<EncoderLayer<B>>,
    /// Padding id.
    pub padding_idx: u32,
}

impl<B: Backend> RobertaEncoder<B> {
    /// Last hidden states `[batch, tokens, hidden]` for right-padded ids and their mask.
    pub fn forward(&self, input_ids: &[Vec<u32>], attention_mask: &[Vec<u8>], device: &B::Device) -> Tensor<B, 3> {
        let (ids, positions) = ids_and_positions::<B>(input_ids, self.padding_idx, device);
        let token_type = self.token_type.val().unsqueeze::<3>();
        let mut x = self
            .embeddings_norm
            .forward(self.word_embeddings.forward(ids) + self.position_embeddings.forward(positions) + token_type);
        let bias = padding_bias::<B>(attention_mask, device);
        for layer in &self.layers {
            x = layer.forward(x, bias.clone());
        }
        x
    }

    /// The tensors of the encoder under `prefix` (`roberta.` in a classifier, empty in a
    /// bare `RobertaModel`) with their shapes.
    fn expect(config: &RobertaConfig, prefix: &str, expected: &mut BTreeMap<String, Vec<usize>>) {
        let h = config.hidden_size;
        expected.insert(format!("{prefix}embeddings.word_embeddings.weight"), vec![config.vocab_size, h]);
        expected
            .insert(format!("{prefix}embeddings.position_embeddings.weight"), vec![config.max_position_embeddings, h]);
        expected.insert(format!("{prefix}embeddings.token_type_embeddings.weight"), vec![config.type_vocab_size, h]);
        for suffix in ["weight", "bias"] {
            expected.insert(format!("{prefix}embeddings.LayerNorm.{suffix}"), vec![h]);
        }
        for i in 0..config.num_hidden_layers {
            ROBERTA_LAYER.expect(&format!("{prefix}encoder.layer.{i}"), h, config.intermediate_size, expected);
        }
    }

    /// Takes the encoder's tensors under `prefix`.
    fn take(take: &mut DeviceTensors<'_, B>, config: &RobertaConfig, prefix: &str) -> Self {
        let word = take.matrix(&format!("{prefix}embeddings.word_embeddings.weight"));
        let position = take.matrix(&format!("{prefix}embeddings.position_embeddings.weight"));
        let token_type = take.matrix(&format!("{prefix}embeddings.token_type_embeddings.weight")).narrow(0, 0, 1);
        let embeddings_norm = take.norm(&format!("{prefix}embeddings.LayerNorm"));
        let layers = (0..config.num_hidden_layers)
            .map(|i| {
                take.encoder_layer(&format!("{prefix}encoder.layer.{i}"), &ROBERTA_LAYER, config.num_attention_heads)
            })
            .collect();
        Self {
            word_embeddings: Embedding { weight: Param::from_tensor(word) },
            position_embeddings: Embedding { weight: Param::from_tensor(position) },
            token_type: Param::from_tensor(token_type.reshape([config.hidden_size])),
            embeddings_norm,
            layers,
            padding_idx: config.pad_token_id,
        }
    }

    /// Loads a bare `RobertaModel` folder (e.g. microsoft/unixcoder-base: config.json and
    /// safetensors; the pooler, unused by mean pooling, is ignored).
    pub fn load(folder: &Path, device: &B::Device) -> Result<(Self, RobertaConfig), EncoderLoadError> {
        let config = read_config(folder)?;
        // Some checkpoints keep the `roberta.` prefix of a task model; accept both.
        let mut tensors = HostTensors::read_folder(folder, |name| {
            name.contains("pooler.") || name.ends_with("embeddings.position_ids") || name.starts_with("lm_head.")
        })?;
        let prefix = if tensors.contains("roberta.embeddings.word_embeddings.weight") { "roberta." } else { "" };
        let mut expected = BTreeMap::new();
        Self::expect(&config, prefix, &mut expected);
        tensors.check(folder, &expected)?;
        let mut take = DeviceTensors { tensors: &mut tensors, device, eps: config.layer_norm_eps };
        Ok((Self::take(&mut take, &config, prefix), config))
    }
}

/// Reads and checks a RoBERTa `config.json`.
fn read_config(folder: &Path) -> Result<RobertaConfig, EncoderLoadError> {
    let config_path = folder.join("config.json");
    let config: RobertaConfig = read_json(&config_path)?;
    let invalid = |message: String| EncoderLoadError::Config { path: config_path.clone(), message };
    if config.hidden_act != "gelu" {
        return Err(invalid(format!(
            "field `hidden_act`: only \"gelu\" is supported, found \"{}\"",
            config.hidden_act
        )));
    }
    if config.num_attention_heads == 0 || !config.hidden_size.is_multiple_of(config.num_attention_heads) {
        return Err(invalid("field `num_attention_heads` does not divide `hidden_size`".to_owned()));
    }
    Ok(config)
}

/// RoBERTa encoder with the sequence-classification head.
#[derive(Module, Debug)]
pub struct RobertaClassifier<B: Backend> {
    /// The encoder (`roberta.*`).
    pub encoder: RobertaEncoder<B>,
    /// Head: `hidden → hidden`, tanh.
    pub dense: Linear<B>,
    /// Head: `hidden → labels`.
    pub out_proj: Linear<B>,
}

impl<B: Backend> RobertaClassifier<B> {
    /// Class logits `[batch, labels]` for right-padded ids and their mask.
    pub fn forward(&self, input_ids: &[Vec<u32>], attention_mask: &[Vec<u8>], device: &B::Device) -> Tensor<B, 2> {
        let batch = input_ids.len();
        let x = self.encoder.forward(input_ids, attention_mask, device);
        let [_, _, hidden] = x.dims();
        let first = x.narrow(1, 0, 1).reshape([batch, hidden]);
        self.out_proj.forward(self.dense.forward(first).tanh())
    }

    fn expected_tensors(config: &RobertaConfig, labels: usize) -> BTreeMap<String, Vec<usize>> {
        let h = config.hidden_size;
        let mut expected = BTreeMap::new();
        RobertaEncoder::<B>::expect(config, "roberta.", &mut expected);
        expected.insert("classifier.dense.weight".into(), vec![h, h]);
        expected.insert("classifier.dense.bias".into(), vec![h]);
        expected.insert("classifier.out_proj.weight".into(), vec![labels, h]);
        expected.insert("classifier.out_proj.bias".into(), vec![labels]);
        expected
    }

    /// Loads a RoBERTa-for-sequence-classification folder (config.json + safetensors).
    pub fn load(folder: &Path, device: &B::Device) -> Result<(Self, RobertaConfig), EncoderLoadError> {
        let config = read_config(folder)?;
        let mut tensors = HostTensors::read_folder(folder, |name| {
            name.starts_with("roberta.pooler.") || name.ends_with("embeddings.position_ids")
        })?;
        tensors.check(folder, &Self::expected_tensors(&config, config.id2label.len()))?;
        let mut take = DeviceTensors { tensors: &mut tensors, device, eps: config.layer_norm_eps };
        let encoder = RobertaEncoder::take(&mut take, &config, "roberta.");
        let dense = take.linear("classifier.dense");
        let out_proj = take.linear("classifier.out_proj");
        Ok((Self { encoder, dense, out_proj }, config))
    }
}

/// Errors of the NLI model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NliModelError {
    /// Loading failed.
    #[error(transparent)]
    Load(#[from] EncoderLoadError),
    /// The tokenizer is missing, invalid, or fails on a pair.
    #[error("{path}: tokenizer: {message}")]
    Tokenizer {
        /// `tokenizer.json`.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// `id2label` does not name one contradiction, one neutral and one entailment label.
    #[error("{path}: id2label {found:?} does not hold one contradiction, one neutral and one entailment label")]
    Labels {
        /// `config.json`.
        path: PathBuf,
        /// The canonicalised labels found.
        found: Vec<String>,
    },
}

/// An NLI model folder (roberta-large-mnli or compatible) ready to score sentence pairs.
pub struct NliModel<B: Backend> {
    model: RobertaClassifier<B>,
    labels: Vec<NliLabel>,
    tokenizer: Tokenizer,
    tokenizer_path: PathBuf,
    pad: u32,
    batch_size: usize,
    device: B::Device,
}

impl<B: Backend> NliModel<B> {
    /// Loads `folder`; pairs are truncated to `max_length` tokens (`longest_first`) and
    /// scored `batch_size` at a time. `max_length` is capped at the model's position
    /// capacity, `max_position_embeddings − pad_token_id − 1` (RoBERTa's positions start
    /// after the padding index): 512 for roberta-large-mnli, so the study's setting is
    /// unchanged, while a smaller model truncates long pairs instead of indexing past its
    /// position table.
    pub fn load(
        folder: &Path,
        max_length: usize,
        batch_size: usize,
        device: &B::Device,
    ) -> Result<Self, NliModelError> {
        let (model, config) = RobertaClassifier::load(folder, device)?;
        let max_length = max_length.min(position_capacity(&config));
        let mut labels = Vec::new();
        for index in 0..config.id2label.len() {
            labels.push(NliLabel::canonical(config.id2label.get(&index.to_string()).map_or("", String::as_str)));
        }
        let distinct: std::collections::HashSet<_> = labels.iter().collect();
        if labels.len() != 3 || distinct.len() != 3 {
            return Err(NliModelError::Labels {
                path: folder.join("config.json"),
                found: labels.iter().map(|l| format!("{l:?}")).collect(),
            });
        }
        let tokenizer_path = folder.join("tokenizer.json");
        let error =
            |e: tokenizers::Error| NliModelError::Tokenizer { path: tokenizer_path.clone(), message: e.to_string() };
        let mut tokenizer = Tokenizer::from_file(&tokenizer_path).map_err(error)?;
        tokenizer.with_padding(None);
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
                direction: TruncationDirection::Right,
            }))
            .map_err(error)?;
        Ok(Self {
            model,
            labels,
            tokenizer,
            tokenizer_path,
            pad: config.pad_token_id,
            batch_size,
            device: device.clone(),
        })
    }

    /// Token ids of a (premise, hypothesis) pair as the model sees them.
    pub fn pair_ids(&self, premise: &str, hypothesis: &str) -> Result<Vec<u32>, NliModelError> {
        let input = EncodeInput::Dual(premise.into(), hypothesis.into());
        let encoding = self
            .tokenizer
            .encode(input, true)
            .map_err(|e| NliModelError::Tokenizer { path: self.tokenizer_path.clone(), message: e.to_string() })?;
        Ok(encoding.get_ids().to_vec())
    }

    /// Class probabilities for each pair, in `id2label` order.
    pub fn probabilities(&self, pairs: &[(&str, &str)]) -> Result<Vec<Vec<f32>>, NliModelError> {
        let mut out = Vec::with_capacity(pairs.len());
        for chunk in pairs.chunks(self.batch_size.max(1)) {
            let ids: Vec<Vec<u32>> = chunk.iter().map(|(p, h)| self.pair_ids(p, h)).collect::<Result<_, _>>()?;
            let length = ids.iter().map(Vec::len).max().unwrap_or(0);
            let mut padded = Vec::with_capacity(ids.len());
            let mut mask = Vec::with_capacity(ids.len());
            for row in &ids {
                let mut r = row.clone();
                r.resize(length, self.pad);
                padded.push(r);
                let mut m = vec![1u8; row.len()];
                m.resize(length, 0);
                mask.push(m);
            }
            let logits = self.model.forward(&padded, &mask, &self.device);
            let classes = self.labels.len();
            let probs = softmax(logits, 1).into_data().to_vec::<f32>().unwrap_or_default();
            out.extend(probs.chunks(classes).map(<[f32]>::to_vec));
        }
        Ok(out)
    }

    /// The canonical label of each output index.
    pub fn labels(&self) -> &[NliLabel] {
        &self.labels
    }
}

impl<B: Backend> NliScorer for NliModel<B> {
    type Error = NliModelError;

    /// `P(entailment) − P(contradiction)` per pair, summed over labels in index order as
    /// the reference's `process_output` does.
    fn score(&mut self, pairs: &[(&str, &str)]) -> Result<Vec<f64>, Self::Error> {
        let weights: HashMap<usize, f64> = self.labels.iter().enumerate().map(|(i, l)| (i, l.weight())).collect();
        Ok(self
            .probabilities(pairs)?
            .iter()
            .map(|row| row.iter().enumerate().map(|(i, &p)| f64::from(p) * weights[&i]).sum())
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_canonicalised_as_the_reference_does() {
        assert_eq!(NliLabel::canonical("CONTRADICTION"), NliLabel::Contradiction);
        assert_eq!(NliLabel::canonical("contradicts"), NliLabel::Contradiction);
        assert_eq!(NliLabel::canonical("Entailment"), NliLabel::Entailment);
        assert_eq!(NliLabel::canonical("LABEL_1"), NliLabel::Neutral);
    }
}
