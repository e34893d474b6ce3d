//! Reading and writing the files of the reference pipeline and of our own runs.
//!
//! * [`generations`]: generation JSONL (every key variant of the reference's readers),
//!   streamed, deduplicated on (task, input_id), tolerant of a torn last line.
//! * [`details`]: lighteval details parquet (raw outputs, think-stripped on reading).
//! * [`labels`]: the labels file (correctness labels per prompt), read and written as one type.
//! * [`atomic`]: whole-file writes a crash cannot tear (temporary file, sync, rename).

pub mod atomic;
pub mod details;
pub mod generations;
pub mod labels;

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use generations::{GenerationReader, GenerationRecord, ReadReport};

/// `path` with `.` dropped and each `..` cancelling the folder before it, without
/// touching the file system (`out/../../lab/base` → `../lab/base`); a leading `..`
/// that nothing cancels is kept.
pub fn normalise_path(path: &Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut parts: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                parts.pop();
            }
            Component::ParentDir if matches!(parts.last(), Some(Component::RootDir | Component::Prefix(_))) => {}
            other => parts.push(other),
        }
    }
    let normal: std::path::PathBuf = parts.iter().collect();
    if normal.as_os_str().is_empty() { std::path::PathBuf::from(".") } else { normal }
}

/// Runs a polars reader. polars panics on some malformed files (an unbalanced CSV quote,
/// a corrupt parquet page) instead of returning an error; that panic becomes an error
/// like the others.
pub fn polars_read<T>(read: impl FnOnce() -> polars::prelude::PolarsResult<T>) -> polars::prelude::PolarsResult<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|_| {
        Err(polars::prelude::PolarsError::ComputeError("the file is malformed (the decoder failed on it)".into()))
    })
}

/// Reads a whole parquet file (see [`polars_read`]).
pub fn read_parquet(file: File) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::{ParquetReader, SerReader};
    polars_read(|| ParquetReader::new(file).finish())
}

/// Errors opening or reading a generation source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// A generation JSONL problem (names the file and line).
    #[error(transparent)]
    Jsonl(#[from] generations::GenerationsError),
    /// A details parquet problem (names the file, row and field).
    #[error(transparent)]
    Details(#[from] details::DetailsError),
}

/// Whether a generation file is a lighteval details parquet (by its `.parquet` extension)
/// rather than JSONL.
pub fn is_details_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// The generations of one file: JSONL streamed, or a lighteval details parquet
/// (chosen by the `.parquet` extension).
pub enum GenerationSource {
    /// A generation JSONL file, streamed.
    Jsonl(GenerationReader<BufReader<File>>),
    /// The records of a details parquet file.
    Details(std::vec::IntoIter<GenerationRecord>),
}

impl GenerationSource {
    /// Opens a generation file by its extension.
    pub fn open(path: &Path, skip_bad_lines: bool) -> Result<Self, SourceError> {
        if is_details_file(path) {
            Ok(Self::Details(details::read_details(path)?.into_iter()))
        } else {
            Ok(Self::Jsonl(GenerationReader::open(path, skip_bad_lines)?))
        }
    }

    /// What was skipped so far (nothing for parquet).
    pub fn report(&self) -> ReadReport {
        match self {
            Self::Jsonl(reader) => reader.report().clone(),
            Self::Details(_) => ReadReport::default(),
        }
    }
}

impl Iterator for GenerationSource {
    type Item = Result<GenerationRecord, SourceError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::Jsonl(reader) => reader.next().map(|r| r.map_err(SourceError::from)),
            Self::Details(records) => records.next().map(Ok),
        }
    }
}

/// A CSV field, quoted as Python's `csv` module (and pandas) quote it: only when it holds a
/// comma, a quote or a line break, with quotes doubled.
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}
