//! `judge run`: sends a batch file's requests to an OpenAI-compatible chat-completions
//! server (OpenAI, vLLM, SGLang, llama.cpp's server, …) and appends each reply to a
//! results file in the Batch API's output format.
//!
//! * **Resumable**: requests whose `custom_id` already has a line in the results file are
//!   not sent again; a last line cut off by a crash is removed first.
//! * **Retries**: HTTP 429, 5xx and connection errors are retried with exponential
//!   backoff (1 s, 2 s, 4 s, … capped at 60 s, or the server's `Retry-After`); a request
//!   that still fails is left out of the file, so a rerun sends it again.
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
use std::time::Duration;

use serde_json::Value;

use super::batch::{
    BatchError, BatchRequest, BatchResponse, BatchResult, append_result, nonblank_lines, read_requests,
};
use crate::pipeline::Progress;

/// An API key that never shows in `Debug` or `Display` output.
#[derive(Clone, Default)]
pub struct ApiKey(Option<String>);

impl ApiKey {
    /// A key (an empty string is no key).
    pub fn new(key: Option<String>) -> Self {
        Self(key.filter(|k| !k.is_empty()))
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "ApiKey(<redacted>)" } else { "ApiKey(none)" })
    }
}

/// Where and how to send.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The API root, e.g. `https://api.openai.com/v1` or `http://localhost:8000/v1`.
    pub base_url: String,
    /// The served model name; replaces each request's `model` (`None`: keep it).
    pub model: Option<String>,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Limit of one request (connect, send and read).
    pub timeout: Duration,
    /// Retries of one request after 429, 5xx or a connection error.
    pub max_retries: u32,
    /// First backoff; doubled each retry, capped at 60 s.
    pub initial_backoff: Duration,
    /// The bearer token (`OPENAI_API_KEY`).
    pub api_key: ApiKey,
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
    /// The server cannot be reached.
    #[error("cannot reach the server at {url}: {reason}")]
    Unreachable {
        /// The URL tried.
        url: String,
        /// The transport error.
        reason: String,
    },
    /// The server refuses the key.
    #[error("the server at {url} refused the request (HTTP {status}): check OPENAI_API_KEY; {body}")]
    Unauthorized {
        /// The URL.
        url: String,
        /// 401 or 403.
        status: u16,
        /// The server's message.
        body: String,
    },
    /// The server does not serve the model, or the URL is not an API root.
    #[error("{url}: {problem}")]
    NoSuchModel {
        /// The URL.
        url: String,
        /// The server's answer.
        problem: String,
    },
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

fn endpoint(base_url: &str, path: &str) -> String {
    format!("{}/{path}", base_url.trim_end_matches('/'))
}

fn agent(options: &RunOptions) -> ureq::Agent {
    ureq::AgentBuilder::new().timeout(options.timeout).build()
}

fn authorised(request: ureq::Request, key: &ApiKey) -> ureq::Request {
    match &key.0 {
        Some(key) => request.set("Authorization", &format!("Bearer {key}")),
        None => request,
    }
}

/// A response body as text, shortened for messages.
fn snippet(response: ureq::Response) -> String {
    let text = response.into_string().unwrap_or_default();
    let text = text.trim();
    match text.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// Checks that the server answers and, where it lists its models, serves `model`.
pub fn preflight(options: &RunOptions) -> Result<(), RunError> {
    let url = endpoint(&options.base_url, "models");
    let agent = agent(options);
    match authorised(agent.get(&url), &options.api_key).call() {
        Ok(response) => {
            let Some(model) = &options.model else { return Ok(()) };
            let listed: Value = response.into_json().unwrap_or(Value::Null);
            let ids: Vec<&str> = listed
                .get("data")
                .and_then(Value::as_array)
                .map(|models| models.iter().filter_map(|m| m.get("id").and_then(Value::as_str)).collect())
                .unwrap_or_default();
            if !ids.is_empty() && !ids.contains(&model.as_str()) {
                return Err(RunError::NoSuchModel {
                    url,
                    problem: format!("the server does not serve `{model}`; it serves: {}", ids.join(", ")),
                });
            }
            Ok(())
        }
        Err(ureq::Error::Status(status @ (401 | 403), response)) => {
            Err(RunError::Unauthorized { url, status, body: snippet(response) })
        }
        // Servers without a model list are fine.
        Err(ureq::Error::Status(..)) => Ok(()),
        Err(ureq::Error::Transport(transport)) => Err(RunError::Unreachable { url, reason: transport.to_string() }),
    }
}

/// A stable result id for a custom id.
fn result_id(custom_id: &str) -> String {
    format!("batch_req_{}", &crate::provenance::sha256_bytes(custom_id)[..24])
}

/// Seconds of a `Retry-After` header.
fn retry_after(response: &ureq::Response) -> Option<Duration> {
    response
        .header("retry-after")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

/// Sends one request, retrying what can be retried.
fn send(agent: &ureq::Agent, options: &RunOptions, request: &BatchRequest, stop: &AtomicBool) -> Outcome {
    let url = endpoint(&options.base_url, "chat/completions");
    let mut body = request.body.clone();
    if let Some(model) = &options.model {
        body.model.clone_from(model);
    }
    let written = |status_code: u16, request_id: String, body: Value| {
        Outcome::Written(BatchResult {
            id: result_id(&request.custom_id),
            custom_id: request.custom_id.clone(),
            response: Some(BatchResponse { status_code, request_id, body }),
            error: None,
        })
    };
    let mut backoff = options.initial_backoff;
    let mut attempt = 0;
    loop {
        let result = authorised(agent.post(&url), &options.api_key).send_json(&body);
        let (reason, wait) = match result {
            Ok(response) => {
                let request_id = response.header("x-request-id").unwrap_or_default().to_owned();
                match response.into_json::<Value>() {
                    Ok(json) => return written(200, request_id, json),
                    Err(e) => (format!("HTTP 200 with a body that is not JSON: {e}"), None),
                }
            }
            Err(ureq::Error::Status(status @ (401 | 403), response)) => {
                return Outcome::Fatal(RunError::Unauthorized { url, status, body: snippet(response) });
            }
            Err(ureq::Error::Status(404, response)) => {
                let model = &body.model;
                return Outcome::Fatal(RunError::NoSuchModel {
                    url,
                    problem: format!(
                        "HTTP 404 (is `{model}` served, and is the URL the API root?): {}",
                        snippet(response)
                    ),
                });
            }
            Err(ureq::Error::Status(status, response)) if status == 429 || status >= 500 => {
                let wait = retry_after(&response);
                (format!("HTTP {status}: {}", snippet(response)), wait)
            }
            Err(ureq::Error::Status(status, response)) => {
                let request_id = response.header("x-request-id").unwrap_or_default().to_owned();
                let text = response.into_string().unwrap_or_default();
                let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
                return written(status, request_id, json);
            }
            Err(ureq::Error::Transport(transport)) => (transport.to_string(), None),
        };
        if attempt >= options.max_retries || stop.load(Ordering::Relaxed) {
            return Outcome::GaveUp { custom_id: request.custom_id.clone(), reason };
        }
        attempt += 1;
        let wait = wait.unwrap_or(backoff).min(Duration::from_secs(60));
        tracing::warn!(custom_id = %request.custom_id, attempt, "retrying in {:.1} s: {reason}", wait.as_secs_f64());
        std::thread::sleep(wait);
        backoff = (backoff * 2).min(Duration::from_secs(60));
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
    preflight(options)?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(out)
        .map_err(|source| RunError::Io { path: out.to_owned(), source })?;
    progress.start("judging", Some(todo.len() as u64));
    let queue = Mutex::new(todo);
    let stop = AtomicBool::new(false);
    let agent = agent(options);
    let mut fatal = None;
    std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::channel();
        for _ in 0..options.concurrency.max(1) {
            let (sender, queue, stop, agent) = (sender.clone(), &queue, &stop, &agent);
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let next = queue.lock().map(|mut q| q.pop_front()).unwrap_or(None);
                    let Some(request) = next else { break };
                    if sender.send(send(agent, options, &request, stop)).is_err() {
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
                    tracing::error!(%custom_id, "no reply after {} retries: {reason}", options.max_retries);
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
