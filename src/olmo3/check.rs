//! A self-check of the port on any backend: the golden fixtures of `tests/golden/olmo3/`
//! (tiny checkpoints with transformers' logits) run on the chosen device and dtype, plus
//! a batched decode throughput measurement. `divcollapse olmo3-check` drives it; it is
//! how the CUDA backend is verified on a GPU machine (`scripts/gpu-check`).
//!
//! Tolerances: f32 1e-4 absolute on logits, as on the CPU. bf16: max |Δlogit| ≤ 5% of the
//! largest reference |logit|, and the arg-max token agrees at ≥ 90% of positions. Why:
//! bf16 keeps 8 significant bits (unit roundoff 2⁻⁸ ≈ 0.39%), and the activations are
//! rounded after each of the ~10 matmuls and norms of every layer; independent rounding
//! errors over 4–6 layers grow to about √50 · 0.39% ≈ 2.8% of the logit scale. Measured
//! with the CPU backend in bf16: 0.13–0.16 on logits of magnitude ≈ 6 (2.2–2.7%). The
//! usual porting mistakes shift logits by 0.6–6 (the fixtures' README), far above it.
//! Greedy continuations are reported, not required, in bf16: one flipped near-tie changes
//! everything after it.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::backend::Backend;
use burn::tensor::{FloatDType, Int, Tensor, TensorData};
use safetensors::SafeTensors;
use serde::Serialize;

use super::{KvCache, LoadError, load_olmo3};

/// f32 tolerance on logits.
pub const F32_TOLERANCE: f32 = 1e-4;
/// bf16 tolerance on logits, relative to the largest reference |logit| (module docs).
pub const BF16_RELATIVE_TOLERANCE: f32 = 0.05;
/// Minimum share of positions whose arg-max agrees, in bf16.
pub const BF16_MIN_ARGMAX_AGREEMENT: f64 = 0.9;

/// The result of one fixture.
#[derive(Debug, Clone, Serialize)]
pub struct FixtureCheck {
    /// Name of the checkpoint folder.
    pub fixture: String,
    /// `f32` or `bf16`.
    pub dtype: String,
    /// Max |Δlogit| of the full forward pass.
    pub max_abs_error: f32,
    /// Share of positions where the arg-max equals transformers'.
    pub argmax_agreement: f64,
    /// Greedy tokens equal to transformers' `generate` (out of `greedy_total`).
    pub greedy_matching: usize,
    /// Number of greedy tokens compared.
    pub greedy_total: usize,
    /// Whether the tolerance for this dtype holds.
    pub passed: bool,
}

/// Errors of the check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// The fixture's checkpoint does not load.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// `expected.safetensors` is missing or lacks a tensor.
    #[error("{path}: {problem}")]
    Fixture {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
}

struct Expected {
    input_ids: Vec<i64>,
    logits: Vec<f32>,
    greedy_prompt: Vec<i64>,
    greedy_ids: Vec<i64>,
}

fn read_expected(path: &Path) -> Result<Expected, CheckError> {
    let problem = |p: String| CheckError::Fixture { path: path.to_owned(), problem: p };
    let bytes = std::fs::read(path).map_err(|e| problem(e.to_string()))?;
    let file = SafeTensors::deserialize(&bytes).map_err(|e| problem(e.to_string()))?;
    let raw = |key: &str| file.tensor(key).map(|t| t.data().to_vec()).map_err(|e| problem(format!("{key}: {e}")));
    let i64s = |b: Vec<u8>| b.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes"))).collect();
    let f32s = |b: Vec<u8>| b.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes"))).collect();
    Ok(Expected {
        input_ids: i64s(raw("input_ids")?),
        logits: f32s(raw("logits")?),
        greedy_prompt: i64s(raw("greedy_prompt")?),
        greedy_ids: i64s(raw("greedy_ids")?),
    })
}

fn argmax(row: &[f32]) -> usize {
    row.iter().enumerate().fold((0, f32::NEG_INFINITY), |best, (i, &v)| if v > best.1 { (i, v) } else { best }).0
}

fn to_host<B: Backend, const D: usize>(tensor: Tensor<B, D>) -> Vec<f32> {
    tensor.cast(FloatDType::F32).into_data().to_vec::<f32>().unwrap_or_default()
}

/// Checks one fixture folder on `device` in `dtype` (F32 or BF16).
pub fn check_fixture<B: Backend>(
    folder: &Path,
    device: &B::Device,
    dtype: FloatDType,
) -> Result<FixtureCheck, CheckError> {
    let expected = read_expected(&folder.join("expected.safetensors"))?;
    let model = load_olmo3::<B>(folder, device, dtype)?;
    let vocab = model.config.vocab_size;
    let ids =
        |values: &[i64]| Tensor::<B, 2, Int>::from_data(TensorData::new(values.to_vec(), [1, values.len()]), device);
    let logits = to_host(model.forward_full(ids(&expected.input_ids)));
    let max_abs_error = logits.iter().zip(&expected.logits).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    let rows = logits.len() / vocab;
    let agreeing = (0..rows)
        .filter(|&t| {
            argmax(&logits[t * vocab..(t + 1) * vocab]) == argmax(&expected.logits[t * vocab..(t + 1) * vocab])
        })
        .count();
    let argmax_agreement = agreeing as f64 / rows.max(1) as f64;

    let mut cache = KvCache::new(&model.config);
    let mut next = expected.greedy_prompt.clone();
    let mut generated = Vec::new();
    for _ in expected.greedy_prompt.len()..expected.greedy_ids.len() {
        let row = to_host(model.forward_last(ids(&next), &mut cache));
        let token = argmax(&row) as i64;
        generated.push(token);
        next = vec![token];
    }
    let greedy_total = generated.len();
    let greedy_matching =
        generated.iter().zip(&expected.greedy_ids[expected.greedy_prompt.len()..]).take_while(|(a, b)| a == b).count();
    let passed = match dtype {
        FloatDType::BF16 => {
            let scale = expected.logits.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            max_abs_error <= BF16_RELATIVE_TOLERANCE * scale && argmax_agreement >= BF16_MIN_ARGMAX_AGREEMENT
        }
        _ => max_abs_error <= F32_TOLERANCE && greedy_matching == greedy_total,
    };
    Ok(FixtureCheck {
        fixture: folder.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        dtype: format!("{dtype:?}").to_lowercase(),
        max_abs_error,
        argmax_agreement,
        greedy_matching,
        greedy_total,
        passed,
    })
}

/// Decode throughput of one fixture model: `batch` sequences, `steps` tokens each after
/// a short prompt, in tokens per second (all sequences counted).
#[derive(Debug, Clone, Serialize)]
pub struct Throughput {
    /// Name of the checkpoint folder.
    pub fixture: String,
    /// `f32` or `bf16`.
    pub dtype: String,
    /// Sequences decoded together.
    pub batch: usize,
    /// Tokens generated per sequence.
    pub steps: usize,
    /// Generated tokens per second over the whole batch.
    pub tokens_per_second: f64,
}

/// Measures batched greedy decoding (arg-max on the device) on a fixture model.
pub fn decode_throughput<B: Backend>(
    folder: &Path,
    device: &B::Device,
    dtype: FloatDType,
    batch: usize,
    steps: usize,
) -> Result<Throughput, CheckError> {
    let model = load_olmo3::<B>(folder, device, dtype)?;
    let prompt: Vec<i64> = (0..8).map(|i| (i * 37 + 11) % model.config.vocab_size as i64).collect();
    let mut cache = KvCache::new(&model.config);
    let _ = model.forward_last(Tensor::<B, 2, Int>::from_data(TensorData::new(prompt, [1, 8]), device), &mut cache);
    let mut cache = cache.repeat_batch(batch);
    let mut next = Tensor::<B, 2, Int>::zeros([batch, 1], device);
    let start = Instant::now();
    for _ in 0..steps {
        let logits = model.forward_last(next, &mut cache);
        next = logits.argmax(1);
    }
    let _ = next.into_data();
    let seconds = start.elapsed().as_secs_f64();
    Ok(Throughput {
        fixture: folder.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        dtype: format!("{dtype:?}").to_lowercase(),
        batch,
        steps,
        tokens_per_second: (batch * steps) as f64 / seconds,
    })
}
