//! The study's 15 tasks: registry, prompt templates, data loaders and correctness
//! checkers.
//!
//! * [`registry`]: one entry per task (and the `humaneval_instruct` variant): source,
//!   template, N, generation limit, stop sequences, quality kind, licence.
//! * [`data`]: loading a task's documents (fetched assets or a user's export) and
//!   lighteval's seeded selection of the first N.
//! * [`math`]: math answer extraction, matching and majority vote (paper mode).
//! * [`math_corrected`]: the same with the paper's defects fixed (balanced boxes, LaTeX
//!   normalisation, numeric comparison).
//! * [`truthfulqa`]: the TruthfulQA substring rule.
//! * [`quality`]: accuracy@1, pass@k (unbiased).
//! * [`sandbox`]: running generated Python programs under limits and namespaces.
//! * [`code`]: HumanEval and MBPP program assembly (paper and corrected modes).
//! * [`ifeval`]: the reference's simplified IFEval instruction checks (paper mode).
//! * [`ifeval_official`]: Google's official IFEval checker (all 25 instructions, strict
//!   and loose, nltk's Punkt and word tokenizer ported): `--mode corrected`.
//! * [`langdetect`]: a port of Python's langdetect 1.0.9, the language identifier of
//!   the official check `language:response_language`.
//! * [`cruxeval`]: CRUXEval output prediction (the reference's QFD rule).
//! * [`lab`]: the lab's two tasks (`lab_sums`, `lab_describe`), drawn from the lab
//!   world by seed.

pub mod code;
pub mod cruxeval;
pub mod data;
pub mod ifeval;
pub mod ifeval_official;
pub mod lab;
pub mod langdetect;
pub mod math;
pub mod math_corrected;
pub mod quality;
pub mod registry;
pub mod sandbox;
pub mod truthfulqa;

pub use data::{TaskDocument, load_task};
pub use registry::{Quality, TASKS, TaskSpec, task};
