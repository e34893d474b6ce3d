//! Builds a per-prompt table from this tool's run files: every checkpoint's generation
//! file (think-stripped outputs) and, optionally, its correctness labels.
//!
//! Per prompt: EAD, SBERT diversity `D_a` and the Vendi score of all outputs, NLI
//! diversity when an NLI model is given; with labels, `K_c`, `acc1` (output 0), the
//! majority vote when the labels carry it, and `D_c` / `V_c` over the correct outputs
//! when `K_c ≥ 2`. Sets of fewer than two outputs give NaN (the quality-filtered
//! scripts' convention), so they drop out of means. Every distinct text is embedded once;
//! the correct-output metrics reuse the embeddings of all outputs.
//!
//! Labels file (`divcollapse correctness` output), one JSON object per line:
//! `{"input_id": "...", "labels": [true, false, ...], "majority_vote": true?, "task": "..."?}`
//! with one label per output, in output order.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use burn::tensor::backend::Backend;
use polars::prelude::*;

use super::per_prompt::{PerPromptError, PerPromptTable};
use crate::data::generations::{GenerationRecord, normalise_task};
use crate::data::{GenerationSource, SourceError};
use crate::encoders::cache::EmbeddingCache;
use crate::encoders::roberta::{NliModel, NliModelError};
use crate::encoders::{SentenceEncoder, SentenceEncoderError};
use crate::metrics::SmallSetPolicy;
use crate::metrics::ead::{EadConfig, ead};
use crate::metrics::nli::{SentencePairSampler, nli_diversity};
use crate::metrics::sbert::{EmbeddingSet, sbert_diversity};
use crate::metrics::vendi::{VendiVariant, vendi_score};

/// Errors building the table.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MeasureError {
    /// The generation file is unreadable or malformed.
    #[error(transparent)]
    Generations(#[from] SourceError),
    /// A labels line is malformed or does not fit its prompt.
    #[error("{path}:{line}: {problem}")]
    Labels {
        /// The labels file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong (names the field).
        problem: String,
    },
    /// The encoder failed.
    #[error(transparent)]
    Encoder(#[from] SentenceEncoderError),
    /// The NLI model failed.
    #[error(transparent)]
    Nli(#[from] NliModelError),
    /// Building the frame failed.
    #[error(transparent)]
    Table(#[from] PerPromptError),
    /// A frame operation failed.
    #[error("per-prompt table: {0}")]
    Frame(#[from] PolarsError),
}

/// One prompt's correctness labels.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptLabels {
    /// Line in the labels file.
    pub line: usize,
    /// One label per output.
    pub labels: Vec<bool>,
    /// Whether the majority-vote answer is correct, when the checker reports it.
    pub majority_vote: Option<bool>,
}

/// A labels file keyed by `(task, input_id)`; the task is empty when the file has none.
#[derive(Debug, Clone, Default)]
pub struct LabelsFile {
    path: PathBuf,
    by_key: HashMap<(String, String), PromptLabels>,
    /// The tasks the file labels (the empty task: lines without one).
    tasks: std::collections::HashSet<String>,
}

impl LabelsFile {
    /// Reads a labels file; errors name the line and the field.
    pub fn read(path: &Path) -> Result<Self, MeasureError> {
        let bad = |line: usize, problem: String| MeasureError::Labels { path: path.to_owned(), line, problem };
        let text = std::fs::read_to_string(path).map_err(|e| bad(0, format!("cannot read: {e}")))?;
        let mut by_key = HashMap::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            if raw.trim().is_empty() {
                continue;
            }
            let value: serde_json::Value =
                serde_json::from_str(raw).map_err(|e| bad(line, format!("invalid JSON: {e}")))?;
            let input_id = match &value["input_id"] {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => return Err(bad(line, "field `input_id`: missing or not a string or number".into())),
            };
            let labels = value["labels"]
                .as_array()
                .ok_or_else(|| bad(line, "field `labels`: missing or not a list".into()))?
                .iter()
                .enumerate()
                .map(|(k, v)| v.as_bool().ok_or_else(|| bad(line, format!("field `labels[{k}]`: not true or false"))))
                .collect::<Result<Vec<bool>, _>>()?;
            let majority_vote = match &value["majority_vote"] {
                serde_json::Value::Null => None,
                serde_json::Value::Bool(b) => Some(*b),
                _ => return Err(bad(line, "field `majority_vote`: not true or false".into())),
            };
            let task = value["task"].as_str().map(normalise_task).unwrap_or_default();
            if by_key.insert((task, input_id.clone()), PromptLabels { line, labels, majority_vote }).is_some() {
                return Err(bad(line, format!("prompt `{input_id}` is labelled twice")));
            }
        }
        let tasks = by_key.keys().map(|(task, _)| task.clone()).collect();
        Ok(Self { path: path.to_owned(), by_key, tasks })
    }

    /// Whether the file labels any prompt of `task` (a file may cover only the
    /// verifiable tasks of a run; prompts of other tasks are then measured unlabelled).
    pub fn covers_task(&self, task: &str) -> bool {
        self.tasks.contains("") || self.tasks.contains(task)
    }

    /// The labels of a prompt: by task and id, else by id alone.
    pub fn get(&self, task: &str, input_id: &str) -> Option<&PromptLabels> {
        self.by_key
            .get(&(task.to_owned(), input_id.to_owned()))
            .or_else(|| self.by_key.get(&(String::new(), input_id.to_owned())))
    }
}

/// The models and settings that score outputs.
pub struct Measurer<'a, B: Backend> {
    /// Sentence encoder for SBERT and Vendi.
    pub encoder: &'a SentenceEncoder<B>,
    /// Texts per encoder batch.
    pub batch_size: usize,
    /// EAD settings.
    pub ead: EadConfig,
    /// NLI model, when NLI diversity is wanted.
    pub nli: Option<NliModel<B>>,
    /// NLI sentence-pair sampler (the reference's seeded sampling).
    pub sampler: SentencePairSampler,
    /// Optional persistent embedding cache.
    pub cache: Option<EmbeddingCache>,
}

/// One row of the table (see [`super::per_prompt`] for the columns).
#[derive(Debug, Clone, PartialEq)]
pub struct MeasuredPrompt {
    /// Checkpoint.
    pub model: String,
    /// Task.
    pub task: String,
    /// Prompt id.
    pub input_id: String,
    /// K.
    pub n_outputs: usize,
    /// K_c (NaN without labels).
    pub k_correct: f64,
    /// Output-0 correctness (NaN without labels).
    pub acc1: f64,
    /// Majority-vote correctness (NaN when not reported).
    pub majority_vote: f64,
    /// D_a.
    pub d_all_sbert: f64,
    /// D_c (NaN when K_c < 2).
    pub d_correct_sbert: f64,
    /// V_c (NaN when K_c < 2).
    pub d_correct_vendi: f64,
    /// EAD of all outputs.
    pub ead: f64,
    /// Vendi score of all outputs.
    pub vendi: f64,
    /// NLI diversity of all outputs (NaN without an NLI model).
    pub nli: f64,
}

impl<B: Backend> Measurer<'_, B> {
    /// Measures one prompt.
    pub fn measure(
        &mut self,
        model: &str,
        record: &GenerationRecord,
        labels: Option<&PromptLabels>,
    ) -> Result<MeasuredPrompt, MeasureError> {
        let dim = self.encoder.dim();
        let embedded = self.encoder.encode_outputs(&record.outputs, self.batch_size, self.cache.as_mut())?;
        let rows = |keep: &dyn Fn(usize) -> bool| -> Vec<f32> {
            embedded
                .chunks_exact(dim)
                .enumerate()
                .filter(|(k, _)| keep(*k))
                .flat_map(|(_, row)| row.iter().copied())
                .collect()
        };
        let all = rows(&|_| true);
        let set = EmbeddingSet::new(&all, dim).expect("rows of the encoder's width");
        let d_all_sbert = sbert_diversity(set, SmallSetPolicy::Nan);
        let vendi = vendi_score(set, VendiVariant::Pipeline, SmallSetPolicy::Nan);
        let nli = match &mut self.nli {
            Some(model) => nli_diversity(&record.outputs, &mut self.sampler, model)?,
            None => f64::NAN,
        };
        let mut measured = MeasuredPrompt {
            model: model.to_owned(),
            task: record.task.clone(),
            input_id: record.input_id.clone(),
            n_outputs: record.outputs.len(),
            k_correct: f64::NAN,
            acc1: f64::NAN,
            majority_vote: f64::NAN,
            d_all_sbert,
            d_correct_sbert: f64::NAN,
            d_correct_vendi: f64::NAN,
            ead: ead(&record.outputs, &self.ead).mean,
            vendi,
            nli,
        };
        if let Some(labels) = labels {
            let k_correct = labels.labels.iter().filter(|&&c| c).count();
            measured.k_correct = k_correct as f64;
            measured.acc1 = labels.labels.first().map_or(f64::NAN, |&c| f64::from(u8::from(c)));
            measured.majority_vote = labels.majority_vote.map_or(f64::NAN, |c| f64::from(u8::from(c)));
            if k_correct >= 2 {
                let correct = rows(&|k| labels.labels[k]);
                let set = EmbeddingSet::new(&correct, dim).expect("rows of the encoder's width");
                measured.d_correct_sbert = sbert_diversity(set, SmallSetPolicy::Nan);
                measured.d_correct_vendi = vendi_score(set, VendiVariant::QualityFiltered, SmallSetPolicy::Nan);
            }
        }
        Ok(measured)
    }

    /// Measures every prompt of a run file (deduplicated, torn last line skipped), with
    /// labels when given. `progress` is called after each prompt.
    pub fn measure_run(
        &mut self,
        model: &str,
        run: &Path,
        labels: Option<&LabelsFile>,
        progress: &mut dyn FnMut(),
    ) -> Result<Vec<MeasuredPrompt>, MeasureError> {
        let mut out = Vec::new();
        for record in GenerationSource::open(run, false)? {
            let record = record?;
            let prompt_labels = match labels {
                Some(file) if file.covers_task(&normalise_task(&record.task)) => {
                    let found = file.get(&record.task, &record.input_id).ok_or_else(|| MeasureError::Labels {
                        path: file.path.clone(),
                        line: 0,
                        problem: format!(
                            "no labels for prompt `{}` (task `{}`) of {}:{}",
                            record.input_id,
                            record.task,
                            run.display(),
                            record.line
                        ),
                    })?;
                    if found.labels.len() != record.outputs.len() {
                        return Err(MeasureError::Labels {
                            path: file.path.clone(),
                            line: found.line,
                            problem: format!(
                                "field `labels`: {} labels for {} outputs of prompt `{}` in {}:{}",
                                found.labels.len(),
                                record.outputs.len(),
                                record.input_id,
                                run.display(),
                                record.line
                            ),
                        });
                    }
                    Some(found)
                }
                _ => None,
            };
            out.push(self.measure(model, &record, prompt_labels)?);
            progress();
        }
        Ok(out)
    }
}

/// The per-prompt table of measured prompts (columns of [`super::per_prompt`] plus
/// `n_outputs`, `majority_vote`, `ead`, `vendi`, `nli`).
pub fn measured_table(rows: &[MeasuredPrompt], origin: &str) -> Result<PerPromptTable, MeasureError> {
    let floats = |f: fn(&MeasuredPrompt) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
    let frame = df!(
        "model" => rows.iter().map(|r| r.model.clone()).collect::<Vec<_>>(),
        "task" => rows.iter().map(|r| r.task.clone()).collect::<Vec<_>>(),
        "input_id" => rows.iter().map(|r| r.input_id.clone()).collect::<Vec<_>>(),
        "n_outputs" => rows.iter().map(|r| r.n_outputs as u64).collect::<Vec<_>>(),
        "k_correct" => floats(|r| r.k_correct),
        "acc1" => floats(|r| r.acc1),
        "majority_vote" => floats(|r| r.majority_vote),
        "d_all_sbert" => floats(|r| r.d_all_sbert),
        "d_correct_sbert" => floats(|r| r.d_correct_sbert),
        "d_correct_vendi" => floats(|r| r.d_correct_vendi),
        "ead" => floats(|r| r.ead),
        "vendi" => floats(|r| r.vendi),
        "nli" => floats(|r| r.nli),
    )?;
    Ok(PerPromptTable::from_frame(frame, origin)?)
}
