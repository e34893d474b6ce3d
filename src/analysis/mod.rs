//! Where the findings are made: lineage descriptions, stage attribution and the paper's
//! own tables (shipped as data).
//!
//! * [`lineage`]: which checkpoint is which stage of which lineage (TOML).
//! * [`paper`]: the paper's published per-checkpoint numbers as a polars frame.
//! * [`attribution`]: per-task SFT / DPO / RL deltas and retention (methodology §4.2).
//! * [`paper_reproduction`]: the paper's stage-attribution table recomputed from its own data.
//! * [`per_prompt`]: per-prompt quality and diversity tables (ours or the reference's CSV).
//! * [`figures`]: the publication figures from published or measured values.
//! * [`report`]: a study's CSV tables, markdown report and figures.
//! * [`study`]: every statistic of a lineage study on one per-prompt table, with intervals.
//! * [`decomposition`]: quality-filtered diversity and the matched correctness decomposition.
//! * [`compare`]: two measurements of the same prompts, metric by metric (Table 17).
//! * [`quality_tables`]: the judges' and the labels' quality tables, read for the analysis.

pub mod attribution;
pub mod compare;
pub mod decomposition;
pub mod figures;
pub mod lineage;
pub mod paper;
pub mod paper_reproduction;
pub mod per_prompt;
pub mod quality_tables;
pub mod report;
pub mod study;
