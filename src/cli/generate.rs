//! `divcollapse generate --model DIR --task FILE.jsonl --n N --k 16 --temperature 0.6
//! --top-p 0.95 --seed 1234 [--no-think] [--max-new-tokens N] [--device cpu|cuda] --out FILE.jsonl`
//!
//! Samples K outputs for each of the first N prompts and appends one line per prompt to
//! the run file, resuming where an interrupted run stopped. `--task` names a registered
//! task (its selected prompts, generation limit and stop sequences; `--data FILE` for
//! data the set-up cannot fetch) or a JSONL file with a `prompt` field per line (and
//! `input_id` or `id`; the line number otherwise).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use burn::tensor::FloatDType;
use burn::tensor::backend::Backend;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use crate::assets::Assets;
use crate::device::DeviceChoice;
use crate::generate::chat::ChatTemplate;
use crate::generate::engine::{GenerationSettings, Generator};
use crate::generate::runfile::{RunFile, RunMeta, RunRecord};
use crate::generate::sampling::SamplingParams;
use crate::generate::tokenizer::TextTokenizer;
use crate::olmo3::load_olmo3;
use crate::weights::weights_sha256;

/// Which chat template formats the prompts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TemplateChoice {
    /// The checkpoint's own template; raw prompts when it has none (base models).
    Auto,
    /// The built-in Olmo 3 Instruct template.
    Instruct,
    /// The built-in Olmo 3 Think template.
    Think,
    /// Raw task prompts, with the task's stop sequences.
    None,
}

#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    /// Checkpoint folder.
    #[arg(long)]
    model: PathBuf,
    /// A registered task (`gsm8k`, `mbpp`, …: its prompts, N, limit and stops from the
    /// registry), or a JSONL file with a `prompt` field per line.
    #[arg(long)]
    task: String,
    /// The task's data (a Hugging Face `datasets` export: JSONL, JSON or parquet) when
    /// the set-up cannot fetch it.
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

struct Prompt {
    input_id: String,
    prompt: String,
}

fn read_prompts(path: &Path) -> anyhow::Result<Vec<Prompt>> {
    let mut prompts = Vec::new();
    let mut seen = HashSet::new();
    for (number, value) in super::json_lines(path)? {
        let Some(prompt) = value.get("prompt").and_then(|p| p.as_str()) else {
            bail!("{}:{number}: no string field `prompt`", path.display());
        };
        let input_id = match value.get("input_id").or_else(|| value.get("id")) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(n)) => n.to_string(),
            _ => number.to_string(),
        };
        if !seen.insert(input_id.clone()) {
            bail!("{}:{number}: input_id `{input_id}` appears twice", path.display());
        }
        prompts.push(Prompt { input_id, prompt: prompt.to_owned() });
    }
    Ok(prompts)
}

/// The prompts and the task's settings, from the registry or a prompt file.
struct TaskPlan {
    name: String,
    prompts: Vec<Prompt>,
    max_new_tokens: usize,
    stop: Vec<String>,
}

fn plan(args: &GenerateArgs) -> anyhow::Result<TaskPlan> {
    let task_path = PathBuf::from(&args.task);
    if task_path.is_file() {
        let mut prompts = read_prompts(&task_path)?;
        if let Some(n) = args.n {
            prompts.truncate(n);
        }
        return Ok(TaskPlan {
            name: task_name(&args.task),
            prompts,
            max_new_tokens: args.max_new_tokens.unwrap_or(32768),
            stop: args.stop.clone(),
        });
    }
    let Some(spec) = crate::tasks::task(&args.task) else {
        bail!(
            "--task {}: neither a file nor a registered task (tasks: {})",
            args.task,
            crate::tasks::registry::task_names().join(", ")
        );
    };
    let documents = crate::tasks::load_task(spec, args.data.as_deref(), args.n)?;
    Ok(TaskPlan {
        name: spec.name.to_owned(),
        prompts: documents.into_iter().map(|d| Prompt { input_id: d.input_id, prompt: d.prompt }).collect(),
        max_new_tokens: args.max_new_tokens.unwrap_or(spec.max_new_tokens),
        stop: if args.stop.is_empty() { spec.stop.iter().map(|s| s.to_string()).collect() } else { args.stop.clone() },
    })
}

pub(crate) fn run(args: &GenerateArgs) -> anyhow::Result<()> {
    let sampling = SamplingParams { temperature: args.temperature, top_p: args.top_p, top_k: args.top_k };
    sampling.validate().map_err(anyhow::Error::msg)?;
    if args.k == 0 {
        bail!("--k must be at least 1");
    }
    let plan = plan(args)?;
    let device: DeviceChoice = args.device.parse()?;
    with_backend!(device, |B, dev| generate::<B>(args, sampling, &plan, &dev))
}

fn generate<B: Backend>(
    args: &GenerateArgs,
    sampling: SamplingParams,
    plan: &TaskPlan,
    device: &B::Device,
) -> anyhow::Result<()> {
    let prompts = &plan.prompts;
    let model = load_olmo3::<B>(&args.model, device, FloatDType::F32)
        .with_context(|| format!("loading {}", args.model.display()))?;
    let tokenizer = TextTokenizer::for_checkpoint(&args.model, &Assets::locate())?;
    let template = match args.template {
        TemplateChoice::Auto => ChatTemplate::from_checkpoint(&args.model)?,
        TemplateChoice::Instruct => Some(ChatTemplate::olmo3_instruct()),
        TemplateChoice::Think => Some(ChatTemplate::olmo3_think()),
        TemplateChoice::None => None,
    };
    if template.is_none() {
        tracing::info!("no chat template: prompting with the raw task prompts");
    }
    let task = plan.name.clone();
    let meta = RunMeta {
        tool_version: crate::TOOL_VERSION.to_owned(),
        model_path: args.model.display().to_string(),
        weights_sha256: weights_sha256(&args.model)?,
        tokenizer_sha256: tokenizer.sha256().to_owned(),
        template_sha256: template.as_ref().map(|t| t.sha256().to_owned()),
        task: task.clone(),
        sampling,
        seed: args.seed,
        k: args.k,
        max_new_tokens: plan.max_new_tokens,
        no_think: args.no_think,
        stop_sequences: plan.stop.clone(),
    };
    let settings = GenerationSettings {
        k: args.k,
        batch_size: args.batch_size,
        sampling,
        seed: args.seed,
        max_new_tokens: plan.max_new_tokens,
        no_think: args.no_think,
        stop_sequences: if template.is_none() { plan.stop.clone() } else { Vec::new() },
        task: task.clone(),
    };
    let generator = Generator::new(model, tokenizer, template, device.clone());
    let (mut run, report) = RunFile::open(&args.out, &meta)?;
    if let Some(line) = report.torn_line {
        tracing::warn!("{}:{line}: cut off a torn last line; that prompt is generated again", args.out.display());
    }
    if report.completed > 0 {
        tracing::info!("resuming: {} prompt(s) already complete", report.completed);
    }
    let todo: Vec<&Prompt> = prompts.iter().filter(|p| !run.is_done(&p.input_id)).collect();
    let progress = ProgressBar::new(todo.len() as u64).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} prompts, {msg}, ETA {eta}").expect("valid template"),
    );
    let start = std::time::Instant::now();
    let mut generated_tokens = 0usize;
    for prompt in todo {
        let samples = generator
            .generate(&prompt.input_id, &prompt.prompt, &settings)
            .with_context(|| format!("prompt `{}`", prompt.input_id))?;
        generated_tokens += samples.n_tokens.iter().sum::<usize>();
        run.append(&RunRecord {
            input_id: prompt.input_id.clone(),
            prompt: prompt.prompt.clone(),
            outputs: samples.outputs,
            task: task.clone(),
            raw_outputs: samples.raw_outputs,
            finish_reasons: samples.finish_reasons,
            n_tokens: samples.n_tokens,
            meta: meta.clone(),
        })?;
        progress.set_message(format!("{:.0} tokens/s", generated_tokens as f64 / start.elapsed().as_secs_f64()));
        progress.inc(1);
    }
    progress.finish_and_clear();
    tracing::info!("{} prompts in {}", prompts.len(), args.out.display());
    Ok(())
}

fn task_name(task: &str) -> String {
    Path::new(task).file_stem().map_or_else(|| task.to_owned(), |s| s.to_string_lossy().into_owned())
}
