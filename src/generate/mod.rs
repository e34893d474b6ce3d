//! Generation: tokenizer, chat templates, think suppression, seeded sampling and
//! resumable K-samples-per-prompt runs.
//!
//! Not implemented yet; it builds on [`crate::olmo3`].
