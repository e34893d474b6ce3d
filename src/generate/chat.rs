//! Chat templates: the checkpoint's own Jinja template rendered the way transformers'
//! `apply_chat_template` renders it, with built-in copies of the Olmo 3 Instruct and
//! Think templates as the fallback, and the "think without thinking" prefill.
//!
//! transformers compiles templates in a sandboxed Jinja environment with `trim_blocks`
//! and `lstrip_blocks`, loop controls, a `tojson` that is `json.dumps(x,
//! ensure_ascii=False)` (`", "` and `": "` separators, insertion order, no HTML
//! escaping) and a `raise_exception` global; it passes `messages`,
//! `add_generation_prompt`, the special tokens and `tools = None`. The same environment
//! is built here with minijinja, with Python's string and dict methods
//! (`message.get(...)`, `.items()`) from minijinja-contrib's pycompat.

use std::path::{Path, PathBuf};

use minijinja::{Environment, Error as JinjaError, ErrorKind, Value, context};
use serde::Serialize;

use crate::provenance::sha256_bytes;

/// The Olmo 3 Instruct template (allenai/Olmo-3-7B-Instruct, `chat_template.jinja`).
pub const OLMO3_INSTRUCT: &str = include_str!("../../data/chat_templates/olmo3_instruct.jinja");
/// The Olmo 3 Think template (allenai/Olmo-3-7B-Think, `chat_template.jinja`).
pub const OLMO3_THINK: &str = include_str!("../../data/chat_templates/olmo3_think.jinja");

/// One chat message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatMessage {
    /// `system`, `user`, `assistant`, `environment`, …
    pub role: String,
    /// The text.
    pub content: String,
}

impl ChatMessage {
    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Self { role: "user".to_owned(), content: content.into() }
    }

    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Self { role: "system".to_owned(), content: content.into() }
    }
}

/// Where a template came from.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplateOrigin {
    /// A file of the checkpoint folder.
    File(PathBuf),
    /// A built-in copy.
    BuiltIn(&'static str),
}

/// Errors loading or rendering a template.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChatTemplateError {
    /// A template file cannot be read or `tokenizer_config.json` is invalid.
    #[error("{path}: {message}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// The template does not compile or fails to render.
    #[error("chat template ({origin}): {message}")]
    Render {
        /// The template's origin.
        origin: String,
        /// minijinja's message, with the template line.
        message: String,
    },
}

/// A chat template and its provenance.
#[derive(Debug, Clone)]
pub struct ChatTemplate {
    source: String,
    origin: TemplateOrigin,
    sha256: String,
}

impl ChatTemplate {
    /// A template from its text.
    pub fn new(source: impl Into<String>, origin: TemplateOrigin) -> Self {
        let source = source.into();
        let sha256 = sha256_bytes(source.as_bytes());
        Self { source, origin, sha256 }
    }

    /// The built-in Olmo 3 Instruct template.
    pub fn olmo3_instruct() -> Self {
        Self::new(OLMO3_INSTRUCT, TemplateOrigin::BuiltIn("olmo3_instruct"))
    }

    /// The built-in Olmo 3 Think template.
    pub fn olmo3_think() -> Self {
        Self::new(OLMO3_THINK, TemplateOrigin::BuiltIn("olmo3_think"))
    }

    /// The checkpoint's own template: `chat_template.jinja`, else the `chat_template`
    /// field of `tokenizer_config.json` (a string, or a list of named templates of which
    /// `default` is taken). `None` when the folder has none.
    pub fn from_checkpoint(folder: &Path) -> Result<Option<Self>, ChatTemplateError> {
        let read_error = |path: &Path, message: String| ChatTemplateError::Read { path: path.to_owned(), message };
        let jinja = folder.join("chat_template.jinja");
        if jinja.is_file() {
            let text = std::fs::read_to_string(&jinja).map_err(|e| read_error(&jinja, e.to_string()))?;
            return Ok(Some(Self::new(text, TemplateOrigin::File(jinja))));
        }
        let config = folder.join("tokenizer_config.json");
        if !config.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&config).map_err(|e| read_error(&config, e.to_string()))?;
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| read_error(&config, e.to_string()))?;
        let template = match value.get("chat_template") {
            None | Some(serde_json::Value::Null) => return Ok(None),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Array(list)) => list
                .iter()
                .find(|t| t.get("name").and_then(|n| n.as_str()) == Some("default"))
                .and_then(|t| t.get("template")?.as_str().map(str::to_owned))
                .ok_or_else(|| read_error(&config, "field `chat_template`: no template named \"default\"".into()))?,
            Some(other) => return Err(read_error(&config, format!("field `chat_template`: unexpected value {other}"))),
        };
        Ok(Some(Self::new(template, TemplateOrigin::File(config))))
    }

    /// The template text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// sha256 of the template text (recorded in run metadata).
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// Where it came from.
    pub fn origin(&self) -> &TemplateOrigin {
        &self.origin
    }

    fn origin_text(&self) -> String {
        match &self.origin {
            TemplateOrigin::File(path) => path.display().to_string(),
            TemplateOrigin::BuiltIn(name) => format!("built-in {name}"),
        }
    }

    /// Renders `messages` like `apply_chat_template(messages, tokenize=False,
    /// add_generation_prompt=...)` with the given special tokens.
    pub fn render(
        &self,
        messages: &[ChatMessage],
        add_generation_prompt: bool,
        eos_token: &str,
        pad_token: &str,
    ) -> Result<String, ChatTemplateError> {
        self.render_value(Value::from_serialize(messages), Value::from(()), add_generation_prompt, eos_token, pad_token)
    }

    /// [`ChatTemplate::render`] for messages and tools given as JSON values (tool calls,
    /// function fields); `tools` is `None` when absent, as transformers passes it.
    pub fn render_json(
        &self,
        messages: &serde_json::Value,
        tools: Option<&serde_json::Value>,
        add_generation_prompt: bool,
        eos_token: &str,
        pad_token: &str,
    ) -> Result<String, ChatTemplateError> {
        let tools = tools.map_or(Value::from(()), Value::from_serialize);
        self.render_value(Value::from_serialize(messages), tools, add_generation_prompt, eos_token, pad_token)
    }

    fn render_value(
        &self,
        messages: Value,
        tools: Value,
        add_generation_prompt: bool,
        eos_token: &str,
        pad_token: &str,
    ) -> Result<String, ChatTemplateError> {
        let failed =
            |error: JinjaError| ChatTemplateError::Render { origin: self.origin_text(), message: format!("{error:#}") };
        let mut env = Environment::new();
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_keep_trailing_newline(false);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        env.add_filter("tojson", python_tojson);
        env.add_function("raise_exception", |message: String| -> Result<Value, JinjaError> {
            Err(JinjaError::new(ErrorKind::InvalidOperation, message))
        });
        env.add_template("chat", &self.source).map_err(failed)?;
        let template = env.get_template("chat").map_err(failed)?;
        template
            .render(context! {
                messages => messages,
                tools => tools,
                documents => Value::from(()),
                add_generation_prompt => add_generation_prompt,
                eos_token => eos_token,
                pad_token => pad_token,
            })
            .map_err(failed)
    }
}

/// `json.dumps(value, ensure_ascii=False)`: `", "` and `": "` separators, insertion
/// order, no HTML escaping.
fn python_tojson(value: Value) -> Result<Value, JinjaError> {
    let failed = |e: serde_json::Error| JinjaError::new(ErrorKind::InvalidOperation, format!("tojson: {e}"));
    let json = serde_json::to_value(&value).map_err(failed)?;
    Ok(Value::from_safe_string(crate::pycompat::json::dumps(&json, false).map_err(failed)?))
}

/// The study's "think without thinking" condition (methodology §1.4): the rendered
/// prompt is right-stripped and, if it then ends with `<think>`, an empty think block is
/// closed (`\n</think>\n`) so the model answers directly.
pub fn suppress_thinking(prompt: &str) -> String {
    let stripped = crate::pycompat::py_rstrip(prompt);
    if stripped.ends_with("<think>") { format!("{stripped}\n</think>\n") } else { stripped.to_owned() }
}

/// How one checkpoint's prompts become model input: its chat template (with the
/// tokenizer's end token) and the think suppression, or the raw prompt when it has no
/// template. Shared by the local engine and the server backends, so prompts are
/// identical across them.
#[derive(Debug, Clone)]
pub struct PromptFormat {
    /// The chat template (`None`: raw prompts, as for base models).
    pub template: Option<ChatTemplate>,
    /// The `eos_token` the template sees (`<|endoftext|>` when the tokenizer has it).
    eos_token: &'static str,
}

impl PromptFormat {
    /// The format of a checkpoint with `template` whose tokenizer has `<|endoftext|>`
    /// (or not).
    pub fn new(template: Option<ChatTemplate>, has_endoftext: bool) -> Self {
        Self { template, eos_token: if has_endoftext { "<|endoftext|>" } else { "" } }
    }

    /// The text given to the model for a raw task prompt: the template's rendering of one
    /// user message with the generation prompt, think-suppressed when `no_think`.
    pub fn format(&self, prompt: &str, no_think: bool) -> Result<String, ChatTemplateError> {
        let Some(template) = &self.template else { return Ok(prompt.to_owned()) };
        let rendered = template.render(&[ChatMessage::user(prompt)], true, self.eos_token, "<|pad|>")?;
        Ok(if no_think { suppress_thinking(&rendered) } else { rendered })
    }
}
