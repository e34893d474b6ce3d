//! `divcollapse score --generations FILE.jsonl --metrics ead,sbert,vendi [--encoder DIR]
//! [--ead-vocab 50257] [--model-name NAME] --out FILE.{parquet,csv,jsonl} [--summary FILE.json]`
//!
//! `--metrics nli --nli-model DIR` adds NLI diversity. `--diversity-results FILE.json`
//! also writes the reference's `diversity_results.json` (per-input, across-input and
//! overall values per task, methodology §7.3).
//!
//! NLI's sentence pairs are drawn from one `random.Random(1234)` stream. Without
//! `--diversity-results` it runs through the file's prompts in order (the per-input pass
//! alone). With it, each task gets its own stream that first draws the across-input and
//! overall sets' pairs, then the task's prompts, as the reference's `compute_diversity`
//! does, so the per-input values of the table and of the JSON are the reference's. The
//! across-input and overall sets are scored only with `--nli-across` (every pair of up to
//! 500 outputs, 124,750 output pairs per set); without it their draws are still made but
//! their values are left out of the JSON.
//!
//! Scores every prompt of a generation file (streamed; embeddings per prompt, each
//! distinct text once) and writes the per-prompt table and, optionally, a summary with
//! `per_input_mean` and `per_input_std` per metric.
//!
//! Crash-safe: each prompt's scores are appended to a journal beside the table
//! (`.NAME.journal.jsonl`) and synced before the next prompt; a rerun after a crash
//! resumes after the last durable row, and the tables are written atomically at the end
//! (then the journal is removed).

use std::collections::{BTreeMap, HashMap};
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
use crate::metrics::nli::{SentencePairSampler, nli_diversity};
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
    /// per-input, across-input and overall values (NLI's across-input and overall values
    /// only with `--nli-across`).
    #[arg(long)]
    diversity_results: Option<PathBuf>,
    /// Also score NLI on the across-input and overall sets of `--diversity-results` (all
    /// pairs of up to 500 outputs per set: slow, as in the reference).
    #[arg(long)]
    nli_across: bool,
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
    if args.nli_across && !(metrics.contains(&Metric::Nli) && args.diversity_results.is_some()) {
        bail!(
            "--nli-across scores the across-input sets of --diversity-results: it needs --metrics nli and --diversity-results FILE"
        );
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
    // With --diversity-results, NLI draws per task after the across-input sets' draws.
    let nli_streams = match (&mut across, &mut scorer.nli) {
        (Some(across), Some(model)) => {
            Some(across.draw_nli(if args.nli_across { Some(model) } else { None }).context("across-input NLI")?)
        }
        _ => None,
    };
    let mut nli_streams = nli_streams.map(TaskStreams::new);
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
        "nli_stream": if nli_streams.is_some() { "per task, after the across-input draws" } else { "file order" },
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
        if let Some(streams) = &mut nli_streams {
            streams.enter(&record.task, &mut scorer.sampler);
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
                .parameter(
                    "nli_sampling",
                    if nli_streams.is_some() {
                        "random.Random(1234) per task: across-input set, overall set, then the prompts in file order"
                    } else {
                        "random.Random(1234), per-input pass only, prompts in file order"
                    },
                )
                .parameter("nli_across_scored", args.nli_across);
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
    /// Tasks in order of first appearance.
    tasks: Vec<TaskSets>,
}

/// One task's across-input and overall sets.
struct TaskSets {
    task: String,
    /// The sets' texts.
    sets: AcrossInputCollector,
    /// Outputs per prompt, in file order.
    counts: Vec<usize>,
    /// NLI on the across-input and overall sets, when scored (`--nli-across`).
    nli: Option<(f64, f64)>,
}

impl AcrossInputTasks {
    /// A first pass over the file counts each task's outputs per prompt; a second
    /// collects the texts of the drawn sets (at most 1,000 per task).
    fn plan(path: &std::path::Path, skip_bad_lines: bool) -> anyhow::Result<Self> {
        let mut counts: Vec<(String, Vec<usize>)> = Vec::new();
        for record in GenerationSource::open(path, skip_bad_lines)? {
            let record = record?;
            match counts.iter_mut().find(|(task, _)| *task == record.task) {
                Some((_, list)) => list.push(record.outputs.len()),
                None => counts.push((record.task.clone(), vec![record.outputs.len()])),
            }
        }
        let mut tasks: Vec<TaskSets> = counts
            .into_iter()
            .map(|(task, counts)| {
                let selection = AcrossInputSelection::reference(&counts, REFERENCE_SEED);
                TaskSets { task, sets: AcrossInputCollector::new(selection), counts, nli: None }
            })
            .collect();
        for record in GenerationSource::open(path, skip_bad_lines)? {
            let record = record?;
            if let Some(task) = tasks.iter_mut().find(|t| t.task == record.task) {
                task.sets.push(&record.outputs);
            }
        }
        Ok(Self { tasks })
    }

    /// Each task's NLI stream after the reference's across-input and overall passes
    /// (`random.Random(1234)`, first outputs, then the overall set), scoring both sets
    /// when a model is given. The draws depend on sentence counts only, so the streams
    /// are the same whether or not the sets are scored.
    fn draw_nli<B: Backend>(
        &mut self,
        mut model: Option<&mut NliModel<B>>,
    ) -> anyhow::Result<HashMap<String, SentencePairSampler>> {
        let mut streams = HashMap::new();
        for task in &mut self.tasks {
            let mut sampler = SentencePairSampler::default();
            let sets = [&task.sets.first_outputs, &task.sets.overall];
            match model.as_deref_mut() {
                Some(model) => {
                    tracing::info!(
                        "{}: NLI on the across-input ({} outputs) and overall ({} outputs) sets",
                        task.task,
                        sets[0].len(),
                        sets[1].len()
                    );
                    let across = nli_diversity(sets[0], &mut sampler, model)?;
                    let overall = nli_diversity(sets[1], &mut sampler, model)?;
                    task.nli = Some((across, overall));
                }
                None => {
                    for set in sets {
                        sampler.split_and_select(set);
                    }
                }
            }
            streams.insert(task.task.clone(), sampler);
        }
        Ok(streams)
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
        for TaskSets { task, sets: collector, counts, nli } in self.tasks {
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
                // Across-input and overall values only when scored (`--nli-across`).
                results.push(MetricResult {
                    name: "NLI",
                    per_input: per_input(|r| r.nli),
                    across_input: nli.map(|(across, _)| across),
                    overall: nli.map(|(_, overall)| overall),
                });
            }
            let k = most_common(&counts);
            out.push(diversity_result(model, &task, counts.len(), k, &results));
        }
        Ok(serde_json::Value::Array(out))
    }
}

/// Per-task NLI sentence-pair streams, swapped into the scorer as each task's records
/// come (tasks may interleave in a file).
struct TaskStreams {
    streams: HashMap<String, SentencePairSampler>,
    active: Option<String>,
}

impl TaskStreams {
    fn new(streams: HashMap<String, SentencePairSampler>) -> Self {
        Self { streams, active: None }
    }

    /// Makes `sampler` the stream of `task`, keeping the previous task's stream.
    fn enter(&mut self, task: &str, sampler: &mut SentencePairSampler) {
        if self.active.as_deref() == Some(task) {
            return;
        }
        if let Some(previous) = self.active.take() {
            self.streams.insert(previous, std::mem::take(sampler));
        }
        // Every task was planned; a fresh stream is the reference's start in any case.
        *sampler = self.streams.remove(task).unwrap_or_default();
        self.active = Some(task.to_owned());
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
