//! Python's `ast.literal_eval` and `==` on its results, for comparing predicted and gold
//! CRUXEval outputs without running Python.
//!
//! Accepted, as in CPython 3.11: numbers (decimal, hex, octal and binary integers of any
//! size, with `_` separators; floats; imaginary numbers), strings and bytes with every
//! prefix and quote style, escapes and implicit concatenation, `True`, `False`, `None`,
//! `...`, tuples (with or without parentheses), lists, sets, dicts, `set()`, a sign on a
//! number, and `real ± imaginary`. Anything else is an error of the kind Python raises
//! (a syntax error, or a `ValueError` for a well-formed expression that is not a
//! literal, or a `TypeError` for an unhashable set element or dict key).
//!
//! The source is read as CPython's tokenizer reads it: `\r\n` and `\r` are newlines,
//! blank and comment lines may precede the expression, brackets and backslashes join
//! lines, and `\N{NAME}` escapes name Unicode characters.

/// An arbitrary-precision integer: sign and magnitude in base 10⁹, least significant
/// limb first, without leading zero limbs (zero has no limbs and is not negative).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyInt {
    negative: bool,
    limbs: Vec<u32>,
}

const LIMB: u64 = 1_000_000_000;

impl PyInt {
    fn from_u64(mut value: u64) -> Self {
        let mut limbs = Vec::new();
        while value > 0 {
            limbs.push((value % LIMB) as u32);
            value /= LIMB;
        }
        Self { negative: false, limbs }
    }

    /// Digits of `radix` (already validated), most significant first.
    fn from_digits(digits: impl Iterator<Item = u32>, radix: u32) -> Self {
        let mut limbs: Vec<u32> = Vec::new();
        for digit in digits {
            let mut carry = u64::from(digit);
            for limb in &mut limbs {
                let value = u64::from(*limb) * u64::from(radix) + carry;
                *limb = (value % LIMB) as u32;
                carry = value / LIMB;
            }
            while carry > 0 {
                limbs.push((carry % LIMB) as u32);
                carry /= LIMB;
            }
        }
        Self { negative: false, limbs }
    }

    fn negated(mut self) -> Self {
        self.negative = !self.negative && !self.limbs.is_empty();
        self
    }

    fn from_bool(value: bool) -> Self {
        Self::from_u64(u64::from(value))
    }

    /// The exact integer value of an integral finite float.
    fn from_integral_float(value: f64) -> Self {
        let text = format!("{:.0}", value.abs());
        let magnitude = Self::from_digits(text.bytes().map(|b| u32::from(b - b'0')), 10);
        if value < 0.0 { magnitude.negated() } else { magnitude }
    }

    /// Approximate value (for the real part of `int + complex`).
    fn to_f64(&self) -> f64 {
        let magnitude = self.limbs.iter().rev().fold(0.0, |acc, &limb| acc * LIMB as f64 + f64::from(limb));
        if self.negative { -magnitude } else { magnitude }
    }

    /// Python's exact `int == float`.
    fn equals_float(&self, value: f64) -> bool {
        value.is_finite() && value.fract() == 0.0 && *self == Self::from_integral_float(value)
    }

    /// Decimal text, as Python's `str(int)`.
    pub fn to_decimal(&self) -> String {
        let Some((last, rest)) = self.limbs.split_last() else {
            return "0".to_owned();
        };
        let mut text = String::from(if self.negative { "-" } else { "" });
        text.push_str(&last.to_string());
        for limb in rest.iter().rev() {
            text.push_str(&format!("{limb:09}"));
        }
        text
    }
}

/// A value `ast.literal_eval` can return.
#[derive(Debug, Clone)]
pub enum PyLiteral {
    /// `None`.
    None,
    /// `...`.
    Ellipsis,
    /// `True` or `False`.
    Bool(bool),
    /// An integer of any size.
    Int(PyInt),
    /// A float.
    Float(f64),
    /// A complex number (`1+2j`).
    Complex {
        /// Real part.
        real: f64,
        /// Imaginary part.
        imag: f64,
    },
    /// A string.
    Str(String),
    /// A bytes object.
    Bytes(Vec<u8>),
    /// A list.
    List(Vec<PyLiteral>),
    /// A tuple.
    Tuple(Vec<PyLiteral>),
    /// Elements in insertion order, without duplicates under Python equality.
    Set(Vec<PyLiteral>),
    /// Entries in insertion order; a repeated key keeps its first key and last value.
    Dict(Vec<(PyLiteral, PyLiteral)>),
}

/// Why a text is not a Python literal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LiteralError {
    /// Python's `SyntaxError`: the text is not an expression.
    #[error("syntax error at character {at}: {reason}")]
    Syntax {
        /// Character offset.
        at: usize,
        /// What the parser expected.
        reason: &'static str,
    },
    /// Python's `ValueError`: an expression, but not a literal (a name, a call, an operator).
    #[error("not a literal: {0}")]
    NotLiteral(&'static str),
    /// Python's `TypeError`: an unhashable set element or dict key.
    #[error("unhashable {0}")]
    Unhashable(&'static str),
}

impl PyLiteral {
    /// Python's `hash()` would succeed.
    fn is_hashable(&self) -> bool {
        match self {
            PyLiteral::List(_) | PyLiteral::Set(_) | PyLiteral::Dict(_) => false,
            PyLiteral::Tuple(items) => items.iter().all(PyLiteral::is_hashable),
            _ => true,
        }
    }

    /// Numeric view for the numeric tower: (integer, float, complex).
    fn numeric(&self) -> Option<Numeric<'_>> {
        match self {
            PyLiteral::Bool(b) => Some(Numeric::Bool(*b)),
            PyLiteral::Int(i) => Some(Numeric::Int(i)),
            PyLiteral::Float(x) => Some(Numeric::Float(*x)),
            PyLiteral::Complex { real, imag } => Some(Numeric::Complex(*real, *imag)),
            _ => None,
        }
    }

    /// Python's `self == other`.
    pub fn py_eq(&self, other: &PyLiteral) -> bool {
        if let (Some(a), Some(b)) = (self.numeric(), other.numeric()) {
            return a.py_eq(&b);
        }
        match (self, other) {
            (PyLiteral::None, PyLiteral::None) | (PyLiteral::Ellipsis, PyLiteral::Ellipsis) => true,
            (PyLiteral::Str(a), PyLiteral::Str(b)) => a == b,
            (PyLiteral::Bytes(a), PyLiteral::Bytes(b)) => a == b,
            (PyLiteral::List(a), PyLiteral::List(b)) | (PyLiteral::Tuple(a), PyLiteral::Tuple(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.py_eq(y))
            }
            (PyLiteral::Set(a), PyLiteral::Set(b)) => {
                a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| x.py_eq(y)))
            }
            (PyLiteral::Dict(a), PyLiteral::Dict(b)) => {
                a.len() == b.len() && a.iter().all(|(key, value)| b.iter().any(|(k, v)| key.py_eq(k) && value.py_eq(v)))
            }
            _ => false,
        }
    }
}

enum Numeric<'a> {
    Bool(bool),
    Int(&'a PyInt),
    Float(f64),
    Complex(f64, f64),
}

impl Numeric<'_> {
    fn py_eq(&self, other: &Numeric) -> bool {
        use Numeric::{Bool, Complex, Float, Int};
        match (self, other) {
            (Bool(a), Bool(b)) => a == b,
            (Bool(a), Int(b)) | (Int(b), Bool(a)) => PyInt::from_bool(*a) == **b,
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a == b,
            (Bool(a), Float(x)) | (Float(x), Bool(a)) => f64::from(u8::from(*a)) == *x,
            (Int(a), Float(x)) | (Float(x), Int(a)) => a.equals_float(*x),
            (Complex(r1, i1), Complex(r2, i2)) => r1 == r2 && i1 == i2,
            (Complex(r, i), other) | (other, Complex(r, i)) => *i == 0.0 && other.py_eq(&Float(*r)),
        }
    }
}

/// `ast.literal_eval(text)`.
pub fn literal_eval(text: &str) -> Result<PyLiteral, LiteralError> {
    if text.contains('\0') {
        return Err(LiteralError::Syntax { at: text.find('\0').unwrap_or(0), reason: "a null character in source" });
    }
    // `literal_eval` strips leading spaces and tabs; the tokenizer reads `\r\n` and `\r` as `\n`.
    let text = text.trim_start_matches([' ', '\t']).replace("\r\n", "\n").replace('\r', "\n");
    let mut parser = Parser { chars: text.chars().collect(), at: 0, depth: 0 };
    parser.skip_leading_blank_lines()?;
    let expression = parser.expression_list(true)?;
    parser.skip_trivia(true);
    if parser.at < parser.chars.len() {
        return Err(parser.syntax("unexpected text after the expression"));
    }
    expression.into_literal()
}

/// A parsed expression before conversion: what `ast.parse` would produce, reduced to
/// the node kinds `literal_eval` distinguishes.
#[derive(Debug)]
enum Node {
    Constant(PyLiteral),
    /// A string-and-prefix group that `literal_eval` rejects (an f-string).
    FString,
    Name,
    /// `+x` or `-x`.
    Unary {
        negative: bool,
        operand: Box<Node>,
    },
    /// `a + b` or `a - b`.
    Binary {
        subtract: bool,
        left: Box<Node>,
        right: Box<Node>,
    },
    /// Any other operator or construct that parses but is not a literal.
    Other,
    Tuple(Vec<Node>),
    List(Vec<Node>),
    Set(Vec<Node>),
    Dict(Vec<(Node, Node)>),
    /// `set()`.
    EmptySetCall,
}

impl Node {
    fn into_literal(self) -> Result<PyLiteral, LiteralError> {
        match self {
            Node::Constant(value) => Ok(value),
            Node::Tuple(items) => Ok(PyLiteral::Tuple(convert_all(items)?)),
            Node::List(items) => Ok(PyLiteral::List(convert_all(items)?)),
            Node::Set(items) => {
                let items = convert_all(items)?;
                if !items.iter().all(PyLiteral::is_hashable) {
                    return Err(LiteralError::Unhashable("set element"));
                }
                let mut unique: Vec<PyLiteral> = Vec::new();
                for item in items {
                    if !unique.iter().any(|u| u.py_eq(&item)) {
                        unique.push(item);
                    }
                }
                Ok(PyLiteral::Set(unique))
            }
            Node::EmptySetCall => Ok(PyLiteral::Set(Vec::new())),
            Node::Dict(entries) => {
                let (keys, values): (Vec<Node>, Vec<Node>) = entries.into_iter().unzip();
                let keys = convert_all(keys)?;
                let values = convert_all(values)?;
                if !keys.iter().all(PyLiteral::is_hashable) {
                    return Err(LiteralError::Unhashable("dict key"));
                }
                let mut dict: Vec<(PyLiteral, PyLiteral)> = Vec::new();
                for (key, value) in keys.into_iter().zip(values) {
                    match dict.iter_mut().find(|(k, _)| k.py_eq(&key)) {
                        Some(entry) => entry.1 = value,
                        None => dict.push((key, value)),
                    }
                }
                Ok(PyLiteral::Dict(dict))
            }
            Node::Binary { subtract, left, right } => {
                let left = match left.signed_number()? {
                    PyLiteral::Int(i) => i.to_f64(),
                    PyLiteral::Float(x) => x,
                    _ => return Err(LiteralError::NotLiteral("an operator")),
                };
                let PyLiteral::Complex { real, imag } = right.number()? else {
                    return Err(LiteralError::NotLiteral("an operator"));
                };
                // Python widens the left operand to complex(left, 0.0) and adds part by part.
                Ok(if subtract {
                    PyLiteral::Complex { real: left - real, imag: 0.0 - imag }
                } else {
                    PyLiteral::Complex { real: left + real, imag: 0.0 + imag }
                })
            }
            node @ Node::Unary { .. } => node.signed_number(),
            Node::FString => Err(LiteralError::NotLiteral("an f-string")),
            Node::Name => Err(LiteralError::NotLiteral("a name")),
            Node::Other => Err(LiteralError::NotLiteral("an operator or call")),
        }
    }

    /// `_convert_num`: an int, float or complex constant (not a bool).
    fn number(self) -> Result<PyLiteral, LiteralError> {
        match self {
            Node::Constant(value @ (PyLiteral::Int(_) | PyLiteral::Float(_) | PyLiteral::Complex { .. })) => Ok(value),
            _ => Err(LiteralError::NotLiteral("a non-number under an operator")),
        }
    }

    /// `_convert_signed_num`: a number, or a sign applied to a number.
    fn signed_number(self) -> Result<PyLiteral, LiteralError> {
        match self {
            Node::Unary { negative, operand } => {
                let value = operand.number()?;
                Ok(if negative { negate(value) } else { value })
            }
            other => other.number(),
        }
    }
}

fn negate(value: PyLiteral) -> PyLiteral {
    match value {
        PyLiteral::Int(i) => PyLiteral::Int(i.negated()),
        PyLiteral::Float(x) => PyLiteral::Float(-x),
        PyLiteral::Complex { real, imag } => PyLiteral::Complex { real: -real, imag: -imag },
        other => other,
    }
}

fn convert_all(nodes: Vec<Node>) -> Result<Vec<PyLiteral>, LiteralError> {
    nodes.into_iter().map(Node::into_literal).collect()
}

/// Nesting beyond which CPython's parser gives up ("too many nested parentheses").
const MAX_DEPTH: usize = 200;

/// CPython 3.11 refuses decimal integer literals longer than this (`sys.int_info`).
const MAX_DECIMAL_DIGITS: usize = 4300;

struct Parser {
    chars: Vec<char>,
    at: usize,
    /// Bracket nesting: inside brackets, newlines are whitespace.
    depth: usize,
}

impl Parser {
    fn syntax(&self, reason: &'static str) -> LiteralError {
        LiteralError::Syntax { at: self.at, reason }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.at + offset).copied()
    }

    /// Spaces, tabs, form feeds and comments; newlines too inside brackets, or when
    /// `at_end` (trailing newlines end an `eval` input).
    fn skip_trivia(&mut self, at_end: bool) {
        loop {
            match self.peek() {
                Some(' ' | '\t' | '\u{c}') => self.at += 1,
                // An explicit line joining (not at the end of the input: an EOF error there).
                Some('\\') if self.peek_at(1) == Some('\n') && !self.blank_from(self.at + 2) => self.at += 2,
                Some('\n') if self.depth > 0 || at_end && self.blank_from(self.at) => self.at += 1,
                Some('#') => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.at += 1;
                    }
                }
                _ => return,
            }
        }
    }

    /// Blank and comment-only lines before the expression; the expression's own line
    /// must not be indented (a form feed resets the indentation, as in the tokenizer).
    fn skip_leading_blank_lines(&mut self) -> Result<(), LiteralError> {
        loop {
            let line_start = self.at;
            while matches!(self.peek(), Some(' ' | '\t' | '\u{c}')) {
                self.at += 1;
            }
            if self.peek() == Some('#') {
                while self.peek().is_some_and(|c| c != '\n') {
                    self.at += 1;
                }
            }
            if self.peek() == Some('\n') {
                self.at += 1;
                continue;
            }
            let indent = &self.chars[line_start..self.at];
            let after_form_feed = indent.iter().rposition(|&c| c == '\u{c}').map_or(0, |i| i + 1);
            if self.peek().is_some() && after_form_feed < indent.len() {
                return Err(LiteralError::Syntax { at: line_start, reason: "unexpected indent" });
            }
            return Ok(());
        }
    }

    /// Only whitespace, newlines and comments follow `from`.
    fn blank_from(&self, from: usize) -> bool {
        let mut in_comment = false;
        for &c in &self.chars[from.min(self.chars.len())..] {
            match c {
                '\n' => in_comment = false,
                _ if in_comment => {}
                '#' => in_comment = true,
                ' ' | '\t' | '\u{c}' => {}
                _ => return false,
            }
        }
        true
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_trivia(false);
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// `a, b, …`: a bare tuple when there is a comma (`top`: the whole input; inside
    /// brackets the caller handles commas).
    fn expression_list(&mut self, top: bool) -> Result<Node, LiteralError> {
        let first = self.expression()?;
        if !top || !self.eat(',') {
            return Ok(first);
        }
        let mut items = vec![first];
        loop {
            self.skip_trivia(true);
            if self.at >= self.chars.len() {
                break;
            }
            items.push(self.expression()?);
            if !self.eat(',') {
                break;
            }
        }
        Ok(Node::Tuple(items))
    }

    /// An expression: additive terms of unary operands (other binary operators parse
    /// but are not literals).
    fn expression(&mut self) -> Result<Node, LiteralError> {
        let mut left = self.unary()?;
        loop {
            self.skip_trivia(false);
            match self.peek() {
                Some(c @ ('+' | '-')) => {
                    self.at += 1;
                    let right = self.unary()?;
                    left = Node::Binary { subtract: c == '-', left: Box::new(left), right: Box::new(right) };
                }
                Some('*' | '/' | '%' | '@' | '&' | '|' | '^' | '<' | '>' | '=' | '!') => {
                    self.operator_tail()?;
                    left = Node::Other;
                }
                _ => return Ok(left),
            }
        }
    }

    /// The rest of an expression after an operator that is not `+`/`-`: parse and discard.
    fn operator_tail(&mut self) -> Result<(), LiteralError> {
        let two: String = self.chars[self.at..].iter().take(2).collect();
        let width = match two.as_str() {
            "**" | "//" | "<<" | ">>" | "<=" | ">=" | "==" | "!=" => 2,
            _ if two.starts_with('!') => return Err(self.syntax("invalid character")),
            _ if two.starts_with('=') => return Err(self.syntax("assignment in an expression")),
            _ => 1,
        };
        self.at += width;
        self.unary().map(drop)
    }

    fn unary(&mut self) -> Result<Node, LiteralError> {
        self.skip_trivia(false);
        match self.peek() {
            Some(c @ ('+' | '-')) => {
                self.at += 1;
                let operand = self.unary()?;
                Ok(Node::Unary { negative: c == '-', operand: Box::new(operand) })
            }
            Some('~') => {
                self.at += 1;
                self.unary().map(|_| Node::Other)
            }
            _ => self.postfix(),
        }
    }

    /// An atom followed by calls, subscripts or attributes (not literals, except `set()`).
    fn postfix(&mut self) -> Result<Node, LiteralError> {
        let start = self.at;
        let mut node = self.atom()?;
        loop {
            self.skip_trivia(false);
            match self.peek() {
                Some('(') => {
                    let is_set = matches!(node, Node::Name)
                        && self.chars[start..self.at].iter().collect::<String>().trim() == "set";
                    self.at += 1;
                    self.depth += 1;
                    let empty = self.eat(')');
                    if !empty {
                        self.bracket_items(')')?;
                    }
                    self.depth -= 1;
                    node = if is_set && empty { Node::EmptySetCall } else { Node::Other };
                }
                Some('[') => {
                    self.at += 1;
                    self.depth += 1;
                    self.bracket_items(']')?;
                    self.depth -= 1;
                    node = Node::Other;
                }
                Some('.') if self.peek_at(1).is_some_and(is_identifier_start) => {
                    self.at += 1;
                    self.identifier();
                    node = Node::Other;
                }
                _ => return Ok(node),
            }
        }
    }

    /// Comma-separated expressions up to `close` (for calls and subscripts, discarded).
    fn bracket_items(&mut self, close: char) -> Result<(), LiteralError> {
        loop {
            if self.eat(close) {
                return Ok(());
            }
            self.expression()?;
            if !self.eat(',') {
                return if self.eat(close) { Ok(()) } else { Err(self.syntax("unclosed bracket")) };
            }
        }
    }

    fn identifier(&mut self) -> String {
        let start = self.at;
        while self.peek().is_some_and(is_identifier_continue) {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }

    fn atom(&mut self) -> Result<Node, LiteralError> {
        self.skip_trivia(false);
        let Some(c) = self.peek() else {
            return Err(self.syntax("unexpected end of input"));
        };
        match c {
            '(' | '[' | '{' => self.display(c),
            '0'..='9' => self.number(),
            '.' if self.peek_at(1).is_some_and(|d| d.is_ascii_digit()) => self.number(),
            '.' if self.peek_at(1) == Some('.') && self.peek_at(2) == Some('.') => {
                self.at += 3;
                Ok(Node::Constant(PyLiteral::Ellipsis))
            }
            '\'' | '"' => self.strings(),
            c if is_identifier_start(c) => {
                let start = self.at;
                let word = self.identifier();
                if self.peek().is_some_and(|q| q == '\'' || q == '"') && is_string_prefix(&word) {
                    self.at = start;
                    return self.strings();
                }
                Ok(match word.as_str() {
                    "True" => Node::Constant(PyLiteral::Bool(true)),
                    "False" => Node::Constant(PyLiteral::Bool(false)),
                    "None" => Node::Constant(PyLiteral::None),
                    "lambda" | "yield" | "await" | "not" | "if" | "else" | "for" | "in" | "is" | "and" | "or"
                    | "import" | "def" | "class" | "return" | "pass" | "del" | "global" | "while" | "with" | "as"
                    | "assert" | "break" | "continue" | "except" | "finally" | "from" | "nonlocal" | "raise"
                    | "try" | "elif" => return Err(self.syntax("a keyword where a literal is expected")),
                    _ => Node::Name,
                })
            }
            _ => Err(self.syntax("invalid character")),
        }
    }

    /// `( … )`, `[ … ]`, `{ … }`.
    fn display(&mut self, open: char) -> Result<Node, LiteralError> {
        self.at += 1;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.syntax("too many nested brackets"));
        }
        let close = match open {
            '(' => ')',
            '[' => ']',
            _ => '}',
        };
        let node = if open == '{' { self.braces()? } else { self.sequence(open, close)? };
        self.depth -= 1;
        Ok(node)
    }

    fn sequence(&mut self, open: char, close: char) -> Result<Node, LiteralError> {
        let mut items = Vec::new();
        let mut trailing_comma = false;
        loop {
            if self.eat(close) {
                break;
            }
            items.push(self.expression()?);
            trailing_comma = self.eat(',');
            if !trailing_comma {
                if self.eat(close) {
                    break;
                }
                return Err(self.syntax("unclosed bracket or missing comma"));
            }
        }
        Ok(match open {
            '[' => Node::List(items),
            // `(x)` is x; `(x,)` and `()` are tuples.
            _ if items.len() == 1 && !trailing_comma => items.pop().expect("one item"),
            _ => Node::Tuple(items),
        })
    }

    fn braces(&mut self) -> Result<Node, LiteralError> {
        if self.eat('}') {
            return Ok(Node::Dict(Vec::new()));
        }
        if self.eat('*') {
            return Err(LiteralError::NotLiteral("an unpacking"));
        }
        let first = self.expression()?;
        if self.eat(':') {
            let mut entries = vec![(first, self.expression()?)];
            loop {
                if !self.eat(',') {
                    return if self.eat('}') { Ok(Node::Dict(entries)) } else { Err(self.syntax("unclosed brace")) };
                }
                if self.eat('}') {
                    return Ok(Node::Dict(entries));
                }
                let key = self.expression()?;
                if !self.eat(':') {
                    return Err(self.syntax("a dict entry without ':'"));
                }
                entries.push((key, self.expression()?));
            }
        }
        let mut items = vec![first];
        loop {
            if !self.eat(',') {
                return if self.eat('}') { Ok(Node::Set(items)) } else { Err(self.syntax("unclosed brace")) };
            }
            if self.eat('}') {
                return Ok(Node::Set(items));
            }
            items.push(self.expression()?);
        }
    }

    /// An integer, float or imaginary literal.
    fn number(&mut self) -> Result<Node, LiteralError> {
        let start = self.at;
        if self.peek() == Some('0') && self.peek_at(1).is_some_and(|c| matches!(c, 'x' | 'X' | 'o' | 'O' | 'b' | 'B')) {
            let radix = match self.peek_at(1) {
                Some('x' | 'X') => 16,
                Some('o' | 'O') => 8,
                _ => 2,
            };
            self.at += 2;
            let digits = self.digit_part(radix, true)?;
            if digits.is_empty() || self.peek().is_some_and(is_identifier_continue) {
                return Err(self.syntax("invalid integer literal"));
            }
            return Ok(Node::Constant(PyLiteral::Int(PyInt::from_digits(
                digits.chars().map(|c| c.to_digit(radix).expect("validated digit")),
                radix,
            ))));
        }
        let integer = self.digit_part(10, false)?;
        let mut is_float = false;
        let mut fraction = String::new();
        let mut exponent = String::from("0");
        if self.peek() == Some('.') && !(self.peek_at(1) == Some('.') && self.peek_at(2) == Some('.')) {
            self.at += 1;
            is_float = true;
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                fraction = self.digit_part(10, false)?;
            }
        }
        if self.peek().is_some_and(|c| c == 'e' || c == 'E') {
            let signed = self.peek_at(1).is_some_and(|c| c == '+' || c == '-');
            let digit_at = if signed { 2 } else { 1 };
            if !self.peek_at(digit_at).is_some_and(|c| c.is_ascii_digit()) {
                return Err(self.syntax("invalid decimal literal"));
            }
            let negative = self.peek_at(1) == Some('-');
            self.at += digit_at;
            is_float = true;
            exponent = format!("{}{}", if negative { "-" } else { "" }, self.digit_part(10, false)?);
        }
        let or_zero = |digits: &str| if digits.is_empty() { "0".to_owned() } else { digits.to_owned() };
        let text = format!("{}.{}e{exponent}", or_zero(&integer), or_zero(&fraction));
        let imaginary = self.peek().is_some_and(|c| c == 'j' || c == 'J');
        if imaginary {
            self.at += 1;
        }
        if self.peek().is_some_and(is_identifier_continue) {
            return Err(self.syntax("invalid decimal literal"));
        }
        if imaginary || is_float {
            let value: f64 = text.parse().map_err(|_| LiteralError::Syntax { at: start, reason: "invalid number" })?;
            return Ok(Node::Constant(if imaginary {
                PyLiteral::Complex { real: 0.0, imag: value }
            } else {
                PyLiteral::Float(value)
            }));
        }
        if integer.len() > 1 && integer.starts_with('0') && integer.chars().any(|c| c != '0') {
            return Err(LiteralError::Syntax { at: start, reason: "leading zeros in a decimal integer" });
        }
        if integer.len() > MAX_DECIMAL_DIGITS {
            return Err(LiteralError::Syntax { at: start, reason: "integer literal longer than 4300 digits" });
        }
        Ok(Node::Constant(PyLiteral::Int(PyInt::from_digits(integer.bytes().map(|b| u32::from(b - b'0')), 10))))
    }

    /// Digits of `radix` with single `_` separators between them (`leading_underscore`:
    /// one `_` may follow a `0x`-style prefix). Returns the digits without separators.
    fn digit_part(&mut self, radix: u32, leading_underscore: bool) -> Result<String, LiteralError> {
        let mut digits = String::new();
        let mut may_underscore = leading_underscore;
        while let Some(c) = self.peek() {
            if c == '_' && may_underscore {
                self.at += 1;
                if !self.peek().is_some_and(|d| d.is_digit(radix)) {
                    return Err(self.syntax("invalid number separator"));
                }
                may_underscore = false;
                continue;
            }
            if c.is_ascii_digit() && !c.is_digit(radix) && radix < 10 {
                return Err(self.syntax("invalid digit"));
            }
            if !c.is_digit(radix) {
                break;
            }
            digits.push(c);
            self.at += 1;
            may_underscore = true;
        }
        Ok(digits)
    }

    /// One or more adjacent string literals (implicit concatenation).
    fn strings(&mut self) -> Result<Node, LiteralError> {
        let mut text = String::new();
        let mut bytes: Vec<u8> = Vec::new();
        let mut kind: Option<bool> = None; // Some(true): bytes
        let mut formatted = false;
        loop {
            self.skip_trivia(false);
            let start = self.at;
            let prefix = if self.peek().is_some_and(is_identifier_start) { self.identifier() } else { String::new() };
            if !matches!(self.peek(), Some('\'' | '"')) || !is_string_prefix(&prefix) {
                self.at = start;
                break;
            }
            let lower = prefix.to_ascii_lowercase();
            let is_bytes = lower.contains('b');
            let raw = lower.contains('r');
            formatted |= lower.contains('f');
            if kind.is_some_and(|k| k != is_bytes) {
                return Err(self.syntax("cannot mix bytes and non-bytes literals"));
            }
            kind = Some(is_bytes);
            let body = self.string_body()?;
            if is_bytes {
                bytes.extend(decode_bytes(&body, raw).map_err(|reason| LiteralError::Syntax { at: start, reason })?);
            } else {
                text.push_str(&decode_str(&body, raw).map_err(|reason| LiteralError::Syntax { at: start, reason })?);
            }
        }
        Ok(if formatted {
            Node::FString
        } else if kind == Some(true) {
            Node::Constant(PyLiteral::Bytes(bytes))
        } else {
            Node::Constant(PyLiteral::Str(text))
        })
    }

    /// The characters between the quotes (escapes undecoded), for `'`, `"`, `'''`, `"""`.
    fn string_body(&mut self) -> Result<Vec<char>, LiteralError> {
        let quote = self.peek().expect("a quote");
        let triple = self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote);
        self.at += if triple { 3 } else { 1 };
        let mut body = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.syntax("unterminated string literal"));
            };
            if c == quote && (!triple || self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote)) {
                self.at += if triple { 3 } else { 1 };
                return Ok(body);
            }
            if c == '\n' && !triple {
                return Err(self.syntax("unterminated string literal"));
            }
            body.push(c);
            self.at += 1;
            if c == '\\' {
                // The escaped character never ends the string (also in raw strings).
                if let Some(next) = self.peek() {
                    body.push(next);
                    self.at += 1;
                }
            }
        }
    }
}

fn is_identifier_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_identifier_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

fn is_string_prefix(prefix: &str) -> bool {
    matches!(prefix.to_ascii_lowercase().as_str(), "" | "r" | "u" | "b" | "br" | "rb" | "f" | "fr" | "rf")
}

/// The character of a one-letter escape (`\\`, `\'`, `\"`, `\a`, `\b`, `\f`, `\n`, `\r`,
/// `\t`, `\v`), the same in strings and bytes.
fn simple_escape(e: char) -> Option<char> {
    Some(match e {
        '\\' | '\'' | '"' => e,
        'a' => '\u{7}',
        'b' => '\u{8}',
        'f' => '\u{c}',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\u{b}',
        _ => return None,
    })
}

/// The value of an octal escape: `first` and up to two more octal digits at `body[*i..]`
/// (advancing `i` past them).
fn octal_escape(first: char, body: &[char], i: &mut usize) -> u32 {
    let mut value = first.to_digit(8).expect("an octal digit");
    for _ in 0..2 {
        match body.get(*i).and_then(|d| d.to_digit(8)) {
            Some(d) => {
                value = value * 8 + d;
                *i += 1;
            }
            None => break,
        }
    }
    value
}

/// Python's string escapes (`raw`: backslashes are kept).
fn decode_str(body: &[char], raw: bool) -> Result<String, &'static str> {
    let mut out = String::new();
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if c != '\\' || raw {
            out.push(c);
            i += 1;
            continue;
        }
        let Some(&e) = body.get(i + 1) else {
            return Err("a backslash at the end of a string");
        };
        i += 2;
        match e {
            '\n' => {}
            '0'..='7' => {
                let value = octal_escape(e, body, &mut i);
                out.push(char::from_u32(value).ok_or("invalid octal escape")?);
            }
            _ if simple_escape(e).is_some() => out.push(simple_escape(e).expect("checked")),
            'x' | 'u' | 'U' => {
                let width = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let digits: String = body.iter().skip(i).take(width).collect();
                if digits.chars().count() != width || !digits.chars().all(|d| d.is_ascii_hexdigit()) {
                    return Err("truncated \\x, \\u or \\U escape");
                }
                i += width;
                let value = u32::from_str_radix(&digits, 16).map_err(|_| "invalid escape")?;
                out.push(char::from_u32(value).ok_or("illegal Unicode character")?);
            }
            'N' => {
                // `\N{NAME}`: a character by its Unicode name (case-insensitive).
                let close = body[i..].iter().position(|&c| c == '}');
                let name: Option<String> = match (body.get(i), close) {
                    (Some('{'), Some(close)) if close > 1 => Some(body[i + 1..i + close].iter().collect()),
                    _ => None,
                };
                let character = name.as_deref().and_then(unicode_names2::character);
                out.push(character.ok_or("malformed or unknown \\N{…} escape")?);
                i += close.unwrap_or(0) + 1;
            }
            // An unknown escape keeps its backslash.
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}

/// Python's bytes escapes; only ASCII characters may appear in a bytes literal.
fn decode_bytes(body: &[char], raw: bool) -> Result<Vec<u8>, &'static str> {
    if !body.iter().all(char::is_ascii) {
        return Err("bytes can only contain ASCII literal characters");
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if c != '\\' || raw {
            out.push(c as u8);
            i += 1;
            continue;
        }
        let Some(&e) = body.get(i + 1) else {
            return Err("a backslash at the end of a bytes literal");
        };
        i += 2;
        match e {
            '\n' => {}
            '0'..='7' => out.push((octal_escape(e, body, &mut i) & 0xff) as u8),
            _ if simple_escape(e).is_some() => out.push(simple_escape(e).expect("checked") as u8),
            'x' => {
                let digits: String = body.iter().skip(i).take(2).collect();
                if digits.len() != 2 || !digits.chars().all(|d| d.is_ascii_hexdigit()) {
                    return Err("invalid \\x escape");
                }
                i += 2;
                out.push(u8::from_str_radix(&digits, 16).map_err(|_| "invalid \\x escape")?);
            }
            other => {
                out.push(b'\\');
                out.push(other as u8);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eq(a: &str, b: &str) -> bool {
        literal_eval(a).unwrap().py_eq(&literal_eval(b).unwrap())
    }

    #[test]
    fn numeric_tower_and_containers_compare_as_in_python() {
        assert!(eq("1", "1.0") && eq("True", "1") && eq("1", "1+0j") && eq("-0.0", "0"));
        assert!(!eq("9007199254740993", "9007199254740992.0"));
        assert!(eq("[1, (2, 3)]", "[1.0, (2, 3)]") && !eq("[1]", "(1,)"));
        assert!(eq("{1, 2, 3}", "{3, 2, 1}") && eq("{'a': 1, 'b': 2}", "{'b': 2, 'a': 1}"));
        assert!(eq("{1, 1.0, True}", "{1}") && !eq("'a'", "b'a'"));
        assert!(eq("0x_ff", "255") && eq("0b101", "5") && eq("1_000", "1000") && eq("'a' \"b\"", "'ab'"));
    }

    #[test]
    fn non_literals_and_bad_syntax_are_errors() {
        assert!(matches!(literal_eval("x"), Err(LiteralError::NotLiteral(_))));
        assert!(matches!(literal_eval("f(1)"), Err(LiteralError::NotLiteral(_))));
        assert!(matches!(literal_eval("2j+1"), Err(LiteralError::NotLiteral(_))));
        assert!(matches!(literal_eval("--5"), Err(LiteralError::NotLiteral(_))));
        assert!(matches!(literal_eval("007"), Err(LiteralError::Syntax { .. })));
        assert!(matches!(literal_eval("[1, 2"), Err(LiteralError::Syntax { .. })));
        assert!(matches!(literal_eval("{[1]: 2}"), Err(LiteralError::Unhashable(_))));
        assert!(matches!(literal_eval("set()"), Ok(PyLiteral::Set(s)) if s.is_empty()));
        assert_eq!(
            literal_eval("-12345678901234567890123")
                .map(|v| matches!(v, PyLiteral::Int(ref i) if i.to_decimal() == "-12345678901234567890123")),
            Ok(true)
        );
    }
}
