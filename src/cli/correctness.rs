//! `divcollapse correctness --task NAME --generations FILE.jsonl [--data FILE]
//! [--mode paper|corrected] --out labels.jsonl`
//!
//! Labels every output of a generation file (JSONL or lighteval details parquet) with
//! the task's checker and writes one line per prompt:
//! `{"input_id", "task", "labels": [bool; K], "details": [...], "gold", "majority_vote"}`,
//! followed on stderr by accuracy@1, majority vote and pass@K (for IFEval, where a label
//! is the strict verdict, also loose@1 and consistency; `gold` is the instruction list). Records link to their
//! documents by `input_id` first, then by the first 200 characters of the prompt, as
//! the reference does; records that link to nothing are reported and skipped.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use serde_json::json;

use crate::data::GenerationSource;
use crate::pycompat::py_strip;
use crate::tasks::code::{humaneval_program, humaneval_program_corrected, mbpp_program, mbpp_program_corrected};
use crate::tasks::cruxeval::{
    cruxeval_correct, extract_prediction, gold_output, majority_vote_correct as cruxeval_majority,
};
use crate::tasks::data::{TaskDocument, load_split};
use crate::tasks::ifeval::{IfEvalQuality, check_output, document_instructions};
use crate::tasks::ifeval_official::{OfficialError, check_official};
use crate::tasks::langdetect::LanguageDetector;
use crate::tasks::math::{answers_match, extract_answer, gsm8k_gold, majority_vote_correct};
use crate::tasks::math_corrected;
use crate::tasks::quality::{mean, pass_at_k};
use crate::tasks::registry::{Quality, task, task_names};
use crate::tasks::sandbox::{Sandbox, SandboxLimits};
use crate::tasks::truthfulqa::{correct_answers, majority_correct, truthfulqa_correct};

/// Checker semantics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Mode {
    /// Bit-for-bit the reference's rules, quirks included.
    Paper,
    /// Corrected rules where the reference has known defects: math (balanced boxes,
    /// LaTeX normalisation, numeric comparison), code (no renaming of a defined entry
    /// point, MBPP's set-up code run) and IFEval (Google's official checker, strict and
    /// loose).
    Corrected,
}

#[derive(Debug, Args)]
pub(crate) struct CorrectnessArgs {
    /// The task (`gsm8k`, `math_algebra`, `math_geometry`, `truthfulqa`, …).
    #[arg(long)]
    task: String,
    /// Generation file (JSONL, or a lighteval details .parquet).
    #[arg(long)]
    generations: PathBuf,
    /// The task's data when the set-up cannot fetch it (Hugging Face export).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Checker semantics.
    #[arg(long, value_enum, default_value_t = Mode::Paper)]
    mode: Mode,
    /// Labels file (JSONL, one line per prompt).
    #[arg(long)]
    out: PathBuf,
    /// Programs run at once (code tasks).
    #[arg(long, default_value_t = std::thread::available_parallelism().map_or(2, |n| n.get()))]
    workers: usize,
    /// Wall-clock seconds per program (code tasks; the reference's QFD uses 10).
    #[arg(long, default_value_t = 10)]
    timeout: u64,
}

/// The first 200 characters, stripped: the reference's linking key.
fn prompt_key(prompt: &str) -> String {
    py_strip(&prompt.chars().take(200).collect::<String>()).to_owned()
}

pub(crate) fn run(args: &CorrectnessArgs) -> anyhow::Result<()> {
    let Some(spec) = task(&args.task) else {
        bail!("--task {}: unknown task (tasks: {})", args.task, task_names().join(", "));
    };
    let corrected = args.mode == Mode::Corrected;
    match (spec.quality, args.mode) {
        (Quality::Judged, _) => bail!("task `{}` is judged by an LLM; it has no offline checker", spec.name),
        (Quality::TruthfulQa | Quality::CruxEval, Mode::Corrected) => bail!(
            "task `{}`: the {} checker has one rule, the paper's (no defect of it is corrected); use --mode paper",
            spec.name,
            format!("{:?}", spec.quality).to_lowercase()
        ),
        _ => {}
    }
    let documents = load_split(spec, args.data.as_deref())?;
    let by_id: HashMap<&str, &TaskDocument> = documents.iter().map(|d| (d.input_id.as_str(), d)).collect();
    let by_prompt: HashMap<String, &TaskDocument> = documents.iter().map(|d| (prompt_key(&d.prompt), d)).collect();

    let folder = args.out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(folder).with_context(|| folder.display().to_string())?;
    let mut file = tempfile::NamedTempFile::new_in(folder)?;
    let sandbox = Sandbox::new(
        SandboxLimits {
            wall: std::time::Duration::from_secs(args.timeout),
            cpu_seconds: args.timeout,
            // The reference's RLIMIT_AS of 256 MiB.
            address_space: 256 << 20,
            ..SandboxLimits::default()
        },
        None,
    );
    let (mut first, mut vote, mut any, mut unlinked) = (Vec::new(), Vec::new(), Vec::new(), 0usize);
    // Documents the checker cannot judge reproducibly (official IFEval's random defaults).
    let mut uncheckable = 0usize;
    let mut pass_at: Vec<[f64; 4]> = Vec::new();
    let mut instruction_quality: Vec<IfEvalQuality> = Vec::new();
    // Loaded at the first document the official IFEval checker sees.
    let mut language_detector: Option<LanguageDetector> = None;
    for record in GenerationSource::open(&args.generations, false)? {
        let record = record?;
        let document = by_id
            .get(record.input_id.as_str())
            .or_else(|| record.prompt.as_deref().and_then(|p| by_prompt.get(&prompt_key(p))))
            .copied();
        let Some(document) = document else {
            tracing::warn!(
                "{}:{}: prompt `{}` links to no document; skipped",
                args.generations.display(),
                record.line,
                record.input_id
            );
            unlinked += 1;
            continue;
        };
        let (labels, details, gold, majority) = match spec.quality {
            Quality::Math => {
                let gold = if spec.name == "gsm8k" {
                    document.doc.get("answer").and_then(|a| a.as_str()).and_then(gsm8k_gold)
                } else if corrected {
                    math_corrected::math_gold(&document.doc)
                } else {
                    // compute_math_quality's gold: the answer extracted from the solution.
                    document.doc.get("solution").and_then(|s| s.as_str()).and_then(extract_answer)
                };
                let (answers, labels, majority) = if corrected {
                    let answers: Vec<Option<String>> =
                        record.outputs.iter().map(|o| math_corrected::extract_answer(o)).collect();
                    let labels: Vec<bool> = answers
                        .iter()
                        .map(|a| math_corrected::answers_equivalent(a.as_deref(), gold.as_deref()))
                        .collect();
                    let majority = math_corrected::majority_vote_correct(&answers, gold.as_deref());
                    (answers, labels, majority)
                } else {
                    let answers: Vec<Option<String>> = record.outputs.iter().map(|o| extract_answer(o)).collect();
                    let labels: Vec<bool> =
                        answers.iter().map(|a| answers_match(a.as_deref(), gold.as_deref())).collect();
                    let majority = majority_vote_correct(&answers, gold.as_deref());
                    (answers, labels, majority)
                };
                let details: Vec<_> = answers.iter().map(|a| json!({"answer": a})).collect();
                (labels, details, json!(gold), majority)
            }
            Quality::HumanEval | Quality::Mbpp => {
                let doc = &document.doc;
                let text = |key: &str| doc.get(key).and_then(|v| v.as_str()).unwrap_or("");
                let programs: Vec<String> = if spec.quality == Quality::HumanEval {
                    let assemble = if corrected { humaneval_program_corrected } else { humaneval_program };
                    record
                        .outputs
                        .iter()
                        .map(|o| assemble(text("prompt"), o, text("test"), text("entry_point")))
                        .collect()
                } else {
                    let tests: Vec<String> = doc
                        .get("test_list")
                        .and_then(|t| t.as_array())
                        .map(|t| t.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                        .unwrap_or_default();
                    if corrected {
                        record
                            .outputs
                            .iter()
                            .map(|o| mbpp_program_corrected(o, &tests, text("test_setup_code")))
                            .collect()
                    } else {
                        record.outputs.iter().map(|o| mbpp_program(o, &tests)).collect()
                    }
                };
                let results = sandbox.run_many(&programs, args.workers);
                let labels: Vec<bool> = results.iter().map(|r| r.passed()).collect();
                let correct = labels.iter().filter(|&&c| c).count();
                pass_at.push([1, 5, 10, 16].map(|k| pass_at_k(labels.len(), correct, k)));
                let details: Vec<_> =
                    results.iter().map(|r| json!({"outcome": r.outcome, "seconds": r.seconds})).collect();
                (labels, details, serde_json::Value::Null, false)
            }
            Quality::IfEval if corrected => {
                let context =
                    |e: String| format!("{}: document `{}`: {e}", args.generations.display(), document.input_id);
                let (ids, kwargs) =
                    document_instructions(&document.doc).map_err(|e| anyhow::anyhow!(context(e.to_string())))?;
                let detector = match &language_detector {
                    Some(detector) => detector,
                    None => language_detector.insert(
                        LanguageDetector::load(&crate::assets::Assets::locate())
                            .context("the official IFEval checker needs the langdetect profiles")?,
                    ),
                };
                let checks = match record
                    .outputs
                    .iter()
                    .map(|o| check_official(o, &ids, &kwargs, detector))
                    .collect::<Result<Vec<_>, _>>()
                {
                    Ok(checks) => checks,
                    Err(error @ OfficialError::RandomDefault { .. }) => {
                        // Not reproducible: the official code draws the argument at random.
                        tracing::warn!("{}; skipped", context(error.to_string()));
                        uncheckable += 1;
                        continue;
                    }
                    Err(error) => bail!(context(error.to_string())),
                };
                if let Some(first) = checks.first() {
                    let passes = checks.iter().filter(|c| c.strict).count();
                    instruction_quality.push(IfEvalQuality {
                        strict_at_1: first.strict,
                        loose_at_1: f64::from(u8::from(first.loose)),
                        strict_pass_at_k: passes > 0,
                        consistency: passes as f64 / checks.len() as f64,
                    });
                }
                let labels: Vec<bool> = checks.iter().map(|c| c.strict).collect();
                let details: Vec<_> = checks
                    .iter()
                    .map(|c| json!({"results": c.strict_results, "loose_results": c.loose_results, "loose": c.loose}))
                    .collect();
                (labels, details, json!(ids), false)
            }
            Quality::IfEval => {
                let context = |e| format!("{}: document `{}`: {e}", args.generations.display(), document.input_id);
                let (ids, kwargs) = document_instructions(&document.doc).map_err(|e| anyhow::anyhow!(context(e)))?;
                let checks = record
                    .outputs
                    .iter()
                    .map(|o| check_output(o, &ids, &kwargs))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| anyhow::anyhow!(context(e)))?;
                instruction_quality.extend(IfEvalQuality::of(&checks));
                let labels: Vec<bool> = checks.iter().map(|c| c.strict).collect();
                let details: Vec<_> = checks.iter().map(|c| json!({"results": c.results, "loose": c.loose})).collect();
                (labels, details, json!(ids), false)
            }
            Quality::CruxEval => {
                let gold = gold_output(&document.doc);
                let predictions: Vec<Option<String>> = record.outputs.iter().map(|o| extract_prediction(o)).collect();
                let labels: Vec<bool> = match &gold {
                    Some(gold) => record.outputs.iter().map(|o| cruxeval_correct(o, gold)).collect(),
                    None => vec![false; record.outputs.len()],
                };
                let majority = gold.as_deref().is_some_and(|g| cruxeval_majority(&predictions, g));
                let details: Vec<_> = predictions.iter().map(|p| json!({"prediction": p})).collect();
                (labels, details, json!(gold), majority)
            }
            _ => {
                let answers = correct_answers(&document.doc);
                let labels: Vec<bool> = record.outputs.iter().map(|o| truthfulqa_correct(o, &answers)).collect();
                let majority = majority_correct(&labels);
                (labels, Vec::new(), json!(answers), majority)
            }
        };
        first.push(f64::from(u8::from(labels.first().copied().unwrap_or(false))));
        any.push(f64::from(u8::from(labels.iter().any(|&c| c))));
        if !spec.quality.is_code() && spec.quality != Quality::IfEval {
            vote.push(f64::from(u8::from(majority)));
        }
        let line = json!({
            "input_id": document.input_id,
            "task": spec.name,
            "labels": labels,
            "details": details,
            "gold": gold,
            "majority_vote": if spec.quality.is_code() || spec.quality == Quality::IfEval {
                serde_json::Value::Null
            } else {
                json!(majority)
            },
        });
        writeln!(file, "{line}")?;
    }
    file.flush()?;
    file.persist(&args.out).with_context(|| args.out.display().to_string())?;
    if !pass_at.is_empty() {
        let at = |i: usize| mean(pass_at.iter().map(|p| p[i]));
        eprintln!("pass@1 {:.4}, pass@5 {:.4}, pass@10 {:.4}, pass@16 {:.4}", at(0), at(1), at(2), at(3));
        eprintln!("sandbox: {}", sandbox.isolation());
    }
    if !instruction_quality.is_empty() {
        let share = |f: fn(&IfEvalQuality) -> f64| mean(instruction_quality.iter().map(f));
        // Paper mode: loose@1 is the share of instructions output 0 follows; official
        // (corrected) mode: whether output 0 follows them all in the loose reading.
        eprintln!(
            "strict@1 {:.4}, loose@1 {:.4}, strict pass@K {:.4}, consistency@K {:.4}",
            share(|q| f64::from(u8::from(q.strict_at_1))),
            share(|q| q.loose_at_1),
            share(|q| f64::from(u8::from(q.strict_pass_at_k))),
            share(|q| q.consistency),
        );
    }
    eprintln!(
        "{}: {} prompts labelled ({unlinked} unlinked, {uncheckable} not checkable); accuracy@1 {:.4}, majority vote {:.4}, pass@K {:.4}",
        spec.name,
        first.len(),
        mean(first),
        mean(vote),
        mean(any)
    );
    println!("{}", args.out.display());
    Ok(())
}
