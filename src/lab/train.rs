//! Training the lab's networks with burn's autodiff on the CPU: next-token likelihood
//! (pretraining and SFT), DPO against a frozen reference, and GRPO-style reinforcement
//! learning with a verifiable reward (group-normalised advantages, no KL term).
//!
//! Every stage is deterministic for its seed: batches are drawn by a seeded ChaCha8
//! stream and sampled completions by per-sample streams.

use burn::backend::Autodiff;
use burn::module::AutodiffModule;
use burn::optim::{AdamWConfig, GradientsParams, Optimizer};
use burn::tensor::activation::log_softmax;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::device::Cpu;
use crate::generate::sampling::{SampleStream, SamplingParams, sample_token};
use crate::olmo3::{KvCache, Olmo3ForCausalLM};

/// The training backend: the CPU backend with reverse-mode autodiff.
pub type TrainBackend = Autodiff<Cpu>;

/// A training network.
pub type TrainModel = Olmo3ForCausalLM<TrainBackend>;

/// A token sequence whose tokens from `target_from` on are predicted (earlier tokens
/// are context: the prompt of an SFT or preference example).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequence {
    /// Token ids.
    pub ids: Vec<u32>,
    /// The first position whose token is a target (at least 1).
    pub target_from: usize,
}

/// Optimiser settings of one stage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StageSettings {
    /// Optimiser steps.
    pub steps: usize,
    /// Sequences (or preference pairs, or prompts) per step.
    pub batch: usize,
    /// Peak learning rate (linear warm-up over the first 10% of steps, then constant).
    pub learning_rate: f64,
    /// Seed of the stage's batch order.
    pub seed: u64,
}

impl StageSettings {
    fn rate(&self, step: usize) -> f64 {
        let warmup = (self.steps / 10).max(1);
        self.learning_rate * ((step + 1) as f64 / warmup as f64).min(1.0)
    }
}

fn optimizer() -> impl Optimizer<TrainModel, TrainBackend> {
    AdamWConfig::new()
        .with_weight_decay(0.01)
        .with_grad_clipping(Some(burn::grad_clipping::GradientClippingConfig::Norm(1.0)))
        .init()
}

/// One optimiser step down the gradient of `loss`; returns the model and the loss value.
fn descend(
    optim: &mut impl Optimizer<TrainModel, TrainBackend>,
    model: TrainModel,
    loss: Tensor<TrainBackend, 1>,
    rate: f64,
) -> (TrainModel, f64) {
    let value = scalar(loss.clone());
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    (optim.step(rate, model, grads), value)
}

/// Inputs `[batch, T-1]`, targets `[batch, T-1]` and a 0/1 target mask, right-padded.
fn batch_tensors<B: Backend>(
    sequences: &[&Sequence],
    pad: u32,
    device: &B::Device,
) -> (Tensor<B, 2, Int>, Tensor<B, 2, Int>, Tensor<B, 2>) {
    let length = sequences.iter().map(|s| s.ids.len()).max().unwrap_or(2).max(2) - 1;
    let (mut inputs, mut targets, mut mask) = (Vec::new(), Vec::new(), Vec::new());
    for sequence in sequences {
        for position in 0..length {
            let input = sequence.ids.get(position).copied().unwrap_or(pad);
            let target = sequence.ids.get(position + 1).copied();
            inputs.push(i64::from(input));
            targets.push(i64::from(target.unwrap_or(pad)));
            let counted = target.is_some() && position + 1 >= sequence.target_from;
            mask.push(if counted { 1.0f32 } else { 0.0 });
        }
    }
    let shape = [sequences.len(), length];
    (
        Tensor::from_data(TensorData::new(inputs, shape), device),
        Tensor::from_data(TensorData::new(targets, shape), device),
        Tensor::from_data(TensorData::new(mask, shape), device),
    )
}

/// Per-sequence sums of target log-probabilities `[batch]` and target counts `[batch]`.
pub fn sequence_log_probs<B: Backend>(
    model: &Olmo3ForCausalLM<B>,
    sequences: &[&Sequence],
    pad: u32,
) -> (Tensor<B, 1>, Tensor<B, 1>) {
    let device = model.model.norm.weight.val().device();
    let (inputs, targets, mask) = batch_tensors::<B>(sequences, pad, &device);
    let logits = model.forward_full(inputs);
    let [batch, length, _] = logits.dims();
    let log_probs = log_softmax(logits, 2);
    let picked = log_probs.gather(2, targets.reshape([batch, length, 1])).reshape([batch, length]);
    let sums = (picked * mask.clone()).sum_dim(1).reshape([batch]);
    (sums, mask.sum_dim(1).reshape([batch]))
}

fn scalar<B: Backend>(tensor: Tensor<B, 1>) -> f64 {
    f64::from(tensor.into_data().to_vec::<f32>().expect("f32")[0])
}

/// Next-token likelihood training (pretraining, SFT): the mean negative log-likelihood
/// of the target tokens of each batch. Returns the model and the loss of every step.
pub fn train_likelihood(
    mut model: TrainModel,
    data: &[Sequence],
    settings: &StageSettings,
    pad: u32,
    mut progress: impl FnMut(usize, f64),
) -> (TrainModel, Vec<f64>) {
    let mut optim = optimizer();
    let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
    let mut losses = Vec::with_capacity(settings.steps);
    for step in 0..settings.steps {
        let batch: Vec<&Sequence> = (0..settings.batch).map(|_| &data[rng.random_range(0..data.len())]).collect();
        let (sums, counts) = sequence_log_probs(&model, &batch, pad);
        let loss = sums.sum().neg() / counts.sum().clamp_min(1.0);
        let value;
        (model, value) = descend(&mut optim, model, loss, settings.rate(step));
        losses.push(value);
        progress(step, value);
    }
    (model, losses)
}

/// A preference pair: the chosen and the rejected completion of one prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreferencePair {
    /// Prompt and preferred completion.
    pub chosen: Sequence,
    /// Prompt and dispreferred completion.
    pub rejected: Sequence,
}

/// DPO (Rafailov et al.): `-log σ(β[(log π(c) − log π_ref(c)) − (log π(r) − log π_ref(r))])`
/// with the starting model frozen as the reference.
pub fn train_dpo(
    mut model: TrainModel,
    pairs: &[PreferencePair],
    settings: &StageSettings,
    beta: f64,
    pad: u32,
    mut progress: impl FnMut(usize, f64),
) -> (TrainModel, Vec<f64>) {
    let reference = model.valid();
    let mut optim = optimizer();
    let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
    let mut losses = Vec::with_capacity(settings.steps);
    let device = model.model.norm.weight.val().device();
    for step in 0..settings.steps {
        let batch: Vec<&PreferencePair> =
            (0..settings.batch).map(|_| &pairs[rng.random_range(0..pairs.len())]).collect();
        let chosen: Vec<&Sequence> = batch.iter().map(|p| &p.chosen).collect();
        let rejected: Vec<&Sequence> = batch.iter().map(|p| &p.rejected).collect();
        let reference_margin: Vec<f32> = {
            let (c, _) = sequence_log_probs(&reference, &chosen, pad);
            let (r, _) = sequence_log_probs(&reference, &rejected, pad);
            (c - r).into_data().to_vec::<f32>().expect("f32")
        };
        let reference_margin =
            Tensor::<TrainBackend, 1>::from_data(TensorData::new(reference_margin, [batch.len()]), &device);
        let (c, _) = sequence_log_probs(&model, &chosen, pad);
        let (r, _) = sequence_log_probs(&model, &rejected, pad);
        let logits = (c - r - reference_margin) * beta;
        // -log σ(x) = softplus(-x) = log(1 + exp(-x)), computed stably.
        let loss = softplus(logits.neg()).mean();
        let value;
        (model, value) = descend(&mut optim, model, loss, settings.rate(step));
        losses.push(value);
        progress(step, value);
    }
    (model, losses)
}

fn softplus<B: Backend>(x: Tensor<B, 1>) -> Tensor<B, 1> {
    x.clone().clamp_min(0.0) + x.abs().neg().exp().add_scalar(1.0).log()
}

/// Samples `count` completions of `prompt` (token ids) from `model`, each from its own
/// stream; a completion ends at a stop id (kept) or after `max_new` tokens.
pub fn sample_completions<B: Backend>(
    model: &Olmo3ForCausalLM<B>,
    prompt: &[u32],
    count: usize,
    max_new: usize,
    stop_ids: &[u32],
    sampling: &SamplingParams,
    streams: &mut [SampleStream],
) -> Vec<Vec<u32>> {
    let device = model.model.norm.weight.val().device();
    let mut cache = KvCache::new(&model.config);
    let input = Tensor::<B, 2, Int>::from_data(
        TensorData::new(prompt.iter().map(|&i| i64::from(i)).collect::<Vec<_>>(), [1, prompt.len()]),
        &device,
    );
    let first = model.forward_last(input, &mut cache).into_data().to_vec::<f32>().expect("f32");
    let mut cache = cache.repeat_batch(count);
    let mut completions: Vec<Vec<u32>> = vec![Vec::new(); count];
    let mut logits: Vec<Vec<f32>> = vec![first; count];
    let mut active: Vec<usize> = (0..count).collect();
    for _ in 0..max_new {
        let mut next = Vec::with_capacity(active.len());
        for &sample in &active {
            let token = sample_token(&logits[sample], sampling, &mut streams[sample]);
            completions[sample].push(token);
            next.push(token);
        }
        let still: Vec<usize> = (0..active.len()).filter(|&i| !stop_ids.contains(&next[i])).collect();
        if still.is_empty() {
            break;
        }
        if still.len() < active.len() {
            cache = cache.select_batch(&still, &device);
        }
        active = still.iter().map(|&i| active[i]).collect();
        let ids: Vec<i64> = still.iter().map(|&i| i64::from(next[i])).collect();
        let input = Tensor::<B, 2, Int>::from_data(TensorData::new(ids, [active.len(), 1]), &device);
        let vocab = model.config.vocab_size;
        let out = model.forward_last(input, &mut cache).into_data().to_vec::<f32>().expect("f32");
        for (row, &sample) in active.iter().enumerate() {
            logits[sample] = out[row * vocab..(row + 1) * vocab].to_vec();
        }
    }
    completions
}

/// A verifiable reward: 1.0 for a correct completion (token ids), 0.0 otherwise.
pub type Reward<'a> = Box<dyn Fn(&[u32]) -> f64 + 'a>;

/// One prompt of reinforcement learning: its token ids and a reward for a completion.
pub struct RlPrompt<'a> {
    /// Prompt token ids.
    pub ids: Vec<u32>,
    /// Stable id (part of the sampling streams).
    pub id: String,
    /// 1.0 for a correct completion, 0.0 otherwise.
    pub reward: Reward<'a>,
}

/// GRPO-style RL with a verifiable reward: `group` completions per prompt sampled from
/// the current policy (temperature 1), advantages `(r − mean) / (std + 1e-4)` within the
/// group, loss `−Σ A · log π(completion) / tokens` (one update per batch, so the
/// importance ratio is 1 and needs no clipping), no KL term. Groups whose rewards are
/// all equal carry no signal and are skipped. Returns the model and each step's mean reward.
#[allow(clippy::too_many_arguments)]
pub fn train_grpo(
    mut model: TrainModel,
    prompts: &[RlPrompt],
    settings: &StageSettings,
    group: usize,
    max_new: usize,
    stop_ids: &[u32],
    pad: u32,
    mut progress: impl FnMut(usize, f64),
) -> (TrainModel, Vec<f64>) {
    let mut optim = optimizer();
    let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
    let sampling = SamplingParams { temperature: 1.0, top_p: 1.0, top_k: None };
    let mut rewards_per_step = Vec::with_capacity(settings.steps);
    let device = model.model.norm.weight.val().device();
    for step in 0..settings.steps {
        let policy = model.valid();
        let mut sequences = Vec::new();
        let mut advantages = Vec::new();
        let mut reward_sum = 0.0;
        for _ in 0..settings.batch {
            let prompt = &prompts[rng.random_range(0..prompts.len())];
            let mut streams: Vec<SampleStream> =
                (0..group).map(|i| SampleStream::new(settings.seed, &format!("grpo-{step}"), &prompt.id, i)).collect();
            let completions =
                sample_completions(&policy, &prompt.ids, group, max_new, stop_ids, &sampling, &mut streams);
            let rewards: Vec<f64> = completions.iter().map(|c| (prompt.reward)(c)).collect();
            reward_sum += rewards.iter().sum::<f64>();
            let mean = rewards.iter().sum::<f64>() / group as f64;
            let std = (rewards.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / group as f64).sqrt();
            if std == 0.0 {
                continue;
            }
            for (completion, reward) in completions.into_iter().zip(&rewards) {
                let mut ids = prompt.ids.clone();
                ids.extend(&completion);
                sequences.push(Sequence { ids, target_from: prompt.ids.len() });
                advantages.push(((reward - mean) / (std + 1e-4)) as f32);
            }
        }
        let mean_reward = reward_sum / (settings.batch * group) as f64;
        rewards_per_step.push(mean_reward);
        progress(step, mean_reward);
        if sequences.is_empty() {
            continue;
        }
        let refs: Vec<&Sequence> = sequences.iter().collect();
        let (sums, counts) = sequence_log_probs(&model, &refs, pad);
        let advantages = Tensor::<TrainBackend, 1>::from_data(TensorData::new(advantages, [refs.len()]), &device);
        let loss = (sums / counts.clamp_min(1.0) * advantages).mean().neg();
        (model, _) = descend(&mut optim, model, loss, settings.rate(step));
    }
    (model, rewards_per_step)
}
