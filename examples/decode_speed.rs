//! Decoding speed of the Olmo 3 forward pass with its KV cache, on the CPU: a random
//! Olmo 3 (hidden 128, 4 layers: 3 sliding with a 4,096-token window, 1 full attention,
//! GQA 4:2), K = 16 samples decoded one token at a time after a 32-token prefill.
//! Prints, as JSON, the seconds per decoding step at each 256-token mark, so that the
//! cost of a growing cache is visible, and a checksum of every logit's bits, so that two
//! builds can be checked to decode identically.
//!
//! ```text
//! cargo run --release --example decode_speed -- [--steps 2048]
//! ```

use std::path::Path;
use std::time::Instant;

use burn::tensor::{Int, Tensor, TensorData};
use diversity_collapse::device::Cpu;
use diversity_collapse::olmo3::cache::KvCache;
use diversity_collapse::olmo3::config::Olmo3Config;
use diversity_collapse::olmo3::save::random_olmo3;

const K: usize = 16;
const PREFILL: usize = 32;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let steps: usize = args
        .iter()
        .position(|a| a == "--steps")
        .and_then(|i| args.get(i + 1))
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(2048);
    let config = Olmo3Config::from_json_str(
        &format!(
            r#"{{"vocab_size": 512, "hidden_size": 128, "intermediate_size": 384, "num_hidden_layers": 4,
                "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": {},
                "sliding_window": 4096, "rope_theta": 10000.0}}"#,
            PREFILL + steps + 1
        ),
        Path::new("decode_speed.json"),
    )?;
    let device = Default::default();
    let model = random_olmo3::<Cpu>(config.clone(), 0.02, 7, &device);
    let ids = |tokens: Vec<i64>, batch: usize| {
        let length = tokens.len() / batch;
        Tensor::<Cpu, 2, Int>::from_data(TensorData::new(tokens, [batch, length]), &device)
    };
    let mut prefill_cache = KvCache::new(&config);
    let _ = model.forward_last(ids((0..PREFILL as i64).collect(), 1), &mut prefill_cache);
    let mut cache = prefill_cache.repeat_batch(K);
    let mut marks = Vec::new();
    // FNV-1a over the bits of every logit: two builds decode identically iff these agree.
    let mut checksum: u64 = 0xcbf2_9ce4_8422_2325;
    let mut window_start = Instant::now();
    let total = Instant::now();
    for step in 1..=steps {
        let tokens: Vec<i64> = (0..K).map(|k| ((step * 31 + k * 7) % 512) as i64).collect();
        let logits = model.forward_last(ids(tokens, K), &mut cache);
        // Reading the logits back forces the step to finish.
        for value in logits.into_data().to_vec::<f32>().unwrap_or_default() {
            checksum = (checksum ^ u64::from(value.to_bits())).wrapping_mul(0x100_0000_01b3);
        }
        if step % 256 == 0 {
            marks.push(format!(
                r#"{{"cached_tokens": {}, "seconds_per_step": {:.6}}}"#,
                PREFILL + step,
                window_start.elapsed().as_secs_f64() / 256.0
            ));
            window_start = Instant::now();
        }
    }
    println!(
        r#"{{"steps": {steps}, "samples": {K}, "seconds": {:.3}, "logits_fnv1a": "{checksum:016x}", "marks": [{}]}}"#,
        total.elapsed().as_secs_f64(),
        marks.join(", ")
    );
    Ok(())
}
