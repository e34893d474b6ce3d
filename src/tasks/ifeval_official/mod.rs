//! Google's official IFEval instruction checker (`instruction_following_eval` of
//! google-research, as vendored in lm-evaluation-harness `lm_eval/tasks/ifeval/` and
//! lighteval), ported rule for rule; the paper's simplified checker is
//! [`crate::tasks::ifeval`].
//!
//! * Every one of the 25 instruction ids of the 541 prompts has a checker; an id outside
//!   the official registry is an error (the official runner raises `KeyError`).
//! * Arguments: the runner keeps only the truthy ones (`{k: v for k, v in kwargs.items()
//!   if v}`: `None`, `0`, `""`, `false`, `[]`, `{}` are dropped), then calls
//!   `build_description(**kwargs)`. Where an argument is then missing (or out of range,
//!   e.g. a negative count or a `letter` that is not one ASCII letter) the official
//!   checker draws it at random; that cannot be reproduced, so it is an error here
//!   ([`OfficialError::RandomDefault`]), as are the arguments on which Python raises.
//! * The runner's second `build_description(prompt=...)` call never happens: no
//!   checker's arguments have a key named `prompt` (`repeat_prompt`'s is
//!   `prompt_to_repeat`), so the prompt text plays no part and is not an input here.
//! * Strict: an instruction passes when the response is not empty after `strip()` and
//!   the checker passes. Loose: the same on any of eight variants (the response; without
//!   its first line; without its last line; without both; each of those with every `*`
//!   removed; the three cut variants `strip()`ped).
//! * Relations are `"less than"` (`<`) and `"at least"` (`>=`).
//! * Language detection (`language:response_language`, `change_case:english_capital`,
//!   `change_case:english_lowercase`) goes through a [`LanguageDetector`]: the official
//!   code calls `langdetect.detect`, and a `LangDetectException` makes the check pass.
//! * nltk: `count_words` is `RegexpTokenizer(r"\w+")`, `count_sentences` is Punkt with
//!   the `punkt_tab` English model, `capital_word_frequency` counts the `word_tokenize`
//!   tokens for which `str.isupper()` holds ([`crate::pycompat::nltk`]).
//! * Keyword arguments that the official code uses as regular expressions (`keywords`,
//!   `forbidden_words`, `keyword`, `section_spliter`, `postscript_marker`) are compiled
//!   with the `regex` crate; the data's values are plain words, for which Python's and
//!   Rust's syntax agree. `\b` around a forbidden word uses Python's notion of a word
//!   character.
//!
//! [`check_official`] think-strips a model output with [`strip_cot`] first;
//! [`check_response`] checks a response as given (what the golden tests compare).

use regex::{Regex, RegexBuilder};
use serde_json::{Map, Value};

use crate::metrics::text::strip_cot;
use crate::pycompat::{PY_WS, nltk, py_strip};
use crate::tasks::ifeval::python_json_is_valid;

/// Language identification as `langdetect.detect` does it: `None` where langdetect
/// raises `LangDetectException` (e.g. a text without letters).
pub trait LanguageDetector {
    /// The language code of `text` (`en`, `de`, …), or `None` where langdetect raises.
    fn detect(&self, text: &str) -> Option<String>;
}

/// The langdetect port: its only error, "No features in text.", is the one exception the
/// official checker catches.
impl LanguageDetector for crate::tasks::langdetect::LanguageDetector {
    fn detect(&self, text: &str) -> Option<String> {
        crate::tasks::langdetect::LanguageDetector::detect(self, text).ok()
    }
}

/// The verdicts for one response.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OfficialCheck {
    /// `prompt_level_strict_acc`: every instruction passed in strict mode.
    pub strict: bool,
    /// `prompt_level_loose_acc`: every instruction passed in loose mode.
    pub loose: bool,
    /// `inst_level_strict_acc`: one verdict per instruction, in order.
    pub strict_results: Vec<bool>,
    /// `inst_level_loose_acc`: one verdict per instruction, in order.
    pub loose_results: Vec<bool>,
}

/// Why a document cannot be checked the official way.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum OfficialError {
    /// The two lists of the document differ in length.
    #[error("`instruction_id_list` has {ids} entries but `kwargs` has {kwargs}")]
    LengthMismatch {
        /// Entries of `instruction_id_list`.
        ids: usize,
        /// Entries of `kwargs`.
        kwargs: usize,
    },
    /// An instruction id the official registry does not have.
    #[error("instruction id `{0}` is not in the official registry (Python raises KeyError)")]
    UnknownInstruction(String),
    /// A `kwargs` entry is not a JSON object.
    #[error("{id}: the kwargs entry is not an object: {found}")]
    NotAnObject {
        /// The instruction id.
        id: String,
        /// The entry as found.
        found: String,
    },
    /// An argument the instruction's `build_description` does not take.
    #[error("{id}: unexpected keyword argument `{arg}` (Python raises TypeError)")]
    UnexpectedArgument {
        /// The instruction id.
        id: String,
        /// The argument.
        arg: String,
    },
    /// An argument of the wrong type or value.
    #[error("{id}: argument `{arg}` is {problem} (Python raises)")]
    InvalidArgument {
        /// The instruction id.
        id: String,
        /// The argument.
        arg: String,
        /// What is wrong with it.
        problem: String,
    },
    /// An argument the official code would draw at random (not reproducible).
    #[error("{id}: argument `{arg}` is unset or out of range, so the official checker draws it at random")]
    RandomDefault {
        /// The instruction id.
        id: String,
        /// The argument.
        arg: String,
    },
}

/// `_COMPARISON_RELATION`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relation {
    LessThan,
    AtLeast,
}

impl Relation {
    fn holds(self, count: usize, threshold: f64) -> bool {
        match self {
            Relation::LessThan => (count as f64) < threshold,
            Relation::AtLeast => (count as f64) >= threshold,
        }
    }
}

/// One built instruction (the state after `build_description`).
#[derive(Debug, Clone)]
enum Instruction {
    CapitalWordFrequency { frequency: f64, relation: Relation },
    EnglishCapital,
    EnglishLowercase,
    RepeatPrompt { prompt: String },
    TwoResponses,
    Placeholders { at_least: f64 },
    Postscript { pattern: Regex },
    ConstrainedResponse,
    JsonFormat,
    MultipleSections { splitter: Regex, groups: usize, at_least: f64 },
    BulletLists { exactly: f64 },
    HighlightedSections { at_least: f64 },
    Title,
    KeywordExistence { keywords: Vec<Regex> },
    ForbiddenWords { words: Vec<Regex> },
    KeywordFrequency { keyword: Regex, frequency: f64, relation: Relation },
    LetterFrequency { letter: char, frequency: f64, relation: Relation },
    ResponseLanguage { language: Option<String> },
    NthParagraphFirstWord { num_paragraphs: f64, nth: usize, first_word: String },
    NumberParagraphs { exactly: f64 },
    NumberSentences { threshold: f64, relation: Relation },
    NumberWords { threshold: f64, relation: Relation },
    NoComma,
    EndChecker { phrase: String },
    Quotation,
}

/// Python truthiness of a JSON value.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// The arguments of one instruction after the runner's truthiness filter.
struct Args<'a> {
    id: &'a str,
    map: Map<String, Value>,
}

impl<'a> Args<'a> {
    fn new(id: &'a str, kwargs: &Value, allowed: &[&str]) -> Result<Self, OfficialError> {
        let Value::Object(object) = kwargs else {
            return Err(OfficialError::NotAnObject { id: id.to_owned(), found: kwargs.to_string() });
        };
        let map: Map<String, Value> =
            object.iter().filter(|(_, v)| truthy(v)).map(|(k, v)| (k.clone(), v.clone())).collect();
        if let Some(arg) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(OfficialError::UnexpectedArgument { id: id.to_owned(), arg: arg.clone() });
        }
        Ok(Args { id, map })
    }

    fn random(&self, arg: &str) -> OfficialError {
        OfficialError::RandomDefault { id: self.id.to_owned(), arg: arg.to_owned() }
    }

    fn invalid(&self, arg: &str, problem: impl Into<String>) -> OfficialError {
        OfficialError::InvalidArgument { id: self.id.to_owned(), arg: arg.to_owned(), problem: problem.into() }
    }

    /// A number (`bool` counts as `int`, as in Python); `None` when absent.
    fn number(&self, arg: &str) -> Result<Option<f64>, OfficialError> {
        match self.map.get(arg) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(Value::Bool(b)) => Ok(Some(f64::from(u8::from(*b)))),
            Some(other) => Err(self.invalid(arg, format!("not a number: {other}"))),
        }
    }

    /// A count that the official checker redraws when it is `None` or negative.
    fn count(&self, arg: &str) -> Result<f64, OfficialError> {
        match self.number(arg)? {
            Some(n) if n >= 0.0 => Ok(n),
            _ => Err(self.random(arg)),
        }
    }

    fn string(&self, arg: &str) -> Result<Option<&str>, OfficialError> {
        match self.map.get(arg) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.invalid(arg, format!("not a string: {other}"))),
        }
    }

    fn required_string(&self, arg: &str) -> Result<&str, OfficialError> {
        self.string(arg)?.ok_or_else(|| self.random(arg))
    }

    fn relation(&self, arg: &str) -> Result<Relation, OfficialError> {
        match self.map.get(arg) {
            None => Err(self.random(arg)),
            Some(Value::String(s)) if s == "less than" => Ok(Relation::LessThan),
            Some(Value::String(s)) if s == "at least" => Ok(Relation::AtLeast),
            Some(other) => Err(self.invalid(arg, format!("not \"less than\" or \"at least\": {other}"))),
        }
    }

    fn strings(&self, arg: &str) -> Result<Vec<&str>, OfficialError> {
        match self.map.get(arg) {
            None => Err(self.random(arg)),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().ok_or_else(|| self.invalid(arg, format!("not a list of strings: {v}"))))
                .collect(),
            Some(other) => Err(self.invalid(arg, format!("not a list: {other}"))),
        }
    }

    /// A pattern used by `re` in the official code, compiled (case-insensitively if asked).
    fn regex(&self, arg: &str, pattern: &str, ignore_case: bool) -> Result<Regex, OfficialError> {
        RegexBuilder::new(pattern)
            .case_insensitive(ignore_case)
            .build()
            .map_err(|e| self.invalid(arg, format!("not a valid regular expression ({e})")))
    }
}

/// Python's `\s` in a pattern built from a fragment.
fn py_ws_pattern(fragment: &str) -> String {
    fragment.replace(r"\s", PY_WS)
}

/// `build_description(**kwargs)` of the official checker of `id`.
fn build(id: &str, kwargs: &Value) -> Result<Instruction, OfficialError> {
    use Instruction as I;
    let args = |allowed: &[&str]| Args::new(id, kwargs, allowed);
    Ok(match id {
        "change_case:capital_word_frequency" => {
            let a = args(&["capital_frequency", "capital_relation"])?;
            let frequency = a.number("capital_frequency")?.ok_or_else(|| a.random("capital_frequency"))?;
            I::CapitalWordFrequency { frequency, relation: a.relation("capital_relation")? }
        }
        "change_case:english_capital" => {
            args(&[])?;
            I::EnglishCapital
        }
        "change_case:english_lowercase" => {
            args(&[])?;
            I::EnglishLowercase
        }
        "combination:repeat_prompt" => {
            let a = args(&["prompt_to_repeat"])?;
            let prompt = a.string("prompt_to_repeat")?.ok_or_else(|| a.invalid("prompt_to_repeat", "unset"))?;
            I::RepeatPrompt { prompt: prompt.to_owned() }
        }
        "combination:two_responses" => {
            args(&[])?;
            I::TwoResponses
        }
        "detectable_content:number_placeholders" => {
            let a = args(&["num_placeholders"])?;
            I::Placeholders { at_least: a.count("num_placeholders")? }
        }
        "detectable_content:postscript" => {
            let a = args(&["postscript_marker"])?;
            let marker = py_strip(a.required_string("postscript_marker")?);
            let pattern = match marker {
                "P.P.S" => r"\s*p\.\s?p\.\s?s.*$".to_owned(),
                "P.S." => r"\s*p\.\s?s\..*$".to_owned(),
                other => format!(r"\s*{}.*$", other.to_lowercase()),
            };
            I::Postscript { pattern: a.regex("postscript_marker", &format!("(?m){}", py_ws_pattern(&pattern)), false)? }
        }
        "detectable_format:constrained_response" => {
            args(&[])?;
            I::ConstrainedResponse
        }
        "detectable_format:json_format" => {
            args(&[])?;
            I::JsonFormat
        }
        "detectable_format:multiple_sections" => {
            let a = args(&["section_spliter", "num_sections"])?;
            let splitter = py_strip(a.required_string("section_spliter")?);
            let pattern = py_ws_pattern(&format!(r"\s?{splitter}\s?\d+\s?"));
            let splitter = a.regex("section_spliter", &pattern, false)?;
            let groups = splitter.captures_len() - 1;
            I::MultipleSections { splitter, groups, at_least: a.count("num_sections")? }
        }
        "detectable_format:number_bullet_lists" => {
            let a = args(&["num_bullets"])?;
            I::BulletLists { exactly: a.count("num_bullets")? }
        }
        "detectable_format:number_highlighted_sections" => {
            let a = args(&["num_highlights"])?;
            I::HighlightedSections { at_least: a.count("num_highlights")? }
        }
        "detectable_format:title" => {
            args(&[])?;
            I::Title
        }
        "keywords:existence" => {
            let a = args(&["keywords"])?;
            let keywords =
                a.strings("keywords")?.into_iter().map(|k| a.regex("keywords", k, true)).collect::<Result<_, _>>()?;
            I::KeywordExistence { keywords }
        }
        "keywords:forbidden_words" => {
            let a = args(&["forbidden_words"])?;
            let words = a
                .strings("forbidden_words")?
                .into_iter()
                .map(|w| a.regex("forbidden_words", w, true))
                .collect::<Result<_, _>>()?;
            I::ForbiddenWords { words }
        }
        "keywords:frequency" => {
            let a = args(&["keyword", "frequency", "relation"])?;
            let keyword = py_strip(a.required_string("keyword")?);
            I::KeywordFrequency {
                keyword: a.regex("keyword", keyword, true)?,
                frequency: a.count("frequency")?,
                relation: a.relation("relation")?,
            }
        }
        "keywords:letter_frequency" => {
            let a = args(&["letter", "let_frequency", "let_relation"])?;
            let letter = a.required_string("letter")?;
            let mut chars = letter.chars();
            let (Some(c), None) = (chars.next(), chars.next()) else { return Err(a.random("letter")) };
            let lower: Vec<char> = c.to_lowercase().collect();
            let letter = match lower.as_slice() {
                [l] if l.is_ascii_lowercase() => *l,
                [_] => return Err(a.random("letter")),
                _ => return Err(a.invalid("letter", "lowercased to more than one character (ord() raises)")),
            };
            I::LetterFrequency { letter, frequency: a.count("let_frequency")?, relation: a.relation("let_relation")? }
        }
        "language:response_language" => {
            let a = args(&["language"])?;
            match a.map.get("language") {
                None => return Err(a.random("language")),
                Some(v) => I::ResponseLanguage { language: v.as_str().map(str::to_owned) },
            }
        }
        "length_constraints:nth_paragraph_first_word" => {
            let a = args(&["num_paragraphs", "nth_paragraph", "first_word"])?;
            let num_paragraphs = a.count("num_paragraphs")?;
            let nth = match a.number("nth_paragraph")? {
                Some(n) if n > 0.0 && n <= num_paragraphs => n,
                _ => return Err(a.random("nth_paragraph")),
            };
            if nth.fract() != 0.0 {
                return Err(a.invalid("nth_paragraph", "not an integer (a list index)"));
            }
            let first_word = a.required_string("first_word")?.to_lowercase();
            I::NthParagraphFirstWord { num_paragraphs, nth: nth as usize, first_word }
        }
        "length_constraints:number_paragraphs" => {
            let a = args(&["num_paragraphs"])?;
            I::NumberParagraphs { exactly: a.count("num_paragraphs")? }
        }
        "length_constraints:number_sentences" => {
            let a = args(&["num_sentences", "relation"])?;
            I::NumberSentences { threshold: a.count("num_sentences")?, relation: a.relation("relation")? }
        }
        "length_constraints:number_words" => {
            let a = args(&["num_words", "relation"])?;
            I::NumberWords { threshold: a.count("num_words")?, relation: a.relation("relation")? }
        }
        "punctuation:no_comma" => {
            args(&[])?;
            I::NoComma
        }
        "startend:end_checker" => {
            let a = args(&["end_phrase"])?;
            I::EndChecker { phrase: py_strip(a.required_string("end_phrase")?).to_lowercase() }
        }
        "startend:quotation" => {
            args(&[])?;
            I::Quotation
        }
        other => return Err(OfficialError::UnknownInstruction(other.to_owned())),
    })
}

/// A regular expression compiled once.
macro_rules! static_regex {
    ($pattern:expr) => {{
        static RE: std::sync::LazyLock<Regex> =
            std::sync::LazyLock::new(|| Regex::new(&$pattern).expect("valid regex"));
        &*RE
    }};
}

/// `re.search(r"\b" + word + r"\b", text, re.IGNORECASE)` with Python's `\b`, for a
/// word pattern compiled without the boundaries.
fn search_with_word_boundaries(word: &Regex, text: &str) -> bool {
    let is_word_before = |at: usize| text[..at].chars().next_back().is_some_and(nltk::is_py_word_char);
    let is_word_after = |at: usize| text[at..].chars().next().is_some_and(nltk::is_py_word_char);
    let boundary = |at: usize| is_word_before(at) != is_word_after(at);
    let mut at = 0;
    while at <= text.len() {
        let Some(m) = word.find_at(text, at) else { return false };
        if boundary(m.start()) && boundary(m.end()) {
            return true;
        }
        at = m.start() + text[m.start()..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// `json_format`: strip, drop a leading ```` ```json ````/```` ```Json ````/```` ```JSON ````
/// and then ```` ``` ````, a trailing ```` ``` ````, strip, `json.loads`.
fn json_format(value: &str) -> bool {
    let mut v = py_strip(value);
    for prefix in ["```json", "```Json", "```JSON", "```"] {
        v = v.strip_prefix(prefix).unwrap_or(v);
    }
    v = v.strip_suffix("```").unwrap_or(v);
    python_json_is_valid(py_strip(v))
}

/// `ParagraphFirstWordCheck.check_following`.
fn nth_paragraph_first_word(value: &str, num_paragraphs: f64, nth: usize, first_word: &str) -> bool {
    let paragraphs: Vec<&str> = value.split("\n\n").collect();
    let count = paragraphs.iter().filter(|p| !py_strip(p).is_empty()).count();
    if nth > count {
        return false;
    }
    let paragraph = py_strip(paragraphs[nth - 1]);
    let Some(word) = crate::pycompat::py_split_whitespace(paragraph).next() else { return false };
    let word = word.trim_start_matches('\'').trim_start_matches('"');
    let mut found = String::new();
    for c in word.chars() {
        if matches!(c, '.' | ',' | '?' | '!' | '\'' | '"') {
            break;
        }
        found.extend(c.to_lowercase());
    }
    count as f64 == num_paragraphs && found == first_word
}

/// `check_following` of one built instruction on one text.
fn check_following(instruction: &Instruction, value: &str, detector: &dyn LanguageDetector) -> bool {
    use Instruction as I;
    match instruction {
        I::CapitalWordFrequency { frequency, relation } => {
            let capitals = nltk::word_tokenize(value).iter().filter(|w| nltk::py_isupper(w)).count();
            relation.holds(capitals, *frequency)
        }
        I::EnglishCapital => nltk::py_isupper(value) && detector.detect(value).is_none_or(|l| l == "en"),
        I::EnglishLowercase => nltk::py_islower(value) && detector.detect(value).is_none_or(|l| l == "en"),
        I::RepeatPrompt { prompt } => py_strip(value).to_lowercase().starts_with(&py_strip(prompt).to_lowercase()),
        I::TwoResponses => {
            let parts: Vec<&str> = value.split("******").collect();
            let mut valid = Vec::new();
            for (i, part) in parts.iter().enumerate() {
                if py_strip(part).is_empty() {
                    if i != 0 && i != parts.len() - 1 {
                        return false;
                    }
                } else {
                    valid.push(py_strip(part));
                }
            }
            valid.len() == 2 && valid[0] != valid[1]
        }
        I::Placeholders { at_least } => static_regex!(r"\[.*?\]").find_iter(value).count() as f64 >= *at_least,
        I::Postscript { pattern } => pattern.is_match(&value.to_lowercase()),
        I::ConstrainedResponse => {
            let v = py_strip(value);
            ["My answer is yes.", "My answer is no.", "My answer is maybe."].iter().any(|o| v.contains(o))
        }
        I::JsonFormat => json_format(value),
        I::MultipleSections { splitter, groups, at_least } => {
            let matches = splitter.find_iter(value).count();
            (matches * (1 + groups)) as f64 >= *at_least
        }
        I::BulletLists { exactly } => {
            let star = static_regex!(format!(r"(?m)^{PY_WS}*\*[^\*].*$")).find_iter(value).count();
            let dash = static_regex!(format!(r"(?m)^{PY_WS}*-.*$")).find_iter(value).count();
            (star + dash) as f64 == *exactly
        }
        I::HighlightedSections { at_least } => {
            let single = static_regex!(r"\*[^\n\*]*\*");
            let double = static_regex!(r"\*\*[^\n\*]*\*\*");
            let mut n = single.find_iter(value).filter(|m| !py_strip(m.as_str().trim_matches('*')).is_empty()).count();
            n += double
                .find_iter(value)
                .filter(|m| {
                    let inner = &m.as_str()[2..m.as_str().len() - 2];
                    !py_strip(inner).is_empty()
                })
                .count();
            n as f64 >= *at_least
        }
        I::Title => static_regex!(r"<<[^\n]+>>")
            .find_iter(value)
            .any(|m| !py_strip(m.as_str().trim_start_matches('<').trim_end_matches('>')).is_empty()),
        I::KeywordExistence { keywords } => keywords.iter().all(|k| k.is_match(value)),
        I::ForbiddenWords { words } => !words.iter().any(|w| search_with_word_boundaries(w, value)),
        I::KeywordFrequency { keyword, frequency, relation } => {
            relation.holds(keyword.find_iter(value).count(), *frequency)
        }
        I::LetterFrequency { letter, frequency, relation } => {
            relation.holds(value.to_lowercase().chars().filter(|c| c == letter).count(), *frequency)
        }
        I::ResponseLanguage { language } => match detector.detect(value) {
            None => true,
            Some(detected) => language.as_deref() == Some(detected.as_str()),
        },
        I::NthParagraphFirstWord { num_paragraphs, nth, first_word } => {
            nth_paragraph_first_word(value, *num_paragraphs, *nth, first_word)
        }
        I::NumberParagraphs { exactly } => {
            let separator = static_regex!(py_ws_pattern(r"\s?\*\*\*\s?"));
            let paragraphs: Vec<&str> = separator.split(value).collect();
            let mut count = paragraphs.len();
            for (i, p) in paragraphs.iter().enumerate() {
                if py_strip(p).is_empty() {
                    if i == 0 || i == paragraphs.len() - 1 {
                        count -= 1;
                    } else {
                        return false;
                    }
                }
            }
            count as f64 == *exactly
        }
        I::NumberSentences { threshold, relation } => relation.holds(nltk::sentence_count(value), *threshold),
        I::NumberWords { threshold, relation } => relation.holds(nltk::count_words(value), *threshold),
        I::NoComma => !value.contains(','),
        I::EndChecker { phrase } => py_strip(value).trim_matches('"').to_lowercase().ends_with(phrase.as_str()),
        I::Quotation => {
            let v = py_strip(value);
            v.chars().count() > 1 && v.starts_with('"') && v.ends_with('"')
        }
    }
}

/// The eight responses of `test_instruction_following_loose`, in its order.
fn loose_variants(response: &str) -> [String; 8] {
    let lines: Vec<&str> = response.split('\n').collect();
    let n = lines.len();
    let join = |range: std::ops::Range<usize>| {
        if range.start >= range.end { String::new() } else { py_strip(&lines[range].join("\n")).to_owned() }
    };
    let remove_first = join(1..n);
    let remove_last = join(0..n - 1);
    let remove_both = join(1..n.saturating_sub(1));
    let unstar = |s: &str| s.replace('*', "");
    let starless = [unstar(&remove_first), unstar(&remove_last), unstar(&remove_both)];
    let [starless_first, starless_last, starless_both] = starless;
    [
        response.to_owned(),
        unstar(response),
        remove_first,
        remove_last,
        remove_both,
        starless_first,
        starless_last,
        starless_both,
    ]
}

/// Google's `test_instruction_following_strict` and `test_instruction_following_loose` on
/// a response as given (no think stripping).
pub fn check_response(
    response: &str,
    ids: &[String],
    kwargs: &[Value],
    detector: &dyn LanguageDetector,
) -> Result<OfficialCheck, OfficialError> {
    if ids.len() != kwargs.len() {
        return Err(OfficialError::LengthMismatch { ids: ids.len(), kwargs: kwargs.len() });
    }
    let instructions = ids.iter().zip(kwargs).map(|(id, kw)| build(id, kw)).collect::<Result<Vec<_>, _>>()?;
    let variants = loose_variants(response);
    let passes = |ins: &Instruction, text: &str| !py_strip(text).is_empty() && check_following(ins, text, detector);
    let strict_results: Vec<bool> = instructions.iter().map(|ins| passes(ins, response)).collect();
    let loose_results: Vec<bool> = instructions.iter().map(|ins| variants.iter().any(|v| passes(ins, v))).collect();
    Ok(OfficialCheck {
        strict: strict_results.iter().all(|&b| b),
        loose: loose_results.iter().all(|&b| b),
        strict_results,
        loose_results,
    })
}

/// [`check_response`] on a model output think-stripped with [`strip_cot`] (as the paper
/// mode's `check_output` does).
pub fn check_official(
    output: &str,
    ids: &[String],
    kwargs: &[Value],
    detector: &dyn LanguageDetector,
) -> Result<OfficialCheck, OfficialError> {
    check_response(&strip_cot(output), ids, kwargs, detector)
}

/// Whether `id` has an official checker (the 25 ids of the data, nothing else).
pub fn is_official_instruction(id: &str) -> bool {
    !matches!(build(id, &Value::Object(Map::new())), Err(OfficialError::UnknownInstruction(_)))
}

#[cfg(test)]
mod tests;
