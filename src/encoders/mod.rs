//! Sentence encoders in burn: MPNet (all-mpnet-base-v2, the SBERT metric) and RoBERTa
//! sequence classification (roberta-large-mnli, the NLI metric).
//!
//! Not implemented yet. Until it lands, SBERT and Vendi diversity are computed from
//! embeddings supplied by the caller ([`crate::metrics::sbert`], [`crate::metrics::vendi`]).
