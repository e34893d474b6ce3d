//! `judge score`: result lines → the study's quality table, with a bootstrap interval
//! over prompts for every rate.
//!
//! Each judge follows its script's bookkeeping exactly:
//!
//! * `kirk-summary`: a repeated `custom_id` is skipped (the first is kept, whatever it
//!   says); a line that is not JSON, a key without four parts, a reply without choices
//!   or content, or an unparsable ranking is a failure. Verdicts are un-swapped;
//!   `win_rate = (wins + ½·ties) / n` per model and task.
//! * `arena-creative`: keys without four parts are ignored; a reply without choices or
//!   a label is unparseable (counted per model). A repeated key overwrites the earlier
//!   score (the script's dictionary keeps the last). Round 2 is flipped (1 − s); only
//!   pairs judged in both rounds count; `win_rate = (mean r1 + mean r2) / 2`.
//! * `wb-score`: every parsed score counts (no deduplication); a bad line or key is an
//!   error of no model; `wb_score = (raw_mean − 5)·2`, `raw_std` with n − 1.
//! * `mt-bench-pair` (no script in the study): as `arena-creative`, with FastChat's
//!   combination of the two position-swapped games: the same winner in both is that
//!   winner, different winners are a tie (FastChat's "inconsistent", counted apart too).
//!
//! Lines the study's scripts would crash on (not JSON for the WritingPrompts script, a
//! `null` response) count as failures here instead.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::JudgeKind;
use super::batch::{BatchError, result_lines};
use super::parse::{self, Verdict};
use crate::data::csv_field;
use crate::stats::bootstrap::mean_at;
use crate::stats::{Bootstrap, BootstrapConfig, BootstrapError, Interval};

/// Why replies cannot be scored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScoreError {
    /// A result file cannot be read.
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// The bootstrap settings are invalid.
    #[error(transparent)]
    Bootstrap(#[from] BootstrapError),
    /// Nothing could be scored.
    #[error("no reply in {files} could be scored ({failed} failures)")]
    NothingScored {
        /// The files read.
        files: String,
        /// Lines that failed.
        failed: usize,
    },
    /// The table cannot be written.
    #[error("{path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// What happened to the result lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReplyCounts {
    /// Replies whose verdict or score entered the table.
    pub parsed: usize,
    /// Lines that failed (bad JSON, bad key, no reply, unparsable reply).
    pub failed: usize,
    /// Lines skipped as repeats of an earlier `custom_id` (`kirk-summary` only).
    pub duplicates: usize,
}

/// One row of a pairwise judge's table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PairwiseRow {
    /// Model name from the custom ids.
    pub model: String,
    /// Task from the custom ids.
    pub task: String,
    /// (wins + ½·ties) / n, or the mean of the two rounds' mean scores.
    pub win_rate: Interval,
    /// Wins (`kirk-summary`, `mt-bench-pair`).
    pub n_wins: usize,
    /// Ties.
    pub n_ties: usize,
    /// Losses.
    pub n_losses: usize,
    /// Samples in the rate.
    pub n_samples: usize,
    /// Round 1's mean score (two-round judges).
    pub win_rate_r1: f64,
    /// Round 2's mean score, flipped (two-round judges).
    pub win_rate_r2: f64,
    /// Unparseable replies (two-round judges).
    pub n_unparseable: usize,
    /// Pairs whose two rounds disagree (`mt-bench-pair`).
    pub n_inconsistent: usize,
}

/// One row of the WB-Score table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WbScoreRow {
    /// Model name from the custom ids.
    pub model: String,
    /// Scores parsed.
    pub n_scored: usize,
    /// Replies of this model that failed.
    pub n_parse_errors: usize,
    /// Mean raw score (1–10).
    pub raw_mean: f64,
    /// Sample standard deviation (n − 1; n when n = 1).
    pub raw_std: f64,
    /// Median (an integer when n is odd).
    pub raw_median: f64,
    /// (raw_mean − 5)·2, with its interval.
    pub wb_score: Interval,
}

/// A judge's quality table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct JudgeScores {
    /// The protocol.
    pub judge: JudgeKind,
    /// What happened to the lines.
    pub counts: ReplyCounts,
    /// Pairwise rows (empty for `wb-score`).
    pub pairwise: Vec<PairwiseRow>,
    /// WB-Score rows (empty for the pairwise judges).
    pub wb_score: Vec<WbScoreRow>,
}

/// A parsed result line: its key and the reply text, or why there is none.
enum Reply {
    /// Not JSON, or no string key.
    BadLine,
    /// A key, and the reply's content (`None`: no choices).
    Line { custom_id: String, content: Option<String> },
}

fn read_reply(line: &str) -> Reply {
    let Ok(record) = serde_json::from_str::<Value>(line) else { return Reply::BadLine };
    let custom_id = match record.get("custom_id") {
        Some(Value::String(id)) => id.clone(),
        None => String::new(),
        Some(_) => return Reply::BadLine,
    };
    let first_choice = record
        .get("response")
        .and_then(|r| r.get("body"))
        .and_then(|b| b.get("choices"))
        .and_then(Value::as_array)
        .and_then(|choices| choices.first());
    let content = first_choice.map(|choice| {
        choice.get("message").and_then(|m| m.get("content")).and_then(Value::as_str).unwrap_or_default().to_owned()
    });
    Reply::Line { custom_id, content }
}

/// Every line of the files, in order.
fn all_lines(files: &[PathBuf]) -> Result<Vec<String>, BatchError> {
    let mut lines = Vec::new();
    for file in files {
        lines.extend(result_lines(file)?);
    }
    Ok(lines)
}

/// Scores the replies in `files` (in that order).
pub fn score(judge: JudgeKind, files: &[PathBuf], bootstrap: &BootstrapConfig) -> Result<JudgeScores, ScoreError> {
    let lines = all_lines(files)?;
    let bootstrap = Bootstrap::new(*bootstrap);
    let scores = match judge {
        JudgeKind::KirkSummary => score_kirk(&lines, &bootstrap)?,
        JudgeKind::WbScore => score_wb(&lines, &bootstrap)?,
        JudgeKind::ArenaCreative | JudgeKind::MtBenchPair => score_two_rounds(judge, &lines, &bootstrap)?,
    };
    if scores.pairwise.is_empty() && scores.wb_score.is_empty() {
        let files = files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ");
        return Err(ScoreError::NothingScored { files, failed: scores.counts.failed });
    }
    Ok(scores)
}

/// The mean of per-sample scores with its interval (undefined below two samples).
fn mean_interval(
    bootstrap: &Bootstrap,
    values: &[f64],
    map: impl Fn(f64) -> f64 + Sync,
) -> Result<Interval, ScoreError> {
    let mut interval =
        bootstrap.intervals_or_points(values.len(), 1, |indices, out| out[0] = map(mean_at(values, indices)))?[0];
    // The point estimate in the script's own arithmetic (a left-to-right sum).
    interval.estimate = map(values.iter().sum::<f64>() / values.len() as f64);
    Ok(interval)
}

fn score_kirk(lines: &[String], bootstrap: &Bootstrap) -> Result<JudgeScores, ScoreError> {
    let mut counts = ReplyCounts::default();
    let mut seen = HashSet::new();
    let mut verdicts: BTreeMap<(String, String), Vec<Verdict>> = BTreeMap::new();
    for line in lines {
        let Reply::Line { custom_id, content } = read_reply(line) else {
            counts.failed += 1;
            continue;
        };
        if !seen.insert(custom_id.clone()) {
            counts.duplicates += 1;
            continue;
        }
        let parts: Vec<&str> = custom_id.split("||").collect();
        let [model, task, _index, swap] = parts[..] else {
            counts.failed += 1;
            continue;
        };
        let Some(verdict) = content.filter(|c| !c.is_empty()).and_then(|c| parse::kirk(&c)) else {
            counts.failed += 1;
            continue;
        };
        let verdict = if swap == "1" { verdict.flipped() } else { verdict };
        verdicts.entry((model.to_owned(), task.to_owned())).or_default().push(verdict);
        counts.parsed += 1;
    }
    let mut rows = Vec::new();
    for ((model, task), list) in verdicts {
        let count = |v: Verdict| list.iter().filter(|&&x| x == v).count();
        let (n_wins, n_ties, n_losses) = (count(Verdict::Win), count(Verdict::Tie), count(Verdict::Loss));
        let values: Vec<f64> = list.iter().map(|v| v.score()).collect();
        let mut win_rate = mean_interval(bootstrap, &values, |x| x)?;
        win_rate.estimate = (n_wins as f64 + 0.5 * n_ties as f64) / list.len().max(1) as f64;
        rows.push(PairwiseRow {
            model,
            task,
            win_rate,
            n_wins,
            n_ties,
            n_losses,
            n_samples: list.len(),
            win_rate_r1: f64::NAN,
            win_rate_r2: f64::NAN,
            n_unparseable: 0,
            n_inconsistent: 0,
        });
    }
    Ok(JudgeScores { judge: JudgeKind::KirkSummary, counts, pairwise: rows, wb_score: Vec::new() })
}

/// Per (model, task): per round, sample index → score from the model's side.
type RoundScores = BTreeMap<(String, String), [BTreeMap<i128, f64>; 2]>;

fn score_two_rounds(judge: JudgeKind, lines: &[String], bootstrap: &Bootstrap) -> Result<JudgeScores, ScoreError> {
    let mut counts = ReplyCounts::default();
    let mut rounds: RoundScores = BTreeMap::new();
    let mut unparseable: BTreeMap<(String, String), usize> = BTreeMap::new();
    for line in lines {
        let Reply::Line { custom_id, content } = read_reply(line) else {
            counts.failed += 1;
            continue;
        };
        let parts: Vec<&str> = custom_id.split("||").collect();
        let [round, model, task, index] = parts[..] else { continue };
        // `int(round_str[1])`: the script checks the round only after parsing the reply.
        let Some(round) = round.chars().nth(1).and_then(|c| c.to_digit(10)) else { continue };
        let Some(index) = crate::pycompat::py_int(index) else { continue };
        let key = (model.to_owned(), task.to_owned());
        // A's score: the label's value, or 1 / ½ / 0 for a pair verdict.
        let score_of_a = content.and_then(|c| match judge {
            JudgeKind::ArenaCreative => parse::arena(&c).map(|label| label.score()),
            _ => parse::mt_bench_pair(&c).map(Verdict::score),
        });
        let Some(score_of_a) = score_of_a else {
            *unparseable.entry(key).or_default() += 1;
            counts.failed += 1;
            continue;
        };
        let model_score = match round {
            1 => score_of_a,
            2 => 1.0 - score_of_a,
            _ => continue,
        };
        rounds.entry(key).or_default()[round as usize - 1].insert(index, model_score);
        counts.parsed += 1;
    }
    let mut rows = Vec::new();
    for (key, [r1, r2]) in rounds {
        let common: Vec<i128> = r1.keys().filter(|i| r2.contains_key(i)).copied().collect();
        if common.is_empty() {
            continue;
        }
        let n = common.len() as f64;
        let r1_values: Vec<f64> = common.iter().map(|i| r1[i]).collect();
        let r2_values: Vec<f64> = common.iter().map(|i| r2[i]).collect();
        let (mean_r1, mean_r2) = (r1_values.iter().sum::<f64>() / n, r2_values.iter().sum::<f64>() / n);
        let (mut wins, mut ties, mut losses, mut inconsistent) = (0, 0, 0, 0);
        let per_sample: Vec<f64> = if judge == JudgeKind::MtBenchPair {
            r1_values
                .iter()
                .zip(&r2_values)
                .map(|(&a, &b)| {
                    let outcome = if a == b {
                        a
                    } else {
                        inconsistent += 1;
                        0.5
                    };
                    if outcome == 1.0 {
                        wins += 1;
                    } else if outcome == 0.0 {
                        losses += 1;
                    } else {
                        ties += 1;
                    }
                    outcome
                })
                .collect()
        } else {
            r1_values.iter().zip(&r2_values).map(|(a, b)| (a + b) / 2.0).collect()
        };
        let mut win_rate = mean_interval(bootstrap, &per_sample, |x| x)?;
        win_rate.estimate = if judge == JudgeKind::MtBenchPair {
            (wins as f64 + 0.5 * ties as f64) / n
        } else {
            (mean_r1 + mean_r2) / 2.0
        };
        rows.push(PairwiseRow {
            n_unparseable: unparseable.get(&key).copied().unwrap_or(0),
            model: key.0,
            task: key.1,
            win_rate,
            n_wins: wins,
            n_ties: ties,
            n_losses: losses,
            n_samples: common.len(),
            win_rate_r1: mean_r1,
            win_rate_r2: mean_r2,
            n_inconsistent: inconsistent,
        });
    }
    Ok(JudgeScores { judge, counts, pairwise: rows, wb_score: Vec::new() })
}

fn score_wb(lines: &[String], bootstrap: &Bootstrap) -> Result<JudgeScores, ScoreError> {
    let mut counts = ReplyCounts::default();
    let mut scores: BTreeMap<String, Vec<i128>> = BTreeMap::new();
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for line in lines {
        let Reply::Line { custom_id, content } = read_reply(line) else {
            counts.failed += 1;
            continue;
        };
        let parts: Vec<&str> = custom_id.split("||").collect();
        let valid = parts.len() == 3 && parts[1] == "wildbench" && crate::pycompat::py_int(parts[2]).is_some();
        if !valid {
            counts.failed += 1;
            continue;
        }
        let model = parts[0].to_owned();
        match content.and_then(|c| parse::wb_score(&c)) {
            Some(score) => {
                scores.entry(model).or_default().push(score);
                counts.parsed += 1;
            }
            None => {
                *errors.entry(model).or_default() += 1;
                counts.failed += 1;
            }
        }
    }
    let mut rows = Vec::new();
    for (model, list) in scores {
        let values: Vec<f64> = list.iter().map(|&s| s as f64).collect();
        let n = values.len();
        let raw_mean = values.iter().sum::<f64>() / n as f64;
        let raw_std = (values.iter().map(|s| (s - raw_mean).powi(2)).sum::<f64>() / (n.max(2) - 1) as f64).sqrt();
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let raw_median = if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 };
        let wb_score = mean_interval(bootstrap, &values, |mean| (mean - 5.0) * 2.0)?;
        rows.push(WbScoreRow {
            n_parse_errors: errors.get(&model).copied().unwrap_or(0),
            model,
            n_scored: n,
            raw_mean,
            raw_std,
            raw_median,
            wb_score,
        });
    }
    Ok(JudgeScores { judge: JudgeKind::WbScore, counts, pairwise: Vec::new(), wb_score: rows })
}

/// `%.{digits}f`, as pandas' `float_format` writes it.
fn fixed(x: f64, digits: usize) -> String {
    if x.is_nan() { String::new() } else { format!("{x:.digits$}") }
}

/// The table as CSV: the script's columns in its float format, then the interval of the
/// rate (`…_ci_low`, `…_ci_high`).
pub fn to_csv(scores: &JudgeScores) -> String {
    let (header, rows): (&str, Vec<Vec<String>>) = match scores.judge {
        JudgeKind::WbScore => {
            // pandas keeps an all-integer median column as integers.
            let integer_median = scores.wb_score.iter().all(|r| r.n_scored % 2 == 1);
            let rows = scores.wb_score.iter().map(|r| {
                let median = if integer_median { format!("{}", r.raw_median as i64) } else { fixed(r.raw_median, 4) };
                let mut cells = vec![csv_field(&r.model), r.n_scored.to_string(), r.n_parse_errors.to_string()];
                cells.extend([fixed(r.raw_mean, 4), fixed(r.raw_std, 4), median]);
                cells.extend([fixed(r.wb_score.estimate, 4), fixed(r.wb_score.low, 4), fixed(r.wb_score.high, 4)]);
                cells
            });
            (
                "model,n_scored,n_parse_errors,raw_mean,raw_std,raw_median,wb_score,wb_score_ci_low,wb_score_ci_high",
                rows.collect(),
            )
        }
        judge => {
            let header = match judge {
                JudgeKind::KirkSummary => "model,task,win_rate,n_wins,n_ties,n_losses,n_samples",
                JudgeKind::ArenaCreative => "model,task,win_rate,win_rate_r1,win_rate_r2,n_samples,n_unparseable",
                _ => {
                    "model,task,win_rate,n_wins,n_ties,n_losses,n_samples,n_inconsistent,n_unparseable,win_rate_r1,win_rate_r2"
                }
            };
            let rows = scores.pairwise.iter().map(|r| {
                let counts = [r.n_wins, r.n_ties, r.n_losses, r.n_samples].map(|n| n.to_string());
                let rounds = [fixed(r.win_rate_r1, 6), fixed(r.win_rate_r2, 6)];
                let mut cells = vec![csv_field(&r.model), csv_field(&r.task), fixed(r.win_rate.estimate, 6)];
                match judge {
                    JudgeKind::KirkSummary => cells.extend(counts),
                    JudgeKind::ArenaCreative => {
                        cells.extend(rounds);
                        cells.extend([r.n_samples.to_string(), r.n_unparseable.to_string()]);
                    }
                    _ => {
                        cells.extend(counts);
                        cells.extend([r.n_inconsistent.to_string(), r.n_unparseable.to_string()]);
                        cells.extend(rounds);
                    }
                }
                cells.extend([fixed(r.win_rate.low, 6), fixed(r.win_rate.high, 6)]);
                cells
            });
            (header, rows.collect())
        }
    };
    let rate = if scores.judge == JudgeKind::WbScore { "" } else { ",win_rate_ci_low,win_rate_ci_high" };
    let mut out = format!("{header}{rate}\n");
    for row in rows {
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// Writes the table (atomically).
pub fn write_csv(path: &Path, scores: &JudgeScores) -> Result<(), ScoreError> {
    crate::data::atomic::write(path, to_csv(scores))
        .map_err(|source| ScoreError::Write { path: path.to_owned(), source })
}
