//! The data-composition sweep: SFT from the lineage's base on data written by 1, 2, 4 or
//! 8 teachers (writing styles), everything else fixed, then DPO on each. The paper could
//! only compare released lineages whose SFT data differ in many ways at once; here only
//! the number of styles in the SFT data changes.
//!
//! Fixed across arms: the base checkpoint, the training problems, the number of SFT
//! examples and preference pairs, the steps, batch sizes, learning rates and batch order
//! of both stages, and the prompt style. Only the teachers who write the SFT answers
//! (teachers `0..n`) and therefore the DPO pairs' chosen style change.
//!
//! ```text
//! base ─┬─ t1_sft ─ t1_dpo
//!       ├─ t2_sft ─ t2_dpo
//!       ├─ t4_sft ─ t4_dpo
//!       └─ t8_sft ─ t8_dpo
//! ```

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::FloatDType;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::evaluate::Condition;
use super::lineage::{
    LabConfig, LabError, PromptStyle, StageLog, Vocabulary, io, preference_pairs, save_checkpoint, sft_examples,
};
use super::train::{Sequence, TrainBackend, TrainModel, train_dpo, train_likelihood};
use super::world::{LabTask, TEACHERS, problems};
use crate::analysis::lineage::Stage;
use crate::olmo3::load_olmo3;

/// The teacher counts of the standard sweep.
pub const STANDARD_TEACHER_COUNTS: [usize; 4] = [1, 2, 4, 8];

/// Seed salt of the sweep's SFT data and preference pairs (the same stream for every arm).
const DATA_SALT: u64 = 0x5EED_0000;

/// What the sweep varies and how its SFT data are presented.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SweepPlan {
    /// Teachers in the SFT data of each arm (teachers `0..n`).
    pub teacher_counts: Vec<usize>,
    /// Prompt style of the SFT data: [`PromptStyle::Think`] (thoughts, then the answer)
    /// or [`PromptStyle::Instruct`] (direct answers).
    #[serde(serialize_with = "style_name")]
    pub style: PromptStyle,
}

fn style_name<S: serde::Serializer>(style: &PromptStyle, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(style.name())
}

impl SweepPlan {
    /// Checks the plan: at least one arm, counts in `1..TEACHERS` (DPO's rejected
    /// descriptions come from a teacher outside the set), no repeats, a chat style.
    pub fn validate(&self) -> Result<(), LabError> {
        let invalid = |message: String| Err(LabError::Plan(message));
        if self.teacher_counts.is_empty() {
            return invalid("no teacher counts".to_owned());
        }
        for (index, &count) in self.teacher_counts.iter().enumerate() {
            if count == 0 || count >= TEACHERS {
                return invalid(format!("teacher count {count}: must be between 1 and {}", TEACHERS - 1));
            }
            if self.teacher_counts[..index].contains(&count) {
                return invalid(format!("teacher count {count} appears twice"));
            }
        }
        if self.style == PromptStyle::Raw {
            return invalid("the SFT data need a chat style (think or instruct)".to_owned());
        }
        Ok(())
    }
}

/// Checkpoint names of the arm with `teachers` teachers: `(t4_sft, t4_dpo)`.
pub fn arm_names(teachers: usize) -> (String, String) {
    (format!("t{teachers}_sft"), format!("t{teachers}_dpo"))
}

/// The conditions the sweep samples: the lineage's base, then each arm's SFT and DPO
/// checkpoint (from `checkpoints`), as lineages `t1`, `t2`, … for the analysis.
pub fn sweep_conditions(lineage_dir: &Path, checkpoints: &Path, plan: &SweepPlan) -> Vec<Condition> {
    let mut all = vec![Condition {
        name: "base".to_owned(),
        folder: lineage_dir.join("base"),
        lineage: "base".to_owned(),
        stage: Stage::Base,
        parent: None,
        no_think: false,
    }];
    for &teachers in &plan.teacher_counts {
        let (sft, dpo) = arm_names(teachers);
        let lineage = format!("t{teachers}");
        all.push(Condition {
            name: sft.clone(),
            folder: checkpoints.join(&sft),
            lineage: lineage.clone(),
            stage: Stage::Sft,
            parent: Some("base".to_owned()),
            no_think: false,
        });
        all.push(Condition {
            name: dpo.clone(),
            folder: checkpoints.join(&dpo),
            lineage,
            stage: Stage::Dpo,
            parent: Some(sft),
            no_think: false,
        });
    }
    all
}

/// Trains every arm of `plan` from the base of the lab lineage in `lineage_dir` into
/// `checkpoints` (one Hugging Face folder per checkpoint, each with a `stage.json` log
/// written last). An arm whose two folders are complete is kept, so an interrupted sweep
/// resumes where it stopped. `progress(checkpoint, step, steps, loss)` reports.
pub fn train_sweep(
    lineage_dir: &Path,
    plan: &SweepPlan,
    checkpoints: &Path,
    mut progress: impl FnMut(&str, usize, usize, f64),
) -> Result<Vec<StageLog>, LabError> {
    plan.validate()?;
    let config = LabConfig::of_lineage(lineage_dir)?;
    let base_dir = lineage_dir.join("base");
    let vocab = Vocabulary::load(&base_dir.join("tokenizer.json"))?;
    let config_path = base_dir.join("config.json");
    let model_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config_path).map_err(io(&config_path))?)
            .map_err(|e| LabError::Record { path: config_path.clone(), message: format!("invalid JSON: {e}") })?;
    let device = Default::default();
    let base: TrainModel = load_olmo3::<TrainBackend>(&base_dir, &device, FloatDType::F32)?;
    let sums = problems(config.seed, LabTask::Sums, 0, config.pool);
    let describe = problems(config.seed, LabTask::Describe, 0, config.pool);
    std::fs::create_dir_all(checkpoints).map_err(io(checkpoints))?;

    let mut logs = Vec::new();
    for &count in &plan.teacher_counts {
        let (sft_name, dpo_name) = arm_names(count);
        if let (Some(sft_log), Some(dpo_log)) =
            (read_log(&checkpoints.join(&sft_name)), read_log(&checkpoints.join(&dpo_name)))
        {
            tracing::info!("arm with {count} teacher(s): complete, kept");
            logs.extend([sft_log, dpo_log]);
            continue;
        }
        let teachers: Vec<usize> = (0..count).collect();
        // The same data stream for every arm: only the teachers differ.
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed ^ DATA_SALT);
        let examples = sft_examples(&sums, &describe, &teachers, plan.style, &mut rng);
        let data: Vec<Sequence> = examples.iter().map(|(p, c)| vocab.sequence(p, c, vocab.im_end)).collect();
        let settings = config.stage(&config.sft, 10);
        let start = Instant::now();
        let (sft, curve) = train_likelihood(base.clone(), &data, &settings, vocab.pad, |s, v| {
            progress(&sft_name, s, settings.steps, v)
        });
        let sft_log = StageLog { checkpoint: sft_name.clone(), seconds: start.elapsed().as_secs_f64(), curve };
        save_checkpoint(checkpoints, &sft_name, &sft, &vocab, &model_json, plan.style)?;
        write_log(&checkpoints.join(&sft_name), &sft_log)?;

        let pairs = preference_pairs(&sums, &describe, &teachers, plan.style, &vocab, &mut rng);
        let settings = config.stage(&config.dpo, 11);
        let start = Instant::now();
        let (dpo, curve) =
            train_dpo(sft, &pairs, &settings, 0.1, vocab.pad, |s, v| progress(&dpo_name, s, settings.steps, v));
        let dpo_log = StageLog { checkpoint: dpo_name.clone(), seconds: start.elapsed().as_secs_f64(), curve };
        save_checkpoint(checkpoints, &dpo_name, &dpo, &vocab, &model_json, plan.style)?;
        write_log(&checkpoints.join(&dpo_name), &dpo_log)?;
        logs.extend([sft_log, dpo_log]);
    }
    Ok(logs)
}

fn log_path(folder: &Path) -> PathBuf {
    folder.join("stage.json")
}

/// The stage log of a complete checkpoint folder (none when it is absent or unreadable,
/// which means the folder was not finished).
fn read_log(folder: &Path) -> Option<StageLog> {
    let text = std::fs::read_to_string(log_path(folder)).ok()?;
    serde_json::from_str(&text).ok()
}

fn write_log(folder: &Path, log: &StageLog) -> Result<(), LabError> {
    let path = log_path(folder);
    let text = serde_json::to_string_pretty(log).expect("a stage log serialises");
    // Written last: a folder without a readable log is retrained.
    std::fs::write(&path, text).map_err(io(&path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_outside_the_world_are_rejected_with_the_reason() {
        let plan = |counts: Vec<usize>, style| SweepPlan { teacher_counts: counts, style };
        assert!(plan(vec![1, 2, 4, 8], PromptStyle::Think).validate().is_ok());
        for (bad, needle) in [
            (plan(vec![], PromptStyle::Think), "no teacher"),
            (plan(vec![0], PromptStyle::Think), "between 1 and 15"),
            (plan(vec![16], PromptStyle::Think), "between 1 and 15"),
            (plan(vec![2, 2], PromptStyle::Think), "twice"),
            (plan(vec![2], PromptStyle::Raw), "chat style"),
        ] {
            let message = bad.validate().unwrap_err().to_string();
            assert!(message.contains(needle), "{message}");
        }
    }

    #[test]
    fn arms_form_lineages_from_the_shared_base() {
        let plan = SweepPlan { teacher_counts: vec![1, 4], style: PromptStyle::Think };
        let all = sweep_conditions(Path::new("lab/lineage"), Path::new("out/checkpoints"), &plan);
        let names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["base", "t1_sft", "t1_dpo", "t4_sft", "t4_dpo"]);
        assert_eq!(all[4].parent.as_deref(), Some("t4_sft"));
        assert_eq!(all[0].folder, Path::new("lab/lineage/base"));
        let settings = super::super::evaluate::EvalSettings {
            lineage_dir: "lab/lineage".into(),
            n: 2,
            k: 2,
            seed: 1,
            max_new_tokens: 8,
        };
        let toml = super::super::evaluate::study_lineage(&all, &settings, "sweep", Path::new(".")).to_toml();
        let lineage = crate::analysis::lineage::Lineage::parse(&toml, "sweep").unwrap();
        assert_eq!(lineage.lineage_names(), ["t1", "t4"]);
    }
}
