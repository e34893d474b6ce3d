//! Sentence encoders in burn: MPNet (all-mpnet-base-v2, the SBERT and Vendi metrics)
//! and RoBERTa sequence classification (roberta-large-mnli, the NLI metric).
//!
//! * [`cache`]: the on-disk embedding cache keyed by model hash, length and text.
//! * [`layers`]: LayerNorm and the post-LN transformer layer shared by the BERT family.
//! * [`loading`]: configuration files and checked weights turned into modules.
//! * [`mpnet`]: `MPNetModel` with its relative attention bias, loaded from safetensors.
//! * [`sentence`]: a sentence-transformers folder run as `SentenceTransformer.encode`.
//! * [`roberta`]: RoBERTa sequence classification and the NLI scorer (roberta-large-mnli).

pub mod cache;
pub mod layers;
pub mod loading;
pub mod mpnet;
pub mod roberta;
pub mod sentence;

pub use sentence::{SentenceEncoder, SentenceEncoderError};
