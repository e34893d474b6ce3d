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

    /// [`LabStudy::load`] from a lineage description and a per-prompt table kept in
    /// different places (an `analyze` folder holds no `lineage.toml`).
    pub fn load_parts(lineage_toml: impl AsRef<Path>, per_prompt_csv: impl AsRef<Path>) -> Result<Self> {
        let per_prompt_csv = per_prompt_csv.as_ref();
        let folder = per_prompt_csv.parent().unwrap_or(Path::new(".")).to_owned();
        let lineage = Lineage::from_file(lineage_toml.as_ref())?;
        let table = read_per_prompt(per_prompt_csv)?;
        let config = BootstrapConfig::default();
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

    /// Each stage's change of `metrics` on `task`, percent of the parent checkpoint, with
    /// paired intervals: stages (`checkpoint ← parent`) as rows, metrics as columns.
    pub fn stage_changes(&self, task: &str, metrics: &[&str]) -> Table {
        let rows: Vec<&crate::analysis::study::StageChangeRow> = self
            .results
            .stage_changes
            .iter()
            .filter(|r| r.task == task && metrics.contains(&r.metric.as_str()))
            .collect();
        let stage = |r: &crate::analysis::study::StageChangeRow| format!("{} ← {}", r.model, r.parent);
        let stages = wide::ordered(rows.iter().map(|r| stage(r)).collect::<Vec<_>>().iter().map(String::as_str));
        let columns: Vec<String> =
            metrics.iter().filter(|m| rows.iter().any(|r| r.metric == **m)).map(|m| m.to_string()).collect();
        let cells: Vec<(String, String, String)> =
            rows.iter().map(|r| (stage(r), r.metric.clone(), cell(&r.change_pct, 1))).collect();
        Table::new(
            format!("Change over each stage on {task}, percent of the parent [{}]", self.interval_label()),
            wide::text("stage", &stages, &columns, &cells),
        )
    }

    /// A figure of `curves.csv` (written by `analyze --curves`): `metric` is `pass`,
    /// `majority` or `classes_emb`; one panel per task and lineage, one line per stage.
    pub fn curves_figure(&self, curves_csv: impl AsRef<Path>, metric: &str) -> Result<Svg> {
        let path = curves_csv.as_ref();
        let frame = read_csv(path)?;
        let (models, tasks, metrics) = (texts(&frame, "model")?, texts(&frame, "task")?, texts(&frame, "metric")?);
        let (ks, values) = (floats(&frame, "k")?, floats(&frame, "value")?);
        let (lows, highs) = (floats(&frame, "ci_low")?, floats(&frame, "ci_high")?);
        let rows: Vec<usize> = (0..frame.height()).filter(|&i| metrics[i] == metric).collect();
        let k_max = rows.iter().map(|&i| ks[i] as usize).max().ok_or_else(|| {
            NotebookError::Argument(format!("{}: no `{metric}` curve (pass, majority, classes_emb)", path.display()))
        })?;
        let panel_tasks = wide::ordered(rows.iter().map(|&i| tasks[i].as_str()));
        let value = |model: &str, task: &str, k: usize| {
            rows.iter()
                .find(|&&i| models[i] == model && tasks[i] == task && ks[i] as usize == k)
                .map(|&i| crate::plot::trajectory::Estimate { value: values[i], low: lows[i], high: highs[i] })
        };
        let title = format!("{metric}@k against k; 95% bands over prompts");
        let figure = crate::analysis::figures::curve_figure(&self.lineage, &panel_tasks, k_max, &title, &value);
        Ok(Svg::of(&figure.validate()?)?)
    }

    /// The values of one curve of `curves.csv` on one task at the subset sizes `ks`:
    /// checkpoints as rows, k as columns, with intervals.
    pub fn curves_table(&self, curves_csv: impl AsRef<Path>, metric: &str, task: &str, ks: &[usize]) -> Result<Table> {
        let frame = read_csv(curves_csv.as_ref())?;
        let (models, tasks, metrics) = (texts(&frame, "model")?, texts(&frame, "task")?, texts(&frame, "metric")?);
        let (k_values, values) = (floats(&frame, "k")?, floats(&frame, "value")?);
        let (lows, highs) = (floats(&frame, "ci_low")?, floats(&frame, "ci_high")?);
        let undefined = Interval::undefined(crate::stats::IntervalMethod::Percentile);
        let cells: Vec<(String, String, String)> = (0..frame.height())
            .filter(|&i| metrics[i] == metric && tasks[i] == task && ks.contains(&(k_values[i] as usize)))
            .map(|i| {
                let interval = Interval { estimate: values[i], low: lows[i], high: highs[i], ..undefined };
                (models[i].clone(), format!("k = {}", k_values[i] as usize), cell(&interval, 3))
            })
            .collect();
        let models = self.ordered_models(cells.iter().map(|c| c.0.as_str()));
        let columns: Vec<String> = ks.iter().map(|k| format!("k = {k}")).collect();
        Ok(Table::new(
            format!("{metric}@k on {task} (95% intervals over prompts)"),
            wide::text("checkpoint", &models, &columns, &cells),
        ))
    }

    /// `homogeneity.csv` (written by `analyze --homogeneity`) as a table: cross- and
    /// within-similarity and the shares of each checkpoint's meaning classes found in the
    /// other's outputs, with intervals.
    pub fn homogeneity(csv: impl AsRef<Path>) -> Result<Table> {
        let frame = read_csv(csv.as_ref())?;
        let interval = |name: &str, digits: usize| -> Result<Vec<String>> {
            let (value, low, high) = (
                floats(&frame, name)?,
                floats(&frame, &format!("{name}_ci_low"))?,
                floats(&frame, &format!("{name}_ci_high"))?,
            );
            Ok((0..value.len())
                .map(|i| {
                    let undefined = Interval::undefined(crate::stats::IntervalMethod::Percentile);
                    cell(&Interval { estimate: value[i], low: low[i], high: high[i], ..undefined }, digits)
                })
                .collect())
        };
        let table = df!(
            "A" => texts(&frame, "model_a")?,
            "B" => texts(&frame, "model_b")?,
            "task" => texts(&frame, "task")?,
            "A×B cosine" => interval("cross_similarity", 3)?,
            "within A" => interval("within_a", 3)?,
            "within B" => interval("within_b", 3)?,
            "A's classes in B" => interval("coverage_a_in_b", 2)?,
            "B's classes in A" => interval("coverage_b_in_a", 2)?,
        )?;
        Ok(Table::new("Homogeneity across checkpoints (means over prompts, 95% intervals)", table))
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

/// A column as text (empty for nulls).
fn texts(frame: &DataFrame, name: &str) -> Result<Vec<String>> {
    let column = frame.column(name)?.cast(&DataType::String)?;
    Ok(column.str()?.into_iter().map(|v| v.unwrap_or_default().to_owned()).collect())
}

/// A column as numbers (NaN for nulls).
fn floats(frame: &DataFrame, name: &str) -> Result<Vec<f64>> {
    let column = frame.column(name)?.cast(&DataType::Float64)?;
    Ok(column.f64()?.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

/// Reads a CSV table of an analysis folder.
fn read_csv(path: &Path) -> Result<DataFrame> {
    crate::data::polars_read(|| {
        CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(None)
            .try_into_reader_with_file_path(Some(path.to_owned()))
            .and_then(|reader| reader.finish())
    })
    .map_err(|e| NotebookError::File { path: path.to_owned(), message: e.to_string() })
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
