//! The sample stage: a prompt set and an Olmo 3 checkpoint → a resumable run file, on
//! the local engine ([`sample_run`]) or through an OpenAI-compatible server
//! ([`sample_run_on_server`]: vLLM, SGLang, TGI, llama.cpp's server) with the same
//! prompts, schema and resumption.
//!
//! K outputs per prompt, each sample from its own random stream derived from (seed,
//! task, prompt id, sample index), so a sample does not depend on the batch it was
//! decoded in or on whether the run was resumed. Every line is flushed and synced before
//! the next prompt starts; a rerun skips the complete prompts (see
//! [`crate::generate::runfile`]).

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};

use burn::tensor::backend::Backend;

use super::shard::{Shard, keep_shard};
use super::{Progress, StageError};
use crate::assets::Assets;
use crate::generate::chat::{ChatTemplate, PromptFormat};
use crate::generate::engine::{EngineDtype, GenerationSettings, Generator, PromptSamples, stop_token_ids};
use crate::generate::remote::{
    RemoteError, RemoteGenerator, SamplesPerRequest, ServerApi, resolve_samples_per_request,
};
use crate::generate::runfile::{RunFile, RunMeta, RunRecord, ServerMeta, ServerReport};
use crate::generate::sampling::SamplingParams;
use crate::generate::tokenizer::TextTokenizer;
use crate::olmo3::memory::GenerationMemory;
use crate::olmo3::{Olmo3Config, load_olmo3};
use crate::openai::{ApiError, Server, ServerOptions};
use crate::tasks::registry::task_names;
use crate::weights::{WeightsError, weights_sha256};

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
    /// Sample only this slice of the prompts.
    pub shard: Option<Shard>,
    /// The local engine's dtype.
    pub dtype: EngineDtype,
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
            shard: None,
            dtype: EngineDtype::F32,
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

/// Where a run samples from when it goes through an OpenAI-compatible server.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// The server, its key and its retries.
    pub server: ServerOptions,
    /// The model name the server serves the checkpoint under.
    pub served_model: String,
    /// Completions (prompt rendered here) or chat (the server's template).
    pub api: ServerApi,
    /// How the K samples of a prompt are spread over requests.
    pub samples_per_request: SamplesPerRequest,
    /// Prompts in flight at once.
    pub concurrency: usize,
    /// Server-specific fields added to every request (e.g. `{"repetition_penalty": 1.0}`).
    pub extra_body: serde_json::Map<String, serde_json::Value>,
}

/// What a run reads of a checkpoint folder besides the network: its tokenizer, its prompt
/// format and its weights hash.
struct CheckpointText {
    /// The folder as given.
    model: PathBuf,
    tokenizer: TextTokenizer,
    format: PromptFormat,
    weights_sha256: String,
}

impl CheckpointText {
    /// The tokenizer and prompt format of the checkpoint folder `model` under `choice`,
    /// with the weights hash (`weights_sha256`).
    fn load(model: &Path, choice: TemplateChoice, weights_sha256: String) -> Result<Self, StageError> {
        let loading = |what: &str| StageError::model(format!("{}: loading the {what}", model.display()));
        let tokenizer =
            TextTokenizer::for_checkpoint(model, &Assets::locate()).map_err(|e| loading("tokenizer")(Box::new(e)))?;
        let template = match choice {
            TemplateChoice::Auto => {
                ChatTemplate::from_checkpoint(model).map_err(|e| loading("chat template")(Box::new(e)))?
            }
            TemplateChoice::Instruct => Some(ChatTemplate::olmo3_instruct()),
            TemplateChoice::Think => Some(ChatTemplate::olmo3_think()),
            TemplateChoice::None => None,
        };
        if template.is_none() {
            tracing::info!("{}: no chat template: prompting with the raw task prompts", model.display());
        }
        let format = PromptFormat::new(template, tokenizer.token_id("<|endoftext|>").is_some());
        Ok(Self { model: model.to_owned(), tokenizer, format, weights_sha256 })
    }
}

/// A run about to sample: its settings, its file and the prompts still to do.
struct OpenRun<'a> {
    meta: RunMeta,
    generation: GenerationSettings,
    file: RunFile,
    todo: Vec<&'a Prompt>,
    report: SampleReport,
    raw: bool,
}

impl<'a> OpenRun<'a> {
    /// Opens `out` for a run of `prompts` (resuming it) with the checkpoint's hashes.
    fn open(
        checkpoint: &CheckpointText,
        prompts: &'a PromptSet,
        settings: &SampleSettings,
        server: Option<ServerMeta>,
        out: &Path,
    ) -> Result<Self, StageError> {
        let format = &checkpoint.format;
        let raw = format.template.is_none();
        let stop = if raw { prompts.stop.clone() } else { Vec::new() };
        let meta = RunMeta {
            tool_version: crate::TOOL_VERSION.to_owned(),
            model_path: checkpoint.model.display().to_string(),
            weights_sha256: checkpoint.weights_sha256.clone(),
            tokenizer_sha256: checkpoint.tokenizer.sha256().to_owned(),
            template_sha256: format.template.as_ref().map(|t| t.sha256().to_owned()),
            task: prompts.task.clone(),
            sampling: settings.sampling,
            seed: settings.seed,
            k: settings.k,
            max_new_tokens: prompts.max_new_tokens,
            no_think: settings.no_think,
            stop_sequences: stop.clone(),
            dtype: if server.is_some() { EngineDtype::F32 } else { settings.dtype },
            shard: settings.shard,
            server,
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
        let (file, resume) = RunFile::open(out, &meta)?;
        if let Some(line) = resume.torn_line {
            tracing::warn!("{}:{line}: cut off a torn last line; that prompt is generated again", out.display());
        }
        let mine: Vec<&Prompt> = keep_shard(prompts.prompts.iter().collect(), settings.shard, |p| &p.input_id);
        let todo: Vec<&Prompt> = mine.iter().copied().filter(|p| !file.is_done(&p.input_id)).collect();
        let report = SampleReport {
            run: out.to_owned(),
            resumed: mine.len() - todo.len(),
            sampled: 0,
            tokens: 0,
            weights_sha256: meta.weights_sha256.clone(),
        };
        Ok(Self { meta, generation, file, todo, report, raw })
    }

    /// The text a prompt is sampled with.
    fn text<'p>(&self, prompt: &'p Prompt) -> &'p str {
        prompt_text(self.raw, prompt)
    }

    /// Writes one prompt's samples.
    fn append(&mut self, prompt: &Prompt, samples: PromptSamples) -> Result<(), StageError> {
        self.report.tokens += samples.n_tokens.iter().sum::<usize>();
        self.file.append(&RunRecord {
            input_id: prompt.input_id.clone(),
            prompt: self.text(prompt).to_owned(),
            outputs: samples.outputs,
            task: self.meta.task.clone(),
            raw_outputs: samples.raw_outputs,
            finish_reasons: samples.finish_reasons,
            n_tokens: samples.n_tokens,
            meta: self.meta.clone(),
        })?;
        self.report.sampled += 1;
        Ok(())
    }
}

/// The text a prompt is sampled with: its raw form for models without a template (`raw`).
fn prompt_text(raw: bool, prompt: &Prompt) -> &str {
    match (raw, &prompt.raw_prompt) {
        (true, Some(raw_prompt)) => raw_prompt,
        _ => &prompt.prompt,
    }
}

/// The device memory the local engine needs for the longest prompt of `prompts` under
/// `settings` (see [`crate::olmo3::memory`]).
pub fn generation_memory(
    model: &Path,
    prompts: &PromptSet,
    settings: &SampleSettings,
) -> Result<GenerationMemory, StageError> {
    let config = Olmo3Config::from_file(&model.join("config.json"))
        .map_err(|e| StageError::model(format!("{}: reading the config", model.display()))(Box::new(e)))?;
    let checkpoint = CheckpointText::load(model, settings.template, String::new())?;
    let raw = checkpoint.format.template.is_none();
    let mut longest = 0;
    for prompt in keep_shard(prompts.prompts.iter().collect(), settings.shard, |p| &p.input_id) {
        let input = checkpoint
            .format
            .format(prompt_text(raw, prompt), settings.no_think)
            .map_err(|e| StageError::model(format!("prompt `{}`", prompt.input_id))(Box::new(e)))?;
        let tokens = checkpoint
            .tokenizer
            .encode(&input)
            .map_err(|e| StageError::model(format!("prompt `{}`", prompt.input_id))(Box::new(e)))?;
        longest = longest.max(tokens.len());
    }
    let samples = settings.batch_size.clamp(1, settings.k.max(1));
    Ok(GenerationMemory::estimate(&config, settings.dtype.bytes(), samples, longest, prompts.max_new_tokens))
}

/// Refuses a local run that needs more than `available` bytes of device memory, naming
/// what it needs.
pub fn check_device_memory(
    model: &Path,
    prompts: &PromptSet,
    settings: &SampleSettings,
    available: u64,
) -> Result<GenerationMemory, StageError> {
    let needed = generation_memory(model, prompts, settings)?;
    if needed.total() > available {
        return Err(StageError::Invalid(format!(
            "{}: this run needs {needed} with {} samples decoded together in {:?}, but the device has {:.1} GiB; \
             lower --batch-size, --max-new-tokens or use --dtype bf16",
            model.display(),
            settings.batch_size.clamp(1, settings.k.max(1)),
            settings.dtype,
            available as f64 / f64::from(1u32 << 30)
        )));
    }
    Ok(needed)
}

fn check_settings(settings: &SampleSettings) -> Result<(), StageError> {
    settings.sampling.validate().map_err(|e| StageError::Invalid(e.to_string()))?;
    if settings.k == 0 {
        return Err(StageError::Invalid("--k must be at least 1".into()));
    }
    Ok(())
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
    check_settings(settings)?;
    let loading = |what: &str| StageError::model(format!("{}: loading the {what}", model.display()));
    let weights = load_olmo3::<B>(model, device, settings.dtype.float()).map_err(|e| loading("model")(Box::new(e)))?;
    let weights_hash = weights_sha256(model).map_err(|e| loading("weights")(Box::new(e)))?;
    let checkpoint = CheckpointText::load(model, settings.template, weights_hash)?;
    let mut run = OpenRun::open(&checkpoint, prompts, settings, None, out)?;
    let generator = Generator::new(weights, checkpoint.tokenizer, checkpoint.format.template, device.clone());
    progress.start(&format!("sampling {} from {}", prompts.task, model.display()), Some(run.todo.len() as u64));
    for prompt in std::mem::take(&mut run.todo) {
        let samples = generator
            .generate(&prompt.input_id, run.text(prompt), &run.generation)
            .map_err(|e| StageError::model(format!("prompt `{}`", prompt.input_id))(Box::new(e)))?;
        run.append(prompt, samples)?;
        progress.tick();
    }
    progress.finish();
    Ok(run.report)
}

/// [`sample_run`] through an OpenAI-compatible server serving the checkpoint whose
/// tokenizer and template are in `model` (weights there are hashed when present; a
/// folder without weights records an empty hash). The run file has the same schema and
/// resumes the same way; its `meta.server` says what sampled it.
pub fn sample_run_on_server(
    model: &Path,
    prompts: &PromptSet,
    settings: &SampleSettings,
    remote: &ServerSettings,
    out: &Path,
    progress: &mut dyn Progress,
) -> Result<SampleReport, StageError> {
    check_settings(settings)?;
    if remote.api == ServerApi::Chat && settings.no_think {
        return Err(StageError::Invalid(RemoteError::NoThinkWithChat.to_string()));
    }
    let server = Server::new(remote.server.clone());
    let info = server.preflight(Some(&remote.served_model)).map_err(server_error)?;
    let weights_hash = match weights_sha256(model) {
        Ok(hash) => hash,
        Err(WeightsError::NoWeights { .. }) => String::new(),
        Err(e) => return Err(StageError::model(format!("{}: hashing the weights", model.display()))(Box::new(e))),
    };
    let reported = ServerReport {
        base_url: public_url(&remote.server.base_url),
        model_entry: info.model(&remote.served_model).cloned(),
        version: info.version,
    };
    let stop = AtomicBool::new(false);
    let samples_per_request = resolve_samples_per_request(
        &server,
        remote.api,
        &remote.served_model,
        &remote.extra_body,
        remote.samples_per_request,
        &stop,
    )
    .map_err(|e| remote_error(e, "the n = 2 probe"))?;
    let meta = ServerMeta {
        backend: "openai".into(),
        api: remote.api,
        served_model: remote.served_model.clone(),
        samples_per_request,
        extra_body: remote.extra_body.clone(),
        reported,
    };
    let checkpoint = CheckpointText::load(model, settings.template, weights_hash)?;
    let mut run = OpenRun::open(&checkpoint, prompts, settings, Some(meta), out)?;
    let stop_ids = stop_token_ids(&config_eos_token_ids(model), &checkpoint.tokenizer);
    let generator = RemoteGenerator {
        server,
        served_model: remote.served_model.clone(),
        api: remote.api,
        per_request: samples_per_request,
        tokenizer: checkpoint.tokenizer,
        format: checkpoint.format,
        stop_ids,
        extra_body: remote.extra_body.clone(),
    };
    progress.start(
        &format!("sampling {} from {} at {}", prompts.task, remote.served_model, public_url(&remote.server.base_url)),
        Some(run.todo.len() as u64),
    );
    let queue = Mutex::new(std::mem::take(&mut run.todo).into_iter().collect::<VecDeque<&Prompt>>());
    let mut failure = None;
    let (generation, raw) = (run.generation.clone(), run.raw);
    std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::channel();
        for _ in 0..remote.concurrency.max(1) {
            let (sender, queue, stop, generator, generation) = (sender.clone(), &queue, &stop, &generator, &generation);
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Some(prompt) = queue.lock().map(|mut q| q.pop_front()).unwrap_or(None) else { break };
                    let result = generator.generate(&prompt.input_id, prompt_text(raw, prompt), generation, stop);
                    if sender.send((prompt, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        // Every finished prompt is written, even after another one failed.
        for (prompt, result) in receiver {
            let written = result
                .map_err(|e| remote_error(e, &format!("prompt `{}`", prompt.input_id)))
                .and_then(|samples| run.append(prompt, samples));
            match written {
                Ok(()) => progress.tick(),
                Err(e) => {
                    failure.get_or_insert(e);
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
    });
    progress.finish();
    match failure {
        Some(e) => Err(e),
        None => Ok(run.report),
    }
}

fn server_error(error: ApiError) -> StageError {
    StageError::model("the generation server")(Box::new(error))
}

/// A failed request as a stage error: the server's own failures as [`server_error`],
/// the others with `context` (which request).
fn remote_error(error: RemoteError, context: &str) -> StageError {
    match error {
        RemoteError::Server(e) => server_error(e),
        other => StageError::model(context)(Box::new(other)),
    }
}

/// `url` without credentials (`user:password@`) or query, for files and logs.
fn public_url(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or_default();
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
            let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
            if path.is_empty() { format!("{scheme}://{host}") } else { format!("{scheme}://{host}/{path}") }
        }
        None => url.to_owned(),
    }
}

/// The `eos_token_id`s of a checkpoint's `config.json` (a number or a list; none when
/// the file or field is missing), read without requiring an Olmo 3 configuration, so
/// any family a server serves works.
fn config_eos_token_ids(model: &Path) -> Vec<u32> {
    let Ok(text) = std::fs::read_to_string(model.join("config.json")) else { return Vec::new() };
    let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    match value.get("eos_token_id") {
        Some(serde_json::Value::Array(ids)) => {
            ids.iter().filter_map(|id| id.as_u64().and_then(|id| u32::try_from(id).ok())).collect()
        }
        Some(id) => id.as_u64().and_then(|id| u32::try_from(id).ok()).into_iter().collect(),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_credentials_and_queries() {
        assert_eq!(public_url("http://user:sk-1@host:8000/v1?key=sk-2"), "http://host:8000/v1");
        assert_eq!(public_url("https://api.openai.com/v1"), "https://api.openai.com/v1");
        assert_eq!(public_url("http://localhost:8000"), "http://localhost:8000");
    }
}
