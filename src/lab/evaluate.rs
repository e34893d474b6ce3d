//! Sampling the lab lineage as the study sampled Olmo 3: K outputs per evaluation
//! prompt from every checkpoint (and the think checkpoints with thinking suppressed),
//! into resumable run files, then correctness labels for the verifiable task and a
//! lineage description for the analysis.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use burn::tensor::FloatDType;

use super::lineage::{CHECKPOINTS, LabCheckpoint, PromptStyle};
use super::world::{EVAL_START, LabTask, problems};
use crate::device::Cpu;
use crate::generate::chat::ChatTemplate;
use crate::generate::engine::{GenerationSettings, Generator};
use crate::generate::runfile::{RunFile, RunMeta, RunRecord};
use crate::generate::sampling::SamplingParams;
use crate::generate::tokenizer::TextTokenizer;
use crate::olmo3::load_olmo3;
use crate::tasks::math::{answers_match, extract_answer, majority_vote_correct};
use crate::weights::weights_sha256;

/// A sampled condition: a checkpoint folder, with or without thinking, and its place
/// in the lineage the analysis reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// Report label and file stem (`sft_think`, `sft_think_no_think`).
    pub name: String,
    /// The checkpoint folder.
    pub folder: PathBuf,
    /// Lineage name in the analysis (`base`, `think`, `instruct`, `rl-zero`, `t4`, …).
    pub lineage: String,
    /// Stage (`base`, `sft`, `dpo`, `rl`).
    pub stage: &'static str,
    /// The condition its change is measured against.
    pub parent: Option<String>,
    /// Thinking suppressed (an empty think block pre-filled).
    pub no_think: bool,
}

impl Condition {
    /// A checkpoint of the lab lineage in `lineage_dir`, sampled as trained
    /// (`no_think = false`) or with thinking suppressed.
    pub fn of_checkpoint(lineage_dir: &Path, checkpoint: &LabCheckpoint, no_think: bool) -> Self {
        let name = if no_think { format!("{}_no_think", checkpoint.name) } else { checkpoint.name.to_owned() };
        let lineage = if checkpoint.lineage == "rl_zero" { "rl-zero" } else { checkpoint.lineage };
        Self {
            name,
            folder: lineage_dir.join(checkpoint.name),
            lineage: lineage.to_owned(),
            stage: checkpoint.stage,
            parent: checkpoint.parent.map(str::to_owned),
            no_think,
        }
    }
}

/// Every checkpoint of the lab lineage in `lineage_dir`, plus the think checkpoints with
/// thinking suppressed.
pub fn conditions(lineage_dir: &Path) -> Vec<Condition> {
    let mut all: Vec<Condition> = CHECKPOINTS.iter().map(|c| Condition::of_checkpoint(lineage_dir, c, false)).collect();
    all.extend(
        CHECKPOINTS
            .iter()
            .filter(|c| c.style == PromptStyle::Think)
            .map(|c| Condition::of_checkpoint(lineage_dir, c, true)),
    );
    all
}

/// How the lineage is sampled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvalSettings {
    /// World seed (the lineage's).
    pub world_seed: u64,
    /// Evaluation prompts per task.
    pub n: usize,
    /// Samples per prompt.
    pub k: usize,
    /// Sampling parameters (the study's: T = 0.6, top-p 0.95).
    pub sampling: SamplingParams,
    /// Run seed.
    pub seed: u64,
    /// Token limit per sample.
    pub max_new_tokens: usize,
}

/// Errors of sampling or labelling.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// Loading the checkpoint failed.
    #[error("checkpoint {path}: {message}")]
    Checkpoint {
        /// The folder.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Writing or reading a run or labels file failed.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Samples `condition` on `task` into the run file `out` (resumable: complete prompts
/// are kept). `progress` is called after each prompt.
pub fn sample_condition(
    condition: &Condition,
    task: LabTask,
    settings: &EvalSettings,
    out: &Path,
    progress: &mut dyn FnMut(),
) -> Result<(), EvalError> {
    let folder = condition.folder.clone();
    let failed = |message: String| EvalError::Checkpoint { path: folder.clone(), message };
    let device = Default::default();
    let model = load_olmo3::<Cpu>(&folder, &device, FloatDType::F32).map_err(|e| failed(e.to_string()))?;
    let tokenizer = TextTokenizer::from_file(&folder.join("tokenizer.json")).map_err(|e| failed(e.to_string()))?;
    let template = ChatTemplate::from_checkpoint(&folder).map_err(|e| failed(e.to_string()))?;
    let stop = if template.is_none() { vec!["\nQuestion:".to_owned()] } else { Vec::new() };
    let meta = RunMeta {
        tool_version: crate::TOOL_VERSION.to_owned(),
        model_path: folder.display().to_string(),
        weights_sha256: weights_sha256(&folder).map_err(|e| failed(e.to_string()))?,
        tokenizer_sha256: tokenizer.sha256().to_owned(),
        template_sha256: template.as_ref().map(|t| t.sha256().to_owned()),
        task: task.name().to_owned(),
        sampling: settings.sampling,
        seed: settings.seed,
        k: settings.k,
        max_new_tokens: settings.max_new_tokens,
        no_think: condition.no_think,
        stop_sequences: stop.clone(),
    };
    let generation = GenerationSettings {
        k: settings.k,
        batch_size: settings.k,
        sampling: settings.sampling,
        seed: settings.seed,
        max_new_tokens: settings.max_new_tokens,
        no_think: condition.no_think,
        stop_sequences: stop,
        task: task.name().to_owned(),
    };
    let is_raw = template.is_none();
    let generator = Generator::new(model, tokenizer, template, device);
    let file_error = |e: &dyn std::fmt::Display| EvalError::File { path: out.to_owned(), message: e.to_string() };
    let (mut run, _) = RunFile::open(out, &meta).map_err(|e| file_error(&e))?;
    for problem in problems(settings.world_seed, task, EVAL_START, settings.n) {
        if run.is_done(&problem.id) {
            progress();
            continue;
        }
        let prompt = if is_raw { problem.base_prompt() } else { problem.question.clone() };
        let samples = generator.generate(&problem.id, &prompt, &generation).map_err(|e| failed(e.to_string()))?;
        run.append(&RunRecord {
            input_id: problem.id.clone(),
            prompt,
            outputs: samples.outputs,
            task: task.name().to_owned(),
            raw_outputs: samples.raw_outputs,
            finish_reasons: samples.finish_reasons,
            n_tokens: samples.n_tokens,
            meta: meta.clone(),
        })
        .map_err(|e| file_error(&e))?;
        progress();
    }
    Ok(())
}

/// Labels every output of a `lab_sums` run file with the math checker (answer
/// extraction as in the study, against the world's answer) and writes the labels file
/// in the `correctness` format.
pub fn label_sums(run: &Path, world_seed: u64, n: usize, out: &Path) -> Result<(), EvalError> {
    let error = |path: &Path, message: String| EvalError::File { path: path.to_owned(), message };
    let answers: std::collections::HashMap<String, String> = problems(world_seed, LabTask::Sums, EVAL_START, n)
        .into_iter()
        .map(|p| (p.id, p.answer.map(|a| a.to_string()).unwrap_or_default()))
        .collect();
    let text = std::fs::read_to_string(run).map_err(|e| error(run, e.to_string()))?;
    let mut lines = String::new();
    for (index, line) in text.lines().enumerate() {
        let record: RunRecord =
            serde_json::from_str(line).map_err(|e| error(run, format!("line {}: {e}", index + 1)))?;
        let gold = answers.get(&record.input_id).map(String::as_str);
        let extracted: Vec<Option<String>> = record.outputs.iter().map(|o| extract_answer(o)).collect();
        let labels: Vec<bool> = extracted.iter().map(|a| answers_match(a.as_deref(), gold)).collect();
        let line = serde_json::json!({
            "input_id": record.input_id,
            "task": record.task,
            "labels": labels,
            "majority_vote": majority_vote_correct(&extracted, gold),
            "gold": gold,
        });
        writeln!(lines, "{line}").expect("writing to a string");
    }
    std::fs::write(out, lines).map_err(|e| error(out, e.to_string()))
}

/// Samples every condition on both lab tasks into `out/runs/` (one file per condition
/// and task, resumable, and one file per condition with both tasks for the analysis),
/// labels the verifiable task into `out/labels/`, and writes `out/lineage.toml`.
/// `progress` is called after each prompt (conditions × tasks × `settings.n` calls).
pub fn sample_and_label(
    conditions: &[Condition],
    settings: &EvalSettings,
    out: &Path,
    header: &str,
    progress: &mut dyn FnMut(),
) -> Result<PathBuf, EvalError> {
    let file_error =
        |path: &Path, e: &dyn std::fmt::Display| EvalError::File { path: path.to_owned(), message: e.to_string() };
    for folder in ["runs", "labels"] {
        let path = out.join(folder);
        std::fs::create_dir_all(&path).map_err(|e| file_error(&path, &e))?;
    }
    for condition in conditions {
        let name = &condition.name;
        let mut combined = String::new();
        for task in LabTask::ALL {
            let path = out.join("runs").join(format!("{name}.{}.jsonl", task.name()));
            sample_condition(condition, task, settings, &path, progress)?;
            combined.push_str(&std::fs::read_to_string(&path).map_err(|e| file_error(&path, &e))?);
            if task == LabTask::Sums {
                label_sums(&path, settings.world_seed, settings.n, &out.join("labels").join(format!("{name}.jsonl")))?;
            }
        }
        // The analysis reads one run file per checkpoint: both tasks together.
        let path = out.join("runs").join(format!("{name}.jsonl"));
        std::fs::write(&path, combined).map_err(|e| file_error(&path, &e))?;
    }
    let path = out.join("lineage.toml");
    std::fs::write(&path, lineage_toml(conditions, header)).map_err(|e| file_error(&path, &e))?;
    Ok(path)
}

/// The lineage description (TOML) of the sampled conditions, for `analyze`; paths are
/// relative to the TOML file. `header` is its first comment line.
pub fn lineage_toml(conditions: &[Condition], header: &str) -> String {
    let mut toml = format!("# {header}\nname = \"lab\"\n");
    for condition in conditions {
        let name = &condition.name;
        write!(
            toml,
            "\n[[checkpoint]]\nname = \"{name}\"\nlineage = \"{}\"\nstage = \"{}\"\n",
            condition.lineage, condition.stage
        )
        .expect("string");
        if let Some(parent) = &condition.parent {
            writeln!(toml, "parent = \"{parent}\"").expect("string");
        }
        if condition.no_think {
            toml.push_str("no_think = true\n");
        }
        writeln!(toml, "run = \"runs/{name}.jsonl\"\nlabels = \"labels/{name}.jsonl\"").expect("string");
    }
    toml
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::lineage::Lineage;

    #[test]
    fn the_sampled_conditions_form_a_lineage_the_analysis_reads() {
        let all = conditions(Path::new("lab/lineage"));
        assert_eq!(all.len(), 11, "8 checkpoints and 3 think checkpoints without thinking");
        let lineage = Lineage::parse(&lineage_toml(&all, "demo"), "demo").unwrap();
        assert_eq!(lineage.base().name, "base");
        assert_eq!(lineage.lineage_names(), ["think", "instruct", "rl-zero"]);
        assert_eq!(lineage.members("think", true).len(), 3);
    }
}
