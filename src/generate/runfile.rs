//! Run files: one JSONL line per prompt in the reference schema (`input_id`, `prompt`,
//! `outputs`, `task`) plus `raw_outputs`, `finish_reasons`, `n_tokens` and a `meta` object
//! saying what produced it (model and weights hash, tokenizer hash, template hash,
//! sampling parameters, seed, tool version).
//!
//! Crash safety: each line is written, flushed and synced before the next prompt starts.
//! On restart the file is read back; prompts already complete are skipped, a torn last
//! line (an interrupted write) is reported and cut off, a damaged complete line is an
//! error naming its line, and a file whose `meta` differs from this run's is refused, so
//! runs never mix and no prompt is written twice.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::engine::{EngineDtype, FinishReason};
use super::remote::{SamplesPerRequest, ServerApi};
use super::sampling::SamplingParams;

/// What produced a run (identical on every line of a run file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    /// diversity-collapse version.
    pub tool_version: String,
    /// The checkpoint folder as given (not compared on resume: the weights hash
    /// identifies the model, so a run resumes however the folder is spelled or moved).
    pub model_path: String,
    /// sha256 over the checkpoint's weight files.
    pub weights_sha256: String,
    /// sha256 of the tokenizer file.
    pub tokenizer_sha256: String,
    /// sha256 of the chat template text (`None`: raw prompts).
    pub template_sha256: Option<String>,
    /// Task name.
    pub task: String,
    /// Sampling parameters.
    pub sampling: SamplingParams,
    /// Run seed.
    pub seed: u64,
    /// Samples per prompt.
    pub k: usize,
    /// Token limit per sample.
    pub max_new_tokens: usize,
    /// Thinking suppressed.
    pub no_think: bool,
    /// Stop sequences.
    pub stop_sequences: Vec<String>,
    /// The local engine's dtype (absent: f32).
    #[serde(default, skip_serializing_if = "EngineDtype::is_f32")]
    pub dtype: EngineDtype,
    /// The slice of the prompts this file holds (absent: all of them, or a merge).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::pipeline::shard::Shard>,
    /// The server that sampled the run (absent: the local engine).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerMeta>,
}

/// What sampled a run through an OpenAI-compatible server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerMeta {
    /// Always `openai` (the protocol).
    pub backend: String,
    /// Completions (prompt rendered here) or chat (the server's template).
    pub api: ServerApi,
    /// The model name sent with every request.
    pub served_model: String,
    /// How the K samples were spread over requests.
    pub samples_per_request: SamplesPerRequest,
    /// Server-specific fields added to every request.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub extra_body: serde_json::Map<String, serde_json::Value>,
    /// What the server said about itself when the run (or this part of it) began; not
    /// compared on resume, so a run can move to another replica of the same model.
    pub reported: ServerReport,
}

/// What a server reported about itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerReport {
    /// The API root, without credentials or query.
    pub base_url: String,
    /// The served model's entry of `GET /models` (vLLM's `root` names the weights' path
    /// or repository, `owned_by` the engine).
    pub model_entry: Option<serde_json::Value>,
    /// The server's version (`GET /version`, vLLM and SGLang).
    pub version: Option<String>,
}

/// One prompt's line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Prompt id.
    pub input_id: String,
    /// The raw task prompt (not chat-formatted), as the reference stores it.
    pub prompt: String,
    /// Think-stripped outputs.
    pub outputs: Vec<String>,
    /// Task name.
    pub task: String,
    /// Outputs before think stripping.
    pub raw_outputs: Vec<String>,
    /// Why each sample ended.
    pub finish_reasons: Vec<FinishReason>,
    /// Generated tokens per sample.
    pub n_tokens: Vec<usize>,
    /// What produced it.
    pub meta: RunMeta,
}

/// Errors of run files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunFileError {
    /// The file cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The run file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A complete line is not a run record.
    #[error("{path}:{line}: not a run record: {problem}")]
    BadLine {
        /// The run file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// The file holds a run made with other settings.
    #[error(
        "{path}:{line}: the file was written by a run with other settings ({fields}); use another --out or the same settings"
    )]
    OtherRun {
        /// The run file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The differing `meta` fields.
        fields: String,
    },
}

/// What was found when reopening a run file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResumeReport {
    /// Prompts already complete.
    pub completed: usize,
    /// The line number of a torn last line that was cut off.
    pub torn_line: Option<usize>,
}

/// An open run file.
pub struct RunFile {
    path: PathBuf,
    file: File,
    done: HashSet<String>,
}

impl RunMeta {
    /// The fields compared on resume: all but the folder's spelling (`model_path`) and
    /// what a server reported about itself.
    fn compared(&self) -> RunMeta {
        let mut meta = self.clone();
        meta.model_path.clear();
        if let Some(server) = &mut meta.server {
            server.reported = ServerReport::default();
        }
        meta
    }

    /// Whether two records come from the same run settings: every field but the
    /// folder's spelling (`model_path`) and a server's report about itself.
    pub fn same_run(&self, other: &RunMeta) -> bool {
        self.compared() == other.compared()
    }

    /// The names of the compared fields in which two records differ, comma-separated.
    pub fn differing_fields(&self, other: &RunMeta) -> String {
        let (a, b) = (self.compared(), other.compared());
        let (a, b) = (serde_json::to_value(a).unwrap_or_default(), serde_json::to_value(b).unwrap_or_default());
        let keys: std::collections::BTreeSet<&String> =
            [&a, &b].iter().filter_map(|v| v.as_object()).flat_map(|m| m.keys()).collect();
        let fields: Vec<&str> =
            keys.into_iter().filter(|k| a.get(k.as_str()) != b.get(k.as_str())).map(String::as_str).collect();
        fields.join(", ")
    }
}

impl RunFile {
    /// Opens `path` for a run with `meta`, resuming what it already holds.
    pub fn open(path: &Path, meta: &RunMeta) -> Result<(Self, ResumeReport), RunFileError> {
        let io = |source| RunFileError::Io { path: path.to_owned(), source };
        let mut report = ResumeReport::default();
        let mut done = HashSet::new();
        if path.exists() {
            let mut reader = BufReader::new(File::open(path).map_err(io)?);
            let mut buffer = Vec::new();
            let mut offset = 0u64;
            let mut line = 0;
            loop {
                buffer.clear();
                let read = reader.read_until(b'\n', &mut buffer).map_err(io)?;
                if read == 0 {
                    break;
                }
                line += 1;
                let complete = buffer.ends_with(b"\n");
                let parsed = std::str::from_utf8(&buffer)
                    .map_err(|e| e.to_string())
                    .and_then(|text| serde_json::from_str::<RunRecord>(text).map_err(|e| e.to_string()));
                match parsed {
                    Ok(record) if complete => {
                        if !record.meta.same_run(meta) {
                            let fields = record.meta.differing_fields(meta);
                            return Err(RunFileError::OtherRun { path: path.to_owned(), line, fields });
                        }
                        done.insert(record.input_id);
                        offset += read as u64;
                    }
                    // The final write of an interrupted run: cut it off and redo the prompt.
                    _ if !complete => {
                        report.torn_line = Some(line);
                        break;
                    }
                    Err(problem) => return Err(RunFileError::BadLine { path: path.to_owned(), line, problem }),
                    Ok(_) => unreachable!("complete is true here"),
                }
            }
            if report.torn_line.is_some() {
                OpenOptions::new().write(true).open(path).and_then(|f| f.set_len(offset)).map_err(io)?;
            }
        }
        report.completed = done.len();
        let file = OpenOptions::new().create(true).append(true).open(path).map_err(io)?;
        Ok((Self { path: path.to_owned(), file, done }, report))
    }

    /// Whether a prompt is already complete.
    pub fn is_done(&self, input_id: &str) -> bool {
        self.done.contains(input_id)
    }

    /// Appends one prompt's line and makes it durable.
    pub fn append(&mut self, record: &RunRecord) -> Result<(), RunFileError> {
        if self.done.contains(&record.input_id) {
            return Ok(());
        }
        let io = |source| RunFileError::Io { path: self.path.clone(), source };
        let mut line = serde_json::to_vec(record).expect("run records serialise");
        line.push(b'\n');
        self.file.write_all(&line).map_err(io)?;
        self.file.flush().map_err(io)?;
        self.file.sync_data().map_err(io)?;
        self.done.insert(record.input_id.clone());
        Ok(())
    }
}
