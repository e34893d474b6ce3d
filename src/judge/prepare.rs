//! `judge prepare`: one model's generations (a lighteval details parquet or a run file)
//! → Batch API request lines identical to the study's scripts for the same inputs.
//!
//! Every judge sees **gen-0** only, CoT-stripped with the study's `_strip_cot`. Per judge
//! (methodology §2.8, and the scripts named in [`super`]):
//!
//! * `kirk-summary`: the source is cut out of the prompt (`_extract_source`), the
//!   reference is `doc.choices[0]` stripped (details) or the `--references` entry (run
//!   files). Rows without a reference, an output or a source are skipped. Reference and
//!   gen-0 swap places when the last hex digit of
//!   `sha256("{source}\n||\n{gen0}\n||\n{reference}")` is odd. `custom_id =
//!   "{model}||{task}||{idx}||{swap}"` with the short task name (`tldr`, `cnn_dailymail`,
//!   `xsum`) and `idx` the row (details) or the record's position (run files).
//! * `arena-creative` and `mt-bench-pair`: gen-0 is paired with Base's gen-0 by row for
//!   two details files, by the stripped first 200 characters of the stripped prompt when
//!   the model's file is a run file or its name starts with `no_cot__` (Base's last
//!   record wins a repeated key); pairs where either side is empty are dropped. Round 1
//!   shows the model as A, round 2 as B: `custom_id = "r{round}||{safe
//!   model}||{task}||{idx}"`, `idx` the pair's position, the safe name with `/` and ` `
//!   replaced by `_`. Round 1's lines come first.
//! * `wb-score`: the checklist is `doc.choices[0]` split on `"; "` as `- item` lines, or
//!   the `--references` entry, else `- No specific checklist provided.`; details rows with
//!   an empty query or no outputs are skipped (an output that strips to nothing is
//!   judged). `custom_id = "{model}||wildbench||{idx}"`. Written with
//!   `ensure_ascii=False`, as that script does; the others use Python's default.
//!
//! The MT-Bench comparison has no script in the study's repository: it reuses the
//! WritingPrompts protocol (pairing, both rounds, custom ids) with FastChat's `pair-v2`
//! prompt and a 2,048-token reply limit (FastChat's judge setting).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::JudgeKind;
use super::batch::BatchRequest;
use super::prompts::{self, py_format};
use crate::data::{GenerationSource, SourceError, is_details_file};
use crate::metrics::text::strip_cot;
use crate::pycompat::{prompt_key, py_rstrip, py_strip};

/// What to prepare.
#[derive(Debug, Clone)]
pub struct PrepareOptions {
    /// The protocol.
    pub judge: JudgeKind,
    /// The task (registry name, e.g. `tldr_diversity`; run-file records of other tasks
    /// are ignored).
    pub task: String,
    /// The model's name in the custom ids (the study uses the run folder name, e.g.
    /// `allenai__OLMo-3-7B-Think-SFT`).
    pub model_name: String,
    /// The judge model written into every request.
    pub judge_model: String,
}

/// The files a judge reads.
#[derive(Debug, Clone, Default)]
pub struct JudgeInputs {
    /// The model's generations: details parquet or run file (JSONL).
    pub generations: PathBuf,
    /// Base's generations (pairwise judges against Base).
    pub baseline: Option<PathBuf>,
    /// JSONL of `{"id", "reference"}` (summaries) or `{"id", "checklist"}` (WildBench:
    /// a list of items or one `"; "`-joined string), linked to run-file records by id.
    pub references: Option<PathBuf>,
}

/// The prepared requests.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The request lines, in the scripts' order.
    pub requests: Vec<BatchRequest>,
    /// Whether the script writes them with `ensure_ascii=True`.
    pub ensure_ascii: bool,
    /// Records read from the generations file.
    pub records: usize,
    /// Records (or pairs) that produce no request, as the script skips them.
    pub skipped: usize,
}

/// Why requests cannot be prepared.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrepareError {
    /// A generations file cannot be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// A details file's `doc.choices` cannot be read.
    #[error(transparent)]
    Details(#[from] crate::data::details::DetailsError),
    /// The references file cannot be read or has a bad line.
    #[error("{path}:{line}: {problem}")]
    References {
        /// The file.
        path: PathBuf,
        /// 1-based line (0: the file itself).
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// The task does not belong to the judge.
    #[error("judge {judge} does not judge task `{task}` (it judges {expected})")]
    WrongTask {
        /// The judge.
        judge: JudgeKind,
        /// The task given.
        task: String,
        /// The tasks it judges.
        expected: &'static str,
    },
    /// A required input is missing.
    #[error("judge {judge}: {what}")]
    MissingInput {
        /// The judge.
        judge: JudgeKind,
        /// What is missing and how to give it.
        what: String,
    },
}

/// One document of a generations file, as the scripts read it.
#[derive(Debug, Clone)]
struct Item {
    /// Row of a details file, or position among the task's deduplicated records.
    index: usize,
    input_id: String,
    /// The prompt (`doc.query`), not stripped.
    query: String,
    /// gen-0 through `_strip_cot`; `None` when the row has no outputs.
    gen0: Option<String>,
    /// `doc.choices` (details files only).
    choices: Vec<String>,
}

/// The documents of a generations file: every row of a details file, or the run file's
/// records of `task` (deduplicated on id, first kept, as the scripts do).
fn read_items(path: &Path, task: &str) -> Result<Vec<Item>, PrepareError> {
    let details = is_details_file(path);
    let choices = if details { crate::data::details::read_details_choices(path)? } else { Vec::new() };
    let mut items = Vec::new();
    for record in GenerationSource::open(path, false)? {
        let record = record?;
        if !details && !record.task.is_empty() && record.task != task {
            continue;
        }
        let index = if details { record.line - 1 } else { items.len() };
        items.push(Item {
            index,
            input_id: record.input_id,
            query: record.prompt.unwrap_or_default(),
            gen0: record.outputs.first().map(|o| strip_cot(o)),
            choices: choices.get(index).cloned().unwrap_or_default(),
        });
    }
    Ok(items)
}

/// A `--references` file: id → the line's JSON object.
fn read_references(path: &Path) -> Result<HashMap<String, serde_json::Value>, PrepareError> {
    let bad = |line: usize, problem: String| PrepareError::References { path: path.to_owned(), line, problem };
    let text = std::fs::read_to_string(path).map_err(|e| bad(0, e.to_string()))?;
    let mut references = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(line).map_err(|e| bad(index + 1, e.to_string()))?;
        let id = match value.get("id") {
            Some(serde_json::Value::String(id)) => id.clone(),
            Some(serde_json::Value::Number(id)) => id.to_string(),
            _ => return Err(bad(index + 1, "field `id`: missing (a string or a number)".into())),
        };
        references.insert(id, value);
    }
    Ok(references)
}

/// `_extract_source`: the post (after `POST: `) or article (after `ARTICLE: `) without
/// the trailing `\nTL;DR:` marker, stripped.
pub fn extract_source(query: &str, task_short: &str) -> String {
    let marker = if task_short == "tldr" { "POST: " } else { "ARTICLE: " };
    let mut body = query.find(marker).map_or(query, |at| &query[at + marker.len()..]);
    if let Some(at) = body.rfind("\nTL;DR:") {
        body = &body[..at];
    } else {
        body = py_rstrip(body);
        if let Some(cut) = body.strip_suffix("TL;DR:") {
            body = py_rstrip(cut);
        }
    }
    py_strip(body).to_owned()
}

/// `_should_swap`: whether the last hex digit of the payload's SHA-256 is odd.
pub fn should_swap(source: &str, summary_a: &str, summary_b: &str) -> bool {
    let digest = crate::provenance::sha256_bytes(format!("{source}\n||\n{summary_a}\n||\n{summary_b}"));
    digest.chars().last().and_then(|c| c.to_digit(16)).is_some_and(|d| d % 2 == 1)
}

/// The short task name and document type of a summarisation task.
fn summary_task(task: &str) -> Option<(&'static str, &'static str)> {
    match task.trim_end_matches("_diversity") {
        "tldr" => Some(("tldr", "forum post")),
        "cnn_dailymail" => Some(("cnn_dailymail", "news article")),
        "xsum" => Some(("xsum", "news article")),
        _ => None,
    }
}

/// Prepares one model's requests.
pub fn prepare(options: &PrepareOptions, inputs: &JudgeInputs) -> Result<Prepared, PrepareError> {
    match options.judge {
        JudgeKind::KirkSummary => prepare_kirk(options, inputs),
        JudgeKind::WbScore => prepare_wb_score(options, inputs),
        JudgeKind::ArenaCreative | JudgeKind::MtBenchPair => prepare_pairwise(options, inputs),
    }
}

fn prepare_kirk(options: &PrepareOptions, inputs: &JudgeInputs) -> Result<Prepared, PrepareError> {
    let judge = options.judge;
    let (task_short, doc_type) = summary_task(&options.task).ok_or_else(|| PrepareError::WrongTask {
        judge,
        task: options.task.clone(),
        expected: "tldr_diversity, cnn_dailymail_diversity and xsum_diversity",
    })?;
    let items = read_items(&inputs.generations, &options.task)?;
    let references = match (&inputs.references, is_details_file(&inputs.generations)) {
        (Some(path), _) => Some(read_references(path)?),
        (None, true) => None,
        (None, false) => {
            return Err(PrepareError::MissingInput {
                judge,
                what:
                    "a run file has no reference summaries: give --references FILE (JSONL of {\"id\", \"reference\"})"
                        .into(),
            });
        }
    };
    let mut requests = Vec::new();
    for item in &items {
        let reference = match &references {
            Some(map) => {
                map.get(&item.input_id).and_then(|v| v.get("reference")).and_then(|v| v.as_str()).map(str::to_owned)
            }
            None => item.choices.first().map(|c| py_strip(c).to_owned()),
        };
        let (Some(reference), Some(gen0)) = (reference, item.gen0.as_deref()) else { continue };
        if reference.is_empty() || gen0.is_empty() {
            continue;
        }
        let source = extract_source(&item.query, task_short);
        if source.is_empty() {
            continue;
        }
        let swap = should_swap(&source, gen0, &reference);
        let (a, b) = if swap { (reference.as_str(), gen0) } else { (gen0, reference.as_str()) };
        let user = py_format(
            prompts::KIRK_TEMPLATE,
            &[("doc_type", doc_type), ("source", &source), ("summary_a", a), ("summary_b", b)],
        );
        let custom_id = format!("{}||{task_short}||{}||{}", options.model_name, item.index, u8::from(swap));
        requests.push(BatchRequest::chat(custom_id, &options.judge_model, Some(prompts::KIRK_SYSTEM), user, 256));
    }
    Ok(Prepared { skipped: items.len() - requests.len(), records: items.len(), requests, ensure_ascii: true })
}

/// `- item` lines of a checklist, or the script's placeholder.
fn checklist_lines<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let lines: Vec<String> = items.filter(|i| !py_strip(i).is_empty()).map(|i| format!("- {i}")).collect();
    lines.join("\n")
}

const NO_CHECKLIST: &str = "- No specific checklist provided.";

fn prepare_wb_score(options: &PrepareOptions, inputs: &JudgeInputs) -> Result<Prepared, PrepareError> {
    if !options.task.contains("wildbench") {
        return Err(PrepareError::WrongTask {
            judge: options.judge,
            task: options.task.clone(),
            expected: "wildbench_diversity",
        });
    }
    let details = is_details_file(&inputs.generations);
    let items = read_items(&inputs.generations, &options.task)?;
    let references = inputs.references.as_deref().map(read_references).transpose()?;
    let mut requests = Vec::new();
    let mut position = 0;
    for item in &items {
        // Details rows need a query; run-file records do not (as in the script).
        if details && item.query.is_empty() {
            continue;
        }
        let Some(output) = item.gen0.as_deref() else { continue };
        let checklist = if details {
            let raw = item.choices.first().map(String::as_str).unwrap_or_default();
            let raw = py_strip(raw);
            if raw.is_empty() { NO_CHECKLIST.to_owned() } else { checklist_lines(raw.split("; ")) }
        } else {
            let entry = references.as_ref().and_then(|map| map.get(&item.input_id)).and_then(|v| v.get("checklist"));
            let lines = match entry {
                Some(serde_json::Value::Array(items)) => checklist_lines(items.iter().filter_map(|v| v.as_str())),
                Some(serde_json::Value::String(joined)) => checklist_lines(py_strip(joined).split("; ")),
                _ => String::new(),
            };
            if lines.is_empty() { NO_CHECKLIST.to_owned() } else { lines }
        };
        let user = py_format(
            prompts::WB_SCORE_TEMPLATE,
            &[("user_query", &item.query), ("model_output", output), ("checklist", &checklist)],
        );
        let index = if details { item.index } else { position };
        position += 1;
        let custom_id = format!("{}||wildbench||{index}", options.model_name);
        requests.push(BatchRequest::chat(custom_id, &options.judge_model, None, user, 1024));
    }
    Ok(Prepared { skipped: items.len() - requests.len(), records: items.len(), requests, ensure_ascii: false })
}

fn prepare_pairwise(options: &PrepareOptions, inputs: &JudgeInputs) -> Result<Prepared, PrepareError> {
    let judge = options.judge;
    let expected = match judge {
        JudgeKind::ArenaCreative => "writingprompts_diversity",
        _ => "alpaca_diversity and prism_diversity (or any open-ended task)",
    };
    if judge == JudgeKind::ArenaCreative && !options.task.contains("writingprompts") {
        return Err(PrepareError::WrongTask { judge, task: options.task.clone(), expected });
    }
    let baseline = inputs.baseline.as_deref().ok_or_else(|| PrepareError::MissingInput {
        judge,
        what: "the comparison is against Base: give --baseline FILE (Base's generations)".into(),
    })?;
    let pair_of = |item: &Item| (py_strip(&item.query).to_owned(), item.gen0.clone().unwrap_or_default());
    let model: Vec<(String, String)> = read_items(&inputs.generations, &options.task)?.iter().map(pair_of).collect();
    let base: Vec<(String, String)> = read_items(baseline, &options.task)?.iter().map(pair_of).collect();
    let by_prefix = options.model_name.starts_with("no_cot__") || !is_details_file(&inputs.generations);
    let matched: Vec<(&str, &str, &str)> = if by_prefix {
        let index: HashMap<String, &str> = base.iter().map(|(q, g)| (prompt_key(q), g.as_str())).collect();
        model.iter().filter_map(|(q, g)| index.get(&prompt_key(q)).map(|b| (q.as_str(), g.as_str(), *b))).collect()
    } else {
        model.iter().zip(&base).map(|((q, g), (_, b))| (q.as_str(), g.as_str(), b.as_str())).collect()
    };
    let kept: Vec<(&str, &str, &str)> =
        matched.into_iter().filter(|(_, m, b)| !py_strip(m).is_empty() && !py_strip(b).is_empty()).collect();
    let safe_name = options.model_name.replace(['/', ' '], "_");
    let (system, template, max_tokens) = match judge {
        JudgeKind::ArenaCreative => (prompts::ARENA_CREATIVE_SYSTEM, prompts::ARENA_USER_TEMPLATE, 1024),
        _ => (prompts::MT_BENCH_PAIR_SYSTEM, prompts::MT_BENCH_PAIR_TEMPLATE, 2048),
    };
    let mut requests = Vec::with_capacity(2 * kept.len());
    for round in [1, 2] {
        for (index, (question, model_gen0, base_gen0)) in kept.iter().enumerate() {
            let (a, b) = if round == 1 { (model_gen0, base_gen0) } else { (base_gen0, model_gen0) };
            let user = py_format(template, &[("question", question), ("answer_a", a), ("answer_b", b)]);
            let custom_id = format!("r{round}||{safe_name}||{}||{index}", options.task);
            requests.push(BatchRequest::chat(custom_id, &options.judge_model, Some(system), user, max_tokens));
        }
    }
    Ok(Prepared { records: model.len(), skipped: model.len() - kept.len(), requests, ensure_ascii: true })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_cut_out_of_the_study_prompts() {
        let tldr = "SUBREDDIT: r/x\nTITLE: t\nPOST: my post\nTL;DR: in text\nTL;DR:";
        assert_eq!(extract_source(tldr, "tldr"), "my post\nTL;DR: in text");
        assert_eq!(extract_source("ARTICLE:  body \nTL;DR:", "xsum"), "body");
        assert_eq!(extract_source("no marker TL;DR:  ", "cnn_dailymail"), "no marker");
        assert_eq!(extract_source("ARTICLE: ", "xsum"), "");
    }

    #[test]
    fn prompt_keys_count_code_points() {
        let long = format!("  {}x", "é".repeat(198));
        assert_eq!(prompt_key(&long), "é".repeat(198));
        assert_eq!(prompt_key(" ab \n"), "ab");
    }
}
