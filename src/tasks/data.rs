//! Task documents: loading a task's dataset (the fetched assets, or a user-supplied
//! Hugging Face `datasets` export as JSONL, JSON or parquet) and selecting the study's
//! prompts as lighteval does: the first N documents after
//! `random.Random(42).shuffle` of the split.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde_json::{Map, Value};

use super::registry::{RenderError, TaskSpec};
use crate::assets::Assets;
use crate::pycompat::PyRandom;

/// The seed of lighteval's document shuffle.
pub const SELECTION_SEED: i64 = 42;

/// One selected document of a task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskDocument {
    /// The dataset's own id where it has one, else the document's position in the split.
    pub input_id: String,
    /// Position in the split (dataset order, among the documents the task keeps: see
    /// [`TaskSpec::keeps`](super::registry::TaskSpec::keeps)).
    pub index: usize,
    /// The rendered query.
    pub prompt: String,
    /// The raw document.
    pub doc: Value,
}

/// Errors loading task data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TaskDataError {
    /// The task's data is not available: where to get it.
    #[error(
        "task `{task}`: no data. The set-up cannot fetch {source_name}; export the split with Hugging Face `datasets` \
         (`load_dataset(...).to_json(\"{task}.jsonl\")` or `.to_parquet(...)`) and pass it with --data FILE"
    )]
    Missing {
        /// The task.
        task: &'static str,
        /// Its Hugging Face source.
        source_name: &'static str,
    },
    /// The asset the set-up fetches is missing.
    #[error("task `{task}`: {path} is missing; run scripts/setup (or pass --data FILE)")]
    MissingAsset {
        /// The task.
        task: &'static str,
        /// The expected file.
        path: PathBuf,
    },
    /// A file cannot be read or parsed.
    #[error("{path}:{line}: {problem}")]
    Bad {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when not line-based).
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// A document does not render.
    #[error("{path}, document {index}: {source}")]
    Render {
        /// The file.
        path: PathBuf,
        /// Position in the split.
        index: usize,
        /// The template error.
        source: RenderError,
    },
}

/// The study's documents of `task`: from `data` if given, else from the fetched assets.
/// `n` overrides the task's N (clamped to the split's size).
/// A lab task's documents are the world's first `n` evaluation problems, in order.
pub fn load_task(
    task: &'static TaskSpec,
    data: Option<&Path>,
    n: Option<usize>,
) -> Result<Vec<TaskDocument>, TaskDataError> {
    if let Some(lab_task) = super::lab::lab_task(task) {
        return Ok(super::lab::documents(lab_task, super::lab::world_seed(data)?, n.unwrap_or(task.n)));
    }
    Ok(select(load_split(task, data)?, n.unwrap_or(task.n)))
}

/// Every document of the task's split, in dataset order (for linking outputs back to
/// their documents).
pub fn load_split(task: &'static TaskSpec, data: Option<&Path>) -> Result<Vec<TaskDocument>, TaskDataError> {
    let path = match (data, task.asset) {
        (Some(path), _) => path.to_owned(),
        (None, Some(asset)) => {
            let path = Assets::locate().root().join(asset);
            if !path.is_file() {
                return Err(TaskDataError::MissingAsset { task: task.name, path });
            }
            path
        }
        (None, None) => return Err(TaskDataError::Missing { task: task.name, source_name: task.source }),
    };
    // lighteval's `hf_filter` runs on the split before anything else (PRISM's).
    let docs: Vec<Value> = read_documents(&path)?.into_iter().filter(|doc| task.keeps(doc)).collect();
    let mut documents = Vec::with_capacity(docs.len());
    for (index, doc) in docs.into_iter().enumerate() {
        let prompt = task.render(&doc).map_err(|source| TaskDataError::Render { path: path.clone(), index, source })?;
        let input_id = task
            .id_field
            .and_then(|field| match doc.get(field) {
                Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(Value::Number(number)) => Some(number.to_string()),
                _ => None,
            })
            .unwrap_or_else(|| index.to_string());
        documents.push(TaskDocument { input_id, index, prompt, doc });
    }
    Ok(documents)
}

/// lighteval's selection: shuffle with `random.Random(42)` and keep the first `n`.
pub fn select<T>(mut documents: Vec<T>, n: usize) -> Vec<T> {
    PyRandom::new(SELECTION_SEED).shuffle(&mut documents);
    documents.truncate(n);
    documents
}

/// The documents of a file in split order: JSONL (one record per line; records with a
/// `doc` object, as lm-eval request files have, use that object), a JSON list, or parquet.
pub fn read_documents(path: &Path) -> Result<Vec<Value>, TaskDataError> {
    let bad = |line: usize, problem: String| TaskDataError::Bad { path: path.to_owned(), line, problem };
    let name = path.to_string_lossy().to_lowercase();
    if name.ends_with(".parquet") {
        return read_parquet(path);
    }
    let file = std::fs::File::open(path).map_err(|e| bad(0, format!("cannot open: {e}")))?;
    let reader: Box<dyn BufRead> = if name.ends_with(".gz") {
        Box::new(BufReader::new(flate2::read::GzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    if name.ends_with(".json") {
        let value: Value = serde_json::from_reader(reader).map_err(|e| bad(e.line(), format!("invalid JSON: {e}")))?;
        return match value {
            Value::Array(items) => Ok(items),
            _ => Err(bad(0, "expected a JSON list of documents".into())),
        };
    }
    let mut docs: Vec<(Option<u64>, Value)> = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| bad(index + 1, format!("cannot read (not UTF-8?): {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(&line).map_err(|e| bad(index + 1, format!("invalid JSON: {e}")))?;
        match value {
            Value::Object(mut map) => match map.remove("doc") {
                // An lm-eval request line: the document, ordered by its `doc_id`.
                Some(doc @ Value::Object(_)) => docs.push((map.get("doc_id").and_then(Value::as_u64), doc)),
                Some(_) => return Err(bad(index + 1, "field `doc` is not an object".into())),
                None => docs.push((None, Value::Object(map))),
            },
            _ => return Err(bad(index + 1, "a document must be a JSON object".into())),
        }
    }
    if docs.iter().all(|(id, _)| id.is_some()) {
        docs.sort_by_key(|(id, _)| *id);
    }
    Ok(docs.into_iter().map(|(_, doc)| doc).collect())
}

/// A parquet export's rows as JSON objects (strings, numbers, booleans, lists, structs).
fn read_parquet(path: &Path) -> Result<Vec<Value>, TaskDataError> {
    let bad = |problem: String| TaskDataError::Bad { path: path.to_owned(), line: 0, problem };
    let file = std::fs::File::open(path).map_err(|e| bad(format!("cannot open: {e}")))?;
    let frame = crate::data::read_parquet(file).map_err(|e| bad(format!("cannot read parquet: {e}")))?;
    let mut rows: Vec<Map<String, Value>> = vec![Map::new(); frame.height()];
    for column in frame.get_columns() {
        let values = series_to_json(column.as_materialized_series())
            .map_err(|problem| bad(format!("column `{}`: {problem}", column.name())))?;
        for (row, value) in rows.iter_mut().zip(values) {
            row.insert(column.name().to_string(), value);
        }
    }
    Ok(rows.into_iter().map(Value::Object).collect())
}

/// The values of a column as JSON, recursively through lists and structs.
fn series_to_json(series: &Series) -> Result<Vec<Value>, String> {
    let dtype = series.dtype().clone();
    match dtype {
        DataType::List(_) => series
            .list()
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|item| match item {
                Some(inner) => series_to_json(&inner).map(Value::Array),
                None => Ok(Value::Null),
            })
            .collect(),
        DataType::Struct(fields) => {
            let chunked = series.struct_().map_err(|e| e.to_string())?;
            let mut objects: Vec<Map<String, Value>> = vec![Map::new(); series.len()];
            for field in fields {
                let values = series_to_json(&chunked.field_by_name(field.name()).map_err(|e| e.to_string())?)?;
                for (object, value) in objects.iter_mut().zip(values) {
                    object.insert(field.name().to_string(), value);
                }
            }
            Ok(objects.into_iter().map(Value::Object).collect())
        }
        _ => series
            .iter()
            .map(|value| match value {
                AnyValue::Null => Ok(Value::Null),
                AnyValue::Boolean(b) => Ok(Value::Bool(b)),
                AnyValue::String(s) => Ok(Value::String(s.to_owned())),
                AnyValue::StringOwned(s) => Ok(Value::String(s.to_string())),
                AnyValue::Float32(x) => Ok(serde_json::json!(x)),
                AnyValue::Float64(x) => Ok(serde_json::json!(x)),
                other if other.is_signed_integer() => Ok(serde_json::json!(other.extract::<i64>())),
                other if other.is_unsigned_integer() => Ok(serde_json::json!(other.extract::<u64>())),
                other => Err(format!("unsupported value type {}", other.dtype())),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_is_a_seeded_prefix() {
        let picked = select((0..10).collect::<Vec<_>>(), 3);
        assert_eq!(picked.len(), 3);
        assert_eq!(select((0..10).collect::<Vec<_>>(), 3), picked);
        assert_eq!(select((0..2).collect::<Vec<_>>(), 5).len(), 2);
    }

    #[test]
    fn unfetchable_task_without_data_says_where_to_get_it() {
        let task = super::super::registry::task("cruxeval").unwrap();
        let error = load_task(task, None, None).unwrap_err().to_string();
        assert!(error.contains("cruxeval-org/cruxeval") && error.contains("--data FILE"), "{error}");
    }
}
