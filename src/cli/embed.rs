//! `divcollapse embed --encoder DIR --input FILE --format json`: sentence embeddings
//! (normalised, as sentence-transformers' `encode(normalize_embeddings=True)`) of the
//! `text` field of every line of a JSONL file, as `{"embeddings": [[f32; dim], ...]}`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use burn::tensor::backend::Backend;
use clap::{Args, ValueEnum};

use crate::device::DeviceChoice;
use crate::encoders::SentenceEncoder;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    /// `{"embeddings": [[f32; dim] per text]}`.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct EmbedArgs {
    /// sentence-transformers folder (e.g. assets/models/all-mpnet-base-v2).
    #[arg(long)]
    encoder: PathBuf,
    /// JSONL file with a `text` field on every line.
    #[arg(long)]
    input: PathBuf,
    /// `cpu` or `cuda[:N]`.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Texts encoded together.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
}

/// Reads the `text` field of every line; errors name the file and the line.
pub(crate) fn read_texts(path: &Path) -> anyhow::Result<Vec<String>> {
    let mut texts = Vec::new();
    for (number, value) in super::json_lines(path)? {
        match value.get("text") {
            Some(serde_json::Value::String(text)) => texts.push(text.clone()),
            Some(other) => bail!("{}:{number}: field `text` must be a string, found {other}", path.display()),
            None => bail!("{}:{number}: no field `text`", path.display()),
        }
    }
    Ok(texts)
}

pub(crate) fn run(args: &EmbedArgs) -> anyhow::Result<()> {
    let texts = read_texts(&args.input)?;
    let device: DeviceChoice = args.device.parse()?;
    let embeddings = with_backend!(device, |B, dev| embed::<B>(args, &texts, &dev))?;
    let Format::Json = args.format;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    serde_json::to_writer(&mut out, &serde_json::json!({ "embeddings": embeddings }))?;
    writeln!(out)?;
    Ok(())
}

fn embed<B: Backend>(args: &EmbedArgs, texts: &[String], device: &B::Device) -> anyhow::Result<Vec<Vec<f32>>> {
    let encoder = SentenceEncoder::<B>::load(&args.encoder, device)
        .with_context(|| format!("loading the encoder {}", args.encoder.display()))?;
    let bar = indicatif::ProgressBar::new(texts.len() as u64).with_style(
        indicatif::ProgressStyle::with_template("embedding {bar:30} {pos}/{len} texts ({per_sec}), ETA {eta}")
            .expect("valid template"),
    );
    let embeddings = encoder.encode_with_progress(texts, args.batch_size, &mut |n| bar.inc(n as u64))?;
    bar.finish_and_clear();
    Ok(embeddings)
}
