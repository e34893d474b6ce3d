//! The memory estimate of a generation (`olmo3::memory`) against the cache the engine
//! really allocates: a tiny checkpoint prefilled and decoded at batch K, the cache's
//! allocated bytes compared with the estimate, for prompts shorter and longer than the
//! sliding window and the full layers' first buffer.

use std::path::Path;

use burn::tensor::{FloatDType, Int, Tensor, TensorData};
use diversity_collapse::device::Cpu;
use diversity_collapse::olmo3::memory::{GenerationMemory, parameter_count};
use diversity_collapse::olmo3::{KvCache, load_olmo3};

#[test]
fn the_kv_cache_estimate_is_what_the_cache_allocates() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/olmo3/gqa_v5");
    let device = Default::default();
    let model = load_olmo3::<Cpu>(&fixture, &device, FloatDType::F32).unwrap();
    let config = model.config.clone();
    let window = config.sliding_window;
    let vocab = config.vocab_size as i64;
    for (samples, prompt, new_tokens) in [(3, 5, 4), (2, window + 3, 6), (4, 7, 70), (1, 60, window + 10)] {
        let mut prefill = KvCache::new(&config);
        let ids: Vec<i64> = (0..prompt as i64).map(|i| (i * 7 + 3) % vocab).collect();
        let input = Tensor::<Cpu, 2, Int>::from_data(TensorData::new(ids, [1, prompt]), &device);
        let _ = model.forward_last(input, &mut prefill);
        let mut cache = prefill.repeat_batch(samples);
        // The engine feeds back every sampled token but the last.
        for step in 0..new_tokens.saturating_sub(1) {
            let next = vec![(step as i64 * 5 + 1) % vocab; samples];
            let input = Tensor::<Cpu, 2, Int>::from_data(TensorData::new(next, [samples, 1]), &device);
            let _ = model.forward_last(input, &mut cache);
        }
        let estimate = GenerationMemory::estimate(&config, 4, samples, prompt, new_tokens);
        assert_eq!(cache.allocated_bytes(), estimate.kv_cache, "K {samples}, prompt {prompt}, {new_tokens} new");
    }
    // The weights are every tensor's elements.
    let weights = GenerationMemory::estimate(&config, 2, 1, 1, 1).weights;
    assert_eq!(weights, parameter_count(&config) * 2);
}
