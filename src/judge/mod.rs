//! The study's LLM judges (methodology §2.8), offline-first: requests are written as
//! OpenAI Batch API lines identical to the study's scripts ([`prepare`]), sent to any
//! OpenAI-compatible chat-completions server or left to the Batch API ([`client`]), and
//! the replies are parsed with the study's parsers and aggregated with bootstrap
//! intervals over prompts ([`score`]).
//!
//! | judge | tasks | compares gen-0 against | script |
//! |---|---|---|---|
//! | `kirk-summary` | TL;DR, CNN/DailyMail, XSum | the reference summary | `compute_summarization_quality.py` |
//! | `arena-creative` | WritingPrompts | Base's gen-0, two rounds with positions swapped | `compute_writingprompts_quality.py` |
//! | `wb-score` | WildBench | nothing: a 1–10 checklist score, WB-Score = (mean − 5)·2 | `compute_wildbench_quality.py` |
//! | `mt-bench-pair` | Alpaca, PRISM | Base's gen-0, two rounds with positions swapped | none in the study's repository: a re-implementation of FastChat's `pair-v2` |

pub mod batch;
pub mod client;
pub mod parse;
pub mod prepare;
pub mod prompts;
pub mod score;

use serde::{Deserialize, Serialize};

/// The judge model of the study's scripts.
pub const STUDY_JUDGE_MODEL: &str = "gpt-4.1-mini";

/// Which judge protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum JudgeKind {
    /// Kirk et al.'s pairwise summary ranking against the reference summary.
    KirkSummary,
    /// Arena-Hard-Auto's creative-writing verdicts against Base, two rounds.
    ArenaCreative,
    /// WildBench's WB-Score checklist grading of one answer.
    WbScore,
    /// MT-Bench `pair-v2` against Base, two rounds.
    MtBenchPair,
}

impl JudgeKind {
    /// The name used on the command line and in provenance records.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::KirkSummary => "kirk-summary",
            Self::ArenaCreative => "arena-creative",
            Self::WbScore => "wb-score",
            Self::MtBenchPair => "mt-bench-pair",
        }
    }

    /// Whether the judge compares against Base's outputs (`--baseline`).
    pub fn needs_baseline(self) -> bool {
        matches!(self, Self::ArenaCreative | Self::MtBenchPair)
    }
}

impl std::fmt::Display for JudgeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
