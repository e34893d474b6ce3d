//! The Hugging Face names and shapes (PyTorch layout) of every tensor of an Olmo 3
//! checkpoint, listed once: the loader's expected-tensor check, the assembly of the
//! network and the saver all read this table.
//!
//! ```text
//! model.embed_tokens.weight                      [vocab, hidden]
//! model.layers.{i}.self_attn.q_proj.weight       [heads·head_dim, hidden]
//! …                                              (LayerTensor::ALL)
//! model.norm.weight                              [hidden]
//! lm_head.weight                                 [vocab, hidden]   (absent when tied)
//! ```

use std::collections::BTreeMap;

use super::config::Olmo3Config;

/// The token embeddings.
pub const EMBED_TOKENS: &str = "model.embed_tokens.weight";
/// The final RMSNorm.
pub const FINAL_NORM: &str = "model.norm.weight";
/// The language-modelling head (absent when the embeddings are tied).
pub const LM_HEAD: &str = "lm_head.weight";

/// One tensor of a decoder layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerTensor {
    /// `self_attn.q_proj.weight`, `[heads · head_dim, hidden]`.
    QProj,
    /// `self_attn.k_proj.weight`, `[kv_heads · head_dim, hidden]`.
    KProj,
    /// `self_attn.v_proj.weight`, `[kv_heads · head_dim, hidden]`.
    VProj,
    /// `self_attn.o_proj.weight`, `[hidden, heads · head_dim]`.
    OProj,
    /// `self_attn.q_norm.weight`, `[heads · head_dim]`.
    QNorm,
    /// `self_attn.k_norm.weight`, `[kv_heads · head_dim]`.
    KNorm,
    /// `mlp.gate_proj.weight`, `[intermediate, hidden]`.
    GateProj,
    /// `mlp.up_proj.weight`, `[intermediate, hidden]`.
    UpProj,
    /// `mlp.down_proj.weight`, `[hidden, intermediate]`.
    DownProj,
    /// `post_attention_layernorm.weight`, `[hidden]`.
    PostAttentionNorm,
    /// `post_feedforward_layernorm.weight`, `[hidden]`.
    PostFeedforwardNorm,
}

impl LayerTensor {
    /// Every tensor of a layer.
    pub const ALL: [Self; 11] = [
        Self::QProj,
        Self::KProj,
        Self::VProj,
        Self::OProj,
        Self::QNorm,
        Self::KNorm,
        Self::GateProj,
        Self::UpProj,
        Self::DownProj,
        Self::PostAttentionNorm,
        Self::PostFeedforwardNorm,
    ];

    /// The name inside a layer (`self_attn.q_proj.weight`).
    pub fn suffix(self) -> &'static str {
        match self {
            Self::QProj => "self_attn.q_proj.weight",
            Self::KProj => "self_attn.k_proj.weight",
            Self::VProj => "self_attn.v_proj.weight",
            Self::OProj => "self_attn.o_proj.weight",
            Self::QNorm => "self_attn.q_norm.weight",
            Self::KNorm => "self_attn.k_norm.weight",
            Self::GateProj => "mlp.gate_proj.weight",
            Self::UpProj => "mlp.up_proj.weight",
            Self::DownProj => "mlp.down_proj.weight",
            Self::PostAttentionNorm => "post_attention_layernorm.weight",
            Self::PostFeedforwardNorm => "post_feedforward_layernorm.weight",
        }
    }

    /// The full name in layer `layer` (`model.layers.3.self_attn.q_proj.weight`).
    pub fn name(self, layer: usize) -> String {
        format!("model.layers.{layer}.{}", self.suffix())
    }

    /// The shape in PyTorch layout under `config`.
    pub fn shape(self, config: &Olmo3Config) -> Vec<usize> {
        let hidden = config.hidden_size;
        let q_width = config.num_attention_heads * config.head_dim;
        let kv_width = config.num_key_value_heads * config.head_dim;
        let intermediate = config.intermediate_size;
        match self {
            Self::QProj => vec![q_width, hidden],
            Self::KProj | Self::VProj => vec![kv_width, hidden],
            Self::OProj => vec![hidden, q_width],
            Self::QNorm => vec![q_width],
            Self::KNorm => vec![kv_width],
            Self::GateProj | Self::UpProj => vec![intermediate, hidden],
            Self::DownProj => vec![hidden, intermediate],
            Self::PostAttentionNorm | Self::PostFeedforwardNorm => vec![hidden],
        }
    }
}

/// The tensors an Olmo 3 checkpoint must hold, with their shapes (PyTorch layout),
/// sorted by name.
pub fn expected_tensors(config: &Olmo3Config) -> BTreeMap<String, Vec<usize>> {
    let hidden = config.hidden_size;
    let mut expected = BTreeMap::new();
    expected.insert(EMBED_TOKENS.to_owned(), vec![config.vocab_size, hidden]);
    expected.insert(FINAL_NORM.to_owned(), vec![hidden]);
    if !config.tie_word_embeddings {
        expected.insert(LM_HEAD.to_owned(), vec![config.vocab_size, hidden]);
    }
    for layer in 0..config.num_hidden_layers {
        for tensor in LayerTensor::ALL {
            expected.insert(tensor.name(layer), tensor.shape(config));
        }
    }
    expected
}
