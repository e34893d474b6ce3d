//! Stage attribution (methodology §4.2): where along each lineage diversity is lost.
//!
//! For a metric `D` (the paper uses per-input SBERT means) and each task:
//!
//! ```text
//! <lineage>_<stage>  = (D_stage − D_parent(stage)) / D_Base · 100      (sft, dpo, rl)
//! <lineage>_retain   = D_last / D_Base · 100
//! <zero>_retain      = mean over the lineage's checkpoints of D_ckpt / D_Base · 100
//! ```
//!
//! Every change is a share of the **Base** value, so for a chain lineage
//! `sft + dpo + rl = retain − 100`. Negative = loss. A lineage with an SFT stage is a
//! chain (Think, Instruct); one whose checkpoints all come straight from the base
//! (RL-Zero) only has a retention. Checkpoints sampled without thinking are left out.
//! The `average` row is the unweighted mean over tasks of the per-task percentages
//! ([`RetentionConvention::MeanOfTaskPercentages`], the paper's table); the other
//! convention the paper uses for per-variant claims, the ratio of task means, is
//! [`retention_ratio_of_means`].

use std::collections::HashMap;

use polars::prelude::*;

use super::lineage::{Checkpoint, Lineage, Stage};

/// The name of the across-task row.
pub const AVERAGE_TASK: &str = "average";

/// How a retention over several tasks is aggregated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RetentionConvention {
    /// Unweighted mean over tasks of the per-task percentages (the paper's table row).
    MeanOfTaskPercentages,
    /// `mean_t D_model / mean_t D_Base · 100` (the paper's per-variant claims).
    RatioOfTaskMeans,
}

impl RetentionConvention {
    /// The convention's name in tables (`mean_of_task_percentages`, `ratio_of_task_means`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MeanOfTaskPercentages => "mean_of_task_percentages",
            Self::RatioOfTaskMeans => "ratio_of_task_means",
        }
    }
}

/// Errors of the attribution.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AttributionError {
    /// The input frame lacks a column or has the wrong type.
    #[error("metric frame: {0}")]
    Frame(#[from] PolarsError),
    /// A checkpoint of the lineage has no value for a task.
    #[error("no value for checkpoint `{checkpoint}` on task `{task}`")]
    Missing {
        /// The checkpoint.
        checkpoint: String,
        /// The task.
        task: String,
    },
    /// The base value is zero or not finite, so shares are undefined.
    #[error("base value on task `{task}` is {value}; shares of it are undefined")]
    BaseValue {
        /// The task.
        task: String,
        /// The value found.
        value: f64,
    },
    /// A lineage has more than one checkpoint for the same stage.
    #[error("lineage `{lineage}` has more than one {stage} checkpoint")]
    AmbiguousStage {
        /// The lineage.
        lineage: String,
        /// The stage.
        stage: &'static str,
    },
}

/// A per-checkpoint metric: value by (model, task), with tasks in first-seen order.
#[derive(Debug, Clone, Default)]
pub struct MetricTable {
    values: HashMap<(String, String), f64>,
    tasks: Vec<String>,
}

impl MetricTable {
    /// From a frame with columns `model`, `task` (str) and `value` (f64).
    pub fn from_frame(frame: &DataFrame) -> Result<Self, AttributionError> {
        let models = frame.column("model")?.str()?;
        let tasks = frame.column("task")?.str()?;
        let values = frame.column("value")?.f64()?;
        let mut table = Self::default();
        for ((model, task), value) in models.into_iter().zip(tasks).zip(values) {
            if let (Some(model), Some(task), Some(value)) = (model, task, value) {
                table.insert(model, task, value);
            }
        }
        Ok(table)
    }

    /// Adds or replaces one value.
    pub fn insert(&mut self, model: &str, task: &str, value: f64) {
        if !self.tasks.iter().any(|t| t == task) {
            self.tasks.push(task.to_owned());
        }
        self.values.insert((model.to_owned(), task.to_owned()), value);
    }

    /// Tasks in first-seen order.
    pub fn tasks(&self) -> &[String] {
        &self.tasks
    }

    /// Every `(model, task, value)`, in no particular order.
    pub fn entries(&self) -> Vec<(String, String, f64)> {
        self.values.iter().map(|((m, t), v)| (m.clone(), t.clone(), *v)).collect()
    }

    /// The value of `model` on `task`.
    pub fn get(&self, model: &str, task: &str) -> Result<f64, AttributionError> {
        self.values
            .get(&(model.to_owned(), task.to_owned()))
            .copied()
            .ok_or_else(|| AttributionError::Missing { checkpoint: model.to_owned(), task: task.to_owned() })
    }
}

/// One attribution quantity: its name (`think_sft`, `rlzero_retain`, …) and how to
/// compute it for one task.
#[derive(Debug, Clone)]
enum Quantity<'a> {
    Change { name: String, checkpoint: &'a Checkpoint },
    Retain { name: String, checkpoints: Vec<&'a Checkpoint> },
}

impl Quantity<'_> {
    fn name(&self) -> &str {
        match self {
            Self::Change { name, .. } | Self::Retain { name, .. } => name,
        }
    }
}

/// `rl-zero` → `rlzero`: lineage names as they appear in quantity names.
pub fn quantity_prefix(lineage: &str) -> String {
    lineage.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_lowercase()
}

fn quantities(lineage: &Lineage) -> Result<Vec<Quantity<'_>>, AttributionError> {
    let mut out = Vec::new();
    for name in lineage.lineage_names() {
        let members = lineage.members(name, false);
        let prefix = quantity_prefix(name);
        let has_sft = members.iter().any(|c| c.stage == Stage::Sft);
        if has_sft {
            let mut last = None;
            for stage in [Stage::Sft, Stage::Dpo, Stage::Rl] {
                let at_stage: Vec<_> = members.iter().filter(|c| c.stage == stage).collect();
                if at_stage.len() > 1 {
                    return Err(AttributionError::AmbiguousStage { lineage: name.to_owned(), stage: stage.as_str() });
                }
                if let Some(checkpoint) = at_stage.first() {
                    out.push(Quantity::Change { name: format!("{prefix}_{}", stage.as_str()), checkpoint });
                    last = Some(**checkpoint);
                }
            }
            if let Some(last) = last {
                out.push(Quantity::Retain { name: format!("{prefix}_retain"), checkpoints: vec![last] });
            }
        } else if !members.is_empty() {
            out.push(Quantity::Retain { name: format!("{prefix}_retain"), checkpoints: members });
        }
    }
    Ok(out)
}

/// The attribution quantities of a lineage (`think_sft`, …, `rlzero_retain`) and how each
/// is computed from per-checkpoint values of one task (methodology §4.2).
#[derive(Debug, Clone)]
pub struct AttributionPlan<'a> {
    base: &'a str,
    quantities: Vec<Quantity<'a>>,
}

impl<'a> AttributionPlan<'a> {
    /// The plan for a lineage.
    pub fn new(lineage: &'a Lineage) -> Result<Self, AttributionError> {
        Ok(Self { base: lineage.base().name.as_str(), quantities: quantities(lineage)? })
    }

    /// Quantity names in order.
    pub fn names(&self) -> Vec<&str> {
        self.quantities.iter().map(Quantity::name).collect()
    }

    /// Every checkpoint a quantity reads (the base, stages, parents, variants).
    pub fn checkpoints(&self) -> Vec<&'a str> {
        let mut out = vec![self.base];
        let mut add = |name: &'a str| {
            if !out.contains(&name) {
                out.push(name);
            }
        };
        for quantity in &self.quantities {
            match quantity {
                Quantity::Change { checkpoint, .. } => {
                    add(checkpoint.name.as_str());
                    add(checkpoint.parent.as_deref().unwrap_or(self.base));
                }
                Quantity::Retain { checkpoints, .. } => checkpoints.iter().for_each(|c| add(c.name.as_str())),
            }
        }
        out
    }

    /// The quantities of one task, in percent of Base, from the checkpoints' values
    /// (`value(checkpoint)`); the first error is returned.
    pub fn task_values<E>(&self, value: impl Fn(&str) -> Result<f64, E>) -> Result<Vec<f64>, E> {
        let base_value = value(self.base)?;
        self.quantities
            .iter()
            .map(|quantity| {
                Ok(match quantity {
                    Quantity::Change { checkpoint, .. } => {
                        let parent = checkpoint.parent.as_deref().unwrap_or(self.base);
                        (value(&checkpoint.name)? - value(parent)?) / base_value * 100.0
                    }
                    Quantity::Retain { checkpoints, .. } => {
                        let mut sum = 0.0;
                        for checkpoint in checkpoints {
                            sum += value(&checkpoint.name)? / base_value * 100.0;
                        }
                        sum / checkpoints.len() as f64
                    }
                })
            })
            .collect()
    }
}

/// Stage attribution for every task of `table` and the `average` row, as a long frame
/// with columns `task`, `quantity`, `value` (percent; negative = loss).
pub fn stage_attribution(lineage: &Lineage, table: &MetricTable) -> Result<DataFrame, AttributionError> {
    let plan = AttributionPlan::new(lineage)?;
    let quantities = &plan.quantities;
    let base = lineage.base().name.as_str();
    let mut rows: Vec<(String, String, f64)> = Vec::new();
    let mut per_quantity: Vec<Vec<f64>> = vec![Vec::new(); quantities.len()];
    for task in table.tasks() {
        let base_value = table.get(base, task)?;
        if base_value == 0.0 || !base_value.is_finite() {
            return Err(AttributionError::BaseValue { task: task.clone(), value: base_value });
        }
        let values = plan.task_values(|checkpoint| table.get(checkpoint, task))?;
        for (index, (quantity, value)) in quantities.iter().zip(values).enumerate() {
            per_quantity[index].push(value);
            rows.push((task.clone(), quantity.name().to_owned(), value));
        }
    }
    for (quantity, values) in quantities.iter().zip(&per_quantity) {
        let mean = values.iter().sum::<f64>() / values.len().max(1) as f64;
        rows.push((AVERAGE_TASK.to_owned(), quantity.name().to_owned(), mean));
    }
    let (tasks, names, values): (Vec<String>, Vec<String>, Vec<f64>) =
        rows.into_iter().fold((Vec::new(), Vec::new(), Vec::new()), |mut acc, (t, q, v)| {
            acc.0.push(t);
            acc.1.push(q);
            acc.2.push(v);
            acc
        });
    Ok(DataFrame::new(vec![
        Column::new("task".into(), tasks),
        Column::new("quantity".into(), names),
        Column::new("value".into(), values),
    ])?)
}

/// Retention of `model` over `tasks` by the chosen convention, in percent of Base.
pub fn retention(
    table: &MetricTable,
    model: &str,
    base: &str,
    tasks: &[String],
    convention: RetentionConvention,
) -> Result<f64, AttributionError> {
    match convention {
        RetentionConvention::MeanOfTaskPercentages => {
            let mut sum = 0.0;
            for task in tasks {
                sum += table.get(model, task)? / table.get(base, task)? * 100.0;
            }
            Ok(sum / tasks.len() as f64)
        }
        RetentionConvention::RatioOfTaskMeans => retention_ratio_of_means(table, model, base, tasks),
    }
}

/// `mean_t D_model / mean_t D_base · 100`: the convention of the paper's per-variant
/// claims ("RL-Zero-IF retains 99%").
pub fn retention_ratio_of_means(
    table: &MetricTable,
    model: &str,
    base: &str,
    tasks: &[String],
) -> Result<f64, AttributionError> {
    let mut model_sum = 0.0;
    let mut base_sum = 0.0;
    for task in tasks {
        model_sum += table.get(model, task)?;
        base_sum += table.get(base, task)?;
    }
    Ok(model_sum / base_sum * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> (Lineage, MetricTable) {
        let lineage = Lineage::parse(
            r#"name = "toy"
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
name = "D"
lineage = "think"
stage = "dpo"
parent = "S"
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
"#,
            "toy",
        )
        .unwrap();
        let mut table = MetricTable::default();
        for (model, task, value) in [
            ("B", "a", 0.5),
            ("S", "a", 0.25),
            ("D", "a", 0.2),
            ("Z1", "a", 0.5),
            ("Z2", "a", 0.4),
            ("B", "b", 1.0),
            ("S", "b", 1.0),
            ("D", "b", 0.5),
            ("Z1", "b", 1.0),
            ("Z2", "b", 1.0),
        ] {
            table.insert(model, task, value);
        }
        (lineage, table)
    }

    fn value(frame: &DataFrame, task: &str, quantity: &str) -> f64 {
        let tasks = frame.column("task").unwrap().str().unwrap();
        let quantities = frame.column("quantity").unwrap().str().unwrap();
        let values = frame.column("value").unwrap().f64().unwrap();
        (0..frame.height())
            .find(|&i| tasks.get(i) == Some(task) && quantities.get(i) == Some(quantity))
            .and_then(|i| values.get(i))
            .unwrap_or_else(|| panic!("no {task}/{quantity}"))
    }

    #[test]
    fn changes_are_shares_of_base_and_sum_to_retention_minus_100() {
        let (lineage, table) = toy();
        let frame = stage_attribution(&lineage, &table).unwrap();
        assert_eq!(value(&frame, "a", "think_sft"), -50.0);
        assert!((value(&frame, "a", "think_dpo") - -10.0).abs() < 1e-12);
        assert!((value(&frame, "a", "think_retain") - 40.0).abs() < 1e-12);
        assert!((value(&frame, "a", "rlzero_retain") - 90.0).abs() < 1e-12);
        assert_eq!(value(&frame, "average", "think_sft"), -25.0);
        assert!((value(&frame, "average", "rlzero_retain") - 95.0).abs() < 1e-12);
        assert_eq!(frame.height(), 3 * 4);
    }

    #[test]
    fn the_two_retention_conventions_differ_as_defined() {
        let (_, table) = toy();
        let tasks = table.tasks().to_vec();
        let mean_of_pct = retention(&table, "D", "B", &tasks, RetentionConvention::MeanOfTaskPercentages).unwrap();
        let ratio = retention(&table, "D", "B", &tasks, RetentionConvention::RatioOfTaskMeans).unwrap();
        assert!((mean_of_pct - 45.0).abs() < 1e-12);
        assert!((ratio - 0.7 / 1.5 * 100.0).abs() < 1e-12);
    }

    #[test]
    fn a_missing_value_names_checkpoint_and_task() {
        let (lineage, mut table) = toy();
        table.insert("B", "c", 1.0);
        let error = stage_attribution(&lineage, &table).unwrap_err().to_string();
        assert!(error.contains("`S`") && error.contains("`c`"), "{error}");
    }
}
