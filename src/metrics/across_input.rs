//! Across-input and overall diversity, and the reference's `diversity_results.json`
//! (methodology §3.5, §7.3).
//!
//! The reference seeds numpy's global generator with 1234, then
//! 1. if there are at least 500 outputs in all, samples 500 positions of the flattened
//!    outputs (prompt by prompt, in file order) without replacement and sorts them: the
//!    **overall** set;
//! 2. if at least 500 prompts have an output, samples 500 of them the same way: their
//!    first outputs are the **across-input** set (`overall_single_output`).
//!
//! Otherwise the whole list is used. Each metric is then applied to the set as a whole:
//! EAD on the pooled n-grams, SBERT diversity over all pairs, the Vendi score of the
//! set's Gram matrix. Floats in the JSON are rounded to 6 decimals as Python's
//! `round(x, 6)` does.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::summary::{per_input_mean, per_input_std};
use crate::pycompat::NumpyLegacyRandom;

/// Size of the overall and across-input samples.
pub const OVERALL_SAMPLE_SIZE: usize = 500;

/// The seed the reference passes to `set_seed` before sampling.
pub const REFERENCE_SEED: u32 = 1234;

/// Which outputs enter the overall and across-input scores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AcrossInputSelection {
    /// Sorted positions in the flattened list of all outputs.
    pub overall_positions: Vec<usize>,
    /// Sorted indices into the prompts that have at least one output.
    pub first_output_prompts: Vec<usize>,
}

impl AcrossInputSelection {
    /// The reference's selection for prompts with `outputs_per_prompt[i]` outputs.
    pub fn reference(outputs_per_prompt: &[usize], seed: u32) -> Self {
        let mut rng = NumpyLegacyRandom::new(seed);
        let mut draw = |population: usize| -> Vec<usize> {
            if population >= OVERALL_SAMPLE_SIZE {
                let mut chosen =
                    rng.choice_without_replacement(population, OVERALL_SAMPLE_SIZE).expect("population ≥ sample size");
                chosen.sort_unstable();
                chosen
            } else {
                (0..population).collect()
            }
        };
        let total: usize = outputs_per_prompt.iter().sum();
        let overall_positions = draw(total);
        let with_output = outputs_per_prompt.iter().filter(|&&k| k > 0).count();
        let first_output_prompts = draw(with_output);
        Self { overall_positions, first_output_prompts }
    }
}

/// Collects the texts of an [`AcrossInputSelection`] while records stream past.
#[derive(Debug, Clone)]
pub struct AcrossInputCollector {
    selection: AcrossInputSelection,
    next_output: usize,
    next_prompt: usize,
    overall_cursor: usize,
    first_cursor: usize,
    /// The overall set, in position order.
    pub overall: Vec<String>,
    /// The across-input set (first outputs), in prompt order.
    pub first_outputs: Vec<String>,
}

impl AcrossInputCollector {
    /// A collector for a selection.
    pub fn new(selection: AcrossInputSelection) -> Self {
        Self {
            selection,
            next_output: 0,
            next_prompt: 0,
            overall_cursor: 0,
            first_cursor: 0,
            overall: Vec::new(),
            first_outputs: Vec::new(),
        }
    }

    /// Sees the next prompt's outputs (records must come in the order the selection was
    /// drawn for).
    pub fn push(&mut self, outputs: &[String]) {
        let positions = &self.selection.overall_positions;
        for (k, text) in outputs.iter().enumerate() {
            if positions.get(self.overall_cursor) == Some(&(self.next_output + k)) {
                self.overall.push(text.clone());
                self.overall_cursor += 1;
            }
        }
        self.next_output += outputs.len();
        if let Some(first) = outputs.first() {
            if self.selection.first_output_prompts.get(self.first_cursor) == Some(&self.next_prompt) {
                self.first_outputs.push(first.clone());
                self.first_cursor += 1;
            }
            self.next_prompt += 1;
        }
    }
}

/// One metric's entry of `diversity_results.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricResult {
    /// `EAD`, `SBERT`, `VENDI` or `NLI`.
    pub name: &'static str,
    /// Per-prompt values.
    pub per_input: Vec<f64>,
    /// The metric on the across-input set (`None` when not computed).
    pub across_input: Option<f64>,
    /// The metric on the overall set (`None` when not computed).
    pub overall: Option<f64>,
}

/// `round(x, 6)` as Python computes it (correctly rounded decimal, ties to even).
pub fn py_round6(value: f64) -> f64 {
    if !value.is_finite() {
        return value;
    }
    format!("{value:.6}").parse().unwrap_or(value)
}

impl MetricResult {
    /// The metric's payload with the reference's field names, rounded to 6 decimals.
    pub fn payload(&self) -> Value {
        let (mean, std) = if self.per_input.is_empty() {
            (0.0, 0.0)
        } else {
            (per_input_mean(&self.per_input), per_input_std(&self.per_input))
        };
        let name = self.name;
        let mut payload = Map::new();
        if let Some(overall) = self.overall {
            payload.insert(format!("overall_{name}"), json!(py_round6(overall)));
        }
        if let Some(across) = self.across_input {
            payload.insert(format!("overall_single_output_{name}"), json!(py_round6(across)));
        }
        payload.insert("per_input_mean".into(), json!(py_round6(mean)));
        payload.insert("per_input_std".into(), json!(py_round6(std)));
        if let Some(across) = self.across_input {
            payload.insert("across_input".into(), json!(py_round6(across)));
        }
        payload.insert(format!("mean_per_input_{name}"), json!(py_round6(mean)));
        payload.insert(format!("std_per_input_{name}"), json!(py_round6(std)));
        Value::Object(payload)
    }
}

/// One task's object of `diversity_results.json` (the file is a list of these).
pub fn diversity_result(model_name: &str, task: &str, n: usize, k: usize, metrics: &[MetricResult]) -> Value {
    let mut payload = Map::new();
    for metric in metrics {
        payload.insert(metric.name.to_owned(), metric.payload());
    }
    json!({"model_name": model_name, "N": n, "K": k, "task": task, "metrics": payload})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_inputs_use_everything_and_the_collector_follows_positions() {
        let selection = AcrossInputSelection::reference(&[2, 0, 3], REFERENCE_SEED);
        assert_eq!(selection.overall_positions, [0, 1, 2, 3, 4]);
        assert_eq!(selection.first_output_prompts, [0, 1]);
        let mut collector = AcrossInputCollector::new(selection);
        for outputs in [vec!["a", "b"], vec![], vec!["c", "d", "e"]] {
            collector.push(&outputs.into_iter().map(String::from).collect::<Vec<_>>());
        }
        assert_eq!(collector.overall, ["a", "b", "c", "d", "e"]);
        assert_eq!(collector.first_outputs, ["a", "c"]);
    }

    #[test]
    fn rounding_matches_python() {
        // round(0.1234565, 6) == 0.123456 (the binary value lies just below the tie);
        // round(0.0078125, 6) == 0.007812 (an exact tie, to even). Values from CPython 3.
        assert_eq!(py_round6(0.1234565), 0.123456);
        assert_eq!(py_round6(0.0078125), 0.007812);
        assert_eq!(py_round6(1.0), 1.0);
    }
}
