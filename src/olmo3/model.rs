//! The Olmo 3 network, with Hugging Face module names so weights load without renaming.
//!
//! ```text
//! h   = x + post_attention_layernorm(self_attn(x))        (no pre-norm)
//! out = h + post_feedforward_layernorm(mlp(h))
//! self_attn: q = q_norm(q_proj(x)), k = k_norm(k_proj(x))   (QK-norm over the full width)
//!            RoPE (per layer type) → cache → softmax(q·kᵀ/√d + mask) v → o_proj
//! mlp:       down_proj(silu(gate_proj(x)) · up_proj(x))
//! logits     = lm_head(norm(last hidden state))
//! ```
//!
//! Sliding layers mask exactly as transformers does: a query at `i` sees keys `j` with
//! `i − W < j ≤ i`.

use burn::module::{Module, Param};
use burn::nn::{Embedding, Linear};
use burn::tensor::activation::{silu, softmax};
use burn::tensor::backend::Backend;
use burn::tensor::{FloatDType, Int, Tensor, TensorData};

use super::cache::{CachedKeys, KvCache};
use super::config::{LayerType, Olmo3Config};
use super::rope::{RopeTable, apply_rope};

/// RMSNorm computed in f32 whatever the model dtype (`Olmo2RMSNorm`): normalise, multiply
/// by the weight in f32, cast back.
#[derive(Module, Debug)]
pub struct Olmo3RmsNorm<B: Backend> {
    /// Scale, shape `[width]`.
    pub weight: Param<Tensor<B, 1>>,
    /// Epsilon added to the mean square.
    pub eps: f64,
}

impl<B: Backend> Olmo3RmsNorm<B> {
    /// Normalises the last dimension of `x` (shape `[..., width]`).
    pub fn forward<const D: usize>(&self, x: Tensor<B, D>) -> Tensor<B, D> {
        let dtype = x.dtype();
        let x = x.cast(FloatDType::F32);
        let mean_square = x.clone().powi_scalar(2).mean_dim(D - 1);
        let normalised = x * mean_square.add_scalar(self.eps).sqrt().recip();
        let weight = self.weight.val().cast(FloatDType::F32).unsqueeze::<D>();
        (normalised * weight).cast(dtype)
    }
}

/// The SwiGLU MLP.
#[derive(Module, Debug)]
pub struct Olmo3Mlp<B: Backend> {
    /// `hidden → intermediate`.
    pub gate_proj: Linear<B>,
    /// `hidden → intermediate`.
    pub up_proj: Linear<B>,
    /// `intermediate → hidden`.
    pub down_proj: Linear<B>,
}

impl<B: Backend> Olmo3Mlp<B> {
    /// `[batch, T, hidden] → [batch, T, hidden]`.
    pub fn forward(&self, x: Tensor<B, 3>) -> Tensor<B, 3> {
        self.down_proj.forward(silu(self.gate_proj.forward(x.clone())) * self.up_proj.forward(x))
    }
}

/// Self-attention with full-width QK-norm and RoPE.
#[derive(Module, Debug)]
pub struct Olmo3Attention<B: Backend> {
    /// `hidden → heads · head_dim`.
    pub q_proj: Linear<B>,
    /// `hidden → kv_heads · head_dim`.
    pub k_proj: Linear<B>,
    /// `hidden → kv_heads · head_dim`.
    pub v_proj: Linear<B>,
    /// `heads · head_dim → hidden`.
    pub o_proj: Linear<B>,
    /// RMSNorm over all `heads · head_dim` query values.
    pub q_norm: Olmo3RmsNorm<B>,
    /// RMSNorm over all `kv_heads · head_dim` key values.
    pub k_norm: Olmo3RmsNorm<B>,
    /// Query heads.
    pub num_heads: usize,
    /// Key/value heads.
    pub num_kv_heads: usize,
    /// Per-head width.
    pub head_dim: usize,
}

/// What the layers of one attention type (sliding or full) share in one forward pass:
/// the RoPE tables of the new positions, the window, and the attention mask, built by
/// the first layer of the type (every layer of a type caches the same positions).
struct AttentionInputs<B: Backend> {
    /// `[T, head_dim]`.
    cos: Tensor<B, 2>,
    /// `[T, head_dim]`.
    sin: Tensor<B, 2>,
    /// The sliding window (`None`: full attention).
    window: Option<usize>,
    /// The additive mask `[T, S]`, once built.
    mask: Option<Tensor<B, 2>>,
}

impl<B: Backend> Olmo3Attention<B> {
    /// `[batch, T, hidden] → [batch, T, hidden]` for new tokens at `positions`, attending
    /// over what `cache` holds for `layer` and the new keys.
    fn forward(
        &self,
        x: Tensor<B, 3>,
        shared: &mut AttentionInputs<B>,
        cache: &mut KvCache<B>,
        layer: usize,
        positions: &[usize],
    ) -> Tensor<B, 3> {
        let [batch, length, _] = x.dims();
        let heads = |t: Tensor<B, 3>, count: usize| t.reshape([batch, length, count, self.head_dim]).swap_dims(1, 2);
        let q = heads(self.q_norm.forward(self.q_proj.forward(x.clone())), self.num_heads);
        let k = heads(self.k_norm.forward(self.k_proj.forward(x.clone())), self.num_kv_heads);
        let v = heads(self.v_proj.forward(x), self.num_kv_heads);
        let q = apply_rope(q, &shared.cos, &shared.sin);
        let k = apply_rope(k, &shared.cos, &shared.sin);
        let CachedKeys { keys, values, positions: key_positions } = cache.update(layer, k, v, positions);
        let window = shared.window;
        let mask = shared
            .mask
            .get_or_insert_with(|| attention_mask::<B>(positions, &key_positions, window, &q.device()))
            .clone();
        let out = attend(q, keys, values, mask);
        self.o_proj.forward(out.swap_dims(1, 2).reshape([batch, length, self.num_heads * self.head_dim]))
    }
}

/// Scaled dot-product attention with the position mask: `q` `[b, h, T, d]`, `keys` and
/// `values` `[b, kv, S, d]` with `kv` dividing `h` (query head `i` reads kv head
/// `i / (h / kv)`, as transformers' `repeat_kv` arranges) → `[b, h, T, d]`. Scores are
/// scaled by `d^-½`; the softmax runs in f32, as transformers' eager attention does.
pub fn masked_attention<B: Backend>(
    q: Tensor<B, 4>,
    keys: Tensor<B, 4>,
    values: Tensor<B, 4>,
    query_positions: &[usize],
    key_positions: &[Option<usize>],
    window: Option<usize>,
) -> Tensor<B, 4> {
    let mask = attention_mask::<B>(query_positions, key_positions, window, &q.device());
    attend(q, keys, values, mask)
}

/// [`masked_attention`] with its mask `[T, S]` already built.
///
/// The `g = h / kv` query heads that share a kv head are stacked along the query axis
/// (`[b, h, T, d] → [b, kv, g·T, d]`), so each kv head is multiplied once against all of
/// its queries and the cache is never copied `g` times (as `repeat_kv` would).
fn attend<B: Backend>(q: Tensor<B, 4>, keys: Tensor<B, 4>, values: Tensor<B, 4>, mask: Tensor<B, 2>) -> Tensor<B, 4> {
    let [batch, heads, length, width] = q.dims();
    let kv_heads = keys.dims()[1];
    let groups = heads / kv_heads;
    let q = q.reshape([batch, kv_heads, groups * length, width]);
    let mask = if groups == 1 { mask } else { mask.repeat_dim(0, groups) };
    let scores = q.matmul(keys.swap_dims(2, 3)).mul_scalar((width as f64).powf(-0.5));
    let dtype = scores.dtype();
    let weights = softmax(scores.cast(FloatDType::F32) + mask.unsqueeze::<4>(), 3).cast(dtype);
    weights.matmul(values).reshape([batch, heads, length, width])
}

/// The slow, obviously correct twin of [`masked_attention`] for one head: loops in f64
/// over the keys each query may see (`p ≤ q`, and `p > q − W` on sliding layers).
///
/// `q` is `T × d`, `keys` and `values` are `S × d`, row-major; returns `T × d`.
pub fn masked_attention_reference(
    q: &[f32],
    keys: &[f32],
    values: &[f32],
    width: usize,
    query_positions: &[usize],
    key_positions: &[Option<usize>],
    window: Option<usize>,
) -> Vec<f64> {
    let scale = 1.0 / (width as f64).sqrt();
    let mut out = Vec::with_capacity(query_positions.len() * width);
    for (i, &query) in query_positions.iter().enumerate() {
        let visible: Vec<usize> = (0..key_positions.len())
            .filter(|&j| key_positions[j].is_some_and(|p| p <= query && window.is_none_or(|w| p + w > query)))
            .collect();
        let scores: Vec<f64> = visible
            .iter()
            .map(|&j| {
                (0..width).map(|c| f64::from(q[i * width + c]) * f64::from(keys[j * width + c])).sum::<f64>() * scale
            })
            .collect();
        let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let exps: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
        let total: f64 = exps.iter().sum();
        for c in 0..width {
            out.push(visible.iter().zip(&exps).map(|(&j, e)| e / total * f64::from(values[j * width + c])).sum());
        }
    }
    out
}

/// The additive mask `[T, S]` (f32): 0 where query `i` may see key `j`, −∞ elsewhere.
///
/// Key `j` is visible iff it has a position `p`, `p ≤ q_i`, and (sliding layers)
/// `p > q_i − W`.
pub fn attention_mask<B: Backend>(
    query_positions: &[usize],
    key_positions: &[Option<usize>],
    window: Option<usize>,
    device: &B::Device,
) -> Tensor<B, 2> {
    let mut data = Vec::with_capacity(query_positions.len() * key_positions.len());
    for &query in query_positions {
        data.extend(key_positions.iter().map(|key| match key {
            Some(key) if *key <= query && window.is_none_or(|w| key + w > query) => 0.0f32,
            _ => f32::NEG_INFINITY,
        }));
    }
    Tensor::from_data(TensorData::new(data, [query_positions.len(), key_positions.len()]), device)
}

/// One decoder layer.
#[derive(Module, Debug)]
pub struct Olmo3DecoderLayer<B: Backend> {
    /// Attention.
    pub self_attn: Olmo3Attention<B>,
    /// MLP.
    pub mlp: Olmo3Mlp<B>,
    /// Norm applied to the attention output before the residual add.
    pub post_attention_layernorm: Olmo3RmsNorm<B>,
    /// Norm applied to the MLP output before the residual add.
    pub post_feedforward_layernorm: Olmo3RmsNorm<B>,
}

impl<B: Backend> Olmo3DecoderLayer<B> {
    /// `h = x + post_attention_layernorm(self_attn(x))`, then
    /// `out = h + post_feedforward_layernorm(mlp(h))`; `[batch, T, hidden]` both ways.
    fn forward(
        &self,
        x: Tensor<B, 3>,
        shared: &mut AttentionInputs<B>,
        cache: &mut KvCache<B>,
        layer: usize,
        positions: &[usize],
    ) -> Tensor<B, 3> {
        let attended = self.self_attn.forward(x.clone(), shared, cache, layer, positions);
        let h = x + self.post_attention_layernorm.forward(attended);
        h.clone() + self.post_feedforward_layernorm.forward(self.mlp.forward(h))
    }
}

/// The decoder stack.
#[derive(Module, Debug)]
pub struct Olmo3Model<B: Backend> {
    /// Token embeddings `[vocab, hidden]`.
    pub embed_tokens: Embedding<B>,
    /// Decoder layers.
    pub layers: Vec<Olmo3DecoderLayer<B>>,
    /// Final RMSNorm.
    pub norm: Olmo3RmsNorm<B>,
}

/// Olmo 3 with its language-modelling head.
#[derive(Module, Debug)]
pub struct Olmo3ForCausalLM<B: Backend> {
    /// The decoder stack.
    pub model: Olmo3Model<B>,
    /// `hidden → vocab` (untied in Olmo 3; a copy of the embeddings when tied).
    pub lm_head: Linear<B>,
    /// The configuration.
    #[module(skip)]
    pub config: Olmo3Config,
    /// RoPE tables for sliding and full layers.
    #[module(skip)]
    pub rope: [RopeTable; 2],
}

impl<B: Backend> Olmo3ForCausalLM<B> {
    /// Logits for `input_ids` (`[batch, T]`) continuing what `cache` holds; the new
    /// tokens are at positions `cache.seen() ..`. Returns `[batch, T, vocab]`.
    pub fn forward(&self, input_ids: Tensor<B, 2, Int>, cache: &mut KvCache<B>) -> Tensor<B, 3> {
        let hidden = self.hidden_states(input_ids, cache);
        self.lm_head.forward(hidden)
    }

    /// Logits of the last position only, `[batch, vocab]` (the decode step).
    pub fn forward_last(&self, input_ids: Tensor<B, 2, Int>, cache: &mut KvCache<B>) -> Tensor<B, 2> {
        let hidden = self.hidden_states(input_ids, cache);
        let [batch, length, width] = hidden.dims();
        let last = hidden.narrow(1, length - 1, 1).reshape([batch, width]);
        self.lm_head.forward(last)
    }

    /// One forward pass over a whole sequence with a fresh cache.
    pub fn forward_full(&self, input_ids: Tensor<B, 2, Int>) -> Tensor<B, 3> {
        let mut cache = KvCache::new(&self.config);
        self.forward(input_ids, &mut cache)
    }

    /// The final normalised hidden states `[batch, T, hidden]`.
    pub fn hidden_states(&self, input_ids: Tensor<B, 2, Int>, cache: &mut KvCache<B>) -> Tensor<B, 3> {
        let [_, length] = input_ids.dims();
        let device = input_ids.device();
        let start = cache.seen();
        let positions: Vec<usize> = (start..start + length).collect();
        let inputs = |table: &RopeTable, window: Option<usize>| {
            let (cos, sin) = table.cos_sin::<B>(&positions, &device);
            AttentionInputs { cos, sin, window, mask: None }
        };
        let mut sliding = inputs(&self.rope[0], Some(self.config.sliding_window));
        let mut full = inputs(&self.rope[1], None);
        let mut x = self.model.embed_tokens.forward(input_ids);
        for (index, layer) in self.model.layers.iter().enumerate() {
            let shared = match self.config.layer_types[index] {
                LayerType::Sliding => &mut sliding,
                LayerType::Full => &mut full,
            };
            x = layer.forward(x, shared, cache, index, &positions);
        }
        cache.advance(length);
        self.model.norm.forward(x)
    }

    /// The inverse-frequency tables of (sliding, full) layers.
    pub fn rope_tables(config: &Olmo3Config) -> [RopeTable; 2] {
        [
            RopeTable::new(config.rope(LayerType::Sliding), config.head_dim),
            RopeTable::new(config.rope(LayerType::Full), config.head_dim),
        ]
    }
}
