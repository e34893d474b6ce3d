//! Generation: tokenizer, chat templates, think suppression, seeded sampling and
//! resumable K-samples-per-prompt runs.
//!
//! * [`tokenizer`]: the checkpoint's `tokenizer.json` (or the dolma2 tokenizer), no BOS.
//! * [`chat`]: the checkpoint's own Jinja chat template rendered as transformers does,
//!   built-in Olmo 3 templates as the fallback, and the "think without thinking" prefill.
//!
//! * [`sampling`]: temperature, top-p, top-k and greedy; one random stream per sample.
//!
//! * [`engine`]: K samples per prompt: prefill once, repeat the cache, decode together.
//!
//! * [`remote`]: the same K samples through an OpenAI-compatible server.
//!
//! * [`runfile`]: one JSONL line per prompt with provenance; resumable after a crash.

pub mod chat;
pub mod engine;
pub mod remote;
pub mod runfile;
pub mod sampling;
pub mod tokenizer;
