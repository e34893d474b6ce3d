//! The sample stage: a prompt set and an Olmo 3 checkpoint → a resumable run file.
//!
//! K outputs per prompt, each sample from its own random stream derived from (seed,
//! task, prompt id, sample index), so a sample does not depend on the batch it was
//! decoded in or on whether the run was resumed. Every line is flushed and synced before
//! the next prompt starts; a rerun skips the complete prompts (see
//! [`crate::generate::runfile`]).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use burn::tensor::FloatDType;
use burn::tensor::backend::Backend;

use super::{Progress, StageError};
use crate::assets::Assets;
use crate::generate::chat::ChatTemplate;
use crate::generate::engine::{GenerationSettings, Generator};
use crate::generate::runfile::{RunFile, RunMeta, RunRecord};
use crate::generate::sampling::SamplingParams;
use crate::generate::tokenizer::TextTokenizer;
use crate::olmo3::load_olmo3;
use crate::tasks::registry::task_names;
use crate::weights::weights_sha256;

/// One prompt to sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    /// The prompt's id.
    pub input_id: String,
    /// The query sent through the checkpoint's chat template.
    pub prompt: String,
    /// The text a model without a chat template continues, when it differs (lab tasks).
    pub raw_prompt: Option<String>,
}

/// The prompts of one task with its generation limit and stop sequences.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptSet {
    /// Task name, written in every record.
    pub task: String,
    /// The prompts, in order.
    pub prompts: Vec<Prompt>,
    /// Token limit per sample.
    pub max_new_tokens: usize,
    /// Stop sequences, applied to models prompted without a chat template.
    pub stop: Vec<String>,
}

impl PromptSet {
    /// The study's prompts of a registered task (`n` overrides its N; `data` supplies
    /// data the set-up cannot fetch, or a lab lineage for the lab tasks).
    pub fn of_task(name: &str, data: Option<&Path>, n: Option<usize>) -> Result<Self, StageError> {
        let Some(spec) = crate::tasks::task(name) else {
            return Err(StageError::Invalid(format!(
                "--task {name}: neither a file nor a registered task (tasks: {})",
                task_names().join(", ")
            )));
        };
        let mut prompts = Vec::new();
        for document in crate::tasks::load_task(spec, data, n)? {
            let raw_prompt = spec.raw_prompt(&document.doc).map_err(|e| StageError::Invalid(e.to_string()))?;
            prompts.push(Prompt { input_id: document.input_id, prompt: document.prompt, raw_prompt });
        }
        Ok(Self {
            task: spec.name.to_owned(),
            prompts,
            max_new_tokens: spec.max_new_tokens,
            stop: spec.stop.iter().map(|s| s.to_string()).collect(),
        })
    }

    /// The prompts of a JSONL file with a `prompt` field per line (and `input_id` or
    /// `id`; the line number otherwise); the task is named after the file.
    pub fn of_file(path: &Path, n: Option<usize>) -> Result<Self, StageError> {
        let invalid =
            |line: usize, problem: String| StageError::Invalid(format!("{}:{line}: {problem}", path.display()));
        let text = std::fs::read_to_string(path).map_err(StageError::io(path, "reading the prompts"))?;
        let (mut prompts, mut seen) = (Vec::new(), HashSet::new());
        for (index, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let number = index + 1;
            let value: serde_json::Value =
                serde_json::from_str(line).map_err(|e| invalid(number, format!("invalid JSON: {e}")))?;
            let Some(prompt) = value.get("prompt").and_then(|p| p.as_str()) else {
                return Err(invalid(number, "no string field `prompt`".into()));
            };
            let input_id = match value.get("input_id").or_else(|| value.get("id")) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Number(n)) => n.to_string(),
                _ => number.to_string(),
            };
            if !seen.insert(input_id.clone()) {
                return Err(invalid(number, format!("input_id `{input_id}` appears twice")));
            }
            prompts.push(Prompt { input_id, prompt: prompt.to_owned(), raw_prompt: None });
        }
        if let Some(n) = n {
            prompts.truncate(n);
        }
        let task = path.file_stem().map_or_else(|| path.display().to_string(), |s| s.to_string_lossy().into_owned());
        Ok(Self { task, prompts, max_new_tokens: 32768, stop: Vec::new() })
    }
}

/// Which chat template formats the prompts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TemplateChoice {
    /// The checkpoint's own template; raw prompts when it has none (base models).
    #[default]
    Auto,
    /// The built-in Olmo 3 Instruct template.
    Instruct,
    /// The built-in Olmo 3 Think template.
    Think,
    /// Raw task prompts, with the task's stop sequences.
    None,
}

/// How a checkpoint is sampled.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleSettings {
    /// Samples per prompt (K).
    pub k: usize,
    /// Temperature, nucleus mass, top-k.
    pub sampling: SamplingParams,
    /// Run seed.
    pub seed: u64,
    /// Pre-fill an empty think block (Think models without thinking).
    pub no_think: bool,
    /// Chat template.
    pub template: TemplateChoice,
    /// Samples decoded together (results do not depend on it).
    pub batch_size: usize,
}

impl SampleSettings {
    /// The study's sampling (K = 16, T = 0.6, top-p 0.95, seed 1234).
    pub fn study() -> Self {
        Self {
            k: 16,
            sampling: SamplingParams::STUDY,
            seed: 1234,
            no_think: false,
            template: TemplateChoice::Auto,
            batch_size: 16,
        }
    }
}

/// What a sample run did.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleReport {
    /// The run file.
    pub run: PathBuf,
    /// Prompts found complete from an earlier run.
    pub resumed: usize,
    /// Prompts sampled now.
    pub sampled: usize,
    /// Tokens generated now.
    pub tokens: usize,
    /// sha256 over the checkpoint's weight files (as the run file's `meta` records it).
    pub weights_sha256: String,
}

/// Samples `settings.k` outputs for every prompt of `prompts` from the checkpoint in
/// `model` into the run file `out`, resuming where an interrupted run stopped.
pub fn sample_run<B: Backend>(
    model: &Path,
    prompts: &PromptSet,
    settings: &SampleSettings,
    out: &Path,
    device: &B::Device,
    progress: &mut dyn Progress,
) -> Result<SampleReport, StageError> {
    settings.sampling.validate().map_err(|e| StageError::Invalid(e.to_string()))?;
    if settings.k == 0 {
        return Err(StageError::Invalid("--k must be at least 1".into()));
    }
    let loading = |what: &str| StageError::model(format!("{}: loading the {what}", model.display()));
    let weights = load_olmo3::<B>(model, device, FloatDType::F32).map_err(|e| loading("model")(Box::new(e)))?;
    let tokenizer =
        TextTokenizer::for_checkpoint(model, &Assets::locate()).map_err(|e| loading("tokenizer")(Box::new(e)))?;
    let template = match settings.template {
        TemplateChoice::Auto => {
            ChatTemplate::from_checkpoint(model).map_err(|e| loading("chat template")(Box::new(e)))?
        }
        TemplateChoice::Instruct => Some(ChatTemplate::olmo3_instruct()),
        TemplateChoice::Think => Some(ChatTemplate::olmo3_think()),
        TemplateChoice::None => None,
    };
    let raw = template.is_none();
    if raw {
        tracing::info!("{}: no chat template: prompting with the raw task prompts", model.display());
    }
    let stop = if raw { prompts.stop.clone() } else { Vec::new() };
    let meta = RunMeta {
        tool_version: crate::TOOL_VERSION.to_owned(),
        model_path: model.display().to_string(),
        weights_sha256: weights_sha256(model).map_err(|e| loading("weights")(Box::new(e)))?,
        tokenizer_sha256: tokenizer.sha256().to_owned(),
        template_sha256: template.as_ref().map(|t| t.sha256().to_owned()),
        task: prompts.task.clone(),
        sampling: settings.sampling,
        seed: settings.seed,
        k: settings.k,
        max_new_tokens: prompts.max_new_tokens,
        no_think: settings.no_think,
        stop_sequences: stop.clone(),
    };
    let generation = GenerationSettings {
        k: settings.k,
        batch_size: settings.batch_size,
        sampling: settings.sampling,
        seed: settings.seed,
        max_new_tokens: prompts.max_new_tokens,
        no_think: settings.no_think,
        stop_sequences: stop,
        task: prompts.task.clone(),
    };
    let generator = Generator::new(weights, tokenizer, template, device.clone());
    let (mut run, resume) = RunFile::open(out, &meta)?;
    if let Some(line) = resume.torn_line {
        tracing::warn!("{}:{line}: cut off a torn last line; that prompt is generated again", out.display());
    }
    let todo: Vec<&Prompt> = prompts.prompts.iter().filter(|p| !run.is_done(&p.input_id)).collect();
    let mut report = SampleReport {
        run: out.to_owned(),
        resumed: prompts.prompts.len() - todo.len(),
        sampled: 0,
        tokens: 0,
        weights_sha256: meta.weights_sha256.clone(),
    };
    progress.start(&format!("sampling {} from {}", prompts.task, model.display()), Some(todo.len() as u64));
    for prompt in todo {
        let text = match (raw, &prompt.raw_prompt) {
            (true, Some(raw_prompt)) => raw_prompt,
            _ => &prompt.prompt,
        };
        let samples = generator
            .generate(&prompt.input_id, text, &generation)
            .map_err(|e| StageError::model(format!("prompt `{}`", prompt.input_id))(Box::new(e)))?;
        report.tokens += samples.n_tokens.iter().sum::<usize>();
        run.append(&RunRecord {
            input_id: prompt.input_id.clone(),
            prompt: text.clone(),
            outputs: samples.outputs,
            task: prompts.task.clone(),
            raw_outputs: samples.raw_outputs,
            finish_reasons: samples.finish_reasons,
            n_tokens: samples.n_tokens,
            meta: meta.clone(),
        })?;
        report.sampled += 1;
        progress.tick();
    }
    progress.finish();
    Ok(report)
}
