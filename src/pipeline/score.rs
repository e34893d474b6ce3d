//! The score stage: a run file (or any generation file) → a per-prompt scores table.
//!
//! Every prompt is scored by [`PromptScorer`] (EAD, SBERT, Vendi, NLI, AST). The table is
//! written as parquet, CSV or JSONL ([`write_scores`]); optionally a summary with
//! `per_input_mean` and `per_input_std` per metric and provenance, and the reference's
//! `diversity_results.json` (see [`super::diversity_results`]).
//!
//! NLI's sentence pairs come from one `random.Random(1234)` stream. Without a
//! `diversity_results` file it runs through the file's prompts in order (the per-input
//! pass alone). With one, each task gets its own stream that first draws the
//! across-input and overall sets' pairs, then the task's prompts, as the reference's
//! `compute_diversity` does, so per-input values equal the reference's. The two sets are
//! scored only with [`ScoreSettings::nli_across`].
//!
//! Crash-safe: each prompt's scores are appended to a journal beside the table
//! (`.NAME.journal.jsonl`) and synced before the next prompt; a rerun after a crash
//! resumes after the last durable row, and the tables are written atomically at the end
//! (then the journal is removed).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::tensor::backend::Backend;

use super::diversity_results::{AcrossInputTasks, TaskStreams};
use super::models::{LoadedEncoder, ModelSettings, load_nli};
use super::shard::Shard;
use super::{Progress, StageError, hash_file};
use crate::data::generations::ScoredText;
use crate::data::{GenerationSource, atomic};
use crate::encoders::cache::EmbeddingCache;
use crate::encoders::roberta::NliModel;
use crate::metrics::ast_diversity::AstParser;
use crate::metrics::ead::EadConfig;
use crate::metrics::extended::ExtendedSettings;
use crate::metrics::journal::{ScoreJournal, journal_path};
use crate::metrics::nli::SentencePairSampler;
use crate::metrics::per_prompt::{Metric, PromptScorer, PromptScores, summarise, write_scores};
use crate::provenance::Provenance;

/// What to compute.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreSettings {
    /// The metrics (sorted, no repeats).
    pub metrics: Vec<Metric>,
    /// EAD vocabulary size V (50257 reproduces the reference's code path).
    pub ead_vocab: u64,
    /// The model name written in every row.
    pub model_name: String,
    /// Report and skip malformed lines instead of failing on the first.
    pub skip_bad_lines: bool,
    /// Also score NLI on the across-input and overall sets of the diversity results.
    pub nli_across: bool,
    /// Settings of the metrics beyond the study (Vendi orders, class threshold).
    pub extended: ExtendedSettings,
    /// Whether the metrics read the answers or the reasoning traces.
    pub on: ScoredText,
    /// Score only this slice of the prompts; NLI's pair stream still runs through the
    /// other prompts, so each row equals the row of an unsharded run.
    pub shard: Option<Shard>,
}

impl ScoreSettings {
    /// The study's metrics without NLI (EAD, SBERT, Vendi) for `model_name`.
    pub fn study(model_name: &str) -> Self {
        Self {
            metrics: vec![Metric::Ead, Metric::Sbert, Metric::Vendi],
            ead_vocab: crate::metrics::ead::DEFAULT_VOCAB_SIZE,
            model_name: model_name.to_owned(),
            skip_bad_lines: false,
            nli_across: false,
            extended: ExtendedSettings::default(),
            on: ScoredText::Answer,
            shard: None,
        }
    }

    /// Parses a comma-separated metric list (`ead,sbert,vendi,nli`), sorted, no repeats.
    pub fn parse_metrics(list: &str) -> Result<Vec<Metric>, StageError> {
        let mut metrics: Vec<Metric> = list
            .split(',')
            .filter(|m| !m.trim().is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|e| StageError::Invalid(format!("--metrics: {e}")))?;
        metrics.sort();
        metrics.dedup();
        if metrics.is_empty() {
            return Err(StageError::Invalid("--metrics: no metric given".into()));
        }
        Ok(metrics)
    }

    /// The metric list with `--vendi-q` and `--class-threshold`: naming Vendi orders adds
    /// `vendi_q`; the threshold must lie in [−1, 1].
    pub fn parse_extended(
        list: &str,
        vendi_orders: Option<&str>,
        class_threshold: f64,
    ) -> Result<(Vec<Metric>, ExtendedSettings), StageError> {
        Self::with_extended(Self::parse_metrics(list)?, vendi_orders, class_threshold)
    }

    /// [`ScoreSettings::parse_extended`] on metrics already parsed (possibly none).
    pub fn with_extended(
        mut metrics: Vec<Metric>,
        vendi_orders: Option<&str>,
        class_threshold: f64,
    ) -> Result<(Vec<Metric>, ExtendedSettings), StageError> {
        let mut extended = ExtendedSettings { class_threshold, ..ExtendedSettings::default() };
        if let Some(orders) = vendi_orders {
            extended.vendi_orders = orders
                .split(',')
                .filter(|o| !o.trim().is_empty())
                .map(str::parse)
                .collect::<Result<_, _>>()
                .map_err(|e| StageError::Invalid(format!("--vendi-q: {e}")))?;
            if extended.vendi_orders.is_empty() {
                return Err(StageError::Invalid("--vendi-q: no order given".into()));
            }
            if !metrics.contains(&Metric::VendiQ) {
                metrics.push(Metric::VendiQ);
                metrics.sort();
            }
        }
        if !(-1.0..=1.0).contains(&class_threshold) {
            return Err(StageError::Invalid(format!(
                "--class-threshold: {class_threshold} is not a cosine in [-1, 1]"
            )));
        }
        Ok((metrics, extended))
    }

    fn needs_encoder(&self) -> bool {
        self.metrics.iter().any(|m| m.needs_encoder())
    }

    fn needs_nli(&self) -> bool {
        self.metrics.iter().any(|m| m.needs_nli())
    }
}

/// The files the stage writes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScoreOutputs {
    /// The per-prompt table (.parquet, .csv or .jsonl).
    pub table: PathBuf,
    /// Summary JSON with per-input mean and std per metric, counts and provenance.
    pub summary: Option<PathBuf>,
    /// The reference's `diversity_results.json`.
    pub diversity_results: Option<PathBuf>,
}

/// What a score run did.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreReport {
    /// Every prompt's scores, in file order.
    pub rows: Vec<PromptScores>,
    /// Prompts taken from the journal of an interrupted run.
    pub resumed: usize,
    /// Malformed lines skipped (with `skip_bad_lines`).
    pub bad_lines: Vec<String>,
    /// The provenance recorded in the summary.
    pub provenance: Provenance,
}

/// The models a score run needs, loaded once (a study scores every checkpoint with them).
pub struct ScoreModels<B: Backend> {
    encoder: Option<LoadedEncoder<B>>,
    code_encoder: Option<LoadedEncoder<B>>,
    nli: Option<(NliModel<B>, String)>,
    cache: Option<EmbeddingCache>,
    settings: ModelSettings,
}

impl<B: Backend> ScoreModels<B> {
    /// Loads what `metrics` need: the encoder for the embedding metrics (and its
    /// embedding cache), the NLI model for NLI and the entailment classes.
    pub fn load(metrics: &[Metric], settings: &ModelSettings, device: &B::Device) -> Result<Self, StageError> {
        let wants_nli = metrics.iter().any(|m| m.needs_nli());
        if wants_nli && settings.nli_model.is_none() {
            return Err(StageError::Invalid(
                "--metrics nli and classes_nli need --nli-model DIR (a roberta-large-mnli folder; it cannot be fetched by the setup)"
                    .into(),
            ));
        }
        let encoder = match metrics.iter().any(|m| m.needs_encoder()) {
            true => Some(LoadedEncoder::<B>::load(&settings.encoder_dir()?, device)?),
            false => None,
        };
        let cache = match (&settings.embedding_cache, &encoder) {
            (Some(path), Some(encoder)) => Some(encoder.open_cache(path)?),
            _ => None,
        };
        let nli = if wants_nli { load_nli::<B>(settings, device)? } else { None };
        let code_encoder = match metrics.iter().any(|m| matches!(m, Metric::CodeSbert | Metric::CodeVendi)) {
            true => {
                let dir = settings.code_encoder.as_deref().ok_or_else(|| {
                    StageError::Invalid(
                        "--metrics code_sbert/code_vendi need --code-encoder DIR (a microsoft/unixcoder-base folder; it cannot be fetched by the setup)".into(),
                    )
                })?;
                Some(LoadedEncoder::<B>::load_code(dir, device)?)
            }
            false => None,
        };
        Ok(Self { encoder, code_encoder, nli, cache, settings: settings.clone() })
    }

    /// sha256 of the loaded encoder's weights.
    pub fn encoder_sha256(&self) -> Option<&str> {
        self.encoder.as_ref().map(|e| e.sha256.as_str())
    }
}

/// Scores every prompt of `generations` into `outputs` (see the module docs), loading
/// the models first.
pub fn score_run<B: Backend>(
    generations: &Path,
    settings: &ScoreSettings,
    models: &ModelSettings,
    outputs: &ScoreOutputs,
    device: &B::Device,
    progress: &mut dyn Progress,
) -> Result<ScoreReport, StageError> {
    let mut loaded = ScoreModels::<B>::load(&settings.metrics, models, device)?;
    score_with(generations, settings, &mut loaded, outputs, progress)
}

/// [`score_run`] with models already loaded.
pub fn score_with<B: Backend>(
    generations: &Path,
    settings: &ScoreSettings,
    loaded: &mut ScoreModels<B>,
    outputs: &ScoreOutputs,
    progress: &mut dyn Progress,
) -> Result<ScoreReport, StageError> {
    let wants_nli = settings.metrics.contains(&Metric::Nli);
    if settings.nli_across && !(wants_nli && outputs.diversity_results.is_some()) {
        return Err(StageError::Invalid(
            "--nli-across scores the across-input sets of --diversity-results: it needs --metrics nli and --diversity-results FILE".into(),
        ));
    }
    if settings.shard.is_some() && outputs.diversity_results.is_some() {
        return Err(StageError::Invalid(
            "--diversity-results needs every prompt (its across-input sets span the file); it cannot be written \
             with --shard: merge the shards' run files and score the merged file"
                .into(),
        ));
    }
    if settings.on == ScoredText::Trace && outputs.diversity_results.is_some() {
        return Err(StageError::Invalid(
            "--diversity-results describes the answers the reference scores; it cannot be written with --on trace"
                .into(),
        ));
    }
    if settings.needs_encoder() && loaded.encoder.is_none() || settings.needs_nli() && loaded.nli.is_none() {
        return Err(StageError::Invalid("the loaded models do not cover the requested metrics".into()));
    }
    let models = loaded.settings.clone();
    let nli_hash = loaded.nli.as_ref().filter(|_| settings.needs_nli()).map(|(_, hash)| hash.clone());
    let hashes = ModelHashes { nli: nli_hash, code_encoder: loaded.code_encoder.as_ref().map(|e| e.sha256.clone()) };
    let nli = if settings.needs_nli() { loaded.nli.take() } else { None };
    let (nli, nli_model_hash) = match nli {
        Some((model, hash)) => (Some(model), Some(hash)),
        None => (None, None),
    };
    let encoder = loaded.encoder.as_ref();
    let mut scorer = PromptScorer {
        ead: EadConfig { vocab_size: settings.ead_vocab, ..EadConfig::default() },
        encoder: encoder.map(|e| &e.encoder),
        batch_size: models.batch_size,
        metrics: settings.metrics.clone(),
        model: settings.model_name.clone(),
        nli,
        sampler: SentencePairSampler::default(),
        cache: loaded.cache.take(),
        code_encoder: loaded.code_encoder.as_ref().map(|e| &e.encoder),
        extended: settings.extended.clone(),
        ast: if settings.metrics.contains(&Metric::Ast) {
            Some(AstParser::start().map_err(crate::metrics::per_prompt::ScoreError::from)?)
        } else {
            None
        },
    };
    let result = score_records(generations, settings, &models, &mut scorer, encoder, hashes, outputs, progress);
    // The models go back for the next run, whatever happened.
    loaded.cache = scorer.cache.take();
    if let (Some(model), Some(hash)) = (scorer.nli.take(), nli_model_hash) {
        loaded.nli = Some((model, hash));
    }
    result
}

/// sha256 of the scoring models other than the sentence encoder.
struct ModelHashes {
    nli: Option<String>,
    code_encoder: Option<String>,
}

/// The body of [`score_with`]: the journal, the records, the tables.
#[allow(clippy::too_many_arguments)]
fn score_records<B: Backend>(
    generations: &Path,
    settings: &ScoreSettings,
    models: &ModelSettings,
    scorer: &mut PromptScorer<'_, B>,
    encoder: Option<&LoadedEncoder<B>>,
    hashes: ModelHashes,
    outputs: &ScoreOutputs,
    progress: &mut dyn Progress,
) -> Result<ScoreReport, StageError> {
    let mut across = match &outputs.diversity_results {
        Some(_) => Some(AcrossInputTasks::plan(generations, settings.skip_bad_lines)?),
        None => None,
    };
    // With diversity results, NLI draws per task after the across-input sets' draws.
    let mut nli_streams = match (&mut across, &mut scorer.nli) {
        (Some(across), Some(model)) if settings.metrics.contains(&Metric::Nli) => {
            let model = if settings.nli_across { Some(model) } else { None };
            Some(TaskStreams::new(across.draw_nli(model, progress)?))
        }
        _ => None,
    };
    let generations_hash = hash_file(generations)?;
    let encoder_hash = encoder.map(|e| e.sha256.clone());
    // Scores are journalled per prompt: a killed run resumes after its last durable row.
    let journal_key = serde_json::json!({
        "tool_version": crate::TOOL_VERSION,
        "generations": &generations_hash,
        "skip_bad_lines": settings.skip_bad_lines,
        "model_name": settings.model_name,
        "metrics": settings.metrics,
        "ead_vocab": settings.ead_vocab,
        "encoder": encoder_hash,
        "nli": &hashes.nli,
        "nli_max_length": models.nli_max_length,
        "nli_stream": if nli_streams.is_some() { "per task, after the across-input draws" } else { "file order" },
        "ast_python": scorer.ast.as_ref().map(|p| p.python_version().to_owned()),
        "code_encoder": &hashes.code_encoder,
        "vendi_orders": settings.extended.vendi_orders.iter().map(|o| o.column()).collect::<Vec<_>>(),
        "class_threshold": settings.extended.class_threshold,
        "on": settings.on,
        "shard": settings.shard,
    });
    let journal_file = journal_path(&outputs.table);
    let (mut journal, resume) = ScoreJournal::open(&journal_file, &journal_key)?;
    if resume.discarded {
        tracing::warn!("{}: written with other settings or inputs; scoring from the start", journal_file.display());
    }
    if resume.resumed > 0 {
        tracing::info!("resuming: {} prompts already scored", resume.resumed);
    }
    let mut reader = GenerationSource::open(generations, settings.skip_bad_lines)?;
    progress.start(&format!("scoring {}", settings.model_name), None);
    let mut rows = Vec::new();
    let mut index = 0;
    for record in reader.by_ref() {
        let record = record?;
        if let Some(shard) = settings.shard
            && !shard.contains(&record.input_id)
        {
            // Another slice's prompt: its NLI pairs are drawn (and dropped) all the same.
            if let Some(streams) = &mut nli_streams {
                streams.enter(&record.task, &mut scorer.sampler);
            }
            scorer.skip(&record);
            continue;
        }
        let location = format!("{}:{}", generations.display(), record.line);
        let record = match settings.on {
            ScoredText::Answer => record,
            ScoredText::Trace => record.with_traces().ok_or_else(|| {
                StageError::Invalid(format!(
                    "{location}: no `raw_outputs`: --on trace reads the think spans of the raw outputs \
                     (run files of `generate` and lighteval details files keep them)"
                ))
            })?,
        };
        if let Some(streams) = &mut nli_streams {
            streams.enter(&record.task, &mut scorer.sampler);
        }
        match journal.resumed().get(index) {
            Some(row) => {
                if row.task != record.task || row.input_id != record.input_id {
                    return Err(StageError::Invalid(format!(
                        "{location}: journal row {} is ({}, {}) but the generations hold ({}, {}); delete {}",
                        index + 1,
                        row.task,
                        row.input_id,
                        record.task,
                        record.input_id,
                        journal_file.display()
                    )));
                }
                scorer.skip(&record);
                rows.push(row.clone());
            }
            None => {
                let row = scorer.score(&record)?;
                journal.append(&row)?;
                rows.push(row);
            }
        }
        index += 1;
        progress.tick();
    }
    progress.finish();
    if let Some(cache) = &scorer.cache {
        tracing::info!("embedding cache: {} hits, {} misses, {} vectors", cache.hits, cache.misses, cache.len());
    }
    let report = reader.report();
    for line in &report.bad_lines {
        tracing::warn!("skipped {line}");
    }
    write_scores(&rows, &outputs.table)?;
    if let (Some(path), Some(across)) = (&outputs.diversity_results, across) {
        let encoder = encoder.map(|e| &e.encoder);
        let results =
            across.results(&rows, &settings.model_name, &settings.metrics, encoder, models.batch_size, &scorer.ead)?;
        let text = serde_json::to_string_pretty(&results).expect("JSON values serialise") + "\n";
        atomic::write(path, text).map_err(StageError::io(path, "writing the diversity results"))?;
    }
    let ast_python = scorer.ast.as_ref().map(|p| p.python_version().to_owned());
    let mut provenance =
        provenance(settings, models, &generations_hash, encoder_hash, hashes.nli, nli_streams.is_some());
    if let Some(hash) = hashes.code_encoder {
        provenance = provenance
            .input("code encoder model.safetensors", hash)
            .parameter("code_text", "extract_code_from_markdown(_strip_cot(output)), blank code dropped");
    }
    if let Some(version) = ast_python {
        // `ast.dump` differs between Python versions.
        provenance = provenance
            .parameter("ast_python", version)
            .parameter("ast_code", "extract_code_from_markdown(_strip_cot(output)): the longest fenced block")
            .parameter("ast_subtree_height", 4);
    }
    if let Some(path) = &outputs.summary {
        let metrics_json: BTreeMap<String, _> = summarise(&rows)
            .into_iter()
            .map(|(metric, summary)| {
                (serde_json::to_value(metric).expect("a name").as_str().unwrap_or("").to_owned(), summary)
            })
            .collect();
        let summary = serde_json::json!({
            "model_name": settings.model_name,
            "n_prompts": rows.len(),
            "skipped_bad_lines": report.bad_lines.len(),
            "bad_lines": report.bad_lines,
            "torn_last_line": report.torn_last_line,
            "duplicates_dropped": report.duplicates,
            "metrics": metrics_json,
            "provenance": provenance,
        });
        let text = serde_json::to_string_pretty(&summary).expect("JSON values serialise") + "\n";
        atomic::write(path, text).map_err(StageError::io(path, "writing the summary"))?;
    }
    journal.finish()?;
    let bad_lines = report.bad_lines.iter().map(ToString::to_string).collect();
    Ok(ScoreReport { rows, resumed: resume.resumed, bad_lines, provenance })
}

/// What the scores depend on.
fn provenance(
    settings: &ScoreSettings,
    models: &ModelSettings,
    generations_hash: &str,
    encoder_hash: Option<String>,
    nli_hash: Option<String>,
    per_task_streams: bool,
) -> Provenance {
    let metrics: Vec<String> = settings
        .metrics
        .iter()
        .map(|m| serde_json::to_value(m).expect("a name").as_str().unwrap_or("").to_ascii_lowercase())
        .collect();
    let mut provenance = Provenance::new("divcollapse score")
        .input("generations", generations_hash)
        .parameter("metrics", metrics.join(","))
        .parameter("ead_vocab", settings.ead_vocab)
        .parameter("on", if settings.on == ScoredText::Trace { "trace" } else { "answer" });
    if let Some(shard) = settings.shard {
        provenance = provenance.parameter("shard", shard.to_string());
    }
    if settings.metrics.contains(&Metric::VendiQ) {
        let orders: Vec<String> = settings.extended.vendi_orders.iter().map(|o| o.column()).collect();
        provenance = provenance.parameter("vendi_orders", orders.join(","));
    }
    if settings.metrics.contains(&Metric::ClassesEmb) {
        provenance = provenance.parameter("class_threshold", settings.extended.class_threshold);
    }
    if let Some(hash) = &nli_hash {
        provenance = provenance
            .input("nli model.safetensors", hash)
            .parameter("nli_max_length", models.nli_max_length)
            .parameter(
                "nli_sampling",
                if per_task_streams {
                    "random.Random(1234) per task: across-input set, overall set, then the prompts in file order"
                } else {
                    "random.Random(1234), per-input pass only, prompts in file order"
                },
            )
            .parameter("nli_across_scored", settings.nli_across);
    }
    if let Some(hash) = &encoder_hash {
        provenance = provenance.input("encoder model.safetensors", hash);
    }
    provenance
}
