//! Per-prompt scoring of generation records: the metrics of one prompt's outputs, and
//! the per-prompt table written as parquet, CSV or JSONL.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use burn::tensor::backend::Backend;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::SmallSetPolicy;
use super::ast_diversity::{AstError, AstParser};
use super::classes::nli_partition;
use super::ead::{EadConfig, ead};
use super::extended::{
    ExtendedScores, ExtendedSettings, LexicalWanted, add_embedding_classes, add_lexical, add_partition,
    add_vendi_orders,
};
use super::nli::{SentencePairSampler, nli_diversity};
use super::sbert::{EmbeddingSet, sbert_diversity};
use super::summary::{per_input_mean, per_input_std};
use super::vendi::{VendiVariant, vendi_score};
use crate::data::generations::GenerationRecord;
use crate::data::labels::LabelRecord;
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
    /// The AST parser failed.
    #[error(transparent)]
    Ast(#[from] AstError),
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
    /// AST subtree diversity of code (`ast_pairwise`, `ast_distinct`,
    /// `parseability_rate`), parsed by CPython.
    #[serde(rename = "AST")]
    Ast,
    /// 1 − mean pairwise cosine of code embeddings (UniXcoder) of the outputs' code.
    #[serde(rename = "CODE_SBERT")]
    CodeSbert,
    /// Vendi score of the same code embeddings.
    #[serde(rename = "CODE_VENDI")]
    CodeVendi,
    /// distinct-1..4 of NLTK word n-grams (`distinct_1..distinct_4`).
    #[serde(rename = "DISTINCT")]
    Distinct,
    /// The n-gram Vendi score (`ngram_vendi`).
    #[serde(rename = "NGRAM_VENDI")]
    NgramVendi,
    /// Shaib et al.'s n-gram diversity score (`ngram_diversity`).
    #[serde(rename = "NGRAM_DIVERSITY")]
    NgramDiversity,
    /// Self-BLEU (`self_bleu`).
    #[serde(rename = "SELF_BLEU")]
    SelfBleu,
    /// The gzip compression ratio (`compression_ratio`).
    #[serde(rename = "COMPRESSION")]
    Compression,
    /// Vendi scores of the orders in [`ExtendedSettings::vendi_orders`] (`vendi_q<q>`).
    #[serde(rename = "VENDI_Q")]
    VendiQ,
    /// Meaning classes by embedding threshold (`classes_emb`, `semantic_entropy_emb`).
    #[serde(rename = "CLASSES_EMB")]
    ClassesEmb,
    /// Meaning classes by bidirectional entailment (`classes_nli`, `semantic_entropy_nli`).
    #[serde(rename = "CLASSES_NLI")]
    ClassesNli,
    /// SBERT diversity of the reasoning traces (`trace_sbert`).
    #[serde(rename = "TRACE_SBERT")]
    TraceSbert,
    /// EAD of the reasoning traces (`trace_ead`).
    #[serde(rename = "TRACE_EAD")]
    TraceEad,
}

impl Metric {
    /// Every metric, in the order of [`Metric::NAMES`].
    pub const ALL: [Metric; 17] = [
        Self::Ead,
        Self::Sbert,
        Self::Vendi,
        Self::Nli,
        Self::Ast,
        Self::CodeSbert,
        Self::CodeVendi,
        Self::Distinct,
        Self::NgramVendi,
        Self::NgramDiversity,
        Self::SelfBleu,
        Self::Compression,
        Self::VendiQ,
        Self::ClassesEmb,
        Self::ClassesNli,
        Self::TraceSbert,
        Self::TraceEad,
    ];

    /// Every metric's name as `--metrics` spells it, in the order of [`Metric::ALL`].
    pub const NAMES: [&'static str; 17] = [
        "ead",
        "sbert",
        "vendi",
        "nli",
        "ast",
        "code_sbert",
        "code_vendi",
        "distinct",
        "ngram_vendi",
        "ngram_diversity",
        "self_bleu",
        "compression",
        "vendi_q",
        "classes_emb",
        "classes_nli",
        "trace_sbert",
        "trace_ead",
    ];

    /// The name `--metrics` spells.
    pub fn name(self) -> &'static str {
        let index = Self::ALL.iter().position(|m| *m == self).expect("every metric is in ALL");
        Self::NAMES[index]
    }

    /// One of the study's metrics (not an extension of [`super::extended`]).
    pub fn is_study_metric(self) -> bool {
        matches!(
            self,
            Self::Ead | Self::Sbert | Self::Vendi | Self::Nli | Self::Ast | Self::CodeSbert | Self::CodeVendi
        )
    }

    /// Whether the metric reads the sentence embeddings of the outputs.
    pub fn needs_encoder(self) -> bool {
        matches!(self, Self::Sbert | Self::Vendi | Self::VendiQ | Self::ClassesEmb | Self::TraceSbert)
    }

    /// Whether the metric needs the NLI model.
    pub fn needs_nli(self) -> bool {
        matches!(self, Self::Nli | Self::ClassesNli)
    }
}

impl std::str::FromStr for Metric {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let name = text.trim().to_ascii_lowercase();
        Self::NAMES
            .iter()
            .position(|n| *n == name)
            .map(|index| Self::ALL[index])
            .ok_or_else(|| format!("unknown metric `{name}` ({})", Self::NAMES.join(", ")))
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
    /// Mean pairwise multiset Jaccard distance of the outputs' height-4 AST subtrees.
    #[serde(default)]
    pub ast_pairwise: Option<f64>,
    /// Distinct / total height-4 AST subtrees, pooled over the outputs.
    #[serde(default)]
    pub ast_distinct: Option<f64>,
    /// Outputs whose code CPython parses / outputs.
    #[serde(default)]
    pub parseability_rate: Option<f64>,
    /// 1 − mean pairwise cosine of the code embeddings (non-empty code only; `None`
    /// below two).
    #[serde(default)]
    pub code_sbert: Option<f64>,
    /// Vendi score of the code embeddings (the quality-filtered variant; `None` below two).
    #[serde(default)]
    pub code_vendi: Option<f64>,
    /// Mean output length in words: Python's `len(o.split())` over the outputs as scored
    /// (think-stripped), for the length-against-diversity table (the paper's Table 16).
    #[serde(default)]
    pub mean_words: Option<f64>,
    /// The metrics beyond the study ([`super::extended`]): column → value, only the
    /// columns computed.
    #[serde(flatten)]
    pub extended: ExtendedScores,
}

/// The correctness side of one prompt: its labels, and the diversity of its correct
/// outputs (the quality-filtered scripts' `D_c` and `V_c`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CorrectScores {
    /// `K_c`: correct outputs of the K.
    pub k_correct: usize,
    /// Whether output 0 is correct.
    pub acc1: bool,
    /// Whether the majority-vote answer is correct, where the checker reports it.
    pub majority_vote: Option<bool>,
    /// `D_c = 1 − mean pairwise cosine` of the correct outputs; `None` when `K_c < 2` or
    /// no encoder is loaded.
    pub d_correct_sbert: Option<f64>,
    /// `V_c`, the Vendi score of the correct outputs (the quality-filtered variant);
    /// `None` when `K_c < 2` or no encoder is loaded.
    pub d_correct_vendi: Option<f64>,
    /// D_c^AST: `ast_pairwise` of the correct outputs (HumanEval and MBPP, with an AST
    /// parser; `None` otherwise or below two correct outputs with subtrees).
    pub d_correct_ast: Option<f64>,
    /// D_c^code: `code_sbert` of the correct outputs (code tasks, with a code encoder).
    pub d_correct_code_sbert: Option<f64>,
    /// `code_vendi` of the correct outputs (code tasks, with a code encoder).
    pub d_correct_code_vendi: Option<f64>,
}

/// Scores records with the requested metrics: the one place a set of outputs is scored
/// (`score`, `analyze`, `study`, the demo and the notebooks all come here).
///
/// Sets of fewer than two outputs get the reference pipeline's fixed values
/// ([`SmallSetPolicy::Pipeline`]); the correct-output metrics are `None` below two
/// correct outputs. NLI draws its sentence pairs from one `random.Random(1234)` stream
/// shared by the prompts in the order they are scored (the reference's per-input pass).
pub struct PromptScorer<'a, B: Backend> {
    /// EAD settings.
    pub ead: EadConfig,
    /// The sentence encoder, required for SBERT, Vendi and the correct-output metrics.
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
    /// The CPython process that parses code, required for the AST metrics.
    pub ast: Option<AstParser>,
    /// The code encoder (UniXcoder), required for the code embedding metrics.
    pub code_encoder: Option<&'a SentenceEncoder<B>>,
    /// Settings of the metrics beyond the study (Vendi orders, class threshold).
    pub extended: ExtendedSettings,
}

/// The mean length in words of `outputs`: Python's `len(o.split())` averaged over the
/// outputs; `None` for no output.
pub fn mean_words<S: AsRef<str>>(outputs: &[S]) -> Option<f64> {
    let total: usize = outputs.iter().map(|o| crate::pycompat::string::py_split_whitespace(o.as_ref()).count()).sum();
    (!outputs.is_empty()).then(|| total as f64 / outputs.len() as f64)
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
        Ok(self.score_labelled(record, None)?.0)
    }

    /// The scores of one record and, with its labels (one per output), the correctness
    /// side; the correct-output metrics reuse the embeddings of all outputs.
    pub fn score_labelled(
        &mut self,
        record: &GenerationRecord,
        labels: Option<&LabelRecord>,
    ) -> Result<(PromptScores, Option<CorrectScores>), ScoreError> {
        let metrics = self.metrics.clone();
        let wants = |metric: Metric| metrics.contains(&metric);
        let ead_score = wants(Metric::Ead).then(|| ead(&record.outputs, &self.ead));
        let needs_embeddings = metrics.iter().any(|m| m.needs_encoder()) || labels.is_some_and(needs_correct_set);
        let embedded = if needs_embeddings { self.embed(&record.outputs)? } else { None };
        let (mut sbert, mut vendi) = (None, None);
        if let Some((data, dim)) = &embedded {
            let set = EmbeddingSet::new(data, *dim).expect("rows of the encoder's width");
            sbert = wants(Metric::Sbert).then(|| sbert_diversity(set, SmallSetPolicy::Pipeline));
            vendi = wants(Metric::Vendi).then(|| vendi_score(set, VendiVariant::Pipeline, SmallSetPolicy::Pipeline));
        }
        let extended = self.extended_from(record, embedded.as_ref())?;
        let nli = match (&mut self.nli, wants(Metric::Nli)) {
            (Some(model), true) => Some(nli_diversity(&record.outputs, &mut self.sampler, model)?),
            _ => None,
        };
        let ast = match (&mut self.ast, wants(Metric::Ast)) {
            (Some(parser), true) => Some(parser.score(&record.outputs)?),
            _ => None,
        };
        let (code_sbert, code_vendi) = if wants(Metric::CodeSbert) || wants(Metric::CodeVendi) {
            self.code_diversity(&record.outputs)?
        } else {
            (None, None)
        };
        let scores = PromptScores {
            model: self.model.clone(),
            task: record.task.clone(),
            input_id: record.input_id.clone(),
            n_outputs: record.outputs.len(),
            mean_words: mean_words(&record.outputs),
            ead: ead_score.as_ref().map(|s| s.mean),
            ead_n: ead_score.map(|s| s.per_order),
            sbert,
            vendi,
            nli,
            ast_pairwise: ast.and_then(|a| a.ast_pairwise),
            ast_distinct: ast.and_then(|a| a.ast_distinct),
            parseability_rate: ast.and_then(|a| a.parseability_rate()),
            code_sbert: code_sbert.filter(|_| wants(Metric::CodeSbert)),
            code_vendi: code_vendi.filter(|_| wants(Metric::CodeVendi)),
            extended,
        };
        let correct = match labels {
            Some(labels) => {
                let mut correct = correct_scores(labels, embedded.as_ref().map(|(d, dim)| (d.as_slice(), *dim)));
                self.correct_code_scores(record, labels, &mut correct)?;
                Some(correct)
            }
            None => None,
        };
        Ok((scores, correct))
    }

    /// The metrics beyond the study among the scorer's metrics, for one record (the
    /// study's metrics are left out; embeddings come through the cache when one is open).
    pub fn extended_scores(&mut self, record: &GenerationRecord) -> Result<ExtendedScores, ScoreError> {
        let needs_embeddings = self.metrics.iter().any(|m| !m.is_study_metric() && m.needs_encoder());
        let embedded = if needs_embeddings { self.embed(&record.outputs)? } else { None };
        self.extended_from(record, embedded.as_ref())
    }

    /// The extension columns of a record, given its embeddings when they were computed.
    fn extended_from(
        &mut self,
        record: &GenerationRecord,
        embedded: Option<&(Vec<f32>, usize)>,
    ) -> Result<ExtendedScores, ScoreError> {
        let wants = |metric: Metric| self.metrics.contains(&metric);
        let mut extended = ExtendedScores::new();
        if let Some((data, dim)) = embedded {
            let set = EmbeddingSet::new(data, *dim).expect("rows of the encoder's width");
            if wants(Metric::VendiQ) {
                add_vendi_orders(set, &self.extended.vendi_orders, &mut extended);
            }
            if wants(Metric::ClassesEmb) {
                add_embedding_classes(set, self.extended.class_threshold, &mut extended);
            }
        }
        let lexical = LexicalWanted {
            distinct: wants(Metric::Distinct),
            ngram_vendi: wants(Metric::NgramVendi),
            ngram_diversity: wants(Metric::NgramDiversity),
            self_bleu: wants(Metric::SelfBleu),
            compression: wants(Metric::Compression),
        };
        add_lexical(&record.outputs, lexical, &mut extended);
        let classes_nli = wants(Metric::ClassesNli);
        if let (Some(model), true) = (&mut self.nli, classes_nli) {
            add_partition("nli", &nli_partition(&record.outputs, model)?, &mut extended);
        }
        if wants(Metric::TraceSbert) || wants(Metric::TraceEad) {
            self.add_trace_scores(record, &mut extended)?;
        }
        Ok(extended)
    }

    /// `trace_sbert` and `trace_ead`: the study's SBERT diversity and EAD of the outputs'
    /// reasoning traces (think spans of the raw outputs; outputs without one left out;
    /// `None` without raw outputs or below two traces).
    fn add_trace_scores(&mut self, record: &GenerationRecord, extended: &mut ExtendedScores) -> Result<(), ScoreError> {
        let traces = record.traces().filter(|t| t.len() >= 2);
        if self.metrics.contains(&Metric::TraceEad) {
            extended.insert("trace_ead".into(), traces.as_ref().map(|t| ead(t, &self.ead).mean));
        }
        if self.metrics.contains(&Metric::TraceSbert) {
            let embedded = match &traces {
                Some(traces) => self.embed(traces)?,
                None => None,
            };
            let value = embedded.map(|(data, dim)| {
                sbert_diversity(
                    EmbeddingSet::new(&data, dim).expect("rows of the encoder's width"),
                    SmallSetPolicy::Nan,
                )
            });
            extended.insert("trace_sbert".into(), value);
        }
        Ok(())
    }

    /// The correctness side of one record alone (its scores were computed earlier):
    /// embeds the outputs only when two or more are correct.
    pub fn correct_scores(
        &mut self,
        record: &GenerationRecord,
        labels: &LabelRecord,
    ) -> Result<CorrectScores, ScoreError> {
        let embedded = if needs_correct_set(labels) { self.embed(&record.outputs)? } else { None };
        let mut correct = correct_scores(labels, embedded.as_ref().map(|(d, dim)| (d.as_slice(), *dim)));
        self.correct_code_scores(record, labels, &mut correct)?;
        Ok(correct)
    }

    /// The study's code diversity of the correct outputs (`compute_code_diversity.py`:
    /// prompts with at least two correct outputs): D_c^AST on HumanEval and MBPP with the
    /// AST parser, `code_sbert` and `code_vendi` on those and CRUXEval with the code encoder.
    fn correct_code_scores(
        &mut self,
        record: &GenerationRecord,
        labels: &LabelRecord,
        correct: &mut CorrectScores,
    ) -> Result<(), ScoreError> {
        let task = crate::data::generations::normalise_task(&record.task);
        let code_task = ["humaneval", "humaneval_instruct", "mbpp"].iter().any(|t| task.starts_with(t));
        let embedded_task = code_task || task.starts_with("cruxeval");
        if !needs_correct_set(labels) || !embedded_task {
            return Ok(());
        }
        let outputs: Vec<String> =
            record.outputs.iter().zip(&labels.labels).filter(|(_, c)| **c).map(|(o, _)| o.clone()).collect();
        if let (Some(parser), true) = (&mut self.ast, code_task) {
            correct.d_correct_ast = parser.score(&outputs)?.ast_pairwise;
        }
        let (sbert, vendi) = self.code_diversity(&outputs)?;
        correct.d_correct_code_sbert = sbert;
        correct.d_correct_code_vendi = vendi;
        Ok(())
    }

    /// `code_sbert` and `code_vendi` of the outputs' code
    /// (`extract_code_from_markdown(_strip_cot(o))`, blank code dropped, as
    /// `compute_code_diversity.py` does); `None` below two codes or without a code encoder.
    fn code_diversity(&self, outputs: &[String]) -> Result<(Option<f64>, Option<f64>), ScoreError> {
        let Some(encoder) = self.code_encoder else { return Ok((None, None)) };
        let codes: Vec<String> = outputs
            .iter()
            .map(|o| super::ast_diversity::code_of(o))
            .filter(|c| !crate::pycompat::py_strip(c).is_empty())
            .collect();
        if codes.len() < 2 {
            return Ok((None, None));
        }
        let data: Vec<f32> = encoder.encode(&codes, self.batch_size)?.into_iter().flatten().collect();
        let set = EmbeddingSet::new(&data, encoder.dim()).expect("rows of the encoder's width");
        Ok((
            Some(sbert_diversity(set, SmallSetPolicy::Nan)),
            Some(vendi_score(set, VendiVariant::QualityFiltered, SmallSetPolicy::Nan)),
        ))
    }

    /// Embeddings of the outputs (row-major, `K × dim`) and `dim`, when an encoder is loaded.
    fn embed(&mut self, outputs: &[String]) -> Result<Option<(Vec<f32>, usize)>, ScoreError> {
        let Some(encoder) = self.encoder else { return Ok(None) };
        Ok(Some((encoder.encode_outputs(outputs, self.batch_size, self.cache.as_mut())?, encoder.dim())))
    }
}

/// Whether the labels leave at least two correct outputs to compare.
fn needs_correct_set(labels: &LabelRecord) -> bool {
    labels.labels.iter().filter(|&&c| c).count() >= 2
}

/// `K_c`, `acc1`, the majority vote and, from the embeddings of all outputs
/// (`K × dim`, when given), `D_c` and `V_c` of the correct ones.
fn correct_scores(labels: &LabelRecord, embedded: Option<(&[f32], usize)>) -> CorrectScores {
    let k_correct = labels.labels.iter().filter(|&&c| c).count();
    let mut scores = CorrectScores {
        k_correct,
        acc1: labels.labels.first().copied().unwrap_or(false),
        majority_vote: labels.majority_vote,
        d_correct_sbert: None,
        d_correct_vendi: None,
        d_correct_ast: None,
        d_correct_code_sbert: None,
        d_correct_code_vendi: None,
    };
    if let (true, Some((data, dim))) = (k_correct >= 2, embedded) {
        let correct: Vec<f32> = data
            .chunks_exact(dim)
            .zip(&labels.labels)
            .filter(|(_, correct)| **correct)
            .flat_map(|(row, _)| row.iter().copied())
            .collect();
        let set = EmbeddingSet::new(&correct, dim).expect("rows of the encoder's width");
        scores.d_correct_sbert = Some(sbert_diversity(set, SmallSetPolicy::Nan));
        scores.d_correct_vendi = Some(vendi_score(set, VendiVariant::QualityFiltered, SmallSetPolicy::Nan));
    }
    scores
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
    /// Reading failed or a row is malformed (the message names the row and field).
    #[error("{path}: {message}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// The columns of the study's metrics in [`scores_frame`]; any other numeric column is an
/// extension metric ([`super::extended`]).
pub const STUDY_SCORE_COLUMNS: [&str; 19] = [
    "model",
    "task",
    "input_id",
    "n_outputs",
    "ead",
    "ead_1",
    "ead_2",
    "ead_3",
    "ead_4",
    "ead_5",
    "sbert",
    "vendi",
    "nli",
    "ast_pairwise",
    "ast_distinct",
    "parseability_rate",
    "code_sbert",
    "code_vendi",
    "mean_words",
];

/// The extension columns present in any row, in column order.
pub fn extended_columns<'a>(rows: impl IntoIterator<Item = &'a PromptScores>) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for row in rows {
        for column in row.extended.keys() {
            if !columns.contains(column) {
                columns.push(column.clone());
            }
        }
    }
    columns.sort();
    columns
}

/// The per-prompt table as a frame: `model, task, input_id, n_outputs, ead, ead_1..ead_5,
/// sbert, vendi, nli, mean_words, ast_pairwise, ast_distinct, parseability_rate,
/// code_sbert, code_vendi`, then the extension columns any row has, sorted (nulls for metrics not
/// computed).
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
    columns.push(Column::new("mean_words".into(), rows.iter().map(|r| r.mean_words).collect::<Vec<_>>()));
    columns.push(Column::new("ast_pairwise".into(), rows.iter().map(|r| r.ast_pairwise).collect::<Vec<_>>()));
    columns.push(Column::new("ast_distinct".into(), rows.iter().map(|r| r.ast_distinct).collect::<Vec<_>>()));
    columns.push(Column::new("parseability_rate".into(), rows.iter().map(|r| r.parseability_rate).collect::<Vec<_>>()));
    columns.push(Column::new("code_sbert".into(), rows.iter().map(|r| r.code_sbert).collect::<Vec<_>>()));
    columns.push(Column::new("code_vendi".into(), rows.iter().map(|r| r.code_vendi).collect::<Vec<_>>()));
    for column in extended_columns(rows) {
        let values: Vec<Option<f64>> = rows.iter().map(|r| r.extended.get(&column).copied().flatten()).collect();
        columns.push(Column::new(column.into(), values));
    }
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

/// Reads a per-prompt table that [`write_scores`] wrote (.parquet, .csv or .jsonl):
/// the same rows, nulls as `None`. Errors name the row (1-based, the header not counted)
/// and the column.
pub fn read_scores(path: &Path) -> Result<Vec<PromptScores>, TableError> {
    let failed = |message: String| TableError::Read { path: path.to_owned(), message };
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let frame = match extension.as_str() {
        "jsonl" => return read_scores_jsonl(path),
        "parquet" => {
            let file = std::fs::File::open(path).map_err(|e| failed(e.to_string()))?;
            crate::data::read_parquet(file).map_err(|e| failed(e.to_string()))?
        }
        "csv" => crate::data::polars_read(|| {
            CsvReadOptions::default()
                .with_infer_schema_length(None)
                .with_schema_overwrite(Some(std::sync::Arc::new(Schema::from_iter([
                    Field::new("model".into(), DataType::String),
                    Field::new("task".into(), DataType::String),
                    Field::new("input_id".into(), DataType::String),
                ]))))
                .try_into_reader_with_file_path(Some(path.to_owned()))?
                .finish()
        })
        .map_err(|e| failed(e.to_string()))?,
        _ => return Err(TableError::Format(path.to_owned())),
    };
    scores_from_frame(&frame).map_err(failed)
}

/// The rows of a frame with [`scores_frame`]'s columns.
fn scores_from_frame(frame: &DataFrame) -> Result<Vec<PromptScores>, String> {
    let text = |name: &str| -> Result<Vec<String>, String> {
        let column = frame.column(name).map_err(|_| format!("missing column `{name}`"))?;
        let column = column.cast(&DataType::String).map_err(|e| format!("column `{name}`: {e}"))?;
        let values = column.str().map_err(|e| format!("column `{name}`: {e}"))?;
        values
            .into_iter()
            .enumerate()
            .map(|(row, v)| v.map(str::to_owned).ok_or_else(|| format!("row {}, column `{name}`: empty", row + 1)))
            .collect()
    };
    let number = |name: &str| -> Result<Vec<Option<f64>>, String> {
        match frame.column(name) {
            Err(_) => Ok(vec![None; frame.height()]),
            Ok(column) => {
                let column = column.cast(&DataType::Float64).map_err(|e| format!("column `{name}`: {e}"))?;
                Ok(column.f64().map_err(|e| format!("column `{name}`: {e}"))?.into_iter().collect())
            }
        }
    };
    let (models, tasks, ids) = (text("model")?, text("task")?, text("input_id")?);
    let counts = number("n_outputs")?;
    let words = number("mean_words")?;
    let (ead_mean, sbert, vendi, nli) = (number("ead")?, number("sbert")?, number("vendi")?, number("nli")?);
    let (ast_pairwise, ast_distinct) = (number("ast_pairwise")?, number("ast_distinct")?);
    let parseability_rate = number("parseability_rate")?;
    let (code_sbert, code_vendi) = (number("code_sbert")?, number("code_vendi")?);
    let per_order: Vec<Vec<Option<f64>>> = (1..=5).map(|n| number(&format!("ead_{n}"))).collect::<Result<_, _>>()?;
    let extension_names: Vec<String> = frame
        .get_column_names()
        .into_iter()
        .map(|name| name.to_string())
        .filter(|name| !STUDY_SCORE_COLUMNS.contains(&name.as_str()))
        .collect();
    let extension_values: Vec<Vec<Option<f64>>> =
        extension_names.iter().map(|name| number(name)).collect::<Result<_, _>>()?;
    (0..frame.height())
        .map(|row| {
            let n_outputs = counts[row].ok_or_else(|| format!("row {}, column `n_outputs`: empty", row + 1))?;
            let orders: Option<Vec<f64>> = per_order.iter().map(|column| column[row]).collect();
            Ok(PromptScores {
                model: models[row].clone(),
                task: tasks[row].clone(),
                input_id: ids[row].clone(),
                n_outputs: n_outputs as usize,
                mean_words: words[row],
                ead: ead_mean[row],
                ead_n: orders,
                sbert: sbert[row],
                vendi: vendi[row],
                nli: nli[row],
                ast_pairwise: ast_pairwise[row],
                ast_distinct: ast_distinct[row],
                parseability_rate: parseability_rate[row],
                code_sbert: code_sbert[row],
                code_vendi: code_vendi[row],
                extended: extension_names
                    .iter()
                    .zip(&extension_values)
                    .map(|(name, values)| (name.clone(), values[row]))
                    .collect::<BTreeMap<_, _>>(),
            })
        })
        .collect()
}

/// The rows of a JSONL per-prompt table (`ead_1..ead_5` as written by [`write_scores`]).
fn read_scores_jsonl(path: &Path) -> Result<Vec<PromptScores>, TableError> {
    let failed = |message: String| TableError::Read { path: path.to_owned(), message };
    let text = std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))?;
    let mut rows = Vec::new();
    for (index, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let at = |e: &dyn std::fmt::Display| failed(format!("line {}: {e}", index + 1));
        let mut value: serde_json::Value = serde_json::from_str(line).map_err(|e| at(&e))?;
        if let Some(map) = value.as_object_mut() {
            let orders: Vec<serde_json::Value> = (1..=5).filter_map(|n| map.remove(&format!("ead_{n}"))).collect();
            let all = orders.len() == 5 && orders.iter().all(serde_json::Value::is_number);
            map.insert("ead_n".into(), if all { serde_json::Value::Array(orders) } else { serde_json::Value::Null });
        }
        rows.push(serde_json::from_value(value).map_err(|e| at(&e))?);
    }
    Ok(rows)
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
