//! CRUXEval output prediction, by the rule of the reference's quality-filtered
//! diversity script (methodology §2.7, version 1): extract a prediction from the
//! generation, normalise prediction and gold, and count them equal when the normalised
//! strings are equal or their Python literals are equal (`ast.literal_eval`, ported in
//! [`crate::pycompat::literal`]).

use std::sync::LazyLock;

use regex::Regex;

use crate::metrics::text::strip_think_tags;
use crate::pycompat::{PY_WS, literal_eval, py_split_whitespace, py_splitlines, py_strip};

/// (a) a `**Answer:**` heading and the paragraph under it.
static ANSWER_BLOCK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?s)\*\*Answer[:\s\x1c-\x1f]*\*\*{PY_WS}*\n{PY_WS}*(.+?)(?:\n\n|\z)")).expect("valid")
});
/// (b) `Answer: value` or `Output: value` on a line (optionally on the next line).
static ANSWER_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?im)(?:Answer|Output){PY_WS}*:{PY_WS}*\n?{PY_WS}*`?(.+?)`?{PY_WS}*$")).expect("valid")
});
/// (c) fenced code blocks.
static FENCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"(?s)```(?:python)?{PY_WS}*\n?(.*?)```")).expect("valid"));
/// (d) inline code spans.
static TICKS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"`([^`]+)`").expect("valid"));
/// What a Python value looks like at the start of a span.
static VALUE_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^[\[\({'"-]|^\d|^True|^False|^None"#).expect("valid"));

/// Python's `s.strip(chars)` for a set of characters.
fn strip_chars<'a>(text: &'a str, chars: &[char]) -> &'a str {
    text.trim_matches(|c| chars.contains(&c))
}

/// `_extract_cruxeval_pred`: the predicted output of one generation, or `None`.
///
/// After `strip_think_tags`, the first of: (a) the paragraph under `**Answer:**`
/// (backticks stripped); (b) the rest of an `Answer:`/`Output:` line; (c) the last
/// fenced block; (d) the last inline code span that starts like a Python value; (e) the
/// first non-empty line.
pub fn extract_prediction(generation: &str) -> Option<String> {
    let text = strip_think_tags(generation);
    if py_strip(&text).is_empty() {
        return None;
    }
    if let Some(captures) = ANSWER_BLOCK.captures(&text) {
        return Some(py_strip(strip_chars(py_strip(&captures[1]), &['`'])).to_owned());
    }
    if let Some(captures) = ANSWER_LINE.captures(&text) {
        return Some(py_strip(&captures[1]).to_owned());
    }
    if let Some(last) = FENCE.captures_iter(&text).last() {
        return Some(py_strip(&last[1]).to_owned());
    }
    let spans: Vec<&str> = TICKS.captures_iter(&text).map(|c| c.get(1).map_or("", |m| m.as_str())).collect();
    if let Some(span) = spans.iter().rev().map(|s| py_strip(s)).find(|s| VALUE_START.is_match(s)) {
        return Some(span.to_owned());
    }
    py_splitlines(py_strip(&text)).into_iter().map(py_strip).find(|line| !line.is_empty()).map(str::to_owned)
}

/// `_normalize_crux`: strip; drop trailing `.:;,`; remove one pair of surrounding
/// `"""`, `'''`, `"` or `'`; strip backticks; collapse whitespace runs to one space.
pub fn normalize(text: &str) -> String {
    let mut text = py_strip(text).trim_end_matches(['.', ':', ';', ',']);
    for quote in ["\"\"\"", "'''", "\"", "'"] {
        if text.starts_with(quote) && text.ends_with(quote) {
            // Python slicing: a text shorter than two quotes becomes empty.
            text = text.get(quote.len()..text.len().saturating_sub(quote.len()).max(quote.len())).unwrap_or("");
            break;
        }
    }
    py_split_whitespace(strip_chars(text, &['`'])).collect::<Vec<_>>().join(" ")
}

/// `_crux_match`: normalised strings equal, or their Python literals equal.
pub fn predictions_match(prediction: &str, gold: &str) -> bool {
    let (prediction, gold) = (normalize(prediction), normalize(gold));
    if prediction.is_empty() {
        return false;
    }
    if prediction == gold {
        return true;
    }
    match (literal_eval(&prediction), literal_eval(&gold)) {
        (Ok(p), Ok(g)) => p.py_eq(&g),
        _ => false,
    }
}

/// `check_cruxeval_correctness` for one generation against a stripped, non-empty gold.
pub fn cruxeval_correct(generation: &str, gold: &str) -> bool {
    extract_prediction(generation).is_some_and(|p| !p.is_empty() && predictions_match(&p, gold))
}

/// The gold output of a CRUXEval document: `choices[0]` (a lighteval doc) or `output`
/// (the Hugging Face export), stripped; `None` when empty.
pub fn gold_output(doc: &serde_json::Value) -> Option<String> {
    let gold =
        doc.get("choices").and_then(|c| c.as_array()).and_then(|c| c.first()).or_else(|| doc.get("output")).map(
            |v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            },
        )?;
    let gold = py_strip(&gold).to_owned();
    (!gold.is_empty()).then_some(gold)
}

/// Majority vote over the K predictions (the reference has no script for it; this
/// follows its math vote): predictions are grouped by their normalised text (no
/// prediction is its own group), a tie between the two largest groups scores 0, and the
/// winner counts when it is a prediction that matches the gold.
pub fn majority_vote_correct(predictions: &[Option<String>], gold: &str) -> bool {
    let mut groups: Vec<(Option<String>, usize, Option<&str>)> = Vec::new();
    for prediction in predictions {
        let key = prediction.as_deref().filter(|p| !p.is_empty()).map(normalize);
        match groups.iter_mut().find(|(k, _, _)| *k == key) {
            Some(group) => group.1 += 1,
            None => groups.push((key, 1, prediction.as_deref())),
        }
    }
    groups.sort_by_key(|group| std::cmp::Reverse(group.1));
    match groups.as_slice() {
        [] => false,
        [first, second, ..] if first.1 == second.1 => false,
        [first, ..] => first.0.is_some() && first.2.is_some_and(|p| predictions_match(p, gold)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extraction_tries_each_form_in_order() {
        assert_eq!(extract_prediction("**Answer:**\n`[1, 2]`\n\nmore").as_deref(), Some("[1, 2]"));
        assert_eq!(extract_prediction("so the\nOutput: 'abc'").as_deref(), Some("'abc'"));
        assert_eq!(extract_prediction("x\n```python\n1\n```\n```\n2\n```").as_deref(), Some("2"));
        assert_eq!(extract_prediction("it is `[3]` not `foo`").as_deref(), Some("[3]"));
        assert_eq!(extract_prediction("<think>hmm</think>\n\n  42  \nrest").as_deref(), Some("42"));
        assert_eq!(extract_prediction("<think>only thinking</think>"), None);
    }

    #[test]
    fn normalisation_and_literal_matching() {
        assert_eq!(normalize("  'hello  world'. "), "hello world");
        assert_eq!(normalize("\""), "");
        assert!(predictions_match("[1,2]", "[1, 2]"));
        assert!(predictions_match("{'b': 2, 'a': 1}", "{'a':1,'b':2}"));
        assert!(predictions_match("1.0", "1"));
        assert!(!predictions_match("[1, 2]", "(1, 2)"));
        assert!(!predictions_match("", "''"));
    }

    #[test]
    fn majority_vote_ties_score_zero() {
        let p = |s: &str| Some(s.to_owned());
        assert!(majority_vote_correct(&[p("1"), p("1"), p("2")], "1"));
        assert!(!majority_vote_correct(&[p("1"), p("2")], "1"));
        assert!(!majority_vote_correct(&[None, None, p("1")], "1"));
    }
}
