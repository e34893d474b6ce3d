//! Lineage descriptions: which checkpoint is the base, and which stage of which lineage
//! every other checkpoint is.
//!
//! ```toml
//! name = "Olmo 3 7B"
//! [[checkpoint]]
//! name = "Base"
//! lineage = "base"
//! stage = "base"
//! [[checkpoint]]
//! name = "Think-SFT"
//! lineage = "think"
//! stage = "sft"
//! parent = "Base"
//! no_think = false          # optional: the checkpoint sampled with thinking suppressed
//! hf_id = "allenai/..."     # optional
//! run = "runs/think-sft.jsonl"  # optional: its generation run file
//! scores = "scores/think-sft.parquet"  # optional: `score`'s per-prompt table of the run
//! labels = "labels/think-sft.jsonl"  # optional: correctness labels of the run
//! model = "checkpoints/think-sft"  # optional: the checkpoint folder `study` samples
//! ```
//!
//! For `divcollapse study`, an optional `[sample]` table says how checkpoints that name
//! a `model` are sampled:
//!
//! ```toml
//! [sample]
//! tasks = ["gsm8k", "alpaca"]
//! n = 24                  # optional: prompts per task (default: each task's N)
//! k = 16
//! temperature = 0.6
//! top_p = 0.95
//! seed = 1234
//! [sample.data]           # optional: task data the set-up cannot fetch
//! alpaca = "data/alpaca.jsonl"
//! ```
//!
//! Quality tables made outside the lineage's labels (the judges' `judge score` tables,
//! `correctness --summary` tables) are named at the top, before the checkpoints; their
//! `model` column names checkpoints ([`crate::analysis::quality_tables`]):
//!
//! ```toml
//! quality = ["judge/tldr.csv", "judge/writingprompts.csv"]
//! ```
//!
//! A stage's change is measured against its `parent`; a lineage whose checkpoints all
//! descend directly from the base with no SFT stage (RL-Zero) only has a retention.
//! The Olmo 3 study is built in ([`Lineage::olmo3`]).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A post-training stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// The pretrained base model.
    Base,
    /// Supervised fine-tuning.
    Sft,
    /// Direct preference optimisation.
    Dpo,
    /// Reinforcement learning with verifiable rewards.
    Rl,
}

impl Stage {
    /// The stage's name as used in quantity names (`sft`, `dpo`, `rl`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Base => "base",
            Self::Sft => "sft",
            Self::Dpo => "dpo",
            Self::Rl => "rl",
        }
    }
}

/// One checkpoint of a lineage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// Unique name; the `model` column of tables.
    pub name: String,
    /// Lineage name (`base`, `think`, `instruct`, `rl-zero`, or any other).
    pub lineage: String,
    /// Training stage.
    pub stage: Stage,
    /// The checkpoint this stage's change is measured against (absent for the base).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Sampled with thinking suppressed (an empty think block pre-filled).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_think: bool,
    /// The checkpoint it was initialised from, when that differs from `parent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initialised_from: Option<String>,
    /// Hugging Face id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hf_id: Option<String>,
    /// The checkpoint folder that `study` samples (relative to the TOML file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<PathBuf>,
    /// Generation run file (relative paths are relative to the TOML file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<PathBuf>,
    /// `score`'s per-prompt table of the run (.parquet, .csv or .jsonl; relative to the
    /// TOML file). When given, the analysis takes EAD, SBERT and Vendi from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scores: Option<PathBuf>,
    /// Correctness labels of the run (`divcollapse correctness` output: one JSON line per
    /// prompt with `input_id` and `labels`; relative to the TOML file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<PathBuf>,
}

/// How `study` samples the checkpoints that name a `model`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleSpec {
    /// Registered task names.
    pub tasks: Vec<String>,
    /// Prompts per task (default: each task's N).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<usize>,
    /// Samples per prompt.
    #[serde(default = "SampleSpec::default_k")]
    pub k: usize,
    /// Temperature.
    #[serde(default = "SampleSpec::default_temperature")]
    pub temperature: f64,
    /// Nucleus mass.
    #[serde(default = "SampleSpec::default_top_p")]
    pub top_p: f64,
    /// Run seed.
    #[serde(default = "SampleSpec::default_seed")]
    pub seed: u64,
    /// Token limit per sample (default: each task's limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_new_tokens: Option<usize>,
    /// Task data the set-up cannot fetch, by task (relative to the TOML file).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, PathBuf>,
}

impl SampleSpec {
    fn default_k() -> usize {
        16
    }
    fn default_temperature() -> f64 {
        0.6
    }
    fn default_top_p() -> f64 {
        0.95
    }
    fn default_seed() -> u64 {
        1234
    }
}

/// A lineage description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lineage {
    /// Display name.
    pub name: String,
    /// Quality tables (`judge score`, `correctness --summary`) the analysis reads
    /// (relative to the TOML file).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quality: Vec<PathBuf>,
    /// How `study` samples checkpoints that name a `model`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<SampleSpec>,
    /// The checkpoints, in display order.
    #[serde(rename = "checkpoint")]
    pub checkpoints: Vec<Checkpoint>,
}

/// Errors reading or validating a lineage description.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LineageError {
    /// The file could not be read.
    #[error("{path}: cannot read lineage file: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML does not parse or has wrong or unknown fields (the message has line and column).
    #[error("{origin}: {message}")]
    Syntax {
        /// The file (or `<built-in>`).
        origin: String,
        /// toml's message, with the line, column and field.
        message: String,
    },
    /// The description is inconsistent.
    #[error("{origin}: checkpoint `{checkpoint}`: {problem}")]
    Invalid {
        /// The file (or `<built-in>`).
        origin: String,
        /// The offending checkpoint.
        checkpoint: String,
        /// What is wrong.
        problem: String,
    },
    /// The description has no base checkpoint, or more than one.
    #[error("{origin}: expected exactly one checkpoint with stage = \"base\", found {found}")]
    Base {
        /// The file (or `<built-in>`).
        origin: String,
        /// How many were found.
        found: usize,
    },
}

const OLMO3_TOML: &str = include_str!("../../data/lineages/olmo3.toml");

impl Lineage {
    /// The Olmo 3 7B study: Base, the Think and Instruct lineages (SFT, DPO, RL), the
    /// three Think checkpoints without thinking, and six RL-Zero variants.
    pub fn olmo3() -> Self {
        Self::parse(OLMO3_TOML, "<built-in olmo3>").expect("the built-in lineage is valid")
    }

    /// Reads and validates a lineage file.
    pub fn from_file(path: &Path) -> Result<Self, LineageError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| LineageError::Io { path: path.to_owned(), source })?;
        let mut lineage = Self::parse(&text, &path.display().to_string())?;
        let folder = path.parent().unwrap_or(Path::new("."));
        for checkpoint in &mut lineage.checkpoints {
            let paths = [&mut checkpoint.model, &mut checkpoint.run, &mut checkpoint.scores, &mut checkpoint.labels];
            for path in paths.into_iter().flatten() {
                if path.is_relative() {
                    *path = crate::data::normalise_path(&folder.join(&*path));
                }
            }
        }
        let tables = lineage.quality.iter_mut();
        for path in lineage.sample.iter_mut().flat_map(|s| s.data.values_mut()).chain(tables) {
            if path.is_relative() {
                *path = crate::data::normalise_path(&folder.join(&*path));
            }
        }
        Ok(lineage)
    }

    /// The description as TOML (paths as they are held: give relative ones to keep the
    /// file movable).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a lineage serialises to TOML")
    }

    /// Parses and validates TOML text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, LineageError> {
        let lineage: Self = toml::from_str(text)
            .map_err(|error| LineageError::Syntax { origin: origin.to_owned(), message: error.to_string() })?;
        lineage.validate(origin)?;
        Ok(lineage)
    }

    fn validate(&self, origin: &str) -> Result<(), LineageError> {
        let invalid = |checkpoint: &Checkpoint, problem: String| LineageError::Invalid {
            origin: origin.to_owned(),
            checkpoint: checkpoint.name.clone(),
            problem,
        };
        let bases = self.checkpoints.iter().filter(|c| c.stage == Stage::Base).count();
        if bases != 1 {
            return Err(LineageError::Base { origin: origin.to_owned(), found: bases });
        }
        let mut seen = HashSet::new();
        for checkpoint in &self.checkpoints {
            if checkpoint.name.trim().is_empty() {
                return Err(invalid(checkpoint, "field `name` is empty".into()));
            }
            if !seen.insert(checkpoint.name.as_str()) {
                return Err(invalid(checkpoint, "the name is used twice".into()));
            }
        }
        let names: HashMap<&str, &Checkpoint> = self.checkpoints.iter().map(|c| (c.name.as_str(), c)).collect();
        for checkpoint in &self.checkpoints {
            match (&checkpoint.parent, checkpoint.stage) {
                (Some(_), Stage::Base) => {
                    return Err(invalid(checkpoint, "the base checkpoint cannot have a `parent`".into()));
                }
                (None, Stage::Base) => {}
                (None, _) => return Err(invalid(checkpoint, "field `parent` is required for a non-base stage".into())),
                (Some(parent), _) => {
                    let Some(found) = names.get(parent.as_str()) else {
                        return Err(invalid(checkpoint, format!("`parent` names an unknown checkpoint `{parent}`")));
                    };
                    if found.stage >= checkpoint.stage && found.stage != Stage::Base {
                        return Err(invalid(
                            checkpoint,
                            format!(
                                "`parent` `{parent}` is stage {}, not earlier than {}",
                                found.stage.as_str(),
                                checkpoint.stage.as_str()
                            ),
                        ));
                    }
                }
            }
            if let Some(init) = &checkpoint.initialised_from
                && !names.contains_key(init.as_str())
            {
                return Err(invalid(checkpoint, format!("`initialised_from` names an unknown checkpoint `{init}`")));
            }
        }
        Ok(())
    }

    /// The base checkpoint.
    pub fn base(&self) -> &Checkpoint {
        self.checkpoints.iter().find(|c| c.stage == Stage::Base).expect("validated: one base")
    }

    /// A checkpoint by name.
    pub fn get(&self, name: &str) -> Option<&Checkpoint> {
        self.checkpoints.iter().find(|c| c.name == name)
    }

    /// Lineage names other than the base's, in order of first appearance.
    pub fn lineage_names(&self) -> Vec<&str> {
        let base = self.base().lineage.as_str();
        let mut names: Vec<&str> = Vec::new();
        for checkpoint in &self.checkpoints {
            let name = checkpoint.lineage.as_str();
            if checkpoint.stage != Stage::Base && name != base && !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// The checkpoints of one lineage, with or without thinking suppressed.
    pub fn members(&self, lineage: &str, no_think: bool) -> Vec<&Checkpoint> {
        self.checkpoints
            .iter()
            .filter(|c| c.lineage == lineage && c.stage != Stage::Base && c.no_think == no_think)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_olmo3_lineage_has_the_studys_structure() {
        let lineage = Lineage::olmo3();
        assert_eq!(lineage.base().name, "Base");
        assert_eq!(lineage.lineage_names(), ["think", "instruct", "rl-zero"]);
        assert_eq!(lineage.members("rl-zero", false).len(), 6);
        assert_eq!(lineage.members("think", true).len(), 3);
        assert_eq!(lineage.checkpoints.len(), 16);
    }

    #[test]
    fn errors_name_the_checkpoint_and_the_field() {
        let text = "name='x'\n[[checkpoint]]\nname='B'\nlineage='base'\nstage='base'\n[[checkpoint]]\nname='S'\nlineage='t'\nstage='sft'\nparent='Nope'\n";
        let error = Lineage::parse(text, "lab.toml").unwrap_err().to_string();
        assert!(error.contains("lab.toml") && error.contains("`S`") && error.contains("Nope"), "{error}");

        let text = "name='x'\n[[checkpoint]]\nname='B'\nlineage='base'\nstage='bsae'\n";
        let error = Lineage::parse(text, "lab.toml").unwrap_err().to_string();
        assert!(error.contains("lab.toml") && error.contains("line 5"), "{error}");

        let error = Lineage::parse("name='x'\ncheckpoint=[]\n", "lab.toml").unwrap_err().to_string();
        assert!(error.contains("exactly one"), "{error}");
    }
}
