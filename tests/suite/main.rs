//! The integration tests, in one test binary: every module is one component or command.
//! One binary links the library once (a test binary per file would link polars and burn
//! two dozen times, in debug and in release).

// Test helpers fail loudly: a panic with its message is the report.
#![allow(clippy::unwrap_used)]

mod analyze_cli;
mod base_likelihood_golden;
mod bootstrap_coverage;
mod bootstrap_golden;
mod chat_and_tokenizer_golden;
mod code_canonical;
mod code_diversity_golden;
mod code_programs_golden;
mod correctness_cli;
mod correlation_golden;
mod crash_safety;
mod cruxeval_golden;
mod diversity_results_golden;
mod embed_cli;
mod extended_metrics_golden;
mod fuzz_readers;
mod generate_cli;
mod generate_engine;
mod generation_server;
mod ifeval_golden;
mod ifeval_official_golden;
mod judge_golden;
mod judge_server;
mod lab;
mod langdetect_golden;
mod lighteval_details_golden;
mod math_corrected;
mod metrics_parity;
mod mpnet_golden;
mod olmo3_golden;
mod olmo3_loading;
mod olmo3_memory;
mod paper_reproduce_cli;
mod pipeline_cli;
mod pyrandom_golden;
mod qfd_cli;
mod roberta_nli_golden;
mod sandbox_containment;
mod scale;
mod score_cli;
mod servers;
mod shard_cli;
mod tasks_data;
mod tasks_golden;
mod tolerance;

/// Taken by every test that runs programs in the code sandbox, in this process or in a
/// `divcollapse` child: sandboxed programs share the sandbox user's process limit and the
/// temporary directory, so a fork bomb under test must not starve a canonical solution.
pub fn sandbox_serial() -> std::sync::MutexGuard<'static, ()> {
    static SANDBOX: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SANDBOX.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
