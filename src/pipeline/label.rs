//! The label stage: a run file (or any generation file) and a task → a labels file
//! ([`crate::data::labels`]) and a quality summary.
//!
//! Every output is judged by the task's checker (methodology §2.3–2.7): math answers,
//! TruthfulQA, IFEval, CRUXEval, HumanEval and MBPP programs in the sandbox, and the
//! lab's `lab_sums` with the math rules against the world's answer. Records whose task
//! names another registered task are left to that task's checker.
//!
//! A record links to its document (`Documents::find`) by, in order:
//! 1. its `input_id`, when it is a document's id;
//! 2. its unwrapped prompt (`original_query`) where the task wraps one
//!    (`humaneval_instruct`), by the first 200 characters as the study's scripts do
//!    (`doc.original_query or doc.query`);
//! 3. its whole prompt, equal to a document's query;
//! 4. the first 200 characters of its prompt, stripped, as the reference does.
//!
//! A 200-character key that several documents share is an error naming them, never a
//! guess: `humaneval_instruct`'s fixed instruction head is 189 characters, so its 164
//! queries give only 130 distinct keys. Records that link to nothing are reported and
//! skipped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use super::shard::Shard;
use super::{Progress, StageError};
use crate::data::GenerationSource;
use crate::data::generations::GenerationRecord;
use crate::data::labels::{LabelRecord, write_labels};
use crate::lab::world::LabTask;
use crate::metrics::text::strip_cot;
use crate::pycompat::prompt_key;
use crate::tasks::code::{
    humaneval_program, humaneval_program_corrected, humaneval_program_qfd, mbpp_program, mbpp_program_corrected,
    mbpp_program_qfd,
};
use crate::tasks::cruxeval::{
    cruxeval_correct, extract_prediction, gold_output, majority_vote_correct as cruxeval_majority,
};
use crate::tasks::data::{TaskDocument, load_split};
use crate::tasks::ifeval::{IfEvalQuality, check_output, document_instructions};
use crate::tasks::ifeval_official::{OfficialError, check_official};
use crate::tasks::langdetect::LanguageDetector;
use crate::tasks::math::{answers_match, extract_answer, gsm8k_gold, majority_vote_correct};
use crate::tasks::quality::{mean, pass_at_k};
use crate::tasks::registry::{Quality, TaskSpec, task_names};
use crate::tasks::sandbox::{Sandbox, SandboxLimits};
use crate::tasks::truthfulqa::{correct_answers, majority_correct, truthfulqa_correct};
use crate::tasks::{lab, math_corrected};

/// Checker semantics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckMode {
    /// Bit-for-bit the reference's rules, quirks included.
    #[default]
    Paper,
    /// Corrected rules where the reference has known defects: math (balanced boxes,
    /// LaTeX normalisation, numeric comparison), code (no renaming of a defined entry
    /// point, MBPP's set-up code run) and IFEval (Google's official checker, strict and
    /// loose).
    Corrected,
    /// The study's quality-filtered scripts' own code check (`check_code_correctness` of
    /// `quality_filtered_diversity.py`, as `compute_code_diversity.py`), the labels behind
    /// its correct-output diversity (Tables 14 and 15): the longest fenced block of the
    /// CoT-stripped output whatever it defines, and a 10 s limit. HumanEval and MBPP only.
    Qfd,
}

impl CheckMode {
    /// The mode a checker of `quality` applies: the mode itself where it has rules of its
    /// own for that checker, else the paper's (TruthfulQA and CRUXEval have one rule; qfd
    /// is a code check). `study` labels every task with it.
    pub fn for_quality(self, quality: Quality) -> CheckMode {
        match (self, quality) {
            (Self::Corrected, Quality::TruthfulQa | Quality::CruxEval) => Self::Paper,
            (Self::Qfd, quality) if !matches!(quality, Quality::HumanEval | Quality::Mbpp) => Self::Paper,
            (mode, _) => mode,
        }
    }

    /// The default time limit per program: 5 s in paper mode, the limit of the study's
    /// Table 8 harness (`compute_code_quality.py`); 10 s in the corrected and qfd modes,
    /// the limit of its quality-filtered scripts (`quality_filtered_diversity.py`,
    /// `compute_code_diversity.py`), which a slow machine needs less often raised.
    pub fn default_timeout(self) -> Duration {
        match self {
            Self::Paper => Duration::from_secs(5),
            Self::Corrected | Self::Qfd => Duration::from_secs(10),
        }
    }
}

/// How outputs are labelled.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelSettings {
    /// Checker semantics.
    pub mode: CheckMode,
    /// The task's data when the set-up cannot fetch it (for the lab tasks: the lineage folder).
    pub data: Option<PathBuf>,
    /// Programs run at once (code tasks).
    pub workers: usize,
    /// Wall-clock and CPU limit per program (code tasks; by default the mode's,
    /// [`CheckMode::default_timeout`]).
    pub timeout: Duration,
    /// Label only this slice of the prompts (by the linked document's id).
    pub shard: Option<Shard>,
    /// Run generated code even where the sandbox cannot isolate it fully (limits only).
    pub unsafe_no_sandbox: bool,
}

impl Default for LabelSettings {
    fn default() -> Self {
        Self {
            mode: CheckMode::Paper,
            data: None,
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            timeout: CheckMode::Paper.default_timeout(),
            shard: None,
            unsafe_no_sandbox: false,
        }
    }
}

/// Quality over the labelled prompts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelSummary {
    /// The task.
    pub task: String,
    /// Prompts labelled.
    pub labelled: usize,
    /// Records that link to no document (skipped).
    pub unlinked: usize,
    /// Documents the checker cannot judge reproducibly (skipped).
    pub uncheckable: usize,
    /// Share of prompts whose output 0 is correct.
    pub accuracy_at_1: f64,
    /// Share of prompts whose majority-vote answer is correct (tasks with a vote).
    pub majority_vote: f64,
    /// Share of prompts with at least one correct output.
    pub pass_at_k: f64,
    /// Unbiased pass@1, @5, @10, @16 (code tasks).
    pub pass_at: Option<[f64; 4]>,
    /// IFEval: strict@1, loose@1, strict pass@K, consistency@K.
    pub instructions: Option<[f64; 4]>,
    /// The sandbox's isolation (code tasks).
    pub sandbox: Option<String>,
}

impl LabelSummary {
    /// The summary as the lines `correctness` prints.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some([a, b, c, d]) = self.pass_at {
            lines.push(format!("pass@1 {a:.4}, pass@5 {b:.4}, pass@10 {c:.4}, pass@16 {d:.4}"));
        }
        if let Some(sandbox) = &self.sandbox {
            lines.push(format!("sandbox: {sandbox}"));
        }
        if let Some([a, b, c, d]) = self.instructions {
            lines.push(format!("strict@1 {a:.4}, loose@1 {b:.4}, strict pass@K {c:.4}, consistency@K {d:.4}"));
        }
        lines.push(format!(
            "{}: {} prompts labelled ({} unlinked, {} not checkable); accuracy@1 {:.4}, majority vote {:.4}, pass@K {:.4}",
            self.task,
            self.labelled,
            self.unlinked,
            self.uncheckable,
            self.accuracy_at_1,
            self.majority_vote,
            self.pass_at_k
        ));
        lines
    }
}

/// Labels every output of `generations` with the checker of `task` and writes the labels
/// file `out` (atomically); returns the quality summary.
pub fn label_run(
    task: &str,
    generations: &Path,
    settings: &LabelSettings,
    out: &Path,
    progress: &mut dyn Progress,
) -> Result<LabelSummary, StageError> {
    let Some(spec) = crate::tasks::task(task) else {
        return Err(StageError::Invalid(format!("--task {task}: unknown task (tasks: {})", task_names().join(", "))));
    };
    match (spec.quality, settings.mode) {
        (Quality::Judged, _) => {
            return Err(StageError::Invalid(format!(
                "task `{}` is judged by an LLM; it has no offline checker",
                spec.name
            )));
        }
        (Quality::TruthfulQa | Quality::CruxEval, CheckMode::Corrected) => {
            return Err(StageError::Invalid(format!(
                "task `{}`: the {} checker has one rule, the paper's (no defect of it is corrected); use --mode paper",
                spec.name,
                format!("{:?}", spec.quality).to_lowercase()
            )));
        }
        (Quality::HumanEval | Quality::Mbpp, CheckMode::Qfd) => {}
        (_, CheckMode::Qfd) => {
            return Err(StageError::Invalid(format!(
                "task `{}`: --mode qfd is the quality-filtered scripts' code check (HumanEval, MBPP); use --mode paper \
                 or corrected",
                spec.name
            )));
        }
        _ => {}
    }
    let documents = Documents::load(spec, settings.data.as_deref())?;
    let mut checker = Checker::new(spec, settings, generations);
    if let Some(sandbox) = &checker.sandbox {
        check_isolation(spec.name, sandbox, settings.unsafe_no_sandbox)?;
    }
    let (mut records, mut first, mut vote, mut any) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut summary = LabelSummary { task: spec.name.to_owned(), ..LabelSummary::default() };
    progress.start(&format!("labelling {}", spec.name), None);
    for record in GenerationSource::open(generations, false)? {
        let record = record?;
        progress.tick();
        if names_another_task(&record.task, spec) {
            // A file of several tasks: this checker labels its own.
            continue;
        }
        let Some(document) = documents.find(&record, generations)? else {
            tracing::warn!(
                "{}:{}: prompt `{}` links to no document; skipped",
                generations.display(),
                record.line,
                record.input_id
            );
            summary.unlinked += 1;
            continue;
        };
        if let Some(shard) = settings.shard
            && !shard.contains(&document.input_id)
        {
            continue;
        }
        let Some(checked) = checker.check(&document, &record.outputs, settings.mode)? else {
            summary.uncheckable += 1;
            continue;
        };
        first.push(f64::from(u8::from(checked.labels.first().copied().unwrap_or(false))));
        any.push(f64::from(u8::from(checked.labels.iter().any(|&c| c))));
        if let Some(majority) = checked.majority {
            vote.push(f64::from(u8::from(majority)));
        }
        records.push(LabelRecord {
            input_id: document.input_id.clone(),
            task: Some(spec.name.to_owned()),
            labels: checked.labels,
            details: Some(Value::Array(checked.details)),
            gold: Some(checked.gold),
            majority_vote: checked.majority,
        });
    }
    progress.finish();
    if let Some(folder) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(StageError::io(folder, "creating the labels folder"))?;
    }
    write_labels(out, &records)?;
    summary.labelled = records.len();
    summary.accuracy_at_1 = mean(first);
    summary.majority_vote = mean(vote);
    summary.pass_at_k = mean(any);
    checker.finish(&mut summary);
    Ok(summary)
}

/// Refuses to run the generated code of `task` where `sandbox` cannot isolate it fully,
/// unless `allow_unsafe` (`--unsafe-no-sandbox`), which only warns.
fn check_isolation(task: &str, sandbox: &Sandbox, allow_unsafe: bool) -> Result<(), StageError> {
    let Some(missing) = sandbox.missing_isolation() else { return Ok(()) };
    if allow_unsafe {
        tracing::warn!("task `{task}`: running generated code with limits only (--unsafe-no-sandbox): {missing}");
        return Ok(());
    }
    Err(StageError::Invalid(format!(
        "task `{task}` runs generated code, and the sandbox cannot isolate it here: {missing}. Run as root where \
         namespaces are permitted, or pass --unsafe-no-sandbox to run it with limits only"
    )))
}

/// Whether a record's task names a registered task of other data than `spec`
/// (`humaneval` and `humaneval_instruct` share theirs).
fn names_another_task(task: &str, spec: &TaskSpec) -> bool {
    !task.is_empty() && crate::tasks::task(task).is_some_and(|other| other.source != spec.source)
}

/// The task's documents, found by a record's id or prompt (see the module documentation).
enum Documents {
    /// A dataset split and its lookup tables.
    Split(Box<SplitDocuments>),
    /// A lab task: documents drawn from the world by id.
    Lab { task: LabTask, seed: u64 },
}

/// A split's documents; the tables' values index `documents`.
struct SplitDocuments {
    documents: Vec<TaskDocument>,
    by_id: HashMap<String, usize>,
    by_query: HashMap<String, usize>,
    by_query_key: HashMap<String, Vec<usize>>,
    by_original_key: HashMap<String, Vec<usize>>,
}

impl Documents {
    fn load(spec: &'static TaskSpec, data: Option<&Path>) -> Result<Self, StageError> {
        if let Some(task) = lab::lab_task(spec) {
            return Ok(Self::Lab { task, seed: lab::world_seed(data)? });
        }
        let documents = load_split(spec, data)?;
        let mut split = SplitDocuments {
            documents: Vec::new(),
            by_id: HashMap::new(),
            by_query: HashMap::new(),
            by_query_key: HashMap::new(),
            by_original_key: HashMap::new(),
        };
        for (i, document) in documents.iter().enumerate() {
            split.by_id.entry(document.input_id.clone()).or_insert(i);
            split.by_query.entry(document.prompt.clone()).or_insert(i);
            split.by_query_key.entry(prompt_key(&document.prompt)).or_default().push(i);
            if let Some(original) = spec.original_query(&document.doc) {
                split.by_original_key.entry(prompt_key(&original)).or_default().push(i);
            }
        }
        split.documents = documents;
        Ok(Self::Split(Box::new(split)))
    }

    /// The record's document; `None` when nothing links; an error when its prompt key
    /// is shared by several documents. `path` names the generation file in errors.
    fn find(&self, record: &GenerationRecord, path: &Path) -> Result<Option<TaskDocument>, StageError> {
        let split = match self {
            Self::Lab { task, seed } => return Ok(lab::document_by_id(*task, *seed, &record.input_id)),
            Self::Split(split) => split,
        };
        let one_of = |table: &HashMap<String, Vec<usize>>, text: &str| -> Result<Option<usize>, StageError> {
            let key = prompt_key(text);
            match table.get(&key).map(Vec::as_slice) {
                None | Some([]) => Ok(None),
                Some([only]) => Ok(Some(*only)),
                Some(several) => Err(StageError::AmbiguousPrompt {
                    path: path.to_owned(),
                    line: record.line,
                    key,
                    documents: several.iter().map(|&i| split.documents[i].input_id.clone()).collect(),
                }),
            }
        };
        let original = record.original_prompt.as_deref().filter(|_| !split.by_original_key.is_empty());
        let mut index = split.by_id.get(&record.input_id).copied();
        if let (None, Some(original)) = (index, original) {
            index = one_of(&split.by_original_key, original)?;
        }
        if let (None, Some(prompt)) = (index, record.prompt.as_deref()) {
            index = match split.by_query.get(prompt) {
                Some(&i) => Some(i),
                None => one_of(&split.by_query_key, prompt)?,
            };
        }
        Ok(index.map(|i| split.documents[i].clone()))
    }
}

/// One prompt's verdicts.
struct Checked {
    labels: Vec<bool>,
    details: Vec<Value>,
    gold: Value,
    /// `None` where the checker has no majority vote (code, IFEval).
    majority: Option<bool>,
}

/// The task's checker with what it keeps across prompts.
struct Checker<'a> {
    spec: &'static TaskSpec,
    generations: &'a Path,
    sandbox: Option<Sandbox>,
    workers: usize,
    /// Loaded at the first document the official IFEval checker sees.
    language_detector: Option<LanguageDetector>,
    pass_at: Vec<[f64; 4]>,
    instruction_quality: Vec<IfEvalQuality>,
}

impl<'a> Checker<'a> {
    fn new(spec: &'static TaskSpec, settings: &LabelSettings, generations: &'a Path) -> Self {
        let sandbox = spec.quality.is_code().then(|| {
            Sandbox::new(
                SandboxLimits {
                    wall: settings.timeout,
                    cpu_seconds: settings.timeout.as_secs().max(1),
                    // The reference's RLIMIT_AS of 256 MiB.
                    address_space: 256 << 20,
                    ..SandboxLimits::default()
                },
                None,
            )
        });
        Self {
            spec,
            generations,
            sandbox,
            workers: settings.workers,
            language_detector: None,
            pass_at: Vec::new(),
            instruction_quality: Vec::new(),
        }
    }

    /// An error on a document of the generation file.
    fn failed(&self, document: &TaskDocument, source: impl std::error::Error + Send + Sync + 'static) -> StageError {
        StageError::Checker {
            context: format!("{}: document `{}`", self.generations.display(), document.input_id),
            source: Box::new(source),
        }
    }

    /// The verdicts on one document's outputs; `None` when the checker cannot judge it
    /// reproducibly (official IFEval's random defaults).
    fn check(
        &mut self,
        document: &TaskDocument,
        outputs: &[String],
        mode: CheckMode,
    ) -> Result<Option<Checked>, StageError> {
        let doc = &document.doc;
        let corrected = mode == CheckMode::Corrected;
        let checked = match self.spec.quality {
            Quality::Math => {
                let gold = if self.spec.name == "gsm8k" {
                    doc.get("answer").and_then(Value::as_str).and_then(gsm8k_gold)
                } else if lab::lab_task(self.spec).is_some() {
                    doc.get("answer").and_then(Value::as_str).map(str::to_owned)
                } else if corrected {
                    math_corrected::math_gold(doc)
                } else {
                    // compute_math_quality's gold: the answer extracted from the solution.
                    doc.get("solution").and_then(Value::as_str).and_then(extract_answer)
                };
                let (answers, labels, majority) = if corrected {
                    let answers: Vec<Option<String>> =
                        outputs.iter().map(|o| math_corrected::extract_answer(o)).collect();
                    let labels = answers
                        .iter()
                        .map(|a| math_corrected::answers_equivalent(a.as_deref(), gold.as_deref()))
                        .collect();
                    let majority = math_corrected::majority_vote_correct(&answers, gold.as_deref());
                    (answers, labels, majority)
                } else {
                    let answers: Vec<Option<String>> = outputs.iter().map(|o| extract_answer(o)).collect();
                    let labels = answers.iter().map(|a| answers_match(a.as_deref(), gold.as_deref())).collect();
                    let majority = majority_vote_correct(&answers, gold.as_deref());
                    (answers, labels, majority)
                };
                let details = answers.iter().map(|a| json!({"answer": a})).collect();
                Checked { labels, details, gold: json!(gold), majority: Some(majority) }
            }
            Quality::HumanEval | Quality::Mbpp => self.check_code(doc, outputs, mode),
            Quality::IfEval if corrected => {
                let (ids, kwargs) = document_instructions(doc).map_err(|e| self.failed(document, e))?;
                let detector = match &self.language_detector {
                    Some(detector) => detector,
                    None => self.language_detector.insert(
                        LanguageDetector::load(&crate::assets::Assets::locate())
                            .map_err(|e| self.failed(document, e))?,
                    ),
                };
                let checks = match outputs
                    .iter()
                    .map(|o| check_official(o, &ids, &kwargs, detector))
                    .collect::<Result<Vec<_>, _>>()
                {
                    Ok(checks) => checks,
                    Err(error @ OfficialError::RandomDefault { .. }) => {
                        // Not reproducible: the official code draws the argument at random.
                        tracing::warn!(
                            "{}: document `{}`: {error}; skipped",
                            self.generations.display(),
                            document.input_id
                        );
                        return Ok(None);
                    }
                    Err(error) => return Err(self.failed(document, error)),
                };
                if let Some(first) = checks.first() {
                    let passes = checks.iter().filter(|c| c.strict).count();
                    self.instruction_quality.push(IfEvalQuality {
                        strict_at_1: first.strict,
                        loose_at_1: f64::from(u8::from(first.loose)),
                        strict_pass_at_k: passes > 0,
                        consistency: passes as f64 / checks.len() as f64,
                    });
                }
                let labels = checks.iter().map(|c| c.strict).collect();
                let details = checks
                    .iter()
                    .map(|c| json!({"results": c.strict_results, "loose_results": c.loose_results, "loose": c.loose}))
                    .collect();
                Checked { labels, details, gold: json!(ids), majority: None }
            }
            Quality::IfEval => {
                let (ids, kwargs) = document_instructions(doc).map_err(|e| self.failed(document, e))?;
                let checks = outputs
                    .iter()
                    .map(|o| check_output(o, &ids, &kwargs))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| self.failed(document, e))?;
                self.instruction_quality.extend(IfEvalQuality::of(&checks));
                let labels = checks.iter().map(|c| c.strict).collect();
                let details = checks.iter().map(|c| json!({"results": c.results, "loose": c.loose})).collect();
                Checked { labels, details, gold: json!(ids), majority: None }
            }
            Quality::CruxEval => {
                let gold = gold_output(doc);
                let predictions: Vec<Option<String>> = outputs.iter().map(|o| extract_prediction(o)).collect();
                let labels = match &gold {
                    Some(gold) => outputs.iter().map(|o| cruxeval_correct(o, gold)).collect(),
                    None => vec![false; outputs.len()],
                };
                let majority = gold.as_deref().is_some_and(|g| cruxeval_majority(&predictions, g));
                let details = predictions.iter().map(|p| json!({"prediction": p})).collect();
                Checked { labels, details, gold: json!(gold), majority: Some(majority) }
            }
            Quality::TruthfulQa => {
                let answers = correct_answers(doc);
                let labels: Vec<bool> = outputs.iter().map(|o| truthfulqa_correct(o, &answers)).collect();
                let majority = majority_correct(&labels);
                Checked { labels, details: Vec::new(), gold: json!(answers), majority: Some(majority) }
            }
            Quality::Judged => unreachable!("judged tasks are refused before labelling"),
        };
        Ok(Some(checked))
    }

    /// HumanEval and MBPP: each output assembled into a program and run in the sandbox.
    ///
    /// The paper and qfd modes first pass every output through the study's `_strip_cot`,
    /// as its scripts do. That ends in `.strip()`, so a raw continuation (a function body
    /// written after the prompt) loses its first line's indentation and fails, which is
    /// why the study's Table 8 gives Base 1.6% HumanEval pass@1. The corrected mode keeps
    /// the output as written.
    fn check_code(&mut self, doc: &Value, outputs: &[String], mode: CheckMode) -> Checked {
        let text = |key: &str| doc.get(key).and_then(Value::as_str).unwrap_or("");
        let stripped: Vec<String>;
        let outputs = if mode == CheckMode::Corrected {
            outputs
        } else {
            stripped = outputs.iter().map(|o| strip_cot(o)).collect();
            &stripped
        };
        let programs: Vec<String> = if self.spec.quality == Quality::HumanEval {
            let assemble = match mode {
                CheckMode::Paper => humaneval_program,
                CheckMode::Corrected => humaneval_program_corrected,
                CheckMode::Qfd => humaneval_program_qfd,
            };
            outputs.iter().map(|o| assemble(text("prompt"), o, text("test"), text("entry_point"))).collect()
        } else {
            let tests: Vec<String> = doc
                .get("test_list")
                .and_then(Value::as_array)
                .map(|t| t.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            match mode {
                CheckMode::Paper => outputs.iter().map(|o| mbpp_program(o, &tests)).collect(),
                CheckMode::Corrected => {
                    outputs.iter().map(|o| mbpp_program_corrected(o, &tests, text("test_setup_code"))).collect()
                }
                CheckMode::Qfd => outputs.iter().map(|o| mbpp_program_qfd(o, &tests)).collect(),
            }
        };
        let sandbox = self.sandbox.as_ref().expect("code tasks have a sandbox");
        let results = sandbox.run_many(&programs, self.workers);
        let labels: Vec<bool> = results.iter().map(|r| r.passed()).collect();
        let correct = labels.iter().filter(|&&c| c).count();
        self.pass_at.push([1, 5, 10, 16].map(|k| pass_at_k(labels.len(), correct, k)));
        let details = results.iter().map(|r| json!({"outcome": r.outcome, "seconds": r.seconds})).collect();
        Checked { labels, details, gold: Value::Null, majority: None }
    }

    /// Adds the checker's own aggregates to the summary.
    fn finish(self, summary: &mut LabelSummary) {
        if !self.pass_at.is_empty() {
            let at = |i: usize| mean(self.pass_at.iter().map(|p| p[i]));
            summary.pass_at = Some([at(0), at(1), at(2), at(3)]);
        }
        summary.sandbox = self.sandbox.as_ref().map(Sandbox::isolation);
        if !self.instruction_quality.is_empty() {
            let share = |f: fn(&IfEvalQuality) -> f64| mean(self.instruction_quality.iter().map(f));
            // Paper mode: loose@1 is the share of instructions output 0 follows; official
            // (corrected) mode: whether output 0 follows them all in the loose reading.
            summary.instructions = Some([
                share(|q| f64::from(u8::from(q.strict_at_1))),
                share(|q| q.loose_at_1),
                share(|q| f64::from(u8::from(q.strict_pass_at_k))),
                share(|q| q.consistency),
            ]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_code_is_refused_without_full_isolation_unless_told_otherwise() {
        assert!(check_isolation("mbpp", &Sandbox::probed_as(true, true), false).is_ok());
        // Without root, a user namespace gives the same isolation.
        assert!(check_isolation("mbpp", &Sandbox::probed_as(false, true), false).is_ok());
        for (root, namespaces, missing) in [(false, false, "not running as root"), (true, false, "forbids")] {
            let sandbox = Sandbox::probed_as(root, namespaces);
            let message = check_isolation("humaneval", &sandbox, false).unwrap_err().to_string();
            assert!(message.contains("--unsafe-no-sandbox") && message.contains(missing), "{message}");
            assert!(check_isolation("humaneval", &sandbox, true).is_ok());
        }
    }
}
