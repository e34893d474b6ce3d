//! Per-prompt quality and diversity tables: one row per (checkpoint, task, prompt).
//!
//! The frame's columns ([`PerPromptTable::frame`]):
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `model` | str | checkpoint name |
//! | `task` | str | task name |
//! | `input_id` | str | the prompt's id (the reference's `prompt_idx` as text) |
//! | `k_correct` | f64 | K_c, correct outputs of the K (NaN when unlabelled) |
//! | `acc1` | f64 | correctness of output 0 (0 or 1; NaN when unlabelled) |
//! | `d_all_sbert` | f64 | D_a: SBERT diversity of all K outputs |
//! | `d_correct_sbert` | f64 | D_c: SBERT diversity of the correct outputs (NaN when K_c < 2) |
//! | `d_correct_vendi` | f64 | V_c: Vendi score of the correct outputs (NaN when K_c < 2) |
//!
//! A table is read from the reference pipeline's `qfd_per_prompt.csv` (methodology
//! §7.4; pandas writes NaN as an empty field) or built from this tool's own run files.
//! The bootstrap works on plain per-prompt arrays ([`PromptColumns`]) taken out of the
//! frame for one (model, task).

use std::path::{Path, PathBuf};

use polars::prelude::*;

/// The columns of a per-prompt table, in order.
pub const COLUMNS: [&str; 8] =
    ["model", "task", "input_id", "k_correct", "acc1", "d_all_sbert", "d_correct_sbert", "d_correct_vendi"];

/// The reference's `qfd_per_prompt.csv` header.
pub const REFERENCE_QFD_COLUMNS: [&str; 8] =
    ["model", "task", "prompt_idx", "k_correct", "acc1", "d_all_sbert", "d_correct_sbert", "d_correct_vendi"];

/// Errors reading or validating a per-prompt table.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PerPromptError {
    /// The file could not be read or parsed as CSV.
    #[error("{path}: cannot read per-prompt CSV: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// polars' error.
        source: PolarsError,
    },
    /// A required column is missing.
    #[error("{origin}: missing column `{column}` (expected the columns {expected})")]
    MissingColumn {
        /// The file or frame.
        origin: String,
        /// The missing column.
        column: String,
        /// The full expected header.
        expected: String,
    },
    /// A value does not parse or is out of range.
    #[error("{origin}, line {line}, field `{column}`: {problem}")]
    BadValue {
        /// The file or frame.
        origin: String,
        /// 1-based line in the file (the header is line 1).
        line: usize,
        /// The column.
        column: String,
        /// What is wrong.
        problem: String,
    },
    /// The same (model, task, prompt) appears twice.
    #[error("{origin}, line {line}: duplicate row for model `{model}`, task `{task}`, prompt `{input_id}`")]
    Duplicate {
        /// The file or frame.
        origin: String,
        /// 1-based line of the second occurrence.
        line: usize,
        /// Model.
        model: String,
        /// Task.
        task: String,
        /// Prompt id.
        input_id: String,
    },
    /// A frame operation failed.
    #[error("per-prompt table: {0}")]
    Frame(#[from] PolarsError),
}

/// Prompt ids and one value per prompt.
pub type IdsAndValues = (Vec<String>, Vec<f64>);

/// Prompt ids shared by several models and one value array per model, aligned on them.
pub type AlignedValues = (Vec<String>, Vec<Vec<f64>>);

/// One (model, task)'s per-prompt values as aligned arrays (index = prompt).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PromptColumns {
    /// Prompt ids.
    pub input_ids: Vec<String>,
    /// K_c per prompt.
    pub k_correct: Vec<f64>,
    /// Output-0 correctness per prompt.
    pub acc1: Vec<f64>,
    /// D_a per prompt.
    pub d_all: Vec<f64>,
    /// D_c per prompt.
    pub d_correct: Vec<f64>,
    /// V_c per prompt.
    pub v_correct: Vec<f64>,
}

impl PromptColumns {
    /// Number of prompts.
    pub fn len(&self) -> usize {
        self.input_ids.len()
    }

    /// Whether there are no prompts.
    pub fn is_empty(&self) -> bool {
        self.input_ids.is_empty()
    }

    /// The index of every prompt id.
    pub fn index(&self) -> std::collections::HashMap<&str, usize> {
        self.input_ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect()
    }
}

/// A validated per-prompt table.
#[derive(Debug, Clone)]
pub struct PerPromptTable {
    frame: DataFrame,
}

impl PerPromptTable {
    /// Reads the reference pipeline's `qfd_per_prompt.csv`.
    ///
    /// Empty fields and `nan` are NaN; `k_correct` and `acc1` may be written as
    /// integers, floats or `True`/`False`. Errors name the line and field.
    pub fn from_reference_csv(path: &Path) -> Result<Self, PerPromptError> {
        let origin = path.display().to_string();
        let raw = crate::data::polars_read(|| {
            CsvReadOptions::default()
                .with_has_header(true)
                .with_infer_schema_length(Some(0))
                .try_into_reader_with_file_path(Some(path.to_owned()))
                .and_then(|reader| reader.finish())
        })
        .map_err(|source| PerPromptError::Read { path: path.to_owned(), source })?;
        let text = |name: &str| -> Result<Vec<Option<String>>, PerPromptError> {
            let column = raw.column(name).map_err(|_| PerPromptError::MissingColumn {
                origin: origin.clone(),
                column: name.to_owned(),
                expected: REFERENCE_QFD_COLUMNS.join(","),
            })?;
            Ok(column.str()?.into_iter().map(|v| v.map(str::to_owned)).collect())
        };
        let required = |name: &str| -> Result<Vec<String>, PerPromptError> {
            text(name)?
                .into_iter()
                .enumerate()
                .map(|(row, value)| {
                    value.filter(|v| !v.trim().is_empty()).ok_or_else(|| PerPromptError::BadValue {
                        origin: origin.clone(),
                        line: row + 2,
                        column: name.to_owned(),
                        problem: "empty".into(),
                    })
                })
                .collect()
        };
        let number = |name: &str, kind: ValueKind| -> Result<Vec<f64>, PerPromptError> {
            text(name)?
                .into_iter()
                .enumerate()
                .map(|(row, value)| {
                    parse_value(value.as_deref(), kind).map_err(|problem| PerPromptError::BadValue {
                        origin: origin.clone(),
                        line: row + 2,
                        column: name.to_owned(),
                        problem,
                    })
                })
                .collect()
        };
        let frame = df!(
            "model" => required("model")?,
            "task" => required("task")?,
            "input_id" => required("prompt_idx")?,
            "k_correct" => number("k_correct", ValueKind::Count)?,
            "acc1" => number("acc1", ValueKind::Binary)?,
            "d_all_sbert" => number("d_all_sbert", ValueKind::Real)?,
            "d_correct_sbert" => number("d_correct_sbert", ValueKind::Real)?,
            "d_correct_vendi" => number("d_correct_vendi", ValueKind::Real)?,
        )?;
        Self::from_frame(frame, &origin)
    }

    /// Validates a frame with the [`COLUMNS`] (extra columns are kept).
    pub fn from_frame(frame: DataFrame, origin: &str) -> Result<Self, PerPromptError> {
        for column in COLUMNS {
            if frame.column(column).is_err() {
                return Err(PerPromptError::MissingColumn {
                    origin: origin.to_owned(),
                    column: column.to_owned(),
                    expected: COLUMNS.join(","),
                });
            }
        }
        let frame = frame
            .lazy()
            .with_columns(COLUMNS[3..].iter().map(|c| col(*c).cast(DataType::Float64)).collect::<Vec<_>>())
            .collect()?;
        let keys = [frame.column("model")?.str()?, frame.column("task")?.str()?, frame.column("input_id")?.str()?];
        let mut seen = std::collections::HashSet::new();
        for row in 0..frame.height() {
            let key: Vec<&str> = keys.iter().map(|k| k.get(row).unwrap_or("")).collect();
            if !seen.insert(key.clone()) {
                return Err(PerPromptError::Duplicate {
                    origin: origin.to_owned(),
                    line: row + 2,
                    model: key[0].to_owned(),
                    task: key[1].to_owned(),
                    input_id: key[2].to_owned(),
                });
            }
        }
        Ok(Self { frame })
    }

    /// The frame.
    pub fn frame(&self) -> &DataFrame {
        &self.frame
    }

    /// Model names in order of first appearance.
    pub fn models(&self) -> Vec<String> {
        self.distinct("model")
    }

    /// Task names in order of first appearance.
    pub fn tasks(&self) -> Vec<String> {
        self.distinct("task")
    }

    fn distinct(&self, name: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if let Ok(column) = self.frame.column(name).and_then(|c| c.str().cloned()) {
            for value in column.into_iter().flatten() {
                if !out.iter().any(|seen| seen == value) {
                    out.push(value.to_owned());
                }
            }
        }
        out
    }

    /// Adds `majority_gain = majority_vote − acc1` per prompt when both columns exist (the
    /// paired per-prompt difference behind the majority-vote gain).
    pub fn with_majority_gain(self) -> Result<Self, PerPromptError> {
        if !self.has_column("majority_vote") || self.has_column("majority_gain") {
            return Ok(self);
        }
        let frame =
            self.frame.lazy().with_column((col("majority_vote") - col("acc1")).alias("majority_gain")).collect()?;
        Ok(Self { frame })
    }

    /// Whether the frame has a column.
    pub fn has_column(&self, name: &str) -> bool {
        self.frame.column(name).is_ok()
    }

    /// One numeric column of one (model, task): prompt ids and values in table order
    /// (`None` when the pair has no rows; NaN for nulls).
    pub fn values(&self, model: &str, task: &str, column: &str) -> Result<Option<IdsAndValues>, PerPromptError> {
        let rows = self
            .frame
            .clone()
            .lazy()
            .filter(col("model").eq(lit(model)).and(col("task").eq(lit(task))))
            .select([col("input_id"), col(column).cast(DataType::Float64)])
            .collect()?;
        if rows.height() == 0 {
            return Ok(None);
        }
        let ids = rows.column("input_id")?.str()?.into_iter().map(|v| v.unwrap_or("").to_owned()).collect();
        let values = rows.column(column)?.f64()?.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect();
        Ok(Some((ids, values)))
    }

    /// One column of several models on one task, aligned on the prompts all of them have
    /// (in the first model's order): `(prompt ids, one value array per model)`. `None`
    /// when a model has no rows for the task.
    pub fn aligned(&self, models: &[&str], task: &str, column: &str) -> Result<Option<AlignedValues>, PerPromptError> {
        let mut per_model = Vec::new();
        for model in models {
            match self.values(model, task, column)? {
                Some((ids, values)) => {
                    let index: std::collections::HashMap<String, f64> = ids.into_iter().zip(values).collect();
                    per_model.push(index);
                }
                None => return Ok(None),
            }
        }
        let Some(first) = models.first() else { return Ok(Some((Vec::new(), Vec::new()))) };
        let order = self.values(first, task, column)?.map(|(ids, _)| ids).unwrap_or_default();
        let common: Vec<String> = order.into_iter().filter(|id| per_model.iter().all(|m| m.contains_key(id))).collect();
        let arrays = per_model.iter().map(|m| common.iter().map(|id| m[id]).collect()).collect();
        Ok(Some((common, arrays)))
    }

    /// One (model, task)'s prompts in table order (`None` when it has none).
    pub fn columns(&self, model: &str, task: &str) -> Result<Option<PromptColumns>, PerPromptError> {
        let rows =
            self.frame.clone().lazy().filter(col("model").eq(lit(model)).and(col("task").eq(lit(task)))).collect()?;
        if rows.height() == 0 {
            return Ok(None);
        }
        let floats = |name: &str| -> Result<Vec<f64>, PerPromptError> {
            Ok(rows.column(name)?.f64()?.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
        };
        Ok(Some(PromptColumns {
            input_ids: rows.column("input_id")?.str()?.into_iter().map(|v| v.unwrap_or("").to_owned()).collect(),
            k_correct: floats("k_correct")?,
            acc1: floats("acc1")?,
            d_all: floats("d_all_sbert")?,
            d_correct: floats("d_correct_sbert")?,
            v_correct: floats("d_correct_vendi")?,
        }))
    }
}

/// What a numeric field may hold.
#[derive(Debug, Clone, Copy)]
enum ValueKind {
    /// A non-negative whole number (or NaN).
    Count,
    /// 0 or 1, `True`/`False` (or NaN).
    Binary,
    /// Any real number (or NaN).
    Real,
}

/// Parses a CSV field as pandas wrote it.
fn parse_value(value: Option<&str>, kind: ValueKind) -> Result<f64, String> {
    let text = value.unwrap_or("").trim();
    let parsed = match text {
        "" | "nan" | "NaN" | "NA" => return Ok(f64::NAN),
        "True" | "true" => 1.0,
        "False" | "false" => 0.0,
        _ => text.parse::<f64>().map_err(|_| format!("`{text}` is not a number"))?,
    };
    match kind {
        ValueKind::Real => Ok(parsed),
        ValueKind::Count if parsed >= 0.0 && parsed.fract() == 0.0 => Ok(parsed),
        ValueKind::Count => Err(format!("`{text}` is not a non-negative whole number")),
        ValueKind::Binary if parsed == 0.0 || parsed == 1.0 => Ok(parsed),
        ValueKind::Binary => Err(format!("`{text}` is not 0 or 1")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        std::fs::write(file.path(), text).unwrap();
        file
    }

    const HEADER: &str = "model,task,prompt_idx,k_correct,acc1,d_all_sbert,d_correct_sbert,d_correct_vendi\n";

    #[test]
    fn reads_pandas_output_with_empty_nans() {
        let file = write(&format!("{HEADER}Base,gsm8k,0,3,1,0.5,0.4,2.5\nBase,gsm8k,1,1.0,False,0.6,,\n"));
        let table = PerPromptTable::from_reference_csv(file.path()).unwrap();
        let columns = table.columns("Base", "gsm8k").unwrap().unwrap();
        assert_eq!(columns.input_ids, ["0", "1"]);
        assert_eq!(columns.k_correct, [3.0, 1.0]);
        assert_eq!(columns.acc1, [1.0, 0.0]);
        assert!(columns.d_correct[1].is_nan() && columns.v_correct[1].is_nan());
        assert!(table.columns("Base", "mbpp").unwrap().is_none());
    }

    #[test]
    fn bad_values_name_line_and_field() {
        let file = write(&format!("{HEADER}Base,gsm8k,0,3,1,0.5,0.4,2.5\nBase,gsm8k,1,2.5,1,0.6,,\n"));
        let error = PerPromptTable::from_reference_csv(file.path()).unwrap_err().to_string();
        assert!(error.contains("line 3, field `k_correct`"), "{error}");
        let file = write(&format!("{HEADER}Base,gsm8k,0,3,1,abc,0.4,2.5\n"));
        let error = PerPromptTable::from_reference_csv(file.path()).unwrap_err().to_string();
        assert!(error.contains("line 2, field `d_all_sbert`: `abc` is not a number"), "{error}");
    }

    #[test]
    fn missing_columns_and_duplicates_are_errors() {
        let file = write("model,task,prompt_idx\nBase,gsm8k,0\n");
        let error = PerPromptTable::from_reference_csv(file.path()).unwrap_err().to_string();
        assert!(error.contains("missing column `k_correct`"), "{error}");
        let file = write(&format!("{HEADER}Base,gsm8k,0,3,1,0.5,0.4,2.5\nBase,gsm8k,0,3,1,0.5,0.4,2.5\n"));
        let error = PerPromptTable::from_reference_csv(file.path()).unwrap_err().to_string();
        assert!(error.contains("line 3: duplicate row"), "{error}");
    }
}
