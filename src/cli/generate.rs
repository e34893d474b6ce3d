//! `divcollapse generate --model DIR --task NAME|PROMPTS.jsonl --out RUN.jsonl`: the
//! sample stage ([`crate::pipeline::sample`]) from the command line, on the local engine
//! or (`--backend openai --base-url URL --served-model NAME`) through an
//! OpenAI-compatible server.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;

use crate::device::{DeviceChoice, cuda_total_memory};
use crate::generate::engine::EngineDtype;
use crate::generate::remote::{SamplesPerRequest, ServerApi};
use crate::generate::sampling::SamplingParams;
use crate::openai::{ApiKey, ServerOptions};
use crate::pipeline::sample::{
    PromptSet, SampleSettings, ServerSettings, TemplateChoice, check_device_memory, sample_run, sample_run_on_server,
};
use crate::pipeline::shard::Shard;

/// Which engine samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum BackendChoice {
    /// This tool's Olmo 3 engine (burn) on `--device`.
    Local,
    /// An OpenAI-compatible server (`--base-url`, `--served-model`).
    Openai,
}

#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    /// Checkpoint folder (with `--backend openai`: its tokenizer and chat template, which
    /// render the prompts, and its weights when present, which are hashed).
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
    /// The local engine's dtype (`bf16` halves the memory of weights and KV cache; on a
    /// GPU the run is refused up front when it does not fit).
    #[arg(long, value_enum, default_value = "f32")]
    dtype: EngineDtype,
    /// Run file (JSONL), appended to and resumed.
    #[arg(long)]
    out: PathBuf,
    /// Sample only slice I of N of the prompts (by a hash of each prompt's id); join the
    /// slices' run files with `divcollapse merge`.
    #[arg(long)]
    shard: Option<Shard>,
    /// Which engine samples.
    #[arg(long, value_enum, default_value = "local")]
    backend: BackendChoice,
    /// The server's API root (`--backend openai`), e.g. `http://localhost:8000/v1`; the
    /// key, if it needs one, comes from `OPENAI_API_KEY`.
    #[arg(long, required_if_eq("backend", "openai"))]
    base_url: Option<String>,
    /// The model name the server serves the checkpoint under (`--backend openai`).
    #[arg(long, required_if_eq("backend", "openai"))]
    served_model: Option<String>,
    /// `completions` (prompts rendered here with the checkpoint's template, as the local
    /// engine renders them) or `chat` (the server applies its template).
    #[arg(long, value_enum, default_value = "completions")]
    api: ServerApi,
    /// `all`: one request with n = K per prompt; `one`: K requests, one per sample, each
    /// with its own seed (for servers without `n`); `auto`: `all` where the server
    /// honours `n` (asked once, before the run), else `one`.
    #[arg(long, value_enum, default_value = "auto")]
    samples_per_request: SamplesPerRequest,
    /// Prompts in flight at once (`--backend openai`).
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Limit of one request in seconds (`--backend openai`).
    #[arg(long, default_value_t = 600.0)]
    request_timeout: f64,
    /// Server-specific request fields as a JSON object, added to every request and recorded
    /// in the run file (`--backend openai`), e.g. `{"repetition_penalty": 1.0}` (vLLM) or
    /// `{"repeat_penalty": 1.0}` (llama.cpp's server, which otherwise penalises repeats).
    #[arg(long)]
    extra_body: Option<String>,
    /// Retries of a request after HTTP 429, 5xx or a connection error (`--backend openai`).
    #[arg(long, default_value_t = 8)]
    max_retries: u32,
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
        shard: args.shard,
        dtype: args.dtype,
    };
    let (model, out) = (&args.model, &args.out);
    let report = match (args.backend, &args.base_url, &args.served_model) {
        (BackendChoice::Openai, Some(base_url), Some(served_model)) => {
            let remote = ServerSettings {
                server: ServerOptions {
                    base_url: base_url.clone(),
                    timeout: Duration::from_secs_f64(args.request_timeout.max(0.001)),
                    max_retries: args.max_retries,
                    initial_backoff: Duration::from_secs(1),
                    api_key: ApiKey::from_env(),
                },
                served_model: served_model.clone(),
                api: args.api,
                samples_per_request: args.samples_per_request,
                concurrency: args.concurrency,
                extra_body: match &args.extra_body {
                    Some(text) => serde_json::from_str(text)
                        .map_err(|e| anyhow::anyhow!("--extra-body: not a JSON object: {e}"))?,
                    None => serde_json::Map::new(),
                },
            };
            sample_run_on_server(model, &prompts, &settings, &remote, out, &mut super::Bars::default())?
        }
        (BackendChoice::Openai, ..) => anyhow::bail!("--backend openai needs --base-url and --served-model"),
        (BackendChoice::Local, ..) => {
            let device: DeviceChoice = args.device.parse()?;
            if let DeviceChoice::Cuda(index) = device.check()? {
                let needed = check_device_memory(model, &prompts, &settings, cuda_total_memory(index)?)?;
                tracing::info!("cuda:{index}: the run needs at most {needed}");
            }
            with_backend!(device, |B, dev| sample_run::<B>(
                model,
                &prompts,
                &settings,
                out,
                &dev,
                &mut super::Bars::default()
            ))?
        }
    };
    tracing::info!(
        "{} prompts in {} ({} sampled now, {} tokens)",
        prompts.prompts.len(),
        out.display(),
        report.sampled,
        report.tokens
    );
    Ok(())
}
