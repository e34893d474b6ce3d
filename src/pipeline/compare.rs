//! Two score tables of the same prompts compared (`divcollapse compare`): the paper's
//! Table 17, the temperature comparison, from two `score` runs of one checkpoint (or any
//! two conditions), with paired intervals ([`crate::analysis::compare`]).

use std::path::Path;

use super::StageError;
use super::analyze::{rows_frame, stack_frames};
use crate::analysis::compare::{ComparisonRow, compare_models, comparison_csv};
use crate::analysis::per_prompt::PerPromptTable;
use crate::metrics::per_prompt::read_scores;
use crate::stats::BootstrapConfig;

/// The model names the two tables take in the comparison.
const CONDITION: &str = "condition";
const BASELINE: &str = "baseline";

/// Compares the score table `scores` (the condition) with `baseline` on every task and
/// metric both have, over the prompts both scored; writes the CSV to `out` when given.
pub fn compare_score_tables(
    scores: &Path,
    baseline: &Path,
    config: BootstrapConfig,
    out: Option<&Path>,
) -> Result<Vec<ComparisonRow>, StageError> {
    let mut frames = Vec::new();
    for (name, path) in [(CONDITION, scores), (BASELINE, baseline)] {
        let rows: Vec<_> = read_scores(path)?.into_iter().map(|row| (row, None)).collect();
        if rows.is_empty() {
            return Err(StageError::Invalid(format!("{}: the score table has no rows", path.display())));
        }
        frames.push(rows_frame(name, &rows)?);
    }
    let table = PerPromptTable::from_frame(stack_frames(frames)?, "the two score tables")?;
    let rows = compare_models(&table, CONDITION, BASELINE, config)?;
    if rows.is_empty() {
        return Err(StageError::Invalid(format!(
            "{} and {}: no task and metric in common over shared prompts (are they scores of the same prompts?)",
            scores.display(),
            baseline.display()
        )));
    }
    if let Some(out) = out {
        crate::data::atomic::write(out, comparison_csv(&rows))
            .map_err(StageError::io(out, "writing the comparison"))?;
    }
    Ok(rows)
}
