//! `Olmo3Config`: a checkpoint's `config.json`, in either schema transformers writes.
//!
//! * transformers 4.57: flat `rope_theta` + `rope_scaling`. The theta applies to both
//!   layer types; `rope_scaling` (YaRN) applies to the full-attention layers only.
//! * transformers 5.x: `rope_parameters`, either nested by layer type
//!   (`{"full_attention": {...}, "sliding_attention": {...}}`) or flat; a flat YaRN entry
//!   applies to full-attention layers only (as vLLM serves Olmo 3).
//!
//! The file is read in two steps: serde into [`RawConfig`] (every field optional, unknown
//! keys ignored; a value of the wrong type is an error naming its key path), then one
//! validation step ([`RawConfig::validate`]) that applies the transformers class's
//! defaults and rejects a missing required key or an inconsistent value, naming the key
//! and the file.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The attention pattern of one decoder layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LayerType {
    /// Sliding-window causal attention (`"sliding_attention"`).
    Sliding,
    /// Full causal attention (`"full_attention"`).
    Full,
}

impl LayerType {
    /// The HF name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sliding => "sliding_attention",
            Self::Full => "full_attention",
        }
    }
}

/// RoPE parameters of one layer type.
#[derive(Debug, Clone, PartialEq)]
pub struct RopeParams {
    /// The base wavelength (`rope_theta`).
    pub theta: f64,
    /// Plain RoPE or YaRN.
    pub scaling: RopeScaling,
}

/// The RoPE variant.
#[derive(Debug, Clone, PartialEq)]
pub enum RopeScaling {
    /// `rope_type = "default"`: `inv_freq[i] = theta^(-2i/d)`, no magnitude factor.
    Default,
    /// `rope_type = "yarn"` (transformers' `_compute_yarn_parameters`).
    Yarn(YarnParams),
}

/// YaRN parameters as transformers reads them.
#[derive(Debug, Clone, PartialEq)]
pub struct YarnParams {
    /// Context extension factor.
    pub factor: f64,
    /// The pretraining context (`original_max_position_embeddings`, falling back to
    /// `max_position_embeddings`).
    pub original_max_position_embeddings: f64,
    /// Extrapolation boundary (default 32).
    pub beta_fast: f64,
    /// Interpolation boundary (default 1).
    pub beta_slow: f64,
    /// Magnitude factor applied to cos and sin; derived from `factor` (and `mscale`,
    /// `mscale_all_dim`) when absent.
    pub attention_factor: f64,
    /// Floor/ceil the correction range (default true).
    pub truncate: bool,
}

/// The configuration of an Olmo 3 checkpoint (HF field names).
#[derive(Debug, Clone, PartialEq)]
pub struct Olmo3Config {
    /// Vocabulary size (rows of `embed_tokens` and `lm_head`).
    pub vocab_size: usize,
    /// Model width.
    pub hidden_size: usize,
    /// MLP width.
    pub intermediate_size: usize,
    /// Number of decoder layers.
    pub num_hidden_layers: usize,
    /// Query heads.
    pub num_attention_heads: usize,
    /// Key/value heads (GQA when fewer than query heads).
    pub num_key_value_heads: usize,
    /// Per-head width (`head_dim`, or `hidden_size / num_attention_heads`).
    pub head_dim: usize,
    /// Maximum context.
    pub max_position_embeddings: usize,
    /// RMSNorm epsilon.
    pub rms_norm_eps: f64,
    /// Sliding window `W`: a query at `i` sees keys `j` with `i − W < j ≤ i`.
    pub sliding_window: usize,
    /// Attention pattern per layer.
    pub layer_types: Vec<LayerType>,
    /// RoPE for sliding layers.
    pub rope_sliding: RopeParams,
    /// RoPE for full layers.
    pub rope_full: RopeParams,
    /// Whether `lm_head` shares the embedding matrix.
    pub tie_word_embeddings: bool,
    /// End-of-sequence ids (`eos_token_id`, int or list).
    pub eos_token_ids: Vec<u32>,
    /// Padding id.
    pub pad_token_id: Option<u32>,
    /// Beginning-of-sequence id (Olmo 3 has none).
    pub bos_token_id: Option<u32>,
}

/// Errors reading a configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not JSON (line and column in the message).
    #[error("{path}: not valid JSON: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// serde_json's error.
        source: serde_json::Error,
    },
    /// A required key is absent.
    #[error("{path}: missing required key `{key}`")]
    Missing {
        /// The file.
        path: PathBuf,
        /// The key (dotted for nested keys).
        key: String,
    },
    /// A key holds a value of the wrong type (line and column in the message).
    #[error("{path}: key `{key}`: {source}")]
    WrongType {
        /// The file.
        path: PathBuf,
        /// The key path (`rope_parameters.full_attention.factor`, `layer_types[2]`).
        key: String,
        /// serde_json's error.
        source: serde_json::Error,
    },
    /// A key has an impossible value.
    #[error("{path}: key `{key}`: {problem}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The key.
        key: String,
        /// What is wrong.
        problem: String,
    },
}

/// `config.json` as written, before validation: every field optional, unknown keys
/// ignored, `null` read as absent. [`RawConfig::validate`] turns it into an
/// [`Olmo3Config`].
#[derive(Debug, Default, Deserialize)]
struct RawConfig {
    vocab_size: Option<usize>,
    hidden_size: Option<usize>,
    intermediate_size: Option<usize>,
    num_hidden_layers: Option<usize>,
    num_attention_heads: Option<usize>,
    num_key_value_heads: Option<usize>,
    head_dim: Option<usize>,
    max_position_embeddings: Option<usize>,
    rms_norm_eps: Option<f64>,
    sliding_window: Option<usize>,
    layer_types: Option<Vec<LayerTypeName>>,
    hidden_act: Option<String>,
    attention_bias: Option<bool>,
    /// transformers 4.57: one theta for both layer types.
    rope_theta: Option<f64>,
    /// transformers 4.57: YaRN for the full-attention layers.
    rope_scaling: Option<RawRope>,
    /// transformers 5.x: nested by layer type or flat.
    rope_parameters: Option<RawRope>,
    tie_word_embeddings: Option<bool>,
    eos_token_id: Option<TokenIds>,
    pad_token_id: Option<TokenIds>,
    bos_token_id: Option<TokenIds>,
}

/// A layer type as `layer_types` spells it.
#[derive(Debug, Clone, Copy, Deserialize)]
enum LayerTypeName {
    #[serde(rename = "sliding_attention")]
    Sliding,
    #[serde(rename = "full_attention")]
    Full,
}

/// One token id or a list of them (`eos_token_id` may be either).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum TokenIds {
    One(u32),
    Many(Vec<u32>),
}

impl TokenIds {
    fn into_vec(self) -> Vec<u32> {
        match self {
            Self::One(id) => vec![id],
            Self::Many(ids) => ids,
        }
    }
}

/// One RoPE entry: `rope_scaling`, a layer type's entry of `rope_parameters`, or a flat
/// `rope_parameters`. A `rope_parameters` with a `full_attention` or `sliding_attention`
/// entry is nested: those entries hold the parameters (the fields are read only there).
#[derive(Debug, Default, Deserialize)]
struct RawRope {
    rope_type: Option<String>,
    /// The older spelling of `rope_type`.
    #[serde(rename = "type")]
    kind: Option<String>,
    rope_theta: Option<f64>,
    factor: Option<f64>,
    original_max_position_embeddings: Option<f64>,
    beta_fast: Option<f64>,
    beta_slow: Option<f64>,
    mscale: Option<f64>,
    mscale_all_dim: Option<f64>,
    attention_factor: Option<f64>,
    truncate: Option<bool>,
    full_attention: Option<Box<RawRope>>,
    sliding_attention: Option<Box<RawRope>>,
}

/// The errors of [`RawConfig::validate`], all naming `path`.
struct Validation<'a> {
    path: &'a Path,
}

impl Validation<'_> {
    fn missing(&self, key: &str) -> ConfigError {
        ConfigError::Missing { path: self.path.to_owned(), key: key.to_owned() }
    }

    fn invalid(&self, key: &str, problem: impl Into<String>) -> ConfigError {
        ConfigError::Invalid { path: self.path.to_owned(), key: key.to_owned(), problem: problem.into() }
    }

    fn required(&self, value: Option<usize>, key: &str) -> Result<usize, ConfigError> {
        match value {
            None => Err(self.missing(key)),
            Some(0) => Err(self.invalid(key, "must be positive")),
            Some(value) => Ok(value),
        }
    }
}

impl Olmo3Config {
    /// Reads `config.json` (or any file with that content).
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io { path: path.to_owned(), source })?;
        Self::from_json_str(&text, path)
    }

    /// Parses config JSON; `path` names the source in errors.
    pub fn from_json_str(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let raw: RawConfig = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let key = match error.path().to_string() {
                root if root == "." => "<root>".to_owned(),
                key => key,
            };
            let source = error.into_inner();
            if source.is_syntax() || source.is_eof() {
                ConfigError::Json { path: path.to_owned(), source }
            } else {
                ConfigError::WrongType { path: path.to_owned(), key, source }
            }
        })?;
        deserializer.end().map_err(|source| ConfigError::Json { path: path.to_owned(), source })?;
        raw.validate(path)
    }

    /// The RoPE parameters of a layer type.
    pub fn rope(&self, layer_type: LayerType) -> &RopeParams {
        match layer_type {
            LayerType::Sliding => &self.rope_sliding,
            LayerType::Full => &self.rope_full,
        }
    }

    /// How many query heads share one key/value head.
    pub fn kv_groups(&self) -> usize {
        self.num_attention_heads / self.num_key_value_heads
    }
}

impl RawConfig {
    /// The one validation step: required keys, the transformers class's defaults, and
    /// the consistency of heads, widths, layer types and RoPE.
    fn validate(self, path: &Path) -> Result<Olmo3Config, ConfigError> {
        let v = Validation { path };
        let vocab_size = v.required(self.vocab_size, "vocab_size")?;
        let hidden_size = v.required(self.hidden_size, "hidden_size")?;
        let intermediate_size = v.required(self.intermediate_size, "intermediate_size")?;
        let num_hidden_layers = v.required(self.num_hidden_layers, "num_hidden_layers")?;
        let num_attention_heads = v.required(self.num_attention_heads, "num_attention_heads")?;
        let num_key_value_heads = self.num_key_value_heads.unwrap_or(num_attention_heads);
        if num_key_value_heads == 0 || num_attention_heads % num_key_value_heads != 0 {
            return Err(v.invalid(
                "num_key_value_heads",
                format!("{num_key_value_heads} does not divide num_attention_heads = {num_attention_heads}"),
            ));
        }
        let head_dim = match self.head_dim {
            Some(d) => d,
            None if hidden_size % num_attention_heads != 0 => {
                return Err(v.invalid("head_dim", "absent, and hidden_size is not a multiple of num_attention_heads"));
            }
            None => hidden_size / num_attention_heads,
        };
        if head_dim % 2 != 0 {
            return Err(v.invalid("head_dim", format!("{head_dim} is odd; rotate-half RoPE needs an even width")));
        }
        let max_position_embeddings = self.max_position_embeddings.unwrap_or(2048);
        let sliding_window = self.sliding_window.unwrap_or(4096);
        if sliding_window == 0 {
            return Err(v.invalid("sliding_window", "must be positive"));
        }
        let layer_types: Vec<LayerType> = match self.layer_types {
            None => (0..num_hidden_layers)
                .map(|i| if (i + 1) % 4 == 0 { LayerType::Full } else { LayerType::Sliding })
                .collect(),
            Some(names) => names
                .into_iter()
                .map(|name| match name {
                    LayerTypeName::Sliding => LayerType::Sliding,
                    LayerTypeName::Full => LayerType::Full,
                })
                .collect(),
        };
        if layer_types.len() != num_hidden_layers {
            return Err(v.invalid(
                "layer_types",
                format!("has {} entries but num_hidden_layers = {num_hidden_layers}", layer_types.len()),
            ));
        }
        if let Some(act) = self.hidden_act.as_deref()
            && act != "silu"
        {
            return Err(v.invalid("hidden_act", format!("only \"silu\" is supported, found \"{act}\"")));
        }
        if self.attention_bias.unwrap_or(false) {
            return Err(v.invalid("attention_bias", "biased attention projections are not supported (Olmo 3 has none)"));
        }
        let max_positions = max_position_embeddings as f64;
        let (rope_sliding, rope_full) = match self.rope_parameters {
            Some(RawRope { full_attention, sliding_attention, .. })
                if full_attention.is_some() || sliding_attention.is_some() =>
            {
                let read = |entry: Option<Box<RawRope>>, layer: LayerType| -> Result<RopeParams, ConfigError> {
                    let key = format!("rope_parameters.{}", layer.as_str());
                    let entry = entry.ok_or_else(|| v.missing(&key))?;
                    let theta = entry.rope_theta.ok_or_else(|| v.missing(&format!("{key}.rope_theta")))?;
                    Ok(RopeParams { theta, scaling: entry.scaling(&v, &key, max_positions)? })
                };
                (read(sliding_attention, LayerType::Sliding)?, read(full_attention, LayerType::Full)?)
            }
            // Flat: one theta for both; a YaRN entry applies to the full layers only.
            Some(flat) => {
                let theta = flat.rope_theta.unwrap_or(DEFAULT_THETA);
                let scaling = flat.scaling(&v, "rope_parameters", max_positions)?;
                (RopeParams { theta, scaling: RopeScaling::Default }, RopeParams { theta, scaling })
            }
            None => {
                let theta = self.rope_theta.unwrap_or(DEFAULT_THETA);
                let scaling = match self.rope_scaling {
                    None => RopeScaling::Default,
                    Some(entry) => entry.scaling(&v, "rope_scaling", max_positions)?,
                };
                (RopeParams { theta, scaling: RopeScaling::Default }, RopeParams { theta, scaling })
            }
        };
        Ok(Olmo3Config {
            vocab_size,
            hidden_size,
            intermediate_size,
            num_hidden_layers,
            num_attention_heads,
            num_key_value_heads,
            head_dim,
            max_position_embeddings,
            rms_norm_eps: self.rms_norm_eps.unwrap_or(1e-5),
            sliding_window,
            layer_types,
            rope_sliding,
            rope_full,
            tie_word_embeddings: self.tie_word_embeddings.unwrap_or(false),
            eos_token_ids: self.eos_token_id.map(TokenIds::into_vec).unwrap_or_default(),
            pad_token_id: self.pad_token_id.and_then(|ids| ids.into_vec().first().copied()),
            bos_token_id: self.bos_token_id.and_then(|ids| ids.into_vec().first().copied()),
        })
    }
}

/// The default theta of the transformers class (`default_theta`).
const DEFAULT_THETA: f64 = 500_000.0;

impl RawRope {
    /// The RoPE variant of this entry (`key` names it in errors); `max_positions` is the
    /// fallback of `original_max_position_embeddings`.
    fn scaling(&self, v: &Validation<'_>, key: &str, max_positions: f64) -> Result<RopeScaling, ConfigError> {
        let kind = self.rope_type.as_deref().or(self.kind.as_deref()).unwrap_or("default");
        let name = |field: &str| format!("{key}.{field}");
        match kind {
            "default" => Ok(RopeScaling::Default),
            "yarn" => {
                let factor = self.factor.ok_or_else(|| v.missing(&name("factor")))?;
                if factor <= 0.0 {
                    return Err(v.invalid(&name("factor"), "must be positive"));
                }
                // transformers uses `x or default`, so 0 also falls back to the default.
                let nonzero = |value: Option<f64>| value.filter(|x| *x != 0.0);
                let attention_factor = match self.attention_factor {
                    Some(value) => value,
                    None => match (nonzero(self.mscale), nonzero(self.mscale_all_dim)) {
                        (Some(m), Some(all)) => yarn_mscale(factor, m) / yarn_mscale(factor, all),
                        _ => yarn_mscale(factor, 1.0),
                    },
                };
                Ok(RopeScaling::Yarn(YarnParams {
                    factor,
                    original_max_position_embeddings: self.original_max_position_embeddings.unwrap_or(max_positions),
                    beta_fast: nonzero(self.beta_fast).unwrap_or(32.0),
                    beta_slow: nonzero(self.beta_slow).unwrap_or(1.0),
                    attention_factor,
                    truncate: self.truncate.unwrap_or(true),
                }))
            }
            other => Err(v.invalid(&name("rope_type"), format!("unsupported RoPE type \"{other}\" (default, yarn)"))),
        }
    }
}

/// transformers' `get_mscale`: `0.1 · m · ln(scale) + 1` for `scale > 1`, else 1.
fn yarn_mscale(scale: f64, m: f64) -> f64 {
    if scale <= 1.0 { 1.0 } else { 0.1 * m * scale.ln() + 1.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Olmo3Config, ConfigError> {
        Olmo3Config::from_json_str(text, Path::new("ckpt/config.json"))
    }

    const BASE: &str = r#""vocab_size": 100, "hidden_size": 64, "intermediate_size": 128,
        "num_hidden_layers": 8, "num_attention_heads": 4"#;

    #[test]
    fn defaults_follow_the_transformers_class() {
        let config = parse(&format!("{{{BASE}}}")).unwrap();
        assert_eq!(config.num_key_value_heads, 4);
        assert_eq!(config.head_dim, 16);
        assert_eq!(config.sliding_window, 4096);
        assert_eq!(config.rms_norm_eps, 1e-5);
        let full: Vec<usize> =
            config.layer_types.iter().enumerate().filter(|(_, t)| **t == LayerType::Full).map(|(i, _)| i).collect();
        assert_eq!(full, [3, 7]);
        assert_eq!(config.rope_full.theta, 500_000.0);
        assert_eq!(config.rope_full.scaling, RopeScaling::Default);
    }

    #[test]
    fn legacy_rope_scaling_applies_to_full_layers_only() {
        let config = parse(&format!(
            r#"{{{BASE}, "rope_theta": 10000.0, "rope_scaling": {{"rope_type": "yarn", "factor": 8.0,
                "original_max_position_embeddings": 32}}}}"#
        ))
        .unwrap();
        assert_eq!(config.rope_sliding, RopeParams { theta: 10000.0, scaling: RopeScaling::Default });
        let RopeScaling::Yarn(yarn) = &config.rope_full.scaling else { panic!("full layers must use YaRN") };
        assert!((yarn.attention_factor - 1.2079441541679836).abs() < 1e-15);
        assert_eq!((yarn.beta_fast, yarn.beta_slow, yarn.original_max_position_embeddings), (32.0, 1.0, 32.0));
    }

    #[test]
    fn nested_rope_parameters_give_per_layer_thetas() {
        let config = parse(&format!(
            r#"{{{BASE}, "rope_parameters": {{"sliding_attention": {{"rope_type": "default", "rope_theta": 10000.0}},
                "full_attention": {{"rope_type": "yarn", "rope_theta": 20000.0, "factor": 4.0}}}}}}"#
        ))
        .unwrap();
        assert_eq!(config.rope_sliding.theta, 10000.0);
        assert_eq!(config.rope_full.theta, 20000.0);
        assert!(matches!(config.rope_full.scaling, RopeScaling::Yarn(_)));
    }

    #[test]
    fn errors_name_the_key_and_the_file() {
        let error = parse(r#"{"vocab_size": 100}"#).unwrap_err().to_string();
        assert!(error.contains("ckpt/config.json") && error.contains("`hidden_size`"), "{error}");
        let error = parse(&format!(r#"{{{BASE}, "layer_types": ["sliding_attention"]}}"#)).unwrap_err().to_string();
        assert!(error.contains("layer_types") && error.contains("8"), "{error}");
        let error = parse(&format!(r#"{{{BASE}, "num_key_value_heads": 3}}"#)).unwrap_err().to_string();
        assert!(error.contains("num_key_value_heads"), "{error}");
        let error = parse(&format!(r#"{{{BASE}, "rope_scaling": {{"rope_type": "longrope", "factor": 2}}}}"#))
            .unwrap_err()
            .to_string();
        assert!(error.contains("rope_scaling.rope_type") && error.contains("longrope"), "{error}");
        let error = parse("{ not json").unwrap_err().to_string();
        assert!(error.contains("line 1"), "{error}");
        // A wrong type names the key path, the line and the column.
        let error = parse(&format!(
            "{{{BASE},\n \"rope_parameters\": {{\"full_attention\": {{\"rope_theta\": \"high\"}},\n \"sliding_attention\": {{}}}}}}"
        ))
        .unwrap_err();
        assert!(matches!(error, ConfigError::WrongType { .. }), "{error:?}");
        let error = error.to_string();
        assert!(error.contains("`rope_parameters.full_attention.rope_theta`") && error.contains("line 3"), "{error}");
        let error = parse(&format!(r#"{{{BASE}, "layer_types": ["sliding_attention", "local"]}}"#)).unwrap_err();
        assert!(error.to_string().contains("`layer_types[1]`"), "{error}");
        let error = parse(&format!(r#"{{{BASE}, "eos_token_id": [1, -2]}}"#)).unwrap_err();
        assert!(error.to_string().contains("`eos_token_id`"), "{error}");
        let error = parse("[1, 2]").unwrap_err();
        assert!(error.to_string().contains("`<root>`"), "{error}");
        // Nested entries missing their theta, or only one layer type given.
        let error = parse(&format!(r#"{{{BASE}, "rope_parameters": {{"full_attention": {{"rope_theta": 1.0}}}}}}"#))
            .unwrap_err()
            .to_string();
        assert!(error.contains("`rope_parameters.sliding_attention`"), "{error}");
    }
}
