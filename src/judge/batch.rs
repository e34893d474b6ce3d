//! OpenAI Batch API files: request lines (`batch.jsonl`, one chat-completions request per
//! line) and result lines (the Batch API's output format, which `judge run` writes too).
//!
//! Request lines are written with Python's `json.dumps` formatting so that they are
//! byte-identical to the study's scripts (which differ in `ensure_ascii`; see
//! [`crate::pycompat::json`]).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One chat message of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// `system` or `user`.
    pub role: String,
    /// The text.
    pub content: String,
}

/// The body of a chat-completions request, fields in the scripts' order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatBody {
    /// The judge model.
    pub model: String,
    /// System (optional) and user message.
    pub messages: Vec<Message>,
    /// Sampling temperature (the scripts write the integer `0`).
    pub temperature: serde_json::Number,
    /// Reply length limit in tokens.
    pub max_tokens: u32,
}

/// One line of a Batch API input file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchRequest {
    /// The request's key, carried into its result (each judge has its own scheme).
    pub custom_id: String,
    /// Always `POST`.
    pub method: String,
    /// Always `/v1/chat/completions`.
    pub url: String,
    /// The request.
    pub body: ChatBody,
}

impl BatchRequest {
    /// A chat-completions request at temperature 0.
    pub fn chat(custom_id: String, model: &str, system: Option<&str>, user: String, max_tokens: u32) -> Self {
        let mut messages = Vec::with_capacity(2);
        if let Some(system) = system {
            messages.push(Message { role: "system".into(), content: system.to_owned() });
        }
        messages.push(Message { role: "user".into(), content: user });
        Self {
            custom_id,
            method: "POST".into(),
            url: "/v1/chat/completions".into(),
            body: ChatBody { model: model.to_owned(), messages, temperature: 0.into(), max_tokens },
        }
    }
}

/// Errors reading or writing batch files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// The file cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A line is not a request.
    #[error("{path}:{line}: not a Batch API request line: {source}")]
    BadRequest {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
    /// Two requests share a `custom_id`.
    #[error("{path}:{line}: custom_id `{custom_id}` repeats line {first}")]
    DuplicateId {
        /// The file.
        path: PathBuf,
        /// 1-based line of the repeat.
        line: usize,
        /// 1-based line of the first.
        first: usize,
        /// The key.
        custom_id: String,
    },
    /// A value cannot be written as JSON.
    #[error("{path}: cannot write JSON: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: serde_json::Error,
    },
}

/// Writes request lines (atomically) with `json.dumps(line, ensure_ascii=...)` + `\n`.
pub fn write_requests(path: &Path, requests: &[BatchRequest], ensure_ascii: bool) -> Result<(), BatchError> {
    let mut text = String::new();
    for request in requests {
        let line = crate::pycompat::json::dumps(request, ensure_ascii)
            .map_err(|source| BatchError::Json { path: path.to_owned(), source })?;
        text.push_str(&line);
        text.push('\n');
    }
    crate::data::atomic::write(path, text).map_err(|source| BatchError::Io { path: path.to_owned(), source })
}

/// Reads the request lines of a batch file (blank lines skipped; every `custom_id` must be
/// unique).
pub fn read_requests(path: &Path) -> Result<Vec<BatchRequest>, BatchError> {
    let io = |source| BatchError::Io { path: path.to_owned(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut requests: Vec<BatchRequest> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(io)?;
        if line.trim().is_empty() {
            continue;
        }
        let request: BatchRequest = serde_json::from_str(&line).map_err(|source| BatchError::BadRequest {
            path: path.to_owned(),
            line: index + 1,
            source,
        })?;
        if let Some(&first) = seen.get(&request.custom_id) {
            return Err(BatchError::DuplicateId {
                path: path.to_owned(),
                line: index + 1,
                first,
                custom_id: request.custom_id,
            });
        }
        seen.insert(request.custom_id.clone(), index + 1);
        requests.push(request);
    }
    Ok(requests)
}

/// One line of a Batch API output file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchResult {
    /// The result's id (`batch_req_…`).
    pub id: String,
    /// The request's key.
    pub custom_id: String,
    /// The server's answer (absent when the request could not be sent).
    pub response: Option<BatchResponse>,
    /// Why there is no response.
    pub error: Option<serde_json::Value>,
}

/// The HTTP answer inside a result line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchResponse {
    /// HTTP status.
    pub status_code: u16,
    /// The server's request id (`x-request-id`), empty when it sends none.
    pub request_id: String,
    /// The JSON body (a chat completion, or an error object).
    pub body: serde_json::Value,
}

/// The result files of `FILE_OR_DIR`: the file itself, or the folder's `*.jsonl` files in
/// name order (as the scripts' `sorted(dir.glob("*.jsonl"))`).
pub fn result_files(path: &Path) -> Result<Vec<PathBuf>, BatchError> {
    let io = |source| BatchError::Io { path: path.to_owned(), source };
    if !path.is_dir() {
        std::fs::metadata(path).map_err(io)?;
        return Ok(vec![path.to_owned()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(io)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(io(std::io::Error::new(std::io::ErrorKind::NotFound, "no *.jsonl result files in the folder")));
    }
    Ok(files)
}

/// The lines of a result file, trimmed, blank lines skipped.
pub fn result_lines(path: &Path) -> Result<Vec<String>, BatchError> {
    let bytes = std::fs::read(path).map_err(|source| BatchError::Io { path: path.to_owned(), source })?;
    Ok(nonblank_lines(&String::from_utf8_lossy(&bytes)))
}

/// The trimmed non-blank lines of a text.
pub fn nonblank_lines(text: &str) -> Vec<String> {
    text.split('\n').map(str::trim).filter(|line| !line.is_empty()).map(str::to_owned).collect()
}

/// Appends one result line and flushes it.
pub fn append_result(file: &mut std::fs::File, result: &BatchResult) -> std::io::Result<()> {
    let mut line = serde_json::to_string(result).map_err(std::io::Error::other)?;
    line.push('\n');
    file.write_all(line.as_bytes())?;
    file.flush()
}
