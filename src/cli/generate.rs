//! `divcollapse generate --model DIR --task NAME|PROMPTS.jsonl --out RUN.jsonl`: the
//! sample stage ([`crate::pipeline::sample`]) from the command line.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::device::DeviceChoice;
use crate::generate::sampling::SamplingParams;
use crate::pipeline::sample::{PromptSet, SampleSettings, TemplateChoice, sample_run};

#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    /// Checkpoint folder.
    #[arg(long)]
    model: PathBuf,
    /// A registered task (`gsm8k`, `mbpp`, `lab_sums`, …: its prompts, N, limit and stops
    /// from the registry), or a JSONL file with a `prompt` field per line.
    #[arg(long)]
    task: String,
    /// The task's data (a Hugging Face `datasets` export: JSONL, JSON or parquet) when
    /// the set-up cannot fetch it; for the lab tasks, the lineage folder.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Number of prompts (default: the task's N; for a file, all of it).
    #[arg(long)]
    n: Option<usize>,
    /// Samples per prompt.
    #[arg(long, default_value_t = 16)]
    k: usize,
    /// Temperature (0: greedy).
    #[arg(long, default_value_t = 0.6)]
    temperature: f64,
    /// Nucleus mass.
    #[arg(long, default_value_t = 0.95)]
    top_p: f64,
    /// Keep only the k most likely tokens.
    #[arg(long)]
    top_k: Option<usize>,
    /// Run seed.
    #[arg(long, default_value_t = 1234)]
    seed: u64,
    /// Pre-fill an empty think block (Think models without thinking).
    #[arg(long)]
    no_think: bool,
    /// Token limit per sample (default: the task's limit; 32768 for a prompt file).
    #[arg(long)]
    max_new_tokens: Option<usize>,
    /// Stop sequence (repeatable; applied to raw prompts; default: the task's).
    #[arg(long = "stop")]
    stop: Vec<String>,
    /// Chat template.
    #[arg(long, value_enum, default_value = "auto")]
    template: TemplateChoice,
    /// Samples decoded together (results do not depend on it).
    #[arg(long, default_value_t = 16)]
    batch_size: usize,
    /// `cpu` or `cuda[:N]`.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Run file (JSONL), appended to and resumed.
    #[arg(long)]
    out: PathBuf,
}

pub(crate) fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    let mut prompts = match Path::new(&args.task).is_file() {
        true => PromptSet::of_file(Path::new(&args.task), args.n)?,
        false => PromptSet::of_task(&args.task, args.data.as_deref(), args.n)?,
    };
    if let Some(limit) = args.max_new_tokens {
        prompts.max_new_tokens = limit;
    }
    if !args.stop.is_empty() {
        prompts.stop = args.stop.clone();
    }
    let settings = SampleSettings {
        k: args.k,
        sampling: SamplingParams { temperature: args.temperature, top_p: args.top_p, top_k: args.top_k },
        seed: args.seed,
        no_think: args.no_think,
        template: args.template,
        batch_size: args.batch_size,
    };
    let device: DeviceChoice = args.device.parse()?;
    let (model, out) = (&args.model, &args.out);
    let report = with_backend!(device, |B, dev| sample_run::<B>(
        model,
        &prompts,
        &settings,
        out,
        &dev,
        &mut super::Bars::default()
    ))?;
    tracing::info!(
        "{} prompts in {} ({} sampled now, {} tokens)",
        prompts.prompts.len(),
        out.display(),
        report.sampled,
        report.tokens
    );
    Ok(())
}
