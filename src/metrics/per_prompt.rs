//! Per-prompt scoring of generation records: the metrics of one prompt's outputs, and
//! the per-prompt table written as parquet, CSV or JSONL.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use burn::tensor::backend::Backend;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::SmallSetPolicy;
use super::ead::{EadConfig, ead};
use super::nli::{SentencePairSampler, nli_diversity};
use super::sbert::{EmbeddingSet, sbert_diversity};
use super::summary::{per_input_mean, per_input_std};
use super::vendi::{VendiVariant, vendi_score};
use crate::data::generations::GenerationRecord;
use crate::encoders::cache::EmbeddingCache;
use crate::encoders::roberta::{NliModel, NliModelError};
use crate::encoders::{SentenceEncoder, SentenceEncoderError};

/// Errors scoring a record.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScoreError {
    /// The sentence encoder failed.
    #[error(transparent)]
    Encoder(#[from] SentenceEncoderError),
    /// The NLI model failed.
    #[error(transparent)]
    Nli(#[from] NliModelError),
}

/// A metric of the study.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Metric {
    /// Expectation-adjusted distinct n-grams.
    #[serde(rename = "EAD")]
    Ead,
    /// 1 − mean pairwise cosine of sentence embeddings.
    #[serde(rename = "SBERT")]
    Sbert,
    /// Vendi score of the cosine kernel.
    #[serde(rename = "VENDI")]
    Vendi,
    /// NLI diversity.
    #[serde(rename = "NLI")]
    Nli,
}

impl std::str::FromStr for Metric {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "ead" => Ok(Self::Ead),
            "sbert" => Ok(Self::Sbert),
            "vendi" => Ok(Self::Vendi),
            "nli" => Ok(Self::Nli),
            other => Err(format!("unknown metric `{other}` (ead, sbert, vendi, nli)")),
        }
    }
}

/// The scores of one prompt. Metrics not requested are `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromptScores {
    /// Model name.
    pub model: String,
    /// Task name.
    pub task: String,
    /// Prompt id.
    pub input_id: String,
    /// Number of outputs scored.
    pub n_outputs: usize,
    /// `D_EAD`.
    pub ead: Option<f64>,
    /// `EAD_1..EAD_5`.
    pub ead_n: Option<Vec<f64>>,
    /// SBERT diversity.
    pub sbert: Option<f64>,
    /// Vendi score.
    pub vendi: Option<f64>,
    /// NLI diversity.
    pub nli: Option<f64>,
}

/// Scores records with the requested metrics.
///
/// NLI draws its sentence pairs from one `random.Random(1234)` stream shared by the
/// prompts in file order (the reference's per-input pass; its across-input passes, which
/// consume the same stream first in `compute_diversity`, are not run here).
pub struct PromptScorer<'a, B: Backend> {
    /// EAD settings.
    pub ead: EadConfig,
    /// The sentence encoder, required for SBERT and Vendi.
    pub encoder: Option<&'a SentenceEncoder<B>>,
    /// Texts per encoder batch.
    pub batch_size: usize,
    /// Which metrics to compute.
    pub metrics: Vec<Metric>,
    /// The model name written in every row.
    pub model: String,
    /// The NLI model, required for NLI.
    pub nli: Option<NliModel<B>>,
    /// The NLI sentence-pair stream.
    pub sampler: SentencePairSampler,
    /// An embedding cache shared across runs, if any.
    pub cache: Option<EmbeddingCache>,
}

impl<B: Backend> PromptScorer<'_, B> {
    /// Passes over a record scored by an earlier run: advances the NLI sentence-pair
    /// stream exactly as scoring it would, so the prompts after it draw the same pairs.
    pub fn skip(&mut self, record: &GenerationRecord) {
        if self.metrics.contains(&Metric::Nli) && self.nli.is_some() && record.outputs.len() > 1 {
            self.sampler.split_and_select(&record.outputs);
        }
    }

    /// The scores of one record. Embeddings are computed once per distinct text.
    pub fn score(&mut self, record: &GenerationRecord) -> Result<PromptScores, ScoreError> {
        let wants = |metric: Metric| self.metrics.contains(&metric);
        let ead_score = wants(Metric::Ead).then(|| ead(&record.outputs, &self.ead));
        let (mut sbert, mut vendi) = (None, None);
        if (wants(Metric::Sbert) || wants(Metric::Vendi))
            && let Some(encoder) = self.encoder
        {
            let data = encoder.encode_outputs(&record.outputs, self.batch_size, self.cache.as_mut())?;
            let set = EmbeddingSet::new(&data, encoder.dim()).expect("rows of the encoder's width");
            sbert = wants(Metric::Sbert).then(|| sbert_diversity(set, SmallSetPolicy::Pipeline));
            vendi = wants(Metric::Vendi).then(|| vendi_score(set, VendiVariant::Pipeline, SmallSetPolicy::Pipeline));
        }
        let nli = match (&mut self.nli, wants(Metric::Nli)) {
            (Some(model), true) => Some(nli_diversity(&record.outputs, &mut self.sampler, model)?),
            _ => None,
        };
        Ok(PromptScores {
            model: self.model.clone(),
            task: record.task.clone(),
            input_id: record.input_id.clone(),
            n_outputs: record.outputs.len(),
            ead: ead_score.as_ref().map(|s| s.mean),
            ead_n: ead_score.map(|s| s.per_order),
            sbert,
            vendi,
            nli,
        })
    }
}

/// Errors writing the table.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    /// The extension is not parquet, csv or jsonl.
    #[error("{0}: unknown table format (use .parquet, .csv or .jsonl)")]
    Format(PathBuf),
    /// Writing failed.
    #[error("{path}: {message}")]
    Write {
        /// The file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
}

/// The per-prompt table as a frame: `model, task, input_id, n_outputs, ead, ead_1..ead_5,
/// sbert, vendi, nli` (nulls for metrics not computed).
pub fn scores_frame(rows: &[PromptScores]) -> PolarsResult<DataFrame> {
    let text = |f: fn(&PromptScores) -> &str| rows.iter().map(f).collect::<Vec<_>>();
    let mut columns = vec![
        Column::new("model".into(), text(|r| &r.model)),
        Column::new("task".into(), text(|r| &r.task)),
        Column::new("input_id".into(), text(|r| &r.input_id)),
        Column::new("n_outputs".into(), rows.iter().map(|r| r.n_outputs as u64).collect::<Vec<_>>()),
        Column::new("ead".into(), rows.iter().map(|r| r.ead).collect::<Vec<_>>()),
    ];
    for n in 0..5 {
        let values: Vec<Option<f64>> = rows.iter().map(|r| r.ead_n.as_ref().and_then(|v| v.get(n).copied())).collect();
        columns.push(Column::new(format!("ead_{}", n + 1).into(), values));
    }
    columns.push(Column::new("sbert".into(), rows.iter().map(|r| r.sbert).collect::<Vec<_>>()));
    columns.push(Column::new("vendi".into(), rows.iter().map(|r| r.vendi).collect::<Vec<_>>()));
    columns.push(Column::new("nli".into(), rows.iter().map(|r| r.nli).collect::<Vec<_>>()));
    DataFrame::new(columns)
}

/// Writes the per-prompt table in the format of the extension (.parquet, .csv, .jsonl).
pub fn write_scores(rows: &[PromptScores], path: &Path) -> Result<(), TableError> {
    let failed = |message: String| TableError::Write { path: path.to_owned(), message };
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match extension.as_str() {
        "jsonl" => crate::data::atomic::write_with(path, |file| {
            let mut out = BufWriter::new(file);
            for row in rows {
                let mut value = serde_json::to_value(row)?;
                if let Some(map) = value.as_object_mut() {
                    let per_order = map.remove("ead_n");
                    for n in 0..5 {
                        let v = per_order.as_ref().and_then(|v| v.get(n)).cloned().unwrap_or(serde_json::Value::Null);
                        map.insert(format!("ead_{}", n + 1), v);
                    }
                }
                serde_json::to_writer(&mut out, &value)?;
                out.write_all(b"\n")?;
            }
            out.flush()
        })
        .map_err(|e| failed(e.to_string())),
        "csv" | "parquet" => {
            let mut frame = scores_frame(rows).map_err(|e| failed(e.to_string()))?;
            crate::data::atomic::write_with(path, |file| {
                if extension == "csv" {
                    CsvWriter::new(file).finish(&mut frame).map_err(std::io::Error::other)
                } else {
                    ParquetWriter::new(file).finish(&mut frame).map(|_| ()).map_err(std::io::Error::other)
                }
            })
            .map_err(|e| failed(e.to_string()))
        }
        _ => Err(TableError::Format(path.to_owned())),
    }
}

/// `per_input_mean` and `per_input_std` of one metric, as the reference names them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricSummary {
    /// Mean over prompts (`statistics.fmean`).
    pub per_input_mean: f64,
    /// Population standard deviation over prompts (`statistics.pstdev`).
    pub per_input_std: f64,
}

/// The summary of each computed metric over the rows.
pub fn summarise(rows: &[PromptScores]) -> Vec<(Metric, MetricSummary)> {
    type Getter = fn(&PromptScores) -> Option<f64>;
    let pick: [(Metric, Getter); 4] = [
        (Metric::Ead, |r| r.ead),
        (Metric::Sbert, |r| r.sbert),
        (Metric::Vendi, |r| r.vendi),
        (Metric::Nli, |r| r.nli),
    ];
    pick.iter()
        .filter_map(|(metric, get)| {
            let values: Vec<f64> = rows.iter().filter_map(get).collect();
            (!values.is_empty()).then(|| {
                (
                    *metric,
                    MetricSummary { per_input_mean: per_input_mean(&values), per_input_std: per_input_std(&values) },
                )
            })
        })
        .collect()
}
