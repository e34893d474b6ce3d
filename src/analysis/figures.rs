//! Builds the publication figures from any source of per-checkpoint values: the
//! paper's published tables (point estimates) or this tool's own per-prompt tables
//! (estimates with bootstrap intervals). A source is a lookup `(model, task) → Estimate`.

use super::lineage::{Lineage, Stage};
use crate::plot::Theme;
use crate::plot::attribution::display_lineage;
use crate::plot::decomposition::{DecompositionBar, DecompositionFigure};
use crate::plot::dots::{DotPlotFigure, DotSeries};
use crate::plot::scatter::{ScatterFigure, ScatterPoint};
use crate::plot::trajectory::{Estimate, StageTrajectoryFigure, Trajectory};

/// The x positions of the stages.
pub const STAGES: [Stage; 4] = [Stage::Base, Stage::Sft, Stage::Dpo, Stage::Rl];

fn stage_position(stage: Stage) -> usize {
    STAGES.iter().position(|s| *s == stage).unwrap_or(0)
}

/// Whether a lineage is a chain (one checkpoint per stage) rather than a set of variants
/// at one stage (RL-Zero).
fn is_chain(lineage: &Lineage, name: &str) -> bool {
    let members = lineage.members(name, false);
    let mut stages: Vec<Stage> = members.iter().map(|c| c.stage).collect();
    stages.sort();
    stages.dedup();
    stages.len() == members.len()
}

/// Colour of lineage number `index` (0 = base) from the theme.
fn lineage_color(theme: &Theme, index: usize) -> plotters::style::RGBColor {
    theme.lineage_colors[index % theme.lineage_colors.len()]
}

/// Figure 1: diversity across stages per task, one line per lineage (dashed: thinking
/// suppressed), markers for variant sets; bands where the values carry intervals.
pub fn stage_trajectories(
    lineage: &Lineage,
    tasks: &[String],
    title: &str,
    value: &dyn Fn(&str, &str) -> Option<Estimate>,
) -> StageTrajectoryFigure {
    let theme = Theme::default();
    let base = lineage.base();
    let panels = tasks
        .iter()
        .map(|task| {
            let base_value = value(&base.name, task);
            let mut trajectories = Vec::new();
            for (index, name) in lineage.lineage_names().into_iter().enumerate() {
                let color = lineage_color(&theme, index + 1);
                let chain = is_chain(lineage, name);
                for no_think in [false, true] {
                    let members = lineage.members(name, no_think);
                    if members.is_empty() {
                        continue;
                    }
                    let mut points: Vec<(usize, Estimate)> = Vec::new();
                    if chain && let Some(b) = base_value {
                        points.push((0, b));
                    }
                    for member in members {
                        if let Some(v) = value(&member.name, task) {
                            points.push((stage_position(member.stage), v));
                        }
                    }
                    let suffix = if no_think { " w/o thinking" } else { "" };
                    trajectories.push(Trajectory {
                        label: format!("{}{suffix}", display_lineage(name)),
                        color,
                        dashed: no_think,
                        markers_only: !chain,
                        points,
                    });
                }
            }
            if let Some(b) = base_value {
                trajectories.push(Trajectory {
                    label: display_lineage(&base.name),
                    color: lineage_color(&theme, 0),
                    dashed: false,
                    markers_only: false,
                    points: vec![(0, b)],
                });
            }
            (task.clone(), trajectories)
        })
        .collect();
    StageTrajectoryFigure {
        title: title.to_owned(),
        stages: STAGES.iter().map(|s| display_lineage(s.as_str())).collect(),
        panels,
        columns: 5,
    }
}

/// Figure 3: the decomposition per task and checkpoint (every non-base checkpoint with
/// a value, in lineage order).
pub fn decomposition_figure(
    lineage: &Lineage,
    tasks: &[String],
    title: &str,
    bar: &dyn Fn(&str, &str) -> Option<DecompositionBar>,
) -> DecompositionFigure {
    let panels = tasks
        .iter()
        .map(|task| {
            let bars = lineage
                .checkpoints
                .iter()
                .filter(|c| c.stage != Stage::Base)
                .filter_map(|c| bar(&c.name, task))
                .collect();
            (task.clone(), bars)
        })
        .filter(|(_, bars): &(String, Vec<DecompositionBar>)| !bars.is_empty())
        .collect();
    DecompositionFigure { title: title.to_owned(), panels, columns: 4 }
}

/// Figure 4: accuracy@1 against the majority-vote gain (`mv@16 − acc@1`), both in
/// percent; colour = task, marker = lineage.
pub fn accuracy_gain_scatter(
    lineage: &Lineage,
    tasks: &[String],
    accuracy: &dyn Fn(&str, &str) -> Option<Estimate>,
    gain: &dyn Fn(&str, &str) -> Option<Estimate>,
) -> ScatterFigure {
    let mut lineages: Vec<String> = vec![lineage.base().lineage.clone()];
    lineages.extend(lineage.lineage_names().into_iter().map(str::to_owned));
    let mut points = Vec::new();
    for (task_index, task) in tasks.iter().enumerate() {
        for checkpoint in &lineage.checkpoints {
            let (Some(x), Some(y)) = (accuracy(&checkpoint.name, task), gain(&checkpoint.name, task)) else {
                continue;
            };
            let marker = lineages.iter().position(|l| *l == checkpoint.lineage).unwrap_or(0);
            points.push(ScatterPoint { x, y, color: task_index, marker });
        }
    }
    ScatterFigure {
        title: "Accuracy@1 against the majority-vote gain (mv@16 − acc@1)".into(),
        x_label: "accuracy@1 (%)".into(),
        y_label: "majority-vote gain (points)".into(),
        colors: tasks.to_vec(),
        markers: lineages.iter().map(|l| display_lineage(l)).collect(),
        points,
    }
}

/// Figure 5: a metric per task for chosen checkpoints (NLI diversity).
pub fn per_task_dots(
    lineage: &Lineage,
    tasks: &[String],
    models: &[String],
    title: &str,
    x_label: &str,
    value: &dyn Fn(&str, &str) -> Option<Estimate>,
) -> DotPlotFigure {
    let series = models
        .iter()
        .map(|model| DotSeries {
            label: model.clone(),
            color: checkpoint_color(lineage, model),
            values: tasks.iter().map(|t| value(model, t).unwrap_or(Estimate::point(f64::NAN))).collect(),
        })
        .collect();
    DotPlotFigure { title: title.to_owned(), x_label: x_label.to_owned(), rows: tasks.to_vec(), series }
}

/// The colour of a checkpoint's lineage.
fn checkpoint_color(lineage: &Lineage, model: &str) -> plotters::style::RGBColor {
    let theme = Theme::default();
    let Some(checkpoint) = lineage.get(model) else { return theme.foreground };
    let index = lineage.lineage_names().iter().position(|l| *l == checkpoint.lineage).map_or(0, |i| i + 1);
    lineage_color(&theme, index)
}

/// The base and the last checkpoint of every chain lineage (no thinking suppression):
/// the checkpoints a per-task comparison shows.
pub fn final_checkpoints(lineage: &Lineage) -> Vec<String> {
    let mut out = vec![lineage.base().name.clone()];
    for name in lineage.lineage_names() {
        if is_chain(lineage, name)
            && let Some(last) = lineage.members(name, false).into_iter().max_by_key(|c| c.stage)
        {
            out.push(last.name.clone());
        }
    }
    out
}

/// A curve of quality or diversity against the subset size k: one panel per task and
/// lineage, one line per stage of that lineage (Base, SFT, DPO, RL; checkpoints sampled
/// with thinking suppressed left out), coloured by stage, with bands from
/// `value(model, task, k)`.
pub fn curve_figure(
    lineage: &Lineage,
    tasks: &[String],
    k_max: usize,
    title: &str,
    value: &dyn Fn(&str, &str, usize) -> Option<Estimate>,
) -> StageTrajectoryFigure {
    // Ticks at powers of two and at K; the other positions stay unlabelled.
    let stages: Vec<String> =
        (1..=k_max).map(|k| if k.is_power_of_two() || k == k_max { k.to_string() } else { String::new() }).collect();
    let mut panels = Vec::new();
    for task in tasks {
        for name in lineage.lineage_names() {
            let mut members = vec![lineage.base()];
            members.extend(lineage.members(name, false).into_iter().filter(|c| c.stage != Stage::Base));
            members.sort_by_key(|c| c.stage);
            let lines: Vec<Trajectory> = members
                .iter()
                .filter_map(|checkpoint| {
                    let points: Vec<(usize, Estimate)> =
                        (1..=k_max).filter_map(|k| value(&checkpoint.name, task, k).map(|e| (k - 1, e))).collect();
                    (!points.is_empty()).then(|| Trajectory {
                        label: checkpoint.stage.as_str().to_uppercase().replace("BASE", "Base"),
                        color: crate::plot::style::categorical(checkpoint.stage as usize),
                        dashed: false,
                        markers_only: false,
                        points,
                    })
                })
                .collect();
            if lines.len() > 1 {
                panels.push((format!("{task} · {}", display_lineage(name)), lines));
            }
        }
    }
    StageTrajectoryFigure { title: title.to_owned(), stages, panels, columns: 3 }
}
