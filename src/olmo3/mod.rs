//! Olmo 3 in burn: configuration, network, KV cache and checkpoint loading.
//!
//! A faithful port of transformers' `Olmo3ForCausalLM` (4.57.6 semantics): post-norm
//! decoder layers, full-width QK-norm, sliding-window and full attention layers, YaRN on
//! the full layers only, untied `lm_head`. Generic over the burn backend; pick
//! [`crate::device::Cpu`] or the CUDA backend at the edge.
//!
//! * [`config`]: `config.json` in both transformers schemas.
//! * [`rope`]: rotate-half RoPE and YaRN inverse frequencies.
//! * [`model`]: the network, with Hugging Face module names.
//! * [`cache`]: the KV cache (growing for full layers, a ring for sliding layers).
//! * [`names`]: the Hugging Face name and shape of every tensor, listed once.
//! * [`load`]: strict safetensors loading, single file or sharded.
//! * [`memory`]: the device memory a generation needs (weights plus KV cache).
//! * [`save`]: random initialisation and saving to safetensors (the lineage lab).
//! * [`check`]: the golden fixtures and a decode benchmark on any backend (GPU check).

pub mod cache;
pub mod check;
pub mod config;
pub mod load;
pub mod memory;
pub mod model;
pub mod names;
pub mod rope;
pub mod save;

pub use cache::KvCache;
pub use config::{LayerType, Olmo3Config};
pub use load::{LoadError, load_olmo3, load_olmo3_as};
pub use model::Olmo3ForCausalLM;
