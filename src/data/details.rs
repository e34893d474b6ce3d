//! lighteval details parquet files (methodology §7.2): one row per document, with the
//! struct columns `doc` (`query`, `choices`, `id`, …) and `model_response` (`text`: the K
//! **raw** outputs). Outputs are think-stripped with the reference's `_strip_cot`
//! ([`strip_cot`]) and returned as [`GenerationRecord`]s in row order (the order of the
//! seeded document shuffle). The task comes from the file name
//! `details_<task>|<fewshot>_<timestamp>.parquet`.
//!
//! A details file covers one task (at most a few thousand documents), so it is read
//! whole.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::generations::GenerationRecord;
use crate::metrics::text::strip_cot;

/// Errors reading a details file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DetailsError {
    /// The file cannot be opened or is not parquet.
    #[error("{path}: cannot read lighteval details parquet: {message}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// A required column or struct field is missing or has the wrong type.
    #[error("{path}: field `{field}`: {problem}")]
    Field {
        /// The file.
        path: PathBuf,
        /// The column or `column.field`.
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// A row lacks its outputs.
    #[error("{path}, row {row}: field `model_response.text`: {problem}")]
    Row {
        /// The file.
        path: PathBuf,
        /// 0-based row.
        row: usize,
        /// What is wrong.
        problem: String,
    },
}

/// The task of a details file name: `details_gsm8k_diversity|0_2025-….parquet` →
/// `gsm8k_diversity` (`None` when the name does not follow the pattern).
pub fn task_from_file_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let rest = name.strip_prefix("details_")?;
    let task = rest.split('|').next()?;
    // A `suite|task|fewshot` name has the suite first: `details_custom|gsm8k|0_…`.
    let parts: Vec<&str> = rest.split('|').collect();
    if parts.len() >= 3 && parts[2].split('_').next().is_some_and(|f| f.chars().all(|c| c.is_ascii_digit())) {
        return Some(parts[1].to_owned());
    }
    (!task.is_empty()).then(|| task.to_owned())
}

/// Reads every document of a details file.
pub fn read_details(path: &Path) -> Result<Vec<GenerationRecord>, DetailsError> {
    let read_error = |message: String| DetailsError::Read { path: path.to_owned(), message };
    let field_error =
        |field: &str, problem: String| DetailsError::Field { path: path.to_owned(), field: field.to_owned(), problem };
    let file = std::fs::File::open(path).map_err(|e| read_error(e.to_string()))?;
    let frame = super::read_parquet(file).map_err(|e| read_error(e.to_string()))?;
    let struct_field = |column: &str, field: &str| -> Result<Series, DetailsError> {
        let name = format!("{column}.{field}");
        let column = frame.column(column).map_err(|_| field_error(column, "missing column".into()))?;
        let chunked = column.struct_().map_err(|_| field_error(&name, "the column is not a struct".into()))?;
        chunked.field_by_name(field).map_err(|_| field_error(&name, "missing struct field".into()))
    };
    let texts = struct_field("model_response", "text")?;
    let texts = texts.list().map_err(|_| field_error("model_response.text", "not a list of strings".into()))?;
    let queries = struct_field("doc", "query").ok();
    let queries = queries.as_ref().and_then(|s| s.str().ok());
    let originals = struct_field("doc", "original_query").ok();
    let originals = originals.as_ref().and_then(|s| s.str().ok());
    let ids = struct_field("doc", "id").ok();
    let ids = ids.as_ref().and_then(|s| s.cast(&DataType::String).ok());
    let ids = ids.as_ref().and_then(|s| s.str().ok().cloned());
    let task = task_from_file_name(path).unwrap_or_default();
    let mut records = Vec::with_capacity(frame.height());
    for (row, outputs) in texts.into_iter().enumerate() {
        let row_error = |problem: &str| DetailsError::Row { path: path.to_owned(), row, problem: problem.to_owned() };
        let outputs = outputs.ok_or_else(|| row_error("missing"))?;
        let outputs = outputs.str().map_err(|_| row_error("not a list of strings"))?;
        let raw_outputs = outputs
            .into_iter()
            .map(|o| o.map(str::to_owned).ok_or_else(|| row_error("a null output")))
            .collect::<Result<Vec<String>, _>>()?;
        let outputs = raw_outputs.iter().map(|o| strip_cot(o)).collect();
        let input_id =
            ids.as_ref().and_then(|c| c.get(row)).filter(|s| !s.is_empty()).map_or(row.to_string(), str::to_owned);
        records.push(GenerationRecord {
            line: row + 1,
            task: task.clone(),
            input_id,
            prompt: queries.and_then(|q| q.get(row)).map(str::to_owned),
            original_prompt: originals.and_then(|q| q.get(row)).filter(|s| !s.is_empty()).map(str::to_owned),
            outputs,
            raw_outputs: Some(raw_outputs),
        });
    }
    Ok(records)
}

/// `doc.choices` of every row of a details file, in row order (an empty list where the
/// column, the field or the row's value is missing): the reference summary of the
/// summarisation tasks and the `"; "`-joined checklist of WildBench (methodology §2.8).
pub fn read_details_choices(path: &Path) -> Result<Vec<Vec<String>>, DetailsError> {
    let read_error = |message: String| DetailsError::Read { path: path.to_owned(), message };
    let file = std::fs::File::open(path).map_err(|e| read_error(e.to_string()))?;
    let frame = super::read_parquet(file).map_err(|e| read_error(e.to_string()))?;
    let choices =
        frame.column("doc").ok().and_then(|doc| doc.struct_().ok().and_then(|s| s.field_by_name("choices").ok()));
    let Some(choices) = choices else { return Ok(vec![Vec::new(); frame.height()]) };
    let list = choices.list().map_err(|_| DetailsError::Field {
        path: path.to_owned(),
        field: "doc.choices".into(),
        problem: "not a list of strings".into(),
    })?;
    list.into_iter()
        .enumerate()
        .map(|(row, items)| {
            let Some(items) = items else { return Ok(Vec::new()) };
            let items = items.str().map_err(|_| DetailsError::Field {
                path: path.to_owned(),
                field: "doc.choices".into(),
                problem: format!("row {row}: not a list of strings"),
            })?;
            Ok(items.into_iter().map(|c| c.unwrap_or_default().to_owned()).collect())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_names_from_file_names() {
        let name = |s: &str| task_from_file_name(Path::new(s));
        assert_eq!(
            name("runs/x/details_gsm8k_diversity|0_2025-01-01T00-00-00.parquet").as_deref(),
            Some("gsm8k_diversity")
        );
        assert_eq!(name("details_custom|ifeval_diversity|0_2025.parquet").as_deref(), Some("ifeval_diversity"));
        assert_eq!(name("results.parquet"), None);
    }
}
