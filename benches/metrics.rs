//! Benchmark: EAD, SBERT diversity and the Vendi score over prompts with given
//! embeddings (the per-input pass of the study), timed on this machine.
//!
//! Driven by `scripts/bench/metrics.py`, which writes the input, runs the reference
//! implementation on the same data in the same run, and reports the ratios:
//!
//! ```text
//! cargo bench --bench metrics -- --texts TEXTS.json --embeddings EMB.f32 --dim 768 [--repeats 5]
//! ```
//!
//! `TEXTS.json` is a list of prompts, each a list of K outputs; `EMB.f32` holds the
//! L2-normalised embeddings of every output in the same order (little-endian f32,
//! row-major). Prints one JSON object: the median seconds per metric over the repeats
//! (`sbert_and_vendi`: both from one shared Gram matrix per prompt, as the scorer runs
//! them) and the per-prompt values (for a parity check against the reference).

use std::time::Instant;

use diversity_collapse::metrics::SmallSetPolicy;
use diversity_collapse::metrics::ead::{EadConfig, ead};
use diversity_collapse::metrics::sbert::{EmbeddingSet, sbert_diversity, sbert_diversity_from_gram};
use diversity_collapse::metrics::vendi::{VendiVariant, vendi_from_gram, vendi_score};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

/// Median seconds of `repeats` runs of `work`, and the values of the last run.
fn time<F: FnMut() -> Vec<f64>>(repeats: usize, mut work: F) -> (f64, Vec<f64>) {
    let mut times = Vec::new();
    let mut values = Vec::new();
    for _ in 0..repeats {
        let start = Instant::now();
        values = work();
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], values)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo bench` passes `--bench`; without our inputs there is nothing to run.
    let (Some(texts), Some(embeddings)) = (arg(&args, "--texts"), arg(&args, "--embeddings")) else {
        eprintln!(
            "usage: cargo bench --bench metrics -- --texts TEXTS.json --embeddings EMB.f32 --dim 768 [--repeats 5]"
        );
        return;
    };
    let dim: usize = arg(&args, "--dim").map_or(768, |d| d.parse().expect("--dim is a number"));
    let repeats: usize = arg(&args, "--repeats").map_or(5, |r| r.parse().expect("--repeats is a number"));
    let prompts: Vec<Vec<String>> =
        serde_json::from_str(&std::fs::read_to_string(&texts).expect("readable --texts")).expect("a list of lists");
    let bytes = std::fs::read(&embeddings).expect("readable --embeddings");
    let data: Vec<f32> = bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    let mut offsets = Vec::new();
    let mut start = 0;
    for prompt in &prompts {
        offsets.push((start, start + prompt.len()));
        start += prompt.len();
    }
    assert_eq!(start * dim, data.len(), "embeddings do not match the texts");
    let set = |(a, b): (usize, usize)| EmbeddingSet::new(&data[a * dim..b * dim], dim).expect("rows of width dim");
    let config = EadConfig::default();
    let (ead_s, ead_values) = time(repeats, || prompts.iter().map(|p| ead(p, &config).mean).collect());
    let (sbert_s, sbert_values) =
        time(repeats, || offsets.iter().map(|&o| sbert_diversity(set(o), SmallSetPolicy::Pipeline)).collect());
    let (vendi_s, vendi_values) = time(repeats, || {
        offsets.iter().map(|&o| vendi_score(set(o), VendiVariant::Pipeline, SmallSetPolicy::Pipeline)).collect()
    });
    // The pipeline's way: one Gram matrix per prompt serves both SBERT and Vendi.
    let (shared_s, _) = time(repeats, || {
        offsets
            .iter()
            .flat_map(|&o| {
                let gram = set(o).gram();
                [
                    sbert_diversity_from_gram(&gram, SmallSetPolicy::Pipeline),
                    vendi_from_gram(&gram, VendiVariant::Pipeline, SmallSetPolicy::Pipeline),
                ]
            })
            .collect()
    });
    let report = serde_json::json!({
        "seconds": {"ead": ead_s, "sbert": sbert_s, "vendi": vendi_s, "sbert_and_vendi": shared_s},
        "values": {"ead": ead_values, "sbert": sbert_values, "vendi": vendi_values},
    });
    println!("{report}");
}
