//! K samples per prompt from an OpenAI-compatible server (vLLM, SGLang, TGI, llama.cpp's
//! server, …) instead of the local engine.
//!
//! * **Same prompts as the local engine.** With [`ServerApi::Completions`] (the default)
//!   the prompt is rendered here with the checkpoint's own chat template and think
//!   suppression ([`PromptFormat`], the local engine's) and sent as text to
//!   `/v1/completions`, so both backends see identical model input. [`ServerApi::Chat`]
//!   sends the raw prompt as one user message to `/v1/chat/completions`, and the server
//!   applies its template (for servers without raw completions; think suppression
//!   cannot be prefilled there and is refused).
//! * **Seeds.** Each sample's seed is [`server_seed`] of its (seed, task, prompt id,
//!   sample index), as the local engine derives its streams. With
//!   [`SamplesPerRequest::One`] every sample is its own request with its own seed, so a
//!   sample does not depend on the others; with [`SamplesPerRequest::All`] one request
//!   asks for `n = K` samples with the seed of sample 0 (the server's fastest path, e.g.
//!   vLLM's shared prefill), and a server that returns fewer than K choices is an error
//!   that names the other mode. [`SamplesPerRequest::Auto`] (the default) asks the
//!   server once, before the run ([`resolve_samples_per_request`]), and takes `all`
//!   where it honours `n`; the run file records the mode taken.
//! * **Ends of samples.** Stop sequences, the token limit (`max_tokens`), temperature,
//!   top-p and, where set, top-k are passed through; with completions the end tokens
//!   ([`super::engine::stop_token_ids`]) are sent as `stop_token_ids` (vLLM, SGLang).
//!   `finish_reason` `length` is [`FinishReason::Length`]; `stop` is
//!   [`FinishReason::StopSequence`] when the server names a matched stop string
//!   (`stop_reason`, vLLM) and [`FinishReason::Eos`] otherwise, so a server that does not
//!   say which (llama.cpp's) records a stop-sequence end as `eos`.
//! * **Server-specific fields** (`extra_body`, e.g. vLLM's `repetition_penalty` or
//!   llama.cpp's `repeat_penalty`, which its server sets to 1.1 unless told) are added to
//!   every request and recorded in the run file's `meta`.
//! * **Token counts** are the checkpoint tokenizer's count of each returned text (the
//!   server's usage sums over choices and counts the end token).
//! * **Chat replies** with a separate `reasoning_content` (vLLM's reasoning parsers) are
//!   put back together as `<think>reasoning</think>content`, so the raw output holds the
//!   trace and the stripped output the answer, as with the local engine.

use std::sync::atomic::AtomicBool;

use serde_json::{Value, json};

use super::chat::{ChatTemplateError, PromptFormat};
use super::engine::{FinishReason, GenerationSettings, PromptSamples};
use super::sampling::server_seed;
use super::tokenizer::{TextTokenizer, TokenizerError};
use crate::metrics::text::strip_cot;
use crate::openai::{ApiError, Reply, Server};

/// Which endpoint samples are asked from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerApi {
    /// `/v1/completions` with the prompt rendered here.
    #[default]
    Completions,
    /// `/v1/chat/completions` with the server's own template.
    Chat,
}

/// How the K samples of a prompt are spread over requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SamplesPerRequest {
    /// `all` where the server honours `n`, else `one`: decided once, before the run, by a
    /// one-token request with `n = 2` ([`RemoteGenerator::resolve`]).
    #[default]
    Auto,
    /// One request with `n = K` (seeded with sample 0's seed).
    All,
    /// K requests, each with its own sample's seed.
    One,
}

/// Errors of one prompt's requests.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteError {
    /// The server cannot be used (unreachable, key, model, retries exhausted).
    #[error(transparent)]
    Server(#[from] ApiError),
    /// The server refused this prompt's request.
    #[error("prompt `{input_id}`: the server refused the request (HTTP {status}): {body}")]
    Rejected {
        /// The prompt's id.
        input_id: String,
        /// The HTTP status.
        status: u16,
        /// The server's message.
        body: String,
    },
    /// The reply is not a completion.
    #[error("prompt `{input_id}`: unexpected reply: {problem}")]
    Reply {
        /// The prompt's id.
        input_id: String,
        /// What is wrong.
        problem: String,
    },
    /// The prompt is empty.
    #[error("prompt `{input_id}` is empty")]
    EmptyPrompt {
        /// The prompt's id.
        input_id: String,
    },
    /// Think suppression needs a prefill, which chat completions cannot take.
    #[error("--no-think needs --api completions: a chat request cannot prefill the empty think block")]
    NoThinkWithChat,
    /// The template failed.
    #[error(transparent)]
    Template(#[from] ChatTemplateError),
    /// The tokenizer failed.
    #[error(transparent)]
    Tokenizer(#[from] TokenizerError),
}

/// A server that samples one checkpoint, with that checkpoint's tokenizer and template.
pub struct RemoteGenerator {
    /// The connection.
    pub server: Server,
    /// The model name the server serves the checkpoint under.
    pub served_model: String,
    /// Completions or chat.
    pub api: ServerApi,
    /// How samples are spread over requests.
    pub per_request: SamplesPerRequest,
    /// The checkpoint's tokenizer (token counts, end tokens).
    pub tokenizer: TextTokenizer,
    /// The checkpoint's prompt format.
    pub format: PromptFormat,
    /// End token ids, sent as `stop_token_ids` with completions.
    pub stop_ids: Vec<u32>,
    /// Server-specific request fields (`repetition_penalty`, `min_p`, …), added to every
    /// request and overriding the fields above.
    pub extra_body: serde_json::Map<String, Value>,
}

/// The mode to sample with: `mode` itself, or for [`SamplesPerRequest::Auto`] `all`
/// when a one-token request with `n = 2` comes back with two choices and `one` otherwise
/// (a server that ignores `n` or refuses it).
pub fn resolve_samples_per_request(
    server: &Server,
    api: ServerApi,
    served_model: &str,
    extra_body: &serde_json::Map<String, Value>,
    mode: SamplesPerRequest,
    stop: &AtomicBool,
) -> Result<SamplesPerRequest, RemoteError> {
    if mode != SamplesPerRequest::Auto {
        return Ok(mode);
    }
    let mut body = json!({"model": served_model, "max_tokens": 1, "temperature": 1.0, "n": 2});
    let path = with_input(&mut body, api, "Hello");
    with_extra(&mut body, extra_body);
    let honoured = match server.post(path, &body, "the n = 2 probe", stop)? {
        Reply::Answered { body, .. } => body.get("choices").and_then(Value::as_array).is_some_and(|c| c.len() == 2),
        Reply::Rejected { .. } => false,
    };
    let mode = if honoured { SamplesPerRequest::All } else { SamplesPerRequest::One };
    tracing::info!(
        "the server {} `n`: sampling with --samples-per-request {mode:?}",
        if honoured { "honours" } else { "ignores" }
    );
    Ok(mode)
}

impl ServerApi {
    /// The endpoint under the API root.
    pub fn path(self) -> &'static str {
        match self {
            Self::Completions => "completions",
            Self::Chat => "chat/completions",
        }
    }
}

/// Puts `input` into a request `body` as the endpoint of `api` takes it (a prompt, or one
/// user message); returns that endpoint.
fn with_input(body: &mut Value, api: ServerApi, input: &str) -> &'static str {
    match api {
        ServerApi::Completions => body["prompt"] = json!(input),
        ServerApi::Chat => body["messages"] = json!([{ "role": "user", "content": input }]),
    }
    api.path()
}

/// Adds the server-specific fields to a request `body`, overriding what is there.
fn with_extra(body: &mut Value, extra_body: &serde_json::Map<String, Value>) {
    for (key, value) in extra_body {
        body[key] = value.clone();
    }
}

/// One returned sample.
struct Choice {
    text: String,
    finish: FinishReason,
}

impl RemoteGenerator {
    /// The request body for `samples` samples starting at `first_sample`.
    fn body(&self, input_id: &str, input: &str, settings: &GenerationSettings, first_sample: usize, n: usize) -> Value {
        let mut body = json!({
            "model": self.served_model,
            "max_tokens": settings.max_new_tokens,
            "temperature": settings.sampling.temperature,
            "top_p": settings.sampling.top_p,
            "n": n,
            "seed": server_seed(settings.seed, &settings.task, input_id, first_sample),
        });
        with_input(&mut body, self.api, input);
        if self.api == ServerApi::Completions {
            body["stop_token_ids"] = json!(self.stop_ids);
        }
        if !settings.stop_sequences.is_empty() {
            body["stop"] = json!(settings.stop_sequences);
        }
        if let Some(top_k) = settings.sampling.top_k {
            body["top_k"] = json!(top_k);
        }
        with_extra(&mut body, &self.extra_body);
        body
    }

    /// The choices of a reply, in `index` order.
    fn choices(&self, input_id: &str, reply: Reply) -> Result<Vec<Choice>, RemoteError> {
        let body = match reply {
            Reply::Answered { body, .. } => body,
            Reply::Rejected { status, body, .. } => {
                let body = body.as_str().map_or_else(|| body.to_string(), str::to_owned);
                return Err(RemoteError::Rejected { input_id: input_id.to_owned(), status, body });
            }
        };
        let bad = |problem: &str| RemoteError::Reply { input_id: input_id.to_owned(), problem: problem.to_owned() };
        let mut choices: Vec<&Value> =
            body.get("choices").and_then(Value::as_array).ok_or_else(|| bad("no `choices` list"))?.iter().collect();
        choices.sort_by_key(|c| c.get("index").and_then(Value::as_u64).unwrap_or(0));
        choices
            .into_iter()
            .map(|choice| {
                let text = match self.api {
                    ServerApi::Completions => choice.get("text").and_then(Value::as_str).map(str::to_owned),
                    ServerApi::Chat => choice.get("message").map(chat_text),
                }
                .ok_or_else(|| bad("a choice without text"))?;
                let finish = match choice.get("finish_reason").and_then(Value::as_str) {
                    Some("length") => FinishReason::Length,
                    _ if choice.get("stop_reason").is_some_and(Value::is_string) => FinishReason::StopSequence,
                    _ => FinishReason::Eos,
                };
                Ok(Choice { text, finish })
            })
            .collect()
    }

    /// Samples `settings.k` outputs for one prompt (`stop`: give up retrying).
    pub fn generate(
        &self,
        input_id: &str,
        prompt: &str,
        settings: &GenerationSettings,
        stop: &AtomicBool,
    ) -> Result<PromptSamples, RemoteError> {
        if prompt.trim().is_empty() {
            return Err(RemoteError::EmptyPrompt { input_id: input_id.to_owned() });
        }
        let model_input = match self.api {
            ServerApi::Completions => self.format.format(prompt, settings.no_think)?,
            ServerApi::Chat if settings.no_think => return Err(RemoteError::NoThinkWithChat),
            ServerApi::Chat => prompt.to_owned(),
        };
        let path = self.api.path();
        let mut choices = Vec::with_capacity(settings.k);
        match self.per_request {
            SamplesPerRequest::All | SamplesPerRequest::Auto => {
                let body = self.body(input_id, &model_input, settings, 0, settings.k);
                choices = self.choices(input_id, self.server.post(path, &body, input_id, stop)?)?;
                if choices.len() != settings.k {
                    return Err(RemoteError::Reply {
                        input_id: input_id.to_owned(),
                        problem: format!(
                            "asked for n = {} samples, got {}: the server does not support `n`; use \
                             --samples-per-request one",
                            settings.k,
                            choices.len()
                        ),
                    });
                }
            }
            SamplesPerRequest::One => {
                for sample in 0..settings.k {
                    let body = self.body(input_id, &model_input, settings, sample, 1);
                    let what = format!("{input_id} sample {sample}");
                    let mut reply = self.choices(input_id, self.server.post(path, &body, &what, stop)?)?;
                    if reply.len() != 1 {
                        return Err(RemoteError::Reply {
                            input_id: input_id.to_owned(),
                            problem: format!("asked for one sample, got {}", reply.len()),
                        });
                    }
                    choices.push(reply.remove(0));
                }
            }
        }
        let mut samples = PromptSamples {
            model_input,
            raw_outputs: Vec::with_capacity(settings.k),
            outputs: Vec::with_capacity(settings.k),
            finish_reasons: Vec::with_capacity(settings.k),
            n_tokens: Vec::with_capacity(settings.k),
        };
        for choice in choices {
            samples.n_tokens.push(self.tokenizer.encode(&choice.text)?.len());
            samples.outputs.push(strip_cot(&choice.text));
            samples.raw_outputs.push(choice.text);
            samples.finish_reasons.push(choice.finish);
        }
        Ok(samples)
    }
}

/// The text of a chat reply's message, with a separate `reasoning_content` put back in
/// front as a think block.
fn chat_text(message: &Value) -> String {
    let content = message.get("content").and_then(Value::as_str).unwrap_or_default();
    match message.get("reasoning_content").and_then(Value::as_str).filter(|r| !r.is_empty()) {
        Some(reasoning) => format!("<think>{reasoning}</think>{content}"),
        None => content.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasoning_content_is_put_back_as_a_think_block() {
        assert_eq!(chat_text(&json!({"content": "4"})), "4");
        assert_eq!(chat_text(&json!({"content": "4", "reasoning_content": "2+2"})), "<think>2+2</think>4");
        assert_eq!(chat_text(&json!({"content": null})), "");
    }
}
