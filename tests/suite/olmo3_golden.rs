//! The Olmo 3 port against transformers 4.57.6 / 5.24.0 on tiny random checkpoints.
//! Fixtures and their generator: tests/golden/olmo3/ (see the README there).
//!
//! Tolerance: [`tolerance::OLMO3_LOGITS`] absolute on f32 logits (the reference runs in f32
//! too); the other bounds are beside it in `tolerance.rs`.

use std::path::{Path, PathBuf};

use burn::tensor::{FloatDType, Int, Tensor, TensorData};
use diversity_collapse::device::Cpu;
use diversity_collapse::olmo3::rope::{RopeTable, apply_rope, rotate_reference};
use diversity_collapse::olmo3::{KvCache, LayerType, Olmo3Config, Olmo3ForCausalLM, load_olmo3};
use safetensors::SafeTensors;

use crate::tolerance;

const FIXTURES: [&str; 3] = ["mha_legacy", "gqa_v5", "bf16_legacy"];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/olmo3").join(name)
}

struct Expected {
    input_ids: Vec<i64>,
    logits: Vec<f32>,
    greedy_prompt: Vec<i64>,
    greedy_ids: Vec<i64>,
    greedy_logits: Vec<f32>,
    inv_freq_sliding: Vec<f32>,
    inv_freq_full: Vec<f32>,
}

fn expected(name: &str) -> Expected {
    let bytes = std::fs::read(fixture(name).join("expected.safetensors")).unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let f32s = |key: &str| -> Vec<f32> {
        file.tensor(key).unwrap().data().chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect()
    };
    let i64s = |key: &str| -> Vec<i64> {
        file.tensor(key).unwrap().data().chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().unwrap())).collect()
    };
    Expected {
        input_ids: i64s("input_ids"),
        logits: f32s("logits"),
        greedy_prompt: i64s("greedy_prompt"),
        greedy_ids: i64s("greedy_ids"),
        greedy_logits: f32s("greedy_logits"),
        inv_freq_sliding: f32s("rope_inv_freq_sliding"),
        inv_freq_full: f32s("rope_inv_freq_full"),
    }
}

fn load(name: &str) -> Olmo3ForCausalLM<Cpu> {
    load_olmo3::<Cpu>(&fixture(name), &Default::default(), FloatDType::F32).unwrap()
}

fn ids(values: &[i64]) -> Tensor<Cpu, 2, Int> {
    Tensor::from_data(TensorData::new(values.to_vec(), [1, values.len()]), &Default::default())
}

fn to_vec(tensor: Tensor<Cpu, 3>) -> Vec<f32> {
    tensor.into_data().to_vec::<f32>().unwrap()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// Mean and standard deviation, to compare whole tensors by their summary too.
fn summary(values: &[f32]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = values.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

#[test]
fn logits_match_transformers_at_every_position() {
    for name in FIXTURES {
        let model = load(name);
        let expected = expected(name);
        let logits = to_vec(model.forward_full(ids(&expected.input_ids)));
        let error = max_abs_diff(&logits, &expected.logits);
        println!("{name}: full forward over {} tokens, max |Δlogit| = {error:.2e}", expected.input_ids.len());
        assert!(error < tolerance::OLMO3_LOGITS, "{name}: max abs logit error {error}");
        let (mean, std) = summary(&logits);
        let (mean_ref, std_ref) = summary(&expected.logits);
        assert!(
            (mean - mean_ref).abs() < tolerance::OLMO3_LOGITS_SUMMARY
                && (std - std_ref).abs() < tolerance::OLMO3_LOGITS_SUMMARY,
            "{name}: summary statistics"
        );
    }
}

#[test]
fn incremental_decoding_with_the_cache_equals_one_full_forward() {
    for name in FIXTURES {
        let model = load(name);
        let expected = expected(name);
        let tokens = &expected.input_ids;
        let vocab = model.config.vocab_size;
        // A prefill of 37 tokens, then one token at a time: the sliding rings wrap many times.
        let mut cache = KvCache::new(&model.config);
        let mut logits = to_vec(model.forward(ids(&tokens[..37]), &mut cache));
        for t in 37..tokens.len() {
            logits.extend(to_vec(model.forward(ids(&tokens[t..t + 1]), &mut cache)));
        }
        assert_eq!(cache.seen(), tokens.len());
        let error = max_abs_diff(&logits, &expected.logits);
        println!("{name}: cached decoding, max |Δlogit| = {error:.2e}");
        assert!(error < tolerance::OLMO3_LOGITS, "{name}: cached logits differ by {error}");
        // Chunks that straddle the window (window 16 or 12): 5, 20, 3, 100.
        let mut cache = KvCache::new(&model.config);
        let mut chunked = Vec::new();
        let mut start = 0;
        for size in [5, 20, 3, tokens.len() - 28] {
            chunked.extend(to_vec(model.forward(ids(&tokens[start..start + size]), &mut cache)));
            start += size;
        }
        assert_eq!(chunked.len(), tokens.len() * vocab);
        let error = max_abs_diff(&chunked, &expected.logits);
        assert!(error < tolerance::OLMO3_LOGITS, "{name}: chunked prefill differs by {error}");
    }
}

fn argmax(row: &[f32]) -> usize {
    row.iter().enumerate().fold((0, f32::NEG_INFINITY), |best, (i, &v)| if v > best.1 { (i, v) } else { best }).0
}

#[test]
fn greedy_continuation_matches_transformers_generate_token_for_token() {
    for name in FIXTURES {
        let model = load(name);
        let expected = expected(name);
        let vocab = model.config.vocab_size;
        let mut cache = KvCache::new(&model.config);
        let mut sequence = expected.greedy_prompt.clone();
        let mut step_logits: Vec<f32> = Vec::new();
        let mut next_input = sequence.clone();
        for _ in 0..expected.greedy_ids.len() - expected.greedy_prompt.len() {
            let row = model.forward_last(ids(&next_input), &mut cache).into_data().to_vec::<f32>().unwrap();
            let token = argmax(&row) as i64;
            step_logits.extend(row);
            sequence.push(token);
            next_input = vec![token];
        }
        assert_eq!(sequence, expected.greedy_ids, "{name}: greedy tokens");
        let error = max_abs_diff(&step_logits, &expected.greedy_logits);
        println!("{name}: greedy decode of {} tokens, max |Δlogit| = {error:.2e}", step_logits.len() / vocab);
        assert!(error < tolerance::OLMO3_LOGITS, "{name}: greedy step logits differ by {error}");
    }
}

#[test]
fn prompt_a_then_b_then_a_again_gives_identical_a() {
    let model = load("gqa_v5");
    let expected = expected("gqa_v5");
    let a = &expected.input_ids[..60];
    let b = &expected.input_ids[60..];
    let mut cache = KvCache::new(&model.config);
    let first = to_vec(model.forward(ids(a), &mut cache));
    cache.reset();
    let _ = model.forward(ids(b), &mut cache);
    cache.reset();
    let again = to_vec(model.forward(ids(a), &mut cache));
    assert_eq!(first, again);
}

#[test]
fn repeated_batch_cache_gives_each_sample_the_single_sample_logits() {
    let model = load("mha_legacy");
    let expected = expected("mha_legacy");
    let prompt = &expected.input_ids[..30];
    let mut single = KvCache::new(&model.config);
    let _ = model.forward(ids(prompt), &mut single);
    let mut batch = single.repeat_batch(3);
    let next: Vec<i64> = vec![5, 17, 900];
    let batch_ids = Tensor::<Cpu, 2, Int>::from_data(TensorData::new(next.clone(), [3, 1]), &Default::default());
    let batched = model.forward_last(batch_ids, &mut batch).into_data().to_vec::<f32>().unwrap();
    let vocab = model.config.vocab_size;
    for (row, token) in next.iter().enumerate() {
        let mut own = single.clone();
        let alone = model.forward_last(ids(&[*token]), &mut own).into_data().to_vec::<f32>().unwrap();
        let error = max_abs_diff(&batched[row * vocab..(row + 1) * vocab], &alone);
        assert!(error < tolerance::OLMO3_BATCHED_CACHE, "row {row}: {error}");
    }
}

#[test]
fn rope_tables_match_transformers_inverse_frequencies() {
    for name in FIXTURES {
        let model = load(name);
        let expected = expected(name);
        for (table, reference) in model.rope.iter().zip([&expected.inv_freq_sliding, &expected.inv_freq_full]) {
            for (got, want) in table.inv_freq.iter().zip(reference.iter()) {
                assert!(
                    ((got - want) / want).abs() < tolerance::OLMO3_INV_FREQ_RELATIVE,
                    "{name}: inv_freq {got} vs {want}"
                );
            }
        }
    }
    // The real 7B configuration's YaRN frequencies, as transformers computes them.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("yarn_7b_inv_freq.json")).expect("7B table")).unwrap();
    let config = Olmo3Config::from_json_str(
        r#"{"vocab_size": 100278, "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32,
            "num_attention_heads": 32, "num_key_value_heads": 32, "max_position_embeddings": 65536,
            "rope_theta": 500000, "rope_scaling": {"rope_type": "yarn", "factor": 8.0,
            "original_max_position_embeddings": 8192, "beta_fast": 32, "beta_slow": 1,
            "attention_factor": 1.2079441541679836}}"#,
        Path::new("7b-config.json"),
    )
    .unwrap();
    let full = RopeTable::new(config.rope(LayerType::Full), config.head_dim);
    let sliding = RopeTable::new(config.rope(LayerType::Sliding), config.head_dim);
    let reference = |key: &str| -> Vec<f64> {
        json[key]["inv_freq"]
            .as_array()
            .unwrap_or_else(|| panic!("{key}.inv_freq"))
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    for (table, key) in [(&full, "full_attention"), (&sliding, "sliding_attention")] {
        let want = reference(key);
        assert_eq!(want.len(), 64);
        for (i, (got, want)) in table.inv_freq.iter().zip(&want).enumerate() {
            assert!(
                ((f64::from(*got) - want) / want).abs() < tolerance::OLMO3_YARN_7B_INV_FREQ_RELATIVE,
                "{key}[{i}]: {got} vs {want}"
            );
        }
    }
    // The values quoted in the architecture notes.
    for (i, want) in
        [(18, 0.0249554087), (19, 0.0192827549), (26, 0.0028467184), (34, 1.65613036e-4), (63, 3.06892599e-7)]
    {
        assert!(
            ((f64::from(full.inv_freq[i]) - want) / want).abs() < tolerance::OLMO3_YARN_7B_INV_FREQ_RELATIVE,
            "inv_freq[{i}]"
        );
    }
    assert!((f64::from(full.attention_factor) - 1.2079441541679836).abs() < tolerance::OLMO3_ATTENTION_FACTOR);
    assert_eq!(sliding.attention_factor, 1.0);
}

#[test]
fn rope_application_equals_the_slow_reference() {
    let config = Olmo3Config::from_file(&fixture("mha_legacy").join("config.json")).unwrap();
    let table = RopeTable::new(config.rope(LayerType::Full), 16);
    let positions: Vec<usize> = vec![0, 1, 7, 31, 32, 100, 4000];
    let values: Vec<f32> = (0..positions.len() * 16).map(|i| ((i * 37 % 23) as f32 - 11.0) / 7.0).collect();
    let x =
        Tensor::<Cpu, 4>::from_data(TensorData::new(values.clone(), [1, 1, positions.len(), 16]), &Default::default());
    let (cos, sin) = table.cos_sin::<Cpu>(&positions, &Default::default());
    let rotated = apply_rope(x, &cos, &sin).into_data().to_vec::<f32>().unwrap();
    for (row, &position) in positions.iter().enumerate() {
        let want = rotate_reference(&values[row * 16..(row + 1) * 16], position, &table);
        for (got, want) in rotated[row * 16..(row + 1) * 16].iter().zip(&want) {
            assert!(
                (f64::from(*got) - want).abs() < tolerance::OLMO3_ROPE_APPLICATION * (1.0 + position as f64 / 1000.0),
                "position {position}"
            );
        }
    }
}

#[test]
fn masked_attention_equals_the_slow_reference() {
    use diversity_collapse::olmo3::model::{masked_attention, masked_attention_reference};
    let (t, s, d) = (5, 10, 8);
    let values_for = |n: usize, seed: usize| -> Vec<f32> {
        (0..n).map(|i| (((i + seed) * 7919 % 97) as f32 - 48.0) / 30.0).collect()
    };
    let (q, k, v) = (values_for(t * d, 1), values_for(s * d, 2), values_for(s * d, 3));
    // Keys out of position order with one empty ring slot, as a wrapped ring holds them;
    // every query's own key is present (as in the model); queries at positions 20..25.
    let key_positions =
        vec![Some(17), Some(18), None, Some(16), Some(19), Some(20), Some(21), Some(22), Some(24), Some(23)];
    let query_positions: Vec<usize> = (20..25).collect();
    let device = Default::default();
    let tensor = |data: &Vec<f32>, rows: usize| {
        Tensor::<Cpu, 4>::from_data(TensorData::new(data.clone(), [1, 1, rows, d]), &device)
    };
    for window in [None, Some(4), Some(1)] {
        let got =
            masked_attention(tensor(&q, t), tensor(&k, s), tensor(&v, s), &query_positions, &key_positions, window)
                .into_data()
                .to_vec::<f32>()
                .unwrap();
        let want = masked_attention_reference(&q, &k, &v, d, &query_positions, &key_positions, window);
        for (a, b) in got.iter().zip(&want) {
            assert!((f64::from(*a) - b).abs() < tolerance::OLMO3_MASKED_ATTENTION, "window {window:?}: {a} vs {b}");
        }
    }
}
