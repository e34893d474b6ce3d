//! AST subtree diversity of code outputs (methodology §3.6; the study's Table 15 and
//! Figure 7): each output's code (`extract_code_from_markdown(_strip_cot(o))`, the
//! longest fenced block) is parsed by CPython's own `ast` module, and the `ast.dump`
//! strings of its height-4 subtrees form a multiset c_i.
//!
//! * `ast_pairwise` = mean over pairs of outputs with subtrees of the multiset Jaccard
//!   distance `1 − Σ_k min(c_i[k], c_j[k]) / Σ_k max(c_i[k], c_j[k])` (undefined below
//!   two such outputs); the paper's D_c^AST.
//! * `ast_distinct` = distinct / total subtrees pooled over the prompt's outputs
//!   (undefined when none has a subtree).
//! * `parseability_rate` = outputs that parse / outputs.
//!
//! Python's grammar is not re-implemented: one `python3` process (the script
//! `ast_subtrees.py` beside this file) parses every output of a run, a prompt per
//! request, and its version is recorded in provenance, since `ast.dump` differs between
//! versions (3.11 rejects 3.12's `type X = …`, for one). Parsing never executes the code.
//! The walk has the script's recursion, so a tree about 498 levels high exhausts Python's
//! recursion limit in both (the output parses but contributes no subtree; the script's own
//! depth guard of 500 is never reached); the exact height can differ by a level or two
//! with the depth of the caller's stack.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use crate::metrics::text::strip_cot;
use crate::tasks::code::extract_code_from_markdown;

/// The helper script run by the interpreter.
const SCRIPT: &str = include_str!("ast_subtrees.py");

/// Errors of the parsing process.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AstError {
    /// The interpreter cannot be started.
    #[error("cannot start `{python}` for the AST metrics (set DIVCOLLAPSE_PYTHON to a Python 3 interpreter): {source}")]
    Start {
        /// The interpreter.
        python: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The interpreter stopped or answered something else.
    #[error("the AST parser (`{python}`) failed: {problem}")]
    Protocol {
        /// The interpreter.
        python: String,
        /// What happened.
        problem: String,
    },
}

/// What CPython made of one output's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedCode {
    /// `ast.parse` raised.
    Unparseable,
    /// It parsed, but walking the tree exhausted the recursion limit (no subtrees).
    TooDeep,
    /// The height-4 subtrees as `ast.dump` strings, in walk order.
    Subtrees(Vec<String>),
}

/// A running `python3` that parses code.
pub struct AstParser {
    python: String,
    version: String,
    child: Child,
    stdin: BufWriter<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl AstParser {
    /// Starts the interpreter: `DIVCOLLAPSE_PYTHON`, else `python3` on the PATH.
    pub fn start() -> Result<Self, AstError> {
        let python = std::env::var("DIVCOLLAPSE_PYTHON").unwrap_or_else(|_| "python3".to_owned());
        Self::start_with(PathBuf::from(&python))
    }

    /// Starts a given interpreter.
    pub fn start_with(python: PathBuf) -> Result<Self, AstError> {
        let name = python.display().to_string();
        let mut child = Command::new(&python)
            .args(["-I", "-c", SCRIPT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| AstError::Start { python: name.clone(), source })?;
        let protocol = |problem: String| AstError::Protocol { python: name.clone(), problem };
        let stdin = BufWriter::new(child.stdin.take().ok_or_else(|| protocol("no stdin".into()))?);
        let mut stdout = BufReader::new(child.stdout.take().ok_or_else(|| protocol("no stdout".into()))?);
        let mut hello = String::new();
        stdout.read_line(&mut hello).map_err(|e| protocol(e.to_string()))?;
        let version = serde_json::from_str::<serde_json::Value>(&hello)
            .ok()
            .and_then(|v| v.get("python").and_then(|p| p.as_str()).map(str::to_owned))
            .ok_or_else(|| protocol(format!("not a Python 3 interpreter running the script (it said {hello:?})")))?;
        Ok(Self { python: name, version, child, stdin, stdout })
    }

    /// The interpreter's version (`3.11.7`).
    pub fn python_version(&self) -> &str {
        &self.version
    }

    /// Parses code strings.
    pub fn parse(&mut self, codes: &[String]) -> Result<Vec<ParsedCode>, AstError> {
        let protocol = |problem: String| AstError::Protocol { python: self.python.clone(), problem };
        let request = serde_json::to_string(codes).map_err(|e| protocol(e.to_string()))?;
        let sent = writeln!(self.stdin, "{request}").and_then(|()| self.stdin.flush());
        let mut reply = String::new();
        let read = sent.and_then(|()| self.stdout.read_line(&mut reply));
        if read.is_err() || reply.is_empty() {
            let status = self.child.try_wait().ok().flatten();
            return Err(protocol(format!("the process ended ({status:?}) while parsing {} outputs", codes.len())));
        }
        let values: Vec<serde_json::Value> = serde_json::from_str(&reply).map_err(|e| protocol(e.to_string()))?;
        if values.len() != codes.len() {
            return Err(protocol(format!("{} results for {} outputs", values.len(), codes.len())));
        }
        values
            .into_iter()
            .map(|value| match value {
                serde_json::Value::Null => Ok(ParsedCode::Unparseable),
                serde_json::Value::String(s) if s == "recursion" => Ok(ParsedCode::TooDeep),
                serde_json::Value::Array(items) => {
                    Ok(ParsedCode::Subtrees(items.into_iter().filter_map(|i| i.as_str().map(str::to_owned)).collect()))
                }
                other => Err(protocol(format!("unexpected result {other}"))),
            })
            .collect()
    }

    /// The AST metrics of one prompt's outputs.
    pub fn score(&mut self, outputs: &[String]) -> Result<AstScores, AstError> {
        let codes: Vec<String> = outputs.iter().map(|o| code_of(o)).collect();
        Ok(ast_scores(&self.parse(&codes)?))
    }
}

impl Drop for AstParser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The code the study parses: `extract_code_from_markdown(_strip_cot(output))`.
pub fn code_of(output: &str) -> String {
    extract_code_from_markdown(&strip_cot(output), "")
}

/// The AST metrics of one prompt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AstScores {
    /// Distinct / total subtrees, pooled (`None`: no output has a subtree).
    pub ast_distinct: Option<f64>,
    /// Mean multiset Jaccard distance over pairs (`None`: fewer than two outputs with
    /// subtrees).
    pub ast_pairwise: Option<f64>,
    /// Outputs that parse.
    pub parsed: usize,
    /// Outputs.
    pub total: usize,
}

impl AstScores {
    /// `parsed / total` (`None` without outputs).
    pub fn parseability_rate(&self) -> Option<f64> {
        (self.total > 0).then(|| self.parsed as f64 / self.total as f64)
    }
}

/// The metrics from parsed outputs (see the module docs).
pub fn ast_scores(parsed: &[ParsedCode]) -> AstScores {
    let parsed_count = parsed.iter().filter(|p| !matches!(p, ParsedCode::Unparseable)).count();
    // One multiset per output with at least one subtree.
    let multisets: Vec<HashMap<&str, usize>> = parsed
        .iter()
        .filter_map(|p| match p {
            ParsedCode::Subtrees(list) if !list.is_empty() => {
                let mut counts = HashMap::new();
                for subtree in list {
                    *counts.entry(subtree.as_str()).or_insert(0) += 1;
                }
                Some(counts)
            }
            _ => None,
        })
        .collect();
    let ast_distinct = (!multisets.is_empty()).then(|| {
        let mut pooled: HashMap<&str, usize> = HashMap::new();
        for counts in &multisets {
            for (subtree, n) in counts {
                *pooled.entry(subtree).or_insert(0) += n;
            }
        }
        pooled.len() as f64 / pooled.values().sum::<usize>() as f64
    });
    let mut distances = Vec::new();
    for (i, a) in multisets.iter().enumerate() {
        for b in &multisets[i + 1..] {
            let (mut intersection, mut union) = (0usize, 0usize);
            for (subtree, &n) in a {
                let m = b.get(subtree).copied().unwrap_or(0);
                intersection += n.min(m);
                union += n.max(m);
            }
            union += b.iter().filter(|(k, _)| !a.contains_key(*k)).map(|(_, &m)| m).sum::<usize>();
            distances.push(if union > 0 { 1.0 - intersection as f64 / union as f64 } else { 0.0 });
        }
    }
    let ast_pairwise = (!distances.is_empty()).then(|| crate::metrics::summary::numpy_mean(&distances));
    AstScores { ast_distinct, ast_pairwise, parsed: parsed_count, total: parsed.len() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subtrees(list: &[&str]) -> ParsedCode {
        ParsedCode::Subtrees(list.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn multiset_jaccard_and_pooled_distinct() {
        // {a:2, b:1} vs {a:1, c:1}: min 1, max 2 + 1 + 1 = 4 → distance 0.75.
        let parsed = [subtrees(&["a", "a", "b"]), subtrees(&["a", "c"]), ParsedCode::Unparseable, subtrees(&[])];
        let scores = ast_scores(&parsed);
        assert_eq!(scores.ast_pairwise, Some(0.75));
        assert_eq!(scores.ast_distinct, Some(3.0 / 5.0));
        assert_eq!((scores.parsed, scores.total), (3, 4));
        let lonely = ast_scores(&[subtrees(&["a"]), ParsedCode::TooDeep]);
        assert_eq!((lonely.ast_pairwise, lonely.ast_distinct, lonely.parsed), (None, Some(1.0), 2));
    }
}
