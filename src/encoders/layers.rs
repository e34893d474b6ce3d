//! Building blocks shared by the BERT-family encoders (MPNet, RoBERTa): LayerNorm in
//! f32 and the post-LN transformer layer with biases and exact (erf) GELU.

use burn::module::{Module, Param};
use burn::nn::Linear;

pub use crate::weights::linear;
use burn::tensor::activation::{gelu, softmax};
use burn::tensor::backend::Backend;
use burn::tensor::{FloatDType, Int, Tensor, TensorData};

/// `torch.nn.LayerNorm` over the last dimension (biased variance), computed in f32.
#[derive(Module, Debug)]
pub struct LayerNorm<B: Backend> {
    /// Scale `[width]`.
    pub weight: Param<Tensor<B, 1>>,
    /// Shift `[width]`.
    pub bias: Param<Tensor<B, 1>>,
    /// Epsilon added to the variance.
    pub eps: f64,
}

impl<B: Backend> LayerNorm<B> {
    /// Normalises the last dimension of `x` (`[..., width]`).
    pub fn forward<const D: usize>(&self, x: Tensor<B, D>) -> Tensor<B, D> {
        let dtype = x.dtype();
        let x = x.cast(FloatDType::F32);
        let mean = x.clone().mean_dim(D - 1);
        let centred = x - mean;
        let variance = centred.clone().powi_scalar(2).mean_dim(D - 1);
        let normalised = centred * variance.add_scalar(self.eps).sqrt().recip();
        let weight = self.weight.val().cast(FloatDType::F32).unsqueeze::<D>();
        let bias = self.bias.val().cast(FloatDType::F32).unsqueeze::<D>();
        (normalised * weight + bias).cast(dtype)
    }
}

/// A post-LN transformer encoder layer (BERT, RoBERTa, MPNet):
///
/// ```text
/// a   = attention_norm(x + attention_output(softmax(q·kᵀ/√d + bias) v))
/// out = output_norm(a + output(gelu(intermediate(a))))
/// ```
#[derive(Module, Debug)]
pub struct EncoderLayer<B: Backend> {
    /// Query projection.
    pub query: Linear<B>,
    /// Key projection.
    pub key: Linear<B>,
    /// Value projection.
    pub value: Linear<B>,
    /// Attention output projection.
    pub attention_output: Linear<B>,
    /// Norm after the attention residual.
    pub attention_norm: LayerNorm<B>,
    /// `hidden → intermediate`.
    pub intermediate: Linear<B>,
    /// `intermediate → hidden`.
    pub output: Linear<B>,
    /// Norm after the feed-forward residual.
    pub output_norm: LayerNorm<B>,
    /// Attention heads.
    pub num_heads: usize,
}

impl<B: Backend> EncoderLayer<B> {
    /// `x` `[batch, T, hidden]`; `bias` broadcastable to `[batch, heads, T, T]` (padding
    /// mask and, for MPNet, the relative position bias), added to the scaled scores.
    pub fn forward(&self, x: Tensor<B, 3>, bias: Tensor<B, 4>) -> Tensor<B, 3> {
        let [batch, length, hidden] = x.dims();
        let head_dim = hidden / self.num_heads;
        let heads = |t: Tensor<B, 3>| t.reshape([batch, length, self.num_heads, head_dim]).swap_dims(1, 2);
        let q = heads(self.query.forward(x.clone()));
        let k = heads(self.key.forward(x.clone()));
        let v = heads(self.value.forward(x.clone()));
        let scores = q.matmul(k.swap_dims(2, 3)).mul_scalar(1.0 / (head_dim as f64).sqrt()) + bias;
        let context = softmax(scores, 3).matmul(v).swap_dims(1, 2).reshape([batch, length, hidden]);
        let attended = self.attention_norm.forward(x + self.attention_output.forward(context));
        let expanded = gelu(self.intermediate.forward(attended.clone()));
        self.output_norm.forward(attended + self.output.forward(expanded))
    }
}

/// Token ids and position ids `[batch, T]` of right-padded rows, positions counted as
/// transformers' `create_position_ids_from_input_ids` does (RoBERTa, MPNet): the running
/// count of non-padding tokens plus the padding index; padding keeps the padding index.
pub fn ids_and_positions<B: Backend>(
    input_ids: &[Vec<u32>],
    padding_idx: u32,
    device: &B::Device,
) -> (Tensor<B, 2, Int>, Tensor<B, 2, Int>) {
    let batch = input_ids.len();
    let length = input_ids.first().map_or(0, Vec::len);
    let pad = i64::from(padding_idx);
    let mut ids = Vec::with_capacity(batch * length);
    let mut positions = Vec::with_capacity(batch * length);
    for row in input_ids {
        let mut count = 0;
        for &id in row {
            let id = i64::from(id);
            ids.push(id);
            if id == pad {
                positions.push(pad);
            } else {
                count += 1;
                positions.push(count + pad);
            }
        }
    }
    (
        Tensor::from_data(TensorData::new(ids, [batch, length]), device),
        Tensor::from_data(TensorData::new(positions, [batch, length]), device),
    )
}

/// The additive padding mask `[batch, 1, 1, T]`: 0 for real tokens and the most negative
/// f32 for padding, as transformers' extended attention mask.
pub fn padding_bias<B: Backend>(attention_mask: &[Vec<u8>], device: &B::Device) -> Tensor<B, 4> {
    let batch = attention_mask.len();
    let length = attention_mask.first().map_or(0, Vec::len);
    let data: Vec<f32> =
        attention_mask.iter().flat_map(|row| row.iter().map(|&m| if m == 1 { 0.0 } else { f32::MIN })).collect();
    Tensor::<B, 2>::from_data(TensorData::new(data, [batch, length]), device).reshape([batch, 1, 1, length])
}
