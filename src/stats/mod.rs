//! Statistics: bootstrap confidence intervals over prompts, paired comparisons between
//! checkpoints, ratios and shares.
//!
//! * [`bootstrap`]: percentile and BCa intervals, seeded and parallel; a statistic over
//!   several checkpoints' aligned per-prompt arrays is a paired comparison.
//! * [`correlation`]: Spearman's rank correlation, as scipy computes it.

pub mod bootstrap;
pub mod correlation;

pub use bootstrap::{Bootstrap, BootstrapConfig, BootstrapError, Interval, IntervalMethod};
