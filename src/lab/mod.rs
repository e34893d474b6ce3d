//! The lineage lab: a miniature post-training lineage (base, SFT, DPO, RL, RL-Zero)
//! trained with the project's own Olmo 3 code on a CPU.
//!
//! * [`world`]: the synthetic world (a verifiable and an open-ended task, teachers).
//! * [`evaluate`]: sampling the lineage into run files, labels and a lineage description.
//! * [`lineage`]: the whole lineage, checkpoint by checkpoint, saved as Hugging Face folders.
//! * [`sweep`]: the data-composition sweep (SFT with 1, 2, 4, 8 teachers, then DPO).
//! * [`sweep_report`]: the sweep's tables, figure and report.
//! * [`train`]: likelihood training, DPO and GRPO-style RL with burn's autodiff.

pub mod evaluate;
pub mod lineage;
pub mod sweep;
pub mod sweep_report;
pub mod train;
pub mod world;
