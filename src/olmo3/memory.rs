//! The device memory a generation needs: the weights plus the KV cache as [`super::cache`]
//! allocates it, so that a run can be refused up front with the number instead of
//! failing hours in.
//!
//! For K samples decoded together after a prompt of P tokens with a limit of N new
//! tokens, the cache ends holding `T = P + N − 1` positions (the last sampled token is
//! not fed back). Per layer, keys and values take `2 · K · kv_heads · slots · head_dim`
//! elements:
//! * a full-attention layer's buffer starts at `max(P, 64)` slots and doubles (or grows
//!   to what is needed) whenever it is full, so `slots` is the first size of that
//!   sequence that holds T, and the last growth briefly holds the old buffer too;
//! * a sliding layer's ring holds `min(T, W − 1)` slots.
//!
//! The prefill at batch 1 and its repetition to K are smaller than the final cache and are
//! not counted, nor are activations (a few hundred MB at these shapes).

use std::fmt;

use super::config::{LayerType, Olmo3Config};
use super::names::expected_tensors;

/// The initial number of slots of a full-attention buffer (the cache's own constant).
pub(crate) const FIRST_FULL_SLOTS: usize = 64;

/// Bytes a generation needs on its device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerationMemory {
    /// The weights (every tensor of the checkpoint in the device dtype).
    pub weights: u64,
    /// The KV cache when every sample has reached the token limit.
    pub kv_cache: u64,
    /// What the full layers' last growth holds besides: their buffers before it.
    pub growth: u64,
}

impl GenerationMemory {
    /// The memory of `samples` samples decoded together after a prompt of
    /// `prompt_tokens` with at most `new_tokens` new tokens, in a dtype of
    /// `dtype_bytes` bytes per element.
    pub fn estimate(
        config: &Olmo3Config,
        dtype_bytes: u64,
        samples: usize,
        prompt_tokens: usize,
        new_tokens: usize,
    ) -> Self {
        let weights = parameter_count(config) * dtype_bytes;
        let positions = prompt_tokens + new_tokens.saturating_sub(1);
        let per_slot = 2 * (samples * config.num_key_value_heads * config.head_dim) as u64 * dtype_bytes;
        let (mut slots, mut growth) = (0u64, 0u64);
        for layer in &config.layer_types {
            match layer {
                LayerType::Full => {
                    let (last, before) = full_slots(prompt_tokens, positions);
                    slots += last as u64;
                    growth += before as u64;
                }
                LayerType::Sliding => slots += positions.min(config.sliding_window.saturating_sub(1)) as u64,
            }
        }
        Self { weights, kv_cache: slots * per_slot, growth: growth * per_slot }
    }

    /// Weights plus cache at its largest.
    pub fn total(&self) -> u64 {
        self.weights + self.kv_cache + self.growth
    }
}

impl fmt::Display for GenerationMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gib = |bytes: u64| bytes as f64 / f64::from(1u32 << 30);
        write!(
            f,
            "{:.1} GiB ({:.1} GiB of weights, {:.1} GiB of KV cache, {:.1} GiB more while its full layers grow)",
            gib(self.total()),
            gib(self.weights),
            gib(self.kv_cache),
            gib(self.growth)
        )
    }
}

/// The number of weights of a checkpoint with `config`.
pub fn parameter_count(config: &Olmo3Config) -> u64 {
    expected_tensors(config).values().map(|shape| shape.iter().product::<usize>() as u64).sum()
}

/// The slots of a full-attention buffer after a prefill of `prompt` tokens and single-token
/// steps up to `positions` cached tokens: the final size and the size it grew from at its
/// last growth (0 when it never grew), both held during that growth.
pub fn full_slots(prompt: usize, positions: usize) -> (usize, usize) {
    let mut slots = prompt.max(FIRST_FULL_SLOTS);
    let mut before = 0;
    let mut filled = prompt;
    while filled < positions {
        let count = 1;
        if filled + count > slots {
            before = slots;
            slots = (2 * slots).max(filled + count);
        }
        filled += count;
    }
    (slots, before)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Olmo-3-7B's configuration (the fields the estimate reads; see
    /// scripts/bench/olmo3_7b_random.py for the whole file).
    fn olmo3_7b() -> Olmo3Config {
        let layer_types: Vec<&str> =
            (0..32).map(|i| if (i + 1) % 4 == 0 { "full_attention" } else { "sliding_attention" }).collect();
        let config = serde_json::json!({
            "model_type": "olmo3", "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32,
            "num_attention_heads": 32, "num_key_value_heads": 32, "max_position_embeddings": 65536,
            "rope_theta": 500000.0, "sliding_window": 4096, "layer_types": layer_types, "rms_norm_eps": 1e-6,
            "vocab_size": 100278, "tie_word_embeddings": false, "eos_token_id": 100257,
            "rope_scaling": {"rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 8192,
                             "attention_factor": 1.2079441541679836, "beta_fast": 32.0, "beta_slow": 1.0}
        });
        Olmo3Config::from_json_str(&config.to_string(), std::path::Path::new("olmo3-7b.json")).unwrap()
    }

    /// The figures the README states for a 7B generation of K = 16 samples of a 256-token
    /// prompt with up to 3,841 new tokens (4,096 positions).
    #[test]
    fn a_7b_generation_with_16_samples_of_4k_tokens() {
        let config = olmo3_7b();
        assert_eq!(parameter_count(&config), 7_298_011_136);
        let gib = |bytes: u64| bytes as f64 / f64::from(1u32 << 30);
        let bf16 = GenerationMemory::estimate(&config, 2, 16, 256, 3841);
        assert_eq!(bf16.weights, 14_596_022_272);
        // 8 full layers × 4,096 slots + 24 sliding layers × 4,095 slots, 256 KiB per slot.
        assert_eq!(bf16.kv_cache, (8 * 4096 + 24 * 4095) * 262_144);
        assert_eq!(bf16.growth, 8 * 2048 * 262_144);
        assert_eq!(format!("{:.1}", gib(bf16.total())), "49.6");
        let f32 = GenerationMemory::estimate(&config, 4, 16, 256, 3841);
        assert_eq!(format!("{:.1}", gib(f32.total())), "99.2");
    }

    #[test]
    fn full_buffers_double_from_the_prompt_or_64_slots() {
        assert_eq!(full_slots(10, 10), (64, 0));
        assert_eq!(full_slots(10, 64), (64, 0));
        assert_eq!(full_slots(10, 65), (128, 64));
        assert_eq!(full_slots(256, 4096), (4096, 2048));
        assert_eq!(full_slots(200, 4096), (6400, 3200));
    }
}
