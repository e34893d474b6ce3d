//! One client of OpenAI-compatible HTTP APIs (OpenAI, vLLM, SGLang, TGI, llama.cpp's
//! server, LiteLLM, …), shared by `judge run` and `generate --backend openai`.
//!
//! * **Retries**: HTTP 429, 5xx and connection errors are retried with exponential
//!   backoff (the first wait, doubled each retry, capped at 60 s, or the server's
//!   `Retry-After`); a request that still fails is [`ApiError::GaveUp`].
//! * **Errors of every request**: 401 and 403 ([`ApiError::Unauthorized`]: the key) and
//!   404 ([`ApiError::NoSuchModel`]: the model name or the URL) are not retried.
//! * **Errors of the request itself** (other 4xx, e.g. a prompt beyond the context) are
//!   returned as [`Reply::Rejected`] with the server's body.
//! * **Secrets**: the API key is sent only in the `Authorization` header; it is never
//!   written to a file, a log or an error message ([`ApiKey`] does not print).

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::Value;

/// An API key that never shows in `Debug` or `Display` output.
#[derive(Clone, Default)]
pub struct ApiKey(Option<String>);

impl ApiKey {
    /// A key (an empty string is no key).
    pub fn new(key: Option<String>) -> Self {
        Self(key.filter(|k| !k.is_empty()))
    }

    /// The key of the `OPENAI_API_KEY` environment variable, if set.
    pub fn from_env() -> Self {
        Self::new(std::env::var("OPENAI_API_KEY").ok())
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "ApiKey(<redacted>)" } else { "ApiKey(none)" })
    }
}

/// Where a server is and how hard to try it.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// The API root, e.g. `https://api.openai.com/v1` or `http://localhost:8000/v1`.
    pub base_url: String,
    /// Limit of one request (connect, send and read).
    pub timeout: Duration,
    /// Retries of one request after 429, 5xx or a connection error.
    pub max_retries: u32,
    /// First backoff; doubled each retry, capped at 60 s.
    pub initial_backoff: Duration,
    /// The bearer token (`OPENAI_API_KEY`).
    pub api_key: ApiKey,
}

/// Errors that concern every request to a server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
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
    /// Still failing after every retry.
    #[error("{url}: no reply after {retries} retries: {reason}")]
    GaveUp {
        /// The URL.
        url: String,
        /// Retries made.
        retries: u32,
        /// The last failure.
        reason: String,
    },
}

/// A server's answer to one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// HTTP 200 with a JSON body.
    Answered {
        /// The `x-request-id` header ("" when absent).
        request_id: String,
        /// The body.
        body: Value,
    },
    /// A 4xx about this request (not 401, 403, 404 or 429): the body as JSON, or as a
    /// JSON string when it is not JSON.
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The `x-request-id` header ("" when absent).
        request_id: String,
        /// The body.
        body: Value,
    },
}

/// What a server says about itself (`GET /models` and, where it has one, `/version`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerInfo {
    /// The model list's entries (empty: the server has no list).
    pub models: Vec<Value>,
    /// The `version` of the server's `/version` endpoint (vLLM, SGLang), if any.
    pub version: Option<String>,
}

impl ServerInfo {
    /// The model list entry of `id`.
    pub fn model(&self, id: &str) -> Option<&Value> {
        self.models.iter().find(|m| m.get("id").and_then(Value::as_str) == Some(id))
    }
}

/// A connection to one OpenAI-compatible server.
#[derive(Debug, Clone)]
pub struct Server {
    options: ServerOptions,
    agent: ureq::Agent,
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

/// Seconds of a `Retry-After` header.
fn retry_after(response: &ureq::Response) -> Option<Duration> {
    response
        .header("retry-after")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

impl Server {
    /// A connection (nothing is sent yet).
    pub fn new(options: ServerOptions) -> Self {
        let agent = ureq::AgentBuilder::new().timeout(options.timeout).build();
        Self { options, agent }
    }

    /// The options it was made with.
    pub fn options(&self) -> &ServerOptions {
        &self.options
    }

    /// The URL of `path` under the API root.
    pub fn endpoint(&self, path: &str) -> String {
        format!("{}/{path}", self.options.base_url.trim_end_matches('/'))
    }

    fn authorised(&self, request: ureq::Request) -> ureq::Request {
        match &self.options.api_key.0 {
            Some(key) => request.set("Authorization", &format!("Bearer {key}")),
            None => request,
        }
    }

    /// Checks that the server answers and, where it lists its models, serves `model`;
    /// returns what it says about itself.
    pub fn preflight(&self, model: Option<&str>) -> Result<ServerInfo, ApiError> {
        let url = self.endpoint("models");
        let mut info = ServerInfo::default();
        match self.authorised(self.agent.get(&url)).call() {
            Ok(response) => {
                let listed: Value = response.into_json().unwrap_or(Value::Null);
                info.models = listed.get("data").and_then(Value::as_array).cloned().unwrap_or_default();
                let ids: Vec<&str> = info.models.iter().filter_map(|m| m.get("id").and_then(Value::as_str)).collect();
                if let Some(model) = model
                    && !ids.is_empty()
                    && !ids.contains(&model)
                {
                    return Err(ApiError::NoSuchModel {
                        url,
                        problem: format!("the server does not serve `{model}`; it serves: {}", ids.join(", ")),
                    });
                }
            }
            Err(ureq::Error::Status(status @ (401 | 403), response)) => {
                return Err(ApiError::Unauthorized { url, status, body: snippet(response) });
            }
            // Servers without a model list are fine.
            Err(ureq::Error::Status(..)) => {}
            Err(ureq::Error::Transport(transport)) => {
                return Err(ApiError::Unreachable { url, reason: transport.to_string() });
            }
        }
        info.version = self.version();
        Ok(info)
    }

    /// The `version` field of `/version` beside the API root (vLLM and SGLang have one).
    fn version(&self) -> Option<String> {
        let root = self.options.base_url.trim_end_matches('/');
        let root = root.strip_suffix("/v1").unwrap_or(root);
        let reply: Value = self.authorised(self.agent.get(&format!("{root}/version"))).call().ok()?.into_json().ok()?;
        reply.get("version").and_then(Value::as_str).map(str::to_owned)
    }

    /// POSTs `body` to `path`, retrying 429, 5xx and connection errors (until `stop` is
    /// set); `what` names the request in retry logs.
    pub fn post(&self, path: &str, body: &Value, what: &str, stop: &AtomicBool) -> Result<Reply, ApiError> {
        let url = self.endpoint(path);
        let mut backoff = self.options.initial_backoff;
        let mut attempt = 0;
        loop {
            let (reason, wait) = match self.authorised(self.agent.post(&url)).send_json(body) {
                Ok(response) => {
                    let request_id = response.header("x-request-id").unwrap_or_default().to_owned();
                    match response.into_json::<Value>() {
                        Ok(body) => return Ok(Reply::Answered { request_id, body }),
                        Err(e) => (format!("HTTP 200 with a body that is not JSON: {e}"), None),
                    }
                }
                Err(ureq::Error::Status(status @ (401 | 403), response)) => {
                    return Err(ApiError::Unauthorized { url, status, body: snippet(response) });
                }
                Err(ureq::Error::Status(404, response)) => {
                    let model = body.get("model").and_then(Value::as_str).unwrap_or_default();
                    return Err(ApiError::NoSuchModel {
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
                    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
                    return Ok(Reply::Rejected { status, request_id, body });
                }
                Err(ureq::Error::Transport(transport)) => (transport.to_string(), None),
            };
            if attempt >= self.options.max_retries || stop.load(Ordering::Relaxed) {
                return Err(ApiError::GaveUp { url, retries: attempt, reason });
            }
            attempt += 1;
            let wait = wait.unwrap_or(backoff).min(Duration::from_secs(60));
            tracing::warn!(request = %what, attempt, "retrying in {:.1} s: {reason}", wait.as_secs_f64());
            std::thread::sleep(wait);
            backoff = (backoff * 2).min(Duration::from_secs(60));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_never_prints() {
        let key = ApiKey::new(Some("sk-secret".into()));
        assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
        let options = ServerOptions {
            base_url: "http://localhost:1/v1".into(),
            timeout: Duration::from_secs(1),
            max_retries: 0,
            initial_backoff: Duration::from_millis(1),
            api_key: key,
        };
        assert!(!format!("{:?}", Server::new(options)).contains("sk-secret"));
        assert_eq!(format!("{:?}", ApiKey::new(Some(String::new()))), "ApiKey(none)");
    }

    #[test]
    fn endpoints_join_the_api_root() {
        let options = ServerOptions {
            base_url: "http://localhost:8000/v1/".into(),
            timeout: Duration::from_secs(1),
            max_retries: 0,
            initial_backoff: Duration::from_millis(1),
            api_key: ApiKey::default(),
        };
        assert_eq!(Server::new(options).endpoint("completions"), "http://localhost:8000/v1/completions");
    }
}
