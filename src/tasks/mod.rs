//! The study's 15 tasks: registry, prompt templates, data loaders and correctness
//! checkers (math answers, sandboxed code execution, IFEval, TruthfulQA, CRUXEval).
//!
//! Not implemented yet.
