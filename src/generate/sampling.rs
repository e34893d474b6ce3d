//! Token sampling as the study ran it: temperature first, then nucleus (top-p) sampling on
//! the tempered distribution (the smallest set of most likely tokens whose probability
//! reaches p), optional top-k, or greedy decoding at temperature 0.
//!
//! Every sample has its own random stream, derived from (seed, task, prompt id, sample
//! index) by SHA-256 into a ChaCha20 key, and each generated token consumes exactly one
//! draw from it. A sample therefore does not depend on the batch it was decoded in, on
//! the thread count, or on whether the run was interrupted and resumed. (vLLM's streams
//! cannot be reproduced bit for bit; the study's samples are matched distributionally.)

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};

/// Sampling parameters.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SamplingParams {
    /// Softmax temperature; 0 means greedy decoding.
    pub temperature: f64,
    /// Nucleus mass in (0, 1]; 1 keeps every token.
    pub top_p: f64,
    /// Keep only the k most likely tokens (None: no limit; the study set none).
    pub top_k: Option<usize>,
}

impl SamplingParams {
    /// The study's setting: temperature 0.6, top-p 0.95, no top-k.
    pub const STUDY: Self = Self { temperature: 0.6, top_p: 0.95, top_k: None };

    /// Greedy decoding.
    pub const GREEDY: Self = Self { temperature: 0.0, top_p: 1.0, top_k: None };

    /// Checks the ranges; the error names the parameter.
    pub fn validate(&self) -> Result<(), SamplingError> {
        if !(self.temperature >= 0.0 && self.temperature.is_finite()) {
            return Err(SamplingError::Temperature(self.temperature));
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return Err(SamplingError::TopP(self.top_p));
        }
        if self.top_k == Some(0) {
            return Err(SamplingError::TopK);
        }
        Ok(())
    }
}

/// A sampling parameter out of its range.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SamplingError {
    /// The temperature is negative or not finite.
    #[error("temperature must be a finite number >= 0, got {0}")]
    Temperature(f64),
    /// The nucleus mass is outside (0, 1].
    #[error("top-p must lie in (0, 1], got {0}")]
    TopP(f64),
    /// top-k is zero.
    #[error("top-k must be at least 1")]
    TopK,
}

/// The random stream of one sample.
pub struct SampleStream {
    rng: ChaCha20Rng,
}

/// The 32-byte key of sample `sample_index` of prompt `input_id` of `task` under `seed`:
/// SHA-256 over the four parts, each preceded by its length (u64, little-endian), so
/// that different splits of the same characters differ.
fn sample_key(seed: u64, task: &str, input_id: &str, sample_index: usize) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in [seed.to_string(), task.to_owned(), input_id.to_owned(), sample_index.to_string()] {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize().into()
}

/// The seed a server is sent for one sample: the first four bytes of its key
/// ([`SampleStream::new`]'s), little-endian, as a non-negative 31-bit integer, the range
/// every server accepts (vLLM takes an i64, llama.cpp a u32).
pub fn server_seed(seed: u64, task: &str, input_id: &str, sample_index: usize) -> u32 {
    let key = sample_key(seed, task, input_id, sample_index);
    u32::from_le_bytes([key[0], key[1], key[2], key[3]]) & 0x7fff_ffff
}

impl SampleStream {
    /// The stream of sample `sample_index` of prompt `input_id` of `task` under `seed`:
    /// ChaCha20 seeded with the sample's key.
    pub fn new(seed: u64, task: &str, input_id: &str, sample_index: usize) -> Self {
        Self { rng: ChaCha20Rng::from_seed(sample_key(seed, task, input_id, sample_index)) }
    }

    /// One uniform draw in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        self.rng.random::<f64>()
    }
}

/// The probabilities a token is drawn with: softmax of `logits / T` restricted to the
/// top-k and then to the nucleus, renormalised. Returned as (token, probability) pairs
/// in decreasing probability (ties by token id). Temperature 0 gives the arg-max alone.
pub fn sampling_distribution(logits: &[f32], params: &SamplingParams) -> Vec<(u32, f64)> {
    let order = descending_order(logits);
    if params.temperature == 0.0 || order.len() == 1 {
        return order.first().map(|&t| vec![(t, 1.0)]).unwrap_or_default();
    }
    let max = f64::from(logits[order[0] as usize]);
    let mut weights: Vec<(u32, f64)> =
        order.iter().map(|&t| (t, ((f64::from(logits[t as usize]) - max) / params.temperature).exp())).collect();
    if let Some(k) = params.top_k {
        weights.truncate(k.max(1));
    }
    let total: f64 = weights.iter().map(|(_, w)| w).sum();
    let mut kept = Vec::new();
    let mut mass = 0.0;
    for (token, weight) in weights {
        let probability = weight / total;
        kept.push((token, probability));
        mass += probability;
        if mass >= params.top_p {
            break;
        }
    }
    let kept_mass: f64 = kept.iter().map(|(_, p)| p).sum();
    kept.into_iter().map(|(t, p)| (t, p / kept_mass)).collect()
}

/// Token ids by descending logit, ties by ascending id: the order a comparison sort
/// with that rule gives, computed as a radix sort of packed keys, which is about ten
/// times faster over a 100k-token vocabulary (the sort is most of a sampling step).
fn descending_order(logits: &[f32]) -> Vec<u32> {
    let keys: Vec<u64> = logits.iter().zip(0u32..).map(|(&logit, id)| descending_key(logit, id)).collect();
    sort_by_high_half(keys).into_iter().map(|key| key as u32).collect()
}

/// Sort key of token `id`: ascending keys put higher logits first and, among equal
/// logits, lower ids first. The high half maps the f32 order onto u32 order (negative
/// values bit-inverted, positive ones with the sign bit set) and inverts it; -0.0 counts
/// as 0.0, as a float comparison has it.
fn descending_key(logit: f32, id: u32) -> u64 {
    let bits = if logit == 0.0 { 0 } else { logit.to_bits() };
    let ascending = if bits >> 31 == 1 { !bits } else { bits | 0x8000_0000 };
    (u64::from(!ascending) << 32) | u64::from(id)
}

/// Stable least-significant-digit radix sort of `keys` by their high 32 bits, in four
/// 8-bit passes. Keys that tie keep their input order, so ids given in ascending order
/// stay ascending among equal logits.
fn sort_by_high_half(keys: Vec<u64>) -> Vec<u64> {
    let mut from = keys;
    let mut to = vec![0u64; from.len()];
    for pass in 0..4 {
        let shift = 32 + 8 * pass;
        let digit = |key: u64| ((key >> shift) & 0xFF) as usize;
        let mut starts = [0usize; 256];
        for &key in &from {
            starts[digit(key)] += 1;
        }
        let mut total = 0;
        for start in &mut starts {
            let count = *start;
            *start = total;
            total += count;
        }
        for &key in &from {
            let slot = &mut starts[digit(key)];
            to[*slot] = key;
            *slot += 1;
        }
        std::mem::swap(&mut from, &mut to);
    }
    from
}

/// Draws the next token from `logits` with one draw of `stream` (none when greedy).
pub fn sample_token(logits: &[f32], params: &SamplingParams, stream: &mut SampleStream) -> u32 {
    let distribution = sampling_distribution(logits, params);
    if distribution.len() == 1 {
        if params.temperature > 0.0 {
            // Keep the stream aligned: every generated token consumes one draw.
            let _ = stream.uniform();
        }
        return distribution[0].0;
    }
    let u = stream.uniform();
    let mut cumulative = 0.0;
    for &(token, probability) in &distribution {
        cumulative += probability;
        if u < cumulative {
            return token;
        }
    }
    distribution.last().expect("non-empty").0
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{ChiSquared, ContinuousCDF};

    const LOGITS: [f32; 8] = [2.0, 1.5, 1.4, 0.3, -0.5, -1.0, -3.0, -6.0];

    /// Expected probabilities computed from the definition, independently of the code.
    fn expected(temperature: f64, top_p: f64) -> Vec<f64> {
        let weights: Vec<f64> = LOGITS.iter().map(|&l| (f64::from(l) / temperature).exp()).collect();
        let total: f64 = weights.iter().sum();
        let probabilities: Vec<f64> = weights.iter().map(|w| w / total).collect();
        // LOGITS are sorted in decreasing order already.
        let mut keep = 0;
        let mut mass = 0.0;
        while keep < LOGITS.len() && mass < top_p {
            mass += probabilities[keep];
            keep += 1;
        }
        (0..LOGITS.len()).map(|i| if i < keep { probabilities[i] / mass } else { 0.0 }).collect()
    }

    #[test]
    fn draws_follow_the_tempered_nucleus_distribution() {
        for (temperature, top_p) in [(0.6, 0.95), (1.0, 1.0), (0.3, 0.9)] {
            let params = SamplingParams { temperature, top_p, top_k: None };
            let want = expected(temperature, top_p);
            let draws = 100_000;
            let mut counts = vec![0usize; LOGITS.len()];
            let mut stream = SampleStream::new(7, "test", "p", 0);
            for _ in 0..draws {
                counts[sample_token(&LOGITS, &params, &mut stream) as usize] += 1;
            }
            let mut statistic = 0.0;
            let mut cells = 0;
            for (count, p) in counts.iter().zip(&want) {
                if *p == 0.0 {
                    assert_eq!(*count, 0, "a token outside the nucleus was drawn");
                } else {
                    let e = p * draws as f64;
                    statistic += (*count as f64 - e).powi(2) / e;
                    cells += 1;
                }
            }
            assert!(cells >= 3, "the setting keeps several tokens");
            let critical = ChiSquared::new((cells - 1) as f64).unwrap().inverse_cdf(0.999);
            assert!(statistic < critical, "T={temperature} p={top_p}: chi-square {statistic} >= {critical}");
        }
    }

    #[test]
    fn greedy_top_k_and_validation() {
        let mut stream = SampleStream::new(1, "t", "p", 0);
        assert_eq!(sample_token(&LOGITS, &SamplingParams::GREEDY, &mut stream), 0);
        let top2 = SamplingParams { temperature: 1.0, top_p: 1.0, top_k: Some(2) };
        for _ in 0..200 {
            assert!(sample_token(&LOGITS, &top2, &mut stream) < 2);
        }
        assert!(SamplingParams { temperature: -1.0, ..SamplingParams::STUDY }.validate().is_err());
        assert!(SamplingParams { top_p: 0.0, ..SamplingParams::STUDY }.validate().is_err());
        assert!(SamplingParams::STUDY.validate().is_ok());
    }

    #[test]
    fn the_radix_order_equals_the_comparison_order_with_ties_by_id() {
        // Ties, signed zeros, subnormals, infinities and a wide range of magnitudes.
        let mut logits = vec![0.0, -0.0, 1.5, 1.5, -1.5, f32::MIN_POSITIVE / 4.0, -f32::MIN_POSITIVE / 4.0];
        logits.extend([f32::INFINITY, f32::NEG_INFINITY, 3.0e38, -3.0e38, 1e-30, -1e-30]);
        let mut state = 12345u32;
        for _ in 0..5000 {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            logits.push(((state >> 8) as f32 / (1u32 << 24) as f32 - 0.5) * 40.0);
            if state.is_multiple_of(7) {
                logits.push(*logits.last().expect("just pushed"));
            }
        }
        let mut by_comparator: Vec<u32> = (0..logits.len() as u32).collect();
        by_comparator
            .sort_by(|&a, &b| logits[b as usize].partial_cmp(&logits[a as usize]).expect("no NaN").then(a.cmp(&b)));
        assert_eq!(descending_order(&logits), by_comparator);
    }

    #[test]
    fn streams_depend_only_on_their_coordinates() {
        let draw = |seed, task: &str, id: &str, k| SampleStream::new(seed, task, id, k).uniform();
        assert_eq!(draw(1234, "gsm8k", "17", 3), draw(1234, "gsm8k", "17", 3));
        assert_ne!(draw(1234, "gsm8k", "17", 3), draw(1234, "gsm8k", "17", 4));
        assert_ne!(draw(1234, "gsm8k", "17", 3), draw(1235, "gsm8k", "17", 3));
        assert_ne!(draw(1, "ab", "c", 0), draw(1, "a", "bc", 0));
    }
}
