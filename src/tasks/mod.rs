//! The study's 15 tasks: registry, prompt templates, data loaders and correctness
//! checkers.
//!
//! * [`registry`]: one entry per task (and the `humaneval_instruct` variant): source,
//!   template, N, generation limit, stop sequences, quality kind, licence.
//! * [`data`]: loading a task's documents (fetched assets or a user's export) and
//!   lighteval's seeded selection of the first N.
//!
//! The correctness checkers (math answers, sandboxed code execution, IFEval,
//! TruthfulQA, CRUXEval) are not implemented yet.

pub mod data;
pub mod registry;

pub use data::{TaskDocument, load_task};
pub use registry::{Quality, TASKS, TaskSpec, task};
