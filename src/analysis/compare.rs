//! Two measurements of the same prompts compared metric by metric: a condition against a
//! baseline (the paper's Table 17 compares Base sampled at T = 0.6, top-p 0.95 with Base
//! at its recommended T = 1.0, top-p 0.7).
//!
//! Per task and metric, over the prompts both have (NaN values dropped from each mean):
//! the baseline's mean `b`, the condition's mean `c`, the change `c − b` and the change
//! in percent of the baseline `(c − b) / b · 100` (the paper's `delta_pct`), each with a
//! paired bootstrap interval over prompts (both means resampled at the same prompts).

use serde::Serialize;

use super::per_prompt::PerPromptTable;
use super::report::{field, interval_cells};
use super::study::{StudyError, paired_change, summarised_columns, task_seed};
use crate::stats::{Bootstrap, BootstrapConfig, Interval};

/// One metric on one task, condition against baseline.
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonRow {
    /// Task.
    pub task: String,
    /// Per-prompt column (`d_all_sbert`, `ead`, `vendi`, `nli`, `mean_words`, …).
    pub metric: String,
    /// Prompts both have.
    pub n_prompts: usize,
    /// The baseline's mean.
    pub baseline: Interval,
    /// The condition's mean.
    pub condition: Interval,
    /// condition − baseline.
    pub change: Interval,
    /// (condition − baseline) / baseline · 100.
    pub change_pct: Interval,
}

/// Compares model `condition` with model `baseline` of `table` on every task and every
/// summarised metric both have.
pub fn compare_models(
    table: &PerPromptTable,
    condition: &str,
    baseline: &str,
    config: BootstrapConfig,
) -> Result<Vec<ComparisonRow>, StudyError> {
    let mut rows = Vec::new();
    for task in table.tasks() {
        let bootstrap = Bootstrap::new(BootstrapConfig { seed: task_seed(config.seed, &task), ..config });
        for column in summarised_columns(table) {
            let Some(paired) = paired_change(table, condition, baseline, &task, &column, &bootstrap)? else { continue };
            rows.push(ComparisonRow {
                task: task.clone(),
                metric: column,
                n_prompts: paired.n_prompts,
                baseline: paired.before,
                condition: paired.after,
                change: paired.change,
                change_pct: paired.change_pct,
            });
        }
    }
    Ok(rows)
}

/// The rows as CSV: `task,metric,n_prompts`, then `baseline`, `condition`, `change` and
/// `change_pct`, each followed by `_ci_low` and `_ci_high`.
pub fn comparison_csv(rows: &[ComparisonRow]) -> String {
    let mut out = "task,metric,n_prompts".to_owned();
    for name in ["baseline", "condition", "change", "change_pct"] {
        out += &format!(",{name},{name}_ci_low,{name}_ci_high");
    }
    out.push('\n');
    for r in rows {
        let cells = [&r.baseline, &r.condition, &r.change, &r.change_pct].map(interval_cells);
        out += &format!("{},{},{},{}\n", field(&r.task), r.metric, r.n_prompts, cells.join(","));
    }
    out
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;

    #[test]
    fn the_change_is_paired_over_shared_prompts_and_in_percent_of_the_baseline() {
        let frame = df!(
            "model" => ["hot", "hot", "hot", "cold", "cold"],
            "task" => ["t"; 5],
            "input_id" => ["a", "b", "only_hot", "a", "b"],
            "k_correct" => [f64::NAN; 5],
            "acc1" => [f64::NAN; 5],
            "d_all_sbert" => [0.4, 0.6, 0.9, 0.3, 0.5],
            "d_correct_sbert" => [f64::NAN; 5],
            "d_correct_vendi" => [f64::NAN; 5],
        )
        .unwrap();
        let table = PerPromptTable::from_frame(frame, "test").unwrap();
        let config = BootstrapConfig { resamples: 200, ..BootstrapConfig::default() };
        let rows = compare_models(&table, "cold", "hot", config).unwrap();
        let row = rows.iter().find(|r| r.metric == "d_all_sbert").unwrap();
        assert_eq!(row.n_prompts, 2);
        assert!((row.baseline.estimate - 0.5).abs() < 1e-15 && (row.condition.estimate - 0.4).abs() < 1e-15);
        assert!((row.change.estimate + 0.1).abs() < 1e-12);
        assert!((row.change_pct.estimate + 20.0).abs() < 1e-9);
        assert!(row.change.low <= row.change.estimate && row.change.estimate <= row.change.high);
        let csv = comparison_csv(&rows);
        assert!(csv.starts_with("task,metric,n_prompts,baseline,baseline_ci_low,baseline_ci_high,condition,"));
        assert!(csv.lines().any(|l| l.starts_with("t,d_all_sbert,2,0.5,")));
    }

    /// The paper's Table 17 prints `delta_pct` beside the two temperatures' values: it is
    /// (T0.6 − T1.0) / T1.0 · 100, this module's `change_pct` with T = 1.0 as the
    /// baseline, up to the rounding of the printed values; its `mean` row averages the
    /// tasks' percentages.
    #[test]
    fn table_17_prints_the_change_in_percent_of_the_t1_baseline() {
        let frame = crate::analysis::paper::paper_tables().unwrap();
        let rows = frame.filter(&frame.column("table").unwrap().i64().unwrap().equal(17)).unwrap();
        let text = |name: &str| -> Vec<String> {
            rows.column(name).unwrap().str().unwrap().into_iter().map(|v| v.unwrap().to_owned()).collect()
        };
        let (tasks, quantities) = (text("task"), text("quantity"));
        let values: Vec<f64> = rows.column("value").unwrap().f64().unwrap().into_iter().map(Option::unwrap).collect();
        let value = |task: &str, quantity: &str| {
            let i = (0..tasks.len()).find(|&i| tasks[i] == task && quantities[i] == quantity).unwrap();
            values[i]
        };
        let mut checked = 0;
        for (task, quantity) in tasks.iter().zip(&quantities) {
            let Some(metric) = quantity.strip_suffix("_delta_pct") else { continue };
            let printed = value(task, quantity);
            if task == "mean" {
                // The `mean` row's change is the mean of the 15 tasks' printed changes,
                // not the change of the mean values.
                let changes: Vec<f64> = (0..tasks.len())
                    .filter(|&i| tasks[i] != "mean" && quantities[i] == *quantity)
                    .map(|i| values[i])
                    .collect();
                let mean = changes.iter().sum::<f64>() / changes.len() as f64;
                assert_eq!(changes.len(), 15);
                assert!((mean - printed).abs() <= 0.05 + 1e-9, "mean {metric}: {mean} vs {printed}");
                checked += 1;
                continue;
            }
            let (hot, cold) = (value(task, &format!("{metric}_T1.0")), value(task, &format!("{metric}_T0.6")));
            let computed = (cold - hot) / hot * 100.0;
            // Values print with 3 decimals: half a unit in each moves the ratio by at
            // most 0.0005·(1/hot + cold/hot²)·100; the percentage prints with 1 decimal.
            let rounding = 0.0005 * (1.0 / hot + cold / (hot * hot)) * 100.0 + 0.05;
            assert!((computed - printed).abs() <= rounding + 1e-9, "{task} {metric}: {computed} vs {printed}");
            checked += 1;
        }
        assert_eq!(checked, 64);
    }
}
