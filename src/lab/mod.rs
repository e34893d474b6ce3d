//! The lineage lab: a miniature post-training lineage (base, SFT, DPO, RL, RL-Zero)
//! trained with the project's own Olmo 3 code on a CPU.
//!
//! Not implemented yet.
