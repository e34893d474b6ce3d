//! The study's 15 tasks: registry, prompt templates, data loaders and correctness
//! checkers.
//!
//! * [`registry`]: one entry per task (and the `humaneval_instruct` variant): source,
//!   template, N, generation limit, stop sequences, quality kind, licence.
//! * [`data`]: loading a task's documents (fetched assets or a user's export) and
//!   lighteval's seeded selection of the first N.
//! * [`math`]: math answer extraction, matching and majority vote (paper mode).
//! * [`truthfulqa`]: the TruthfulQA substring rule.
//! * [`quality`]: accuracy@1, pass@k (unbiased).
//! * [`sandbox`]: running generated Python programs under limits and namespaces.
//! * [`code`]: HumanEval and MBPP program assembly (paper mode).
//! * [`ifeval`]: the reference's simplified IFEval instruction checks (paper mode).
//! * [`cruxeval`]: CRUXEval output prediction (the reference's QFD rule).
//! * [`langdetect`]: a port of Python's langdetect 1.0.9, the language identifier of
//!   Google's official IFEval check `language:response_language`.
//!
//! Google's official IFEval checker and the corrected math mode are not implemented yet.

pub mod code;
pub mod cruxeval;
pub mod data;
pub mod ifeval;
pub mod langdetect;
pub mod math;
pub mod quality;
pub mod registry;
pub mod sandbox;
pub mod truthfulqa;

pub use data::{TaskDocument, load_task};
pub use registry::{Quality, TASKS, TaskSpec, task};
