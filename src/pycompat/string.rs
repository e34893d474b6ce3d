//! Python `str` whitespace semantics.

/// True for the characters CPython's `str.isspace()` accepts (and therefore those that
/// `str.split()` with no argument and `str.strip()` with no argument remove).
///
/// That is Unicode `White_Space` plus the four information separators `\x1c`–`\x1f`,
/// which CPython counts as whitespace because their bidirectional class is B or S.
pub fn is_py_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
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
    fn strip_matches_python_strip() {
        assert_eq!(py_strip("\u{1e} x y \u{a0}"), "x y");
        assert_eq!(py_strip("\u{200b}x"), "\u{200b}x");
    }
}
