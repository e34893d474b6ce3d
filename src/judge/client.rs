//! `judge run`: sends a batch file's requests to an OpenAI-compatible chat-completions
//! server (OpenAI, vLLM, SGLang, llama.cpp's server, …; through [`crate::openai`]) and
//! appends each reply to a results file in the Batch API's output format.
//!
//! * **Resumable**: requests whose `custom_id` already has a line in the results file are
//!   not sent again; a last line cut off by a crash is removed first.
//! * **Retries** (see [`crate::openai`]): a request that still fails after them is left
//!   out of the file, so a rerun sends it again.
//! * **Errors of the request itself** (other 4xx, e.g. a prompt beyond the context) are
//!   written as the Batch API writes them (`status_code` and the error body), and
//!   `judge score` counts them as failures. 401, 403 and 404 stop the run: the key, the
//!   URL or the model name is wrong for every request.
//! * **Secrets**: the API key is sent only in the `Authorization` header; it is never
//!   written to a file, a log or an error message.

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};

use serde_json::Value;

use super::batch::{
    BatchError, BatchRequest, BatchResponse, BatchResult, append_result, nonblank_lines, read_requests,
};
use crate::openai::{ApiError, Reply, Server, ServerOptions};
use crate::pipeline::Progress;

/// Where and how to send.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The server, its key and its retries.
    pub server: ServerOptions,
    /// The served model name; replaces each request's `model` (`None`: keep it).
    pub model: Option<String>,
    /// Requests in flight at once.
    pub concurrency: usize,
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunReport {
    /// Requests in the batch file.
    pub requests: usize,
    /// Requests already answered in the results file.
    pub already_done: usize,
    /// Replies written now with HTTP 200.
    pub answered: usize,
    /// Error replies written now (4xx other than 401/403/404/429).
    pub rejected: usize,
    /// Requests still unanswered after every retry (not written; rerun to send them).
    pub unanswered: usize,
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The batch or results file cannot be read or written.
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// The results file cannot be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The server cannot be used for any request (unreachable, wrong key, wrong model).
    #[error(transparent)]
    Server(#[from] ApiError),
}

/// The outcome of one request.
enum Outcome {
    /// A line to write (a reply or a request error).
    Written(BatchResult),
    /// Still failing after the retries.
    GaveUp { custom_id: String, reason: String },
    /// A problem of every request: stop.
    Fatal(RunError),
}

/// A stable result id for a custom id.
fn result_id(custom_id: &str) -> String {
    format!("batch_req_{}", &crate::provenance::sha256_bytes(custom_id)[..24])
}

/// Sends one request, retrying what can be retried.
fn send(server: &Server, options: &RunOptions, request: &BatchRequest, stop: &AtomicBool) -> Outcome {
    let mut body = request.body.clone();
    if let Some(model) = &options.model {
        body.model.clone_from(model);
    }
    let body = serde_json::to_value(&body).expect("chat bodies serialise");
    let written = |status_code: u16, request_id: String, body: Value| {
        Outcome::Written(BatchResult {
            id: result_id(&request.custom_id),
            custom_id: request.custom_id.clone(),
            response: Some(BatchResponse { status_code, request_id, body }),
            error: None,
        })
    };
    match server.post("chat/completions", &body, &request.custom_id, stop) {
        Ok(Reply::Answered { request_id, body }) => written(200, request_id, body),
        Ok(Reply::Rejected { status, request_id, body }) => written(status, request_id, body),
        Err(ApiError::GaveUp { reason, .. }) => Outcome::GaveUp { custom_id: request.custom_id.clone(), reason },
        Err(error) => Outcome::Fatal(error.into()),
    }
}

/// The custom ids answered in an existing results file; a torn last line is cut off.
fn answered_ids(out: &Path) -> Result<HashSet<String>, RunError> {
    let io = |source| RunError::Io { path: out.to_owned(), source };
    let bytes = match std::fs::read(out) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => return Err(io(e)),
    };
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |at| at + 1);
    if complete < bytes.len() {
        tracing::warn!("{}: removing a last line cut off by an interrupted run", out.display());
        let file = std::fs::OpenOptions::new().write(true).open(out).map_err(io)?;
        file.set_len(complete as u64).map_err(io)?;
    }
    let mut ids = HashSet::new();
    for line in nonblank_lines(&String::from_utf8_lossy(&bytes[..complete])) {
        if let Some(id) = serde_json::from_str::<Value>(&line)
            .ok()
            .and_then(|v| v.get("custom_id").and_then(Value::as_str).map(str::to_owned))
        {
            ids.insert(id);
        }
    }
    Ok(ids)
}

/// Sends every request of `batch` not yet answered in `out`, appending the replies.
pub fn run(batch: &Path, out: &Path, options: &RunOptions, progress: &mut dyn Progress) -> Result<RunReport, RunError> {
    let requests = read_requests(batch)?;
    let done = answered_ids(out)?;
    let todo: VecDeque<BatchRequest> = requests.iter().filter(|r| !done.contains(&r.custom_id)).cloned().collect();
    let mut report =
        RunReport { requests: requests.len(), already_done: requests.len() - todo.len(), ..RunReport::default() };
    if todo.is_empty() {
        return Ok(report);
    }
    let server = Server::new(options.server.clone());
    server.preflight(options.model.as_deref())?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(out)
        .map_err(|source| RunError::Io { path: out.to_owned(), source })?;
    progress.start("judging", Some(todo.len() as u64));
    let queue = Mutex::new(todo);
    let stop = AtomicBool::new(false);
    let mut fatal = None;
    std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::channel();
        for _ in 0..options.concurrency.max(1) {
            let (sender, queue, stop, server) = (sender.clone(), &queue, &stop, &server);
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let next = queue.lock().map(|mut q| q.pop_front()).unwrap_or(None);
                    let Some(request) = next else { break };
                    if sender.send(send(server, options, &request, stop)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        for outcome in receiver {
            match outcome {
                Outcome::Written(result) => {
                    if let Err(source) = append_result(&mut file, &result) {
                        fatal.get_or_insert(RunError::Io { path: out.to_owned(), source });
                        stop.store(true, Ordering::Relaxed);
                        continue;
                    }
                    match result.response.map(|r| r.status_code) {
                        Some(200) => report.answered += 1,
                        _ => report.rejected += 1,
                    }
                    progress.tick();
                }
                Outcome::GaveUp { custom_id, reason } => {
                    tracing::error!(%custom_id, "no reply after {} retries: {reason}", options.server.max_retries);
                    report.unanswered += 1;
                    progress.tick();
                }
                Outcome::Fatal(error) => {
                    fatal.get_or_insert(error);
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
    });
    progress.finish();
    let _ = file.sync_all();
    match fatal {
        Some(error) => Err(error),
        None => Ok(report),
    }
}
