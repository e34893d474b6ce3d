//! A committed lineage analysis, re-run in the notebook from its per-prompt scores.
//!
//! `divcollapse demo` (or `analyze`) writes `per_prompt.csv` (one row per checkpoint,
//! task and prompt: the diversity scores, accuracy and correct counts) and
//! `lineage.toml` into its analysis folder. Scoring is the slow part (embedding every
//! output); the study on top of it (every bootstrap interval) takes seconds, so the
//! notebooks recompute it here and can change its settings.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::display::{Svg, Table};
use super::paper::lineage_table;
use super::wide;
use super::{NotebookError, Result};
use crate::analysis::lineage::Lineage;
use crate::analysis::per_prompt::PerPromptTable;
use crate::analysis::report::{StudyFigures, cell, study_figures};
use crate::analysis::study::{StudyResults, metric_label, run_study};
use crate::stats::bootstrap::{BootstrapConfig, Interval};

/// A lineage study of a committed analysis folder.
#[derive(Debug, Clone)]
pub struct LabStudy {
    folder: PathBuf,
    lineage: Lineage,
    table: PerPromptTable,
    config: BootstrapConfig,
    results: StudyResults,
    figures: StudyFigures,
}

impl LabStudy {
    /// Reads `folder/lineage.toml` and `folder/per_prompt.csv` and runs the study with
    /// the default bootstrap (10,000 resamples, 95% BCa, seed 0).
    pub fn load(folder: impl AsRef<Path>) -> Result<Self> {
        Self::load_with(folder, BootstrapConfig::default())
    }

    /// [`LabStudy::load`] with chosen bootstrap settings.
    pub fn load_with(folder: impl AsRef<Path>, config: BootstrapConfig) -> Result<Self> {
        let folder = folder.as_ref().to_owned();
        let lineage = Lineage::from_file(&folder.join("lineage.toml"))?;
        let table = read_per_prompt(&folder.join("per_prompt.csv"))?;
        let results = run_study(&lineage, &table, config)?;
        let figures = study_figures(&lineage, &results)?;
        Ok(Self { folder, lineage, table, config, results, figures })
    }

    /// The study again with other bootstrap settings (same scores).
    pub fn with_bootstrap(&self, config: BootstrapConfig) -> Result<Self> {
        let results = run_study(&self.lineage, &self.table, config)?;
        let figures = study_figures(&self.lineage, &results)?;
        Ok(Self { config, results, figures, ..self.clone() })
    }

    /// The analysis folder.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Every statistic of the study.
    pub fn results(&self) -> &StudyResults {
        &self.results
    }

    /// The per-prompt scores the study reads.
    pub fn per_prompt(&self) -> &DataFrame {
        self.table.frame()
    }

    /// The bootstrap settings.
    pub fn bootstrap(&self) -> BootstrapConfig {
        self.config
    }

    /// The checkpoints: lineage, stage, parent, thinking suppressed.
    pub fn lineage(&self) -> Table {
        lineage_table(&self.lineage)
    }

    /// What the study could not compute, and why.
    pub fn notes(&self) -> &[String] {
        &self.results.notes
    }

    /// Per-checkpoint means of one metric column (`d_all_sbert`, `ead`, `vendi`,
    /// `acc1`, …) with intervals: tasks as rows, checkpoints as columns.
    pub fn metric(&self, column: &str) -> Result<Table> {
        let Some(label) = metric_label(column) else {
            let mut names: Vec<&str> = self.results.metrics.iter().map(|r| r.metric.as_str()).collect();
            names.dedup();
            return Err(NotebookError::Argument(format!("unknown metric `{column}`; computed: {}", names.join(", "))));
        };
        let rows: Vec<_> = self.results.metrics.iter().filter(|r| r.metric == column).collect();
        let models = self.ordered_models(rows.iter().map(|r| r.model.as_str()));
        let cells: Vec<(String, String, String)> =
            rows.iter().map(|r| (r.task.clone(), r.model.clone(), cell(&r.estimate, 3))).collect();
        Ok(Table::new(
            format!("{label} (`{column}`), mean per prompt [{}]", self.interval_label()),
            wide::text("task", &self.results.tasks, &models, &cells),
        ))
    }

    /// Per-checkpoint means of one metric as numbers (`model, task, value, ci_low,
    /// ci_high`), for further computation.
    pub fn metric_values(&self, column: &str) -> Result<DataFrame> {
        let rows: Vec<_> = self.results.metrics.iter().filter(|r| r.metric == column).collect();
        Ok(df!(
            "model" => rows.iter().map(|r| r.model.clone()).collect::<Vec<_>>(),
            "task" => rows.iter().map(|r| r.task.clone()).collect::<Vec<_>>(),
            "value" => rows.iter().map(|r| r.estimate.estimate).collect::<Vec<_>>(),
            "ci_low" => rows.iter().map(|r| r.estimate.low).collect::<Vec<_>>(),
            "ci_high" => rows.iter().map(|r| r.estimate.high).collect::<Vec<_>>(),
        )?)
    }

    /// Stage attribution of SBERT diversity, percent of Base, with paired intervals:
    /// tasks (and `average`) as rows, quantities as columns.
    pub fn stage_attribution(&self) -> Table {
        let rows = wide::ordered(self.results.attribution.iter().map(|r| r.task.as_str()));
        let columns = wide::ordered(self.results.attribution.iter().map(|r| r.quantity.as_str()));
        let cells: Vec<(String, String, String)> = self
            .results
            .attribution
            .iter()
            .map(|r| (r.task.clone(), r.quantity.clone(), cell(&r.estimate, 1)))
            .collect();
        Table::new(
            format!("Stage attribution of SBERT diversity, percent of Base [{}]", self.interval_label()),
            wide::text("task", &rows, &columns, &cells),
        )
    }

    /// Retention of every checkpoint over the tasks in both conventions.
    pub fn retention(&self) -> Table {
        let models = wide::ordered(self.results.retention.iter().map(|r| r.model.as_str()));
        let conventions = wide::ordered(self.results.retention.iter().map(|r| r.convention.as_str()));
        let cells: Vec<(String, String, String)> = self
            .results
            .retention
            .iter()
            .map(|r| (r.model.clone(), r.convention.as_str().to_owned(), cell(&r.estimate, 1)))
            .collect();
        Table::new(
            "SBERT diversity retained, percent of Base, over all tasks (stratified percentile intervals)",
            wide::text("checkpoint", &models, &conventions, &cells),
        )
    }

    /// The matched correctness decomposition against Base, per checkpoint and task.
    pub fn decomposition(&self) -> Table {
        let rows = &self.results.decomposition;
        let text = |f: &dyn Fn(&crate::analysis::decomposition::MatchedDecomposition) -> Interval, digits: usize| {
            rows.iter().map(|r| cell(&f(&r.decomposition), digits)).collect::<Vec<_>>()
        };
        let frame = df!(
            "checkpoint" => rows.iter().map(|r| r.model.clone()).collect::<Vec<_>>(),
            "task" => rows.iter().map(|r| r.task.clone()).collect::<Vec<_>>(),
            "matched / shared prompts" => rows
                .iter()
                .map(|r| format!("{} / {}", r.decomposition.n_matched, r.decomposition.n_shared))
                .collect::<Vec<_>>(),
            "loss of D_a" => text(&|d| d.delta_all, 3),
            "residual" => text(&|d| d.residual, 3),
            "quality control" => text(&|d| d.quality_control, 3),
            "genuine share (matched)" => rows
                .iter()
                .map(|r| {
                    let d = &r.decomposition;
                    if d.genuine_share_defined { cell(&d.genuine_share, 2) } else { "undefined".to_owned() }
                })
                .collect::<Vec<_>>(),
            "genuine share (paper's convention)" => text(&|d| d.paper_genuine_share, 2),
        )
        .expect("columns of equal length");
        Table::new(format!("Matched decomposition against Base [{}]", self.interval_label()), frame)
    }

    /// Thinking suppression: accuracy drop (percentage points) and SBERT diversity
    /// change of each checkpoint sampled without thinking, against itself thinking.
    pub fn think_suppression(&self) -> Table {
        let rows = &self.results.think;
        let frame = df!(
            "checkpoint" => rows.iter().map(|r| r.model.clone()).collect::<Vec<_>>(),
            "task" => rows.iter().map(|r| r.task.clone()).collect::<Vec<_>>(),
            "prompts" => rows.iter().map(|r| r.n_prompts as u32).collect::<Vec<_>>(),
            "accuracy drop (pp)" => rows.iter().map(|r| cell(&r.accuracy_drop_pp, 1)).collect::<Vec<_>>(),
            "SBERT change" => rows.iter().map(|r| cell(&r.diversity_change, 3)).collect::<Vec<_>>(),
            "SBERT change (%)" => rows.iter().map(|r| cell(&r.diversity_change_pct, 1)).collect::<Vec<_>>(),
        )
        .expect("columns of equal length");
        Table::new(format!("Thinking suppressed against thinking [{}]", self.interval_label()), frame)
    }

    /// SBERT diversity across stages, with bootstrap bands.
    pub fn stages_figure(&self) -> Result<Svg> {
        figure(self.figures.diversity_stages.as_ref(), "diversity across stages")
    }

    /// The stage-attribution figure.
    pub fn attribution_figure(&self) -> Result<Svg> {
        figure(self.figures.stage_attribution.as_ref(), "stage attribution")
    }

    /// The matched decomposition figure.
    pub fn decomposition_figure(&self) -> Result<Svg> {
        figure(self.figures.decomposition.as_ref(), "decomposition")
    }

    /// Accuracy@1 against the majority-vote gain.
    pub fn accuracy_figure(&self) -> Result<Svg> {
        figure(self.figures.accuracy_vs_majority_gain.as_ref(), "accuracy against majority-vote gain")
    }

    fn interval_label(&self) -> String {
        format!(
            "{:.0}% {} bootstrap intervals over prompts, {} resamples",
            self.config.confidence * 100.0,
            self.config.method.as_str(),
            self.config.resamples
        )
    }

    /// Models in lineage order, restricted to those present.
    fn ordered_models<'a>(&self, present: impl Iterator<Item = &'a str>) -> Vec<String> {
        let present: Vec<&str> = present.collect();
        self.lineage.checkpoints.iter().map(|c| c.name.clone()).filter(|m| present.contains(&m.as_str())).collect()
    }
}

fn figure<F: crate::plot::Figure>(figure: Option<&F>, name: &str) -> Result<Svg> {
    let figure =
        figure.ok_or_else(|| NotebookError::Argument(format!("the study has no data for the {name} figure")))?;
    Ok(Svg::of(figure)?)
}

/// Reads a `per_prompt.csv` written by `demo` or `analyze` (prompt ids stay text).
pub fn read_per_prompt(path: &Path) -> Result<PerPromptTable> {
    let text_columns = Schema::from_iter([
        Field::new("model".into(), DataType::String),
        Field::new("task".into(), DataType::String),
        Field::new("input_id".into(), DataType::String),
    ]);
    let frame = crate::data::polars_read(|| {
        CsvReadOptions::default()
            .with_has_header(true)
            .with_schema_overwrite(Some(Arc::new(text_columns)))
            .try_into_reader_with_file_path(Some(path.to_owned()))
            .and_then(|reader| reader.finish())
    })
    .map_err(|e| NotebookError::File { path: path.to_owned(), message: e.to_string() })?;
    Ok(PerPromptTable::from_frame(frame, &path.display().to_string())?.with_majority_gain()?)
}
