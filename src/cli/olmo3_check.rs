//! `divcollapse olmo3-check`: the Olmo 3 golden fixtures and a batch-16 decode
//! benchmark on a chosen device, in f32 and bf16 (how CUDA is verified; `scripts/gpu-check`).
//! With `--model DIR`, only the decode benchmark, on that checkpoint folder
//! (`scripts/bench/gpu_decode.py` runs it on a 7B-shaped model).

use std::path::PathBuf;

use anyhow::bail;
use burn::tensor::FloatDType;
use burn::tensor::backend::Backend;
use clap::Args;

use crate::device::DeviceChoice;
use crate::olmo3::check::{check_fixture, decode_throughput};

#[derive(Debug, Args)]
pub(crate) struct Olmo3CheckArgs {
    /// Folder holding the fixture folders (mha_legacy, gqa_v5, bf16_legacy).
    #[arg(long, default_value = "tests/golden/olmo3")]
    fixtures: PathBuf,
    /// `cpu` or `cuda[:N]`.
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Sequences decoded together in the throughput measurement.
    #[arg(long, default_value_t = 16)]
    batch: usize,
    /// Tokens generated per sequence in the throughput measurement.
    #[arg(long, default_value_t = 128)]
    steps: usize,
    /// Measure decode throughput on this checkpoint folder only (no fixture checks).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Precisions of the throughput measurement.
    #[arg(long, value_enum, default_value = "both")]
    dtype: DtypeChoice,
}

/// Which precisions the throughput measurement runs in.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DtypeChoice {
    F32,
    Bf16,
    Both,
}

impl DtypeChoice {
    fn dtypes(self) -> &'static [FloatDType] {
        match self {
            Self::F32 => &[FloatDType::F32],
            Self::Bf16 => &[FloatDType::BF16],
            Self::Both => &[FloatDType::F32, FloatDType::BF16],
        }
    }
}

pub(crate) fn run(args: &Olmo3CheckArgs) -> anyhow::Result<()> {
    let device: DeviceChoice = args.device.parse()?;
    with_backend!(device, |B, dev| check::<B>(args, &dev))
}

fn check<B: Backend>(args: &Olmo3CheckArgs, device: &B::Device) -> anyhow::Result<()> {
    if let Some(model) = &args.model {
        for &dtype in args.dtype.dtypes() {
            let result = decode_throughput::<B>(model, device, dtype, args.batch, args.steps)?;
            println!("{}", serde_json::to_string(&result)?);
        }
        return Ok(());
    }
    let mut failures = 0;
    for fixture in ["mha_legacy", "gqa_v5", "bf16_legacy"] {
        let folder = args.fixtures.join(fixture);
        for dtype in [FloatDType::F32, FloatDType::BF16] {
            let result = check_fixture::<B>(&folder, device, dtype)?;
            failures += usize::from(!result.passed);
            println!("{}", serde_json::to_string(&result)?);
        }
    }
    for &dtype in args.dtype.dtypes() {
        let result = decode_throughput::<B>(&args.fixtures.join("gqa_v5"), device, dtype, args.batch, args.steps)?;
        println!("{}", serde_json::to_string(&result)?);
    }
    if failures > 0 {
        bail!("{failures} fixture check(s) outside tolerance");
    }
    Ok(())
}
