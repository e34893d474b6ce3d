//! `divcollapse analyze --lineage FILE.toml --out DIR`: the analyse stage
//! ([`crate::pipeline::analyze`]) from the command line.

use std::path::PathBuf;

use clap::Args;

use crate::device::DeviceChoice;
use crate::metrics::extended::ExtendedSettings;
use crate::metrics::per_prompt::Metric;
use crate::pipeline::analyze::{AnalyzeSettings, analyze_lineage};
use crate::pipeline::models::ModelSettings;
use crate::pipeline::score::ScoreSettings;

#[derive(Debug, Args)]
pub(crate) struct AnalyzeArgs {
    /// Lineage description (TOML): checkpoints with lineage, stage, parent, and `run`,
    /// `scores` and `labels` files.
    #[arg(long)]
    lineage: PathBuf,
    /// Output folder: tables, report.md, figures/, per_prompt/, provenance.json.
    #[arg(long)]
    out: PathBuf,
    /// Use this per-prompt table (reference qfd_per_prompt.csv schema) instead of measuring run files.
    #[arg(long)]
    per_prompt: Option<PathBuf>,
    /// A quality table to read (repeatable), beside the lineage's `quality` list: a
    /// `judge score` table (win rates, WB-Score) or a `correctness --summary` table; its
    /// `model` column names checkpoints (quality.csv, figures/judge_win_rate_stages).
    #[arg(long = "quality", value_name = "FILE")]
    quality: Vec<PathBuf>,
    #[command(flatten)]
    models: ModelArgs,
    #[command(flatten)]
    extended: ExtendedArgs,
    /// EAD vocabulary size V.
    #[arg(long, default_value_t = crate::metrics::ead::DEFAULT_VOCAB_SIZE)]
    ead_vocab: u64,
    #[command(flatten)]
    bootstrap: super::BootstrapArgs,
}

/// The metrics beyond the study (`analyze`, `study`): computed where a run is scored.
#[derive(Debug, Clone, Args)]
pub(crate) struct ExtendedArgs {
    /// Comma-separated metrics beyond the study to add: distinct, ngram_vendi, ngram_diversity,
    /// self_bleu, compression, vendi_q, classes_emb, classes_nli (needs --nli-model).
    #[arg(long, default_value = "")]
    extra_metrics: String,
    /// Vendi orders q for `vendi_q<q>` columns (adds vendi_q) [default with vendi_q: 0.5,1,2,inf].
    #[arg(long)]
    vendi_q: Option<String>,
    /// Cosine at or above which two outputs count as one meaning (`classes_emb`, homogeneity).
    #[arg(long, default_value_t = crate::metrics::classes::DEFAULT_CLASS_THRESHOLD)]
    class_threshold: f64,
    /// Checkpoint pairs whose outputs to compare prompt by prompt, `A:B[,C:D]`
    /// (homogeneity.csv: cross-similarity and shared meaning classes).
    #[arg(long, default_value = "")]
    homogeneity: String,
    /// pass@k, maj@k and the expected meaning classes and SBERT diversity of a random
    /// k-subset for every k (curves.csv, figures/curves_*).
    #[arg(long)]
    curves: bool,
    /// Every output's mean per-token NLL under the base checkpoint (`base_nll`,
    /// `base_nll_spread`), conditioned on the base's own prompts; the base's `model`
    /// folder unless --base-model names one.
    #[arg(long)]
    base_likelihood: bool,
    /// The base checkpoint folder for --base-likelihood.
    #[arg(long)]
    base_model: Option<PathBuf>,
}

impl ExtendedArgs {
    /// Sets the extension metrics, their settings and the homogeneity pairs.
    pub(crate) fn apply(&self, settings: &mut AnalyzeSettings) -> anyhow::Result<()> {
        let (metrics, extended) = self.parse()?;
        settings.extended_metrics = metrics;
        settings.extended = extended;
        settings.homogeneity = crate::pipeline::homogeneity::parse_pairs(&self.homogeneity)?;
        settings.curves = self.curves;
        settings.base_likelihood = match (self.base_likelihood, &self.base_model) {
            (true, folder) => Some(folder.clone()),
            (false, None) => None,
            (false, Some(_)) => anyhow::bail!("--base-model is the folder of --base-likelihood, which is not given"),
        };
        Ok(())
    }

    /// The extension metrics and their settings.
    fn parse(&self) -> anyhow::Result<(Vec<Metric>, ExtendedSettings)> {
        let listed = match self.extra_metrics.trim() {
            "" => Vec::new(),
            list => ScoreSettings::parse_metrics(list)?,
        };
        let (metrics, settings) = ScoreSettings::with_extended(listed, self.vendi_q.as_deref(), self.class_threshold)?;
        if let Some(study) = metrics.iter().find(|m| m.is_study_metric()) {
            anyhow::bail!(
                "--extra-metrics: `{}` is one of the study's metrics, which are always computed",
                study.name()
            );
        }
        Ok((metrics, settings))
    }
}

/// The scoring models' options (`analyze`, `study`, `demo`).
#[derive(Debug, Clone, Args)]
pub(crate) struct ModelArgs {
    /// sentence-transformers folder (default: the fetched all-mpnet-base-v2).
    #[arg(long)]
    pub(crate) encoder: Option<PathBuf>,
    /// NLI model folder (roberta-large-mnli) to add NLI diversity.
    #[arg(long)]
    nli_model: Option<PathBuf>,
    /// NLI pair truncation in tokens.
    #[arg(long, default_value_t = 512)]
    nli_max_length: usize,
    /// Embedding cache file (created if absent).
    #[arg(long)]
    pub(crate) embedding_cache: Option<PathBuf>,
    /// The study's code diversity of the correct outputs of code tasks: D_c^AST (parsed by
    /// python3) and, with --code-encoder, UniXcoder's D_c^code.
    #[arg(long)]
    pub(crate) code_diversity: bool,
    /// Code encoder folder (microsoft/unixcoder-base) for --code-diversity.
    #[arg(long)]
    code_encoder: Option<PathBuf>,
    /// `cpu` or `cuda[:N]` for the models.
    #[arg(long, default_value = "cpu")]
    pub(crate) device: String,
    /// Texts per encoder batch.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
}

impl ModelArgs {
    pub(crate) fn settings(&self) -> ModelSettings {
        ModelSettings {
            encoder: self.encoder.clone(),
            nli_model: self.nli_model.clone(),
            nli_max_length: self.nli_max_length,
            batch_size: self.batch_size,
            embedding_cache: self.embedding_cache.clone(),
            code_encoder: self.code_encoder.clone(),
        }
    }
}

pub(crate) fn run(args: &AnalyzeArgs) -> anyhow::Result<()> {
    let mut settings = AnalyzeSettings {
        models: args.models.settings(),
        ead_vocab: args.ead_vocab,
        bootstrap: args.bootstrap.config(),
        per_prompt: args.per_prompt.clone(),
        code_diversity: args.models.code_diversity,
        quality: args.quality.clone(),
        ..AnalyzeSettings::default()
    };
    args.extended.apply(&mut settings)?;
    let device: DeviceChoice = args.models.device.parse()?;
    let (lineage, out) = (&args.lineage, &args.out);
    with_backend!(device, |B, dev| analyze_lineage::<B>(lineage, out, &settings, &dev, &mut super::Bars::default()))?;
    println!("{}", out.join("report.md").display());
    Ok(())
}
