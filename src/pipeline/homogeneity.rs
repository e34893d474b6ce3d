//! Homogeneity of checkpoint pairs in the analyse stage: for every prompt both checkpoints
//! answered (same task and id in their run files), the measures of
//! [`crate::metrics::homogeneity`] on their outputs' sentence embeddings, then their means
//! per task with bootstrap intervals over prompts (`homogeneity.csv`).

use std::collections::HashMap;
use std::path::Path;

use burn::tensor::backend::Backend;

use super::StageError;
use super::models::LoadedEncoder;
use crate::analysis::lineage::Lineage;
use crate::analysis::study::{HomogeneityRow, task_seed};
use crate::data::GenerationSource;
use crate::encoders::cache::EmbeddingCache;
use crate::metrics::homogeneity::homogeneity;
use crate::metrics::sbert::EmbeddingSet;
use crate::stats::bootstrap::{Bootstrap, BootstrapConfig, nanmean_at};

/// Parses `A:B[,C:D…]` (checkpoint names) into pairs.
pub fn parse_pairs(text: &str) -> Result<Vec<(String, String)>, StageError> {
    text.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|pair| match pair.split_once(':') {
            Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
                Ok((a.trim().to_owned(), b.trim().to_owned()))
            }
            _ => Err(StageError::Invalid(format!("--homogeneity: `{pair}` is not CHECKPOINT:CHECKPOINT"))),
        })
        .collect()
}

/// A prompt's key: (task, prompt id).
type PromptKey = (String, String);

/// A run file's outputs by prompt.
struct RunOutputs {
    /// The prompts in file order of first appearance.
    order: Vec<PromptKey>,
    /// Each prompt's outputs.
    outputs: HashMap<PromptKey, Vec<String>>,
}

/// Reads the outputs of a run file by prompt.
fn outputs_by_prompt(run: &Path) -> Result<RunOutputs, StageError> {
    let mut order = Vec::new();
    let mut outputs = HashMap::new();
    for record in GenerationSource::open(run, false)? {
        let record = record?;
        let key = (record.task.clone(), record.input_id.clone());
        if outputs.insert(key.clone(), record.outputs).is_none() {
            order.push(key);
        }
    }
    Ok(RunOutputs { order, outputs })
}

/// Measures every pair of `pairs` (checkpoint names of `lineage` with run files).
pub fn measure_pairs<B: Backend>(
    lineage: &Lineage,
    pairs: &[(String, String)],
    encoder: &LoadedEncoder<B>,
    mut cache: Option<&mut EmbeddingCache>,
    batch_size: usize,
    threshold: f64,
    config: BootstrapConfig,
) -> Result<Vec<HomogeneityRow>, StageError> {
    let run_of = |name: &str| -> Result<&Path, StageError> {
        let checkpoint = lineage.checkpoints.iter().find(|c| c.name == name).ok_or_else(|| {
            StageError::Invalid(format!("--homogeneity: no checkpoint `{name}` in lineage `{}`", lineage.name))
        })?;
        checkpoint.run.as_deref().ok_or_else(|| {
            StageError::Invalid(format!("--homogeneity: checkpoint `{name}` has no `run` file to compare"))
        })
    };
    let mut rows = Vec::new();
    for (a, b) in pairs {
        let RunOutputs { order, outputs: outputs_a } = outputs_by_prompt(run_of(a)?)?;
        let outputs_b = outputs_by_prompt(run_of(b)?)?.outputs;
        // Per task: the five measures of every shared prompt.
        let mut per_task: Vec<(String, [Vec<f64>; 5])> = Vec::new();
        for key in &order {
            let Some(outputs_b) = outputs_b.get(key) else { continue };
            let dim = encoder.encoder.dim();
            let embed_a = encoder.encoder.encode_outputs(&outputs_a[key], batch_size, cache.as_deref_mut())?;
            let embed_b = encoder.encoder.encode_outputs(outputs_b, batch_size, cache.as_deref_mut())?;
            let set = |data| EmbeddingSet::new(data, dim).expect("rows of the encoder's width");
            let Some(h) = homogeneity(set(&embed_a), set(&embed_b), threshold) else { continue };
            let slot = match per_task.iter().position(|(task, _)| *task == key.0) {
                Some(i) => i,
                None => {
                    per_task.push((key.0.clone(), Default::default()));
                    per_task.len() - 1
                }
            };
            let values = [h.cross_similarity, h.within_a, h.within_b, h.coverage_a_in_b, h.coverage_b_in_a];
            for (column, value) in per_task[slot].1.iter_mut().zip(values) {
                column.push(value);
            }
        }
        for (task, columns) in per_task {
            let n = columns[0].len();
            let bootstrap = Bootstrap::new(BootstrapConfig { seed: task_seed(config.seed, &task), ..config });
            let intervals = bootstrap.intervals_or_points(n, 5, |idx: &[usize], out: &mut [f64]| {
                for (slot, column) in out.iter_mut().zip(&columns) {
                    *slot = nanmean_at(column, idx);
                }
            })?;
            rows.push(HomogeneityRow {
                model_a: a.clone(),
                model_b: b.clone(),
                task,
                n_prompts: n,
                cross_similarity: intervals[0],
                within_a: intervals[1],
                within_b: intervals[2],
                coverage_a_in_b: intervals[3],
                coverage_b_in_a: intervals[4],
            });
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_parse_and_malformed_ones_are_named() {
        let pairs = parse_pairs("rl_think:rl_instruct, a:b").unwrap();
        assert_eq!(pairs, vec![("rl_think".into(), "rl_instruct".into()), ("a".into(), "b".into())]);
        let error = parse_pairs("a:b,lonely").unwrap_err().to_string();
        assert!(error.contains("`lonely`"), "{error}");
    }
}
