//! The study's reply parsers, one per judge, with Python's semantics (`ast.literal_eval`,
//! `re` with Unicode `\s`, `\d` and `\w`, `int(s)`).

use std::sync::LazyLock;

use regex::Regex;

use crate::pycompat::{PyLiteral, literal_eval, py_int, py_strip};

/// A pairwise verdict from the first-shown answer's side (before un-swapping).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The first-shown answer wins.
    Win,
    /// Same rank, or a tie label.
    Tie,
    /// The second-shown answer wins.
    Loss,
}

impl Verdict {
    /// The verdict from the other answer's side.
    pub fn flipped(self) -> Self {
        match self {
            Self::Win => Self::Loss,
            Self::Tie => Self::Tie,
            Self::Loss => Self::Win,
        }
    }

    /// 1 for a win, ½ for a tie, 0 for a loss.
    pub fn score(self) -> f64 {
        match self {
            Self::Win => 1.0,
            Self::Tie => 0.5,
            Self::Loss => 0.0,
        }
    }
}

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("built-in pattern")
}

/// Python's `\s` (Rust's `\s` lacks U+001C…U+001F).
const WS: &str = r"[\s\x1c-\x1f]";

/// `_parse_kirk_verdict`: model_1's verdict from a ranking reply, or `None`.
///
/// The stripped text goes through `ast.literal_eval`; if that fails (or gives `None`),
/// the greedy first `[…]` span does; if that fails too, every `'model': 'x' … 'rank': N`
/// pair is collected (a later pair overrides an earlier one). The result must be a
/// non-empty list whose dict entries give ranks to `model_1` and `model_2`; the lower
/// rank wins.
pub fn kirk(text: &str) -> Option<Verdict> {
    static LIST: LazyLock<Regex> = LazyLock::new(|| regex(r"(?s)\[.*\]"));
    static PAIRS: LazyLock<Regex> = LazyLock::new(|| {
        regex(&format!(r#"(?s)['"]model['"]{WS}*:{WS}*['"](\w+)['"].*?['"]rank['"]{WS}*:{WS}*(\d+)"#))
    });
    let text = py_strip(text);
    let mut parsed = literal_eval(text).ok().filter(|v| !matches!(v, PyLiteral::None));
    if parsed.is_none() {
        parsed = LIST.find(text).and_then(|m| literal_eval(m.as_str()).ok()).filter(|v| !matches!(v, PyLiteral::None));
    }
    // (model, rank) entries in list order.
    let entries: Vec<(String, Option<i128>)> = match parsed {
        Some(PyLiteral::List(items)) if !items.is_empty() => items
            .iter()
            .filter_map(|item| {
                let PyLiteral::Dict(fields) = item else { return None };
                let get =
                    |key: &str| fields.iter().find(|(k, _)| matches!(k, PyLiteral::Str(s) if s == key)).map(|(_, v)| v);
                let (model, rank) = (get("model")?, get("rank")?);
                let model = match model {
                    PyLiteral::Str(s) => s.clone(),
                    // `str()` of a non-string never names model_1 or model_2.
                    _ => String::new(),
                };
                Some((model, python_int(rank)))
            })
            .collect(),
        Some(_) => return None,
        None => {
            let mut pairs: Vec<(String, Option<i128>)> = Vec::new();
            for captures in PAIRS.captures_iter(text) {
                let (model, rank) = (captures[1].to_owned(), py_int(&captures[2]));
                match pairs.iter_mut().find(|(m, _)| *m == model) {
                    Some(entry) => entry.1 = rank,
                    None => pairs.push((model, rank)),
                }
            }
            if pairs.is_empty() {
                return None;
            }
            pairs
        }
    };
    let rank_of =
        |name: &str| -> Option<Option<i128>> { entries.iter().rev().find(|(m, _)| m == name).map(|(_, r)| *r) };
    // A rank Python's `int()` rejects makes the script raise; here the reply is unparsed.
    let (r1, r2) = (rank_of("model_1")??, rank_of("model_2")??);
    Some(match r1.cmp(&r2) {
        std::cmp::Ordering::Less => Verdict::Win,
        std::cmp::Ordering::Greater => Verdict::Loss,
        std::cmp::Ordering::Equal => Verdict::Tie,
    })
}

/// Python's `int(x)` of a literal: integers, booleans, finite floats (truncated) and
/// integer strings.
fn python_int(value: &PyLiteral) -> Option<i128> {
    match value {
        PyLiteral::Int(int) => int.to_decimal().parse().ok(),
        PyLiteral::Bool(b) => Some(i128::from(*b)),
        PyLiteral::Float(x) if x.is_finite() && x.abs() < 1e38 => Some(x.trunc() as i128),
        PyLiteral::Str(s) => py_int(s),
        _ => None,
    }
}

/// An Arena-Hard verdict label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArenaLabel {
    /// `[[A>>B]]`: 1.0 for A.
    MuchBetter,
    /// `[[A>B]]`: 0.75.
    Better,
    /// `[[A=B]]`: 0.5.
    Same,
    /// `[[B>A]]`: 0.25.
    Worse,
    /// `[[B>>A]]`: 0.0.
    MuchWorse,
}

impl ArenaLabel {
    /// The script's `SCORE_MAP`, from A's side.
    pub fn score(self) -> f64 {
        match self {
            Self::MuchBetter => 1.0,
            Self::Better => 0.75,
            Self::Same => 0.5,
            Self::Worse => 0.25,
            Self::MuchWorse => 0.0,
        }
    }
}

/// `parse_verdict` of the WritingPrompts script: the first `[[A>>B]]`-style label.
pub fn arena(text: &str) -> Option<ArenaLabel> {
    static LABEL: LazyLock<Regex> = LazyLock::new(|| regex(r"\[\[(A>>B|A>B|A=B|B>A|B>>A)\]\]"));
    let label = LABEL.captures(text)?;
    Some(match &label[1] {
        "A>>B" => ArenaLabel::MuchBetter,
        "A>B" => ArenaLabel::Better,
        "A=B" => ArenaLabel::Same,
        "B>A" => ArenaLabel::Worse,
        _ => ArenaLabel::MuchWorse,
    })
}

/// `parse_score` of the WildBench script: a score in 1..=10, or `None`.
///
/// Tries, in order: the last `{…"score"…}` block (no nested braces) that parses as
/// JSON with an integer `score` (`7` or `"7"`) in range; `"score": "N"` anywhere; a bare
/// `Score: N` / `score=N`.
pub fn wb_score(text: &str) -> Option<i128> {
    static BLOCK: LazyLock<Regex> = LazyLock::new(|| regex(r#"(?s)\{[^{}]*"score"[^{}]*\}"#));
    static QUOTED: LazyLock<Regex> = LazyLock::new(|| regex(&format!(r#""score"{WS}*:{WS}*"?(\d+)"?"#)));
    static BARE: LazyLock<Regex> = LazyLock::new(|| regex(&format!(r"[Ss]core{WS}*[:=]{WS}*(\d+)")));
    if py_strip(text).is_empty() {
        return None;
    }
    let in_range = |s: i128| (1..=10).contains(&s);
    let blocks: Vec<&str> = BLOCK.find_iter(text).map(|m| m.as_str()).collect();
    for block in blocks.into_iter().rev() {
        let Ok(serde_json::Value::Object(object)) = serde_json::from_str::<serde_json::Value>(block) else { continue };
        let score = match object.get("score") {
            None | Some(serde_json::Value::Null) => continue,
            // `str(v).strip().strip('"')` then `int()`.
            Some(serde_json::Value::String(s)) => py_int(py_strip(s).trim_matches('"')),
            Some(serde_json::Value::Number(n)) if n.is_i64() || n.is_u64() => py_int(&n.to_string()),
            Some(_) => None,
        };
        if let Some(score) = score.filter(|&s| in_range(s)) {
            return Some(score);
        }
    }
    for pattern in [&*QUOTED, &*BARE] {
        if let Some(score) = pattern.captures(text).and_then(|c| py_int(&c[1])).filter(|&s| in_range(s)) {
            return Some(score);
        }
    }
    None
}

/// FastChat's pair verdict (`run_judge_pair`): `[[A]]` anywhere wins for A, else `[[B]]`
/// for B, else `[[C]]` is a tie; `None` otherwise.
pub fn mt_bench_pair(text: &str) -> Option<Verdict> {
    if text.contains("[[A]]") {
        Some(Verdict::Win)
    } else if text.contains("[[B]]") {
        Some(Verdict::Loss)
    } else if text.contains("[[C]]") {
        Some(Verdict::Tie)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Verdicts of the study's parsers on the same texts (CPython 3.11).
    #[test]
    fn kirk_follows_each_fallback() {
        assert_eq!(kirk("[{'model': 'model_1', 'rank': 1}, {'model': 'model_2', 'rank': 2}]"), Some(Verdict::Win));
        assert_eq!(
            kirk("Sure: [{'model': 'model_2', 'rank': 1}, {'model': 'model_1', 'rank': 2}] ok"),
            Some(Verdict::Loss)
        );
        assert_eq!(kirk("'model': 'model_1', x 'rank': 1 ... 'model': 'model_2', 'rank': 1"), Some(Verdict::Tie));
        assert_eq!(kirk("1"), None);
        assert_eq!(kirk("None"), None);
        assert_eq!(kirk("[]"), None);
        assert_eq!(
            kirk("[{'model': 'model_1', 'rank': '2'}, {'model': 'model_2', 'rank': True}]"),
            Some(Verdict::Loss)
        );
    }

    #[test]
    fn wb_scores_take_the_last_valid_block() {
        assert_eq!(wb_score(r#"{"score": "3"} then {"score": 7}"#), Some(7));
        // The blocks fail (`int("7.5")`, 12 out of range); the first `"score": "7` matches.
        assert_eq!(wb_score(r#"{"score": "7.5"} {"score": 12} "score": "4""#), Some(7));
        assert_eq!(wb_score("Score: 6"), Some(6));
        assert_eq!(wb_score("score = 11"), None);
        assert_eq!(wb_score("  "), None);
    }

    #[test]
    fn arena_and_pair_labels() {
        assert_eq!(arena("x [[B>A]] then [[A>>B]]"), Some(ArenaLabel::Worse));
        assert_eq!(arena("[[A>>>B]]"), None);
        assert_eq!(mt_bench_pair("[[C]] ... [[B]]"), Some(Verdict::Loss));
        assert_eq!(mt_bench_pair("none"), None);
    }
}
