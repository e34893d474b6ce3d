//! Text handling applied before any metric: think-trace stripping (both reference
//! implementations) and the sentence splitter of the NLI metric.

use std::sync::LazyLock;

use regex::Regex;

use crate::pycompat::py_strip;

const OPEN: &str = "<think>";
const CLOSE: &str = "</think>";

/// `_strip_cot` of the reference (`lighteval_diversity_metrics.py`), used by the
/// generation collector and the quality scripts.
///
/// While both tags occur, cut from the first `<think>` to the first `</think>` after it;
/// then, if only `</think>` is left (the opening tag was in the prompt), drop everything
/// up to and including the first `</think>`; finally Python-`strip()`. A Think output
/// truncated before `</think>` keeps its partial reasoning, as in the reference.
pub fn strip_cot(text: &str) -> String {
    strip_orphan_close(&cut_think_spans(text).0)
}

/// `_strip_cot`'s loop: while both tags occur, cut from the first `<think>` to the first
/// `</think>` after it. Returns the text left and the inside of every span cut, in order.
fn cut_think_spans(text: &str) -> (String, Vec<String>) {
    let mut text = text.to_owned();
    let mut spans = Vec::new();
    while text.contains(OPEN) && text.contains(CLOSE) {
        let start = text.find(OPEN).unwrap_or(0);
        match text[start..].find(CLOSE) {
            Some(offset) => {
                spans.push(text[start + OPEN.len()..start + offset].to_owned());
                text.replace_range(start..start + offset + CLOSE.len(), "");
            }
            None => break,
        }
    }
    (text, spans)
}

/// The reasoning trace of a raw output: the text [`strip_cot`] removes, without its tags.
///
/// Every `<think>…</think>` span that `strip_cot` cuts contributes its inside; an orphan
/// `</think>` (the opening tag was in the prompt) contributes everything before it. Spans
/// are joined by a newline and the result is Python-`strip()`ped. `None` when `strip_cot`
/// removes nothing: no trace, or an unclosed `<think>` (which `strip_cot` keeps as the answer).
pub fn think_trace(text: &str) -> Option<String> {
    let (text, mut spans) = cut_think_spans(text);
    if text.contains(CLOSE) && !text.contains(OPEN) {
        spans.push(text[..text.find(CLOSE).unwrap_or(0)].to_owned());
    }
    (!spans.is_empty()).then(|| py_strip(&spans.join("\n")).to_owned())
}

/// `strip_think_tags` of the reference (`math_answer_extraction.py`): remove every
/// non-greedy `<think>.*?</think>` span (DOTALL), then the same orphan-`</think>` rule.
pub fn strip_think_tags(text: &str) -> String {
    static SPAN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?s)<think>.*?</think>").expect("valid regex"));
    strip_orphan_close(&SPAN.replace_all(text, ""))
}

fn strip_orphan_close(text: &str) -> String {
    let rest = if text.contains(CLOSE) && !text.contains(OPEN) {
        let end = text.find(CLOSE).map_or(0, |i| i + CLOSE.len());
        &text[end..]
    } else {
        text
    };
    py_strip(rest).to_owned()
}

/// `_split_sentences` of the NLI metric: `\r` and `\t` become spaces, the text is split
/// on `[.!?]+\s+|\n+`, pieces are stripped and empty ones dropped; a text with no piece
/// left but non-blank content becomes one sentence.
///
/// `\s` is Python's Unicode whitespace, which includes `\x1c`–`\x1f`.
pub fn split_sentences(text: &str) -> Vec<String> {
    static BOUNDARY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[.!?]+[\s\x1c-\x1f]+|\n+").expect("valid regex"));
    if text.is_empty() {
        return Vec::new();
    }
    let cleaned = text.replace(['\r', '\t'], " ");
    let sentences: Vec<String> =
        BOUNDARY.split(&cleaned).map(py_strip).filter(|piece| !piece.is_empty()).map(str::to_owned).collect();
    if !sentences.is_empty() {
        return sentences;
    }
    let stripped = py_strip(&cleaned);
    if stripped.is_empty() { Vec::new() } else { vec![stripped.to_owned()] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trace_is_what_strip_cot_removes() {
        assert_eq!(think_trace("<think> a </think> answer ").as_deref(), Some("a"));
        assert_eq!(
            think_trace("Cara has 6. 6 + 3 = 9.</think>\n6 + 3 = 9.").as_deref(),
            Some("Cara has 6. 6 + 3 = 9.")
        );
        assert_eq!(think_trace("x<think>a</think>y<think>b</think>z").as_deref(), Some("a\nb"));
        assert_eq!(think_trace("<think>unfinished"), None);
        assert_eq!(think_trace("no reasoning at all"), None);
        assert_eq!(think_trace("<think></think>answer").as_deref(), Some(""));
    }

    #[test]
    fn strip_cot_removes_closed_spans_and_orphan_prefixes() {
        assert_eq!(strip_cot("<think>a</think> answer "), "answer");
        assert_eq!(strip_cot("reasoning</think>\nanswer"), "answer");
        assert_eq!(strip_cot("x<think>a</think>y<think>b</think>z"), "xyz");
        // No closing tag: the partial reasoning is kept, as the reference does.
        assert_eq!(strip_cot("<think>unfinished"), "<think>unfinished");
        // A stray close before an open: the open has no close after it, so nothing is cut
        // and both tags stay (the orphan rule needs `<think>` to be absent).
        assert_eq!(strip_cot("a</think>b<think>c"), "a</think>b<think>c");
    }

    #[test]
    fn strip_think_tags_is_non_greedy() {
        assert_eq!(strip_think_tags("<think>a</think>b<think>c</think>d"), "bd");
        assert_eq!(strip_think_tags("r\n</think> x"), "x");
    }

    #[test]
    fn sentence_split_follows_the_reference_regex() {
        assert_eq!(split_sentences("One. Two!! Three?\n\nFour"), ["One", "Two", "Three", "Four"]);
        assert_eq!(split_sentences("3.5 is a number.No space"), ["3.5 is a number.No space"]);
        assert_eq!(split_sentences("...   "), ["..."]);
        assert!(split_sentences(" \n ").is_empty());
        assert_eq!(split_sentences("a.\u{1c}b"), ["a", "b"]);
    }
}
