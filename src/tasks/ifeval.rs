//! IFEval instruction checks in the paper's mode (methodology §2.6): the reference's
//! simplified re-implementation, not Google's official checker, quirks included.
//!
//! * 23 instruction ids are registered (plus the alias `detectable_format:number_placeholders`);
//!   an unregistered id (`change_case:capital_word_frequency`,
//!   `length_constraints:nth_paragraph_first_word`, anything unknown) **passes**.
//! * Relations are `"at least"`, `"at most"` and (keyword frequency only) `"exactly"`;
//!   official IFEval says `"less than"`, which therefore **passes** whatever the count.
//! * A checker that would raise in Python (a `None` where a number or string is needed,
//!   a keyword list that is not a list of strings) **fails** the instruction.
//! * Keyword arguments are read the way the reference read them: through Hugging Face
//!   `datasets`, where `kwargs` is a struct, so a field absent from an instruction's
//!   arguments reads as `None`, not as the checker's default ([`KwargsForm::HuggingFace`]).
//!   `length_constraints:number_paragraphs` has no `relation` in the data, so it passes.
//!
//! Outputs are think-stripped with `_strip_cot` before checking ([`check_output`]).

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use crate::metrics::text::strip_cot;
use crate::pycompat::{PY_WS, py_split_whitespace, py_strip};

/// The 25 instruction ids of the official IFEval data (541 prompts).
pub const OFFICIAL_INSTRUCTION_IDS: [&str; 25] = [
    "change_case:capital_word_frequency",
    "change_case:english_capital",
    "change_case:english_lowercase",
    "combination:repeat_prompt",
    "combination:two_responses",
    "detectable_content:number_placeholders",
    "detectable_content:postscript",
    "detectable_format:constrained_response",
    "detectable_format:json_format",
    "detectable_format:multiple_sections",
    "detectable_format:number_bullet_lists",
    "detectable_format:number_highlighted_sections",
    "detectable_format:title",
    "keywords:existence",
    "keywords:forbidden_words",
    "keywords:frequency",
    "keywords:letter_frequency",
    "language:response_language",
    "length_constraints:nth_paragraph_first_word",
    "length_constraints:number_paragraphs",
    "length_constraints:number_sentences",
    "length_constraints:number_words",
    "punctuation:no_comma",
    "startend:end_checker",
    "startend:quotation",
];

/// The fields of the `kwargs` struct of `google/IFEval` on the Hugging Face hub: every
/// instruction's arguments carry all of them, `None` where unused.
pub const HF_KWARGS_FIELDS: [&str; 24] = [
    "num_highlights",
    "num_sentences",
    "relation",
    "num_words",
    "num_placeholders",
    "prompt_to_repeat",
    "num_paragraphs",
    "first_word",
    "nth_paragraph",
    "language",
    "keywords",
    "forbidden_words",
    "num_bullets",
    "end_phrase",
    "frequency",
    "keyword",
    "let_frequency",
    "letter",
    "let_relation",
    "capital_frequency",
    "capital_relation",
    "section_spliter",
    "num_sections",
    "postscript_marker",
];

/// How an instruction's keyword arguments were stored, which decides what an absent
/// field reads as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KwargsForm {
    /// Loaded through Hugging Face `datasets` (the paper): absent struct fields are `None`.
    HuggingFace,
    /// Plain dictionaries (the original JSONL): absent fields take the checker's default.
    AsGiven,
}

/// An IFEval document that cannot be checked.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IfEvalError {
    /// The two lists of the document differ in length.
    #[error("`instruction_id_list` has {ids} entries but `kwargs` has {kwargs}")]
    LengthMismatch {
        /// Entries of `instruction_id_list`.
        ids: usize,
        /// Entries of `kwargs`.
        kwargs: usize,
    },
    /// A list field of the document is missing.
    #[error("field `{0}` is missing or not a list")]
    MissingField(&'static str),
}

/// The result of checking one response against a prompt's instructions.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct InstructionCheck {
    /// Every instruction passed (the paper's strict score and the QFD correctness label).
    pub strict: bool,
    /// The fraction of instructions passed (what the paper reports as loose@1).
    pub loose: f64,
    /// One verdict per instruction, in the document's order.
    pub results: Vec<bool>,
}

/// Python raised: the reference catches every exception of a checker as a failure.
struct Raised;

type Checked = Result<bool, Raised>;

/// One instruction's keyword arguments, looked up with Python's `kwargs.get(key, default)`.
struct Kwargs<'a> {
    map: &'a Map<String, Value>,
    form: KwargsForm,
}

/// A looked-up argument: `None` is Python's `None`.
type Arg<'a> = Option<&'a Value>;

impl<'a> Kwargs<'a> {
    fn get(&self, key: &str, default: &'a Value) -> Arg<'a> {
        match self.map.get(key) {
            Some(Value::Null) => None,
            Some(value) => Some(value),
            None if self.form == KwargsForm::HuggingFace && HF_KWARGS_FIELDS.contains(&key) => None,
            None => Some(default),
        }
    }
}

static EMPTY_LIST: LazyLock<Value> = LazyLock::new(|| Value::Array(Vec::new()));
static AT_LEAST: LazyLock<Value> = LazyLock::new(|| Value::from("at least"));
static EMPTY_STR: LazyLock<Value> = LazyLock::new(|| Value::from(""));
static SECTION: LazyLock<Value> = LazyLock::new(|| Value::from("Section"));
static PS: LazyLock<Value> = LazyLock::new(|| Value::from("P.S."));
static INT_ZERO: LazyLock<Value> = LazyLock::new(|| Value::from(0));

/// A number operand of a comparison (`bool` is an `int` in Python); anything else raises.
fn number(arg: Arg) -> Result<f64, Raised> {
    match arg {
        Some(Value::Number(n)) => n.as_f64().ok_or(Raised),
        Some(Value::Bool(b)) => Ok(f64::from(u8::from(*b))),
        _ => Err(Raised),
    }
}

/// A string operand of `.lower()`, `in`, `endswith` or `re.escape`; anything else raises.
fn string(arg: Arg<'_>) -> Result<&str, Raised> {
    match arg {
        Some(Value::String(s)) => Ok(s),
        _ => Err(Raised),
    }
}

/// Python truthiness of an argument.
fn truthy(arg: Arg) -> bool {
    match arg {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|x| x != 0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
    }
}

fn relation_is(arg: Arg, name: &str) -> bool {
    matches!(arg, Some(Value::String(s)) if s == name)
}

/// `count RELATION threshold` as the reference writes it: an unknown relation passes;
/// `"exactly"` only where the checker knows it.
fn compare(count: usize, relation: Arg, threshold: Arg, knows_exactly: bool) -> Checked {
    let count = count as f64;
    if relation_is(relation, "at least") {
        Ok(count >= number(threshold)?)
    } else if relation_is(relation, "at most") {
        Ok(count <= number(threshold)?)
    } else if knows_exactly && relation_is(relation, "exactly") {
        Ok(count == number(threshold)?)
    } else {
        Ok(true)
    }
}

/// The elements of an iterable of strings (`for kw in keywords`): a list of strings, or a
/// string's characters; `None`, numbers and non-string elements raise.
fn strings_of(arg: Arg) -> Result<Vec<String>, Raised> {
    match arg {
        Some(Value::Array(items)) => items.iter().map(|v| string(Some(v)).map(str::to_owned)).collect(),
        Some(Value::String(s)) => Ok(s.chars().map(String::from).collect()),
        Some(Value::Object(map)) => Ok(map.keys().cloned().collect()),
        _ => Err(Raised),
    }
}

fn count_matches(pattern: &Regex, text: &str) -> usize {
    pattern.find_iter(text).count()
}

static SENTENCE_END: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[.!?]+").expect("valid"));
static BULLET: LazyLock<Regex> = LazyLock::new(|| Regex::new(&format!(r"(?m)^{PY_WS}*[-*•]{PY_WS}")).expect("valid"));
static HIGHLIGHT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\*[^*\n]+\*").expect("valid"));
static JSON_FENCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"(?s)```(?:json)?{PY_WS}*\n?(.*?)\n?```")).expect("valid"));
static TITLE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<<[^>]+>>").expect("valid"));
static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\[[A-Z][A-Z_ ]*\]").expect("valid"));
/// Python's `str.isalpha()` for one character: general category L.
static LETTER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\p{L}").expect("valid"));

fn number_words(response: &str, kw: &Kwargs) -> Checked {
    let count = py_split_whitespace(response).count();
    compare(count, kw.get("relation", &AT_LEAST), kw.get("num_words", &INT_ZERO), false)
}

fn number_sentences(response: &str, kw: &Kwargs) -> Checked {
    let count = SENTENCE_END.split(response).filter(|s| !py_strip(s).is_empty()).count();
    compare(count, kw.get("relation", &AT_LEAST), kw.get("num_sentences", &INT_ZERO), false)
}

fn number_paragraphs(response: &str, kw: &Kwargs) -> Checked {
    let count = response.split("\n\n").filter(|p| !py_strip(p).is_empty()).count();
    compare(count, kw.get("relation", &AT_LEAST), kw.get("num_paragraphs", &INT_ZERO), false)
}

fn keyword_existence(response: &str, kw: &Kwargs) -> Checked {
    let response = response.to_lowercase();
    Ok(strings_of(kw.get("keywords", &EMPTY_LIST))?.iter().all(|k| response.contains(&k.to_lowercase())))
}

fn keyword_frequency(response: &str, kw: &Kwargs) -> Checked {
    let keyword = string(kw.get("keyword", &EMPTY_STR))?.to_lowercase();
    let frequency = kw.get("frequency", &INT_ZERO);
    let relation = kw.get("relation", &AT_LEAST);
    let count = response.to_lowercase().matches(keyword.as_str()).count();
    compare(count, relation, frequency, true)
}

fn forbidden_words(response: &str, kw: &Kwargs) -> Checked {
    let response = response.to_lowercase();
    Ok(!strings_of(kw.get("forbidden_words", &EMPTY_LIST))?.iter().any(|w| response.contains(&w.to_lowercase())))
}

fn letter_frequency(response: &str, kw: &Kwargs) -> Checked {
    let letter = string(kw.get("letter", &EMPTY_STR))?.to_lowercase();
    let frequency = kw.get("let_frequency", &INT_ZERO);
    let relation = kw.get("let_relation", &AT_LEAST);
    let count = response.to_lowercase().matches(letter.as_str()).count();
    compare(count, relation, frequency, false)
}

fn at_least(count: usize, threshold: Arg) -> Checked {
    Ok(count as f64 >= number(threshold)?)
}

fn bullet_lists(response: &str, kw: &Kwargs) -> Checked {
    at_least(count_matches(&BULLET, response), kw.get("num_bullets", &INT_ZERO))
}

fn highlighted_sections(response: &str, kw: &Kwargs) -> Checked {
    at_least(count_matches(&HIGHLIGHT, response), kw.get("num_highlights", &INT_ZERO))
}

fn multiple_sections(response: &str, kw: &Kwargs) -> Checked {
    let splitter = string(kw.get("section_spliter", &SECTION))?;
    let threshold = kw.get("num_sections", &INT_ZERO);
    let pattern = Regex::new(&format!(r"(?i)(?:\A|\n){}{PY_WS}*\d*", regex::escape(splitter))).map_err(|_| Raised)?;
    at_least(count_matches(&pattern, response), threshold)
}

fn json_format(response: &str) -> bool {
    let text = py_strip(response);
    if python_json_is_valid(text) {
        return true;
    }
    JSON_FENCE.captures(text).is_some_and(|c| python_json_is_valid(py_strip(&c[1])))
}

fn placeholders(response: &str, kw: &Kwargs) -> Checked {
    at_least(count_matches(&PLACEHOLDER, response), kw.get("num_placeholders", &INT_ZERO))
}

/// All letters satisfy `case` (vacuously true without letters).
fn letters_all(response: &str, case: fn(char) -> bool) -> bool {
    LETTER.find_iter(response).flat_map(|m| m.as_str().chars()).all(case)
}

fn repeat_prompt(response: &str, kw: &Kwargs) -> Checked {
    let prompt = kw.get("prompt_to_repeat", &EMPTY_STR);
    if !truthy(prompt) {
        return Ok(true);
    }
    Ok(response.to_lowercase().contains(&py_strip(string(prompt)?).to_lowercase()))
}

fn end_checker(response: &str, kw: &Kwargs) -> Checked {
    let phrase = kw.get("end_phrase", &EMPTY_STR);
    if !truthy(phrase) {
        return Ok(true);
    }
    Ok(py_strip(response).ends_with(string(phrase)?))
}

fn quotation(response: &str) -> bool {
    let stripped = py_strip(response);
    stripped.starts_with('"') && stripped.ends_with('"')
}

fn response_language(response: &str, kw: &Kwargs) -> Checked {
    let language = string(kw.get("language", &EMPTY_STR))?.to_lowercase();
    if !language.is_empty() && language != "english" {
        // Any language but English passes (the reference's "loose check").
        return Ok(true);
    }
    let ascii = response.chars().filter(char::is_ascii).count();
    let length = response.chars().count().max(1);
    Ok(ascii as f64 / length as f64 > 0.5)
}

fn postscript(response: &str, kw: &Kwargs) -> Checked {
    Ok(response.contains(string(kw.get("postscript_marker", &PS))?))
}

/// Whether the reference registers a checker for `id`; unregistered ids pass.
pub fn is_registered(id: &str) -> bool {
    matches!(
        id,
        "length_constraints:number_words"
            | "length_constraints:number_sentences"
            | "length_constraints:number_paragraphs"
            | "keywords:existence"
            | "keywords:frequency"
            | "keywords:forbidden_words"
            | "keywords:letter_frequency"
            | "detectable_format:number_bullet_lists"
            | "detectable_format:constrained_response"
            | "detectable_format:number_highlighted_sections"
            | "detectable_format:multiple_sections"
            | "detectable_format:json_format"
            | "detectable_format:title"
            | "detectable_format:number_placeholders"
            | "detectable_content:number_placeholders"
            | "change_case:english_capital"
            | "change_case:english_lowercase"
            | "combination:two_responses"
            | "combination:repeat_prompt"
            | "punctuation:no_comma"
            | "startend:end_checker"
            | "startend:quotation"
            | "language:response_language"
            | "detectable_content:postscript"
    )
}

/// `verify_single_constraint`: one instruction on an already think-stripped response.
///
/// `kwargs` is the instruction's argument mapping; anything that is not a mapping makes
/// a registered checker fail (Python's `checker(response, **kwargs)` raises).
pub fn verify_instruction(response: &str, id: &str, kwargs: &Value, form: KwargsForm) -> bool {
    if !is_registered(id) {
        return true;
    }
    let Value::Object(map) = kwargs else {
        return false;
    };
    let kw = Kwargs { map, form };
    let checked: Checked = match id {
        "length_constraints:number_words" => number_words(response, &kw),
        "length_constraints:number_sentences" => number_sentences(response, &kw),
        "length_constraints:number_paragraphs" => number_paragraphs(response, &kw),
        "keywords:existence" => keyword_existence(response, &kw),
        "keywords:frequency" => keyword_frequency(response, &kw),
        "keywords:forbidden_words" => forbidden_words(response, &kw),
        "keywords:letter_frequency" => letter_frequency(response, &kw),
        "detectable_format:number_bullet_lists" => bullet_lists(response, &kw),
        "detectable_format:number_highlighted_sections" => highlighted_sections(response, &kw),
        "detectable_format:multiple_sections" => multiple_sections(response, &kw),
        "detectable_format:json_format" => Ok(json_format(response)),
        "detectable_format:title" => Ok(TITLE.is_match(response)),
        "detectable_format:number_placeholders" | "detectable_content:number_placeholders" => {
            placeholders(response, &kw)
        }
        "change_case:english_capital" => Ok(letters_all(response, char::is_uppercase)),
        "change_case:english_lowercase" => Ok(letters_all(response, char::is_lowercase)),
        "combination:two_responses" => {
            Ok(["******", "---", "===", "Response 1", "Response 2"].iter().any(|s| response.contains(s)))
        }
        "combination:repeat_prompt" => repeat_prompt(response, &kw),
        "punctuation:no_comma" => Ok(!response.contains(',')),
        "startend:end_checker" => end_checker(response, &kw),
        "startend:quotation" => Ok(quotation(response)),
        "language:response_language" => response_language(response, &kw),
        "detectable_content:postscript" => postscript(response, &kw),
        // constrained_response: "no specific implementation needed".
        _ => Ok(true),
    };
    checked.unwrap_or(false)
}

/// The reference's reading of one `kwargs` entry: a mapping as is, a JSON string parsed
/// (unparseable → `{}`), anything else `{}`.
fn parsed_kwargs(kwargs: &Value) -> Value {
    match kwargs {
        Value::Object(_) => kwargs.clone(),
        Value::String(text) => serde_json::from_str(text).unwrap_or_else(|_| Value::Object(Map::new())),
        _ => Value::Object(Map::new()),
    }
}

/// `verify_constraints`: every instruction of a prompt on an already think-stripped
/// response. An empty instruction list passes (strict, loose 1.0).
pub fn verify_instructions(
    response: &str,
    ids: &[String],
    kwargs: &[Value],
    form: KwargsForm,
) -> Result<InstructionCheck, IfEvalError> {
    if ids.len() != kwargs.len() {
        return Err(IfEvalError::LengthMismatch { ids: ids.len(), kwargs: kwargs.len() });
    }
    if ids.is_empty() {
        return Ok(InstructionCheck { strict: true, loose: 1.0, results: Vec::new() });
    }
    let results: Vec<bool> =
        ids.iter().zip(kwargs).map(|(id, kw)| verify_instruction(response, id, &parsed_kwargs(kw), form)).collect();
    let passed = results.iter().filter(|&&r| r).count();
    Ok(InstructionCheck { strict: passed == results.len(), loose: passed as f64 / results.len() as f64, results })
}

/// A prompt's instructions from its IFEval document (`instruction_id_list`, `kwargs`).
pub fn document_instructions(doc: &Value) -> Result<(Vec<String>, Vec<Value>), IfEvalError> {
    let ids = doc
        .get("instruction_id_list")
        .and_then(Value::as_array)
        .ok_or(IfEvalError::MissingField("instruction_id_list"))?
        .iter()
        .map(|v| v.as_str().map(str::to_owned).ok_or(IfEvalError::MissingField("instruction_id_list")))
        .collect::<Result<Vec<_>, _>>()?;
    let kwargs = doc.get("kwargs").and_then(Value::as_array).ok_or(IfEvalError::MissingField("kwargs"))?.clone();
    Ok((ids, kwargs))
}

/// One raw model output against a document's instructions: `_strip_cot`, then
/// [`verify_instructions`] with the arguments read as Hugging Face `datasets` gives them.
pub fn check_output(output: &str, ids: &[String], kwargs: &[Value]) -> Result<InstructionCheck, IfEvalError> {
    verify_instructions(&strip_cot(output), ids, kwargs, KwargsForm::HuggingFace)
}

/// Maximum nesting that CPython's JSON decoder accepts before `RecursionError`.
const JSON_MAX_DEPTH: usize = 990;

/// Whether Python's `json.loads(text)` succeeds: the JSON grammar plus `NaN`, `Infinity`
/// and `-Infinity`, strings without raw control characters, whitespace `' \t\n\r'` only,
/// and no trailing data.
pub fn python_json_is_valid(text: &str) -> bool {
    let mut parser = JsonValidator { bytes: text.as_bytes(), at: 0 };
    parser.skip_ws();
    parser.value(0) && {
        parser.skip_ws();
        parser.at == parser.bytes.len()
    }
}

struct JsonValidator<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl JsonValidator<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, literal: &str) -> bool {
        if self.bytes[self.at..].starts_with(literal.as_bytes()) {
            self.at += literal.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> bool {
        if depth > JSON_MAX_DEPTH {
            return false;
        }
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string(),
            Some(b'-') if self.bytes[self.at..].starts_with(b"-Infinity") => self.eat("-Infinity"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.eat("true"),
            Some(b'f') => self.eat("false"),
            Some(b'n') => self.eat("null"),
            Some(b'N') => self.eat("NaN"),
            Some(b'I') => self.eat("Infinity"),
            _ => false,
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`; an incomplete fraction or
    /// exponent ends the number before it (and leaves trailing data, an error).
    fn number(&mut self) -> bool {
        self.eat("-");
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return false,
        }
        let before_fraction = self.at;
        if self.eat(".") && self.digits() == 0 {
            self.at = before_fraction;
            return true;
        }
        let before_exponent = self.at;
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                self.at = before_exponent;
            }
        }
        true
    }

    fn string(&mut self) -> bool {
        self.at += 1; // opening quote
        loop {
            match self.peek() {
                None => return false,
                Some(b'"') => {
                    self.at += 1;
                    return true;
                }
                Some(b'\\') => {
                    self.at += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.at += 1,
                        Some(b'u') => {
                            let hex = self.bytes.get(self.at + 1..self.at + 5);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                return false;
                            }
                            self.at += 5;
                        }
                        _ => return false,
                    }
                }
                Some(byte) if byte < 0x20 => return false,
                Some(_) => self.at += 1,
            }
        }
    }

    fn array(&mut self, depth: usize) -> bool {
        self.at += 1;
        self.skip_ws();
        if self.eat("]") {
            return true;
        }
        loop {
            self.skip_ws();
            if !self.value(depth + 1) {
                return false;
            }
            self.skip_ws();
            if self.eat("]") {
                return true;
            }
            if !self.eat(",") {
                return false;
            }
        }
    }

    fn object(&mut self, depth: usize) -> bool {
        self.at += 1;
        self.skip_ws();
        if self.eat("}") {
            return true;
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') || !self.string() {
                return false;
            }
            self.skip_ws();
            if !self.eat(":") {
                return false;
            }
            self.skip_ws();
            if !self.value(depth + 1) {
                return false;
            }
            self.skip_ws();
            if self.eat("}") {
                return true;
            }
            if !self.eat(",") {
                return false;
            }
        }
    }
}

/// Per-prompt IFEval quality (§2.2) from the K checks of one prompt: strict@1 and
/// loose@1 of output 0, strict pass@K, and consistency (the share of strict passes).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct IfEvalQuality {
    /// Output 0 follows every instruction (strict).
    pub strict_at_1: bool,
    /// Output 0's loose score (paper mode: the share of instructions followed).
    pub loose_at_1: f64,
    /// Some output follows every instruction.
    pub strict_pass_at_k: bool,
    /// The share of the K outputs that follow every instruction.
    pub consistency: f64,
}

impl IfEvalQuality {
    /// `None` when there are no outputs (the reference skips such prompts).
    pub fn of(checks: &[InstructionCheck]) -> Option<Self> {
        let first = checks.first()?;
        let passes = checks.iter().filter(|c| c.strict).count();
        Some(Self {
            strict_at_1: first.strict,
            loose_at_1: first.loose,
            strict_pass_at_k: passes > 0,
            consistency: passes as f64 / checks.len() as f64,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(response: &str, id: &str, kwargs: Value) -> bool {
        verify_instruction(response, id, &kwargs, KwargsForm::AsGiven)
    }

    #[test]
    fn less_than_passes_and_none_fails_as_in_the_reference() {
        let many = "word ".repeat(50);
        assert!(check(&many, "length_constraints:number_words", json!({"relation": "less than", "num_words": 10})));
        assert!(!check(&many, "length_constraints:number_words", json!({"relation": "at most", "num_words": 10})));
        assert!(!check(&many, "length_constraints:number_words", json!({"relation": "at least", "num_words": null})));
        // Through `datasets`, the missing relation of number_paragraphs reads as None: a pass.
        let one = json!({"num_paragraphs": 5});
        assert!(verify_instruction(
            "one paragraph",
            "length_constraints:number_paragraphs",
            &one,
            KwargsForm::HuggingFace
        ));
        assert!(!verify_instruction(
            "one paragraph",
            "length_constraints:number_paragraphs",
            &one,
            KwargsForm::AsGiven
        ));
    }

    #[test]
    fn unregistered_ids_pass_and_mismatched_lists_are_errors() {
        assert!(check("", "change_case:capital_word_frequency", json!({"capital_frequency": 99})));
        assert!(check("", "no:such_id", json!({})));
        let error = verify_instructions("x", &["punctuation:no_comma".into()], &[], KwargsForm::AsGiven);
        assert_eq!(error, Err(IfEvalError::LengthMismatch { ids: 1, kwargs: 0 }));
        let empty = verify_instructions("x", &[], &[], KwargsForm::AsGiven).unwrap();
        assert!(empty.strict && empty.loose == 1.0);
    }

    #[test]
    fn case_checks_look_at_letters_only() {
        // Python: 'Ⓐ' and 'Ⅻ' are not isalpha(), so they do not count against lower case.
        assert!(check("abc ⓐ Ⓐ Ⅻ 123 é ß", "change_case:english_lowercase", json!({})));
        assert!(!check("abc É", "change_case:english_lowercase", json!({})));
        assert!(check("ABC É 12", "change_case:english_capital", json!({})));
        assert!(check("1 2 3", "change_case:english_capital", json!({})));
    }

    #[test]
    fn python_json_grammar() {
        for ok in ["{}", " [1, 2.5e3, -0, NaN, -Infinity] ", "\"\\u00e9\"", "null", "{\"a\": {\"b\": [true]}}"] {
            assert!(python_json_is_valid(ok), "{ok}");
        }
        for bad in ["", "[1,]", "{'a': 1}", "01", "1.", "\"a\tb\"", "[1] x", "\"\\x41\"", "{\"a\" 1}", "-"] {
            assert!(!python_json_is_valid(bad), "{bad}");
        }
        assert!(check("Here:\n```json\n{\"a\": 1}\n```", "detectable_format:json_format", json!({})));
    }
}
