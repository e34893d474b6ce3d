//! `Olmo3Config`: a checkpoint's `config.json`, in either schema transformers writes.
//!
//! * transformers 4.57: flat `rope_theta` + `rope_scaling`. The theta applies to both
//!   layer types; `rope_scaling` (YaRN) applies to the full-attention layers only.
//! * transformers 5.x: `rope_parameters`, either nested by layer type
//!   (`{"full_attention": {...}, "sliding_attention": {...}}`) or flat; a flat YaRN entry
//!   applies to full-attention layers only (as vLLM serves Olmo 3).
//!
//! Unknown keys are ignored. A missing required key, or a value of the wrong type, is an
//! error naming the key and the file. Defaults are those of the transformers class.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

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
    /// A key has the wrong type or an impossible value.
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

struct Reader<'a> {
    path: &'a Path,
}

impl Reader<'_> {
    fn missing(&self, key: &str) -> ConfigError {
        ConfigError::Missing { path: self.path.to_owned(), key: key.to_owned() }
    }

    fn invalid(&self, key: &str, problem: impl Into<String>) -> ConfigError {
        ConfigError::Invalid { path: self.path.to_owned(), key: key.to_owned(), problem: problem.into() }
    }

    fn get<'v>(&self, map: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
        map.get(key).filter(|v| !v.is_null())
    }

    fn usize(&self, map: &Map<String, Value>, key: &str, name: &str) -> Result<Option<usize>, ConfigError> {
        match self.get(map, key) {
            None => Ok(None),
            Some(value) => value
                .as_u64()
                .map(|v| Some(v as usize))
                .ok_or_else(|| self.invalid(name, format!("expected a non-negative integer, found {value}"))),
        }
    }

    fn required_usize(&self, map: &Map<String, Value>, key: &str) -> Result<usize, ConfigError> {
        let value = self.usize(map, key, key)?.ok_or_else(|| self.missing(key))?;
        if value == 0 {
            return Err(self.invalid(key, "must be positive"));
        }
        Ok(value)
    }

    fn f64(&self, map: &Map<String, Value>, key: &str, name: &str) -> Result<Option<f64>, ConfigError> {
        match self.get(map, key) {
            None => Ok(None),
            Some(value) => {
                value.as_f64().map(Some).ok_or_else(|| self.invalid(name, format!("expected a number, found {value}")))
            }
        }
    }

    fn bool(&self, map: &Map<String, Value>, key: &str) -> Result<Option<bool>, ConfigError> {
        match self.get(map, key) {
            None => Ok(None),
            Some(value) => value
                .as_bool()
                .map(Some)
                .ok_or_else(|| self.invalid(key, format!("expected true or false, found {value}"))),
        }
    }

    fn token_ids(&self, map: &Map<String, Value>, key: &str) -> Result<Vec<u32>, ConfigError> {
        let as_id = |v: &Value| v.as_u64().and_then(|v| u32::try_from(v).ok());
        match self.get(map, key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| as_id(v).ok_or_else(|| self.invalid(key, format!("expected token ids, found {v}"))))
                .collect(),
            Some(value) => as_id(value)
                .map(|id| vec![id])
                .ok_or_else(|| self.invalid(key, format!("expected a token id, found {value}"))),
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
        let value: Value =
            serde_json::from_str(text).map_err(|source| ConfigError::Json { path: path.to_owned(), source })?;
        let r = Reader { path };
        let map = value.as_object().ok_or_else(|| r.invalid("<root>", "expected a JSON object"))?;

        let vocab_size = r.required_usize(map, "vocab_size")?;
        let hidden_size = r.required_usize(map, "hidden_size")?;
        let intermediate_size = r.required_usize(map, "intermediate_size")?;
        let num_hidden_layers = r.required_usize(map, "num_hidden_layers")?;
        let num_attention_heads = r.required_usize(map, "num_attention_heads")?;
        let num_key_value_heads =
            r.usize(map, "num_key_value_heads", "num_key_value_heads")?.unwrap_or(num_attention_heads);
        if num_key_value_heads == 0 || num_attention_heads % num_key_value_heads != 0 {
            return Err(r.invalid(
                "num_key_value_heads",
                format!("{num_key_value_heads} does not divide num_attention_heads = {num_attention_heads}"),
            ));
        }
        let head_dim = match r.usize(map, "head_dim", "head_dim")? {
            Some(d) => d,
            None => {
                if hidden_size % num_attention_heads != 0 {
                    return Err(
                        r.invalid("head_dim", "absent, and hidden_size is not a multiple of num_attention_heads")
                    );
                }
                hidden_size / num_attention_heads
            }
        };
        if head_dim % 2 != 0 {
            return Err(r.invalid("head_dim", format!("{head_dim} is odd; rotate-half RoPE needs an even width")));
        }
        let max_position_embeddings =
            r.usize(map, "max_position_embeddings", "max_position_embeddings")?.unwrap_or(2048);
        let rms_norm_eps = r.f64(map, "rms_norm_eps", "rms_norm_eps")?.unwrap_or(1e-5);
        let sliding_window = r.usize(map, "sliding_window", "sliding_window")?.unwrap_or(4096);
        if sliding_window == 0 {
            return Err(r.invalid("sliding_window", "must be positive"));
        }
        let layer_types = match r.get(map, "layer_types") {
            None => (0..num_hidden_layers)
                .map(|i| if (i + 1) % 4 == 0 { LayerType::Full } else { LayerType::Sliding })
                .collect(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item.as_str() {
                    Some("sliding_attention") => Ok(LayerType::Sliding),
                    Some("full_attention") => Ok(LayerType::Full),
                    _ => Err(r.invalid(
                        &format!("layer_types[{i}]"),
                        format!("expected \"sliding_attention\" or \"full_attention\", found {item}"),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(other) => return Err(r.invalid("layer_types", format!("expected a list, found {other}"))),
        };
        if layer_types.len() != num_hidden_layers {
            return Err(r.invalid(
                "layer_types",
                format!("has {} entries but num_hidden_layers = {num_hidden_layers}", layer_types.len()),
            ));
        }
        if let Some(act) = r.get(map, "hidden_act").and_then(Value::as_str)
            && act != "silu"
        {
            return Err(r.invalid("hidden_act", format!("only \"silu\" is supported, found \"{act}\"")));
        }
        if r.bool(map, "attention_bias")?.unwrap_or(false) {
            return Err(r.invalid("attention_bias", "biased attention projections are not supported (Olmo 3 has none)"));
        }
        let (rope_sliding, rope_full) = read_rope(&r, map, max_position_embeddings)?;
        Ok(Self {
            vocab_size,
            hidden_size,
            intermediate_size,
            num_hidden_layers,
            num_attention_heads,
            num_key_value_heads,
            head_dim,
            max_position_embeddings,
            rms_norm_eps,
            sliding_window,
            layer_types,
            rope_sliding,
            rope_full,
            tie_word_embeddings: r.bool(map, "tie_word_embeddings")?.unwrap_or(false),
            eos_token_ids: r.token_ids(map, "eos_token_id")?,
            pad_token_id: r.token_ids(map, "pad_token_id")?.first().copied(),
            bos_token_id: r.token_ids(map, "bos_token_id")?.first().copied(),
        })
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

/// The default theta of the transformers class (`default_theta`).
const DEFAULT_THETA: f64 = 500_000.0;

fn read_rope(
    r: &Reader<'_>,
    map: &Map<String, Value>,
    max_position_embeddings: usize,
) -> Result<(RopeParams, RopeParams), ConfigError> {
    if let Some(parameters) = r.get(map, "rope_parameters") {
        let parameters = parameters.as_object().ok_or_else(|| r.invalid("rope_parameters", "expected an object"))?;
        let nested = parameters.contains_key("full_attention") || parameters.contains_key("sliding_attention");
        if nested {
            let read = |layer: LayerType| -> Result<RopeParams, ConfigError> {
                let key = format!("rope_parameters.{}", layer.as_str());
                let entry = r.get(parameters, layer.as_str()).ok_or_else(|| r.missing(&key))?;
                let entry = entry.as_object().ok_or_else(|| r.invalid(&key, "expected an object"))?;
                let theta = r
                    .f64(entry, "rope_theta", &format!("{key}.rope_theta"))?
                    .ok_or_else(|| r.missing(&format!("{key}.rope_theta")))?;
                Ok(RopeParams { theta, scaling: read_scaling(r, entry, &key, max_position_embeddings)? })
            };
            return Ok((read(LayerType::Sliding)?, read(LayerType::Full)?));
        }
        // Flat: one theta for both; a YaRN entry applies to the full layers only.
        let theta = r.f64(parameters, "rope_theta", "rope_parameters.rope_theta")?.unwrap_or(DEFAULT_THETA);
        let scaling = read_scaling(r, parameters, "rope_parameters", max_position_embeddings)?;
        return Ok((RopeParams { theta, scaling: RopeScaling::Default }, RopeParams { theta, scaling }));
    }
    let theta = r.f64(map, "rope_theta", "rope_theta")?.unwrap_or(DEFAULT_THETA);
    let scaling = match r.get(map, "rope_scaling") {
        None => RopeScaling::Default,
        Some(value) => {
            let entry = value.as_object().ok_or_else(|| r.invalid("rope_scaling", "expected an object or null"))?;
            read_scaling(r, entry, "rope_scaling", max_position_embeddings)?
        }
    };
    Ok((RopeParams { theta, scaling: RopeScaling::Default }, RopeParams { theta, scaling }))
}

fn read_scaling(
    r: &Reader<'_>,
    entry: &Map<String, Value>,
    key: &str,
    max_position_embeddings: usize,
) -> Result<RopeScaling, ConfigError> {
    let kind = r.get(entry, "rope_type").or_else(|| r.get(entry, "type")).and_then(Value::as_str).unwrap_or("default");
    match kind {
        "default" => Ok(RopeScaling::Default),
        "yarn" => {
            let name = |field: &str| format!("{key}.{field}");
            let factor = r.f64(entry, "factor", &name("factor"))?.ok_or_else(|| r.missing(&name("factor")))?;
            if factor <= 0.0 {
                return Err(r.invalid(&name("factor"), "must be positive"));
            }
            let original = r
                .f64(entry, "original_max_position_embeddings", &name("original_max_position_embeddings"))?
                .unwrap_or(max_position_embeddings as f64);
            // transformers uses `x or default`, so 0 also falls back to the default.
            let beta_fast = r.f64(entry, "beta_fast", &name("beta_fast"))?.filter(|v| *v != 0.0).unwrap_or(32.0);
            let beta_slow = r.f64(entry, "beta_slow", &name("beta_slow"))?.filter(|v| *v != 0.0).unwrap_or(1.0);
            let mscale = r.f64(entry, "mscale", &name("mscale"))?.filter(|v| *v != 0.0);
            let mscale_all_dim = r.f64(entry, "mscale_all_dim", &name("mscale_all_dim"))?.filter(|v| *v != 0.0);
            let attention_factor = match r.f64(entry, "attention_factor", &name("attention_factor"))? {
                Some(value) => value,
                None => match (mscale, mscale_all_dim) {
                    (Some(m), Some(all)) => yarn_mscale(factor, m) / yarn_mscale(factor, all),
                    _ => yarn_mscale(factor, 1.0),
                },
            };
            let truncate = r.bool(entry, "truncate")?.unwrap_or(true);
            Ok(RopeScaling::Yarn(YarnParams {
                factor,
                original_max_position_embeddings: original,
                beta_fast,
                beta_slow,
                attention_factor,
                truncate,
            }))
        }
        other => {
            Err(r.invalid(&format!("{key}.rope_type"), format!("unsupported RoPE type \"{other}\" (default, yarn)")))
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
    }
}
