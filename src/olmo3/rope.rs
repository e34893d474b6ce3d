//! Rotary position embeddings, rotate-half style, per layer type, with YaRN.
//!
//! Everything follows transformers' float32 computation (`_compute_default_rope_parameters`,
//! `_compute_yarn_parameters`, `Olmo3RotaryEmbedding.forward`) so the angles agree to the
//! last bits: inverse frequencies in f32, `angle = position · inv_freq` in f32, and cos
//! and sin multiplied by the YaRN magnitude factor (1 for plain RoPE). Tables are built
//! only for the positions of the current forward pass, never for the whole context.
//!
//! `rotate_half(x) = cat(−x[d/2..], x[..d/2])`, `x' = x·cos + rotate_half(x)·sin`, with
//! `cos = cat(cos(θ), cos(θ))` over the `d/2` frequencies.

use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};

use super::config::{RopeParams, RopeScaling};

/// Inverse frequencies and magnitude factor of one layer type.
#[derive(Debug, Clone, PartialEq)]
pub struct RopeTable {
    /// `d/2` inverse frequencies (f32, as transformers computes them).
    pub inv_freq: Vec<f32>,
    /// Multiplies cos and sin (YaRN's `attention_factor`; 1 for plain RoPE).
    pub attention_factor: f32,
}

impl RopeTable {
    /// The table for `params` at per-head width `head_dim`.
    pub fn new(params: &RopeParams, head_dim: usize) -> Self {
        let half = head_dim / 2;
        let base = params.theta as f32;
        // pos_freqs[i] = base ** (2i / dim), all in f32.
        let pos_freqs: Vec<f32> = (0..half).map(|i| base.powf((2 * i) as f32 / head_dim as f32)).collect();
        match &params.scaling {
            RopeScaling::Default => {
                Self { inv_freq: pos_freqs.iter().map(|p| 1.0 / p).collect(), attention_factor: 1.0 }
            }
            RopeScaling::Yarn(yarn) => {
                let dim = head_dim as f64;
                let theta = params.theta;
                let correction_dim = |rotations: f64| {
                    (dim * (yarn.original_max_position_embeddings / (rotations * 2.0 * std::f64::consts::PI)).ln())
                        / (2.0 * theta.ln())
                };
                let (mut low, mut high) = (correction_dim(yarn.beta_fast), correction_dim(yarn.beta_slow));
                if yarn.truncate {
                    low = low.floor();
                    high = high.ceil();
                }
                let low = low.max(0.0);
                let mut high = high.min(dim - 1.0);
                if low == high {
                    high += 0.001;
                }
                let factor = yarn.factor as f32;
                let inv_freq = pos_freqs
                    .iter()
                    .enumerate()
                    .map(|(i, &pos)| {
                        let ramp = ((i as f32 - low as f32) / (high as f32 - low as f32)).clamp(0.0, 1.0);
                        let extrapolation_weight = 1.0 - ramp;
                        let extrapolation = 1.0 / pos;
                        let interpolation = 1.0 / (factor * pos);
                        interpolation * (1.0 - extrapolation_weight) + extrapolation * extrapolation_weight
                    })
                    .collect();
                Self { inv_freq, attention_factor: yarn.attention_factor as f32 }
            }
        }
    }

    /// cos and sin for `positions`, each of shape `[T, head_dim]`, scaled by the
    /// magnitude factor.
    pub fn cos_sin<B: Backend>(&self, positions: &[usize], device: &B::Device) -> (Tensor<B, 2>, Tensor<B, 2>) {
        let half = self.inv_freq.len();
        let width = 2 * half;
        let mut cos = Vec::with_capacity(positions.len() * width);
        let mut sin = Vec::with_capacity(positions.len() * width);
        for &position in positions {
            let angles: Vec<f32> = self.inv_freq.iter().map(|f| position as f32 * f).collect();
            for _ in 0..2 {
                cos.extend(angles.iter().map(|a| a.cos() * self.attention_factor));
                sin.extend(angles.iter().map(|a| a.sin() * self.attention_factor));
            }
        }
        let shape = [positions.len(), width];
        (Tensor::from_data(TensorData::new(cos, shape), device), Tensor::from_data(TensorData::new(sin, shape), device))
    }
}

/// Applies rotate-half RoPE to `x` of shape `[batch, heads, T, head_dim]` with `cos`
/// and `sin` of shape `[T, head_dim]`.
pub fn apply_rope<B: Backend>(x: Tensor<B, 4>, cos: &Tensor<B, 2>, sin: &Tensor<B, 2>) -> Tensor<B, 4> {
    let [_, _, _, width] = x.dims();
    let half = width / 2;
    let first = x.clone().narrow(3, 0, half);
    let second = x.clone().narrow(3, half, half);
    let rotated = Tensor::cat(vec![second.neg(), first], 3);
    let cos = cos.clone().cast(x.dtype()).unsqueeze::<4>();
    let sin = sin.clone().cast(x.dtype()).unsqueeze::<4>();
    x * cos + rotated * sin
}

/// The slow, obviously correct twin of [`RopeTable::cos_sin`] + [`apply_rope`] for one
/// head vector at one position, in f64: pair `i` with `i + d/2` and rotate by
/// `position · inv_freq[i]`, then scale by the magnitude factor.
pub fn rotate_reference(vector: &[f32], position: usize, table: &RopeTable) -> Vec<f64> {
    let half = vector.len() / 2;
    let scale = f64::from(table.attention_factor);
    let mut out = vec![0.0; vector.len()];
    for i in 0..half {
        let angle = position as f64 * f64::from(table.inv_freq[i]);
        let (a, b) = (f64::from(vector[i]), f64::from(vector[i + half]));
        out[i] = scale * (a * angle.cos() - b * angle.sin());
        out[i + half] = scale * (b * angle.cos() + a * angle.sin());
    }
    out
}
