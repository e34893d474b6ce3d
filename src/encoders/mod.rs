//! Sentence encoders in burn: MPNet (all-mpnet-base-v2, the SBERT and Vendi metrics).
//! RoBERTa sequence classification (roberta-large-mnli, the NLI metric) follows.
//!
//! * [`layers`]: LayerNorm and the post-LN transformer layer shared by the BERT family.
//! * [`mpnet`]: `MPNetModel` with its relative attention bias, loaded from safetensors.
//! * [`sentence`]: a sentence-transformers folder run as `SentenceTransformer.encode`.

pub mod layers;
pub mod mpnet;
pub mod sentence;

pub use sentence::{SentenceEncoder, SentenceEncoderError};
