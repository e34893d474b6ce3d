//! `divcollapse correctness --task NAME --generations FILE --out labels.jsonl`: the label
//! stage ([`crate::pipeline::label`]) from the command line. The quality summary goes to
//! stderr, the labels file's path to stdout.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::pipeline::label::{CheckMode, LabelSettings, label_run};

#[derive(Debug, Args)]
pub(crate) struct CorrectnessArgs {
    /// The task (`gsm8k`, `math_algebra`, `math_geometry`, `truthfulqa`, `lab_sums`, …).
    #[arg(long)]
    task: String,
    /// Generation file (JSONL, or a lighteval details .parquet).
    #[arg(long)]
    generations: PathBuf,
    /// The task's data when the set-up cannot fetch it (Hugging Face export; for the lab
    /// tasks, the lineage folder).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Checker semantics.
    #[arg(long, value_enum, default_value_t = CheckMode::Paper)]
    mode: CheckMode,
    /// Labels file (JSONL, one line per prompt).
    #[arg(long)]
    out: PathBuf,
    /// Programs run at once (code tasks).
    #[arg(long, default_value_t = std::thread::available_parallelism().map_or(2, |n| n.get()))]
    workers: usize,
    /// Wall-clock seconds per program (code tasks). Default: 5 in paper mode, as the
    /// study's Table 8 harness (`compute_code_quality.py`); 10 in corrected mode, as its
    /// quality-filtered scripts. Pass 10 in paper mode to label as those scripts do.
    #[arg(long)]
    timeout: Option<u64>,
}

pub(crate) fn run(args: &CorrectnessArgs) -> anyhow::Result<()> {
    let settings = LabelSettings {
        mode: args.mode,
        data: args.data.clone(),
        workers: args.workers,
        timeout: args.timeout.map_or(args.mode.default_timeout(), Duration::from_secs),
    };
    let summary = label_run(&args.task, &args.generations, &settings, &args.out, &mut super::Bars::default())?;
    for line in summary.lines() {
        eprintln!("{line}");
    }
    println!("{}", args.out.display());
    Ok(())
}
