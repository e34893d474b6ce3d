//! Generation: tokenizer, chat templates, think suppression, seeded sampling and
//! resumable K-samples-per-prompt runs.
//!
//! * [`tokenizer`]: the checkpoint's `tokenizer.json` (or the dolma2 tokenizer), no BOS.
//! * [`chat`]: the checkpoint's own Jinja chat template rendered as transformers does,
//!   built-in Olmo 3 templates as the fallback, and the "think without thinking" prefill.
//!
//! Sampling and run files follow.

pub mod chat;
pub mod tokenizer;
