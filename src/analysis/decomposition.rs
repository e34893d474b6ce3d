//! Quality-filtered diversity and the correctness decomposition, with bootstrap
//! intervals over prompts.
//!
//! **Paper convention** ([`quality_summary`], methodology §4.1): `D_a` is averaged over
//! all prompts (NaN skipped), `D_c` and `V_c` over the prompts with `K_c ≥ 2` only, so
//! the two means cover different prompt sets. The paper's "genuine share"
//! `(D_c,Base − D_c,model) / (D_a,Base − D_a,model)` is formed from those means
//! ([`MatchedDecomposition::paper_genuine_share`]).
//!
//! **Matched decomposition** ([`matched_decomposition`], ours): on the set `P` of prompts
//! where both Base and the model have `K_c ≥ 2` (and defined `D_a`, `D_c`):
//! `delta_all = mean_P(D_a,Base − D_a,model)`, `residual = mean_P(D_c,Base − D_c,model)`
//! (genuine narrowing among correct answers), `quality_control = delta_all − residual`
//! (diversity that was error variety), `genuine_share = residual / delta_all`. Intervals
//! are paired: each resample draws prompts of `P` and reads both checkpoints at the same
//! prompts. The interval is conditional on `P` (the matched set is fixed by the data,
//! not re-selected per resample). The share is flagged undefined when the interval of
//! `delta_all` contains zero: then there is no loss to divide.

use serde::Serialize;

use super::per_prompt::PromptColumns;
use crate::stats::bootstrap::{Bootstrap, BootstrapError, Interval, mean_at, nanmean_at};

/// Model-level quality and diversity of one (model, task), paper convention.
#[derive(Debug, Clone, Serialize)]
pub struct QualitySummary {
    /// Prompts.
    pub n_total: usize,
    /// Prompts with `K_c ≥ 2` and a defined `D_c`.
    pub n_computable: usize,
    /// Mean correctness of output 0.
    pub accuracy_at_1: Interval,
    /// Mean `K_c`.
    pub mean_k_correct: Interval,
    /// Mean `D_a` over all prompts (NaN skipped).
    pub d_all_sbert: Interval,
    /// Mean `D_c` over the computable prompts.
    pub d_correct_sbert: Interval,
    /// Mean `V_c` over the computable prompts.
    pub d_correct_vendi: Interval,
}

/// The five statistics of [`QualitySummary`], in its field order.
fn summary_statistics(columns: &PromptColumns, indices: &[usize], out: &mut [f64]) {
    out[0] = mean_at(&columns.acc1, indices);
    out[1] = mean_at(&columns.k_correct, indices);
    out[2] = nanmean_at(&columns.d_all, indices);
    // D_c and V_c are NaN exactly when K_c < 2, so the NaN-skipping mean is the mean over
    // the computable subset of the resample.
    out[3] = nanmean_at(&columns.d_correct, indices);
    out[4] = nanmean_at(&columns.v_correct, indices);
}

/// The paper-convention summary of one (model, task) with intervals over prompts.
pub fn quality_summary(columns: &PromptColumns, bootstrap: &Bootstrap) -> Result<QualitySummary, BootstrapError> {
    let n_computable =
        (0..columns.len()).filter(|&i| columns.k_correct[i] >= 2.0 && !columns.d_correct[i].is_nan()).count();
    let intervals = if columns.len() >= 2 {
        bootstrap.intervals(columns.len(), 5, |indices, out| summary_statistics(columns, indices, out))?
    } else {
        let all: Vec<usize> = (0..columns.len()).collect();
        let mut estimates = [f64::NAN; 5];
        summary_statistics(columns, &all, &mut estimates);
        estimates
            .iter()
            .map(|&estimate| Interval { estimate, ..Interval::undefined(bootstrap.config().method) })
            .collect()
    };
    Ok(QualitySummary {
        n_total: columns.len(),
        n_computable,
        accuracy_at_1: intervals[0],
        mean_k_correct: intervals[1],
        d_all_sbert: intervals[2],
        d_correct_sbert: intervals[3],
        d_correct_vendi: intervals[4],
    })
}

/// The matched decomposition of one model's diversity change against Base on one task.
#[derive(Debug, Clone, Serialize)]
pub struct MatchedDecomposition {
    /// |P|: prompts where both checkpoints have `K_c ≥ 2`.
    pub n_matched: usize,
    /// Prompts the two checkpoints share.
    pub n_shared: usize,
    /// `mean_P(D_a,Base − D_a,model)`: the total diversity loss on P.
    pub delta_all: Interval,
    /// `mean_P(D_c,Base − D_c,model)`: genuine narrowing among correct outputs.
    pub residual: Interval,
    /// `delta_all − residual`: loss explained by removing wrong answers.
    pub quality_control: Interval,
    /// `residual / delta_all`.
    pub genuine_share: Interval,
    /// False when the interval of `delta_all` contains zero (the share has no meaning).
    pub genuine_share_defined: bool,
    /// The paper's unmatched share `(D_c,Base − D_c,model) / (D_a,Base − D_a,model)` from
    /// the paper-convention means over the shared prompts.
    pub paper_genuine_share: Interval,
}

/// Errors of the decomposition.
#[derive(Debug, thiserror::Error)]
pub enum DecompositionError {
    /// The bootstrap rejected its settings.
    #[error(transparent)]
    Bootstrap(#[from] BootstrapError),
}

/// Whether prompt `i` of `columns` has a computable `D_c` and a defined `D_a`.
fn computable(columns: &PromptColumns, i: usize) -> bool {
    columns.k_correct[i] >= 2.0 && !columns.d_correct[i].is_nan() && !columns.d_all[i].is_nan()
}

/// Decomposes the change from `base` to `model` (the same task) on matched prompts.
/// Prompts are matched by `input_id`.
pub fn matched_decomposition(
    base: &PromptColumns,
    model: &PromptColumns,
    bootstrap: &Bootstrap,
) -> Result<MatchedDecomposition, DecompositionError> {
    let base_index = base.index();
    // (base row, model row) for every prompt both checkpoints have.
    let shared: Vec<(usize, usize)> =
        model.input_ids.iter().enumerate().filter_map(|(m, id)| base_index.get(id.as_str()).map(|&b| (b, m))).collect();
    let matched: Vec<(usize, usize)> =
        shared.iter().copied().filter(|&(b, m)| computable(base, b) && computable(model, m)).collect();
    let diff = |pairs: &[(usize, usize)], field: fn(&PromptColumns) -> &Vec<f64>| -> Vec<f64> {
        pairs.iter().map(|&(b, m)| field(base)[b] - field(model)[m]).collect()
    };
    let d_all_diff = diff(&matched, |c| &c.d_all);
    let d_correct_diff = diff(&matched, |c| &c.d_correct);
    let matched_statistics = |indices: &[usize], out: &mut [f64]| {
        let delta_all = mean_at(&d_all_diff, indices);
        let residual = mean_at(&d_correct_diff, indices);
        out[0] = delta_all;
        out[1] = residual;
        out[2] = delta_all - residual;
        out[3] = residual / delta_all;
    };
    let intervals = bootstrap.intervals_or_points(matched.len(), 4, matched_statistics)?;

    // The paper's share over all shared prompts: means of D_a over prompts with D_a, of D_c
    // over each checkpoint's own computable prompts.
    let pick = |pairs: &[(usize, usize)], which: bool, field: fn(&PromptColumns) -> &Vec<f64>| -> Vec<f64> {
        pairs.iter().map(|&(b, m)| if which { field(base)[b] } else { field(model)[m] }).collect()
    };
    let (base_all, model_all) = (pick(&shared, true, |c| &c.d_all), pick(&shared, false, |c| &c.d_all));
    let (base_correct, model_correct) = (pick(&shared, true, |c| &c.d_correct), pick(&shared, false, |c| &c.d_correct));
    let paper_share = |indices: &[usize], out: &mut [f64]| {
        let all = nanmean_at(&base_all, indices) - nanmean_at(&model_all, indices);
        let correct = nanmean_at(&base_correct, indices) - nanmean_at(&model_correct, indices);
        out[0] = correct / all;
    };
    let paper = bootstrap.intervals_or_points(shared.len(), 1, paper_share)?;

    let delta_all = intervals[0];
    Ok(MatchedDecomposition {
        n_matched: matched.len(),
        n_shared: shared.len(),
        genuine_share_defined: delta_all.low.is_finite() && !delta_all.contains(0.0),
        delta_all,
        residual: intervals[1],
        quality_control: intervals[2],
        genuine_share: intervals[3],
        paper_genuine_share: paper[0],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::bootstrap::BootstrapConfig;

    fn columns(ids: &[&str], k: &[f64], d_all: &[f64], d_correct: &[f64]) -> PromptColumns {
        PromptColumns {
            input_ids: ids.iter().map(|s| s.to_string()).collect(),
            k_correct: k.to_vec(),
            acc1: k.iter().map(|&k| f64::from(k >= 8.0)).collect(),
            d_all: d_all.to_vec(),
            d_correct: d_correct.to_vec(),
            v_correct: d_correct.iter().map(|d| d * 10.0).collect(),
        }
    }

    fn bootstrap() -> Bootstrap {
        Bootstrap::new(BootstrapConfig { resamples: 500, ..BootstrapConfig::default() })
    }

    #[test]
    fn matched_set_requires_both_checkpoints_computable_and_matches_by_id() {
        let nan = f64::NAN;
        let base = columns(&["a", "b", "c", "d"], &[2.0, 5.0, 1.0, 9.0], &[0.6, 0.5, 0.7, 0.4], &[0.5, 0.4, nan, 0.3]);
        // The model lists prompts in another order; prompt "e" is not in base.
        let model = columns(
            &["d", "c", "b", "a", "e"],
            &[16.0, 8.0, 0.0, 3.0, 5.0],
            &[0.2, 0.3, 0.5, 0.3, 0.1],
            &[0.2, 0.25, nan, 0.35, 0.1],
        );
        let result = matched_decomposition(&base, &model, &bootstrap()).unwrap();
        // P = {a, d}: b fails in the model (K_c 0), c in base (K_c 1).
        assert_eq!((result.n_matched, result.n_shared), (2, 4));
        let delta_all = ((0.6 - 0.3) + (0.4 - 0.2)) / 2.0;
        let residual = ((0.5 - 0.35) + (0.3 - 0.2)) / 2.0;
        assert!((result.delta_all.estimate - delta_all).abs() < 1e-15);
        assert!((result.residual.estimate - residual).abs() < 1e-15);
        assert!((result.quality_control.estimate - (delta_all - residual)).abs() < 1e-15);
        assert!((result.genuine_share.estimate - residual / delta_all).abs() < 1e-15);
    }

    #[test]
    fn share_is_flagged_when_there_is_no_clear_loss() {
        // Model diversity equal to base up to symmetric noise: delta_all's interval spans 0.
        let n = 40;
        let ids: Vec<String> = (0..n).map(|i| i.to_string()).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let k = vec![10.0; n];
        let base_all: Vec<f64> = (0..n).map(|i| 0.5 + 0.01 * (i % 5) as f64).collect();
        let model_all: Vec<f64> = (0..n).map(|i| 0.5 + 0.01 * ((i + 2) % 5) as f64).collect();
        let base = columns(&ids, &k, &base_all, &base_all);
        let model = columns(&ids, &k, &model_all, &model_all);
        let result = matched_decomposition(&base, &model, &bootstrap()).unwrap();
        assert!(result.delta_all.contains(0.0));
        assert!(!result.genuine_share_defined);
    }

    #[test]
    fn summary_uses_the_computable_subset_for_d_correct() {
        let nan = f64::NAN;
        let c = columns(&["a", "b", "c"], &[0.0, 4.0, 16.0], &[0.9, nan, 0.3], &[nan, 0.4, 0.2]);
        let s = quality_summary(&c, &bootstrap()).unwrap();
        assert_eq!((s.n_total, s.n_computable), (3, 2));
        assert!((s.d_all_sbert.estimate - 0.6).abs() < 1e-15);
        assert!((s.d_correct_sbert.estimate - 0.3).abs() < 1e-15);
        assert!((s.mean_k_correct.estimate - 20.0 / 3.0).abs() < 1e-15);
    }
}
