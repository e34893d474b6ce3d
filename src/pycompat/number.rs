//! Python number semantics the math checker relies on: `float(s)`, `str(int(x))` of an
//! integral float, and `f"{x:g}"`.

use super::string::py_strip;

/// The value of a Unicode decimal digit (general category Nd), as Python's `float` and
/// `int` read it. Nd digits come in contiguous runs of ten, zero first (a Unicode
/// stability guarantee), so the value is the distance from the start of the run mod 10.
fn unicode_digit(c: char) -> Option<u32> {
    static ND: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r"^\p{Nd}$").expect("valid"));
    let is_digit = |c: char| ND.is_match(c.encode_utf8(&mut [0; 4]));
    if !is_digit(c) {
        return None;
    }
    let mut start = c as u32;
    while let Some(previous) = char::from_u32(start - 1).filter(|&p| is_digit(p)) {
        start = previous as u32;
    }
    Some((c as u32 - start) % 10)
}

/// Python's `float(s)`: surrounding whitespace allowed, `_` only between digits, any
/// Unicode decimal digit, `inf`/`infinity`/`nan` in any case with an optional sign.
/// `None` where Python raises.
pub fn py_float(text: &str) -> Option<f64> {
    let ascii: String;
    let mut text = py_strip(text);
    if !text.is_ascii() {
        // Non-ASCII decimal digits read as their ASCII values; any other non-ASCII
        // character makes Python raise.
        ascii = text
            .chars()
            .map(|c| if c.is_ascii() { Some(c) } else { unicode_digit(c).and_then(|d| char::from_digit(d, 10)) })
            .collect::<Option<String>>()?;
        text = &ascii;
    }
    if text.is_empty() {
        return None;
    }
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let lower = unsigned.to_ascii_lowercase();
    if ["inf", "infinity", "nan"].contains(&lower.as_str()) {
        let value = if lower == "nan" { f64::NAN } else { f64::INFINITY };
        return Some(if text.starts_with('-') { -value } else { value });
    }
    // Only ASCII digits, one '.', an exponent, and underscores between two digits.
    let bytes = unsigned.as_bytes();
    let mut cleaned = String::with_capacity(text.len());
    if text.starts_with('-') {
        cleaned.push('-');
    }
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'_' => {
                let digit = |j: Option<&u8>| j.is_some_and(u8::is_ascii_digit);
                if !(i > 0 && digit(bytes.get(i - 1)) && digit(bytes.get(i + 1))) {
                    return None;
                }
            }
            b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-' => cleaned.push(b as char),
            _ => return None,
        }
    }
    // Rust accepts what remains exactly when Python does ("1.", ".5", "1e5", "1E+05"),
    // except that it also takes a bare "." or "e5", which the parse below rejects.
    if !cleaned.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let mantissa = cleaned.split(['e', 'E']).next().unwrap_or("");
    if !mantissa.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    cleaned.parse::<f64>().ok()
}

/// Python's `int(s)` in base 10: surrounding whitespace, one optional sign, any Unicode
/// decimal digits, `_` only between two digits. `None` where Python raises, and for
/// values beyond `i128` (Python's `int` has no bound; no caller needs such values).
pub fn py_int(text: &str) -> Option<i128> {
    let text = py_strip(text);
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let chars: Vec<char> = digits.chars().collect();
    if chars.is_empty() {
        return None;
    }
    let mut value: i128 = 0;
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            let digit_at = |j: usize| chars.get(j).is_some_and(|&d| d != '_' && unicode_digit(d).is_some());
            if i == 0 || !digit_at(i - 1) || !digit_at(i + 1) {
                return None;
            }
            continue;
        }
        let digit = if c.is_ascii_digit() { c as u32 - '0' as u32 } else { unicode_digit(c)? };
        value = value.checked_mul(10)?.checked_add(i128::from(digit))?;
    }
    Some(if negative { -value } else { value })
}

/// `str(int(x))` for a finite integral `x`: its exact decimal value (an f64 above 2^53
/// is an exact integer, printed in full as Python's arbitrary-precision `int` does).
pub fn py_int_str(x: f64) -> String {
    debug_assert!(x.is_finite() && x.fract() == 0.0);
    if x.abs() < 1e18 {
        return format!("{}", x as i64);
    }
    // x = mantissa · 2^exponent exactly; expand in base 10^9.
    let bits = x.abs().to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32 - 1075;
    let mantissa = (bits & ((1u64 << 52) - 1)) | (1u64 << 52);
    let mut limbs: Vec<u64> =
        vec![mantissa % 1_000_000_000, mantissa / 1_000_000_000 % 1_000_000_000, mantissa / 1_000_000_000_000_000_000];
    for _ in 0..exponent {
        let mut carry = 0u64;
        for limb in &mut limbs {
            let value = *limb * 2 + carry;
            *limb = value % 1_000_000_000;
            carry = value / 1_000_000_000;
        }
        if carry > 0 {
            limbs.push(carry);
        }
    }
    while limbs.len() > 1 && limbs.last() == Some(&0) {
        limbs.pop();
    }
    let mut out = if x < 0.0 { String::from("-") } else { String::new() };
    out.push_str(&limbs.last().expect("at least one limb").to_string());
    for limb in limbs.iter().rev().skip(1) {
        out.push_str(&format!("{limb:09}"));
    }
    out
}

/// Python's `f"{x:g}"` (precision 6): fixed notation when the decimal exponent after
/// rounding is in `-4..6`, scientific otherwise (`1.23457e+06`), trailing zeros removed.
pub fn py_format_g(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let scientific = format!("{x:.5e}");
    let (mantissa, exponent) = scientific.split_once('e').expect("Rust's {:e} has an exponent");
    let exponent: i32 = exponent.parse().expect("an integer exponent");
    let trim = |s: &str| -> String {
        if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s.to_owned() }
    };
    if (-4..6).contains(&exponent) {
        trim(&format!("{:.*}", (5 - exponent) as usize, x))
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exponent.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Verdicts of CPython 3.11's `int(s)`.
    #[test]
    fn int_parsing_follows_python() {
        let cases = [
            (" 7 ", Some(7)),
            ("+7", Some(7)),
            ("-0", Some(0)),
            ("1_0", Some(10)),
            ("1__0", None),
            ("_1", None),
            ("1_", None),
            ("07", Some(7)),
            ("\u{663}", Some(3)),
            ("7.0", None),
            ("", None),
            ("+", None),
            (" - 7", None),
        ];
        for (text, expected) in cases {
            assert_eq!(py_int(text), expected, "{text:?}");
        }
    }

    #[test]
    fn float_parsing_follows_python() {
        assert_eq!(py_float(" 1_000.5 "), Some(1000.5));
        assert_eq!(py_float("1e3"), Some(1000.0));
        assert_eq!(py_float("-Infinity"), Some(f64::NEG_INFINITY));
        assert!(py_float("nan").unwrap().is_nan());
        for bad in ["", "1__0", "_1", "1_", ".", "e5", "1,000", "0x10", "1.2.3", "--1"] {
            assert_eq!(py_float(bad), None, "{bad}");
        }
        assert_eq!(py_float("5."), Some(5.0));
        assert_eq!(py_float(".5"), Some(0.5));
    }

    #[test]
    fn integers_print_exactly() {
        assert_eq!(py_int_str(42.0), "42");
        assert_eq!(py_int_str(-7.0), "-7");
        assert_eq!(py_int_str(1e30), "1000000000000000019884624838656");
        assert_eq!(py_int_str(2f64.powi(70)), "1180591620717411303424");
    }

    #[test]
    fn g_format_follows_python() {
        for (x, expected) in [
            (1234567.0, "1.23457e+06"),
            (0.5, "0.5"),
            (1.23456789, "1.23457"),
            (0.0001234, "0.0001234"),
            (0.00001234, "1.234e-05"),
            (123456.5, "123456"),
            (999999.5, "1e+06"),
            (-2.5, "-2.5"),
        ] {
            assert_eq!(py_format_g(x), expected, "{x}");
        }
    }
}
