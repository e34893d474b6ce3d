//! Math answers in the corrected mode: the defects of the paper's rules (methodology §2.3)
//! fixed, by name.
//!
//! | paper mode | corrected mode |
//! |---|---|
//! | the **first** `\boxed{…}`, cut at its first `}` (`\boxed{\frac{1}{2}}` → `\frac{1`) | the **last** `\boxed{…}` or `\fbox{…}`, braces balanced |
//! | "the answer is" followed by digits only | also the few-shot prompt's own form, `The final answer is $…$` |
//! | strings compared after `float()` | LaTeX normalised (`\dfrac`/`\tfrac`, `\left`/`\right`, spacing commands, `\text{…}` units, degrees, `\%`, `\$`, a leading `x =`, thousands separators, `\frac12`, `\sqrt2`, `a/b`), then compared as text, as tuples or intervals element by element, and as numbers where both sides evaluate (`\frac`, `\sqrt`, `\pi`, `+ − × ÷ ^`, implicit products such as `2\sqrt{3}`) within a relative 1e-6 |
//! | MATH gold: the answer extracted from the solution (its first box, cut) | the solution's last box, whole (the data's `answer` field only where the solution has no box: that field is a lossy normal form, `4,6,14,15` → `461415`, `\infty` → `\iny`) |
//!
//! What is still not recognised: algebraic equivalence of expressions with variables
//! (`x+1` against `1+x`), equations written differently, and answers in words.

use std::sync::LazyLock;

use regex::Regex;

use super::math::{HASHES, LAST_NUMBER, majority_vote_by};
use crate::metrics::text::strip_think_tags;
use crate::pycompat::{PY_WS as WS, py_strip};

/// The few-shot prompt's closing line: `Final Answer: The final answer is $X$.`
static FINAL_ANSWER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)final\s+answer\s+is\s*\$\$?((?:\\\$|[^$])+?)\$").expect("valid"));
static ANSWER_IS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"(?i)answer{WS}*(?:is|:){WS}*\$?(-?[\d,]*\.?\d+(?:/\d+)?)")).expect("valid"));
static THOUSANDS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$").expect("valid"));
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[A-Za-z](_\{?\w+\}?)?=").expect("valid"));

/// The content of the last `\boxed{…}` of `text` (the last `\fbox{…}` when there is no
/// box), braces balanced, as the MATH benchmark's own `last_boxed_only_string` and
/// `remove_boxed` find it; `\boxed 5` without braces gives the token after it. `None`
/// when there is none or its braces never close.
pub fn last_boxed(text: &str) -> Option<String> {
    let start = ["\\boxed", "\\fbox"].iter().find_map(|command| text.rfind(command).map(|i| (i, command.len())))?;
    let rest = &text[start.0 + start.1..];
    let trimmed = rest.trim_start();
    if let Some(inner) = trimmed.strip_prefix('{') {
        let mut depth = 1usize;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(inner[..i].to_owned());
                    }
                }
                _ => {}
            }
        }
        return None;
    }
    // `\boxed 5`: a space, then the token up to the next space or `$`.
    if trimmed.len() == rest.len() {
        return None;
    }
    let token: String = trimmed.chars().take_while(|c| !c.is_whitespace() && *c != '$').collect();
    (!token.is_empty()).then_some(token)
}

/// The answer of one output: think tags removed, then the first of `#### X`, the last
/// box, `The final answer is $X$` (the last), "answer is N" (the last) and the last
/// number. Returned as written; compare with [`answers_equivalent`].
pub fn extract_answer(text: &str) -> Option<String> {
    let text = strip_think_tags(text);
    if let Some(c) = HASHES.captures(&text) {
        return Some(py_strip(&c[1]).to_owned());
    }
    if let Some(boxed) = last_boxed(&text) {
        return Some(boxed);
    }
    if let Some(c) = FINAL_ANSWER.captures_iter(&text).last() {
        return Some(py_strip(&c[1]).to_owned());
    }
    if let Some(c) = ANSWER_IS.captures_iter(&text).last() {
        return Some(c[1].to_owned());
    }
    let last = LAST_NUMBER.captures_iter(&text).filter_map(Result::ok).last()?;
    // A number that ends a sentence keeps no full stop.
    Some(last[1].trim_end_matches('.').to_owned())
}

/// The gold answer of a MATH document: the last box of its `solution`, else its
/// `answer` field (a lossy normal form of the box in the fetched data, so second choice).
pub fn math_gold(doc: &serde_json::Value) -> Option<String> {
    if let Some(boxed) = doc.get("solution").and_then(|s| s.as_str()).and_then(last_boxed) {
        return Some(boxed);
    }
    doc.get("answer").and_then(|a| a.as_str()).filter(|a| !py_strip(a).is_empty()).map(str::to_owned)
}

/// Removes every `\command{…}` group (balanced braces), keeping its content when
/// `keep` says so for that content.
fn replace_groups(text: &str, command: &str, keep: impl Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(command) {
        let after = &rest[at + command.len()..];
        let Some(inner) = after.strip_prefix('{') else {
            out.push_str(&rest[..at + command.len()]);
            rest = after;
            continue;
        };
        let mut depth = 1usize;
        let close = inner.char_indices().find_map(|(i, c)| {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            (depth == 0).then_some(i)
        });
        let Some(close) = close else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..at]);
        let content = &inner[..close];
        if keep(content) {
            out.push_str(content);
        }
        rest = &inner[close + 1..];
    }
    out.push_str(rest);
    out
}

/// A canonical text form of an answer: delimiters, spacing and sizing commands, units,
/// degrees, percent and dollar signs removed; fraction and root shorthands braced.
pub fn normalize_answer(answer: &str) -> String {
    let mut s = py_strip(answer).to_owned();
    for (from, to) in [("\\(", ""), ("\\)", ""), ("\\[", ""), ("\\]", ""), ("\\displaystyle", "")] {
        s = s.replace(from, to);
    }
    s = s.trim_matches('$').to_owned();
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac");
    for command in ["\\left", "\\right", "\\!", "\\,", "\\;", "\\:", "\\ ", "\\qquad", "\\quad"] {
        s = s.replace(command, "");
    }
    for unit in ["^{\\circ}", "^\\circ", "°", "\\%", "%", "\\$", "$"] {
        s = s.replace(unit, "");
    }
    // Text groups: units (no digit, after something else) go; other text is kept bare.
    for command in ["\\text", "\\textbf", "\\textrm", "\\mbox", "\\mathrm", "\\mathbf"] {
        let before = s.clone();
        s = replace_groups(&before, command, |content| {
            let has_digit = content.chars().any(|c| c.is_ascii_digit());
            let stands_alone = before.trim().starts_with(command);
            has_digit || stands_alone
        });
    }
    s.retain(|c| !c.is_whitespace() && c != '~');
    if let Some(stripped) = s.strip_suffix('.') {
        s = stripped.to_owned();
    }
    if s.matches('=').count() == 1
        && let Some(m) = ASSIGNMENT.find(&s)
    {
        s = s[m.end()..].to_owned();
    }
    if THOUSANDS.is_match(&s) {
        s.retain(|c| c != ',');
    }
    s = brace_shorthand(&s, "\\frac", 2);
    s = brace_shorthand(&s, "\\sqrt", 1);
    if let Some((a, b)) = s.split_once('/')
        && !b.contains('/')
        && is_integer(a)
        && is_integer(b)
    {
        s = format!("\\frac{{{a}}}{{{b}}}");
    }
    if s.starts_with('.') {
        s.insert(0, '0');
    }
    s.replace("{.", "{0.")
}

fn is_integer(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

/// `\frac12` → `\frac{1}{2}`, `\sqrt2` → `\sqrt{2}`: single-character arguments braced.
fn brace_shorthand(text: &str, command: &str, arguments: usize) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(at) = rest.find(command) {
        out.push_str(&rest[..at + command.len()]);
        rest = &rest[at + command.len()..];
        for _ in 0..arguments {
            match rest.chars().next() {
                Some('{') => {
                    // A braced argument: copy it whole.
                    let mut depth = 0usize;
                    let end = rest
                        .char_indices()
                        .find_map(|(i, c)| {
                            match c {
                                '{' => depth += 1,
                                '}' => depth -= 1,
                                _ => {}
                            }
                            (depth == 0).then_some(i + 1)
                        })
                        .unwrap_or(rest.len());
                    out.push_str(&rest[..end]);
                    rest = &rest[end..];
                }
                Some(c) if c.is_ascii_alphanumeric() => {
                    out.push('{');
                    out.push(c);
                    out.push('}');
                    rest = &rest[1..];
                }
                _ => break,
            }
        }
    }
    out.push_str(rest);
    out
}

/// Splits `(a,b)`, `[a,b)` and bare `a,b` at top-level commas: the brackets and the
/// elements. A single element gives `None`.
fn tuple_parts(text: &str) -> Option<(char, char, Vec<&str>)> {
    let (open, close, inner) = match (text.chars().next(), text.chars().last()) {
        (Some(o @ ('(' | '[')), Some(c @ (')' | ']'))) if text.len() >= 2 => (o, c, &text[1..text.len() - 1]),
        _ => (' ', ' ', text),
    };
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    for (i, c) in inner.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    (parts.len() > 1).then_some((open, close, parts))
}

/// Whether two answers are the same after [`normalize_answer`]: equal text, equal
/// tuples or intervals element by element, or equal values within a relative 1e-6.
pub fn answers_equivalent(predicted: Option<&str>, gold: Option<&str>) -> bool {
    let (Some(predicted), Some(gold)) = (predicted, gold) else { return false };
    let (p, g) = (normalize_answer(predicted), normalize_answer(gold));
    !p.is_empty() && normalized_equivalent(&p, &g)
}

fn normalized_equivalent(p: &str, g: &str) -> bool {
    if p == g {
        return true;
    }
    match (tuple_parts(p), tuple_parts(g)) {
        (Some((po, pc, ps)), Some((go, gc, gs))) => {
            po == go && pc == gc && ps.len() == gs.len() && ps.iter().zip(&gs).all(|(a, b)| normalized_equivalent(a, b))
        }
        (None, None) => match (evaluate(p), evaluate(g)) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-6 * b.abs().max(1.0),
            _ => false,
        },
        _ => false,
    }
}

/// The value of a normalised answer built from numbers, `\frac`, `\sqrt`, `\pi`,
/// `+ − × ÷ ^` and parentheses; `None` for anything else (variables, text).
pub fn evaluate(text: &str) -> Option<f64> {
    let mut parser = Expression { text: text.as_bytes(), at: 0 };
    let value = parser.sum()?;
    (parser.at == parser.text.len() && value.is_finite()).then_some(value)
}

/// A recursive-descent evaluator over the normalised text (no spaces).
struct Expression<'a> {
    text: &'a [u8],
    at: usize,
}

impl Expression<'_> {
    fn eat(&mut self, token: &str) -> bool {
        if self.text[self.at..].starts_with(token.as_bytes()) {
            self.at += token.len();
            true
        } else {
            false
        }
    }

    fn sum(&mut self) -> Option<f64> {
        let mut value = self.product()?;
        loop {
            if self.eat("+") {
                value += self.product()?;
            } else if self.eat("-") {
                value -= self.product()?;
            } else {
                return Some(value);
            }
        }
    }

    fn product(&mut self) -> Option<f64> {
        let mut value = self.power()?;
        loop {
            if self.eat("*") || self.eat("\\cdot") || self.eat("\\times") {
                value *= self.power()?;
            } else if self.eat("/") || self.eat("\\div") {
                value /= self.power()?;
            } else if self.at < self.text.len() && matches!(self.text[self.at], b'\\' | b'(' | b'{' | b'0'..=b'9') {
                // An implicit product: `2\sqrt{3}`, `3\pi`, `2(1+x)`.
                value *= self.power()?;
            } else {
                return Some(value);
            }
        }
    }

    fn power(&mut self) -> Option<f64> {
        let base = self.unary()?;
        if self.eat("^") {
            let exponent = self.power()?;
            return Some(base.powf(exponent));
        }
        Some(base)
    }

    fn unary(&mut self) -> Option<f64> {
        if self.eat("-") {
            return Some(-self.unary()?);
        }
        if self.eat("+") {
            return self.unary();
        }
        self.primary()
    }

    fn braced(&mut self) -> Option<f64> {
        if !self.eat("{") {
            return None;
        }
        let value = self.sum()?;
        self.eat("}").then_some(value)
    }

    fn primary(&mut self) -> Option<f64> {
        if self.eat("(") {
            let value = self.sum()?;
            return self.eat(")").then_some(value);
        }
        if self.text[self.at..].starts_with(b"{") {
            return self.braced();
        }
        if self.eat("\\frac") {
            let numerator = self.braced()?;
            let denominator = self.braced()?;
            return Some(numerator / denominator);
        }
        if self.eat("\\sqrt") {
            if self.eat("[") {
                let degree = self.sum()?;
                if !self.eat("]") {
                    return None;
                }
                return Some(self.braced()?.powf(1.0 / degree));
            }
            return Some(self.braced()?.sqrt());
        }
        if self.eat("\\pi") || self.eat("pi") {
            return Some(std::f64::consts::PI);
        }
        let start = self.at;
        while self.at < self.text.len() && (self.text[self.at].is_ascii_digit() || self.text[self.at] == b'.') {
            self.at += 1;
        }
        std::str::from_utf8(&self.text[start..self.at]).ok()?.parse().ok()
    }
}

/// Majority vote over extracted answers with the paper's rules (no credit on a tie of
/// the two most common; the unparseable sentinel never wins), counting answers that are
/// the same after [`normalize_answer`] as one.
pub fn majority_vote_correct(answers: &[Option<String>], gold: Option<&str>) -> bool {
    majority_vote_by(answers, gold, normalize_answer, answers_equivalent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_are_balanced_and_the_last_one_counts() {
        assert_eq!(last_boxed(r"\boxed{\frac{1}{2}}").as_deref(), Some(r"\frac{1}{2}"));
        assert_eq!(last_boxed(r"first \boxed{1}, then \boxed{\sqrt{2}}.").as_deref(), Some(r"\sqrt{2}"));
        assert_eq!(last_boxed(r"\fbox{7}").as_deref(), Some("7"));
        assert_eq!(last_boxed(r"$\boxed 5$").as_deref(), Some("5"));
        assert_eq!(last_boxed(r"\boxed{\frac{1}{2}"), None);
        assert_eq!(last_boxed("no box"), None);
    }

    #[test]
    fn extraction_prefers_marked_answers() {
        assert_eq!(extract_answer("work\n#### 1,234\n").as_deref(), Some("1,234"));
        assert_eq!(
            extract_answer("Final Answer: The final answer is $[2,5)$. I hope it is correct.").as_deref(),
            Some("[2,5)")
        );
        assert_eq!(extract_answer("So the answer is 3/4.").as_deref(), Some("3/4"));
        assert_eq!(extract_answer("<think>42</think> we get 7 then 8.").as_deref(), Some("8"));
        assert_eq!(extract_answer("nothing"), None);
    }

    #[test]
    fn equivalent_forms_match_and_different_values_do_not() {
        let same = [
            (r"\dfrac{1}{2}", r"\frac{1}{2}"),
            (r"\frac12", r"\frac{1}{2}"),
            ("0.5", r"\frac{1}{2}"),
            ("1/2", r"\frac{1}{2}"),
            (r"\left( 3, -1 \right)", "(3,-1)"),
            (r"10\text{ cm}", "10"),
            (r"90^\circ", "90"),
            (r"25\%", "25"),
            (r"\$1,000", "1000"),
            ("x = 5", "5"),
            (r"2\sqrt{3}", r"\sqrt{12}"),
            (r"\sqrt2", r"\sqrt{2}"),
            (r"\frac{\sqrt{3}}{2}", "0.8660254037844386"),
            ("[2,5)", "[2, 5)"),
            (r"\pi", "3.14159265358979"),
            (r"\text{(C)}", "(C)"),
            ("5.", "5"),
            (".75", r"\frac34"),
        ];
        for (a, b) in same {
            assert!(answers_equivalent(Some(a), Some(b)), "{a} vs {b}");
        }
        let different =
            [("1/3", "0.333"), ("[2,5)", "(2,5)"), ("(1,2)", "(1,2,3)"), ("x+1", "x+2"), ("2", "-2"), ("", "0")];
        for (a, b) in different {
            assert!(!answers_equivalent(Some(a), Some(b)), "{a} vs {b}");
        }
        assert!(!answers_equivalent(None, Some("1")));
    }

    #[test]
    fn votes_pool_equivalent_forms() {
        let votes = |v: &[Option<&str>]| v.iter().map(|a| a.map(str::to_owned)).collect::<Vec<_>>();
        assert!(majority_vote_correct(&votes(&[Some(r"\frac12"), Some(r"\dfrac{1}{2}"), Some("3")]), Some("1/2")));
        assert!(!majority_vote_correct(&votes(&[Some("1"), Some("2")]), Some("1")));
        assert!(!majority_vote_correct(&votes(&[None, None, Some("1")]), Some("1")));
    }
}
