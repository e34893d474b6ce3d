//! Python `str` whitespace semantics.

/// True for the characters CPython's `str.isspace()` accepts (and therefore those that
/// `str.split()` with no argument and `str.strip()` with no argument remove).
///
/// That is Unicode `White_Space` plus the four information separators `\x1c`–`\x1f`,
/// which CPython counts as whitespace because their bidirectional class is B or S.
pub fn is_py_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `\s` in a `str` pattern, as a Rust regex class: Rust's `\s` is Unicode
/// `White_Space`, which lacks the information separators `\x1c`–`\x1f`.
pub const PY_WS: &str = r"[\s\x1c-\x1f]";

/// Python's `s.splitlines()`: lines end at `\n`, `\r`, `\r\n`, `\v`, `\f`, `\x1c`–`\x1e`,
/// `\x85`, `\u2028` and `\u2029`; the terminators are dropped and a trailing terminator
/// does not produce an empty last line.
pub fn py_splitlines(s: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let is_break = matches!(
            c,
            '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{1c}' | '\u{1d}' | '\u{1e}' | '\u{85}' | '\u{2028}' | '\u{2029}'
        );
        if !is_break {
            continue;
        }
        lines.push(&s[start..i]);
        start = i + c.len_utf8();
        if c == '\r' && chars.peek().is_some_and(|&(_, next)| next == '\n') {
            chars.next();
            start += 1;
        }
    }
    if start < s.len() {
        lines.push(&s[start..]);
    }
    lines
}

/// Python's `s.split()` (no separator): runs of whitespace separate words; leading and
/// trailing whitespace produce no empty words.
pub fn py_split_whitespace(s: &str) -> impl Iterator<Item = &str> {
    s.split(is_py_whitespace).filter(|word| !word.is_empty())
}

/// Python's `s.strip()` (no argument).
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_whitespace)
}

/// Python's `s.rstrip()` with no argument.
pub fn py_rstrip(s: &str) -> &str {
    s.trim_end_matches(is_py_whitespace)
}

/// `s[:200].strip()`: the first 200 characters (code points, as Python slices),
/// stripped; the key by which the study's scripts link records to documents and a
/// model's records to Base's.
pub fn prompt_key(s: &str) -> String {
    let prefix = s.char_indices().nth(200).map_or(s, |(at, _)| &s[..at]);
    py_strip(prefix).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn information_separators_are_whitespace_as_in_python() {
        for c in ['\u{1c}', '\u{1d}', '\u{1e}', '\u{1f}', '\u{85}', '\u{a0}', '\u{3000}', '\u{2028}'] {
            assert!(is_py_whitespace(c), "{c:?}");
        }
        // Zero-width space and the BOM are not whitespace in Python.
        for c in ['\u{200b}', '\u{feff}', 'a', '_'] {
            assert!(!is_py_whitespace(c), "{c:?}");
        }
    }

    #[test]
    fn split_matches_python_split() {
        // Python: "  a\x1cb\u3000c\n\nd  ".split() == ['a', 'b', 'c', 'd']
        let words: Vec<_> = py_split_whitespace("  a\u{1c}b\u{3000}c\n\nd  ").collect();
        assert_eq!(words, ["a", "b", "c", "d"]);
        assert_eq!(py_split_whitespace(" \t\u{1f} ").count(), 0);
    }

    #[test]
    fn splitlines_matches_python_splitlines() {
        // Python: "a\r\nb\rc\x1cd\u2028\n\ne\n".splitlines() == ['a', 'b', 'c', 'd', '', '', 'e']
        assert_eq!(py_splitlines("a\r\nb\rc\u{1c}d\u{2028}\n\ne\n"), ["a", "b", "c", "d", "", "", "e"]);
        // "".splitlines() == [] and "\n".splitlines() == ['']; "\x1f" is not a line break.
        assert!(py_splitlines("").is_empty());
        assert_eq!(py_splitlines("\n"), [""]);
        assert_eq!(py_splitlines("x\u{1f}y"), ["x\u{1f}y"]);
    }

    #[test]
    fn strip_matches_python_strip() {
        assert_eq!(py_strip("\u{1e} x y \u{a0}"), "x y");
        assert_eq!(py_strip("\u{200b}x"), "\u{200b}x");
    }
}
