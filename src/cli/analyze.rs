//! `divcollapse analyze --lineage FILE.toml --out DIR [--per-prompt FILE.csv]
//! [--encoder DIR] [--nli-model DIR] [--bootstrap 10000] [--seed 0]`
//!
//! Runs the whole analysis of a lineage study: measures every checkpoint's run file
//! (and labels) into a per-prompt table, or reads a per-prompt table in the reference's
//! `qfd_per_prompt.csv` schema, then writes the tables with bootstrap intervals, the
//! markdown report and the figures (see `analysis::report`).
//!
//! Measuring is the long part and is resumable: each checkpoint's rows are written to
//! `DIR/per_prompt/<checkpoint>.parquet` as soon as it is done, with the hashes of its
//! inputs beside them; a rerun reuses every checkpoint whose inputs did not change.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use burn::tensor::backend::Backend;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use polars::prelude::*;

use crate::analysis::lineage::Lineage;
use crate::analysis::measure::{LabelsFile, Measurer, measured_table};
use crate::analysis::per_prompt::PerPromptTable;
use crate::analysis::report::write_study;
use crate::analysis::study::{StudyResults, run_study};
use crate::device::DeviceChoice;
use crate::encoders::SentenceEncoder;
use crate::encoders::cache::EmbeddingCache;
use crate::encoders::roberta::NliModel;
use crate::metrics::ead::EadConfig;
use crate::metrics::nli::SentencePairSampler;
use crate::provenance::{Provenance, sha256_file};

#[derive(Debug, Args)]
pub(crate) struct AnalyzeArgs {
    /// Lineage description (TOML): checkpoints with lineage, stage, parent, `run` and `labels` files.
    #[arg(long)]
    lineage: PathBuf,
    /// Output folder: tables, report.md, figures/, per_prompt/, provenance.json.
    #[arg(long)]
    out: PathBuf,
    /// Use this per-prompt table (reference qfd_per_prompt.csv schema) instead of measuring run files.
    #[arg(long)]
    per_prompt: Option<PathBuf>,
    /// sentence-transformers folder (default: the fetched all-mpnet-base-v2).
    #[arg(long)]
    encoder: Option<PathBuf>,
    /// NLI model folder (roberta-large-mnli) to add NLI diversity.
    #[arg(long)]
    nli_model: Option<PathBuf>,
    /// NLI pair truncation in tokens.
    #[arg(long, default_value_t = 512)]
    nli_max_length: usize,
    /// EAD vocabulary size V.
    #[arg(long, default_value_t = crate::metrics::ead::DEFAULT_VOCAB_SIZE)]
    ead_vocab: u64,
    #[command(flatten)]
    bootstrap: super::BootstrapArgs,
    /// Embedding cache file (created if absent).
    #[arg(long)]
    embedding_cache: Option<PathBuf>,
    /// `cpu` or `cuda[:N]` for the encoders.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Texts per encoder batch.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
}

impl AnalyzeArgs {
    /// The analysis of run files with default settings (the demo's).
    pub(crate) fn of_runs(
        lineage: PathBuf,
        out: PathBuf,
        encoder: Option<PathBuf>,
        bootstrap: super::BootstrapArgs,
    ) -> Self {
        Self {
            lineage,
            out,
            per_prompt: None,
            encoder,
            nli_model: None,
            nli_max_length: 512,
            ead_vocab: crate::metrics::ead::DEFAULT_VOCAB_SIZE,
            bootstrap,
            embedding_cache: None,
            device: "cpu".to_owned(),
            batch_size: 32,
        }
    }
}

pub(crate) fn run(args: &AnalyzeArgs) -> anyhow::Result<()> {
    analyze(args).map(|_| ())
}

/// Measures (or reads) the per-prompt table, runs the study and writes every output;
/// returns the study's results.
pub(crate) fn analyze(args: &AnalyzeArgs) -> anyhow::Result<StudyResults> {
    let lineage = Lineage::from_file(&args.lineage)?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    let mut provenance =
        args.bootstrap.record(Provenance::new("divcollapse analyze")).input("lineage", sha256_file(&args.lineage)?);
    let table = match &args.per_prompt {
        Some(csv) => {
            provenance = provenance.input("per_prompt", sha256_file(csv)?);
            PerPromptTable::from_reference_csv(csv)?
        }
        None => {
            let device: DeviceChoice = args.device.parse()?;
            let (table, inputs) = with_backend!(device, |B, dev| measure_lineage::<B>(args, &lineage, &dev))?;
            for (role, hash) in inputs {
                provenance = provenance.input(role, hash);
            }
            table
        }
    };
    let table = table.with_majority_gain()?;
    let config = args.bootstrap.config();
    let results = run_study(&lineage, &table, config)?;
    for note in &results.notes {
        tracing::warn!("{note}");
    }
    let files = write_study(&lineage, &results, &config, &args.out)?;
    let mut frame = table.frame().clone();
    let per_prompt_csv = args.out.join("per_prompt.csv");
    let mut file = std::fs::File::create(&per_prompt_csv).with_context(|| per_prompt_csv.display().to_string())?;
    CsvWriter::new(&mut file).include_header(true).finish(&mut frame)?;
    let provenance_path = args.out.join("provenance.json");
    std::fs::write(&provenance_path, serde_json::to_string_pretty(&provenance)? + "\n")
        .with_context(|| provenance_path.display().to_string())?;
    println!("{}", args.out.join("report.md").display());
    tracing::info!("{} files written to {}", files.len() + 2, args.out.display());
    Ok(results)
}

/// A file name for a checkpoint (letters, digits, `-`, `_`, `.`; the rest `_`).
fn file_stem(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect()
}

/// Measures every checkpoint with a `run` file; returns the table and the input hashes.
fn measure_lineage<B: Backend>(
    args: &AnalyzeArgs,
    lineage: &Lineage,
    device: &B::Device,
) -> anyhow::Result<(PerPromptTable, Vec<(String, String)>)> {
    let encoder_dir = match &args.encoder {
        Some(dir) => dir.clone(),
        None => crate::assets::Assets::locate().mpnet()?,
    };
    let encoder_hash = sha256_file(&encoder_dir.join("model.safetensors"))
        .with_context(|| format!("hashing the encoder {}", encoder_dir.display()))?;
    let nli_hash = args.nli_model.as_ref().map(|d| sha256_file(&d.join("model.safetensors"))).transpose()?;
    let mut inputs = vec![("encoder model.safetensors".to_owned(), encoder_hash.clone())];
    if let Some(hash) = &nli_hash {
        inputs.push(("nli model.safetensors".to_owned(), hash.clone()));
    }
    let checkpoints: Vec<_> = lineage.checkpoints.iter().filter(|c| c.run.is_some()).collect();
    if checkpoints.is_empty() {
        bail!("{}: no checkpoint has a `run` file (or pass --per-prompt FILE.csv)", args.lineage.display());
    }
    let folder = args.out.join("per_prompt");
    std::fs::create_dir_all(&folder).with_context(|| folder.display().to_string())?;
    let mut measurer: Option<Measurer<'_, B>> = None;
    let encoder_slot: std::cell::OnceCell<SentenceEncoder<B>> = std::cell::OnceCell::new();
    let mut frames = Vec::new();
    for checkpoint in checkpoints {
        let run = checkpoint.run.as_ref().expect("filtered on run");
        let run_hash = sha256_file(run).with_context(|| format!("checkpoint `{}`: run file", checkpoint.name))?;
        let labels_hash = checkpoint
            .labels
            .as_ref()
            .map(|p| sha256_file(p).with_context(|| format!("checkpoint `{}`: labels file", checkpoint.name)))
            .transpose()?;
        inputs.push((format!("run {}", checkpoint.name), run_hash.clone()));
        if let Some(hash) = &labels_hash {
            inputs.push((format!("labels {}", checkpoint.name), hash.clone()));
        }
        let key = serde_json::json!({
            "tool_version": crate::TOOL_VERSION,
            "run": run_hash,
            "labels": labels_hash,
            "encoder": encoder_hash,
            "nli": nli_hash,
            "ead_vocab": args.ead_vocab,
            "nli_max_length": args.nli_max_length,
        });
        let stem = folder.join(file_stem(&checkpoint.name));
        let (parquet, key_file) = (stem.with_extension("parquet"), stem.with_extension("json"));
        if let Some(frame) = reuse(&parquet, &key_file, &key) {
            tracing::info!("checkpoint `{}`: inputs unchanged, reusing {}", checkpoint.name, parquet.display());
            frames.push(frame);
            continue;
        }
        if measurer.is_none() {
            let encoder = SentenceEncoder::<B>::load(&encoder_dir, device)
                .with_context(|| format!("loading the encoder {}", encoder_dir.display()))?;
            let encoder = encoder_slot.get_or_init(|| encoder);
            let cache = args
                .embedding_cache
                .as_ref()
                .map(|path| EmbeddingCache::open(path, encoder.dim(), &encoder_hash, encoder.max_seq_length()))
                .transpose()?;
            let nli = args
                .nli_model
                .as_ref()
                .map(|dir| {
                    NliModel::<B>::load(dir, args.nli_max_length, args.batch_size, device)
                        .with_context(|| format!("loading the NLI model {}", dir.display()))
                })
                .transpose()?;
            measurer = Some(Measurer {
                encoder,
                batch_size: args.batch_size,
                ead: EadConfig { vocab_size: args.ead_vocab, ..EadConfig::default() },
                nli,
                sampler: SentencePairSampler::default(),
                cache,
            });
        }
        let measurer = measurer.as_mut().expect("initialised above");
        let labels = checkpoint.labels.as_ref().map(|p| LabelsFile::read(p)).transpose()?;
        let progress = ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} {msg}: {pos} prompts ({per_sec}) {elapsed_precise}")
                .expect("valid template"),
        );
        progress.set_message(checkpoint.name.clone());
        let rows = measurer
            .measure_run(&checkpoint.name, run, labels.as_ref(), &mut || progress.inc(1))
            .with_context(|| format!("measuring checkpoint `{}`", checkpoint.name))?;
        progress.finish_and_clear();
        let mut frame = measured_table(&rows, &run.display().to_string())?.frame().clone();
        write_parquet(&mut frame, &parquet)?;
        crate::data::atomic::write(&key_file, serde_json::to_string_pretty(&key)? + "\n")
            .with_context(|| key_file.display().to_string())?;
        frames.push(frame);
    }
    let mut all = frames.remove(0);
    for frame in &frames {
        all.vstack_mut(frame)?;
    }
    Ok((PerPromptTable::from_frame(all, &args.out.join("per_prompt").display().to_string())?, inputs))
}

/// The cached frame when its key file matches `key`.
fn reuse(parquet: &Path, key_file: &Path, key: &serde_json::Value) -> Option<DataFrame> {
    let stored: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(key_file).ok()?).ok()?;
    if &stored != key {
        return None;
    }
    let file = std::fs::File::open(parquet).ok()?;
    crate::data::read_parquet(file).ok()
}

/// Writes a parquet file atomically (temporary file, then rename).
fn write_parquet(frame: &mut DataFrame, path: &Path) -> anyhow::Result<()> {
    crate::data::atomic::write_with(path, |file| {
        ParquetWriter::new(file).finish(frame).map(|_| ()).map_err(std::io::Error::other)
    })
    .with_context(|| path.display().to_string())
}
