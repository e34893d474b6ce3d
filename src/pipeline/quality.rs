//! The quality side of a labels file as a table with intervals: one row per model and
//! task, written by `correctness --summary FILE.csv` (methodology §2.2).
//!
//! Per prompt with K labelled outputs of which c are correct: acc@1 = [output 0 is
//! correct] (sample 0, not a greedy run, as the study's code), MV@K = [the majority-vote
//! answer is correct] (tasks whose checker votes), pass@K = [c ≥ 1], and the unbiased
//! pass@k = 1 − C(K−c, k)/C(K, k) for k ∈ {1, 5, 10, 16} (k ≤ K). Each rate is the mean
//! over prompts, with a bootstrap interval over prompts (all rates resampled jointly).
//! IFEval's strict@1 and loose@1 come from the checker's summary (no interval). The
//! extraction rate (math: outputs with an extracted answer; CRUXEval: with a prediction)
//! is extracted outputs / all outputs, as the study's `compute_math_quality.py` writes
//! it (no interval).

use std::path::Path;

use super::StageError;
use super::label::LabelSummary;
use crate::data::csv_field;
use crate::data::labels::LabelRecord;
use crate::stats::bootstrap::mean_at;
use crate::stats::{Bootstrap, Interval};
use crate::tasks::quality::pass_at_k;

/// The k of the unbiased pass@k columns.
pub const PASS_AT: [usize; 4] = [1, 5, 10, 16];

/// One model's quality on one task.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QualityRow {
    /// Model name.
    pub model: String,
    /// Task.
    pub task: String,
    /// Prompts labelled.
    pub n_prompts: usize,
    /// Outputs per prompt (the smallest, when they differ).
    pub k: usize,
    /// acc@1.
    pub acc_at_1: Interval,
    /// MV@K (`None`: the checker has no vote).
    pub majority_vote: Option<Interval>,
    /// pass@K: any output correct.
    pub pass_at_k: Interval,
    /// Unbiased pass@k for [`PASS_AT`] (`None` where k > K).
    pub pass_at: [Option<Interval>; 4],
    /// IFEval strict@1 (from the checker's summary).
    pub strict_at_1: Option<f64>,
    /// IFEval loose@1 (from the checker's summary).
    pub loose_at_1: Option<f64>,
    /// Outputs with an extracted answer / all outputs (checkers that extract one).
    pub extraction_rate: Option<f64>,
}

/// Outputs whose details hold a non-null `answer` (math) or `prediction` (CRUXEval) over
/// all outputs; `None` when the checker records neither.
pub fn extraction_rate(records: &[&LabelRecord]) -> Option<f64> {
    let (mut extracted, mut total, mut extracting) = (0usize, 0usize, false);
    for record in records {
        let Some(details) = record.details.as_ref().and_then(|d| d.as_array()) else { continue };
        for detail in details {
            let Some(value) = ["answer", "prediction"].iter().find_map(|key| detail.get(*key)) else { continue };
            extracting = true;
            total += 1;
            extracted += usize::from(!value.is_null());
        }
    }
    (extracting && total > 0).then(|| extracted as f64 / total as f64)
}

/// The row of one labels file.
pub fn quality_row(
    model: &str,
    task: &str,
    records: &[&LabelRecord],
    summary: Option<&LabelSummary>,
    bootstrap: &Bootstrap,
) -> Result<QualityRow, StageError> {
    let k = records.iter().map(|r| r.labels.len()).min().unwrap_or(0);
    let voted = !records.is_empty() && records.iter().all(|r| r.majority_vote.is_some());
    let ks: Vec<usize> = PASS_AT.iter().copied().filter(|&n| n <= k).collect();
    // Per-prompt columns: acc@1, MV, pass@K, then pass@k for each k in `ks`.
    let mut columns: Vec<Vec<f64>> = vec![Vec::with_capacity(records.len()); 3 + ks.len()];
    for record in records {
        let n = record.labels.len();
        let c = record.labels.iter().filter(|&&x| x).count();
        columns[0].push(f64::from(u8::from(record.labels.first().copied().unwrap_or(false))));
        columns[1].push(f64::from(u8::from(record.majority_vote.unwrap_or(false))));
        columns[2].push(f64::from(u8::from(c > 0)));
        for (j, &kk) in ks.iter().enumerate() {
            columns[3 + j].push(pass_at_k(n, c, kk));
        }
    }
    let intervals = bootstrap.intervals_or_points(records.len(), columns.len(), |indices, out| {
        for (slot, column) in out.iter_mut().zip(&columns) {
            *slot = mean_at(column, indices);
        }
    })?;
    let mut pass_at = [None; 4];
    for (j, &kk) in ks.iter().enumerate() {
        let slot = PASS_AT.iter().position(|&p| p == kk).expect("one of PASS_AT");
        pass_at[slot] = Some(intervals[3 + j]);
    }
    let instructions = summary.and_then(|s| s.instructions);
    Ok(QualityRow {
        model: model.to_owned(),
        task: task.to_owned(),
        n_prompts: records.len(),
        k,
        acc_at_1: intervals[0],
        majority_vote: voted.then_some(intervals[1]),
        pass_at_k: intervals[2],
        pass_at,
        strict_at_1: instructions.map(|i| i[0]),
        loose_at_1: instructions.map(|i| i[1]),
        extraction_rate: extraction_rate(records),
    })
}

/// The rows as CSV: `model,task,n_prompts,k`, then each rate with `_ci_low`/`_ci_high`
/// (`acc_at_1`, `majority_vote`, `pass_at_k`, `pass_at_1`, `pass_at_5`, `pass_at_10`,
/// `pass_at_16`), then `strict_at_1,loose_at_1,extraction_rate`; empty cells where a
/// value does not apply.
pub fn quality_csv(rows: &[QualityRow]) -> String {
    let mut header = vec!["model".to_owned(), "task".into(), "n_prompts".into(), "k".into()];
    let rates = ["acc_at_1", "majority_vote", "pass_at_k", "pass_at_1", "pass_at_5", "pass_at_10", "pass_at_16"];
    for rate in rates {
        header.extend([rate.to_owned(), format!("{rate}_ci_low"), format!("{rate}_ci_high")]);
    }
    header.extend(["strict_at_1".to_owned(), "loose_at_1".into(), "extraction_rate".into()]);
    let mut out = header.join(",") + "\n";
    let number = |x: f64| if x.is_nan() { String::new() } else { format!("{x:.6}") };
    for row in rows {
        let mut cells = vec![csv_field(&row.model), csv_field(&row.task), row.n_prompts.to_string(), row.k.to_string()];
        let values: [Option<Interval>; 7] = [
            Some(row.acc_at_1),
            row.majority_vote,
            Some(row.pass_at_k),
            row.pass_at[0],
            row.pass_at[1],
            row.pass_at[2],
            row.pass_at[3],
        ];
        for value in values {
            match value {
                Some(i) => cells.extend([number(i.estimate), number(i.low), number(i.high)]),
                None => cells.extend([String::new(), String::new(), String::new()]),
            }
        }
        for value in [row.strict_at_1, row.loose_at_1, row.extraction_rate] {
            cells.push(value.map_or(String::new(), number));
        }
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// Writes the table atomically.
pub fn write_quality_csv(path: &Path, rows: &[QualityRow]) -> Result<(), StageError> {
    crate::data::atomic::write(path, quality_csv(rows)).map_err(StageError::io(path, "writing the quality summary"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(labels: &[bool], vote: Option<bool>) -> LabelRecord {
        LabelRecord {
            input_id: "x".into(),
            task: None,
            labels: labels.to_vec(),
            details: None,
            gold: None,
            majority_vote: vote,
        }
    }

    #[test]
    fn rates_are_means_over_prompts_with_intervals() {
        let records = [
            record(&[true, false, false, false, false], Some(true)),
            record(&[false, false, false, false, true], Some(false)),
            record(&[false; 5], Some(false)),
        ];
        let bootstrap = Bootstrap::new(crate::stats::BootstrapConfig { resamples: 500, ..Default::default() });
        let row = quality_row("m", "gsm8k", &records.iter().collect::<Vec<_>>(), None, &bootstrap).unwrap();
        assert_eq!(row.k, 5);
        assert!((row.acc_at_1.estimate - 1.0 / 3.0).abs() < 1e-15);
        assert!((row.pass_at_k.estimate - 2.0 / 3.0).abs() < 1e-15);
        // pass@1 = c/n per prompt: (0.2 + 0.2 + 0) / 3.
        assert!((row.pass_at[0].unwrap().estimate - 0.4 / 3.0).abs() < 1e-15);
        assert!(row.pass_at[2].is_none() && row.pass_at[3].is_none());
        assert!(row.acc_at_1.low <= row.acc_at_1.estimate && row.acc_at_1.estimate <= row.acc_at_1.high);
        let csv = quality_csv(&[row]);
        assert!(csv.lines().nth(1).unwrap().starts_with("m,gsm8k,3,5,0.333333,"));
        assert!(csv.lines().nth(1).unwrap().ends_with(",,,,,,,,,"));
        assert!(csv.lines().next().unwrap().ends_with(",strict_at_1,loose_at_1,extraction_rate"));
    }

    #[test]
    fn the_extraction_rate_counts_outputs_with_an_answer() {
        let mut a = record(&[true, false, false], Some(true));
        a.details = Some(serde_json::json!([{"answer": "4"}, {"answer": null}, {"answer": "5"}]));
        let mut b = record(&[false], None);
        b.details = Some(serde_json::json!([{"prediction": null}]));
        assert_eq!(extraction_rate(&[&a, &b]), Some(0.5));
        let mut code = record(&[true], None);
        code.details = Some(serde_json::json!([{"outcome": "passed", "seconds": 0.1}]));
        assert_eq!(extraction_rate(&[&code]), None);
        assert_eq!(extraction_rate(&[]), None);
    }
}
