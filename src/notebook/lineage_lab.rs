//! The lab lineage for the notebooks: its training record, sampling a few prompts from
//! any checkpoint, and the data-composition sweep re-read from its per-prompt scores.

use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde_json::Value;

use super::display::{Svg, Table};
use super::lab::LabStudy;
use super::toy::Sbert;
use super::{NotebookError, Result};
use crate::data::generations::{GenerationReader, GenerationRecord};
use crate::device::Cpu;
use crate::lab::evaluate::conditions;
use crate::lab::lineage::PromptStyle;
use crate::lab::sweep::SweepPlan;
use crate::lab::sweep_report::{sweep_figure, sweep_rows};
use crate::lab::world::LabTask;
use crate::pipeline::sample::{PromptSet, SampleSettings, sample_run};

/// A trained lab lineage folder (`lab/lineage`): checkpoints and `lab.json`.
#[derive(Debug, Clone)]
pub struct LabLineage {
    folder: PathBuf,
    record: Value,
}

impl LabLineage {
    /// Opens a lineage folder written by `divcollapse lab train`.
    pub fn open(folder: impl AsRef<Path>) -> Result<Self> {
        let folder = folder.as_ref().to_owned();
        let path = folder.join("lab.json");
        let file_error = |message: String| NotebookError::File { path: path.clone(), message };
        let text = std::fs::read_to_string(&path).map_err(|e| file_error(e.to_string()))?;
        let record: Value = serde_json::from_str(&text).map_err(|e| file_error(e.to_string()))?;
        for key in ["config", "checkpoints", "stages"] {
            if record.get(key).is_none() {
                return Err(file_error(format!("missing field `{key}`")));
            }
        }
        Ok(Self { folder, record })
    }

    /// The folder.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// The training configuration, one row per setting.
    pub fn config(&self) -> Table {
        let mut keys = Vec::new();
        let mut values = Vec::new();
        if let Some(config) = self.record["config"].as_object() {
            for (key, value) in config {
                keys.push(key.clone());
                values.push(value.to_string());
            }
        }
        let frame = df!("setting" => keys, "value" => values).expect("columns of equal length");
        Table::new("Lab configuration (lab.json)", frame)
    }

    /// One row per trained checkpoint: what it was trained from, its steps, seconds, and
    /// the first and last values of its curve (loss for pretraining, SFT and DPO; mean
    /// reward for RL).
    pub fn stages(&self) -> Table {
        let checkpoints = self.record["checkpoints"].as_array().cloned().unwrap_or_default();
        let stages = self.record["stages"].as_array().cloned().unwrap_or_default();
        let (mut names, mut stage_col, mut parents, mut steps) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut seconds, mut first, mut last, mut kind) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for log in &stages {
            let name = log["checkpoint"].as_str().unwrap_or_default().to_owned();
            let info = checkpoints.iter().find(|c| c["name"].as_str() == Some(name.as_str()));
            let stage = info.and_then(|c| c["stage"].as_str()).unwrap_or_default().to_owned();
            let curve: Vec<f64> =
                log["curve"].as_array().map(|a| a.iter().filter_map(Value::as_f64).collect()).unwrap_or_default();
            kind.push(if stage == "rl" { "mean reward" } else { "loss" }.to_owned());
            parents.push(info.and_then(|c| c["parent"].as_str()).unwrap_or("random init").to_owned());
            names.push(name);
            stage_col.push(stage);
            steps.push(curve.len() as u32);
            seconds.push(log["seconds"].as_f64().unwrap_or(f64::NAN));
            first.push(curve.first().copied().unwrap_or(f64::NAN));
            last.push(curve.last().copied().unwrap_or(f64::NAN));
        }
        let frame = df!(
            "checkpoint" => names,
            "stage" => stage_col,
            "trained from" => parents,
            "steps" => steps,
            "seconds" => seconds,
            "curve" => kind,
            "first" => first,
            "last" => last,
        )
        .expect("columns of equal length");
        Table::new("Training record of the lab lineage", frame)
    }

    /// Samples `n` evaluation prompts of `task` (`lab_sums` or `lab_describe`) from
    /// `checkpoint` (`base`, `sft_think`, `sft_think_no_think`, …), `k` samples each at
    /// the study's temperature 0.6 and top-p 0.95, into a temporary run file.
    pub fn sample(&self, checkpoint: &str, task: &str, n: usize, k: usize, seed: u64) -> Result<Samples> {
        let all = conditions(&self.folder);
        let condition = all.iter().find(|c| c.name == checkpoint).ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
            NotebookError::Argument(format!("unknown checkpoint `{checkpoint}`; known: {}", names.join(", ")))
        })?;
        if LabTask::ALL.iter().all(|t| t.name() != task) {
            return Err(NotebookError::Argument(format!("unknown task `{task}`: lab_sums or lab_describe")));
        }
        if n == 0 || k == 0 {
            return Err(NotebookError::Argument("n and k must be at least 1".to_owned()));
        }
        let max_new_tokens = self.record["config"]["max_new_tokens"].as_u64().unwrap_or(64) as usize;
        let mut prompts = PromptSet::of_task(task, Some(&self.folder), Some(n))?;
        prompts.max_new_tokens = max_new_tokens;
        let settings =
            SampleSettings { k, seed, no_think: condition.no_think, batch_size: k, ..SampleSettings::study() };
        let folder = tempfile::tempdir()
            .map_err(|e| NotebookError::File { path: std::env::temp_dir(), message: e.to_string() })?;
        let run = folder.path().join("run.jsonl");
        sample_run::<Cpu>(&condition.folder, &prompts, &settings, &run, &Default::default(), &mut ())?;
        let records = GenerationReader::open(&run, false)
            .and_then(|reader| reader.collect::<std::result::Result<Vec<_>, _>>())
            .map_err(|e| NotebookError::File { path: run.clone(), message: e.to_string() })?;
        Ok(Samples { checkpoint: checkpoint.to_owned(), records })
    }
}

/// Samples of one checkpoint: `k` outputs for each of `n` prompts.
#[derive(Debug, Clone)]
pub struct Samples {
    checkpoint: String,
    records: Vec<GenerationRecord>,
}

impl Samples {
    /// The prompts and outputs as read back from the run file.
    pub fn records(&self) -> &[GenerationRecord] {
        &self.records
    }

    /// The outputs of prompt number `index` (0-based).
    pub fn outputs(&self, index: usize) -> Result<Table> {
        let record = self.records.get(index).ok_or_else(|| {
            NotebookError::Argument(format!("prompt {index} of {}: there are {}", self.checkpoint, self.records.len()))
        })?;
        let frame = df!(
            "sample" => (0..record.outputs.len() as u32).collect::<Vec<_>>(),
            "output" => record.outputs.clone(),
        )?;
        let prompt = record.prompt.as_deref().unwrap_or("").replace('\n', " ⏎ ");
        Ok(Table::new(format!("{}, prompt `{}`: {prompt}", self.checkpoint, record.input_id), frame))
    }

    /// EAD, SBERT diversity and Vendi score of each prompt's outputs.
    pub fn diversity(&self, sbert: &Sbert) -> Result<Table> {
        let mut columns: [Vec<f64>; 3] = Default::default();
        for record in &self.records {
            let scores = sbert.score(&record.input_id, &record.outputs)?;
            for (slot, value) in columns.iter_mut().zip([scores.ead, scores.sbert, scores.vendi]) {
                slot.push(value.unwrap_or(f64::NAN));
            }
        }
        let [ead_values, sbert_values, vendi_values] = columns;
        let frame = df!(
            "prompt" => self.records.iter().map(|r| r.input_id.clone()).collect::<Vec<_>>(),
            "EAD" => ead_values,
            "SBERT" => sbert_values,
            "Vendi" => vendi_values,
        )?;
        Ok(Table::new(format!("Diversity of {}'s samples per prompt", self.checkpoint), frame))
    }
}

/// The data-composition sweep re-analysed from its committed per-prompt scores
/// (`analysis/lab_sweep`, written by `divcollapse lab sweep`).
#[derive(Debug, Clone)]
pub struct Sweep {
    study: LabStudy,
    plan: SweepPlan,
}

impl Sweep {
    /// Reads `folder/sweep.json` (the plan), `lineage.toml` and `per_prompt.csv`, and
    /// runs the study with the default bootstrap.
    pub fn load(folder: impl AsRef<Path>) -> Result<Self> {
        let folder = folder.as_ref();
        let path = folder.join("sweep.json");
        let file_error = |message: String| NotebookError::File { path: path.clone(), message };
        let text = std::fs::read_to_string(&path).map_err(|e| file_error(e.to_string()))?;
        let record: Value = serde_json::from_str(&text).map_err(|e| file_error(e.to_string()))?;
        let teacher_counts: Vec<usize> = record["plan"]["teacher_counts"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_u64).map(|n| n as usize).collect())
            .unwrap_or_default();
        if teacher_counts.is_empty() {
            return Err(file_error("`plan.teacher_counts` is missing or empty".to_owned()));
        }
        let style = match record["plan"]["style"].as_str() {
            Some("instruct") => PromptStyle::Instruct,
            _ => PromptStyle::Think,
        };
        Ok(Self { study: LabStudy::load(folder)?, plan: SweepPlan { teacher_counts, style } })
    }

    /// The study of all arms (every table of [`LabStudy`]).
    pub fn study(&self) -> &LabStudy {
        &self.study
    }

    /// Change of SBERT diversity at SFT and at DPO per number of teachers, percent of
    /// Base, with paired intervals: one row per arm and stage, one column per task.
    pub fn table(&self) -> Table {
        let rows = sweep_rows(&self.plan, self.study.results());
        let keys: Vec<String> = rows.iter().map(|r| format!("{} teacher(s), {}", r.teachers, r.stage)).collect();
        let row_order = super::wide::ordered(keys.iter().map(String::as_str));
        let tasks = super::wide::ordered(rows.iter().map(|r| r.task.as_str()));
        let cells: Vec<(String, String, String)> = rows
            .iter()
            .zip(&keys)
            .map(|(r, key)| (key.clone(), r.task.clone(), crate::analysis::report::cell(&r.change, 1)))
            .collect();
        Table::new(
            "SBERT diversity change at each stage, percent of Base (95% BCa intervals over prompts)",
            super::wide::text("arm and stage", &row_order, &tasks, &cells),
        )
    }

    /// The sweep's figure.
    pub fn figure(&self) -> Result<Svg> {
        Ok(Svg::of(&sweep_figure(&self.plan, &sweep_rows(&self.plan, self.study.results())))?)
    }
}
