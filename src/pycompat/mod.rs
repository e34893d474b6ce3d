//! Python semantics that the reference pipeline relies on, ported exactly.
//!
//! The authors' code splits words with `str.split()`, strips with `str.strip()` and draws
//! sentence indices with `random.Random(1234).sample`; prompt subsets come from
//! `random.Random(42).shuffle`; the across-input samples come from numpy's legacy global
//! generator (`np.random.seed(1234)`, `np.random.choice(..., replace=False)`). Rust's defaults differ in small ways (for example,
//! `char::is_whitespace` does not include `\x1c`–`\x1f`), so these ports exist to make
//! results match the reference bit for bit.
//!
//! [`nltk`] ports NLTK's Punkt sentence splitter and `word_tokenize`, used by the IFEval
//! checker and by the lexical diversity measures.

pub mod json;
pub mod literal;
pub mod nltk;
pub mod number;
pub mod numpy_random;
pub mod random;
pub mod string;

pub use literal::{LiteralError, PyLiteral, literal_eval};
pub use number::{py_float, py_format_g, py_int, py_int_str};
pub use numpy_random::NumpyLegacyRandom;
pub use random::PyRandom;
pub use string::{PY_WS, is_py_whitespace, prompt_key, py_rstrip, py_split_whitespace, py_splitlines, py_strip};
