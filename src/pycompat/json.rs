//! `json.dumps` with Python's default formatting: `", "` and `": "` separators, keys in
//! insertion order, and, with `ensure_ascii=True` (Python's default), every character
//! outside printable ASCII (`' '`…`'~'`) written as `\uXXXX` (lower-case hex, UTF-16
//! surrogate pairs above U+FFFF). Both settings escape `"`, `\`, `\n`, `\r`, `\t`, `\b`,
//! `\f` and the other control characters below U+0020 as `\u00XX`, as serde_json does.

use std::io::{self, Write};

use serde::Serialize;

/// serde_json formatting with Python's separators and its `ensure_ascii` escaping.
#[derive(Debug, Clone, Copy)]
pub struct PythonFormatter {
    /// Escape every character outside `' '`…`'~'` (Python's `ensure_ascii=True`).
    pub ensure_ascii: bool,
}

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { writer.write_all(b", ") }
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if first { Ok(()) } else { writer.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    /// A run of characters that serde_json does not escape itself (everything but `"`,
    /// `\` and U+0000…U+001F).
    fn write_string_fragment<W: ?Sized + Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        if !self.ensure_ascii {
            return writer.write_all(fragment.as_bytes());
        }
        let mut units = [0u16; 2];
        for c in fragment.chars() {
            if (' '..='~').contains(&c) {
                writer.write_all(&[c as u8])?;
            } else {
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

/// `json.dumps(value, ensure_ascii=...)`.
pub fn dumps<T: Serialize + ?Sized>(value: &T, ensure_ascii: bool) -> Result<String, serde_json::Error> {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter { ensure_ascii });
    value.serialize(&mut serializer)?;
    // Both settings write UTF-8 (ASCII only with `ensure_ascii`).
    String::from_utf8(out).map_err(|e| serde::ser::Error::custom(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected strings are CPython 3.11's `json.dumps` of the same values.
    #[test]
    fn separators_order_and_escapes_equal_python() {
        let value = serde_json::json!({"b": [1, 2.5, null, true], "a": "x\"y\\z\n\t\u{7f}é😀\u{1f}"});
        assert_eq!(
            dumps(&value, true).unwrap(),
            r#"{"b": [1, 2.5, null, true], "a": "x\"y\\z\n\t\u007f\u00e9\ud83d\ude00\u001f"}"#
        );
        assert_eq!(
            dumps(&value, false).unwrap(),
            "{\"b\": [1, 2.5, null, true], \"a\": \"x\\\"y\\\\z\\n\\t\u{7f}é😀\\u001f\"}"
        );
        assert_eq!(dumps(&serde_json::json!({}), true).unwrap(), "{}");
        assert_eq!(dumps(&serde_json::json!([[], {"k": []}]), true).unwrap(), r#"[[], {"k": []}]"#);
    }
}
