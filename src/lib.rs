//! # diversity-collapse
//!
//! Measures *where* output diversity collapses as a language model goes through
//! post-training (base → SFT → DPO → RL), re-implementing the study "Where does output
//! diversity collapse in post-training?" (Karouzos, Tan, Aletras, 2026) and extending it
//! with confidence intervals, a matched-prompt correctness decomposition and a small
//! lineage that can be trained and analysed on a laptop.
//!
//! Map of the crate (the README's architecture section mirrors it):
//!
//! | module | job |
//! |---|---|
//! | [`olmo3`] | Olmo 3 in burn, loading Hugging Face checkpoints |
//! | [`generate`] | tokenizer, chat templates, sampling, resumable K-sample runs |
//! | [`encoders`] | MPNet (SBERT) and RoBERTa-MNLI encoders in burn |
//! | [`metrics`] | EAD, SBERT diversity, Vendi score, NLI diversity, text handling |
//! | [`tasks`] | the 15 tasks, prompts and correctness checkers |
//! | [`stats`] | bootstrap intervals and paired comparisons |
//! | [`pipeline`] | the study's stages (sample, score, label, analyse) and the `study` driver that chains them |
//! | [`analysis`] | stage attribution, the decomposition, the paper's tables |
//! | [`plot`] | publication figures (PNG and SVG, embedded font) |
//! | [`lab`] | the miniature lineage trained on a CPU |
//! | [`notebook`] | one-call steps for the evcxr notebooks: tables as HTML, figures as SVG |
//! | [`pycompat`] | Python semantics the reference relies on (whitespace, `random`) |
//! | [`data`] | reading and writing run files (generation JSONL, tables) |
//! | [`device`] | backend and device selection (CPU, CUDA) |
//! | [`assets`] | where the fetched models, tokenizer and task data live |
//! | [`cli`] | the `divcollapse` command line |
//! | [`openai`] | one client of OpenAI-compatible servers (the judges, generation on vLLM and others) |
//! | [`provenance`] | what produced an output: hashes, versions, parameters |
//! | [`weights`] | reading safetensors checkpoints (single or sharded) strictly, memory-mapped, tensor by tensor |

pub mod analysis;
pub mod assets;
pub mod cli;
pub mod data;
pub mod device;
pub mod encoders;
pub mod generate;
pub mod judge;
pub mod lab;
pub mod metrics;
pub mod notebook;
pub mod olmo3;
pub mod openai;
pub mod pipeline;
pub mod plot;
pub mod provenance;
pub mod pycompat;
pub mod stats;
pub mod tasks;
pub mod weights;

/// The tool's version, recorded in every output it writes.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
