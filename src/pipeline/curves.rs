//! Quality and diversity at every k in the analyse stage (`analyze --curves`): for each
//! checkpoint with a run file, per prompt the curves of [`crate::metrics::at_k`] (pass@k
//! and maj@k from its labels, expected meaning classes and SBERT diversity from the
//! sentence embeddings), then their means per task and k with bootstrap intervals over
//! prompts (`curves.csv`, `figures/curves_*`).

use burn::tensor::backend::Backend;

use super::StageError;
use super::models::LoadedEncoder;
use crate::analysis::lineage::Lineage;
use crate::analysis::study::{CurveRow, task_seed};
use crate::data::GenerationSource;
use crate::data::generations::normalise_task;
use crate::data::labels::LabelsFile;
use crate::encoders::cache::EmbeddingCache;
use crate::metrics::SmallSetPolicy;
use crate::metrics::at_k::{classes_curve, majority_curve, pass_curve};
use crate::metrics::classes::embedding_partition;
use crate::metrics::sbert::{EmbeddingSet, sbert_diversity};
use crate::stats::bootstrap::{Bootstrap, BootstrapConfig, nanmean_at};

/// The curves, in the order of `curves.csv`'s `metric` column.
pub const CURVES: [&str; 4] = ["pass", "majority", "classes_emb", "sbert"];

/// One checkpoint's per-prompt curves on one task: `[curve][prompt][k − 1]`.
type TaskCurves = (String, [Vec<Vec<f64>>; 4]);

/// The extracted answer of every output, from a labels record's `details[i].answer`.
fn answers(details: Option<&serde_json::Value>, n: usize) -> Option<Vec<Option<String>>> {
    let list = details?.as_array()?;
    if list.len() != n || !list.iter().any(|d| d.get("answer").is_some()) {
        return None;
    }
    Some(list.iter().map(|d| d.get("answer").and_then(|a| a.as_str()).map(str::to_owned)).collect())
}

/// Measures the curves of every checkpoint with a run file.
pub fn measure_curves<B: Backend>(
    lineage: &Lineage,
    encoder: &LoadedEncoder<B>,
    mut cache: Option<&mut EmbeddingCache>,
    batch_size: usize,
    threshold: f64,
    config: BootstrapConfig,
) -> Result<Vec<CurveRow>, StageError> {
    let mut rows = Vec::new();
    for checkpoint in &lineage.checkpoints {
        let Some(run) = &checkpoint.run else { continue };
        let labels = checkpoint.labels.as_ref().map(|p| LabelsFile::read(p)).transpose()?;
        let mut per_task: Vec<TaskCurves> = Vec::new();
        for record in GenerationSource::open(run, false)? {
            let record = record?;
            let n = record.outputs.len();
            let nan = vec![f64::NAN; n];
            let label = labels
                .as_ref()
                .filter(|f| f.covers_task(&normalise_task(&record.task)))
                .and_then(|f| f.get(&record.task, &record.input_id))
                .map(|(_, l)| l)
                .filter(|l| l.labels.len() == n);
            let pass = label.map_or_else(|| nan.clone(), |l| pass_curve(&l.labels));
            let majority = label
                .and_then(|l| {
                    let answers = answers(l.details.as_ref(), n)?;
                    let borrowed: Vec<Option<&str>> = answers.iter().map(Option::as_deref).collect();
                    majority_curve(&borrowed, &l.labels)
                })
                .unwrap_or_else(|| nan.clone());
            let dim = encoder.encoder.dim();
            let embedded = encoder.encoder.encode_outputs(&record.outputs, batch_size, cache.as_deref_mut())?;
            let set = EmbeddingSet::new(&embedded, dim).expect("rows of the encoder's width");
            let classes = classes_curve(&embedding_partition(set, threshold).class_of);
            let diversity = sbert_diversity(set, SmallSetPolicy::Nan);
            let sbert: Vec<f64> = (1..=n).map(|k| if k >= 2 { diversity } else { f64::NAN }).collect();
            let slot = match per_task.iter().position(|(task, _)| *task == record.task) {
                Some(i) => i,
                None => {
                    per_task.push((record.task.clone(), Default::default()));
                    per_task.len() - 1
                }
            };
            for (curve, values) in per_task[slot].1.iter_mut().zip([pass, majority, classes, sbert]) {
                curve.push(values);
            }
        }
        for (task, curves) in per_task {
            let bootstrap = Bootstrap::new(BootstrapConfig { seed: task_seed(config.seed, &task), ..config });
            for (name, prompts) in CURVES.iter().zip(&curves) {
                let k_max = prompts.iter().map(Vec::len).max().unwrap_or(0);
                // Column k − 1: every prompt's value at k (NaN where the prompt has fewer outputs).
                let columns: Vec<Vec<f64>> = (0..k_max)
                    .map(|k| prompts.iter().map(|p| p.get(k).copied().unwrap_or(f64::NAN)).collect())
                    .collect();
                if columns.iter().flatten().all(|v| v.is_nan()) {
                    continue;
                }
                let intervals =
                    bootstrap.intervals_or_points(prompts.len(), k_max, |idx: &[usize], out: &mut [f64]| {
                        for (slot, column) in out.iter_mut().zip(&columns) {
                            *slot = nanmean_at(column, idx);
                        }
                    })?;
                for (k, (estimate, column)) in intervals.into_iter().zip(&columns).enumerate() {
                    let n_prompts = column.iter().filter(|v| !v.is_nan()).count();
                    if n_prompts == 0 {
                        continue;
                    }
                    rows.push(CurveRow {
                        model: checkpoint.name.clone(),
                        task: task.clone(),
                        metric: (*name).to_owned(),
                        k: k + 1,
                        n_prompts,
                        estimate,
                    });
                }
            }
        }
    }
    Ok(rows)
}
