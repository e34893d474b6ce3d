//! The scoring journal: per-prompt scores appended and synced as they are computed, so
//! that a `score` run killed at any point resumes without scoring a prompt twice or
//! losing one.
//!
//! ```text
//! {"score_journal": {...settings and input hashes...}}
//! {"model": "...", "task": "...", "input_id": "...", "ead": 0.81, ...}
//! ...
//! ```
//!
//! The first line records what the scores depend on; a journal written with other
//! settings or inputs is discarded. A torn last line (the write a crash interrupted) is
//! cut off. The journal is removed once the final tables are written.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use super::per_prompt::PromptScores;

/// Errors of the journal.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The journal.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A complete line is not a score row.
    #[error("{path}:{line}: not a score row ({problem}); delete the journal to score from the start")]
    BadLine {
        /// The journal.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The parser's message.
        problem: String,
    },
}

/// What opening found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalReport {
    /// Rows kept from an earlier run.
    pub resumed: usize,
    /// An earlier journal was written with other settings and was discarded.
    pub discarded: bool,
    /// A torn last line was cut off (its 1-based line number).
    pub torn_line: Option<usize>,
}

/// An open journal.
pub struct ScoreJournal {
    path: PathBuf,
    file: File,
    rows: Vec<PromptScores>,
}

/// The journal of the table `out`: `.OUT_NAME.journal.jsonl` beside it.
pub fn journal_path(out: &Path) -> PathBuf {
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    out.with_file_name(format!(".{name}.journal.jsonl"))
}

impl ScoreJournal {
    /// Opens (or starts) the journal at `path` for runs described by `key`.
    pub fn open(path: &Path, key: &serde_json::Value) -> Result<(Self, JournalReport), JournalError> {
        let io = |source| JournalError::Io { path: path.to_owned(), source };
        let header = serde_json::json!({ "score_journal": key }).to_string() + "\n";
        let mut report = JournalReport::default();
        let mut rows = Vec::new();
        let mut keep_bytes = 0u64;
        if path.exists() {
            let mut reader = BufReader::new(File::open(path).map_err(io)?);
            let mut buffer = String::new();
            let mut line = 0;
            loop {
                buffer.clear();
                let read = reader.read_line(&mut buffer).map_err(io)?;
                if read == 0 {
                    break;
                }
                line += 1;
                if !buffer.ends_with('\n') {
                    report.torn_line = Some(line);
                    break;
                }
                if line == 1 {
                    if buffer != header {
                        report.discarded = true;
                        break;
                    }
                } else {
                    let row: PromptScores = serde_json::from_str(&buffer).map_err(|e| JournalError::BadLine {
                        path: path.to_owned(),
                        line,
                        problem: e.to_string(),
                    })?;
                    rows.push(row);
                }
                keep_bytes += read as u64;
            }
        }
        if report.discarded || keep_bytes == 0 {
            rows.clear();
            std::fs::write(path, &header).map_err(io)?;
        } else {
            OpenOptions::new().write(true).open(path).and_then(|f| f.set_len(keep_bytes)).map_err(io)?;
        }
        report.resumed = rows.len();
        let file = OpenOptions::new().append(true).open(path).map_err(io)?;
        file.sync_data().map_err(io)?;
        Ok((Self { path: path.to_owned(), file, rows }, report))
    }

    /// The rows of earlier runs, in the order they were scored.
    pub fn resumed(&self) -> &[PromptScores] {
        &self.rows
    }

    /// Appends one row and makes it durable.
    pub fn append(&mut self, row: &PromptScores) -> Result<(), JournalError> {
        let io = |source| JournalError::Io { path: self.path.clone(), source };
        let mut line = serde_json::to_vec(row).expect("score rows serialise");
        line.push(b'\n');
        self.file.write_all(&line).map_err(io)?;
        self.file.sync_data().map_err(io)
    }

    /// Removes the journal (the final tables are written).
    pub fn finish(self) -> Result<(), JournalError> {
        std::fs::remove_file(&self.path).map_err(|source| JournalError::Io { path: self.path.clone(), source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, ead: f64) -> PromptScores {
        PromptScores {
            model: "m".into(),
            task: "t".into(),
            input_id: id.into(),
            n_outputs: 4,
            mean_words: Some(2.5),
            ead: Some(ead),
            ead_n: Some(vec![ead; 5]),
            sbert: None,
            vendi: Some(1.0 / 3.0),
            nli: None,
            ast_pairwise: None,
            ast_distinct: None,
            parseability_rate: None,
            code_sbert: None,
            code_vendi: None,
            extended: [("self_bleu".to_owned(), Some(12.5)), ("distinct_4".to_owned(), None)].into_iter().collect(),
        }
    }

    #[test]
    fn rows_survive_a_restart_and_a_torn_line_is_cut() {
        let dir = tempfile::tempdir().unwrap();
        let path = journal_path(&dir.path().join("scores.csv"));
        let key = serde_json::json!({"generations": "abc"});
        let (mut journal, report) = ScoreJournal::open(&path, &key).unwrap();
        assert_eq!(report, JournalReport::default());
        journal.append(&row("a", 0.1)).unwrap();
        journal.append(&row("b", 0.2)).unwrap();
        drop(journal);
        // A crash in the middle of the third write.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"model\":\"m\",\"ta").unwrap();
        drop(file);
        let (mut journal, report) = ScoreJournal::open(&path, &key).unwrap();
        assert_eq!(report.resumed, 2);
        assert_eq!(report.torn_line, Some(4));
        assert_eq!(journal.resumed(), &[row("a", 0.1), row("b", 0.2)]);
        journal.append(&row("c", 0.3)).unwrap();
        drop(journal);
        let (journal, _) = ScoreJournal::open(&path, &key).unwrap();
        assert_eq!(journal.resumed().len(), 3);
        // Other settings: the journal starts over.
        let (journal, report) = ScoreJournal::open(&path, &serde_json::json!({"generations": "xyz"})).unwrap();
        assert!(report.discarded);
        assert!(journal.resumed().is_empty());
        journal.finish().unwrap();
        assert!(!path.exists());
    }

    #[test]
    fn a_damaged_complete_line_is_an_error_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let key = serde_json::json!(1);
        let (journal, _) = ScoreJournal::open(&path, &key).unwrap();
        drop(journal);
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"not json\n").unwrap();
        drop(file);
        let message = ScoreJournal::open(&path, &key).err().unwrap().to_string();
        assert!(message.contains("j.jsonl:2"), "{message}");
    }
}
