//! The lab lineage as a study: the conditions sampled (every checkpoint, and the think
//! checkpoints with thinking suppressed) and the lineage description that
//! `divcollapse study` samples, scores, labels and analyses.

use std::path::{Path, PathBuf};

use super::lineage::{CHECKPOINTS, LabCheckpoint, PromptStyle};
use super::world::LabTask;
use crate::analysis::lineage::{Checkpoint, Lineage, SampleSpec, Stage};
use crate::generate::sampling::SamplingParams;

/// A sampled condition: a checkpoint folder, with or without thinking, and its place
/// in the lineage the analysis reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// Report label and file stem (`sft_think`, `sft_think_no_think`).
    pub name: String,
    /// The checkpoint folder.
    pub folder: PathBuf,
    /// Lineage name in the analysis (`base`, `think`, `instruct`, `rl-zero`, `t4`, …).
    pub lineage: String,
    /// Stage.
    pub stage: Stage,
    /// The condition its change is measured against.
    pub parent: Option<String>,
    /// Thinking suppressed (an empty think block pre-filled).
    pub no_think: bool,
}

impl Condition {
    /// A checkpoint of the lab lineage in `lineage_dir`, sampled as trained
    /// (`no_think = false`) or with thinking suppressed.
    pub fn of_checkpoint(lineage_dir: &Path, checkpoint: &LabCheckpoint, no_think: bool) -> Self {
        let name = if no_think { format!("{}_no_think", checkpoint.name) } else { checkpoint.name.to_owned() };
        let lineage = if checkpoint.lineage == "rl_zero" { "rl-zero" } else { checkpoint.lineage };
        Self {
            name,
            folder: lineage_dir.join(checkpoint.name),
            lineage: lineage.to_owned(),
            stage: stage_of(checkpoint.stage),
            parent: checkpoint.parent.map(str::to_owned),
            no_think,
        }
    }
}

/// The stage of a lab checkpoint's stage name.
fn stage_of(name: &str) -> Stage {
    match name {
        "base" => Stage::Base,
        "sft" => Stage::Sft,
        "dpo" => Stage::Dpo,
        _ => Stage::Rl,
    }
}

/// Every checkpoint of the lab lineage in `lineage_dir`, plus the think checkpoints with
/// thinking suppressed.
pub fn conditions(lineage_dir: &Path) -> Vec<Condition> {
    let mut all: Vec<Condition> = CHECKPOINTS.iter().map(|c| Condition::of_checkpoint(lineage_dir, c, false)).collect();
    all.extend(
        CHECKPOINTS
            .iter()
            .filter(|c| c.style == PromptStyle::Think)
            .map(|c| Condition::of_checkpoint(lineage_dir, c, true)),
    );
    all
}

/// How the lab checkpoints are sampled for a study.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalSettings {
    /// The trained lineage folder (its `lab.json` gives the world seed).
    pub lineage_dir: PathBuf,
    /// Evaluation prompts per task.
    pub n: usize,
    /// Samples per prompt.
    pub k: usize,
    /// Run seed.
    pub seed: u64,
    /// Token limit per sample (the lineage's).
    pub max_new_tokens: usize,
}

/// The study of `conditions` on both lab tasks as a lineage description for
/// `divcollapse study`: each condition a checkpoint naming its `model` folder, sampled
/// at the study's temperature 0.6 and top-p 0.95. `name` is the lineage's name; paths
/// are written relative to `folder`, where the description will be saved.
pub fn study_lineage(conditions: &[Condition], settings: &EvalSettings, name: &str, folder: &Path) -> Lineage {
    let relative = |path: &Path| crate::pipeline::relative_path(path, folder);
    let data = LabTask::ALL.iter().map(|task| (task.name().to_owned(), relative(&settings.lineage_dir))).collect();
    Lineage {
        name: name.to_owned(),
        quality: Vec::new(),
        sample: Some(SampleSpec {
            tasks: LabTask::ALL.iter().map(|task| task.name().to_owned()).collect(),
            n: Some(settings.n),
            k: settings.k,
            temperature: SamplingParams::STUDY.temperature,
            top_p: SamplingParams::STUDY.top_p,
            seed: settings.seed,
            max_new_tokens: Some(settings.max_new_tokens),
            data,
        }),
        checkpoints: conditions
            .iter()
            .map(|condition| Checkpoint {
                name: condition.name.clone(),
                lineage: condition.lineage.clone(),
                stage: condition.stage,
                parent: condition.parent.clone(),
                no_think: condition.no_think,
                initialised_from: None,
                hf_id: None,
                model: Some(relative(&condition.folder)),
                run: None,
                scores: None,
                labels: None,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::lineage::Lineage;

    #[test]
    fn the_sampled_conditions_form_a_lineage_the_analysis_reads() {
        let all = conditions(Path::new("lab/lineage"));
        assert_eq!(all.len(), 11, "8 checkpoints and 3 think checkpoints without thinking");
        let settings = EvalSettings { lineage_dir: "lab/lineage".into(), n: 2, k: 2, seed: 1, max_new_tokens: 8 };
        let lineage =
            Lineage::parse(&study_lineage(&all, &settings, "demo", Path::new("analysis/demo")).to_toml(), "demo")
                .unwrap();
        assert_eq!(lineage.base().name, "base");
        assert_eq!(lineage.lineage_names(), ["think", "instruct", "rl-zero"]);
        assert_eq!(lineage.members("think", true).len(), 3);
        let sample = lineage.sample.unwrap();
        assert_eq!(sample.tasks, ["lab_sums", "lab_describe"]);
        assert_eq!((sample.n, sample.k, sample.temperature), (Some(2), 2, 0.6));
    }
}
