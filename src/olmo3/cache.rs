//! The KV cache: a growing buffer for full-attention layers and a ring buffer of the last
//! `W − 1` keys for sliding layers, with the position of every cached key tracked
//! explicitly (the attention mask is built from positions, not from slot order).
//!
//! The full-attention buffer has spare slots: a step writes its keys in place after the
//! ones already there and attends over the filled prefix, and the buffer doubles when it
//! is full. Concatenating instead would copy the whole cache of every layer at every
//! decoding step; doubling copies each key at most about twice over a whole generation.
//!
//! Keys are cached after RoPE. All sequences of a batch share positions (the K samples
//! of one prompt), so one position list serves the batch. A prompt is prefilled once at
//! batch 1 and [`KvCache::repeat_batch`] makes the K-sample cache from it.

use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

use super::config::{LayerType, Olmo3Config};
use super::memory::FIRST_FULL_SLOTS;

/// Keys and values of one layer: `[batch, kv_heads, slots, head_dim]`, with the token
/// position held in each slot (`None` for a ring slot not written yet).
#[derive(Debug, Clone)]
pub struct CachedKeys<B: Backend> {
    /// Keys (post-RoPE).
    pub keys: Tensor<B, 4>,
    /// Values.
    pub values: Tensor<B, 4>,
    /// Position of the token in each slot.
    pub positions: Vec<Option<usize>>,
}

/// The cache of one layer.
#[derive(Debug, Clone)]
enum LayerCache<B: Backend> {
    /// Full attention: every past key, in order, in the first `positions.len()` slots of
    /// a buffer with spare slots (see the module documentation).
    Full(Option<CachedKeys<B>>),
    /// Sliding attention: a ring of `capacity = W − 1` slots; slot of position p is p mod capacity.
    Ring { capacity: usize, state: Option<CachedKeys<B>> },
}

/// The KV cache of a whole model.
#[derive(Debug, Clone)]
pub struct KvCache<B: Backend> {
    layers: Vec<LayerCache<B>>,
    seen: usize,
}

impl<B: Backend> KvCache<B> {
    /// An empty cache shaped for `config`.
    pub fn new(config: &Olmo3Config) -> Self {
        let layers = config
            .layer_types
            .iter()
            .map(|kind| match kind {
                LayerType::Full => LayerCache::Full(None),
                LayerType::Sliding => LayerCache::Ring { capacity: config.sliding_window - 1, state: None },
            })
            .collect();
        Self { layers, seen: 0 }
    }

    /// Bytes of the cached keys and values as allocated (spare slots included).
    pub fn allocated_bytes(&self) -> u64 {
        self.layers
            .iter()
            .filter_map(|layer| match layer {
                LayerCache::Full(state) | LayerCache::Ring { state, .. } => state.as_ref(),
            })
            .map(|s| {
                let bytes = |t: &Tensor<B, 4>| (t.shape().num_elements() * t.dtype().size()) as u64;
                bytes(&s.keys) + bytes(&s.values)
            })
            .sum()
    }

    /// Number of tokens processed so far (the position of the next token).
    pub fn seen(&self) -> usize {
        self.seen
    }

    /// Empties the cache (positions restart at 0).
    pub fn reset(&mut self) {
        for layer in &mut self.layers {
            match layer {
                LayerCache::Full(state) | LayerCache::Ring { state, .. } => *state = None,
            }
        }
        self.seen = 0;
    }

    /// The cache repeated `times` along the batch dimension: a batch-1 prefill becomes
    /// the starting cache of `times` samples.
    pub fn repeat_batch(&self, times: usize) -> Self {
        self.map_tensors(|t| t.repeat_dim(0, times))
    }

    /// Keeps only the batch rows in `rows` (e.g. to drop finished samples).
    pub fn select_batch(&self, rows: &[usize], device: &B::Device) -> Self {
        let index = Tensor::<B, 1, burn::tensor::Int>::from_data(
            burn::tensor::TensorData::new(rows.iter().map(|&r| r as i64).collect::<Vec<_>>(), [rows.len()]),
            device,
        );
        self.map_tensors(|t| t.select(0, index.clone()))
    }

    /// The same cache with `f` applied to every cached key and value tensor.
    fn map_tensors(&self, f: impl Fn(Tensor<B, 4>) -> Tensor<B, 4>) -> Self {
        let map = |state: &Option<CachedKeys<B>>| {
            state.as_ref().map(|s| CachedKeys {
                keys: f(s.keys.clone()),
                values: f(s.values.clone()),
                positions: s.positions.clone(),
            })
        };
        let layers = self
            .layers
            .iter()
            .map(|layer| match layer {
                LayerCache::Full(state) => LayerCache::Full(map(state)),
                LayerCache::Ring { capacity, state } => LayerCache::Ring { capacity: *capacity, state: map(state) },
            })
            .collect();
        Self { layers, seen: self.seen }
    }

    /// Marks `count` more tokens as processed (called once per forward pass).
    pub(crate) fn advance(&mut self, count: usize) {
        self.seen += count;
    }

    /// Appends the new keys and values of `layer` (shape `[batch, kv_heads, T, d]`,
    /// tokens at `positions`) and returns everything the new queries may attend to.
    pub(crate) fn update(
        &mut self,
        layer: usize,
        keys: Tensor<B, 4>,
        values: Tensor<B, 4>,
        positions: &[usize],
    ) -> CachedKeys<B> {
        let new_positions: Vec<Option<usize>> = positions.iter().copied().map(Some).collect();
        match &mut self.layers[layer] {
            LayerCache::Full(state) => write_growing(state, keys, values, new_positions),
            LayerCache::Ring { capacity, state } => {
                let capacity = *capacity;
                let attend = match state {
                    None => CachedKeys { keys: keys.clone(), values: values.clone(), positions: new_positions },
                    Some(ring) => CachedKeys {
                        keys: Tensor::cat(vec![ring.keys.clone(), keys.clone()], 2),
                        values: Tensor::cat(vec![ring.values.clone(), values.clone()], 2),
                        positions: ring.positions.iter().copied().chain(new_positions).collect(),
                    },
                };
                if capacity > 0 {
                    write_ring(state, capacity, keys, values, positions);
                }
                attend
            }
        }
    }
}

/// Appends `count` new keys and values (`[batch, kv_heads, count, d]`) to a
/// full-attention buffer, in place: the buffer (taken out of `state` so that its tensors
/// are not shared) grows to `max(2 × slots, filled + count)` slots when they do not fit.
/// Returns the filled slots, every key the new queries may attend to.
fn write_growing<B: Backend>(
    state: &mut Option<CachedKeys<B>>,
    keys: Tensor<B, 4>,
    values: Tensor<B, 4>,
    new_positions: Vec<Option<usize>>,
) -> CachedKeys<B> {
    let [batch, heads, count, width] = keys.dims();
    let empty_slots = |slots: usize, like: &Tensor<B, 4>| {
        Tensor::<B, 4>::zeros([batch, heads, slots, width], &like.device()).cast(like.dtype())
    };
    let mut buffer = state.take().unwrap_or_else(|| {
        let slots = count.max(FIRST_FULL_SLOTS);
        CachedKeys { keys: empty_slots(slots, &keys), values: empty_slots(slots, &values), positions: Vec::new() }
    });
    let filled = buffer.positions.len();
    let slots = buffer.keys.dims()[2];
    if filled + count > slots {
        let grown = (2 * slots).max(filled + count);
        buffer.keys = Tensor::cat(vec![buffer.keys, empty_slots(grown - slots, &keys)], 2);
        buffer.values = Tensor::cat(vec![buffer.values, empty_slots(grown - slots, &values)], 2);
    }
    let range = [0..batch, 0..heads, filled..filled + count, 0..width];
    buffer.keys = buffer.keys.slice_assign(range.clone(), keys);
    buffer.values = buffer.values.slice_assign(range, values);
    buffer.positions.extend(new_positions);
    let filled = buffer.positions.len();
    let attend = CachedKeys {
        keys: buffer.keys.clone().narrow(2, 0, filled),
        values: buffer.values.clone().narrow(2, 0, filled),
        positions: buffer.positions.clone(),
    };
    *state = Some(buffer);
    attend
}

/// Writes the last `min(T, capacity)` new tokens into their ring slots (at most two
/// contiguous runs, since the slots wrap at most once).
///
/// The ring is not allocated whole: position p lives in slot p mod capacity, so while
/// every position is below the capacity the slots in use are a prefix of length
/// max position + 1, and the ring grows to that. A short sequence then attends over its
/// own keys, not over thousands of empty slots. The ring is taken out of `state` while
/// it is written, so that its tensors are not shared and the slices are written in place.
fn write_ring<B: Backend>(
    state: &mut Option<CachedKeys<B>>,
    capacity: usize,
    keys: Tensor<B, 4>,
    values: Tensor<B, 4>,
    positions: &[usize],
) {
    let [batch, heads, count, width] = keys.dims();
    let needed = positions.iter().max().map_or(0, |&p| p + 1).min(capacity);
    let empty_slots = |slots: usize, like: &Tensor<B, 4>| {
        Tensor::<B, 4>::zeros([batch, heads, slots, width], &like.device()).cast(like.dtype())
    };
    let mut ring = state.take().unwrap_or_else(|| CachedKeys {
        keys: empty_slots(needed, &keys),
        values: empty_slots(needed, &values),
        positions: vec![None; needed],
    });
    let length = ring.positions.len();
    if length < needed {
        ring.keys = Tensor::cat(vec![ring.keys, empty_slots(needed - length, &keys)], 2);
        ring.values = Tensor::cat(vec![ring.values, empty_slots(needed - length, &values)], 2);
        ring.positions.resize(needed, None);
    }
    let kept = count.min(capacity);
    let mut offset = count - kept; // index into the new tokens
    while offset < count {
        let slot = positions[offset] % capacity;
        let run = (capacity - slot).min(count - offset);
        let source = |t: &Tensor<B, 4>| t.clone().narrow(2, offset, run);
        ring.keys = ring.keys.slice_assign([0..batch, 0..heads, slot..slot + run, 0..width], source(&keys));
        ring.values = ring.values.slice_assign([0..batch, 0..heads, slot..slot + run, 0..width], source(&values));
        for i in 0..run {
            ring.positions[slot + i] = Some(positions[offset + i]);
        }
        offset += run;
    }
    *state = Some(ring);
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use burn::tensor::Tensor;

    use super::*;
    use crate::device::Cpu;

    /// One layer of type `layer` with a window of `window` tokens, 1 head of width 2.
    fn layer_config(layer: LayerType, window: usize) -> Olmo3Config {
        let json = format!(
            r#"{{"vocab_size": 8, "hidden_size": 2, "intermediate_size": 4, "num_hidden_layers": 1,
                "num_attention_heads": 1, "max_position_embeddings": 64, "sliding_window": {window},
                "layer_types": ["{}"], "rope_theta": 10000.0, "rms_norm_eps": 1e-6}}"#,
            layer.as_str()
        );
        Olmo3Config::from_json_str(&json, Path::new("config.json")).expect("a valid config")
    }

    /// One sliding layer with a window of `window` tokens.
    fn config(window: usize) -> Olmo3Config {
        layer_config(LayerType::Sliding, window)
    }

    /// Keys of `count` tokens whose values are their positions.
    fn keys(start: usize, count: usize) -> Tensor<Cpu, 4> {
        let data: Vec<f32> = (start..start + count).flat_map(|p| [p as f32, p as f32]).collect();
        Tensor::<Cpu, 1>::from_floats(data.as_slice(), &Default::default()).reshape([1, 1, count, 2])
    }

    /// Feeds tokens in chunks; returns (slots attended, positions attended) after each chunk.
    fn run(window: usize, chunks: &[usize]) -> Vec<(usize, Vec<usize>)> {
        run_layer(config(window), chunks)
    }

    fn run_layer(config: Olmo3Config, chunks: &[usize]) -> Vec<(usize, Vec<usize>)> {
        let mut cache = KvCache::<Cpu>::new(&config);
        let mut out = Vec::new();
        let mut seen = 0;
        for &count in chunks {
            let positions: Vec<usize> = (seen..seen + count).collect();
            let attended = cache.update(0, keys(seen, count), keys(seen, count), &positions);
            let values: Vec<f32> = attended.keys.clone().into_data().to_vec().expect("f32");
            // Every attended slot with a position holds that token's key.
            for (slot, position) in attended.positions.iter().enumerate() {
                if let Some(p) = position {
                    assert_eq!(values[2 * slot], *p as f32, "slot {slot}");
                }
            }
            let mut visible: Vec<usize> = attended.positions.iter().flatten().copied().collect();
            visible.sort_unstable();
            out.push((attended.positions.len(), visible));
            seen += count;
        }
        out
    }

    #[test]
    fn a_short_sequence_attends_only_over_its_own_keys_under_a_long_window() {
        let steps = run(4096, &[5, 1, 1]);
        assert_eq!(steps[0], (5, (0..5).collect()));
        // The ring holds 5 then 6 keys; the new key is appended for attention.
        assert_eq!(steps[1], (6, (0..6).collect()));
        assert_eq!(steps[2], (7, (0..7).collect()));
    }

    #[test]
    fn the_ring_keeps_the_last_window_minus_one_keys_once_full() {
        // Window 4: the ring keeps 3 keys; each step attends over them and the new one.
        let steps = run(4, &[2, 1, 1, 1, 6, 1]);
        assert_eq!(steps[0].1, vec![0, 1]);
        assert_eq!(steps[1].1, vec![0, 1, 2]);
        assert_eq!(steps[2].1, vec![0, 1, 2, 3]);
        assert_eq!(steps[3].1, vec![1, 2, 3, 4]);
        // A chunk longer than the ring: the old keys and all new ones are offered (the mask
        // limits each query to its window), then only the last 3 are kept.
        assert_eq!(steps[4].1, (2..11).collect::<Vec<_>>());
        assert_eq!(steps[5], (4, vec![8, 9, 10, 11]));
    }

    #[test]
    fn the_full_attention_buffer_grows_in_place_and_attends_over_every_key_in_order() {
        // 5 keys fit the first 64 slots; 5 + 1 + 60 = 66 doubles it to 128; a chunk of 200
        // grows it to 266 at once; single steps then fill it in place.
        let chunks = [5, 1, 60, 1, 200, 1, 1];
        let steps = run_layer(layer_config(LayerType::Full, 4096), &chunks);
        let mut seen = 0;
        for (step, &count) in steps.iter().zip(&chunks) {
            seen += count;
            // Exactly the keys so far, in slot order (checked against the key values by run_layer).
            let (slots, positions) = step;
            assert_eq!(*slots, seen);
            assert_eq!(*positions, (0..seen).collect::<Vec<_>>());
        }
    }
}
