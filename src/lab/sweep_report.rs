//! Tables, figure and report of the data-composition sweep, read off the lineage study
//! of the sweep's checkpoints (stage attribution with paired bootstrap intervals).
//!
//! Files under the output folder:
//! * `sweep.csv`: `teachers,stage,task,value,ci_low,ci_high,n_prompts`: the change of
//!   SBERT diversity at the stage, percent of Base (negative = loss), per task and the
//!   task `average`;
//! * `sweep_accuracy.csv`: `teachers,checkpoint,value,ci_low,ci_high`: accuracy@1 on
//!   the verifiable task (teachers empty for the base);
//! * `sweep.md`; and `diversity_vs_teachers.png|svg` in the figures folder.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::sweep::{SweepPlan, arm_names};
use super::world::LabTask;
use crate::analysis::attribution::{AVERAGE_TASK, quantity_prefix};
use crate::analysis::paper_reproduction::relative_to;
use crate::analysis::report::{ReportError, cell, interval_cells, write};
use crate::analysis::study::StudyResults;
use crate::plot::style::categorical;
use crate::plot::trajectory::{Estimate, StageTrajectoryFigure, Trajectory};
use crate::plot::{Theme, save};
use crate::stats::bootstrap::Interval;

/// The diversity change of one stage of one arm on one task.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SweepRow {
    /// Teachers in the arm's SFT data.
    pub teachers: usize,
    /// `sft` or `dpo`.
    pub stage: &'static str,
    /// Task, or `average`.
    pub task: String,
    /// Prompts the paired interval resamples.
    pub n_prompts: usize,
    /// Change of SBERT diversity, percent of Base, with its interval.
    pub change: Interval,
}

/// Accuracy@1 of one checkpoint on the verifiable task.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SweepAccuracy {
    /// Teachers of the arm (none for the base).
    pub teachers: Option<usize>,
    /// Checkpoint.
    pub checkpoint: String,
    /// Mean accuracy@1 over prompts, with its interval.
    pub accuracy: Interval,
}

/// The sweep's rows, in plan order (arm, stage, then the study's task order and the
/// average).
pub fn sweep_rows(plan: &SweepPlan, results: &StudyResults) -> Vec<SweepRow> {
    let mut tasks = results.tasks.clone();
    tasks.push(AVERAGE_TASK.to_owned());
    let mut rows = Vec::new();
    for &teachers in &plan.teacher_counts {
        let prefix = quantity_prefix(&format!("t{teachers}"));
        for stage in ["sft", "dpo"] {
            let quantity = format!("{prefix}_{stage}");
            for task in &tasks {
                if let Some(row) = results.attribution.iter().find(|r| r.quantity == quantity && &r.task == task) {
                    rows.push(SweepRow {
                        teachers,
                        stage,
                        task: task.clone(),
                        n_prompts: row.n_prompts,
                        change: row.estimate,
                    });
                }
            }
        }
    }
    rows
}

/// Accuracy@1 on `lab_sums` of the base and of every arm's checkpoints.
pub fn sweep_accuracy(plan: &SweepPlan, results: &StudyResults) -> Vec<SweepAccuracy> {
    let find = |model: &str| {
        results
            .metrics
            .iter()
            .find(|r| r.metric == "acc1" && r.model == model && r.task == LabTask::Sums.name())
            .map(|r| r.estimate)
    };
    let mut rows: Vec<SweepAccuracy> = find("base")
        .map(|accuracy| SweepAccuracy { teachers: None, checkpoint: "base".to_owned(), accuracy })
        .into_iter()
        .collect();
    for &teachers in &plan.teacher_counts {
        let (sft, dpo) = arm_names(teachers);
        for checkpoint in [sft, dpo] {
            if let Some(accuracy) = find(&checkpoint) {
                rows.push(SweepAccuracy { teachers: Some(teachers), checkpoint, accuracy });
            }
        }
    }
    rows
}

/// The figure: one panel per task (and the average), the change at SFT and at DPO
/// against the number of teachers, with interval bands.
pub fn sweep_figure(plan: &SweepPlan, rows: &[SweepRow]) -> StageTrajectoryFigure {
    let tasks = row_tasks(rows);
    let panels = tasks
        .iter()
        .map(|task| {
            let trajectories = [("SFT", "sft"), ("DPO", "dpo")]
                .iter()
                .enumerate()
                .map(|(index, (label, stage))| Trajectory {
                    label: format!("change at {label}"),
                    color: categorical(index),
                    dashed: false,
                    markers_only: false,
                    points: plan
                        .teacher_counts
                        .iter()
                        .enumerate()
                        .filter_map(|(position, teachers)| {
                            rows.iter().find(|r| r.teachers == *teachers && r.stage == *stage && r.task == *task).map(
                                |r| {
                                    let c = &r.change;
                                    (position, Estimate { value: c.estimate, low: c.low, high: c.high })
                                },
                            )
                        })
                        .collect(),
                })
                .collect();
            ((*task).to_owned(), trajectories)
        })
        .collect();
    StageTrajectoryFigure {
        title: "SBERT diversity change (% of base) by SFT teachers".to_owned(),
        stages: plan.teacher_counts.iter().map(|n| format!("{n} teacher{}", if *n == 1 { "" } else { "s" })).collect(),
        panels,
        columns: 3,
    }
}

/// Writes the tables and `sweep.md` into `out` and the figure into `figures`; returns
/// the files written.
pub fn write_sweep(
    plan: &SweepPlan,
    results: &StudyResults,
    out: &Path,
    figures: &Path,
) -> Result<Vec<PathBuf>, ReportError> {
    let rows = sweep_rows(plan, results);
    let accuracy = sweep_accuracy(plan, results);
    let mut files = Vec::new();
    let mut csv = String::from("teachers,stage,task,value,ci_low,ci_high,n_prompts\n");
    for r in &rows {
        let _ = writeln!(csv, "{},{},{},{},{}", r.teachers, r.stage, r.task, interval_cells(&r.change), r.n_prompts);
    }
    files.push(out.join("sweep.csv"));
    write(&out.join("sweep.csv"), &csv)?;
    let mut csv = String::from("teachers,checkpoint,value,ci_low,ci_high\n");
    for r in &accuracy {
        let teachers = r.teachers.map(|t| t.to_string()).unwrap_or_default();
        let _ = writeln!(csv, "{teachers},{},{}", r.checkpoint, interval_cells(&r.accuracy));
    }
    files.push(out.join("sweep_accuracy.csv"));
    write(&out.join("sweep_accuracy.csv"), &csv)?;
    let figure = sweep_figure(plan, &rows).validate()?;
    let stem = figures.join("diversity_vs_teachers");
    files.extend(save(&figure, &Theme::default(), &stem)?);
    let md = markdown(plan, &rows, &accuracy, &stem, out);
    files.push(out.join("sweep.md"));
    write(&out.join("sweep.md"), &md)?;
    Ok(files)
}

fn markdown(plan: &SweepPlan, rows: &[SweepRow], accuracy: &[SweepAccuracy], stem: &Path, out: &Path) -> String {
    let mut md = String::from("# Lab sweep: SFT teachers and diversity\n\n");
    let counts: Vec<String> = plan.teacher_counts.iter().map(usize::to_string).collect();
    let _ = writeln!(
        md,
        "SFT from the lab base on data written by {} teacher(s) ({} style), then DPO; everything else fixed. \
         Change of SBERT diversity at each stage, percent of the base's diversity (negative = loss), with paired \
         bootstrap intervals over prompts; `average` resamples tasks independently.\n",
        counts.join(", "),
        plan.style.name(),
    );
    let figure = relative_to(&stem.with_extension("png"), out);
    let _ = writeln!(md, "![diversity change against teachers]({figure})\n");
    let tasks = row_tasks(rows);
    let _ = writeln!(md, "| teachers | stage | {} |", tasks.join(" | "));
    let _ = writeln!(md, "|---:|---|{}", "---:|".repeat(tasks.len()));
    for &teachers in &plan.teacher_counts {
        for stage in ["sft", "dpo"] {
            let cells: Vec<String> = tasks
                .iter()
                .map(|task| {
                    rows.iter()
                        .find(|r| r.teachers == teachers && r.stage == stage && r.task == *task)
                        .map_or("–".to_owned(), |r| cell(&r.change, 1))
                })
                .collect();
            let _ = writeln!(md, "| {teachers} | {stage} | {} |", cells.join(" | "));
        }
    }
    if !accuracy.is_empty() {
        let _ = writeln!(md, "\n## Accuracy@1 on `{}`\n", LabTask::Sums.name());
        let _ = writeln!(md, "| checkpoint | accuracy@1 |\n|---|---:|");
        for r in accuracy {
            let _ = writeln!(md, "| {} | {} |", r.checkpoint, cell(&r.accuracy, 3));
        }
    }
    md
}

/// The tasks of `rows` in order of first appearance (the study's order, then `average`).
fn row_tasks(rows: &[SweepRow]) -> Vec<&str> {
    let mut tasks: Vec<&str> = Vec::new();
    for row in rows {
        if !tasks.contains(&row.task.as_str()) {
            tasks.push(&row.task);
        }
    }
    tasks
}
