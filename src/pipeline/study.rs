//! A whole study over a lineage description: for each checkpoint, whatever stage is
//! missing or out of date (sample when it names a `model`, then score, then label), then
//! the analysis of all of them.
//!
//! Layout of the output folder `OUT`:
//!
//! | path | stage |
//! |---|---|
//! | `runs/<checkpoint>.<task>.jsonl`, `runs/<checkpoint>.jsonl` | sample (per task; all tasks of the checkpoint) |
//! | `scores/<checkpoint>.parquet` | score |
//! | `labels/<checkpoint>.<task>.jsonl`, `labels/<checkpoint>.jsonl` | label (verifiable tasks) |
//! | `lineage.toml` | the lineage with every checkpoint's `run`, `scores` and `labels` |
//! | `metrics.csv`, `report.md`, `figures/`, … | analyse ([`super::analyze`]) |
//! | `study.json` | why each stage ran or was skipped, with the hashes of its inputs |
//! | `embeddings.cache` | the embeddings of every output (unless the settings name another cache) |
//!
//! Files a checkpoint names itself (`run`, `scores`, `labels`) are used as they are.
//!
//! A sharded study ([`sample_study_shard`], `study --shard I/N`) runs the sample stage of
//! one slice of the prompts on each of N machines; their `runs/` folders merge into the
//! study's (`divcollapse merge`), and `study` there does the rest.
//! Sampling resumes inside a run file; a score or label stage is skipped when a key file
//! beside its output (`.NAME.key.json`) records the same inputs and settings. A crash
//! anywhere leaves every finished file in place, and a rerun goes on from there.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::backend::Backend;
use serde::Serialize;

use super::analyze::{AnalyzeSettings, analyze_lineage};
use super::label::{LabelSettings, label_run};
use super::sample::{PromptSet, SampleSettings, TemplateChoice, sample_run};
use super::score::{ScoreModels, ScoreOutputs, ScoreSettings, score_with};
use super::shard::Shard;
use super::{Progress, StageError, file_stem, hash_file};
use crate::analysis::lineage::{Checkpoint, Lineage, SampleSpec};
use crate::analysis::study::StudyResults;
use crate::data::GenerationSource;
use crate::data::generations::normalise_task;
use crate::generate::sampling::SamplingParams;

/// How the study runs its stages.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StudySettings {
    /// The score and analyse stages (models, EAD vocabulary, bootstrap).
    pub analyze: AnalyzeSettings,
    /// The label stage.
    pub label: LabelSettings,
}

/// Whether a stage ran, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageRecord {
    /// The checkpoint (empty for the analysis).
    pub checkpoint: String,
    /// `sample`, `score`, `label` or `analyse`.
    pub stage: &'static str,
    /// The task, for per-task stages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// `ran` or `skipped`.
    pub status: &'static str,
    /// Why.
    pub reason: String,
    /// sha256 of each input.
    pub inputs: BTreeMap<String, String>,
    /// The file written or reused.
    pub output: PathBuf,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// What a study did.
pub struct StudyReport {
    /// The analysis.
    pub results: StudyResults,
    /// Every stage, in order.
    pub stages: Vec<StageRecord>,
    /// The lineage description the analysis read (`OUT/lineage.toml`).
    pub lineage: PathBuf,
}

impl StudyReport {
    /// Seconds spent per stage kind (`sample`, `score`, `label`, `analyse`), in order of first appearance.
    pub fn seconds_per_stage(&self) -> Vec<(&'static str, f64)> {
        let mut out: Vec<(&'static str, f64)> = Vec::new();
        for record in &self.stages {
            match out.iter_mut().find(|(stage, _)| *stage == record.stage) {
                Some((_, seconds)) => *seconds += record.seconds,
                None => out.push((record.stage, record.seconds)),
            }
        }
        out
    }
}

/// Runs the study of the lineage in `lineage_path` into `out` (see the module docs).
pub fn run_study<B: Backend>(
    lineage_path: &Path,
    out: &Path,
    settings: &StudySettings,
    device: &B::Device,
    progress: &mut dyn Progress,
) -> Result<StudyReport, StageError> {
    let mut lineage = Lineage::from_file(lineage_path)?;
    // One embedding cache for the score stage and the analysis's correct-output sets.
    let mut settings = settings.clone();
    let cache = &mut settings.analyze.models.embedding_cache;
    cache.get_or_insert_with(|| out.join("embeddings.cache"));
    let settings = &settings;
    for folder in ["runs", "scores", "labels"] {
        let path = out.join(folder);
        std::fs::create_dir_all(&path).map_err(StageError::io(&path, "creating"))?;
    }
    let mut stages = Vec::new();
    let sample_spec = lineage.sample.clone();
    let mut scoring = Scoring::<B> { settings, device, models: None, encoder_sha256: None };
    for checkpoint in &mut lineage.checkpoints {
        let stem = file_stem(&checkpoint.name);
        if let Some(model) = checkpoint.model.clone() {
            let Some(spec) = &sample_spec else {
                return Err(StageError::Invalid(format!(
                    "{}: checkpoint `{}` names a `model` but the lineage has no [sample] table (tasks, n, k)",
                    lineage_path.display(),
                    checkpoint.name
                )));
            };
            let run = checkpoint.run.clone().unwrap_or_else(|| out.join("runs").join(format!("{stem}.jsonl")));
            sample_checkpoint::<B>(&model, checkpoint, spec, None, &run, out, device, progress, &mut stages)?;
            checkpoint.run = Some(run);
        }
        let Some(run) = checkpoint.run.clone() else { continue };
        if checkpoint.scores.is_none() {
            let table = out.join("scores").join(format!("{stem}.parquet"));
            stages.push(scoring.score_checkpoint(&checkpoint.name, &run, &table, progress)?);
            checkpoint.scores = Some(table);
        }
        if checkpoint.labels.is_none() {
            let labels = out.join("labels").join(format!("{stem}.jsonl"));
            let data = sample_spec.as_ref().map(|s| s.data.clone()).unwrap_or_default();
            if label_checkpoint(checkpoint, &run, &labels, &data, &settings.label, out, progress, &mut stages)? {
                checkpoint.labels = Some(labels);
            }
        }
    }
    let resolved = out.join("lineage.toml");
    let described = relative_to(&lineage, out);
    let header = format!("# Written by `divcollapse study` from {}.\n", lineage_path.display());
    crate::data::atomic::write(&resolved, header + &described.to_toml())
        .map_err(StageError::io(&resolved, "writing"))?;
    let start = Instant::now();
    let results = analyze_lineage::<B>(&resolved, out, &settings.analyze, device, progress)?;
    stages.push(StageRecord {
        checkpoint: String::new(),
        stage: "analyse",
        task: None,
        status: "ran",
        reason: "the analysis always runs (each checkpoint's per-prompt rows are reused when its inputs are unchanged)"
            .into(),
        inputs: BTreeMap::from([("lineage".to_owned(), hash_file(&resolved)?)]),
        output: out.to_owned(),
        seconds: start.elapsed().as_secs_f64(),
    });
    let log = out.join("study.json");
    let text = serde_json::to_string_pretty(&stages).expect("stage records serialise") + "\n";
    crate::data::atomic::write(&log, text).map_err(StageError::io(&log, "writing"))?;
    Ok(StudyReport { results, stages, lineage: resolved })
}

/// The sample stage of a study for slice `shard` of every task's prompts: each checkpoint
/// that names a `model` is sampled into `out/runs/` as [`run_study`] samples it, and
/// nothing else runs. N machines each run one slice; `divcollapse merge` then joins their
/// `runs/` folders into the study's, where `study` finds every prompt sampled and scores,
/// labels and analyses them. Returns the stage records (also written to `study.json`).
pub fn sample_study_shard<B: Backend>(
    lineage_path: &Path,
    out: &Path,
    shard: Shard,
    device: &B::Device,
    progress: &mut dyn Progress,
) -> Result<Vec<StageRecord>, StageError> {
    let lineage = Lineage::from_file(lineage_path)?;
    let runs = out.join("runs");
    std::fs::create_dir_all(&runs).map_err(StageError::io(&runs, "creating"))?;
    let Some(spec) = &lineage.sample else {
        return Err(StageError::Invalid(format!(
            "{}: --shard slices the sample stage, and the lineage has no [sample] table",
            lineage_path.display()
        )));
    };
    let mut stages = Vec::new();
    for checkpoint in &lineage.checkpoints {
        let Some(model) = &checkpoint.model else { continue };
        let run = runs.join(format!("{}.jsonl", file_stem(&checkpoint.name)));
        sample_checkpoint::<B>(model, checkpoint, spec, Some(shard), &run, out, device, progress, &mut stages)?;
    }
    let log = out.join("study.json");
    let text = serde_json::to_string_pretty(&stages).expect("stage records serialise") + "\n";
    crate::data::atomic::write(&log, text).map_err(StageError::io(&log, "writing"))?;
    Ok(stages)
}

/// Samples every task of `spec` from `model` into per-task run files, then joins them
/// into the checkpoint's run file `run`.
#[allow(clippy::too_many_arguments)]
fn sample_checkpoint<B: Backend>(
    model: &Path,
    checkpoint: &Checkpoint,
    spec: &SampleSpec,
    shard: Option<Shard>,
    run: &Path,
    out: &Path,
    device: &B::Device,
    progress: &mut dyn Progress,
    stages: &mut Vec<StageRecord>,
) -> Result<(), StageError> {
    let settings = SampleSettings {
        k: spec.k,
        sampling: SamplingParams { temperature: spec.temperature, top_p: spec.top_p, top_k: None },
        seed: spec.seed,
        no_think: checkpoint.no_think,
        template: TemplateChoice::Auto,
        batch_size: spec.k,
        shard,
        ..SampleSettings::study()
    };
    let mut joined = Vec::new();
    for task in &spec.tasks {
        let start = Instant::now();
        let mut prompts = PromptSet::of_task(task, spec.data.get(task).map(PathBuf::as_path), spec.n)?;
        if let Some(limit) = spec.max_new_tokens {
            prompts.max_new_tokens = limit;
        }
        let path = out.join("runs").join(format!("{}.{}.jsonl", file_stem(&checkpoint.name), file_stem(task)));
        let report = sample_run::<B>(model, &prompts, &settings, &path, device, progress)?;
        let (status, reason) = match report.sampled {
            0 => ("skipped", format!("all {} prompts already in the run file", report.resumed)),
            n => ("ran", format!("{n} prompts sampled, {} already in the run file", report.resumed)),
        };
        stages.push(StageRecord {
            checkpoint: checkpoint.name.clone(),
            stage: "sample",
            task: Some(task.clone()),
            status,
            reason,
            inputs: BTreeMap::from([("weights".to_owned(), report.weights_sha256.clone())]),
            output: path.clone(),
            seconds: start.elapsed().as_secs_f64(),
        });
        joined.extend(std::fs::read(&path).map_err(StageError::io(&path, "reading"))?);
    }
    // The analysis reads one run file per checkpoint: all tasks together.
    if std::fs::read(run).ok().as_deref() != Some(joined.as_slice()) {
        crate::data::atomic::write(run, &joined).map_err(StageError::io(run, "writing"))?;
    }
    Ok(())
}

/// The score stage of a study: the models are loaded at the first checkpoint to score
/// and serve every later one.
struct Scoring<'a, B: Backend> {
    settings: &'a StudySettings,
    device: &'a B::Device,
    models: Option<ScoreModels<B>>,
    encoder_sha256: Option<String>,
}

impl<B: Backend> Scoring<'_, B> {
    /// Scores a checkpoint's run into `table` unless its key file records the same inputs.
    fn score_checkpoint(
        &mut self,
        name: &str,
        run: &Path,
        table: &Path,
        progress: &mut dyn Progress,
    ) -> Result<StageRecord, StageError> {
        let start = Instant::now();
        let models = &self.settings.analyze.models;
        let analyze = &self.settings.analyze;
        let mut score_settings = ScoreSettings {
            ead_vocab: analyze.ead_vocab,
            extended: analyze.extended.clone(),
            ..ScoreSettings::study(name)
        };
        score_settings.metrics.extend(&analyze.extended_metrics);
        score_settings.metrics.sort();
        score_settings.metrics.dedup();
        let encoder_sha256 = match &self.encoder_sha256 {
            Some(hash) => hash.clone(),
            None => self.encoder_sha256.insert(hash_file(&models.encoder_dir()?.join("model.safetensors"))?).clone(),
        };
        let inputs = BTreeMap::from([
            ("run".to_owned(), hash_file(run)?),
            ("encoder model.safetensors".to_owned(), encoder_sha256),
        ]);
        let key = serde_json::json!({
            "tool_version": crate::TOOL_VERSION,
            "inputs": inputs,
            "metrics": score_settings.metrics,
            "ead_vocab": score_settings.ead_vocab,
            "model_name": name,
            "vendi_orders": score_settings.extended.vendi_orders.iter().map(|o| o.column()).collect::<Vec<_>>(),
            "class_threshold": score_settings.extended.class_threshold,
        });
        let record = |status, reason: String| StageRecord {
            checkpoint: name.to_owned(),
            stage: "score",
            task: None,
            status,
            reason,
            inputs: inputs.clone(),
            output: table.to_owned(),
            seconds: start.elapsed().as_secs_f64(),
        };
        if is_current(table, &key) {
            return Ok(record("skipped", "inputs and settings unchanged".into()));
        }
        let loaded = match &mut self.models {
            Some(loaded) => loaded,
            None => self.models.insert(ScoreModels::load(&score_settings.metrics, models, self.device)?),
        };
        let outputs = ScoreOutputs { table: table.to_owned(), summary: None, diversity_results: None };
        let report = score_with(run, &score_settings, loaded, &outputs, progress)?;
        write_key(table, &key)?;
        Ok(record("ran", format!("{} prompts scored ({} from an interrupted run)", report.rows.len(), report.resumed)))
    }
}

/// Labels each verifiable task of a checkpoint's run and joins the labels into
/// `labels`; returns whether any task was labelled.
#[allow(clippy::too_many_arguments)]
fn label_checkpoint(
    checkpoint: &Checkpoint,
    run: &Path,
    labels: &Path,
    data: &BTreeMap<String, PathBuf>,
    settings: &LabelSettings,
    out: &Path,
    progress: &mut dyn Progress,
    stages: &mut Vec<StageRecord>,
) -> Result<bool, StageError> {
    let mut joined = Vec::new();
    let run_sha256 = hash_file(run)?;
    for task in verifiable_tasks(run)? {
        let start = Instant::now();
        let path = out.join("labels").join(format!("{}.{}.jsonl", file_stem(&checkpoint.name), file_stem(task.name)));
        let settings = LabelSettings {
            data: data.get(task.name).cloned().or(settings.data.clone()),
            mode: settings.mode.for_quality(task.quality),
            ..settings.clone()
        };
        let inputs = BTreeMap::from([("run".to_owned(), run_sha256.clone())]);
        let key = serde_json::json!({
            "tool_version": crate::TOOL_VERSION,
            "inputs": inputs,
            "task": task.name,
            "mode": settings.mode,
            "data": settings.data,
            "timeout_s": settings.timeout.as_secs_f64(),
        });
        let (status, reason) = if is_current(&path, &key) {
            ("skipped", "inputs and settings unchanged".to_owned())
        } else {
            let summary = label_run(task.name, run, &settings, &path, progress)?;
            write_key(&path, &key)?;
            ("ran", summary.lines().last().cloned().unwrap_or_default())
        };
        stages.push(StageRecord {
            checkpoint: checkpoint.name.clone(),
            stage: "label",
            task: Some(task.name.to_owned()),
            status,
            reason,
            inputs,
            output: path.clone(),
            seconds: start.elapsed().as_secs_f64(),
        });
        joined.extend(std::fs::read(&path).map_err(StageError::io(&path, "reading"))?);
    }
    if joined.is_empty() {
        return Ok(false);
    }
    if std::fs::read(labels).ok().as_deref() != Some(joined.as_slice()) {
        crate::data::atomic::write(labels, &joined).map_err(StageError::io(labels, "writing"))?;
    }
    Ok(true)
}

/// The registered tasks of a run file that have an offline checker, in order of first appearance.
fn verifiable_tasks(run: &Path) -> Result<Vec<&'static crate::tasks::TaskSpec>, StageError> {
    let mut tasks: Vec<&'static crate::tasks::TaskSpec> = Vec::new();
    for record in GenerationSource::open(run, false)? {
        let record = record?;
        if let Some(spec) = crate::tasks::task(&normalise_task(&record.task))
            && spec.quality.is_verifiable()
            && !tasks.iter().any(|t| t.name == spec.name)
        {
            tasks.push(spec);
        }
    }
    Ok(tasks)
}

/// `.NAME.key.json` beside an output.
fn key_path(output: &Path) -> PathBuf {
    let name = output.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    output.with_file_name(format!(".{name}.key.json"))
}

/// Whether `output` exists and its key file records `key`.
fn is_current(output: &Path, key: &serde_json::Value) -> bool {
    output.is_file()
        && std::fs::read_to_string(key_path(output))
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .is_some_and(|stored| &stored == key)
}

fn write_key(output: &Path, key: &serde_json::Value) -> Result<(), StageError> {
    let path = key_path(output);
    let text = serde_json::to_string_pretty(key).expect("JSON values serialise") + "\n";
    crate::data::atomic::write(&path, text).map_err(StageError::io(&path, "writing"))
}

/// The lineage with every path written relative to `folder`, where it is written (so
/// the folder can move with what it points to).
fn relative_to(lineage: &Lineage, folder: &Path) -> Lineage {
    let mut lineage = lineage.clone();
    for checkpoint in &mut lineage.checkpoints {
        for path in [&mut checkpoint.model, &mut checkpoint.run, &mut checkpoint.scores, &mut checkpoint.labels]
            .into_iter()
            .flatten()
        {
            *path = super::relative_path(path, folder);
        }
    }
    for path in lineage.sample.iter_mut().flat_map(|s| s.data.values_mut()) {
        *path = super::relative_path(path, folder);
    }
    lineage
}
