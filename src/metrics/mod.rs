//! The study's four diversity metrics and the text handling applied before them.
//!
//! Per-input scores are computed over the K outputs of one prompt; the number the paper
//! reports is their mean over prompts (`per_input_mean`). Definitions follow the authors'
//! reference code (`lighteval_diversity_metrics.py`) exactly; where the paper's text
//! differs, the paper's reading is offered as a named option.
//!
//! * [`ead`]: expectation-adjusted distinct n-grams (lexical).
//! * [`sbert`]: one minus the mean pairwise cosine of sentence embeddings (semantic).
//! * [`vendi`]: the Vendi score, exp of the entropy of the cosine kernel's spectrum.
//! * [`nli`]: NLI diversity with the reference's sentence-pair sampling (scorer supplied).
//! * [`text`]: think-trace stripping and the NLI sentence splitter.
//! * [`summary`]: `per_input_mean` / `per_input_std` as the reference aggregates them.
//! * [`per_prompt`]: scoring generation records and the per-prompt table.
//! * [`journal`]: per-prompt scores made durable as they are computed (resumable `score`).
//!
//! Beyond the study's four (columns in [`extended`]):
//! * [`lexical`]: distinct-n, the n-gram Vendi score and Shaib et al.'s n-gram diversity;
//! * [`bleu`]: self-BLEU (sacrebleu's sentence BLEU); [`compression`]: the gzip ratio;
//! * [`vendi`]: Vendi scores of order q; [`classes`]: meaning classes and semantic entropy;
//! * [`homogeneity`]: how alike two checkpoints' outputs to one prompt are;
//! * [`at_k`]: pass@k, maj@k and expected meaning classes of a random k-subset.

pub mod across_input;
pub mod ast_diversity;
pub mod at_k;
pub mod bleu;
pub mod classes;
pub mod compression;
pub mod ead;
pub mod eigen;
pub mod extended;
pub mod homogeneity;
pub mod journal;
pub mod lexical;
pub mod nli;
pub mod per_prompt;
pub mod sbert;
pub mod summary;
pub mod text;
pub mod vendi;

/// What a set-level metric returns when a prompt has fewer than two outputs.
///
/// The main pipeline returns a fixed value (0 for SBERT diversity, 1 for Vendi); the
/// quality-filtered scripts return NaN so that such prompts drop out of means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmallSetPolicy {
    /// The main pipeline's fixed value (`compute_diversity`).
    #[default]
    Pipeline,
    /// NaN, as the quality-filtered diversity scripts do.
    Nan,
}
