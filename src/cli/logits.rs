//! `divcollapse logits --model DIR --ids 1,2,3 [--device cpu] [--dtype auto|f32|bf16]
//! --format json`: one forward pass over the whole sequence, logits at every position as
//! JSON on stdout. The weights stay in the checkpoint's dtype unless `--dtype` says
//! otherwise.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use burn::tensor::backend::Backend;
use burn::tensor::{FloatDType, Int, Tensor, TensorData};
use clap::{Args, ValueEnum};

use crate::device::DeviceChoice;
use crate::olmo3::load_olmo3_as;

/// The dtype the weights are held and computed in.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum DtypeChoice {
    /// The checkpoint's own (bf16 stays bf16; f32 for mixed dtypes).
    Auto,
    /// f32.
    F32,
    /// bf16.
    Bf16,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    /// `{"logits": [[f32; vocab] per position]}`.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct LogitsArgs {
    /// Checkpoint folder (config.json + model.safetensors or shards).
    #[arg(long)]
    model: PathBuf,
    /// Comma-separated token ids.
    #[arg(long)]
    ids: String,
    /// `cpu` or `cuda[:N]`.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// Weights' dtype on the device.
    #[arg(long, value_enum, default_value = "auto")]
    dtype: DtypeChoice,
}

pub(crate) fn run(args: &LogitsArgs) -> anyhow::Result<()> {
    let ids = parse_ids(&args.ids)?;
    let device: DeviceChoice = args.device.parse()?;
    with_backend!(device, |B, dev| print_logits::<B>(args, &ids, &dev))
}

fn parse_ids(text: &str) -> anyhow::Result<Vec<i64>> {
    let ids: Vec<i64> = text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
        .map(|(i, s)| {
            s.parse::<u32>().map(i64::from).with_context(|| format!("--ids: entry {i} (`{s}`) is not a token id"))
        })
        .collect::<Result<_, _>>()?;
    if ids.is_empty() {
        bail!("--ids: no token ids given");
    }
    Ok(ids)
}

fn print_logits<B: Backend>(args: &LogitsArgs, ids: &[i64], device: &B::Device) -> anyhow::Result<()> {
    let dtype = match args.dtype {
        DtypeChoice::Auto => None,
        DtypeChoice::F32 => Some(FloatDType::F32),
        DtypeChoice::Bf16 => Some(FloatDType::BF16),
    };
    let model =
        load_olmo3_as::<B>(&args.model, device, dtype).with_context(|| format!("loading {}", args.model.display()))?;
    let vocab = model.config.vocab_size;
    if let Some(bad) = ids.iter().find(|&&id| id as usize >= vocab) {
        bail!("--ids: token id {bad} is outside the vocabulary (size {vocab})");
    }
    let input = Tensor::<B, 2, Int>::from_data(TensorData::new(ids.to_vec(), [1, ids.len()]), device);
    let logits = model
        .forward_full(input)
        .cast(FloatDType::F32)
        .into_data()
        .to_vec::<f32>()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let rows: Vec<&[f32]> = logits.chunks(vocab).collect();
    let Format::Json = args.format;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    serde_json::to_writer(&mut out, &serde_json::json!({ "logits": rows }))?;
    writeln!(out)?;
    Ok(())
}
