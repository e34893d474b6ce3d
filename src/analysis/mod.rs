//! Where the findings are made: lineage descriptions, stage attribution and the paper's
//! own tables (shipped as data).
//!
//! * [`lineage`]: which checkpoint is which stage of which lineage (TOML).
//! * [`paper`]: the paper's published per-checkpoint numbers as a polars frame.
//! * [`attribution`]: per-task SFT / DPO / RL deltas and retention (methodology §4.2).
//! * [`paper_reproduction`]: the paper's stage-attribution table recomputed from its own data.

pub mod attribution;
pub mod lineage;
pub mod paper;
pub mod paper_reproduction;
