//! `divcollapse score --generations FILE --metrics ead,sbert,vendi[,nli][,ast][,code_sbert,code_vendi][,distinct,…] [--vendi-q 0.5,1,2,inf] [--on answer|trace] --out TABLE`:
//! the score stage ([`crate::pipeline::score`]) from the command line.

use std::path::PathBuf;

use clap::Args;

use crate::device::DeviceChoice;
use crate::pipeline::models::ModelSettings;
use crate::pipeline::score::{ScoreOutputs, ScoreSettings, score_run};

#[derive(Debug, Args)]
pub(crate) struct ScoreArgs {
    /// Generation JSONL (one prompt per line with its outputs), or a lighteval details
    /// `.parquet` file (raw outputs, think-stripped on reading).
    #[arg(long)]
    generations: PathBuf,
    /// Comma-separated metrics: ead, sbert, vendi, nli (needs --nli-model), ast (code; parsed by python3),
    /// code_sbert and code_vendi (need --code-encoder); beyond the study: distinct, ngram_vendi,
    /// ngram_diversity, self_bleu, compression, vendi_q, classes_emb, classes_nli (needs --nli-model).
    #[arg(long, default_value = "ead,sbert,vendi")]
    metrics: String,
    /// Vendi orders q for `vendi_q<q>` columns (adds the metric): numbers ≥ 0 or `inf`
    /// [default with --metrics vendi_q: 0.5,1,2,inf].
    #[arg(long)]
    vendi_q: Option<String>,
    /// Score the final answers (`answer`, the study) or the reasoning traces (`trace`: the
    /// think spans of `raw_outputs`; outputs without one are left out).
    #[arg(long, default_value = "answer")]
    on: String,
    /// Cosine at or above which two outputs count as one meaning in `classes_emb`.
    #[arg(long, default_value_t = crate::metrics::classes::DEFAULT_CLASS_THRESHOLD)]
    class_threshold: f64,
    /// sentence-transformers folder for sbert and vendi (default: the fetched all-mpnet-base-v2).
    #[arg(long)]
    encoder: Option<PathBuf>,
    /// NLI model folder (roberta-large-mnli).
    #[arg(long)]
    nli_model: Option<PathBuf>,
    /// Code encoder folder for code_sbert and code_vendi (microsoft/unixcoder-base).
    #[arg(long)]
    code_encoder: Option<PathBuf>,
    /// NLI pair truncation in tokens (the study: 512).
    #[arg(long, default_value_t = 512)]
    nli_max_length: usize,
    /// EAD vocabulary size V (50257 reproduces the reference's code path).
    #[arg(long, default_value_t = crate::metrics::ead::DEFAULT_VOCAB_SIZE)]
    ead_vocab: u64,
    /// Model name written in every row (default: the file's stem).
    #[arg(long)]
    model_name: Option<String>,
    /// Score only slice I of N of the prompts (by a hash of each prompt's id; rows equal
    /// an unsharded run's); join the slices' tables with `divcollapse merge`.
    #[arg(long)]
    shard: Option<crate::pipeline::shard::Shard>,
    /// Per-prompt table: .parquet, .csv or .jsonl.
    #[arg(long)]
    out: PathBuf,
    /// Summary JSON with per_input_mean and per_input_std per metric.
    #[arg(long)]
    summary: Option<PathBuf>,
    /// The reference's `diversity_results.json` (a list, one object per task) with
    /// per-input, across-input and overall values (NLI's across-input and overall values
    /// only with `--nli-across`).
    #[arg(long)]
    diversity_results: Option<PathBuf>,
    /// Also score NLI on the across-input and overall sets of `--diversity-results` (all
    /// pairs of up to 500 outputs per set: slow, as in the reference).
    #[arg(long)]
    nli_across: bool,
    /// Embedding cache file (created if absent), keyed by model hash, max length and text.
    #[arg(long)]
    embedding_cache: Option<PathBuf>,
    /// Report and skip malformed lines instead of failing on the first.
    #[arg(long)]
    skip_bad_lines: bool,
    /// `cpu` or `cuda[:N]` for the encoder.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Texts per encoder batch.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
}

pub(crate) fn run(args: &ScoreArgs) -> anyhow::Result<()> {
    let (metrics, extended) =
        ScoreSettings::parse_extended(&args.metrics, args.vendi_q.as_deref(), args.class_threshold)?;
    let settings = ScoreSettings {
        metrics,
        ead_vocab: args.ead_vocab,
        model_name: args.model_name.clone().unwrap_or_else(|| super::file_stem_of(&args.generations)),
        skip_bad_lines: args.skip_bad_lines,
        nli_across: args.nli_across,
        extended,
        on: args.on.parse().map_err(|e| anyhow::anyhow!("--on: {e}"))?,
        shard: args.shard,
    };
    let models = ModelSettings {
        encoder: args.encoder.clone(),
        nli_model: args.nli_model.clone(),
        nli_max_length: args.nli_max_length,
        batch_size: args.batch_size,
        embedding_cache: args.embedding_cache.clone(),
        code_encoder: args.code_encoder.clone(),
    };
    let outputs = ScoreOutputs {
        table: args.out.clone(),
        summary: args.summary.clone(),
        diversity_results: args.diversity_results.clone(),
    };
    let device: DeviceChoice = args.device.parse()?;
    let report = with_backend!(device, |B, dev| score_run::<B>(
        &args.generations,
        &settings,
        &models,
        &outputs,
        &dev,
        &mut super::Bars::default()
    ))?;
    tracing::info!("{} prompts scored into {}", report.rows.len(), args.out.display());
    Ok(())
}
