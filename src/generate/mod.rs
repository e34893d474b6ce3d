//! Generation: tokenizer, chat templates, think suppression, seeded sampling and
//! resumable K-samples-per-prompt runs.
//!
//! * [`tokenizer`]: the checkpoint's `tokenizer.json` (or the dolma2 tokenizer), no BOS.
//! * [`chat`]: the checkpoint's own Jinja chat template rendered as transformers does,
//!   built-in Olmo 3 templates as the fallback, and the "think without thinking" prefill.
//!
//! * [`sampling`]: temperature, top-p, top-k and greedy; one random stream per sample.
//!
//! The batched K-sample generation loop and resumable run files follow.

pub mod chat;
pub mod sampling;
pub mod tokenizer;
