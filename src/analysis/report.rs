//! Writes a lineage study: CSV tables, a markdown report and the figures.
//!
//! Files under the output folder:
//! * `metrics.csv`: `model,task,metric,n,value,ci_low,ci_high`;
//! * `stage_changes.csv`: `model,parent,task,metric,n_prompts,change,ci_low,ci_high,change_pct,
//!   change_pct_ci_low,change_pct_ci_high`: every metric's change over every stage, paired;
//! * `stage_attribution.csv`: `task,quantity,value,ci_low,ci_high,n_prompts` (percent of
//!   Base, negative = loss; `average` = unweighted mean over tasks);
//! * `retention.csv`: `model,convention,value,ci_low,ci_high`;
//! * `decomposition.csv`: the matched decomposition per (model, task);
//! * `think_suppression.csv`: accuracy drop and diversity change per (model, task);
//! * `curves.csv` (with `--curves`): `model,task,metric,k,n_prompts,value,ci_low,ci_high`
//!   for pass@k, maj@k, expected meaning classes and SBERT diversity at every k;
//! * `homogeneity.csv` (when pairs are asked for): cross-similarity, within-similarity and
//!   class coverage of two checkpoints per task, with intervals;
//! * `length_vs_sbert.csv` (when outputs were measured here): `task,quantity,n,value,ci_low,
//!   ci_high`, the paper's Table 16 with intervals;
//! * `quality.csv` (when quality tables are given): `model,task,measure,n,value,ci_low,ci_high,
//!   source`, the judges' win rates and WB-Score and the labels summaries' rates;
//! * `report.md`, and `figures/*.png|svg`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::attribution::AVERAGE_TASK;
use super::figures::{
    accuracy_gain_scatter, curve_figure, decomposition_figure, final_checkpoints, per_task_dots, stage_trajectories,
};
use super::lineage::Lineage;
use super::study::{ALL_TASKS, ATTRIBUTION_COLUMN, StudyResults, metric_label};
use crate::analysis::attribution::quantity_prefix;
use crate::plot::attribution::{StageAttributionFigure, display_lineage};
use crate::plot::decomposition::{DecompositionBar, DecompositionFigure};
use crate::plot::dots::DotPlotFigure;
use crate::plot::scatter::ScatterFigure;
use crate::plot::trajectory::{Estimate, StageTrajectoryFigure};
use crate::plot::{PlotError, Theme, save};
use crate::stats::bootstrap::{BootstrapConfig, Interval};

/// Errors writing the report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Drawing a figure failed.
    #[error(transparent)]
    Plot(#[from] PlotError),
}

pub(crate) fn write(path: &Path, text: &str) -> Result<(), ReportError> {
    crate::data::atomic::write(path, text).map_err(|source| ReportError::Io { path: path.to_owned(), source })
}

/// A CSV number: shortest round-trip text, empty for NaN.
pub(crate) fn num(value: f64) -> String {
    if value.is_finite() { value.to_string() } else { String::new() }
}

/// A CSV field, quoted when needed.
pub(crate) fn field(text: &str) -> String {
    if text.contains([',', '"', '\n']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

pub(crate) fn interval_cells(i: &Interval) -> String {
    format!("{},{},{}", num(i.estimate), num(i.low), num(i.high))
}

/// `0.123 [0.101, 0.145]` with `digits` decimals; `–` for NaN.
pub(crate) fn cell(i: &Interval, digits: usize) -> String {
    if !i.estimate.is_finite() {
        return "–".to_owned();
    }
    if i.low.is_finite() && i.high.is_finite() {
        format!("{:.d$} [{:.d$}, {:.d$}]", i.estimate, i.low, i.high, d = digits)
    } else {
        format!("{:.d$}", i.estimate, d = digits)
    }
}

fn estimate(i: &Interval) -> Estimate {
    Estimate { value: i.estimate, low: i.low, high: i.high }
}

/// Writes every table, the figures and the report; returns the files written.
pub fn write_study(
    lineage: &Lineage,
    results: &StudyResults,
    config: &BootstrapConfig,
    out: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    let mut files = Vec::new();
    let mut table = |name: &str, header: &str, rows: Vec<String>| -> Result<(), ReportError> {
        let path = out.join(name);
        write(&path, &(std::iter::once(header.to_owned()).chain(rows).collect::<Vec<_>>().join("\n") + "\n"))?;
        files.push(path);
        Ok(())
    };
    table(
        "metrics.csv",
        "model,task,metric,n,value,ci_low,ci_high",
        results
            .metrics
            .iter()
            .map(|r| {
                format!("{},{},{},{},{}", field(&r.model), field(&r.task), r.metric, r.n, interval_cells(&r.estimate))
            })
            .collect(),
    )?;
    table(
        "stage_changes.csv",
        "model,parent,task,metric,n_prompts,change,ci_low,ci_high,change_pct,change_pct_ci_low,change_pct_ci_high",
        results
            .stage_changes
            .iter()
            .map(|r| {
                format!(
                    "{},{},{},{},{},{},{}",
                    field(&r.model),
                    field(&r.parent),
                    field(&r.task),
                    r.metric,
                    r.n_prompts,
                    interval_cells(&r.change),
                    interval_cells(&r.change_pct)
                )
            })
            .collect(),
    )?;
    table(
        "stage_attribution.csv",
        "task,quantity,value,ci_low,ci_high,n_prompts",
        results
            .attribution
            .iter()
            .map(|r| format!("{},{},{},{}", field(&r.task), r.quantity, interval_cells(&r.estimate), r.n_prompts))
            .collect(),
    )?;
    table(
        "retention.csv",
        "model,convention,value,ci_low,ci_high",
        results
            .retention
            .iter()
            .map(|r| format!("{},{},{}", field(&r.model), r.convention.as_str(), interval_cells(&r.estimate)))
            .collect(),
    )?;
    table(
        "decomposition.csv",
        "model,task,n_matched,n_shared,delta_all,delta_all_ci_low,delta_all_ci_high,residual,residual_ci_low,residual_ci_high,quality_control,quality_control_ci_low,quality_control_ci_high,genuine_share,genuine_share_ci_low,genuine_share_ci_high,genuine_share_defined,paper_genuine_share,paper_genuine_share_ci_low,paper_genuine_share_ci_high",
        results
            .decomposition
            .iter()
            .map(|r| {
                let d = &r.decomposition;
                format!(
                    "{},{},{},{},{},{},{},{},{},{}",
                    field(&r.model),
                    field(&r.task),
                    d.n_matched,
                    d.n_shared,
                    interval_cells(&d.delta_all),
                    interval_cells(&d.residual),
                    interval_cells(&d.quality_control),
                    interval_cells(&d.genuine_share),
                    d.genuine_share_defined,
                    interval_cells(&d.paper_genuine_share)
                )
            })
            .collect(),
    )?;
    table(
        "think_suppression.csv",
        "model,no_think_model,task,n_prompts,accuracy_drop_pp,accuracy_drop_pp_ci_low,accuracy_drop_pp_ci_high,diversity_change,diversity_change_ci_low,diversity_change_ci_high,diversity_change_pct,diversity_change_pct_ci_low,diversity_change_pct_ci_high",
        results
            .think
            .iter()
            .map(|r| {
                format!(
                    "{},{},{},{},{},{},{}",
                    field(&r.model),
                    field(&r.no_think_model),
                    field(&r.task),
                    r.n_prompts,
                    interval_cells(&r.accuracy_drop_pp),
                    interval_cells(&r.diversity_change),
                    interval_cells(&r.diversity_change_pct)
                )
            })
            .collect(),
    )?;
    if !results.curves.is_empty() {
        table(
            "curves.csv",
            "model,task,metric,k,n_prompts,value,ci_low,ci_high",
            results
                .curves
                .iter()
                .map(|r| {
                    format!(
                        "{},{},{},{},{},{}",
                        field(&r.model),
                        field(&r.task),
                        r.metric,
                        r.k,
                        r.n_prompts,
                        interval_cells(&r.estimate)
                    )
                })
                .collect(),
        )?;
    }
    if !results.homogeneity.is_empty() {
        table(
            "homogeneity.csv",
            "model_a,model_b,task,n_prompts,cross_similarity,cross_similarity_ci_low,cross_similarity_ci_high,within_a,within_a_ci_low,within_a_ci_high,within_b,within_b_ci_low,within_b_ci_high,coverage_a_in_b,coverage_a_in_b_ci_low,coverage_a_in_b_ci_high,coverage_b_in_a,coverage_b_in_a_ci_low,coverage_b_in_a_ci_high",
            results
                .homogeneity
                .iter()
                .map(|r| {
                    format!(
                        "{},{},{},{},{},{},{},{},{}",
                        field(&r.model_a),
                        field(&r.model_b),
                        field(&r.task),
                        r.n_prompts,
                        interval_cells(&r.cross_similarity),
                        interval_cells(&r.within_a),
                        interval_cells(&r.within_b),
                        interval_cells(&r.coverage_a_in_b),
                        interval_cells(&r.coverage_b_in_a)
                    )
                })
                .collect(),
        )?;
    }
    if !results.length.is_empty() {
        table(
            "length_vs_sbert.csv",
            "task,quantity,n,value,ci_low,ci_high",
            results
                .length
                .iter()
                .map(|r| format!("{},{},{},{}", field(&r.task), r.quantity, r.n, interval_cells(&r.estimate)))
                .collect(),
        )?;
    }
    if !results.quality.is_empty() {
        table(
            "quality.csv",
            "model,task,measure,n,value,ci_low,ci_high,source",
            results
                .quality
                .iter()
                .map(|r| {
                    format!(
                        "{},{},{},{},{},{},{},{}",
                        field(&r.model),
                        field(&r.task),
                        r.measure,
                        r.n,
                        num(r.value),
                        num(r.ci_low),
                        num(r.ci_high),
                        field(&r.source.display().to_string())
                    )
                })
                .collect(),
        )?;
    }
    let figures = write_figures(lineage, results, &out.join("figures"))?;
    let report = out.join("report.md");
    write(&report, &markdown(lineage, results, config, &figures, out))?;
    files.push(report);
    files.extend(figures);
    Ok(files)
}

fn metric_lookup<'a>(
    results: &'a StudyResults,
    metric: &'a str,
    percent: bool,
) -> impl Fn(&str, &str) -> Option<Estimate> + 'a {
    move |model, task| {
        results.metrics.iter().find(|r| r.model == model && r.task == task && r.metric == metric).map(|r| {
            let e = estimate(&r.estimate);
            if percent { Estimate { value: e.value * 100.0, low: e.low * 100.0, high: e.high * 100.0 } } else { e }
        })
    }
}

/// The figures of a study as drawable values; `None` where the study lacks their data.
#[derive(Debug, Clone, Default)]
pub struct StudyFigures {
    /// SBERT diversity across stages, with bootstrap bands.
    pub diversity_stages: Option<StageTrajectoryFigure>,
    /// Stage attribution (percent of Base per stage and task).
    pub stage_attribution: Option<StageAttributionFigure>,
    /// The matched correctness decomposition.
    pub decomposition: Option<DecompositionFigure>,
    /// Accuracy@1 against the majority-vote gain.
    pub accuracy_vs_majority_gain: Option<ScatterFigure>,
    /// NLI diversity per task.
    pub nli_per_task: Option<DotPlotFigure>,
    /// Quality and diversity against k (`curves_<metric>`), with `--curves`.
    pub curves: Vec<(String, StageTrajectoryFigure)>,
    /// More metrics across stages, by file name ([`STAGE_PANELS`]).
    pub stage_panels: Vec<(String, StageTrajectoryFigure)>,
    /// The quality tables' rates across stages, by file name ([`QUALITY_PANELS`]).
    pub quality_panels: Vec<(String, StageTrajectoryFigure)>,
}

/// The quality tables' across-stage figures: (file name, measure, title, in percent).
pub const QUALITY_PANELS: [(&str, &str, &str, bool); 2] = [
    (
        "judge_win_rate_stages",
        "win_rate",
        "LLM-judge win rate (%) across stages, judged tasks (Figure 4; intervals from the judge tables)",
        true,
    ),
    (
        "wb_score_stages",
        "wb_score",
        "WB-Score across stages, WildBench (Figure 5; intervals from the judge table)",
        false,
    ),
];

/// The study's other across-stage figures, drawn where the metric exists: (file name,
/// metric column, title, in percent).
pub const STAGE_PANELS: [(&str, &str, &str, bool); 6] = [
    ("ead_stages", "ead", "EAD across post-training stages (Figure 2; 95% bootstrap bands over prompts)", false),
    ("vendi_stages", "vendi", "Vendi score across post-training stages (Figure 2; 95% bands)", false),
    ("accuracy_stages", "acc1", "Accuracy@1 (%) across stages, verifiable tasks (Figure 4; 95% bands)", true),
    (
        "correct_vendi_stages",
        "d_correct_vendi",
        "Vendi score of the correct outputs, V_c (Figure 6; prompts with 2+ correct; 95% bands)",
        false,
    ),
    ("correct_ast_stages", "d_correct_ast", "AST subtree diversity of correct code (Figure 7; 95% bands)", false),
    (
        "correct_code_sbert_stages",
        "d_correct_code_sbert",
        "UniXcoder diversity of correct code (Figure 7; 95% bands)",
        false,
    ),
];

impl StudyFigures {
    /// Saves the figures that exist under `folder` (PNG and SVG each).
    fn save_all(&self, folder: &Path) -> Result<Vec<PathBuf>, PlotError> {
        let theme = Theme::default();
        let mut files = Vec::new();
        if let Some(f) = &self.diversity_stages {
            files.extend(save(f, &theme, &folder.join("diversity_stages"))?);
        }
        if let Some(f) = &self.stage_attribution {
            files.extend(save(f, &theme, &folder.join("stage_attribution"))?);
        }
        if let Some(f) = &self.decomposition {
            files.extend(save(f, &theme, &folder.join("decomposition"))?);
        }
        if let Some(f) = &self.accuracy_vs_majority_gain {
            files.extend(save(f, &theme, &folder.join("accuracy_vs_majority_gain"))?);
        }
        if let Some(f) = &self.nli_per_task {
            files.extend(save(f, &theme, &folder.join("nli_per_task"))?);
        }
        for (metric, f) in &self.curves {
            files.extend(save(f, &theme, &folder.join(format!("curves_{metric}")))?);
        }
        for (name, f) in self.stage_panels.iter().chain(&self.quality_panels) {
            files.extend(save(f, &theme, &folder.join(name))?);
        }
        Ok(files)
    }
}

fn write_figures(lineage: &Lineage, results: &StudyResults, folder: &Path) -> Result<Vec<PathBuf>, ReportError> {
    Ok(study_figures(lineage, results)?.save_all(folder)?)
}

/// Builds every figure the study's results support.
pub fn study_figures(lineage: &Lineage, results: &StudyResults) -> Result<StudyFigures, PlotError> {
    let mut figures = StudyFigures::default();
    for (metric, title) in [
        ("pass", "pass@k (unbiased) against k; 95% bands over prompts"),
        ("majority", "maj@k (the study's vote) against k; 95% bands"),
        ("classes_emb", "meaning classes in k outputs (embedding threshold); 95% bands"),
    ] {
        let rows: Vec<&crate::analysis::study::CurveRow> =
            results.curves.iter().filter(|r| r.metric == metric).collect();
        let Some(k_max) = rows.iter().map(|r| r.k).max() else { continue };
        let tasks: Vec<String> = results.tasks.iter().filter(|t| rows.iter().any(|r| &r.task == *t)).cloned().collect();
        let value = |model: &str, task: &str, k: usize| {
            rows.iter().find(|r| r.model == model && r.task == task && r.k == k).map(|r| estimate(&r.estimate))
        };
        if let Ok(figure) = curve_figure(lineage, &tasks, k_max, title, &value).validate() {
            figures.curves.push((metric.to_owned(), figure));
        }
    }
    let has = |metric: &str| results.metrics.iter().any(|r| r.metric == metric && r.estimate.estimate.is_finite());
    if has("d_all_sbert") {
        figures.diversity_stages = Some(
            stage_trajectories(
                lineage,
                &results.tasks,
                "SBERT diversity across post-training stages (95% bootstrap bands over prompts)",
                &metric_lookup(results, "d_all_sbert", false),
            )
            .validate()?,
        );
    }
    for (name, metric, title, percent) in STAGE_PANELS {
        let tasks: Vec<String> = results
            .tasks
            .iter()
            .filter(|t| {
                results.metrics.iter().any(|r| &r.task == *t && r.metric == metric && r.estimate.estimate.is_finite())
            })
            .cloned()
            .collect();
        if tasks.is_empty() {
            continue;
        }
        let figure = stage_trajectories(lineage, &tasks, title, &metric_lookup(results, metric, percent));
        // A panel without a drawable point is left out rather than failing the report.
        if let Ok(figure) = figure.validate() {
            figures.stage_panels.push((name.to_owned(), figure));
        }
    }
    for (name, measure, title, percent) in QUALITY_PANELS {
        let rows: Vec<_> = results.quality.iter().filter(|r| r.measure == measure && r.value.is_finite()).collect();
        let mut tasks: Vec<String> = Vec::new();
        for row in &rows {
            if !tasks.contains(&row.task) {
                tasks.push(row.task.clone());
            }
        }
        if tasks.is_empty() {
            continue;
        }
        let scale = if percent { 100.0 } else { 1.0 };
        let value = |model: &str, task: &str| {
            rows.iter().find(|r| r.model == model && r.task == task).map(|r| Estimate {
                value: r.value * scale,
                low: r.ci_low * scale,
                high: r.ci_high * scale,
            })
        };
        // A panel without a drawable point is left out rather than failing the report.
        if let Ok(figure) = stage_trajectories(lineage, &tasks, title, &value).validate() {
            figures.quality_panels.push((name.to_owned(), figure));
        }
    }
    if !results.attribution.is_empty() {
        let mut tasks: Vec<String> =
            results.tasks.iter().filter(|t| results.attribution.iter().any(|r| &r.task == *t)).cloned().collect();
        tasks.push(AVERAGE_TASK.to_owned());
        let rows: Vec<(String, String, f64)> =
            results.attribution.iter().map(|r| (r.task.clone(), r.quantity.clone(), r.estimate.estimate)).collect();
        let panels: Vec<(String, String)> =
            lineage.lineage_names().iter().map(|name| (quantity_prefix(name), display_lineage(name))).collect();
        figures.stage_attribution = Some(StageAttributionFigure::from_long(&tasks, &rows, &panels, "SBERT diversity")?);
    }
    if !results.decomposition.is_empty() {
        let bar = |model: &str, task: &str| {
            results.decomposition.iter().find(|r| r.model == model && r.task == task).map(|r| DecompositionBar {
                label: model.to_owned(),
                residual: estimate(&r.decomposition.residual),
                quality_control: estimate(&r.decomposition.quality_control),
                delta_all: estimate(&r.decomposition.delta_all),
            })
        };
        let tasks: Vec<String> =
            results.tasks.iter().filter(|t| results.decomposition.iter().any(|r| &r.task == *t)).cloned().collect();
        let figure =
            decomposition_figure(lineage, &tasks, "SBERT loss from Base, matched prompts (95% intervals)", &bar);
        // A decomposition without a single drawable bar is left out rather than failing the report.
        figures.decomposition = figure.validate().ok();
    }
    if has("majority_gain") && has("acc1") {
        let tasks: Vec<String> = results
            .tasks
            .iter()
            .filter(|t| results.metrics.iter().any(|r| &r.task == *t && r.metric == "majority_gain"))
            .cloned()
            .collect();
        figures.accuracy_vs_majority_gain = Some(
            accuracy_gain_scatter(
                lineage,
                &tasks,
                &metric_lookup(results, "acc1", true),
                &metric_lookup(results, "majority_gain", true),
            )
            .validate()?,
        );
    }
    if has("nli") {
        let tasks: Vec<String> = results
            .tasks
            .iter()
            .filter(|t| results.metrics.iter().any(|r| &r.task == *t && r.metric == "nli"))
            .cloned()
            .collect();
        figures.nli_per_task = Some(
            per_task_dots(
                lineage,
                &tasks,
                &final_checkpoints(lineage),
                "NLI diversity per task (95% bootstrap intervals over prompts)",
                "NLI diversity",
                &metric_lookup(results, "nli", false),
            )
            .validate()?,
        );
    }
    Ok(figures)
}

fn markdown(
    lineage: &Lineage,
    results: &StudyResults,
    config: &BootstrapConfig,
    figures: &[PathBuf],
    out: &Path,
) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Diversity across post-training: {}\n", lineage.name);
    let _ = writeln!(
        md,
        "Intervals: {:.0}% {} bootstrap over prompts, {} resamples, seed {}. Paired wherever checkpoints share prompts; \
         the `average` row and the retentions resample tasks independently (percentile).\n",
        config.confidence * 100.0,
        config.method.as_str(),
        config.resamples,
        config.seed
    );
    let mut columns: Vec<&str> = Vec::new();
    for row in &results.metrics {
        if !columns.contains(&row.metric.as_str()) {
            columns.push(&row.metric);
        }
    }
    for column in columns {
        let rows: Vec<_> = results.metrics.iter().filter(|r| r.metric == column).collect();
        let label = metric_label(column).unwrap_or_else(|| column.to_owned());
        let _ = writeln!(md, "## {label} (`{column}`), mean per prompt\n");
        let models: Vec<&str> = lineage
            .checkpoints
            .iter()
            .map(|c| c.name.as_str())
            .filter(|m| rows.iter().any(|r| r.model == *m))
            .collect();
        let _ = writeln!(md, "| task | {} |", models.join(" | "));
        let _ = writeln!(md, "|---|{}", "---:|".repeat(models.len()));
        for task in &results.tasks {
            let cells: Vec<String> = models
                .iter()
                .map(|m| {
                    rows.iter()
                        .find(|r| r.model == *m && &r.task == task)
                        .map_or("–".into(), |r| cell(&r.estimate, 3))
                })
                .collect();
            let _ = writeln!(md, "| {task} | {} |", cells.join(" | "));
        }
        md.push('\n');
    }
    if !results.attribution.is_empty() {
        let _ = writeln!(md, "## Stage attribution (SBERT, % of Base; negative = loss)\n");
        let mut quantities: Vec<&str> = Vec::new();
        for r in &results.attribution {
            if !quantities.contains(&r.quantity.as_str()) {
                quantities.push(&r.quantity);
            }
        }
        let _ = writeln!(md, "| task | {} |", quantities.join(" | "));
        let _ = writeln!(md, "|---|{}", "---:|".repeat(quantities.len()));
        let mut tasks = results.tasks.clone();
        tasks.push(AVERAGE_TASK.to_owned());
        for task in tasks.iter().filter(|t| results.attribution.iter().any(|r| &r.task == *t)) {
            let cells: Vec<String> = quantities
                .iter()
                .map(|q| {
                    results
                        .attribution
                        .iter()
                        .find(|r| &r.task == task && r.quantity == *q)
                        .map_or("–".into(), |r| cell(&r.estimate, 1))
                })
                .collect();
            let _ = writeln!(md, "| {task} | {} |", cells.join(" | "));
        }
        md.push('\n');
    }
    if !results.retention.is_empty() {
        let _ = writeln!(md, "## Retention over all tasks (% of Base)\n");
        let _ = writeln!(md, "| model | mean of task percentages | ratio of task means |\n|---|---:|---:|");
        for model in lineage.checkpoints.iter().map(|c| &c.name) {
            let find = |convention: &str| {
                results.retention.iter().find(|r| &r.model == model && r.convention.as_str() == convention)
            };
            if let (Some(a), Some(b)) = (find("mean_of_task_percentages"), find("ratio_of_task_means")) {
                let _ = writeln!(md, "| {model} | {} | {} |", cell(&a.estimate, 1), cell(&b.estimate, 1));
            }
        }
        md.push('\n');
    }
    if !results.decomposition.is_empty() {
        let _ = writeln!(
            md,
            "## Correctness decomposition (matched prompts: Base and model both have K_c ≥ 2)\n\n\
             `delta_all` = mean(D_a,Base − D_a,model), `residual` = mean(D_c,Base − D_c,model) (genuine narrowing), \
             `quality_control` = delta_all − residual, `genuine_share` = residual / delta_all (undefined, marked †, when \
             the interval of delta_all contains 0). `paper share` is the paper's unmatched ratio of means.\n"
        );
        let _ = writeln!(
            md,
            "| model | task | matched | delta_all | residual | quality_control | genuine_share | paper share |\n|---|---|---:|---:|---:|---:|---:|---:|"
        );
        for r in &results.decomposition {
            let d = &r.decomposition;
            let share = if d.genuine_share_defined {
                cell(&d.genuine_share, 2)
            } else {
                format!("† {}", cell(&d.genuine_share, 2))
            };
            let _ = writeln!(
                md,
                "| {} | {} | {}/{} | {} | {} | {} | {} | {} |",
                r.model,
                r.task,
                d.n_matched,
                d.n_shared,
                cell(&d.delta_all, 3),
                cell(&d.residual, 3),
                cell(&d.quality_control, 3),
                share,
                cell(&d.paper_genuine_share, 2)
            );
        }
        md.push('\n');
    }
    if !results.think.is_empty() {
        let _ = writeln!(
            md,
            "## Thinking suppressed (empty think block) against thinking\n\n| model | task | prompts | accuracy drop (pp) | SBERT change | SBERT change (%) |\n|---|---|---:|---:|---:|---:|"
        );
        for r in &results.think {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} |",
                r.model,
                r.task,
                r.n_prompts,
                cell(&r.accuracy_drop_pp, 1),
                cell(&r.diversity_change, 3),
                cell(&r.diversity_change_pct, 1)
            );
        }
        md.push('\n');
    }
    if !results.homogeneity.is_empty() {
        let _ = writeln!(
            md,
            "## Homogeneity across checkpoints (mean cosine; classes found in the other)\n\n\
             | A | B | task | prompts | A×B | within A | within B | A's classes in B | B's classes in A |\n\
             |---|---|---|---:|---:|---:|---:|---:|---:|"
        );
        for r in &results.homogeneity {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                r.model_a,
                r.model_b,
                r.task,
                r.n_prompts,
                cell(&r.cross_similarity, 3),
                cell(&r.within_a, 3),
                cell(&r.within_b, 3),
                cell(&r.coverage_a_in_b, 2),
                cell(&r.coverage_b_in_a, 2)
            );
        }
        md.push('\n');
    }
    if !results.quality.is_empty() {
        let _ = writeln!(
            md,
            "## Quality from the judge and label tables (`quality.csv`)\n\n\
             Win rates are against each table's comparison (the reference summary for `kirk-summary`, Base for \
             `arena-creative` and `mt-bench-pair`); intervals are the tables' own, over prompts.\n\n\
             | model | task | measure | n | value |\n|---|---|---|---:|---:|"
        );
        for r in &results.quality {
            let value =
                Interval { estimate: r.value, low: r.ci_low, high: r.ci_high, ..Interval::undefined(config.method) };
            let _ = writeln!(md, "| {} | {} | {} | {} | {} |", r.model, r.task, r.measure, r.n, cell(&value, 3));
        }
        md.push('\n');
    }
    if !results.length.is_empty() {
        let _ = writeln!(
            md,
            "## Output length against SBERT diversity (Table 16; `length_vs_sbert.csv`)\n\n\
             Means over the checkpoints sampled with their own reasoning (n), over the prompts they share. \
             Spearman's ρ of the task means is over tasks; it cannot tell whether length and diversity move \
             together within a task.\n\n| task | checkpoints | mean words | SBERT |\n|---|---:|---:|---:|"
        );
        let find =
            |task: &str, quantity: &str| results.length.iter().find(|r| r.task == task && r.quantity == quantity);
        for task in &results.tasks {
            if let (Some(words), Some(sbert)) = (find(task, "mean_words"), find(task, ATTRIBUTION_COLUMN)) {
                let _ = writeln!(
                    md,
                    "| {task} | {} | {} | {} |",
                    words.n,
                    cell(&words.estimate, 0),
                    cell(&sbert.estimate, 3)
                );
            }
        }
        if let Some(rho) = find(ALL_TASKS, "spearman_words_sbert") {
            let _ = writeln!(md, "\nSpearman's ρ over {} tasks: {}.", rho.n, cell(&rho.estimate, 2));
        }
        md.push('\n');
    }
    let pngs: Vec<&PathBuf> = figures.iter().filter(|p| p.extension().is_some_and(|e| e == "png")).collect();
    if !pngs.is_empty() {
        let _ = writeln!(md, "## Figures\n");
        for png in pngs {
            let relative = png.strip_prefix(out).unwrap_or(png);
            let _ = writeln!(md, "![{}]({})\n", relative.display(), relative.display());
        }
    }
    if !results.notes.is_empty() {
        let _ = writeln!(md, "## Notes\n");
        for note in &results.notes {
            let _ = writeln!(md, "* {note}");
        }
    }
    md
}
