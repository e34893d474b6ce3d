//! Plain functions for the notebooks in `notebooks/`: each returns a value that shows
//! itself in an evcxr cell (a [`Table`] as HTML, an [`Svg`] figure) or a small struct
//! with the numbers, so a notebook step is one call.
//!
//! Nothing here is generic over a backend and nothing needs a macro, so a notebook cell
//! compiles only its own few lines: the tensor code is compiled once, in this crate.
//!
//! | module | notebook |
//! |---|---|
//! | [`paper`] | the paper's published numbers: tables, stage attribution, figures |
//! | [`lab`] | a committed lab analysis, re-run from its per-prompt scores |
//! | [`toy`] | the four metrics on small sets of outputs the reader can edit |
//! | [`lineage_lab`] | the lab lineage: training record, sampling, the sweep |

pub mod display;
pub mod lab;
pub mod lineage_lab;
pub mod paper;
pub mod toy;
mod wide;

use std::path::PathBuf;

pub use display::{Svg, Table};
pub use lab::LabStudy;
pub use paper::PaperNumbers;
pub use toy::{OutputSet, Sbert};

/// Errors of the notebook functions; every message names the file or value at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotebookError {
    /// Building or reading a frame failed.
    #[error("{0}")]
    Frame(#[from] polars::prelude::PolarsError),
    /// Drawing a figure failed.
    #[error(transparent)]
    Plot(#[from] crate::plot::PlotError),
    /// The paper's tables cannot be read as a lineage table.
    #[error(transparent)]
    Attribution(#[from] crate::analysis::attribution::AttributionError),
    /// The paper reproduction failed.
    #[error(transparent)]
    Reproduction(#[from] crate::analysis::paper_reproduction::ReproductionError),
    /// A lineage description is invalid.
    #[error(transparent)]
    Lineage(#[from] crate::analysis::lineage::LineageError),
    /// A per-prompt table is invalid.
    #[error(transparent)]
    PerPrompt(#[from] crate::analysis::per_prompt::PerPromptError),
    /// The study failed.
    #[error(transparent)]
    Study(#[from] crate::analysis::study::StudyError),
    /// The sentence encoder failed.
    #[error(transparent)]
    Encoder(#[from] crate::encoders::sentence::SentenceEncoderError),
    /// The NLI model failed.
    #[error(transparent)]
    Nli(#[from] crate::encoders::roberta::NliModelError),
    /// An asset is not set up.
    #[error(transparent)]
    Asset(#[from] crate::assets::MissingAsset),
    /// A pipeline stage failed.
    #[error(transparent)]
    Stage(#[from] crate::pipeline::StageError),
    /// A file cannot be read.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// An argument is out of range.
    #[error("{0}")]
    Argument(String),
}

/// Result of the notebook functions.
pub type Result<T> = std::result::Result<T, NotebookError>;
