//! Generation JSONL files: one JSON object per prompt with its K outputs.
//!
//! Accepted keys (methodology §7.1): outputs under `outputs`, `generations`, `responses`,
//! `completions` or `samples`; the prompt under `prompt`, `input`, `instruction` or
//! `question`; the id under `input_id`, `id` or `key` (number or string); `task` is
//! optional and may carry lighteval's `|<fewshot>` suffix or a `suite|` prefix.
//!
//! Records are deduplicated on (task, input_id), keeping the first, because the
//! reference appends and can repeat prompts after a restart. A last line without a
//! newline that does not parse is a torn write from an interrupted run: it is reported
//! and skipped, never an error. Any other bad line is an error naming the file and the
//! line, unless bad lines are skipped on request (then they are counted).

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

const OUTPUT_KEYS: [&str; 5] = ["outputs", "generations", "responses", "completions", "samples"];
const PROMPT_KEYS: [&str; 4] = ["prompt", "input", "instruction", "question"];
const ID_KEYS: [&str; 3] = ["input_id", "id", "key"];

/// One prompt's generations.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationRecord {
    /// 1-based line number in the file.
    pub line: usize,
    /// Task name without the few-shot suffix or suite prefix (empty when absent).
    pub task: String,
    /// The prompt's id as text (the line number when the file has none).
    pub input_id: String,
    /// The prompt, when present.
    pub prompt: Option<String>,
    /// The unwrapped prompt of a wrapping template (lighteval's `doc.original_query`, the
    /// key `original_query` of a JSONL line), when present and not empty.
    pub original_prompt: Option<String>,
    /// The outputs.
    pub outputs: Vec<String>,
    /// The raw outputs with their think spans (`raw_outputs` of a run file, the model
    /// responses of a lighteval details file), one per output, when the file has them.
    pub raw_outputs: Option<Vec<String>>,
}

/// Which text of each output the metrics read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScoredText {
    /// The final answer (think spans stripped), as the study scores.
    #[default]
    Answer,
    /// The reasoning trace ([`crate::metrics::text::think_trace`] of the raw output).
    Trace,
}

impl std::str::FromStr for ScoredText {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "answer" => Ok(Self::Answer),
            "trace" => Ok(Self::Trace),
            other => Err(format!("`{other}` is neither `answer` nor `trace`")),
        }
    }
}

impl GenerationRecord {
    /// The reasoning traces of the outputs that have one, in order; `None` when the
    /// record has no raw outputs.
    pub fn traces(&self) -> Option<Vec<String>> {
        let raw = self.raw_outputs.as_ref()?;
        Some(raw.iter().filter_map(|r| crate::metrics::text::think_trace(r)).collect())
    }

    /// The record with its outputs replaced by their reasoning traces (outputs without a
    /// trace left out); `None` when it has no raw outputs.
    pub fn with_traces(&self) -> Option<GenerationRecord> {
        Some(GenerationRecord { outputs: self.traces()?, raw_outputs: None, ..self.clone() })
    }
}

/// A malformed line.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {problem}")]
pub struct BadLine {
    /// The file.
    pub path: PathBuf,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub problem: String,
}

/// Errors reading a generation file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GenerationsError {
    /// The file cannot be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A malformed line (and bad lines are not being skipped).
    #[error(transparent)]
    BadLine(#[from] BadLine),
}

/// What was skipped while reading.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadReport {
    /// Malformed lines skipped on request.
    pub bad_lines: Vec<String>,
    /// A torn final line, if there was one.
    pub torn_last_line: Option<usize>,
    /// Records dropped as repeats of an earlier (task, input_id).
    pub duplicates: usize,
}

/// `gsm8k_diversity|0` → `gsm8k_diversity`; `custom|gsm8k_diversity|0` → `gsm8k_diversity`.
pub fn normalise_task(task: &str) -> String {
    let parts: Vec<&str> = task.split('|').collect();
    match parts.as_slice() {
        [suite, name, fewshot] if fewshot.chars().all(|c| c.is_ascii_digit()) && !suite.is_empty() => {
            (*name).to_owned()
        }
        [name, fewshot] if fewshot.chars().all(|c| c.is_ascii_digit()) => (*name).to_owned(),
        _ => task.to_owned(),
    }
}

fn parse_record(map: &Map<String, Value>, line: usize) -> Result<GenerationRecord, String> {
    let (key, outputs) = OUTPUT_KEYS
        .iter()
        .find_map(|key| map.get(*key).map(|v| (*key, v)))
        .ok_or_else(|| format!("no outputs (expected one of the keys {})", OUTPUT_KEYS.join(", ")))?;
    let outputs = outputs.as_array().ok_or_else(|| format!("`{key}` is not a list"))?;
    let outputs = outputs
        .iter()
        .enumerate()
        .map(|(i, v)| v.as_str().map(str::to_owned).ok_or_else(|| format!("`{key}[{i}]` is not a string")))
        .collect::<Result<Vec<_>, _>>()?;
    let prompt = PROMPT_KEYS.iter().find_map(|key| map.get(*key)).and_then(Value::as_str).map(str::to_owned);
    let input_id = match ID_KEYS.iter().find_map(|key| map.get(*key)) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Null) | None => line.to_string(),
        Some(other) => return Err(format!("the id is neither a number nor a string: {other}")),
    };
    let task = map.get("task").and_then(Value::as_str).map(normalise_task).unwrap_or_default();
    let original_prompt =
        map.get("original_query").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
    let raw_outputs = match map.get("raw_outputs") {
        None | Some(Value::Null) => None,
        Some(Value::Array(values)) => {
            let raw = values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_str().map(str::to_owned).ok_or_else(|| format!("`raw_outputs[{i}]` is not a string"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            if raw.len() != outputs.len() {
                return Err(format!("{} `raw_outputs` for {} outputs", raw.len(), outputs.len()));
            }
            Some(raw)
        }
        Some(_) => return Err("`raw_outputs` is not a list".into()),
    };
    Ok(GenerationRecord { line, task, input_id, prompt, original_prompt, outputs, raw_outputs })
}

/// Streams the records of a generation JSONL file.
pub struct GenerationReader<R> {
    path: PathBuf,
    reader: R,
    line: usize,
    skip_bad_lines: bool,
    seen: HashSet<(String, String)>,
    report: ReadReport,
    buffer: Vec<u8>,
}

impl GenerationReader<BufReader<File>> {
    /// Opens `path`.
    pub fn open(path: &Path, skip_bad_lines: bool) -> Result<Self, GenerationsError> {
        let file = File::open(path).map_err(|source| GenerationsError::Io { path: path.to_owned(), source })?;
        Ok(Self::new(path, BufReader::new(file), skip_bad_lines))
    }
}

impl<R: BufRead> GenerationReader<R> {
    /// Reads records from `reader`; `path` names it in errors.
    pub fn new(path: &Path, reader: R, skip_bad_lines: bool) -> Self {
        Self {
            path: path.to_owned(),
            reader,
            line: 0,
            skip_bad_lines,
            seen: HashSet::new(),
            report: ReadReport::default(),
            buffer: Vec::new(),
        }
    }

    /// What was skipped so far.
    pub fn report(&self) -> &ReadReport {
        &self.report
    }

    fn bad(&mut self, problem: String) -> Option<Result<GenerationRecord, GenerationsError>> {
        let error = BadLine { path: self.path.clone(), line: self.line, problem };
        if self.skip_bad_lines {
            self.report.bad_lines.push(error.to_string());
            None
        } else {
            Some(Err(error.into()))
        }
    }
}

impl<R: BufRead> Iterator for GenerationReader<R> {
    type Item = Result<GenerationRecord, GenerationsError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.buffer.clear();
            let read = match self.reader.by_ref().read_until(b'\n', &mut self.buffer) {
                Ok(0) => return None,
                Ok(read) => read,
                Err(source) => return Some(Err(GenerationsError::Io { path: self.path.clone(), source })),
            };
            self.line += 1;
            let complete = self.buffer.ends_with(b"\n");
            let text = match std::str::from_utf8(&self.buffer[..read]) {
                Ok(text) => text.trim(),
                Err(error) => {
                    if let Some(result) = self.bad(format!("not UTF-8 ({error})")) {
                        return Some(result);
                    }
                    continue;
                }
            };
            if text.is_empty() {
                continue;
            }
            let parsed: Result<Value, _> = serde_json::from_str(text);
            let value = match parsed {
                Ok(value) => value,
                Err(_) if !complete => {
                    // An interrupted append: the final line was only partly written.
                    self.report.torn_last_line = Some(self.line);
                    tracing::warn!("{}:{}: skipping a torn last line", self.path.display(), self.line);
                    return None;
                }
                Err(error) => {
                    if let Some(result) = self.bad(format!("invalid JSON: {error}")) {
                        return Some(result);
                    }
                    continue;
                }
            };
            let Some(map) = value.as_object() else {
                if let Some(result) = self.bad("not a JSON object".to_owned()) {
                    return Some(result);
                }
                continue;
            };
            match parse_record(map, self.line) {
                Ok(record) => {
                    if self.seen.insert((record.task.clone(), record.input_id.clone())) {
                        return Some(Ok(record));
                    }
                    self.report.duplicates += 1;
                }
                Err(problem) => {
                    if let Some(result) = self.bad(problem) {
                        return Some(result);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, skip: bool) -> (Vec<Result<GenerationRecord, GenerationsError>>, ReadReport) {
        let mut reader = GenerationReader::new(Path::new("gen.jsonl"), text.as_bytes(), skip);
        let records: Vec<_> = reader.by_ref().collect();
        (records, reader.report().clone())
    }

    #[test]
    fn key_variants_task_suffixes_and_duplicates() {
        let text = concat!(
            "{\"input_id\": 7, \"prompt\": \"p\", \"outputs\": [\"a\", \"b\"], \"task\": \"gsm8k_diversity|0\"}\n",
            "{\"id\": \"x\", \"question\": \"q\", \"generations\": [\"c\"], \"task\": \"custom|gsm8k_diversity|0\"}\n",
            "{\"input_id\": 7, \"outputs\": [\"again\"], \"task\": \"gsm8k_diversity|0\"}\n",
            "{\"samples\": [\"d\"]}\n",
        );
        let (records, report) = read(text, false);
        let records: Vec<GenerationRecord> = records.into_iter().map(Result::unwrap).collect();
        assert_eq!(records.len(), 3);
        assert_eq!((records[0].task.as_str(), records[0].input_id.as_str()), ("gsm8k_diversity", "7"));
        assert_eq!((records[1].task.as_str(), records[1].prompt.as_deref()), ("gsm8k_diversity", Some("q")));
        assert_eq!(records[2].input_id, "4");
        assert_eq!(report.duplicates, 1);
    }

    #[test]
    fn a_torn_last_line_is_skipped_but_a_bad_middle_line_is_an_error() {
        let (records, report) = read("{\"outputs\": [\"a\"]}\n{\"outputs\": [\"b\"", false);
        assert_eq!(records.len(), 1);
        assert_eq!(report.torn_last_line, Some(2));

        let (records, _) = read("{\"outputs\": [\"a\"]}\n{oops}\n{\"outputs\": [\"c\"]}\n", false);
        let error = records.into_iter().find_map(Result::err).unwrap().to_string();
        assert!(error.starts_with("gen.jsonl:2: invalid JSON"), "{error}");
    }

    #[test]
    fn every_malformation_names_its_line_and_can_be_skipped() {
        let text =
            "{\"prompt\": \"p\"}\n{\"outputs\": \"a\"}\n{\"outputs\": [1]}\n[1]\n\u{0}\n{\"outputs\": [\"ok\"]}\n";
        let (records, _) = read(text, false);
        let first = records.into_iter().next().unwrap().unwrap_err().to_string();
        assert!(first.contains("gen.jsonl:1") && first.contains("no outputs"), "{first}");
        let (records, report) = read(text, true);
        assert_eq!(records.into_iter().filter_map(Result::ok).count(), 1);
        assert_eq!(report.bad_lines.len(), 5);
        assert!(report.bad_lines[1].contains(":2:") && report.bad_lines[1].contains("not a list"));
        let mut bytes = b"{\"outputs\": [\"a\"]}\n".to_vec();
        bytes.extend_from_slice(b"{\"outputs\": [\"\xff\"]}\n");
        let mut reader = GenerationReader::new(Path::new("g"), bytes.as_slice(), false);
        assert!(reader.next().unwrap().is_ok());
        assert!(reader.next().unwrap().unwrap_err().to_string().contains("g:2: not UTF-8"));
    }
}
