//! Olmo 3 in burn: configuration, network, KV cache and checkpoint loading.
//!
//! Not implemented yet. This module will hold the faithful Olmo 3 port (post-norm
//! decoder layers, full-width QK-norm, 3 sliding + 1 full attention layers, YaRN on the
//! full layers only) that loads Hugging Face safetensors checkpoints as published.
