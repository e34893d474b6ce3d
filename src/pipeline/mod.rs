//! The study as a short list of stages, each one function over typed inputs and
//! outputs. Every entry point (each `divcollapse` command, `study`, `demo`, the
//! notebooks) walks these same functions.
//!
//! | stage | function | reads | writes |
//! |---|---|---|---|
//! | sample | [`sample::sample_run`] (local engine), [`sample::sample_run_on_server`] (an OpenAI-compatible server) | a model folder and a [`sample::PromptSet`] | a run file ([`crate::generate::runfile`]) |
//! | score | [`score::score_run`] | a run file (or any generation file) | a per-prompt scores table ([`crate::metrics::per_prompt`]) |
//! | label | [`label::label_run`] | a run file and a task | a labels file ([`crate::data::labels`]) |
//! | analyse | [`analyze::analyze_lineage`] | a lineage of runs, scores and labels | per-prompt frame, statistics, tables, report, figures |
//!
//! [`study::run_study`] chains the four over a lineage description, running only the
//! stages whose inputs changed.
//!
//! Sample, score and label take a [`shard::Shard`] (`--shard I/N`): each of N machines
//! runs a slice of the prompts, and [`merge::merge_files`] joins the slices' files.

pub mod analyze;
pub mod compare;
pub mod curves;
pub mod diversity_results;
pub mod homogeneity;
pub mod label;
pub mod likelihood;
pub mod merge;
pub mod models;
pub mod qfd;
pub mod quality;
pub mod sample;
pub mod score;
pub mod shard;
pub mod study;

use std::path::{Path, PathBuf};

/// Errors of the stages. Each keeps its cause.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StageError {
    /// A file or folder could not be read or written.
    #[error("{path}: {action}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What was being done.
        action: &'static str,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A generation file is unreadable or malformed.
    #[error(transparent)]
    Generations(#[from] crate::data::SourceError),
    /// A labels file is unreadable or malformed.
    #[error(transparent)]
    Labels(#[from] crate::data::labels::LabelsError),
    /// A scores table could not be read or written.
    #[error(transparent)]
    Table(#[from] crate::metrics::per_prompt::TableError),
    /// Scoring a prompt failed.
    #[error(transparent)]
    Score(#[from] crate::metrics::per_prompt::ScoreError),
    /// The scoring journal failed.
    #[error(transparent)]
    Journal(#[from] crate::metrics::journal::JournalError),
    /// The sentence encoder failed to load or run.
    #[error(transparent)]
    Encoder(#[from] crate::encoders::SentenceEncoderError),
    /// The NLI model failed to load or run.
    #[error(transparent)]
    Nli(#[from] crate::encoders::roberta::NliModelError),
    /// The embedding cache failed.
    #[error(transparent)]
    Cache(#[from] crate::encoders::cache::CacheError),
    /// A fetched asset is missing.
    #[error(transparent)]
    Asset(#[from] crate::assets::MissingAsset),
    /// A lineage description is invalid.
    #[error(transparent)]
    Lineage(#[from] crate::analysis::lineage::LineageError),
    /// Task data could not be loaded.
    #[error(transparent)]
    TaskData(#[from] crate::tasks::data::TaskDataError),
    /// A run file could not be opened or appended to.
    #[error(transparent)]
    RunFile(#[from] crate::generate::runfile::RunFileError),
    /// A per-prompt table is invalid.
    #[error(transparent)]
    PerPrompt(#[from] crate::analysis::per_prompt::PerPromptError),
    /// The statistics failed.
    #[error(transparent)]
    Study(#[from] crate::analysis::study::StudyError),
    /// Writing the report, tables or figures failed.
    #[error(transparent)]
    Report(#[from] crate::analysis::report::ReportError),
    /// A quality table cannot be read.
    #[error(transparent)]
    QualityTable(#[from] crate::analysis::quality_tables::QualityTableError),
    /// A frame operation failed.
    #[error("per-prompt frame: {0}")]
    Frame(#[from] polars::prelude::PolarsError),
    /// The bootstrap settings are invalid.
    #[error(transparent)]
    Bootstrap(#[from] crate::stats::BootstrapError),
    /// A model, tokenizer or template could not be loaded, or generation failed.
    #[error("{context}")]
    Model {
        /// What was being loaded or run.
        context: String,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A bootstrap or decomposition failed (names the model and task).
    #[error("{context}")]
    Statistics {
        /// What was being computed.
        context: String,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A checker failed on a document (names the file and the document).
    #[error("{context}")]
    Checker {
        /// The file and document.
        context: String,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The request itself is inconsistent (names the option or field).
    #[error("{0}")]
    Invalid(String),
    /// A record has no id of the task and its prompt's 200-character key is shared by
    /// several documents, so it cannot be linked to one.
    #[error(
        "{path}:{line}: the prompt's first 200 characters ({key:?}) are shared by {} documents ({}), so the \
         record cannot be linked to one; give the records their `input_id`s, or the unwrapped prompt as \
         `original_query`",
        documents.len(),
        documents.join(", ")
    )]
    AmbiguousPrompt {
        /// The generation file.
        path: PathBuf,
        /// 1-based line (or row) of the record.
        line: usize,
        /// The shared key.
        key: String,
        /// The ids of the documents that share it.
        documents: Vec<String>,
    },
}

impl StageError {
    /// An I/O error on `path` while doing `action`.
    pub fn io(path: &Path, action: &'static str) -> impl FnOnce(std::io::Error) -> Self + use<> {
        let path = path.to_owned();
        move |source| Self::Io { path, action, source }
    }

    /// A model-side error with its context.
    pub fn model(context: impl Into<String>) -> impl FnOnce(Box<dyn std::error::Error + Send + Sync>) -> Self {
        let context = context.into();
        move |source| Self::Model { context, source }
    }
}

/// Progress of a long stage: the command line draws bars, a notebook or a test passes
/// `&mut ()` and sees nothing.
pub trait Progress {
    /// A new phase begins (`total` steps when known).
    fn start(&mut self, what: &str, total: Option<u64>);
    /// One step of the current phase is done.
    fn tick(&mut self);
    /// The current phase is over.
    fn finish(&mut self);
}

impl Progress for () {
    fn start(&mut self, _: &str, _: Option<u64>) {}
    fn tick(&mut self) {}
    fn finish(&mut self) {}
}

/// Hex sha256 of a file, as a stage error naming the file.
pub(crate) fn hash_file(path: &Path) -> Result<String, StageError> {
    crate::provenance::sha256_file(path).map_err(StageError::io(path, "hashing"))
}

/// `target` as a path relative to the folder `base` (`../../lab/lineage/base`), so a
/// description written into `base` stays valid when both move together; `target` as
/// an absolute path when the two share no root.
pub fn relative_path(target: &Path, base: &Path) -> PathBuf {
    use std::path::Component;
    let absolute =
        |path: &Path| crate::data::normalise_path(&std::path::absolute(path).unwrap_or_else(|_| path.to_owned()));
    let (target, base) = (absolute(target), absolute(base));
    let (target_parts, base_parts): (Vec<_>, Vec<_>) = (target.components().collect(), base.components().collect());
    if target_parts.first() != base_parts.first() {
        return target;
    }
    let common = target_parts.iter().zip(&base_parts).take_while(|(a, b)| a == b).count();
    let mut relative: PathBuf = base_parts[common..].iter().map(|_| Component::ParentDir).collect();
    relative.extend(&target_parts[common..]);
    if relative.as_os_str().is_empty() { PathBuf::from(".") } else { relative }
}

/// A file name for a checkpoint or task (letters, digits, `-`, `_`, `.`; the rest `_`).
pub fn file_stem(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_to_the_common_folder() {
        assert_eq!(relative_path(Path::new("/a/b/c/m"), Path::new("/a/b/out")), Path::new("../c/m"));
        assert_eq!(relative_path(Path::new("/a/out/runs/x"), Path::new("/a/out")), Path::new("runs/x"));
        assert_eq!(relative_path(Path::new("/a/out"), Path::new("/a/out/")), Path::new("."));
        assert_eq!(relative_path(Path::new("/a/./b/../m"), Path::new("/a/z")), Path::new("../m"));
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            relative_path(Path::new("lab/lineage/base"), Path::new("analysis/demo")),
            Path::new("../../lab/lineage/base")
        );
        assert_eq!(relative_path(&cwd.join("x"), Path::new(".")), Path::new("x"));
        assert_eq!(crate::data::normalise_path(Path::new("out/../../lab/./base")), Path::new("../lab/base"));
        assert_eq!(crate::data::normalise_path(Path::new("/../a")), Path::new("/a"));
        assert_eq!(crate::data::normalise_path(Path::new("a/..")), Path::new("."));
    }
}
