//! Statistics: bootstrap confidence intervals over prompts, paired comparisons between
//! checkpoints, ratios and shares.
//!
//! Not implemented yet.
