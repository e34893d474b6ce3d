//! Math answers (methodology §2.3), in the paper's mode: the reference's extraction and
//! matching, quirks included (the first `\boxed{…}` is cut at its first `}`, so
//! `\boxed{\frac{1}{2}}` yields `\frac{1`; numbers are compared as Python floats).

use std::sync::LazyLock;

use fancy_regex::Regex as FancyRegex;
use regex::Regex;

use crate::metrics::text::strip_think_tags;
use crate::pycompat::{py_float, py_format_g, py_int_str, py_strip};

use crate::pycompat::PY_WS as WS;

pub(crate) static HASHES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"####{WS}*(.+?)(?:\n|$)")).expect("valid"));
static GOLD_HASHES: LazyLock<Regex> = LazyLock::new(|| Regex::new(&format!(r"(?m)####{WS}*(.+?)$")).expect("valid"));
static BOXED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\\boxed\{([^}]+)\}").expect("valid"));
static ANSWER_IS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"(?i)(?:the{WS}+)?answer{WS}*(?:is|:){WS}*([\-\$]?[\d,]+\.?\d*)")).expect("valid")
});
/// Python's `\w` is `str.isalnum()` or `_` (letters and numbers); Rust's also takes
/// combining marks, so the look-arounds spell Python's class out.
pub(crate) static LAST_NUMBER: LazyLock<FancyRegex> =
    LazyLock::new(|| FancyRegex::new(r"(?<![\p{L}\p{N}_])([\-]?\d[\d,]*\.?\d*)(?![\p{L}\p{N}_])").expect("valid"));

/// `normalize_number`: strip, delete `$`, `%` and `,`, then canonicalise through Python's
/// `float` (`str(int(v))` when integral, `f"{v:g}"` otherwise); unparseable or
/// non-finite text is returned cleaned.
pub fn normalize_number(text: &str) -> String {
    let cleaned: String = py_strip(text).chars().filter(|c| !matches!(c, '$' | '%' | ',')).collect();
    match py_float(&cleaned) {
        Some(value) if value.is_finite() => {
            if value.fract() == 0.0 {
                py_int_str(value)
            } else {
                py_format_g(value)
            }
        }
        _ => cleaned,
    }
}

/// The gold answer of a GSM8K solution: the text after the first `####`.
pub fn gsm8k_gold(answer: &str) -> Option<String> {
    let captures = GOLD_HASHES.captures(py_strip(answer))?;
    Some(normalize_number(py_strip(&captures[1])))
}

/// The first `\boxed{…}` (no nested braces), normalised.
pub fn boxed_answer(text: &str) -> Option<String> {
    BOXED.captures(text).map(|c| normalize_number(py_strip(&c[1])))
}

/// `extract_generated_answer`: think tags removed, then the first of `#### N`,
/// `\boxed{N}`, "the answer is N" and the last number.
pub fn extract_answer(text: &str) -> Option<String> {
    let text = strip_think_tags(text);
    if let Some(c) = HASHES.captures(&text) {
        return Some(normalize_number(py_strip(&c[1])));
    }
    if let Some(found) = boxed_answer(&text) {
        return Some(found);
    }
    if let Some(c) = ANSWER_IS.captures(&text) {
        return Some(normalize_number(py_strip(&c[1])));
    }
    let last = LAST_NUMBER.captures_iter(&text).filter_map(Result::ok).last()?;
    Some(normalize_number(&last[1]))
}

/// `answers_match`: equal after normalisation, or within 1e-6 as Python floats.
pub fn answers_match(predicted: Option<&str>, gold: Option<&str>) -> bool {
    let (Some(predicted), Some(gold)) = (predicted, gold) else { return false };
    let (p, g) = (normalize_number(predicted), normalize_number(gold));
    if p == g {
        return true;
    }
    match (py_float(&p), py_float(&g)) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-6,
        _ => false,
    }
}

/// The sentinel the reference votes with for an output without an answer.
pub const UNPARSEABLE: &str = "__UNPARSEABLE__";

/// Majority vote over extracted answers (`None` votes as [`UNPARSEABLE`]): no credit
/// when the two most common answers tie; otherwise the winner must be an answer and
/// match the gold.
pub fn majority_vote_correct(answers: &[Option<String>], gold: Option<&str>) -> bool {
    majority_vote_by(answers, gold, str::to_owned, answers_match)
}

/// The vote of [`majority_vote_correct`] with answers grouped by `key` and the winner
/// judged by `matches` (the corrected mode pools equivalent forms).
pub(crate) fn majority_vote_by(
    answers: &[Option<String>],
    gold: Option<&str>,
    key: impl Fn(&str) -> String,
    matches: impl Fn(Option<&str>, Option<&str>) -> bool,
) -> bool {
    // Counter.most_common orders ties by first occurrence.
    let mut counts: Vec<(String, usize)> = Vec::new();
    for answer in answers {
        let key = answer.as_deref().map_or_else(|| UNPARSEABLE.to_owned(), &key);
        match counts.iter_mut().find(|(k, _)| *k == key) {
            Some((_, count)) => *count += 1,
            None => counts.push((key, 1)),
        }
    }
    counts.sort_by_key(|(_, count)| std::cmp::Reverse(*count)); // stable: first occurrence first among equals
    match counts.as_slice() {
        [] => false,
        [first, second, ..] if first.1 == second.1 => false,
        [first, ..] => first.0 != UNPARSEABLE && matches(Some(&first.0), gold),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extraction_order_and_quirks() {
        assert_eq!(extract_answer("so #### 1,234\nmore").as_deref(), Some("1234"));
        assert_eq!(extract_answer(r"\boxed{\frac{1}{2}}").as_deref(), Some(r"\frac{1"));
        assert_eq!(extract_answer("The answer is: $5.50.").as_deref(), Some("5.5"));
        assert_eq!(extract_answer("<think>42</think>x2 then 7 and 8.").as_deref(), Some("8"));
        assert_eq!(extract_answer("no digits"), None);
        assert_eq!(gsm8k_gold("work\n#### 18").as_deref(), Some("18"));
    }

    #[test]
    fn matching_and_votes() {
        assert!(answers_match(Some("3.0"), Some("3")));
        assert!(answers_match(Some("0.1000001"), Some("0.1")));
        assert!(!answers_match(None, Some("3")));
        let votes = |v: &[Option<&str>]| v.iter().map(|a| a.map(str::to_owned)).collect::<Vec<_>>();
        assert!(majority_vote_correct(&votes(&[Some("3"), Some("3"), None]), Some("3")));
        assert!(!majority_vote_correct(&votes(&[Some("3"), Some("4")]), Some("3")));
        assert!(!majority_vote_correct(&votes(&[None, None, Some("3")]), Some("3")));
    }
}
