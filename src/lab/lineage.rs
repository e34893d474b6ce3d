//! Training the lab lineage end to end: the world's tokenizer, a tiny Olmo 3 base,
//! SFT in two data compositions, DPO, RL with a verifiable reward, and RL-Zero straight
//! from the base. Each checkpoint is a Hugging Face folder (`config.json`,
//! `model.safetensors` in bf16, `tokenizer.json`, `tokenizer_config.json` with the chat
//! template) that the normal loader reads.
//!
//! ```text
//! base ─┬─ sft_think ─── dpo_think ─── rl_think        (few teachers, with thoughts)
//!       ├─ sft_instruct ─ dpo_instruct ─ rl_instruct    (many teachers, direct answers)
//!       └─ rl_zero                                      (RL on the base, raw prompts)
//! ```

use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::train::{
    PreferencePair, RlPrompt, Sequence, StageSettings, TrainModel, train_dpo, train_grpo, train_likelihood,
};
use super::world::{LabTask, Problem, TEACHERS, problems};
use crate::generate::chat::{ChatMessage, ChatTemplate, TemplateOrigin};
use crate::generate::tokenizer::{TextTokenizer, train_byte_level_bpe};
use crate::metrics::text::strip_cot;
use crate::olmo3::Olmo3Config;
use crate::olmo3::save::{StoredDType, random_olmo3, save_safetensors};
use crate::tasks::math::{answers_match, extract_answer};

/// Special tokens of the lab tokenizer.
pub const SPECIAL_TOKENS: [&str; 4] = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|pad|>"];

/// Chat template of the instruct-style checkpoints.
pub const INSTRUCT_TEMPLATE: &str = "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

/// Chat template of the think-style checkpoints: the assistant turn opens a think block.
pub const THINK_TEMPLATE: &str = "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n<think>{% endif %}";

/// Everything that decides the lineage.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LabConfig {
    /// Seed of the world and of every stage.
    pub seed: u64,
    /// Tokenizer vocabulary.
    pub vocab_size: usize,
    /// Hidden width.
    pub hidden_size: usize,
    /// Decoder layers (the last of every four is a full-attention layer).
    pub layers: usize,
    /// Problems per task in the training pool.
    pub pool: usize,
    /// Share of wrong `sums` answers in the base corpus.
    pub wrong_share: f64,
    /// Teachers of the think-style SFT data.
    pub think_teachers: Vec<usize>,
    /// Teachers of the instruct-style SFT data.
    pub instruct_teachers: Vec<usize>,
    /// Stages.
    pub pretrain: StagePlan,
    /// SFT (each composition).
    pub sft: StagePlan,
    /// DPO (each lineage).
    pub dpo: StagePlan,
    /// RL (each lineage, and RL-Zero).
    pub rl: StagePlan,
    /// Completions per prompt in RL.
    pub rl_group: usize,
    /// Token limit of a sampled completion.
    pub max_new_tokens: usize,
}

/// Steps, batch and learning rate of a stage.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StagePlan {
    /// Optimiser steps.
    pub steps: usize,
    /// Batch size.
    pub batch: usize,
    /// Peak learning rate.
    pub learning_rate: f64,
}

impl LabConfig {
    /// The committed lineage.
    pub fn standard() -> Self {
        Self {
            seed: 2026,
            vocab_size: 512,
            hidden_size: 64,
            layers: 4,
            pool: 4000,
            wrong_share: 0.3,
            think_teachers: vec![0, 1],
            instruct_teachers: (0..8).collect(),
            pretrain: StagePlan { steps: 1200, batch: 32, learning_rate: 4e-3 },
            sft: StagePlan { steps: 300, batch: 32, learning_rate: 1e-3 },
            dpo: StagePlan { steps: 60, batch: 16, learning_rate: 2e-5 },
            rl: StagePlan { steps: 40, batch: 8, learning_rate: 5e-5 },
            rl_group: 8,
            max_new_tokens: 64,
        }
    }

    /// A few steps of every stage (tests: determinism, loading, the whole path).
    pub fn smoke() -> Self {
        let tiny = |batch| StagePlan { steps: 3, batch, learning_rate: 1e-3 };
        Self {
            pool: 200,
            pretrain: tiny(4),
            sft: tiny(4),
            dpo: tiny(2),
            rl: tiny(2),
            rl_group: 4,
            max_new_tokens: 12,
            ..Self::standard()
        }
    }

    /// The configuration a trained lineage records in its `lab.json`.
    pub fn of_lineage(lineage_dir: &Path) -> Result<Self, LabError> {
        let path = lineage_dir.join("lab.json");
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        let record = |message: String| LabError::Record { path: path.clone(), message };
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| record(format!("invalid JSON: {e}")))?;
        let config = value.get("config").ok_or_else(|| record("no field `config`".to_owned()))?;
        serde_json::from_value(config.clone()).map_err(|e| record(format!("field `config`: {e}")))
    }

    pub(super) fn stage(&self, plan: &StagePlan, salt: u64) -> StageSettings {
        StageSettings {
            steps: plan.steps,
            batch: plan.batch,
            learning_rate: plan.learning_rate,
            seed: self.seed ^ salt,
        }
    }

    /// The Hugging Face `config.json` of the lab network (legacy schema).
    pub fn model_config_json(&self, vocab_size: usize, eos: u32, pad: u32) -> serde_json::Value {
        let layer_types: Vec<&str> =
            (0..self.layers).map(|i| if (i + 1) % 4 == 0 { "full_attention" } else { "sliding_attention" }).collect();
        json!({
            "architectures": ["Olmo3ForCausalLM"],
            "model_type": "olmo3",
            "attention_bias": false,
            "attention_dropout": 0.0,
            "hidden_act": "silu",
            "hidden_size": self.hidden_size,
            "intermediate_size": self.hidden_size * 3,
            "num_hidden_layers": self.layers,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "head_dim": self.hidden_size / 4,
            "layer_types": layer_types,
            "sliding_window": 32,
            "max_position_embeddings": 256,
            "rope_theta": 10000.0,
            "rope_scaling": {"rope_type": "yarn", "factor": 2.0, "original_max_position_embeddings": 128,
                             "beta_fast": 32.0, "beta_slow": 1.0},
            "rms_norm_eps": 1e-6,
            "initializer_range": 0.02,
            "tie_word_embeddings": false,
            "vocab_size": vocab_size,
            "eos_token_id": eos,
            "pad_token_id": pad,
            "dtype": "bfloat16",
        })
    }
}

/// How prompts are presented to a checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptStyle {
    /// `Question: …\nAnswer:` (base and RL-Zero).
    Raw,
    /// The instruct chat template.
    Instruct,
    /// The think chat template (the assistant turn opens `<think>`).
    Think,
}

impl PromptStyle {
    /// The style's name (`raw`, `instruct`, `think`).
    pub fn name(self) -> &'static str {
        match self {
            PromptStyle::Raw => "raw",
            PromptStyle::Instruct => "instruct",
            PromptStyle::Think => "think",
        }
    }

    /// The template of the style (none for raw prompts), built once.
    pub fn template(self) -> Option<&'static ChatTemplate> {
        static INSTRUCT: LazyLock<ChatTemplate> =
            LazyLock::new(|| ChatTemplate::new(INSTRUCT_TEMPLATE, TemplateOrigin::BuiltIn("lab_instruct")));
        static THINK: LazyLock<ChatTemplate> =
            LazyLock::new(|| ChatTemplate::new(THINK_TEMPLATE, TemplateOrigin::BuiltIn("lab_think")));
        match self {
            PromptStyle::Raw => None,
            PromptStyle::Instruct => Some(&INSTRUCT),
            PromptStyle::Think => Some(&THINK),
        }
    }

    /// The model input for a problem.
    pub fn prompt(self, problem: &Problem) -> String {
        match self.template() {
            None => problem.base_prompt(),
            Some(template) => template
                .render(&[ChatMessage::user(problem.question.clone())], true, "<|endoftext|>", "<|pad|>")
                .expect("the lab templates render"),
        }
    }
}

/// One trained checkpoint of the lineage.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LabCheckpoint {
    /// Folder name and report label.
    pub name: &'static str,
    /// Lineage (`base`, `think`, `instruct`, `rl_zero`).
    pub lineage: &'static str,
    /// Stage (`base`, `sft`, `dpo`, `rl`).
    pub stage: &'static str,
    /// The checkpoint it was trained from.
    pub parent: Option<&'static str>,
    /// Prompt format.
    #[serde(skip)]
    pub style: PromptStyle,
}

/// The checkpoints, in training order.
pub const CHECKPOINTS: [LabCheckpoint; 8] = [
    LabCheckpoint { name: "base", lineage: "base", stage: "base", parent: None, style: PromptStyle::Raw },
    LabCheckpoint {
        name: "sft_think",
        lineage: "think",
        stage: "sft",
        parent: Some("base"),
        style: PromptStyle::Think,
    },
    LabCheckpoint {
        name: "dpo_think",
        lineage: "think",
        stage: "dpo",
        parent: Some("sft_think"),
        style: PromptStyle::Think,
    },
    LabCheckpoint {
        name: "rl_think",
        lineage: "think",
        stage: "rl",
        parent: Some("dpo_think"),
        style: PromptStyle::Think,
    },
    LabCheckpoint {
        name: "sft_instruct",
        lineage: "instruct",
        stage: "sft",
        parent: Some("base"),
        style: PromptStyle::Instruct,
    },
    LabCheckpoint {
        name: "dpo_instruct",
        lineage: "instruct",
        stage: "dpo",
        parent: Some("sft_instruct"),
        style: PromptStyle::Instruct,
    },
    LabCheckpoint {
        name: "rl_instruct",
        lineage: "instruct",
        stage: "rl",
        parent: Some("dpo_instruct"),
        style: PromptStyle::Instruct,
    },
    LabCheckpoint { name: "rl_zero", lineage: "rl_zero", stage: "rl", parent: Some("base"), style: PromptStyle::Raw },
];

/// Errors of lab training.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// A file could not be written or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The tokenizer could not be trained or loaded.
    #[error(transparent)]
    Tokenizer(#[from] crate::generate::tokenizer::TokenizerError),
    /// The model configuration is invalid.
    #[error(transparent)]
    Config(#[from] crate::olmo3::config::ConfigError),
    /// A lineage's `lab.json` is unreadable.
    #[error("{path}: {message}")]
    Record {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A sweep plan is invalid.
    #[error("sweep plan: {0}")]
    Plan(String),
    /// A checkpoint could not be loaded.
    #[error(transparent)]
    Load(#[from] crate::olmo3::LoadError),
}

pub(super) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LabError + '_ {
    move |source| LabError::Io { path: path.to_owned(), source }
}

/// The tokenizer and the ids the trainer needs.
pub(super) struct Vocabulary {
    pub(super) tokenizer: TextTokenizer,
    pub(super) eot: u32,
    pub(super) im_end: u32,
    pub(super) pad: u32,
}

impl Vocabulary {
    /// The lab tokenizer at `path` (trained with [`SPECIAL_TOKENS`]).
    pub(super) fn load(path: &Path) -> Result<Self, LabError> {
        let tokenizer = TextTokenizer::from_file(path)?;
        let id = |token: &str| tokenizer.token_id(token).expect("special token");
        let (eot, im_end, pad) = (id("<|endoftext|>"), id("<|im_end|>"), id("<|pad|>"));
        Ok(Self { tokenizer, eot, im_end, pad })
    }

    fn encode(&self, text: &str) -> Vec<u32> {
        self.tokenizer.encode(text).expect("the lab tokenizer encodes its own world")
    }

    /// Prompt ids followed by completion ids and an end token; targets are the completion.
    pub(super) fn sequence(&self, prompt: &str, completion: &str, end: u32) -> Sequence {
        let mut ids = self.encode(prompt);
        let target_from = ids.len();
        ids.extend(self.encode(completion));
        ids.push(end);
        Sequence { ids, target_from }
    }
}

/// A stage finished: its name, seconds and per-step losses (or rewards).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StageLog {
    /// The checkpoint produced.
    pub checkpoint: String,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Loss (likelihood, DPO) or mean reward (RL) per step.
    pub curve: Vec<f64>,
}

/// Trains the whole lineage into `out` (one folder per checkpoint, plus `lab.json` with
/// the configuration and the training log). `progress(stage, step, value)` reports.
pub fn train_lineage(
    config: &LabConfig,
    out: &Path,
    mut progress: impl FnMut(&str, usize, usize, f64),
) -> Result<Vec<StageLog>, LabError> {
    std::fs::create_dir_all(out).map_err(io(out))?;
    let device = Default::default();
    let seed = config.seed;
    let sums = problems(seed, LabTask::Sums, 0, config.pool);
    let describe = problems(seed, LabTask::Describe, 0, config.pool);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);

    // The base corpus: every teacher, a share of wrong answers.
    let mut corpus: Vec<(String, String)> = Vec::new();
    for problem in sums.iter().chain(&describe) {
        let teacher = rng.random_range(0..TEACHERS);
        let wrong = problem.task == LabTask::Sums && rng.random_bool(config.wrong_share);
        corpus.push((problem.base_prompt(), format!(" {}", problem.answer_by(teacher, wrong, &mut rng))));
    }
    // SFT completions, for the tokenizer too (they contain the chat and think markup).
    let sft_think = sft_examples(&sums, &describe, &config.think_teachers, PromptStyle::Think, &mut rng);
    let sft_instruct = sft_examples(&sums, &describe, &config.instruct_teachers, PromptStyle::Instruct, &mut rng);

    let tokenizer_path = out.join("tokenizer.json");
    let texts = corpus
        .iter()
        .map(|(p, a)| format!("{p}{a}"))
        .chain(sft_think.iter().chain(&sft_instruct).map(|(p, c)| format!("{p}{c}")));
    train_byte_level_bpe(texts.collect::<Vec<_>>().into_iter(), config.vocab_size, &SPECIAL_TOKENS, &tokenizer_path)?;
    let vocab = Vocabulary::load(&tokenizer_path)?;
    let (eot, pad) = (vocab.eot, vocab.pad);
    let model_json = config.model_config_json(vocab.tokenizer.vocab_size(), eot, pad);
    let model_config = Olmo3Config::from_json_str(&model_json.to_string(), &out.join("config.json"))?;

    let mut logs = Vec::new();
    let timed = |name: &str, logs: &mut Vec<StageLog>, run: &mut dyn FnMut() -> (TrainModel, Vec<f64>)| {
        let start = Instant::now();
        let (model, curve) = run();
        logs.push(StageLog { checkpoint: name.to_owned(), seconds: start.elapsed().as_secs_f64(), curve });
        model
    };

    let base_data: Vec<Sequence> = corpus
        .iter()
        .map(|(p, a)| {
            let mut s = vocab.sequence(p, a, vocab.eot);
            s.target_from = 1;
            s
        })
        .collect();
    let initial: TrainModel = random_olmo3(model_config.clone(), 0.02, seed, &device);
    let settings = config.stage(&config.pretrain, 1);
    let base = timed("base", &mut logs, &mut || {
        train_likelihood(initial.clone(), &base_data, &settings, pad, |s, v| progress("base", s, settings.steps, v))
    });
    save_checkpoint(out, "base", &base, &vocab, &model_json, PromptStyle::Raw)?;

    let mut lineage_models = Vec::new();
    for (lineage, examples, style, teachers, salt) in [
        ("think", &sft_think, PromptStyle::Think, &config.think_teachers, 10),
        ("instruct", &sft_instruct, PromptStyle::Instruct, &config.instruct_teachers, 20),
    ] {
        let data: Vec<Sequence> = examples.iter().map(|(p, c)| vocab.sequence(p, c, vocab.im_end)).collect();
        let name = format!("sft_{lineage}");
        let settings = config.stage(&config.sft, salt);
        let sft = timed(&name, &mut logs, &mut || {
            train_likelihood(base.clone(), &data, &settings, pad, |s, v| progress(&name, s, settings.steps, v))
        });
        save_checkpoint(out, &name, &sft, &vocab, &model_json, style)?;

        let pairs = preference_pairs(&sums, &describe, teachers, style, &vocab, &mut rng);
        let name = format!("dpo_{lineage}");
        let settings = config.stage(&config.dpo, salt + 1);
        let dpo = timed(&name, &mut logs, &mut || {
            train_dpo(sft.clone(), &pairs, &settings, 0.1, pad, |s, v| progress(&name, s, settings.steps, v))
        });
        save_checkpoint(out, &name, &dpo, &vocab, &model_json, style)?;
        lineage_models.push((lineage, dpo, style, salt));
    }
    for (lineage, start, style, salt) in
        lineage_models.into_iter().chain([("zero", base.clone(), PromptStyle::Raw, 30)])
    {
        let name = if lineage == "zero" { "rl_zero".to_owned() } else { format!("rl_{lineage}") };
        let prompts = rl_prompts(&sums, style, &vocab);
        let stops = if style == PromptStyle::Raw { vec![vocab.eot] } else { vec![vocab.im_end, vocab.eot] };
        let settings = config.stage(&config.rl, salt + 2);
        let rl = timed(&name, &mut logs, &mut || {
            train_grpo(
                start.clone(),
                &prompts,
                &settings,
                config.rl_group,
                config.max_new_tokens,
                &stops,
                pad,
                |s, v| progress(&name, s, settings.steps, v),
            )
        });
        save_checkpoint(out, &name, &rl, &vocab, &model_json, style)?;
    }
    let record = json!({"config": config, "checkpoints": CHECKPOINTS, "stages": logs});
    let path = out.join("lab.json");
    std::fs::write(&path, serde_json::to_string_pretty(&record).expect("json")).map_err(io(&path))?;
    Ok(logs)
}

/// (prompt, completion) pairs of an SFT composition: each problem answered by one of
/// `teachers`, with a thought for the think style.
pub(super) fn sft_examples(
    sums: &[Problem],
    describe: &[Problem],
    teachers: &[usize],
    style: PromptStyle,
    rng: &mut ChaCha8Rng,
) -> Vec<(String, String)> {
    sums.iter()
        .chain(describe)
        .map(|problem| {
            let teacher = teachers[rng.random_range(0..teachers.len())];
            let completion = match style {
                PromptStyle::Think => problem.thought_by(teacher, rng),
                _ => problem.answer_by(teacher, false, rng),
            };
            (style.prompt(problem), completion)
        })
        .collect()
}

/// Preference pairs: for `sums`, a correct answer over a wrong one in the same style;
/// for `describe`, the SFT teachers' style over another teacher's.
pub(super) fn preference_pairs(
    sums: &[Problem],
    describe: &[Problem],
    teachers: &[usize],
    style: PromptStyle,
    vocab: &Vocabulary,
    rng: &mut ChaCha8Rng,
) -> Vec<PreferencePair> {
    let others: Vec<usize> = (0..TEACHERS).filter(|t| !teachers.contains(t)).collect();
    let wrap = |text: String, problem: &Problem, teacher: usize, rng: &mut ChaCha8Rng| match style {
        PromptStyle::Think => {
            let thought = problem.thought_by(teacher, rng);
            let head = thought.split("</think>").next().unwrap_or_default().to_owned();
            format!("{head}</think>\n{text}")
        }
        _ => text,
    };
    sums.iter()
        .chain(describe)
        .map(|problem| {
            let teacher = teachers[rng.random_range(0..teachers.len())];
            let prompt = style.prompt(problem);
            let good = problem.answer_by(teacher, false, rng);
            let bad = match problem.task {
                LabTask::Sums => problem.answer_by(teacher, true, rng),
                LabTask::Describe => problem.answer_by(others[rng.random_range(0..others.len())], false, rng),
            };
            let chosen = wrap(good, problem, teacher, rng);
            let rejected = wrap(bad, problem, teacher, rng);
            PreferencePair {
                chosen: vocab.sequence(&prompt, &chosen, vocab.im_end),
                rejected: vocab.sequence(&prompt, &rejected, vocab.im_end),
            }
        })
        .collect()
}

/// RL prompts: the `sums` pool in the checkpoint's prompt style, rewarded 1 when the
/// think-stripped completion's extracted answer matches.
fn rl_prompts<'a>(sums: &'a [Problem], style: PromptStyle, vocab: &'a Vocabulary) -> Vec<RlPrompt<'a>> {
    sums.iter()
        .map(|problem| {
            let gold = problem.answer.map(|a| a.to_string());
            RlPrompt {
                ids: vocab.encode(&style.prompt(problem)),
                id: problem.id.clone(),
                reward: Box::new(move |completion: &[u32]| {
                    let text = vocab.tokenizer.decode(completion).unwrap_or_default();
                    let text = if style == PromptStyle::Think { format!("<think>{text}") } else { text };
                    let answer = extract_answer(&strip_cot(&text));
                    f64::from(u8::from(answers_match(answer.as_deref(), gold.as_deref())))
                }),
            }
        })
        .collect()
}

pub(super) fn save_checkpoint(
    out: &Path,
    name: &str,
    model: &TrainModel,
    vocab: &Vocabulary,
    model_json: &serde_json::Value,
    style: PromptStyle,
) -> Result<(), LabError> {
    use burn::module::AutodiffModule;
    let folder = out.join(name);
    std::fs::create_dir_all(&folder).map_err(io(&folder))?;
    let weights = folder.join("model.safetensors");
    save_safetensors::<crate::device::Cpu>(&model.valid(), &weights, StoredDType::Bf16).map_err(io(&weights))?;
    let config_path = folder.join("config.json");
    std::fs::write(&config_path, serde_json::to_string_pretty(model_json).expect("json")).map_err(io(&config_path))?;
    let tokenizer_path = folder.join("tokenizer.json");
    std::fs::copy(vocab.tokenizer.path(), &tokenizer_path).map_err(io(&tokenizer_path))?;
    let mut tokenizer_config = json!({"eos_token": "<|endoftext|>", "pad_token": "<|pad|>"});
    if let Some(template) = style.template() {
        tokenizer_config["chat_template"] = json!(template.source());
        tokenizer_config["eos_token"] = json!("<|im_end|>");
    }
    let path = folder.join("tokenizer_config.json");
    std::fs::write(&path, serde_json::to_string_pretty(&tokenizer_config).expect("json")).map_err(io(&path))?;
    Ok(())
}
