//! `divcollapse score --generations FILE.jsonl --metrics ead,sbert,vendi [--encoder DIR]
//! [--ead-vocab 50257] [--model-name NAME] --out FILE.{parquet,csv,jsonl} [--summary FILE.json]`
//!
//! `--metrics nli --nli-model DIR` adds NLI diversity. `--diversity-results FILE.json`
//! also writes the reference's `diversity_results.json` (per-input, across-input and
//! overall values per task, methodology §7.3).
//!
//! Scores every prompt of a generation file (streamed; embeddings per prompt, each
//! distinct text once) and writes the per-prompt table and, optionally, a summary with
//! `per_input_mean` and `per_input_std` per metric.
//!
//! Crash-safe: each prompt's scores are appended to a journal beside the table
//! (`.NAME.journal.jsonl`) and synced before the next prompt; a rerun after a crash
//! resumes after the last durable row, and the tables are written atomically at the end
//! (then the journal is removed).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use burn::tensor::backend::Backend;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::data::{GenerationSource, atomic};
use crate::device::DeviceChoice;
use crate::encoders::SentenceEncoder;
use crate::encoders::cache::EmbeddingCache;
use crate::encoders::roberta::NliModel;
use crate::metrics::SmallSetPolicy;
use crate::metrics::across_input::{
    AcrossInputCollector, AcrossInputSelection, MetricResult, REFERENCE_SEED, diversity_result,
};
use crate::metrics::ead::{EadConfig, ead};
use crate::metrics::journal::{ScoreJournal, journal_path};
use crate::metrics::nli::SentencePairSampler;
use crate::metrics::per_prompt::{Metric, PromptScorer, summarise, write_scores};
use crate::metrics::sbert::{EmbeddingSet, sbert_diversity};
use crate::metrics::vendi::{VendiVariant, vendi_score};
use crate::provenance::{Provenance, sha256_file};

#[derive(Debug, Args)]
pub(crate) struct ScoreArgs {
    /// Generation JSONL (one prompt per line with its outputs), or a lighteval details
    /// `.parquet` file (raw outputs, think-stripped on reading).
    #[arg(long)]
    generations: PathBuf,
    /// Comma-separated metrics: ead, sbert, vendi, nli (nli needs --nli-model).
    #[arg(long, default_value = "ead,sbert,vendi")]
    metrics: String,
    /// sentence-transformers folder for sbert and vendi (default: the fetched all-mpnet-base-v2).
    #[arg(long)]
    encoder: Option<PathBuf>,
    /// NLI model folder (roberta-large-mnli).
    #[arg(long)]
    nli_model: Option<PathBuf>,
    /// NLI pair truncation in tokens (the study: 512).
    #[arg(long, default_value_t = 512)]
    nli_max_length: usize,
    /// EAD vocabulary size V (50257 reproduces the reference's code path).
    #[arg(long, default_value_t = crate::metrics::ead::DEFAULT_VOCAB_SIZE)]
    ead_vocab: u64,
    /// Model name written in every row (default: the file's stem).
    #[arg(long)]
    model_name: Option<String>,
    /// Per-prompt table: .parquet, .csv or .jsonl.
    #[arg(long)]
    out: PathBuf,
    /// Summary JSON with per_input_mean and per_input_std per metric.
    #[arg(long)]
    summary: Option<PathBuf>,
    /// The reference's `diversity_results.json` (a list, one object per task) with
    /// per-input, across-input and overall values (NLI: per-input only).
    #[arg(long)]
    diversity_results: Option<PathBuf>,
    /// Embedding cache file (created if absent), keyed by model hash, max length and text.
    #[arg(long)]
    embedding_cache: Option<PathBuf>,
    /// Report and skip malformed lines instead of failing on the first.
    #[arg(long)]
    skip_bad_lines: bool,
    /// `cpu` or `cuda[:N]` for the encoder.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Texts per encoder batch.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
}

pub(crate) fn run(args: &ScoreArgs) -> anyhow::Result<()> {
    let mut metrics: Vec<Metric> = args
        .metrics
        .split(',')
        .filter(|m| !m.trim().is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(anyhow::Error::msg)?;
    metrics.sort();
    metrics.dedup();
    if metrics.is_empty() {
        bail!("--metrics: no metric given");
    }
    if metrics.contains(&Metric::Nli) && args.nli_model.is_none() {
        bail!("--metrics nli needs --nli-model DIR (a roberta-large-mnli folder; it cannot be fetched by the setup)");
    }
    let device: DeviceChoice = args.device.parse()?;
    with_backend!(device, |B, dev| score::<B>(args, &metrics, &dev))
}

fn score<B: Backend>(args: &ScoreArgs, metrics: &[Metric], device: &B::Device) -> anyhow::Result<()> {
    let needs_encoder = metrics.iter().any(|m| matches!(m, Metric::Sbert | Metric::Vendi));
    let encoder_dir = match (&args.encoder, needs_encoder) {
        (Some(dir), true) => Some(dir.clone()),
        (None, true) => Some(crate::assets::Assets::locate().mpnet()?),
        (_, false) => None,
    };
    let encoder = encoder_dir
        .as_ref()
        .map(|dir| {
            SentenceEncoder::<B>::load(dir, device).with_context(|| format!("loading the encoder {}", dir.display()))
        })
        .transpose()?;
    let model = args
        .model_name
        .clone()
        .unwrap_or_else(|| args.generations.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default());
    let encoder_hash = encoder_dir.as_ref().map(|dir| sha256_file(&dir.join("model.safetensors"))).transpose()?;
    let cache = match (&args.embedding_cache, &encoder, &encoder_hash) {
        (Some(path), Some(encoder), Some(hash)) => {
            Some(EmbeddingCache::open(path, encoder.dim(), hash, encoder.max_seq_length())?)
        }
        _ => None,
    };
    let nli = match (&args.nli_model, metrics.contains(&Metric::Nli)) {
        (Some(dir), true) => Some(
            NliModel::<B>::load(dir, args.nli_max_length, args.batch_size, device)
                .with_context(|| format!("loading the NLI model {}", dir.display()))?,
        ),
        _ => None,
    };
    let mut scorer = PromptScorer {
        ead: EadConfig { vocab_size: args.ead_vocab, ..EadConfig::default() },
        encoder: encoder.as_ref(),
        batch_size: args.batch_size,
        metrics: metrics.to_vec(),
        model: model.clone(),
        nli,
        sampler: SentencePairSampler::default(),
        cache,
    };
    let mut across = match &args.diversity_results {
        Some(_) => Some(AcrossInputTasks::plan(&args.generations, args.skip_bad_lines)?),
        None => None,
    };
    // Hashed once: the journal key and the summary's provenance both record them.
    let generations_hash = sha256_file(&args.generations)?;
    let nli_hash = match (&args.nli_model, metrics.contains(&Metric::Nli)) {
        (Some(dir), true) => Some(sha256_file(&dir.join("model.safetensors"))?),
        _ => None,
    };
    // Scores are journalled per prompt: a killed run resumes after its last durable row.
    let journal_key = serde_json::json!({
        "tool_version": crate::TOOL_VERSION,
        "generations": &generations_hash,
        "skip_bad_lines": args.skip_bad_lines,
        "model_name": model,
        "metrics": metrics,
        "ead_vocab": args.ead_vocab,
        "encoder": encoder_hash,
        "nli": &nli_hash,
        "nli_max_length": args.nli_max_length,
    });
    let journal_file = journal_path(&args.out);
    let (mut journal, resume) = ScoreJournal::open(&journal_file, &journal_key)?;
    if resume.discarded {
        tracing::warn!("{}: written with other settings or inputs; scoring from the start", journal_file.display());
    }
    if resume.resumed > 0 {
        tracing::info!("resuming: {} prompts already scored", resume.resumed);
    }
    let mut reader = GenerationSource::open(&args.generations, args.skip_bad_lines)?;
    let progress = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} scored {pos} prompts ({per_sec}) {elapsed_precise}")
            .expect("valid template"),
    );
    let mut rows = Vec::new();
    for (index, record) in reader.by_ref().enumerate() {
        let record = record?;
        if let Some(across) = &mut across {
            across.push(&record);
        }
        let location = || format!("{}:{}", args.generations.display(), record.line);
        match journal.resumed().get(index) {
            Some(row) => {
                if row.task != record.task || row.input_id != record.input_id {
                    bail!(
                        "{}: journal row {} is ({}, {}) but the generations hold ({}, {}); delete the journal",
                        location(),
                        index + 1,
                        row.task,
                        row.input_id,
                        record.task,
                        record.input_id
                    );
                }
                scorer.skip(&record);
                rows.push(row.clone());
            }
            None => {
                let row = scorer.score(&record).with_context(location)?;
                journal.append(&row)?;
                rows.push(row);
            }
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    if let Some(cache) = &scorer.cache {
        tracing::info!("embedding cache: {} hits, {} misses, {} vectors", cache.hits, cache.misses, cache.len());
    }
    let report = reader.report();
    for line in &report.bad_lines {
        tracing::warn!("skipped {line}");
    }
    write_scores(&rows, &args.out)?;
    if let (Some(path), Some(across)) = (&args.diversity_results, across) {
        let results = across.results(&rows, &model, metrics, encoder.as_ref(), args.batch_size, &scorer.ead)?;
        atomic::write(path, serde_json::to_string_pretty(&results)? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
    }
    tracing::info!("{} prompts scored into {}", rows.len(), args.out.display());
    if let Some(path) = &args.summary {
        let mut metrics_json = BTreeMap::new();
        for (metric, summary) in summarise(&rows) {
            metrics_json.insert(serde_json::to_value(metric)?.as_str().unwrap_or_default().to_owned(), summary);
        }
        let mut provenance = Provenance::new("divcollapse score")
            .input("generations", &generations_hash)
            .parameter("metrics", &args.metrics)
            .parameter("ead_vocab", args.ead_vocab);
        if let Some(hash) = &nli_hash {
            provenance = provenance
                .input("nli model.safetensors", hash)
                .parameter("nli_max_length", args.nli_max_length)
                .parameter("nli_sampling", "random.Random(1234), per-input pass only, prompts in file order");
        }
        if let Some(hash) = &encoder_hash {
            provenance = provenance.input("encoder model.safetensors", hash);
        }
        let summary = serde_json::json!({
            "model_name": model,
            "n_prompts": rows.len(),
            "skipped_bad_lines": report.bad_lines.len(),
            "bad_lines": report.bad_lines,
            "torn_last_line": report.torn_last_line,
            "duplicates_dropped": report.duplicates,
            "metrics": metrics_json,
            "provenance": provenance,
        });
        atomic::write(path, serde_json::to_string_pretty(&summary)? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
    }
    journal.finish()?;
    Ok(())
}

/// Across-input and overall sets of every task of a generation file, drawn as the
/// reference draws them (one `set_seed(1234)` per task).
struct AcrossInputTasks {
    /// Tasks in order of first appearance, with their collectors and output counts.
    tasks: Vec<(String, AcrossInputCollector, Vec<usize>)>,
}

impl AcrossInputTasks {
    /// A first pass over the file counts each task's outputs per prompt.
    fn plan(path: &std::path::Path, skip_bad_lines: bool) -> anyhow::Result<Self> {
        let mut counts: Vec<(String, Vec<usize>)> = Vec::new();
        for record in GenerationSource::open(path, skip_bad_lines)? {
            let record = record?;
            match counts.iter_mut().find(|(task, _)| *task == record.task) {
                Some((_, list)) => list.push(record.outputs.len()),
                None => counts.push((record.task.clone(), vec![record.outputs.len()])),
            }
        }
        let tasks = counts
            .into_iter()
            .map(|(task, list)| {
                let selection = AcrossInputSelection::reference(&list, REFERENCE_SEED);
                (task, AcrossInputCollector::new(selection), list)
            })
            .collect();
        Ok(Self { tasks })
    }

    fn push(&mut self, record: &crate::data::generations::GenerationRecord) {
        if let Some((_, collector, _)) = self.tasks.iter_mut().find(|(task, _, _)| *task == record.task) {
            collector.push(&record.outputs);
        }
    }

    /// The `diversity_results.json` list.
    fn results<B: Backend>(
        self,
        rows: &[crate::metrics::per_prompt::PromptScores],
        model: &str,
        metrics: &[Metric],
        encoder: Option<&SentenceEncoder<B>>,
        batch_size: usize,
        ead_config: &EadConfig,
    ) -> anyhow::Result<serde_json::Value> {
        let mut out = Vec::new();
        for (task, collector, counts) in self.tasks {
            let task_rows: Vec<_> = rows.iter().filter(|r| r.task == task).collect();
            let per_input = |get: fn(&crate::metrics::per_prompt::PromptScores) -> Option<f64>| {
                task_rows.iter().filter_map(|r| get(r)).collect::<Vec<f64>>()
            };
            let mut results = Vec::new();
            if metrics.contains(&Metric::Ead) {
                results.push(MetricResult {
                    name: "EAD",
                    per_input: per_input(|r| r.ead),
                    across_input: Some(ead(&collector.first_outputs, ead_config).mean),
                    overall: Some(ead(&collector.overall, ead_config).mean),
                });
            }
            if let Some(encoder) = encoder {
                let embed = |texts: &[String]| -> anyhow::Result<Vec<f32>> {
                    Ok(encoder.encode(texts, batch_size)?.into_iter().flatten().collect())
                };
                let (first, overall) = (embed(&collector.first_outputs)?, embed(&collector.overall)?);
                let dim = encoder.dim();
                fn set(data: &[f32], dim: usize) -> EmbeddingSet<'_> {
                    EmbeddingSet::new(data, dim).expect("rows of the encoder's width")
                }
                if metrics.contains(&Metric::Sbert) {
                    results.push(MetricResult {
                        name: "SBERT",
                        per_input: per_input(|r| r.sbert),
                        across_input: Some(sbert_diversity(set(&first, dim), SmallSetPolicy::Pipeline)),
                        overall: Some(sbert_diversity(set(&overall, dim), SmallSetPolicy::Pipeline)),
                    });
                }
                if metrics.contains(&Metric::Vendi) {
                    let vendi =
                        |data: &[f32]| vendi_score(set(data, dim), VendiVariant::Pipeline, SmallSetPolicy::Pipeline);
                    results.push(MetricResult {
                        name: "VENDI",
                        per_input: per_input(|r| r.vendi),
                        across_input: Some(vendi(&first)),
                        overall: Some(vendi(&overall)),
                    });
                }
            }
            if metrics.contains(&Metric::Nli) {
                // The reference's across-input NLI passes draw from the same random stream as
                // its per-input pass; here NLI is reported per input only.
                results.push(MetricResult {
                    name: "NLI",
                    per_input: per_input(|r| r.nli),
                    across_input: None,
                    overall: None,
                });
            }
            let k = most_common(&counts);
            out.push(diversity_result(model, &task, counts.len(), k, &results));
        }
        Ok(serde_json::Value::Array(out))
    }
}

/// The most frequent value (the smallest among ties; 0 for none).
fn most_common(values: &[usize]) -> usize {
    let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
    for &v in values {
        *counts.entry(v).or_default() += 1;
    }
    counts.iter().max_by_key(|(v, c)| (**c, std::cmp::Reverse(**v))).map_or(0, |(v, _)| *v)
}
