//! The reference's `diversity_results.json` (methodology §7.3): per task, the per-input
//! values of the scored prompts plus across-input and overall values, and the NLI
//! sentence-pair streams that make per-input NLI equal the reference's.
//!
//! The reference's `compute_diversity` gives each task one `random.Random(1234)` that
//! draws the across-input set's sentence pairs, then the overall set's, then each
//! prompt's. [`AcrossInputTasks::draw_nli`] makes those draws (scoring the two sets when
//! a model is given) and hands over each task's stream at the point where the prompts
//! start; [`TaskStreams`] swaps the right stream in as records of interleaved tasks come.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use burn::tensor::backend::Backend;

use super::{Progress, StageError};
use crate::data::GenerationSource;
use crate::encoders::SentenceEncoder;
use crate::encoders::roberta::NliModel;
use crate::metrics::SmallSetPolicy;
use crate::metrics::across_input::{
    AcrossInputCollector, AcrossInputSelection, MetricResult, REFERENCE_SEED, diversity_result,
};
use crate::metrics::ead::{EadConfig, ead};
use crate::metrics::nli::{SentencePairSampler, nli_diversity};
use crate::metrics::per_prompt::{Metric, PromptScores, ScoreError};
use crate::metrics::sbert::{EmbeddingSet, sbert_diversity};
use crate::metrics::vendi::{VendiVariant, vendi_score};

/// Across-input and overall sets of every task of a generation file, drawn as the
/// reference draws them (one `set_seed(1234)` per task).
pub(crate) struct AcrossInputTasks {
    /// Tasks in order of first appearance.
    tasks: Vec<TaskSets>,
}

/// One task's across-input and overall sets.
struct TaskSets {
    task: String,
    /// The sets' texts.
    sets: AcrossInputCollector,
    /// Outputs per prompt, in file order.
    counts: Vec<usize>,
    /// NLI on the across-input and overall sets, when scored (`--nli-across`).
    nli: Option<(f64, f64)>,
}

impl AcrossInputTasks {
    /// A first pass over the file counts each task's outputs per prompt; a second
    /// collects the texts of the drawn sets (at most 1,000 per task).
    pub(crate) fn plan(path: &Path, skip_bad_lines: bool) -> Result<Self, StageError> {
        let mut counts: Vec<(String, Vec<usize>)> = Vec::new();
        for record in GenerationSource::open(path, skip_bad_lines)? {
            let record = record?;
            match counts.iter_mut().find(|(task, _)| *task == record.task) {
                Some((_, list)) => list.push(record.outputs.len()),
                None => counts.push((record.task.clone(), vec![record.outputs.len()])),
            }
        }
        let mut tasks: Vec<TaskSets> = counts
            .into_iter()
            .map(|(task, counts)| {
                let selection = AcrossInputSelection::reference(&counts, REFERENCE_SEED);
                TaskSets { task, sets: AcrossInputCollector::new(selection), counts, nli: None }
            })
            .collect();
        for record in GenerationSource::open(path, skip_bad_lines)? {
            let record = record?;
            if let Some(task) = tasks.iter_mut().find(|t| t.task == record.task) {
                task.sets.push(&record.outputs);
            }
        }
        Ok(Self { tasks })
    }

    /// Each task's NLI stream after the reference's across-input and overall passes
    /// (`random.Random(1234)`, first outputs, then the overall set), scoring both sets
    /// when a model is given. The draws depend on sentence counts only, so the streams
    /// are the same whether or not the sets are scored.
    pub(crate) fn draw_nli<B: Backend>(
        &mut self,
        mut model: Option<&mut NliModel<B>>,
        progress: &mut dyn Progress,
    ) -> Result<HashMap<String, SentencePairSampler>, StageError> {
        let mut streams = HashMap::new();
        for task in &mut self.tasks {
            let mut sampler = SentencePairSampler::default();
            let sets = [&task.sets.first_outputs, &task.sets.overall];
            match model.as_deref_mut() {
                Some(model) => {
                    progress.start(&format!("{}: NLI on the across-input and overall sets", task.task), Some(2));
                    let across = nli_diversity(sets[0], &mut sampler, model).map_err(ScoreError::from)?;
                    progress.tick();
                    let overall = nli_diversity(sets[1], &mut sampler, model).map_err(ScoreError::from)?;
                    progress.tick();
                    progress.finish();
                    task.nli = Some((across, overall));
                }
                None => {
                    for set in sets {
                        sampler.split_and_select(set);
                    }
                }
            }
            streams.insert(task.task.clone(), sampler);
        }
        Ok(streams)
    }

    /// The `diversity_results.json` list.
    pub(crate) fn results<B: Backend>(
        self,
        rows: &[PromptScores],
        model: &str,
        metrics: &[Metric],
        encoder: Option<&SentenceEncoder<B>>,
        batch_size: usize,
        ead_config: &EadConfig,
    ) -> Result<serde_json::Value, StageError> {
        let mut out = Vec::new();
        for TaskSets { task, sets: collector, counts, nli } in self.tasks {
            let task_rows: Vec<_> = rows.iter().filter(|r| r.task == task).collect();
            let per_input =
                |get: fn(&PromptScores) -> Option<f64>| task_rows.iter().filter_map(|r| get(r)).collect::<Vec<f64>>();
            let mut results = Vec::new();
            if metrics.contains(&Metric::Ead) {
                results.push(MetricResult {
                    name: "EAD",
                    per_input: per_input(|r| r.ead),
                    across_input: Some(ead(&collector.first_outputs, ead_config).mean),
                    overall: Some(ead(&collector.overall, ead_config).mean),
                });
            }
            if let Some(encoder) = encoder {
                let embed = |texts: &[String]| -> Result<Vec<f32>, StageError> {
                    Ok(encoder.encode(texts, batch_size)?.into_iter().flatten().collect())
                };
                let (first, overall) = (embed(&collector.first_outputs)?, embed(&collector.overall)?);
                let dim = encoder.dim();
                fn set(data: &[f32], dim: usize) -> EmbeddingSet<'_> {
                    EmbeddingSet::new(data, dim).expect("rows of the encoder's width")
                }
                if metrics.contains(&Metric::Sbert) {
                    results.push(MetricResult {
                        name: "SBERT",
                        per_input: per_input(|r| r.sbert),
                        across_input: Some(sbert_diversity(set(&first, dim), SmallSetPolicy::Pipeline)),
                        overall: Some(sbert_diversity(set(&overall, dim), SmallSetPolicy::Pipeline)),
                    });
                }
                if metrics.contains(&Metric::Vendi) {
                    let vendi =
                        |data: &[f32]| vendi_score(set(data, dim), VendiVariant::Pipeline, SmallSetPolicy::Pipeline);
                    results.push(MetricResult {
                        name: "VENDI",
                        per_input: per_input(|r| r.vendi),
                        across_input: Some(vendi(&first)),
                        overall: Some(vendi(&overall)),
                    });
                }
            }
            if metrics.contains(&Metric::Nli) {
                // Across-input and overall values only when scored (`--nli-across`).
                results.push(MetricResult {
                    name: "NLI",
                    per_input: per_input(|r| r.nli),
                    across_input: nli.map(|(across, _)| across),
                    overall: nli.map(|(_, overall)| overall),
                });
            }
            let k = most_common(&counts);
            out.push(diversity_result(model, &task, counts.len(), k, &results));
        }
        Ok(serde_json::Value::Array(out))
    }
}

/// Per-task NLI sentence-pair streams, swapped into the scorer as each task's records
/// come (tasks may interleave in a file).
pub(crate) struct TaskStreams {
    streams: HashMap<String, SentencePairSampler>,
    active: Option<String>,
}

impl TaskStreams {
    pub(crate) fn new(streams: HashMap<String, SentencePairSampler>) -> Self {
        Self { streams, active: None }
    }

    /// Makes `sampler` the stream of `task`, keeping the previous task's stream.
    pub(crate) fn enter(&mut self, task: &str, sampler: &mut SentencePairSampler) {
        if self.active.as_deref() == Some(task) {
            return;
        }
        if let Some(previous) = self.active.take() {
            self.streams.insert(previous, std::mem::take(sampler));
        }
        // Every task was planned; a fresh stream is the reference's start in any case.
        *sampler = self.streams.remove(task).unwrap_or_default();
        self.active = Some(task.to_owned());
    }
}

/// The most frequent value (the smallest among ties; 0 for none).
fn most_common(values: &[usize]) -> usize {
    let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
    for &v in values {
        *counts.entry(v).or_default() += 1;
    }
    counts.iter().max_by_key(|(v, c)| (**c, std::cmp::Reverse(**v))).map_or(0, |(v, _)| *v)
}
