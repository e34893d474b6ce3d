//! The analyse stage: a lineage of runs, scores and labels → the per-prompt frame →
//! statistics with bootstrap intervals → tables, `report.md` and figures.
//!
//! Each checkpoint's per-prompt rows come from
//! * its `scores` table when the lineage names one (the score stage's output: EAD,
//!   SBERT and Vendi are taken as they are, so `metrics.csv` equals the means of those
//!   columns), else from scoring its `run` file with [`PromptScorer`];
//! * its `labels` file: `K_c`, `acc1`, the majority vote, and the correct-output
//!   diversity `D_c`, `V_c`, for which the outputs are embedded (through the embedding
//!   cache when one is given) only where two or more are correct.
//!
//! Measuring is the long part and is resumable: each checkpoint's rows are written to
//! `OUT/per_prompt/<checkpoint>.parquet` as soon as it is done, with the hashes of its
//! inputs beside them; a rerun reuses every checkpoint whose inputs did not change.
//!
//! In the frame, a value that is undefined (unlabelled prompts, `K_c < 2`, a metric not
//! computed) is NaN, as in the reference's `qfd_per_prompt.csv`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use burn::tensor::backend::Backend;
use polars::prelude::*;

use super::models::{LoadedEncoder, ModelSettings, load_nli};
use super::{Progress, StageError, file_stem, hash_file};
use crate::analysis::lineage::{Checkpoint, Lineage};
use crate::analysis::per_prompt::PerPromptTable;
use crate::analysis::quality_tables::read_quality_tables;
use crate::analysis::report::write_study;
use crate::analysis::study::{StudyResults, run_study};
use crate::data::GenerationSource;
use crate::data::generations::{GenerationRecord, normalise_task};
use crate::data::labels::{LabelRecord, LabelsFile};
use crate::metrics::ead::EadConfig;
use crate::metrics::extended::ExtendedSettings;
use crate::metrics::nli::SentencePairSampler;
use crate::metrics::per_prompt::{CorrectScores, Metric, PromptScorer, PromptScores, extended_columns, read_scores};
use crate::provenance::Provenance;
use crate::stats::BootstrapConfig;

/// How the analysis runs.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalyzeSettings {
    /// The scoring models (the encoder is loaded only when something must be embedded).
    pub models: ModelSettings,
    /// EAD vocabulary size V.
    pub ead_vocab: u64,
    /// Bootstrap settings of every interval.
    pub bootstrap: BootstrapConfig,
    /// A per-prompt table in the reference's `qfd_per_prompt.csv` schema to analyse
    /// instead of the lineage's files.
    pub per_prompt: Option<PathBuf>,
    /// The study's code diversity of the correct outputs of code tasks: D_c^AST (parsed
    /// by `python3`) and, with `models.code_encoder`, D_c^code.
    pub code_diversity: bool,
    /// Metrics beyond the study to compute when a run is scored here (a checkpoint's
    /// `scores` table brings its own columns).
    pub extended_metrics: Vec<Metric>,
    /// Their settings.
    pub extended: ExtendedSettings,
    /// Checkpoint pairs whose outputs to compare (`homogeneity.csv`); the class threshold
    /// is `extended.class_threshold`.
    pub homogeneity: Vec<(String, String)>,
    /// Quality and diversity at every k (`curves.csv`, `figures/curves_*`).
    pub curves: bool,
    /// Score every output's NLL under the base checkpoint (`base_nll`, `base_nll_spread`):
    /// `Some(None)` with the lineage base's `model` folder, `Some(Some(dir))` with another.
    pub base_likelihood: Option<Option<PathBuf>>,
    /// Quality tables to read beside the lineage's own `quality` list (`judge score`,
    /// `correctness --summary`): `quality.csv`, Figure 4's judged half, WB-Score.
    pub quality: Vec<PathBuf>,
}

impl Default for AnalyzeSettings {
    fn default() -> Self {
        Self {
            models: ModelSettings::default(),
            ead_vocab: crate::metrics::ead::DEFAULT_VOCAB_SIZE,
            bootstrap: BootstrapConfig::default(),
            per_prompt: None,
            code_diversity: false,
            extended_metrics: Vec::new(),
            extended: ExtendedSettings::default(),
            homogeneity: Vec::new(),
            curves: false,
            base_likelihood: None,
            quality: Vec::new(),
        }
    }
}

/// The version of the measured per-prompt frame's columns, part of every checkpoint's
/// reuse key: raised when the frame gains a column (2: `mean_words`), so that frames
/// measured before are measured again rather than reused without it.
const FRAME_SCHEMA: u32 = 2;

/// One prompt's row of the per-prompt frame: its scores and, when labelled, its
/// correctness side.
pub type PromptRow = (PromptScores, Option<CorrectScores>);

/// Measures (or reads) the per-prompt table of the lineage in `lineage_path`, runs the
/// study and writes every output to `out` (tables, `report.md`, `figures/`,
/// `per_prompt.csv`, `provenance.json`); returns the study's results.
pub fn analyze_lineage<B: Backend>(
    lineage_path: &Path,
    out: &Path,
    settings: &AnalyzeSettings,
    device: &B::Device,
    progress: &mut dyn Progress,
) -> Result<StudyResults, StageError> {
    let lineage = Lineage::from_file(lineage_path)?;
    std::fs::create_dir_all(out).map_err(StageError::io(out, "creating the output folder"))?;
    let config = settings.bootstrap;
    let mut provenance = Provenance::new("divcollapse analyze")
        .parameter("bootstrap_resamples", config.resamples)
        .parameter("seed", config.seed)
        .parameter("confidence", config.confidence)
        .parameter("interval_method", config.method.as_str())
        .input("lineage", hash_file(lineage_path)?);
    if !settings.extended_metrics.is_empty() {
        let names: Vec<&str> = settings.extended_metrics.iter().map(|m| m.name()).collect();
        let orders: Vec<String> = settings.extended.vendi_orders.iter().map(|o| o.column()).collect();
        provenance = provenance
            .parameter("extended_metrics", names.join(","))
            .parameter("vendi_orders", orders.join(","))
            .parameter("class_threshold", settings.extended.class_threshold);
    }
    // The quality tables are read before the long measuring, so a bad one fails at once.
    let quality_tables: Vec<PathBuf> = lineage.quality.iter().chain(&settings.quality).cloned().collect();
    for path in &quality_tables {
        provenance = provenance.input(format!("quality table {}", path.display()), hash_file(path)?);
    }
    let quality = read_quality_tables(&quality_tables, &lineage)?;
    let table = match &settings.per_prompt {
        Some(csv) => {
            provenance = provenance.input("per_prompt", hash_file(csv)?);
            PerPromptTable::from_reference_csv(csv)?
        }
        None => {
            let (table, inputs) = measure_lineage::<B>(&lineage, lineage_path, out, settings, device, progress)?;
            for (role, hash) in inputs {
                provenance = provenance.input(role, hash);
            }
            table
        }
    };
    let mut table = table.with_majority_gain()?;
    if let Some(folder) = &settings.base_likelihood {
        let base = lineage.base();
        let folder = folder.clone().or_else(|| base.model.clone()).ok_or_else(|| {
            StageError::Invalid(format!(
                "--base-likelihood: checkpoint `{}` names no `model` folder (pass --base-model DIR)",
                base.name
            ))
        })?;
        let scorer = super::likelihood::BaseScorer::<B>::load(&folder, device)?;
        let values = super::likelihood::measure_base_likelihood(&lineage, &scorer)?;
        table = with_base_likelihood(table, &values)?;
        provenance = provenance.input(
            "base model for base_nll",
            crate::weights::weights_sha256(&folder)
                .map_err(|e| StageError::model(format!("{}: hashing the base model", folder.display()))(Box::new(e)))?,
        );
    }
    let mut results = run_study(&lineage, &table, config)?;
    results.quality = quality;
    // The passes over run files that need the encoder beside the per-prompt frame.
    if !settings.homogeneity.is_empty() || settings.curves {
        let encoder = LoadedEncoder::<B>::load(&settings.models.encoder_dir()?, device)?;
        let mut cache = settings.models.embedding_cache.as_ref().map(|p| encoder.open_cache(p)).transpose()?;
        provenance = provenance.parameter("class_threshold", settings.extended.class_threshold);
        if settings.curves {
            results.curves = super::curves::measure_curves(
                &lineage,
                &encoder,
                cache.as_mut(),
                settings.models.batch_size,
                settings.extended.class_threshold,
                config,
            )?;
            provenance = provenance.parameter("curves", "pass@k, maj@k, classes_emb@k, sbert@k");
        }
        if !settings.homogeneity.is_empty() {
            results.homogeneity = super::homogeneity::measure_pairs(
                &lineage,
                &settings.homogeneity,
                &encoder,
                cache.as_mut(),
                settings.models.batch_size,
                settings.extended.class_threshold,
                config,
            )?;
            let pairs: Vec<String> = settings.homogeneity.iter().map(|(a, b)| format!("{a}:{b}")).collect();
            provenance = provenance.parameter("homogeneity", pairs.join(","));
        }
    }
    for note in &results.notes {
        tracing::warn!("{note}");
    }
    let files = write_study(&lineage, &results, &config, out)?;
    let mut frame = table.frame().clone();
    let per_prompt_csv = out.join("per_prompt.csv");
    crate::data::atomic::write_with(&per_prompt_csv, |file| {
        CsvWriter::new(file).include_header(true).finish(&mut frame).map_err(std::io::Error::other)
    })
    .map_err(StageError::io(&per_prompt_csv, "writing"))?;
    let provenance_path = out.join("provenance.json");
    let text = serde_json::to_string_pretty(&provenance).expect("provenance serialises") + "\n";
    crate::data::atomic::write(&provenance_path, text).map_err(StageError::io(&provenance_path, "writing"))?;
    tracing::info!("{} files written to {}", files.len() + 2, out.display());
    Ok(results)
}

/// The scoring models, loaded at the first checkpoint that needs them and shared by all.
struct ScoringModels<'a, B: Backend> {
    settings: &'a AnalyzeSettings,
    device: &'a B::Device,
    encoder: Option<LoadedEncoder<B>>,
    /// `None` until loaded; then the NLI model, if the settings name one.
    nli: Option<Option<crate::encoders::roberta::NliModel<B>>>,
    /// The code encoder, loaded with the encoder when the settings name one.
    code_encoder: Option<LoadedEncoder<B>>,
}

impl<B: Backend> ScoringModels<'_, B> {
    /// The encoder's hash (loading it).
    fn encoder_hash(&mut self) -> Result<String, StageError> {
        if self.encoder.is_none() {
            self.encoder = Some(LoadedEncoder::load(&self.settings.models.encoder_dir()?, self.device)?);
        }
        Ok(self.encoder.as_ref().expect("loaded above").sha256.clone())
    }

    /// Scores checkpoint `model`'s records with every study metric (NLI when an NLI
    /// model is given) through `work`; the models stay loaded for the next checkpoint.
    fn with_scorer<T>(
        &mut self,
        model: &str,
        work: impl FnOnce(&mut PromptScorer<'_, B>) -> Result<T, StageError>,
    ) -> Result<T, StageError> {
        self.encoder_hash()?;
        if self.nli.is_none() {
            self.nli = Some(load_nli::<B>(&self.settings.models, self.device)?.map(|(model, _)| model));
        }
        let nli = self.nli.as_mut().expect("loaded above").take();
        let mut metrics = vec![Metric::Ead, Metric::Sbert, Metric::Vendi];
        if nli.is_some() {
            metrics.push(Metric::Nli);
        }
        metrics.extend(self.settings.extended_metrics.iter().copied().filter(|m| !m.needs_nli() || nli.is_some()));
        if let (true, Some(dir), None) =
            (self.settings.code_diversity, &self.settings.models.code_encoder, &self.code_encoder)
        {
            self.code_encoder = Some(LoadedEncoder::load_code(dir, self.device)?);
        }
        let ast = if self.settings.code_diversity {
            Some(
                crate::metrics::ast_diversity::AstParser::start()
                    .map_err(crate::metrics::per_prompt::ScoreError::from)?,
            )
        } else {
            None
        };
        let encoder = self.encoder.as_ref().expect("loaded above");
        let cache = self.settings.models.embedding_cache.as_ref().map(|p| encoder.open_cache(p)).transpose()?;
        let mut scorer = PromptScorer {
            ead: EadConfig { vocab_size: self.settings.ead_vocab, ..EadConfig::default() },
            encoder: Some(&encoder.encoder),
            batch_size: self.settings.models.batch_size,
            metrics,
            model: model.to_owned(),
            nli,
            sampler: SentencePairSampler::default(),
            cache,
            ast,
            code_encoder: self.code_encoder.as_ref().map(|e| &e.encoder),
            extended: self.settings.extended.clone(),
        };
        let result = work(&mut scorer);
        let nli = scorer.nli.take();
        self.nli = Some(nli);
        result
    }
}

/// Measures every checkpoint with a `run` file; returns the table and the input hashes.
fn measure_lineage<B: Backend>(
    lineage: &Lineage,
    lineage_path: &Path,
    out: &Path,
    settings: &AnalyzeSettings,
    device: &B::Device,
    progress: &mut dyn Progress,
) -> Result<(PerPromptTable, Vec<(String, String)>), StageError> {
    let checkpoints: Vec<&Checkpoint> = lineage.checkpoints.iter().filter(|c| c.run.is_some()).collect();
    if checkpoints.is_empty() {
        return Err(StageError::Invalid(format!(
            "{}: no checkpoint has a `run` file (or pass --per-prompt FILE.csv)",
            lineage_path.display()
        )));
    }
    let nli_hash = settings.models.nli_model.as_ref().map(|d| hash_file(&d.join("model.safetensors"))).transpose()?;
    let code_encoder_hash = match (&settings.models.code_encoder, settings.code_diversity) {
        (Some(dir), true) => Some(hash_file(&dir.join("model.safetensors"))?),
        _ => None,
    };
    let mut inputs = Vec::new();
    if let Some(hash) = &nli_hash {
        inputs.push(("nli model.safetensors".to_owned(), hash.clone()));
    }
    if let Some(hash) = &code_encoder_hash {
        inputs.push(("code encoder model.safetensors".to_owned(), hash.clone()));
    }
    let folder = out.join("per_prompt");
    std::fs::create_dir_all(&folder).map_err(StageError::io(&folder, "creating"))?;
    let mut models = ScoringModels::<B> { settings, device, encoder: None, nli: None, code_encoder: None };
    let mut frames = Vec::new();
    for checkpoint in checkpoints {
        let run = checkpoint.run.as_ref().expect("filtered on run");
        let mut hashes = vec![("run", hash_file(run)?)];
        for (role, path) in [("labels", &checkpoint.labels), ("scores", &checkpoint.scores)] {
            if let Some(path) = path {
                hashes.push((role, hash_file(path)?));
            }
        }
        // The encoder matters unless every value comes from a scores table and nothing is
        // labelled or scored beyond the table.
        let needs_scorer =
            checkpoint.scores.is_none() || checkpoint.labels.is_some() || !settings.extended_metrics.is_empty();
        let encoder_hash = match needs_scorer {
            true => Some(models.encoder_hash()?),
            false => None,
        };
        if let Some(hash) = &encoder_hash
            && !inputs.iter().any(|(role, _)| role == "encoder model.safetensors")
        {
            inputs.push(("encoder model.safetensors".to_owned(), hash.clone()));
        }
        inputs.extend(hashes.iter().map(|(role, hash)| (format!("{role} {}", checkpoint.name), hash.clone())));
        let key = serde_json::json!({
            "tool_version": crate::TOOL_VERSION,
            "frame_schema": FRAME_SCHEMA,
            "inputs": hashes,
            "encoder": encoder_hash,
            "nli": nli_hash,
            "ead_vocab": settings.ead_vocab,
            "nli_max_length": settings.models.nli_max_length,
            "code_diversity": settings.code_diversity,
            "code_encoder": code_encoder_hash,
            "extended_metrics": settings.extended_metrics,
            "vendi_orders": settings.extended.vendi_orders.iter().map(|o| o.column()).collect::<Vec<_>>(),
            "class_threshold": settings.extended.class_threshold,
        });
        let stem = folder.join(file_stem(&checkpoint.name));
        let (parquet, key_file) = (stem.with_extension("parquet"), stem.with_extension("json"));
        if let Some(frame) = reuse(&parquet, &key_file, &key) {
            tracing::info!("checkpoint `{}`: inputs unchanged, reusing {}", checkpoint.name, parquet.display());
            frames.push(frame);
            continue;
        }
        progress.start(&format!("measuring {}", checkpoint.name), None);
        let rows = match needs_scorer {
            false => measure_checkpoint::<B>(checkpoint, None, progress)?,
            true => {
                models.with_scorer(&checkpoint.name, |scorer| measure_checkpoint(checkpoint, Some(scorer), progress))?
            }
        };
        progress.finish();
        let mut frame = rows_frame(&checkpoint.name, &rows)?;
        crate::data::atomic::write_with(&parquet, |file| {
            ParquetWriter::new(file).finish(&mut frame).map(|_| ()).map_err(std::io::Error::other)
        })
        .map_err(StageError::io(&parquet, "writing"))?;
        let text = serde_json::to_string_pretty(&key).expect("JSON values serialise") + "\n";
        crate::data::atomic::write(&key_file, text).map_err(StageError::io(&key_file, "writing"))?;
        frames.push(frame);
    }
    let all = stack_frames(frames)?;
    Ok((PerPromptTable::from_frame(all, &folder.display().to_string())?, inputs))
}

/// The rows of one checkpoint: from its scores table or by scoring its run, plus its labels.
fn measure_checkpoint<B: Backend>(
    checkpoint: &Checkpoint,
    mut scorer: Option<&mut PromptScorer<'_, B>>,
    progress: &mut dyn Progress,
) -> Result<Vec<PromptRow>, StageError> {
    let no_scorer = || StageError::Invalid(format!("checkpoint `{}`: no scoring model loaded", checkpoint.name));
    let run = checkpoint.run.as_ref().expect("a checkpoint with a run");
    let labels = checkpoint.labels.as_ref().map(|p| LabelsFile::read(p)).transpose()?;
    let scores = match &checkpoint.scores {
        Some(path) => {
            let rows = read_scores(path)?;
            Some((path, rows.into_iter().map(|r| ((r.task.clone(), r.input_id.clone()), r)).collect::<HashMap<_, _>>()))
        }
        None => None,
    };
    let mut rows = Vec::new();
    for record in GenerationSource::open(run, false)? {
        let record = record?;
        let prompt_labels = labels_of(labels.as_ref(), &record, run)?;
        let row = match &scores {
            None => scorer.as_deref_mut().ok_or_else(no_scorer)?.score_labelled(&record, prompt_labels)?,
            Some((path, table)) => {
                let found = table.get(&(record.task.clone(), record.input_id.clone())).ok_or_else(|| {
                    StageError::Invalid(format!(
                        "{}: no scores for prompt `{}` (task `{}`) of {}:{}",
                        path.display(),
                        record.input_id,
                        record.task,
                        run.display(),
                        record.line
                    ))
                })?;
                check_scores(found, &record, path)?;
                let mut scores = found.clone();
                // Extension metrics asked for here that the table lacks are computed.
                if let Some(scorer) = scorer.as_deref_mut() {
                    for (column, value) in scorer.extended_scores(&record)? {
                        scores.extended.entry(column).or_insert(value);
                    }
                }
                let correct = match prompt_labels {
                    Some(labels) => Some(scorer.as_deref_mut().ok_or_else(no_scorer)?.correct_scores(&record, labels)?),
                    None => None,
                };
                (scores, correct)
            }
        };
        rows.push((PromptScores { model: checkpoint.name.clone(), ..row.0 }, row.1));
        progress.tick();
    }
    Ok(rows)
}

/// A scores row fits its record and has the values the analysis needs.
fn check_scores(row: &PromptScores, record: &GenerationRecord, path: &Path) -> Result<(), StageError> {
    let problem = if row.n_outputs != record.outputs.len() {
        Some(format!("{} outputs scored, the run has {}", row.n_outputs, record.outputs.len()))
    } else if row.sbert.is_none() || row.vendi.is_none() || row.ead.is_none() {
        Some("`ead`, `sbert` and `vendi` are needed (score with --metrics ead,sbert,vendi)".to_owned())
    } else {
        None
    };
    match problem {
        Some(problem) => Err(StageError::Invalid(format!(
            "{}: prompt `{}` (task `{}`): {problem}",
            path.display(),
            record.input_id,
            record.task
        ))),
        None => Ok(()),
    }
}

/// The labels of a record when the file covers its task; one label per output.
fn labels_of<'a>(
    labels: Option<&'a LabelsFile>,
    record: &GenerationRecord,
    run: &Path,
) -> Result<Option<&'a LabelRecord>, StageError> {
    let Some(file) = labels.filter(|f| f.covers_task(&normalise_task(&record.task))) else { return Ok(None) };
    let (line, found) = file.get(&record.task, &record.input_id).ok_or_else(|| {
        StageError::Invalid(format!(
            "{}: no labels for prompt `{}` (task `{}`) of {}:{}",
            file.path().display(),
            record.input_id,
            record.task,
            run.display(),
            record.line
        ))
    })?;
    if found.labels.len() != record.outputs.len() {
        return Err(StageError::Invalid(format!(
            "{}:{line}: field `labels`: {} labels for {} outputs of prompt `{}` in {}:{}",
            file.path().display(),
            found.labels.len(),
            record.outputs.len(),
            record.input_id,
            run.display(),
            record.line
        )));
    }
    Ok(Some(found))
}

/// The per-prompt frame of measured rows: the columns of
/// [`crate::analysis::per_prompt`] plus `n_outputs`, `mean_words`, `majority_vote`, `ead`, `vendi`,
/// `nli` and the extension metrics any row has; undefined values are NaN.
pub fn rows_frame(model: &str, rows: &[PromptRow]) -> PolarsResult<DataFrame> {
    let floats =
        |f: &dyn Fn(&PromptRow) -> Option<f64>| rows.iter().map(|r| f(r).unwrap_or(f64::NAN)).collect::<Vec<f64>>();
    let flag = |b: bool| f64::from(u8::from(b));
    let mut frame = df!(
        "model" => vec![model.to_owned(); rows.len()],
        "task" => rows.iter().map(|r| r.0.task.clone()).collect::<Vec<_>>(),
        "input_id" => rows.iter().map(|r| r.0.input_id.clone()).collect::<Vec<_>>(),
        "n_outputs" => rows.iter().map(|r| r.0.n_outputs as u64).collect::<Vec<_>>(),
        "mean_words" => floats(&|r| r.0.mean_words),
        "k_correct" => floats(&|r| r.1.map(|c| c.k_correct as f64)),
        "acc1" => floats(&|r| r.1.map(|c| flag(c.acc1))),
        "majority_vote" => floats(&|r| r.1.and_then(|c| c.majority_vote).map(flag)),
        "d_all_sbert" => floats(&|r| r.0.sbert),
        "d_correct_sbert" => floats(&|r| r.1.and_then(|c| c.d_correct_sbert)),
        "d_correct_vendi" => floats(&|r| r.1.and_then(|c| c.d_correct_vendi)),
        "d_correct_ast" => floats(&|r| r.1.and_then(|c| c.d_correct_ast)),
        "d_correct_code_sbert" => floats(&|r| r.1.and_then(|c| c.d_correct_code_sbert)),
        "d_correct_code_vendi" => floats(&|r| r.1.and_then(|c| c.d_correct_code_vendi)),
        "ead" => floats(&|r| r.0.ead),
        "vendi" => floats(&|r| r.0.vendi),
        "nli" => floats(&|r| r.0.nli),
    )?;
    for column in extended_columns(rows.iter().map(|r| &r.0)) {
        let values = floats(&|r| r.0.extended.get(&column).copied().flatten());
        frame.with_column(Column::new(column.into(), values))?;
    }
    Ok(frame)
}

/// The table with `base_nll` and `base_nll_spread` columns (NaN where a prompt has none).
fn with_base_likelihood(
    table: PerPromptTable,
    values: &super::likelihood::BaseLikelihoods,
) -> Result<PerPromptTable, StageError> {
    let mut frame = table.frame().clone();
    let text = |name: &str| -> Result<Vec<String>, StageError> {
        let column = frame.column(name)?.cast(&DataType::String)?;
        Ok(column.str()?.into_iter().map(|v| v.unwrap_or_default().to_owned()).collect())
    };
    let (models, tasks, ids) = (text("model")?, text("task")?, text("input_id")?);
    let found: Vec<super::likelihood::BaseLikelihood> = (0..frame.height())
        .map(|row| {
            values.get(&(models[row].clone(), tasks[row].clone(), ids[row].clone())).copied().unwrap_or_default()
        })
        .collect();
    let nan = |v: Option<f64>| v.unwrap_or(f64::NAN);
    frame.with_column(Column::new("base_nll".into(), found.iter().map(|v| nan(v.nll)).collect::<Vec<f64>>()))?;
    frame.with_column(Column::new(
        "base_nll_spread".into(),
        found.iter().map(|v| nan(v.spread)).collect::<Vec<f64>>(),
    ))?;
    Ok(PerPromptTable::from_frame(frame, "the measured per-prompt table")?)
}

/// The checkpoints' frames stacked; a column some checkpoints lack (a metric scored for
/// others only) is NaN there.
pub(crate) fn stack_frames(frames: Vec<DataFrame>) -> PolarsResult<DataFrame> {
    let mut names: Vec<PlSmallStr> = Vec::new();
    for frame in &frames {
        for name in frame.get_column_names() {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    let mut stacked: Option<DataFrame> = None;
    for mut frame in frames {
        for name in &names {
            if !frame.get_column_names().contains(&name) {
                frame.with_column(Column::new(name.clone(), vec![f64::NAN; frame.height()]))?;
            }
        }
        let frame = frame.select(names.iter().cloned())?;
        match &mut stacked {
            None => stacked = Some(frame),
            Some(all) => {
                all.vstack_mut(&frame)?;
            }
        }
    }
    stacked.ok_or_else(|| PolarsError::NoData("no checkpoint frames".into()))
}

/// The cached frame when its key file matches `key`.
fn reuse(parquet: &Path, key_file: &Path, key: &serde_json::Value) -> Option<DataFrame> {
    let stored: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(key_file).ok()?).ok()?;
    if &stored != key {
        return None;
    }
    let file = std::fs::File::open(parquet).ok()?;
    crate::data::read_parquet(file).ok()
}
