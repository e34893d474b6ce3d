//! Quality tables written by the other stages, read back for the analysis: the judges'
//! tables (`judge score`: a pairwise win rate per model and task, or WB-Score per model)
//! and the labels' summaries (`correctness --summary`: acc@1, MV@K, pass@k per model and
//! task). Every rate of a row becomes one [`QualityEntry`] with the interval its table
//! carries (NaN bounds where the table has none).
//!
//! A table's kind is told by its header: `win_rate` (pairwise judges: `kirk-summary`,
//! `arena-creative`, `mt-bench-pair`), `wb_score` (WB-Score, task `wildbench`), or
//! `acc_at_1` (a labels summary). Rows are matched to checkpoints by the `model` column:
//! a checkpoint's name, its `hf_id`, or the `hf_id` with `/` written `__` (the study's run
//! folder names, as `--model-name` would take them).

use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::lineage::Lineage;

/// One rate of one model on one task, from a quality table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QualityEntry {
    /// The checkpoint's name in the lineage.
    pub model: String,
    /// Task.
    pub task: String,
    /// The rate: `win_rate`, `wb_score`, `acc_at_1`, `majority_vote`, `pass_at_k`,
    /// `pass_at_1`, `pass_at_5`, `pass_at_10`, `pass_at_16`.
    pub measure: String,
    /// The value.
    pub value: f64,
    /// The lower end of its interval (NaN where the table has none).
    pub ci_low: f64,
    /// The upper end.
    pub ci_high: f64,
    /// Samples or prompts behind it.
    pub n: usize,
    /// The table it was read from.
    pub source: PathBuf,
}

/// Why a quality table cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QualityTableError {
    /// The CSV cannot be read.
    #[error("{path}: cannot read the quality table: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// polars' error.
        #[source]
        source: PolarsError,
    },
    /// The header is none of the known tables'.
    #[error(
        "{path}: not a quality table (expected a `win_rate`, `wb_score` or `acc_at_1` column, as `judge score` \
         and `correctness --summary` write them; found {header})"
    )]
    UnknownKind {
        /// The file.
        path: PathBuf,
        /// Its columns.
        header: String,
    },
    /// A column the kind needs is missing.
    #[error("{path}: column `{column}` is missing")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
    },
    /// A value does not parse.
    #[error("{path}:{line}: field `{column}`: `{value}` is not a number")]
    BadValue {
        /// The file.
        path: PathBuf,
        /// 1-based line (the header is line 1).
        line: usize,
        /// The column.
        column: String,
        /// The text.
        value: String,
    },
    /// No row names a checkpoint of the lineage.
    #[error(
        "{path}: no model of the table is a checkpoint of the lineage (models: {models}; checkpoints: {checkpoints})"
    )]
    NoCheckpoint {
        /// The file.
        path: PathBuf,
        /// The table's models.
        models: String,
        /// The lineage's checkpoints.
        checkpoints: String,
    },
}

/// The rates a labels summary carries, each with `_ci_low` and `_ci_high`.
const SUMMARY_RATES: [&str; 7] =
    ["acc_at_1", "majority_vote", "pass_at_k", "pass_at_1", "pass_at_5", "pass_at_10", "pass_at_16"];

/// The checkpoint a table's `model` value names.
fn checkpoint_name(lineage: &Lineage, model: &str) -> Option<String> {
    lineage
        .checkpoints
        .iter()
        .find(|c| c.name == model || c.hf_id.as_deref().is_some_and(|id| id == model || id.replace('/', "__") == model))
        .map(|c| c.name.clone())
}

/// Reads one quality table; rows of models outside the lineage are skipped with a
/// warning, and a table with none of its models is an error.
pub fn read_quality_table(path: &Path, lineage: &Lineage) -> Result<Vec<QualityEntry>, QualityTableError> {
    let frame = crate::data::polars_read(|| {
        CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .try_into_reader_with_file_path(Some(path.to_owned()))
            .and_then(|reader| reader.finish())
    })
    .map_err(|source| QualityTableError::Read { path: path.to_owned(), source })?;
    let names: Vec<String> = frame.get_column_names().iter().map(|n| n.to_string()).collect();
    let has = |column: &str| names.iter().any(|n| n == column);
    let text = |column: &str| -> Result<Vec<Option<String>>, QualityTableError> {
        let series = frame
            .column(column)
            .map_err(|_| QualityTableError::MissingColumn { path: path.to_owned(), column: column.to_owned() })?;
        let strings = series.str().map_err(|source| QualityTableError::Read { path: path.to_owned(), source })?.clone();
        Ok(strings.into_iter().map(|v| v.map(str::to_owned)).collect())
    };
    // An empty cell is NaN (a rate that does not apply); anything else must parse.
    let numbers = |column: &str| -> Result<Vec<f64>, QualityTableError> {
        text(column)?
            .into_iter()
            .enumerate()
            .map(|(row, value)| match value.as_deref().map(str::trim) {
                None | Some("") => Ok(f64::NAN),
                Some(v) => v.parse::<f64>().map_err(|_| QualityTableError::BadValue {
                    path: path.to_owned(),
                    line: row + 2,
                    column: column.to_owned(),
                    value: v.to_owned(),
                }),
            })
            .collect()
    };
    let optional_numbers =
        |column: &str| if has(column) { numbers(column) } else { Ok(vec![f64::NAN; frame.height()]) };
    let counts = |column: &str| -> Result<Vec<usize>, QualityTableError> {
        Ok(numbers(column)?.into_iter().map(|x| if x.is_finite() && x >= 0.0 { x as usize } else { 0 }).collect())
    };
    let models = text("model")?;
    let (tasks, rates, n): (Vec<Option<String>>, Vec<&str>, Vec<usize>) = if has("win_rate") {
        (text("task")?, vec!["win_rate"], counts("n_samples")?)
    } else if has("wb_score") {
        (vec![Some("wildbench".to_owned()); frame.height()], vec!["wb_score"], counts("n_scored")?)
    } else if has("acc_at_1") {
        (text("task")?, SUMMARY_RATES.to_vec(), counts("n_prompts")?)
    } else {
        return Err(QualityTableError::UnknownKind { path: path.to_owned(), header: names.join(",") });
    };
    let mut entries = Vec::new();
    let mut unknown = Vec::new();
    for rate in rates {
        let (values, lows, highs) = (
            numbers(rate)?,
            optional_numbers(&format!("{rate}_ci_low"))?,
            optional_numbers(&format!("{rate}_ci_high"))?,
        );
        for row in 0..frame.height() {
            let model = models[row].clone().unwrap_or_default();
            let Some(checkpoint) = checkpoint_name(lineage, &model) else {
                if !unknown.contains(&model) {
                    unknown.push(model);
                }
                continue;
            };
            if values[row].is_nan() {
                continue;
            }
            entries.push(QualityEntry {
                model: checkpoint,
                task: crate::data::generations::normalise_task(tasks[row].as_deref().unwrap_or_default()),
                measure: rate.to_owned(),
                value: values[row],
                ci_low: lows[row],
                ci_high: highs[row],
                n: n[row],
                source: path.to_owned(),
            });
        }
    }
    if entries.is_empty() && !unknown.is_empty() {
        return Err(QualityTableError::NoCheckpoint {
            path: path.to_owned(),
            models: unknown.join(", "),
            checkpoints: lineage.checkpoints.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "),
        });
    }
    for model in unknown {
        tracing::warn!("{}: model `{model}` is not a checkpoint of the lineage; its rows are skipped", path.display());
    }
    Ok(entries)
}

/// Reads every table; a (model, task, measure) given twice is kept from the first table.
pub fn read_quality_tables(paths: &[PathBuf], lineage: &Lineage) -> Result<Vec<QualityEntry>, QualityTableError> {
    let mut entries: Vec<QualityEntry> = Vec::new();
    for path in paths {
        for entry in read_quality_table(path, lineage)? {
            let repeated =
                entries.iter().any(|e| e.model == entry.model && e.task == entry.task && e.measure == entry.measure);
            if repeated {
                tracing::warn!(
                    "{}: {} of `{}` on `{}` is already given by an earlier table; skipped",
                    path.display(),
                    entry.measure,
                    entry.model,
                    entry.task
                );
            } else {
                entries.push(entry);
            }
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lineage() -> Lineage {
        Lineage::parse(
            r#"
name = "t"
[[checkpoint]]
name = "Base"
lineage = "base"
stage = "base"
[[checkpoint]]
name = "SFT"
lineage = "instruct"
stage = "sft"
parent = "Base"
hf_id = "org/model-sft"
"#,
            "t",
        )
        .unwrap()
    }

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn each_kind_of_table_is_read_with_its_intervals() {
        let (_d, path) = write(
            "model,task,win_rate,n_wins,n_ties,n_losses,n_samples,win_rate_ci_low,win_rate_ci_high\n\
             org__model-sft,tldr,0.750000,3,0,1,4,0.250000,1.000000\nother,tldr,0.5,1,0,1,2,0,1\n",
        );
        let entries = read_quality_table(&path, &lineage()).unwrap();
        assert_eq!(entries.len(), 1);
        let e = &entries[0];
        assert_eq!((e.model.as_str(), e.task.as_str(), e.measure.as_str(), e.n), ("SFT", "tldr", "win_rate", 4));
        assert_eq!((e.value, e.ci_low, e.ci_high), (0.75, 0.25, 1.0));

        let (_d, path) = write(
            "model,n_scored,n_parse_errors,raw_mean,raw_std,raw_median,wb_score,wb_score_ci_low,wb_score_ci_high\n\
             Base,3,0,6.0,1.0,6,2.0,0.5,3.5\n",
        );
        let entries = read_quality_table(&path, &lineage()).unwrap();
        assert_eq!((entries[0].task.as_str(), entries[0].measure.as_str()), ("wildbench", "wb_score"));

        let mut summary = "model,task,n_prompts,k".to_owned();
        for rate in SUMMARY_RATES {
            summary += &format!(",{rate},{rate}_ci_low,{rate}_ci_high");
        }
        summary +=
            ",strict_at_1,loose_at_1,extraction_rate\nBase,gsm8k,3,4,0.5,0.1,0.9,,,,1,1,1,0.4,0.2,0.6,,,,,,,,,,,,\n";
        let (_d, path) = write(&summary);
        let entries = read_quality_table(&path, &lineage()).unwrap();
        let measures: Vec<&str> = entries.iter().map(|e| e.measure.as_str()).collect();
        assert_eq!(measures, ["acc_at_1", "pass_at_k", "pass_at_1"]);
    }

    #[test]
    fn bad_tables_are_clear_errors() {
        let (_d, path) = write("model,task,score\nBase,tldr,1\n");
        assert!(matches!(read_quality_table(&path, &lineage()), Err(QualityTableError::UnknownKind { .. })));
        let (_d, path) = write("model,task,win_rate,n_samples\nBase,tldr,high,4\n");
        let message = read_quality_table(&path, &lineage()).unwrap_err().to_string();
        assert!(message.ends_with(":2: field `win_rate`: `high` is not a number"), "{message}");
        let (_d, path) = write("model,task,win_rate,n_samples\nnobody,tldr,0.5,4\n");
        let message = read_quality_table(&path, &lineage()).unwrap_err().to_string();
        assert!(message.contains("models: nobody; checkpoints: Base, SFT"), "{message}");
    }
}
