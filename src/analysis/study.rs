//! The lineage study: every statistic of the analysis on one per-prompt table, with
//! bootstrap intervals over prompts.
//!
//! * per-checkpoint means of every metric column, per task;
//! * stage attribution (methodology §4.2) per task, with paired intervals (all the
//!   checkpoints a quantity reads are resampled at the same prompts), and the task
//!   average with a **stratified** interval (tasks resampled independently, percentile);
//! * retention of every checkpoint over the tasks in both conventions by name;
//! * the matched correctness decomposition of every checkpoint against the base;
//! * thinking suppression: accuracy drop (percentage points) and diversity change of a
//!   checkpoint sampled with an empty think block against the same checkpoint thinking;
//! * output length against SBERT diversity per task, and their rank correlation over
//!   tasks (the paper's Table 16).

use serde::Serialize;

use super::attribution::{AVERAGE_TASK, AttributionError, AttributionPlan, RetentionConvention};
use super::decomposition::{DecompositionError, MatchedDecomposition, matched_decomposition};
use super::lineage::{Lineage, Stage};
use super::per_prompt::{PerPromptError, PerPromptTable};
use crate::stats::bootstrap::{
    Bootstrap, BootstrapConfig, BootstrapError, Interval, IntervalMethod, interval_from_replicates, nanmean_at,
};
use crate::stats::correlation::spearman;

/// A metric column of the per-prompt table and its display name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MetricColumn {
    /// Column name.
    pub column: &'static str,
    /// Display name.
    pub label: &'static str,
}

/// The metric columns the study summarises, when present.
pub const METRIC_COLUMNS: [MetricColumn; 12] = [
    MetricColumn { column: "d_all_sbert", label: "SBERT diversity" },
    MetricColumn { column: "ead", label: "EAD" },
    MetricColumn { column: "vendi", label: "Vendi score" },
    MetricColumn { column: "nli", label: "NLI diversity" },
    MetricColumn { column: "acc1", label: "accuracy@1" },
    MetricColumn { column: "majority_vote", label: "majority vote@K" },
    MetricColumn { column: "majority_gain", label: "majority-vote gain (mv − acc@1)" },
    MetricColumn { column: "d_correct_sbert", label: "SBERT diversity of correct outputs" },
    MetricColumn { column: "d_correct_vendi", label: "Vendi score of correct outputs" },
    MetricColumn { column: "d_correct_ast", label: "AST subtree diversity of correct code" },
    MetricColumn { column: "d_correct_code_sbert", label: "UniXcoder diversity of correct code" },
    MetricColumn { column: "mean_words", label: "mean output length (words)" },
];

/// The display name of a per-prompt column the study summarises: one of
/// [`METRIC_COLUMNS`] or an extension metric's ([`crate::metrics::extended::column_label`]).
pub fn metric_label(column: &str) -> Option<String> {
    METRIC_COLUMNS
        .iter()
        .find(|m| m.column == column)
        .map(|m| m.label.to_owned())
        .or_else(|| crate::metrics::extended::column_label(column))
}

/// The metric columns of `table` the study summarises: the study's in [`METRIC_COLUMNS`]
/// order, then the extension metrics' in table order.
pub fn summarised_columns(table: &PerPromptTable) -> Vec<String> {
    let mut columns: Vec<String> =
        METRIC_COLUMNS.iter().filter(|m| table.has_column(m.column)).map(|m| m.column.to_owned()).collect();
    for name in table.frame().get_column_names() {
        if crate::metrics::extended::column_label(name).is_some() {
            columns.push(name.to_string());
        }
    }
    columns
}

/// The diversity metric stage attribution and thinking suppression use.
pub const ATTRIBUTION_COLUMN: &str = "d_all_sbert";

/// Errors of the study.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StudyError {
    /// Reading the table failed.
    #[error(transparent)]
    Table(#[from] PerPromptError),
    /// The lineage has no well-defined attribution.
    #[error(transparent)]
    Attribution(#[from] AttributionError),
    /// The bootstrap settings are invalid.
    #[error(transparent)]
    Bootstrap(#[from] BootstrapError),
    /// The decomposition failed.
    #[error(transparent)]
    Decomposition(#[from] DecompositionError),
}

/// A checkpoint's mean of one metric on one task.
#[derive(Debug, Clone, Serialize)]
pub struct MetricRow {
    /// Checkpoint.
    pub model: String,
    /// Task.
    pub task: String,
    /// Metric column.
    pub metric: String,
    /// Prompts with a value.
    pub n: usize,
    /// Mean with interval.
    pub estimate: Interval,
}

/// The change of one metric over one post-training stage on one task: the checkpoint
/// against its parent, paired over the prompts both have.
#[derive(Debug, Clone, Serialize)]
pub struct StageChangeRow {
    /// The checkpoint after the stage.
    pub model: String,
    /// Its parent (the checkpoint before the stage).
    pub parent: String,
    /// Task.
    pub task: String,
    /// Metric column.
    pub metric: String,
    /// Prompts both checkpoints have.
    pub n_prompts: usize,
    /// `mean(model) − mean(parent)` over the shared prompts, paired interval.
    pub change: Interval,
    /// The same change as a percentage of `mean(parent)`.
    pub change_pct: Interval,
}

/// How alike two checkpoints' outputs are on one task
/// ([`crate::metrics::homogeneity`]): means over the prompts both answered, with intervals.
#[derive(Debug, Clone, Serialize)]
pub struct HomogeneityRow {
    /// First checkpoint.
    pub model_a: String,
    /// Second checkpoint.
    pub model_b: String,
    /// Task.
    pub task: String,
    /// Prompts both answered.
    pub n_prompts: usize,
    /// Mean cosine between an output of A and one of B.
    pub cross_similarity: Interval,
    /// Mean pairwise cosine within A.
    pub within_a: Interval,
    /// Mean pairwise cosine within B.
    pub within_b: Interval,
    /// Share of A's meaning classes found among B's outputs.
    pub coverage_a_in_b: Interval,
    /// Share of B's meaning classes found among A's outputs.
    pub coverage_b_in_a: Interval,
}

/// The mean over prompts of one curve of [`crate::metrics::at_k`] at one k.
#[derive(Debug, Clone, Serialize)]
pub struct CurveRow {
    /// Checkpoint.
    pub model: String,
    /// Task.
    pub task: String,
    /// `pass`, `majority`, `classes_emb` or `sbert`.
    pub metric: String,
    /// Subset size.
    pub k: usize,
    /// Prompts with a value.
    pub n_prompts: usize,
    /// Mean with interval.
    pub estimate: Interval,
}

/// One stage-attribution quantity on one task (or the `average` row).
#[derive(Debug, Clone, Serialize)]
pub struct AttributionRow {
    /// Task (or `average`).
    pub task: String,
    /// Quantity (`think_sft`, …), percent of Base.
    pub quantity: String,
    /// Prompts shared by every checkpoint the quantity reads (summed over tasks for the average).
    pub n_prompts: usize,
    /// Value with interval.
    pub estimate: Interval,
}

/// Retention of one checkpoint over all tasks, by convention.
#[derive(Debug, Clone, Serialize)]
pub struct RetentionRow {
    /// Checkpoint.
    pub model: String,
    /// The convention.
    pub convention: RetentionConvention,
    /// Percent of Base, with a stratified percentile interval.
    pub estimate: Interval,
}

/// The decomposition of one checkpoint on one task.
#[derive(Debug, Clone, Serialize)]
pub struct DecompositionRow {
    /// Checkpoint.
    pub model: String,
    /// Task.
    pub task: String,
    /// The decomposition against the base.
    pub decomposition: MatchedDecomposition,
}

/// Thinking suppression on one task.
#[derive(Debug, Clone, Serialize)]
pub struct ThinkRow {
    /// The checkpoint sampled with thinking.
    pub model: String,
    /// The same checkpoint sampled with thinking suppressed.
    pub no_think_model: String,
    /// Task.
    pub task: String,
    /// Prompts both runs share.
    pub n_prompts: usize,
    /// `acc@1(thinking) − acc@1(suppressed)` in percentage points (positive = suppression hurts).
    pub accuracy_drop_pp: Interval,
    /// `D(suppressed) − D(thinking)`, SBERT diversity.
    pub diversity_change: Interval,
    /// The same change as a percentage of `D(thinking)`.
    pub diversity_change_pct: Interval,
}

/// One line of the length-against-diversity table (the paper's Table 16): per task, the
/// mean over checkpoints of `mean_words` and of `d_all_sbert`; over tasks
/// (`task = "all_tasks"`), Spearman's ρ between the two task means.
#[derive(Debug, Clone, Serialize)]
pub struct LengthRow {
    /// Task, or `all_tasks`.
    pub task: String,
    /// `mean_words`, `d_all_sbert` or `spearman_words_sbert`.
    pub quantity: String,
    /// Checkpoints averaged (per task), or tasks correlated.
    pub n: usize,
    /// The value with its interval: over the prompts the checkpoints share (per task), or
    /// over tasks (the correlation).
    pub estimate: Interval,
}

/// Everything the study computes.
#[derive(Debug, Clone, Serialize)]
pub struct StudyResults {
    /// Tasks in table order.
    pub tasks: Vec<String>,
    /// Per-checkpoint metric means.
    pub metrics: Vec<MetricRow>,
    /// Every metric's change over every stage (checkpoint against parent), per task.
    pub stage_changes: Vec<StageChangeRow>,
    /// Stage attribution (per task and `average`).
    pub attribution: Vec<AttributionRow>,
    /// Retention over tasks.
    pub retention: Vec<RetentionRow>,
    /// The matched decomposition.
    pub decomposition: Vec<DecompositionRow>,
    /// Thinking suppression.
    pub think: Vec<ThinkRow>,
    /// Homogeneity of the checkpoint pairs asked for (filled by the analyse stage, which
    /// has the run files).
    pub homogeneity: Vec<HomogeneityRow>,
    /// Quality and diversity at every k (filled by the analyse stage with `--curves`).
    pub curves: Vec<CurveRow>,
    /// Output length against SBERT diversity (the paper's Table 16).
    pub length: Vec<LengthRow>,
    /// The quality tables' rates (judge win rates, WB-Score, labels summaries), as read
    /// by the analyse stage.
    pub quality: Vec<crate::analysis::quality_tables::QualityEntry>,
    /// What could not be computed, and why.
    pub notes: Vec<String>,
}

/// A seed per task so that tasks are resampled independently (FNV-1a of the name).
pub(crate) fn task_seed(seed: u64, task: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in task.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    seed ^ hash
}

/// Runs the study.
pub fn run_study(
    lineage: &Lineage,
    table: &PerPromptTable,
    config: BootstrapConfig,
) -> Result<StudyResults, StudyError> {
    let tasks = table.tasks();
    let mut results = StudyResults {
        tasks: tasks.clone(),
        metrics: Vec::new(),
        stage_changes: Vec::new(),
        attribution: Vec::new(),
        retention: Vec::new(),
        decomposition: Vec::new(),
        think: Vec::new(),
        homogeneity: Vec::new(),
        curves: Vec::new(),
        length: Vec::new(),
        quality: Vec::new(),
        notes: Vec::new(),
    };
    let models: Vec<&str> = lineage.checkpoints.iter().map(|c| c.name.as_str()).collect();
    for name in table.models() {
        if !models.contains(&name.as_str()) {
            results.notes.push(format!("model `{name}` of the table is not in the lineage; ignored"));
        }
    }
    metric_means(table, &models, &tasks, config, &mut results)?;
    stage_changes(lineage, table, &tasks, config, &mut results)?;
    attribution(lineage, table, &tasks, config, &mut results)?;
    decompositions(lineage, table, &tasks, config, &mut results)?;
    think_suppression(lineage, table, &tasks, config, &mut results)?;
    length_against_diversity(lineage, table, &tasks, config, &mut results)?;
    Ok(results)
}

/// The task whose rows hold the correlation over tasks in [`LengthRow`].
pub const ALL_TASKS: &str = "all_tasks";

/// The paper's Table 16: per task, the mean over checkpoints (those sampled with their
/// own reasoning; the paper's 13 leave out the thinking-suppressed runs) of the mean
/// output length and of SBERT diversity, each with an interval over the prompts all
/// those checkpoints share; then Spearman's ρ between the two over tasks, with an
/// interval over tasks (wide with few tasks, and silent on what happens within a task).
fn length_against_diversity(
    lineage: &Lineage,
    table: &PerPromptTable,
    tasks: &[String],
    config: BootstrapConfig,
    results: &mut StudyResults,
) -> Result<(), StudyError> {
    if !table.has_column("mean_words") || !table.has_column(ATTRIBUTION_COLUMN) {
        return Ok(());
    }
    let models: Vec<&str> = lineage.checkpoints.iter().filter(|c| !c.no_think).map(|c| c.name.as_str()).collect();
    let mut task_means: Vec<[f64; 2]> = Vec::new();
    for task in tasks {
        let bootstrap = Bootstrap::new(BootstrapConfig { seed: task_seed(config.seed, task), ..config });
        let mut means = [f64::NAN; 2];
        for (slot, column) in ["mean_words", ATTRIBUTION_COLUMN].into_iter().enumerate() {
            let mut present = Vec::new();
            for model in &models {
                if table.values(model, task, column)?.is_some_and(|(_, v)| v.iter().any(|x| x.is_finite())) {
                    present.push(*model);
                }
            }
            let Some((ids, arrays)) = table.aligned(&present, task, column)? else { continue };
            if present.is_empty() || ids.is_empty() {
                continue;
            }
            let statistic =
                |idx: &[usize]| arrays.iter().map(|a| nanmean_at(a, idx)).sum::<f64>() / arrays.len() as f64;
            let estimate = if ids.len() >= 2 {
                bootstrap.interval(ids.len(), statistic)?
            } else {
                Interval { estimate: statistic(&[0]), ..Interval::undefined(config.method) }
            };
            means[slot] = estimate.estimate;
            results.length.push(LengthRow {
                task: task.clone(),
                quantity: column.to_owned(),
                n: present.len(),
                estimate,
            });
        }
        if means.iter().all(|m| m.is_finite()) {
            task_means.push(means);
        }
    }
    if task_means.len() >= 3 {
        let (words, sbert): (Vec<f64>, Vec<f64>) = task_means.iter().map(|m| (m[0], m[1])).unzip();
        let bootstrap = Bootstrap::new(BootstrapConfig { seed: task_seed(config.seed, ALL_TASKS), ..config });
        let estimate = bootstrap.intervals_or_points(words.len(), 1, |idx, out| {
            let pick = |v: &[f64]| idx.iter().map(|&i| v[i]).collect::<Vec<f64>>();
            out[0] = spearman(&pick(&words), &pick(&sbert));
        })?[0];
        results.length.push(LengthRow {
            task: ALL_TASKS.to_owned(),
            quantity: "spearman_words_sbert".to_owned(),
            n: words.len(),
            estimate,
        });
    }
    Ok(())
}

fn metric_means(
    table: &PerPromptTable,
    models: &[&str],
    tasks: &[String],
    config: BootstrapConfig,
    results: &mut StudyResults,
) -> Result<(), StudyError> {
    for column in summarised_columns(table) {
        for task in tasks {
            let bootstrap = Bootstrap::new(BootstrapConfig { seed: task_seed(config.seed, task), ..config });
            for model in models {
                let Some((_, values)) = table.values(model, task, &column)? else { continue };
                let n = values.iter().filter(|v| !v.is_nan()).count();
                if n == 0 {
                    continue;
                }
                let estimate = if values.len() >= 2 {
                    bootstrap.interval(values.len(), |idx| nanmean_at(&values, idx))?
                } else {
                    Interval { estimate: values[0], ..Interval::undefined(config.method) }
                };
                results.metrics.push(MetricRow {
                    model: model.to_string(),
                    task: task.clone(),
                    metric: column.clone(),
                    n,
                    estimate,
                });
            }
        }
    }
    Ok(())
}

/// Every summarised metric's change over every stage, per task: the checkpoint's mean
/// minus its parent's over the prompts both have (NaN values dropped from each mean), with
/// a paired interval (both resampled at the same prompts).
fn stage_changes(
    lineage: &Lineage,
    table: &PerPromptTable,
    tasks: &[String],
    config: BootstrapConfig,
    results: &mut StudyResults,
) -> Result<(), StudyError> {
    for column in summarised_columns(table) {
        for task in tasks {
            let bootstrap = Bootstrap::new(BootstrapConfig { seed: task_seed(config.seed, task), ..config });
            for checkpoint in &lineage.checkpoints {
                let Some(parent) = checkpoint.parent.as_deref() else { continue };
                let Some(paired) = paired_change(table, &checkpoint.name, parent, task, &column, &bootstrap)? else {
                    continue;
                };
                results.stage_changes.push(StageChangeRow {
                    model: checkpoint.name.clone(),
                    parent: parent.to_owned(),
                    task: task.clone(),
                    metric: column.clone(),
                    n_prompts: paired.n_prompts,
                    change: paired.change,
                    change_pct: paired.change_pct,
                });
            }
        }
    }
    Ok(())
}

/// Two checkpoints' means of one column on one task over the prompts both have, and
/// their change, each with a paired interval.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PairedChange {
    /// Prompts both have.
    pub n_prompts: usize,
    /// The earlier (or baseline) checkpoint's mean.
    pub before: Interval,
    /// The later (or compared) checkpoint's mean.
    pub after: Interval,
    /// after − before.
    pub change: Interval,
    /// (after − before) / before · 100.
    pub change_pct: Interval,
}

/// Checkpoint `after` against checkpoint `before` on `column` of `task`: both means over
/// the prompts both have (NaN values dropped from each mean) and the change, resampled
/// together at the same prompts (a paired interval). `None` when they share no prompt or
/// the change is undefined.
pub(crate) fn paired_change(
    table: &PerPromptTable,
    after: &str,
    before: &str,
    task: &str,
    column: &str,
    bootstrap: &Bootstrap,
) -> Result<Option<PairedChange>, StudyError> {
    let Some((ids, arrays)) = table.aligned(&[after, before], task, column)? else { return Ok(None) };
    let statistic = |idx: &[usize], out: &mut [f64]| {
        let (after, before) = (nanmean_at(&arrays[0], idx), nanmean_at(&arrays[1], idx));
        out.copy_from_slice(&[after - before, (after - before) / before * 100.0, before, after]);
    };
    let everything: Vec<usize> = (0..ids.len()).collect();
    let mut point = [0.0; 4];
    statistic(&everything, &mut point);
    if ids.is_empty() || !point[0].is_finite() {
        return Ok(None);
    }
    let intervals = bootstrap.intervals_or_points(ids.len(), 4, statistic)?;
    Ok(Some(PairedChange {
        n_prompts: ids.len(),
        change: intervals[0],
        change_pct: intervals[1],
        before: intervals[2],
        after: intervals[3],
    }))
}

fn attribution(
    lineage: &Lineage,
    table: &PerPromptTable,
    tasks: &[String],
    config: BootstrapConfig,
    results: &mut StudyResults,
) -> Result<(), StudyError> {
    if !table.has_column(ATTRIBUTION_COLUMN) {
        results.notes.push(format!("no `{ATTRIBUTION_COLUMN}` column: no stage attribution"));
        return Ok(());
    }
    let plan = AttributionPlan::new(lineage)?;
    let names = plan.names();
    let checkpoints = plan.checkpoints();
    let all: Vec<&str> = lineage.checkpoints.iter().map(|c| c.name.as_str()).collect();
    // Per task: replicates of every quantity and of every checkpoint's mean relative to base.
    let mut quantity_replicates: Vec<Vec<Vec<f64>>> = Vec::new();
    let mut quantity_points: Vec<Vec<f64>> = Vec::new();
    let mut retention_replicates: Vec<Vec<Vec<f64>>> = Vec::new();
    let mut retention_points: Vec<Vec<f64>> = Vec::new();
    let mut retained_models: Option<Vec<&str>> = None;
    let mut n_total = 0;
    for task in tasks {
        let Some((ids, arrays)) = table.aligned(&checkpoints, task, ATTRIBUTION_COLUMN)? else {
            results.notes.push(format!("task `{task}`: not every checkpoint of the attribution has rows; skipped"));
            continue;
        };
        let n = ids.len();
        if n < 2 {
            results.notes.push(format!("task `{task}`: fewer than 2 prompts shared by the lineage; skipped"));
            continue;
        }
        n_total += n;
        let bootstrap = Bootstrap::new(BootstrapConfig { seed: task_seed(config.seed, task), ..config });
        let quantities = |idx: &[usize], out: &mut [f64]| {
            let means: Vec<f64> = arrays.iter().map(|a| nanmean_at(a, idx)).collect();
            let values = plan
                .task_values(|c| Ok::<f64, ()>(means[checkpoints.iter().position(|x| *x == c).unwrap_or(0)]))
                .unwrap_or_default();
            out.copy_from_slice(&values);
        };
        let intervals = bootstrap.intervals(n, names.len(), quantities)?;
        for (name, estimate) in names.iter().zip(&intervals) {
            results.attribution.push(AttributionRow {
                task: task.clone(),
                quantity: (*name).to_owned(),
                n_prompts: n,
                estimate: *estimate,
            });
        }
        quantity_points.push(intervals.iter().map(|i| i.estimate).collect());
        quantity_replicates.push(bootstrap.replicates(n, names.len(), &quantities)?);

        // Retention of every checkpoint present on the task (both conventions need the
        // per-task means of the checkpoint and the base).
        let present: Vec<&str> = all
            .iter()
            .copied()
            .filter(|m| table.values(m, task, ATTRIBUTION_COLUMN).ok().flatten().is_some())
            .collect();
        let retained = retained_models.get_or_insert_with(|| present.clone());
        retained.retain(|m| present.contains(m));
        let Some((_, retained_arrays)) = table.aligned(&present, task, ATTRIBUTION_COLUMN)? else { continue };
        let means = |idx: &[usize], out: &mut [f64]| {
            for (slot, array) in out.iter_mut().zip(&retained_arrays) {
                *slot = nanmean_at(array, idx);
            }
        };
        let mut point = vec![0.0; present.len()];
        means(&(0..retained_arrays[0].len()).collect::<Vec<_>>(), &mut point);
        let n_retained = retained_arrays[0].len();
        let replicates =
            if n_retained >= 2 { bootstrap.replicates(n_retained, present.len(), &means)? } else { Vec::new() };
        // Store by model name order of `all` (NaN when absent).
        let reorder = |row: &[f64]| -> Vec<f64> {
            all.iter().map(|m| present.iter().position(|p| p == m).map_or(f64::NAN, |i| row[i])).collect()
        };
        retention_points.push(reorder(&point));
        retention_replicates.push(replicates.iter().map(|r| reorder(r)).collect());
    }
    if quantity_points.is_empty() {
        return Ok(());
    }
    // The average row: unweighted mean over tasks; stratified percentile interval.
    let percentile = BootstrapConfig { method: IntervalMethod::Percentile, ..config };
    for (q, name) in names.iter().enumerate() {
        let point = quantity_points.iter().map(|p| p[q]).sum::<f64>() / quantity_points.len() as f64;
        let replicates: Vec<f64> = (0..config.resamples)
            .map(|b| quantity_replicates.iter().map(|r| r[b][q]).sum::<f64>() / quantity_replicates.len() as f64)
            .collect();
        results.attribution.push(AttributionRow {
            task: AVERAGE_TASK.to_owned(),
            quantity: (*name).to_owned(),
            n_prompts: n_total,
            estimate: interval_from_replicates(point, replicates, None, &percentile),
        });
    }
    // Retention over tasks, both conventions, for the checkpoints present on every task.
    let base_index = all.iter().position(|m| *m == lineage.base().name).unwrap_or(0);
    let retained = retained_models.unwrap_or_default();
    let complete = retention_replicates.iter().all(|r| r.len() == config.resamples);
    for (m, model) in all.iter().enumerate() {
        if m == base_index || !retained.contains(model) || !complete {
            continue;
        }
        for convention in [RetentionConvention::MeanOfTaskPercentages, RetentionConvention::RatioOfTaskMeans] {
            let combine = |rows: &mut dyn Iterator<Item = &Vec<f64>>| -> f64 {
                let rows: Vec<&Vec<f64>> = rows.collect();
                match convention {
                    RetentionConvention::MeanOfTaskPercentages => {
                        rows.iter().map(|r| r[m] / r[base_index] * 100.0).sum::<f64>() / rows.len() as f64
                    }
                    RetentionConvention::RatioOfTaskMeans => {
                        let model_sum: f64 = rows.iter().map(|r| r[m]).sum();
                        let base_sum: f64 = rows.iter().map(|r| r[base_index]).sum();
                        model_sum / base_sum * 100.0
                    }
                }
            };
            let point = combine(&mut retention_points.iter());
            let replicates: Vec<f64> =
                (0..config.resamples).map(|b| combine(&mut retention_replicates.iter().map(|r| &r[b]))).collect();
            results.retention.push(RetentionRow {
                model: model.to_string(),
                convention,
                estimate: interval_from_replicates(point, replicates, None, &percentile),
            });
        }
    }
    Ok(())
}

fn decompositions(
    lineage: &Lineage,
    table: &PerPromptTable,
    tasks: &[String],
    config: BootstrapConfig,
    results: &mut StudyResults,
) -> Result<(), StudyError> {
    let base = &lineage.base().name;
    for task in tasks {
        let Some(base_columns) = table.columns(base, task)? else { continue };
        if base_columns.k_correct.iter().all(|k| k.is_nan()) {
            continue; // not a labelled task
        }
        let bootstrap = Bootstrap::new(BootstrapConfig { seed: task_seed(config.seed, task), ..config });
        for checkpoint in lineage.checkpoints.iter().filter(|c| c.stage != Stage::Base) {
            let Some(columns) = table.columns(&checkpoint.name, task)? else { continue };
            results.decomposition.push(DecompositionRow {
                model: checkpoint.name.clone(),
                task: task.clone(),
                decomposition: matched_decomposition(&base_columns, &columns, &bootstrap)?,
            });
        }
    }
    Ok(())
}

fn think_suppression(
    lineage: &Lineage,
    table: &PerPromptTable,
    tasks: &[String],
    config: BootstrapConfig,
    results: &mut StudyResults,
) -> Result<(), StudyError> {
    for suppressed in lineage.checkpoints.iter().filter(|c| c.no_think) {
        let Some(thinking) = lineage
            .checkpoints
            .iter()
            .find(|c| !c.no_think && c.lineage == suppressed.lineage && c.stage == suppressed.stage)
        else {
            results.notes.push(format!("`{}`: no thinking counterpart at the same stage", suppressed.name));
            continue;
        };
        let pair = [thinking.name.as_str(), suppressed.name.as_str()];
        for task in tasks {
            let Some((ids, diversity)) = table.aligned(&pair, task, ATTRIBUTION_COLUMN)? else { continue };
            let Some((acc_ids, accuracy)) = table.aligned(&pair, task, "acc1")? else { continue };
            debug_assert_eq!(ids, acc_ids);
            if ids.len() < 2 {
                continue;
            }
            let bootstrap = Bootstrap::new(BootstrapConfig { seed: task_seed(config.seed, task), ..config });
            let statistic = |idx: &[usize], out: &mut [f64]| {
                out[0] = (nanmean_at(&accuracy[0], idx) - nanmean_at(&accuracy[1], idx)) * 100.0;
                let (with, without) = (nanmean_at(&diversity[0], idx), nanmean_at(&diversity[1], idx));
                out[1] = without - with;
                out[2] = (without - with) / with * 100.0;
            };
            let intervals = bootstrap.intervals(ids.len(), 3, statistic)?;
            results.think.push(ThinkRow {
                model: thinking.name.clone(),
                no_think_model: suppressed.name.clone(),
                task: task.clone(),
                n_prompts: ids.len(),
                accuracy_drop_pp: intervals[0],
                diversity_change: intervals[1],
                diversity_change_pct: intervals[2],
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;
    use crate::analysis::attribution::{MetricTable, stage_attribution};

    const LINEAGE: &str = r#"name = "t"
[[checkpoint]]
name = "B"
lineage = "base"
stage = "base"
[[checkpoint]]
name = "S"
lineage = "think"
stage = "sft"
parent = "B"
[[checkpoint]]
name = "R"
lineage = "think"
stage = "rl"
parent = "S"
[[checkpoint]]
name = "R-nt"
lineage = "think"
stage = "rl"
parent = "S"
no_think = true
[[checkpoint]]
name = "Z1"
lineage = "rl-zero"
stage = "rl"
parent = "B"
[[checkpoint]]
name = "Z2"
lineage = "rl-zero"
stage = "rl"
parent = "B"
"#;

    /// A table with a deterministic, model-dependent diversity and accuracy per prompt.
    fn table() -> PerPromptTable {
        let models = ["B", "S", "R", "R-nt", "Z1", "Z2"];
        let (mut m, mut t, mut id, mut d, mut acc, mut k) = (vec![], vec![], vec![], vec![], vec![], vec![]);
        for task in ["a", "b", "c"] {
            for (level, model) in models.iter().enumerate() {
                for p in 0..30 {
                    m.push(model.to_string());
                    t.push(task.to_string());
                    id.push(p.to_string());
                    d.push(0.6 - 0.07 * level as f64 + 0.01 * ((p * 7 + level) % 5) as f64);
                    acc.push(f64::from(u8::from((p + level) % 3 != 0)));
                    k.push(((p + 2 * level) % 17) as f64);
                }
            }
        }
        let d_correct: Vec<f64> = d.iter().zip(&k).map(|(d, k)| if *k >= 2.0 { d - 0.05 } else { f64::NAN }).collect();
        let frame = df!(
            "model" => m, "task" => t, "input_id" => id, "k_correct" => k, "acc1" => acc,
            "d_all_sbert" => d, "d_correct_sbert" => d_correct.clone(), "d_correct_vendi" => d_correct,
        )
        .unwrap();
        PerPromptTable::from_frame(frame, "test").unwrap()
    }

    #[test]
    fn attribution_point_estimates_equal_the_attribution_of_the_means() {
        let lineage = Lineage::parse(LINEAGE, "test").unwrap();
        let table = table();
        let config = BootstrapConfig { resamples: 300, ..BootstrapConfig::default() };
        let results = run_study(&lineage, &table, config).unwrap();
        // The same quantities from per-checkpoint means, through the published-table path.
        let mut means = MetricTable::default();
        for row in results.metrics.iter().filter(|r| r.metric == ATTRIBUTION_COLUMN) {
            means.insert(&row.model, &row.task, row.estimate.estimate);
        }
        let frame = stage_attribution(&lineage, &means).unwrap();
        let (tasks, quantities, values) = (
            frame.column("task").unwrap().str().unwrap(),
            frame.column("quantity").unwrap().str().unwrap(),
            frame.column("value").unwrap().f64().unwrap(),
        );
        assert_eq!(frame.height(), results.attribution.len());
        for i in 0..frame.height() {
            let row = results
                .attribution
                .iter()
                .find(|r| Some(r.task.as_str()) == tasks.get(i) && Some(r.quantity.as_str()) == quantities.get(i))
                .unwrap();
            let expected = values.get(i).unwrap();
            assert!((row.estimate.estimate - expected).abs() < 1e-9, "{row:?} vs {expected}");
            assert!(row.estimate.low <= row.estimate.estimate && row.estimate.estimate <= row.estimate.high, "{row:?}");
        }
        // Retention in both conventions for every non-base checkpoint present on all tasks.
        assert_eq!(results.retention.len(), 5 * 2);
        // Think suppression: one row per task for R-nt against R.
        assert_eq!(results.think.len(), 3);
        assert!(results.think.iter().all(|r| r.model == "R" && r.no_think_model == "R-nt" && r.n_prompts == 30));
        // The decomposition of every non-base checkpoint on every labelled task.
        assert_eq!(results.decomposition.len(), 5 * 3);
    }

    #[test]
    fn results_do_not_depend_on_thread_count() {
        let lineage = Lineage::parse(LINEAGE, "test").unwrap();
        let table = table();
        let config = BootstrapConfig { resamples: 200, ..BootstrapConfig::default() };
        let run = || serde_json::to_string(&run_study(&lineage, &table, config).unwrap()).unwrap();
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(run);
        let two = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap().install(run);
        assert_eq!(one, two);
    }
}
