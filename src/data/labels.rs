//! The labels file: correctness labels of a run, one JSON object per prompt, written by
//! the label stage (`divcollapse correctness`) and read by the analysis.
//!
//! ```text
//! {"input_id": "7", "task": "gsm8k", "labels": [true, false, ...], "details": [...],
//!  "gold": "42", "majority_vote": true}
//! ```
//!
//! `labels` has one verdict per output, in output order. `majority_vote` is absent or
//! null where the checker has no majority vote (code, IFEval). [`LabelRecord`] is the one
//! type both sides use.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::generations::normalise_task;

/// One prompt's labels: a line of a labels file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelRecord {
    /// The prompt's id (a JSON number is read as its text).
    #[serde(deserialize_with = "id_text")]
    pub input_id: String,
    /// The task (absent in files that label one task).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// One verdict per output.
    pub labels: Vec<bool>,
    /// The checker's details per output (extracted answers, program outcomes, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
    /// The gold answer (or the instruction list of IFEval).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gold: Option<serde_json::Value>,
    /// Whether the majority-vote answer is correct; `None` where the checker has none.
    #[serde(default)]
    pub majority_vote: Option<bool>,
}

fn id_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(text) => Ok(text),
        serde_json::Value::Number(number) => Ok(number.to_string()),
        other => Err(serde::de::Error::custom(format!("expected a string or a number, found {other}"))),
    }
}

/// Errors reading or writing a labels file; each names the file and, when reading, the line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LabelsError {
    /// The file cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A line is not a label record (the message names the field).
    #[error("{path}:{line}: {problem}")]
    Line {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        problem: String,
    },
}

/// A labels file in memory, keyed by `(task, input_id)`; the task is empty for lines
/// without one.
#[derive(Debug, Clone, Default)]
pub struct LabelsFile {
    path: PathBuf,
    by_key: HashMap<(String, String), (usize, LabelRecord)>,
    tasks: HashSet<String>,
}

impl LabelsFile {
    /// Reads a labels file; errors name the line and the field.
    pub fn read(path: &Path) -> Result<Self, LabelsError> {
        let text = std::fs::read_to_string(path).map_err(|source| LabelsError::Io { path: path.to_owned(), source })?;
        let mut by_key = HashMap::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            if raw.trim().is_empty() {
                continue;
            }
            let record: LabelRecord = serde_json::from_str(raw).map_err(|e| LabelsError::Line {
                path: path.to_owned(),
                line,
                problem: format!("not a label record: {e}"),
            })?;
            let task = record.task.as_deref().map(normalise_task).unwrap_or_default();
            let input_id = record.input_id.clone();
            if by_key.insert((task, input_id.clone()), (line, record)).is_some() {
                return Err(LabelsError::Line {
                    path: path.to_owned(),
                    line,
                    problem: format!("prompt `{input_id}` is labelled twice"),
                });
            }
        }
        let tasks = by_key.keys().map(|(task, _)| task.clone()).collect();
        Ok(Self { path: path.to_owned(), by_key, tasks })
    }

    /// Every record in file order.
    pub fn records(&self) -> Vec<&LabelRecord> {
        let mut records: Vec<(usize, &LabelRecord)> = self.by_key.values().map(|(line, r)| (*line, r)).collect();
        records.sort_by_key(|(line, _)| *line);
        records.into_iter().map(|(_, r)| r).collect()
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the file labels any prompt of `task` (a file may cover only the
    /// verifiable tasks of a run; prompts of other tasks are then unlabelled).
    pub fn covers_task(&self, task: &str) -> bool {
        self.tasks.contains("") || self.tasks.contains(task)
    }

    /// The labels of a prompt and their line: by task and id, else by id alone.
    pub fn get(&self, task: &str, input_id: &str) -> Option<(usize, &LabelRecord)> {
        self.by_key
            .get(&(task.to_owned(), input_id.to_owned()))
            .or_else(|| self.by_key.get(&(String::new(), input_id.to_owned())))
            .map(|(line, record)| (*line, record))
    }
}

/// Writes label records, one per line, atomically (a crash leaves the old file or none).
pub fn write_labels(path: &Path, records: &[LabelRecord]) -> Result<(), LabelsError> {
    super::atomic::write_with(path, |file| {
        let mut out = std::io::BufWriter::new(file);
        for record in records {
            serde_json::to_writer(&mut out, record)?;
            out.write_all(b"\n")?;
        }
        out.flush()
    })
    .map_err(|source| LabelsError::Io { path: path.to_owned(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_file_reads_back_and_bad_lines_name_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labels.jsonl");
        let records = vec![
            LabelRecord {
                input_id: "a".into(),
                task: Some("gsm8k".into()),
                labels: vec![true, false],
                details: None,
                gold: Some(serde_json::json!("4")),
                majority_vote: Some(true),
            },
            LabelRecord {
                input_id: "b".into(),
                task: Some("mbpp".into()),
                labels: vec![false],
                details: None,
                gold: None,
                majority_vote: None,
            },
        ];
        write_labels(&path, &records).unwrap();
        let file = LabelsFile::read(&path).unwrap();
        assert_eq!(file.get("gsm8k", "a"), Some((1, &records[0])));
        assert_eq!(file.get("mbpp", "b"), Some((2, &records[1])));
        assert!(file.covers_task("mbpp") && !file.covers_task("ifeval"));

        std::fs::write(&path, "{\"input_id\": 3, \"labels\": [true]}\n{\"input_id\": 4, \"labels\": [1]}\n").unwrap();
        let error = LabelsFile::read(&path).unwrap_err().to_string();
        assert!(error.contains("labels.jsonl:2") && error.contains("boolean"), "{error}");
        std::fs::write(&path, "{\"input_id\": 3, \"labels\": []}\n{\"input_id\": 3, \"labels\": []}\n").unwrap();
        let error = LabelsFile::read(&path).unwrap_err().to_string();
        assert!(error.contains(":2") && error.contains("labelled twice"), "{error}");
    }
}
