//! New and trained networks: random initialisation as transformers does it for Olmo 3
//! (normal weights with standard deviation `initializer_range`, unit norms), and saving
//! to a `model.safetensors` with Hugging Face names and layouts that [`super::load_olmo3`]
//! (and transformers) read back.

use std::collections::BTreeMap;
use std::path::Path;

use burn::nn::Linear;
use burn::tensor::backend::Backend;
use burn::tensor::{FloatDType, Tensor};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::config::Olmo3Config;
use super::load::assemble;
use super::model::{Olmo3ForCausalLM, Olmo3RmsNorm};
use super::names::{EMBED_TOKENS, FINAL_NORM, LM_HEAD, LayerTensor, expected_tensors};
use crate::weights::HostTensors;

/// A freshly initialised network: every matrix drawn from N(0, `std`²) by a ChaCha8
/// stream seeded with `seed` (in the order of [`expected_tensors`]), every norm weight 1.
/// The same seed gives the same weights on every machine and backend.
pub fn random_olmo3<B: Backend>(config: Olmo3Config, std: f64, seed: u64, device: &B::Device) -> Olmo3ForCausalLM<B> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut tensors = BTreeMap::new();
    for (name, shape) in expected_tensors(&config) {
        let count: usize = shape.iter().product();
        let values: Vec<f32> = if shape.len() == 1 {
            vec![1.0; count]
        } else {
            (0..count).map(|_| (standard_normal(&mut rng) * std) as f32).collect()
        };
        tensors.insert(name, (shape, values));
    }
    assemble(config, HostTensors::from_map(tensors), device, FloatDType::F32)
}

/// One N(0, 1) draw (Box–Muller; the cosine branch only, so one draw per call).
fn standard_normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// How weights are stored on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredDType {
    /// 32-bit floats (exact).
    F32,
    /// bfloat16 (half the size; round-to-nearest-even from f32).
    Bf16,
}

fn host<B: Backend, const D: usize>(tensor: Tensor<B, D>) -> (Vec<usize>, Vec<f32>) {
    let shape = tensor.dims().to_vec();
    let values = tensor.cast(FloatDType::F32).into_data().to_vec::<f32>().expect("f32 tensor");
    (shape, values)
}

/// A linear layer's weight in PyTorch layout (`[out, in]`; burn keeps `[in, out]`).
fn linear_weight<B: Backend>(layer: &Linear<B>) -> (Vec<usize>, Vec<f32>) {
    host(layer.weight.val().transpose())
}

fn norm_weight<B: Backend>(norm: &Olmo3RmsNorm<B>) -> (Vec<usize>, Vec<f32>) {
    host(norm.weight.val())
}

/// Every tensor of the network under its Hugging Face name, in PyTorch layout.
pub fn named_weights<B: Backend>(model: &Olmo3ForCausalLM<B>) -> BTreeMap<String, (Vec<usize>, Vec<f32>)> {
    let mut out = BTreeMap::new();
    out.insert(EMBED_TOKENS.to_owned(), host(model.model.embed_tokens.weight.val()));
    for (i, layer) in model.model.layers.iter().enumerate() {
        let attention = &layer.self_attn;
        for tensor in LayerTensor::ALL {
            let weight = match tensor {
                LayerTensor::QProj => linear_weight(&attention.q_proj),
                LayerTensor::KProj => linear_weight(&attention.k_proj),
                LayerTensor::VProj => linear_weight(&attention.v_proj),
                LayerTensor::OProj => linear_weight(&attention.o_proj),
                LayerTensor::QNorm => norm_weight(&attention.q_norm),
                LayerTensor::KNorm => norm_weight(&attention.k_norm),
                LayerTensor::GateProj => linear_weight(&layer.mlp.gate_proj),
                LayerTensor::UpProj => linear_weight(&layer.mlp.up_proj),
                LayerTensor::DownProj => linear_weight(&layer.mlp.down_proj),
                LayerTensor::PostAttentionNorm => norm_weight(&layer.post_attention_layernorm),
                LayerTensor::PostFeedforwardNorm => norm_weight(&layer.post_feedforward_layernorm),
            };
            out.insert(tensor.name(i), weight);
        }
    }
    out.insert(FINAL_NORM.to_owned(), norm_weight(&model.model.norm));
    if !model.config.tie_word_embeddings {
        out.insert(LM_HEAD.to_owned(), linear_weight(&model.lm_head));
    }
    out
}

/// Writes the network's weights as one safetensors file (Hugging Face names).
pub fn save_safetensors<B: Backend>(
    model: &Olmo3ForCausalLM<B>,
    path: &Path,
    dtype: StoredDType,
) -> Result<(), std::io::Error> {
    let weights = named_weights(model);
    let encoded: Vec<(String, Vec<usize>, Vec<u8>)> = weights
        .into_iter()
        .map(|(name, (shape, values))| {
            let bytes = match dtype {
                StoredDType::F32 => values.iter().flat_map(|v| v.to_le_bytes()).collect(),
                StoredDType::Bf16 => values.iter().flat_map(|&v| half::bf16::from_f32(v).to_le_bytes()).collect(),
            };
            (name, shape, bytes)
        })
        .collect();
    let stored = match dtype {
        StoredDType::F32 => safetensors::Dtype::F32,
        StoredDType::Bf16 => safetensors::Dtype::BF16,
    };
    let views: Vec<(String, safetensors::tensor::TensorView<'_>)> = encoded
        .iter()
        .map(|(name, shape, bytes)| {
            let view = safetensors::tensor::TensorView::new(stored, shape.clone(), bytes).expect("consistent shape");
            (name.clone(), view)
        })
        .collect();
    let mut metadata = std::collections::HashMap::new();
    metadata.insert("format".to_owned(), "pt".to_owned());
    let bytes = safetensors::serialize(views, Some(metadata)).map_err(std::io::Error::other)?;
    // Written beside the target and renamed, so a crash never leaves a torn file.
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(folder)?;
    std::io::Write::write_all(&mut file, &bytes)?;
    // Temporary files are private (0600); a checkpoint is an ordinary file.
    #[cfg(unix)]
    file.as_file().set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Int, TensorData};

    use super::*;
    use crate::device::Cpu;
    use crate::olmo3::load_olmo3;

    #[test]
    fn a_saved_network_loads_back_with_identical_logits() {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/olmo3/mha_legacy");
        let config = Olmo3Config::from_file(&fixture.join("config.json")).unwrap();
        let device = Default::default();
        let model = random_olmo3::<Cpu>(config, 0.02, 11, &device);
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(fixture.join("config.json"), dir.path().join("config.json")).unwrap();
        save_safetensors(&model, &dir.path().join("model.safetensors"), StoredDType::F32).unwrap();
        let loaded = load_olmo3::<Cpu>(dir.path(), &device, FloatDType::F32).unwrap();
        let ids = Tensor::<Cpu, 2, Int>::from_data(TensorData::new(vec![1i64, 5, 900, 3, 77], [1, 5]), &device);
        let a = model.forward_full(ids.clone()).into_data().to_vec::<f32>().unwrap();
        let b = loaded.forward_full(ids).into_data().to_vec::<f32>().unwrap();
        assert_eq!(a, b, "f32 storage is exact");
        assert_eq!(named_weights(&model), named_weights(&loaded));
        // The same seed gives the same network.
        let again = random_olmo3::<Cpu>(model.config.clone(), 0.02, 11, &device);
        assert_eq!(named_weights(&model), named_weights(&again));

        // bf16 storage holds each weight rounded to bfloat16.
        save_safetensors(&model, &dir.path().join("model.safetensors"), StoredDType::Bf16).unwrap();
        let rounded = load_olmo3::<Cpu>(dir.path(), &device, FloatDType::F32).unwrap();
        for ((name, (_, original)), (_, (_, stored))) in
            named_weights(&model).iter().zip(named_weights(&rounded).iter())
        {
            let expected: Vec<f32> = original.iter().map(|&v| half::bf16::from_f32(v).to_f32()).collect();
            assert_eq!(&expected, stored, "{name}");
        }
    }
}
