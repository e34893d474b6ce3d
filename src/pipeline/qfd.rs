//! The quality-filtered diversity and the matched decomposition of a per-prompt table in
//! the reference pipeline's `qfd_per_prompt.csv` schema (`divcollapse qfd`).
//!
//! Per (model, task): the paper-convention quality-filtered diversity
//! (`accuracy_at_1, mean_k_correct, d_all_sbert, d_correct_sbert, d_correct_vendi,
//! n_computable`) and, for every model other than the base, the matched decomposition
//! (`n_matched, delta_all, residual, quality_control, genuine_share`), every mean with
//! `_ci_low` and `_ci_high` (NaN written as null).

use serde_json::{Map, Value, json};

use super::{Progress, StageError};
use crate::analysis::decomposition::{matched_decomposition, quality_summary};
use crate::analysis::per_prompt::PerPromptTable;
use crate::stats::bootstrap::{Bootstrap, Interval};

/// Adds `name`, `name_ci_low` and `name_ci_high` to a record.
fn put_interval(record: &mut Map<String, Value>, name: &str, interval: &Interval) {
    record.insert(name.to_owned(), json!(finite(interval.estimate)));
    record.insert(format!("{name}_ci_low"), json!(finite(interval.low)));
    record.insert(format!("{name}_ci_high"), json!(finite(interval.high)));
}

/// NaN and infinities become JSON null.
fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

/// One JSON record per (model, task) of `table`, decomposed against the model `base`;
/// `origin` names the table in errors.
pub fn qfd_records(
    table: &PerPromptTable,
    origin: &str,
    base: &str,
    bootstrap: &Bootstrap,
    progress: &mut dyn Progress,
) -> Result<Vec<Value>, StageError> {
    let models = table.models();
    if !models.iter().any(|m| m == base) {
        return Err(StageError::Invalid(format!(
            "{origin}: --base `{base}` is not a model of the table (models: {})",
            models.join(", ")
        )));
    }
    let tasks = table.tasks();
    progress.start("(model, task)", Some((models.len() * tasks.len()) as u64));
    let mut records = Vec::new();
    for task in &tasks {
        let base_columns = table.columns(base, task)?;
        for model in &models {
            progress.tick();
            let Some(columns) = table.columns(model, task)? else { continue };
            let bootstrap_failed = |what: &str| {
                let context = format!("{what} {model} / {task}");
                move |e: Box<dyn std::error::Error + Send + Sync>| StageError::Statistics { context, source: e }
            };
            let summary =
                quality_summary(&columns, bootstrap).map_err(|e| bootstrap_failed("bootstrapping")(Box::new(e)))?;
            let mut record = Map::new();
            record.insert("model".into(), json!(model));
            record.insert("task".into(), json!(task));
            record.insert("n_total".into(), json!(summary.n_total));
            put_interval(&mut record, "accuracy_at_1", &summary.accuracy_at_1);
            put_interval(&mut record, "mean_k_correct", &summary.mean_k_correct);
            put_interval(&mut record, "d_all_sbert", &summary.d_all_sbert);
            put_interval(&mut record, "d_correct_sbert", &summary.d_correct_sbert);
            put_interval(&mut record, "d_correct_vendi", &summary.d_correct_vendi);
            record.insert("n_computable".into(), json!(summary.n_computable));
            record
                .insert("frac_computable".into(), json!(finite(summary.n_computable as f64 / summary.n_total as f64)));
            if model != base {
                let Some(base_columns) = &base_columns else {
                    return Err(StageError::Invalid(format!(
                        "{origin}: the base `{base}` has no prompts for task `{task}`"
                    )));
                };
                let d = matched_decomposition(base_columns, &columns, bootstrap)
                    .map_err(|e| bootstrap_failed("decomposing")(Box::new(e)))?;
                record.insert("n_matched".into(), json!(d.n_matched));
                record.insert("n_shared".into(), json!(d.n_shared));
                record.insert("frac_matched".into(), json!(finite(d.n_matched as f64 / d.n_shared as f64)));
                put_interval(&mut record, "delta_all", &d.delta_all);
                put_interval(&mut record, "residual", &d.residual);
                put_interval(&mut record, "quality_control", &d.quality_control);
                put_interval(&mut record, "genuine_share", &d.genuine_share);
                record.insert("genuine_share_defined".into(), json!(d.genuine_share_defined));
                put_interval(&mut record, "paper_genuine_share", &d.paper_genuine_share);
            }
            records.push(Value::Object(record));
        }
    }
    progress.finish();
    Ok(records)
}
