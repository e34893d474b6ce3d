//! `divcollapse correctness --task NAME --generations FILE --out labels.jsonl [--summary
//! FILE.csv]`: the label stage ([`crate::pipeline::label`]) from the command line. The
//! quality summary goes to stderr (and, with `--summary`, to a CSV with intervals:
//! [`crate::pipeline::quality`]), the labels file's path to stdout.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::pipeline::label::{CheckMode, LabelSettings, label_run};
use crate::pipeline::quality::{quality_row, write_quality_csv};

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
    /// Checker semantics: `paper` (Table 8's harness and the quality scripts, quirks
    /// included), `corrected`, or `qfd` (code tasks: the quality-filtered scripts' own
    /// check, the labels behind the study's Tables 14 and 15).
    #[arg(long, value_enum, default_value_t = CheckMode::Paper)]
    mode: CheckMode,
    /// Labels file (JSONL, one line per prompt).
    #[arg(long)]
    out: PathBuf,
    /// Run generated code (HumanEval, MBPP) even where the sandbox cannot isolate it (not
    /// root, or namespaces forbidden): limits only, with a warning. Refused without it.
    #[arg(long)]
    unsafe_no_sandbox: bool,
    /// Label only slice I of N of the prompts (by a hash of each document's id); join the
    /// slices' labels files with `divcollapse merge`.
    #[arg(long)]
    shard: Option<crate::pipeline::shard::Shard>,
    /// Programs run at once (code tasks).
    #[arg(long, default_value_t = std::thread::available_parallelism().map_or(2, |n| n.get()))]
    workers: usize,
    /// Wall-clock seconds per program (code tasks). Default: 5 in paper mode, as the
    /// study's Table 8 harness (`compute_code_quality.py`); 10 in the corrected and qfd
    /// modes, as its quality-filtered scripts.
    #[arg(long)]
    timeout: Option<u64>,
    /// Also write the quality summary as CSV: acc@1, MV@K, pass@K and pass@1/5/10/16 with
    /// bootstrap intervals over prompts, IFEval strict@1 and loose@1.
    #[arg(long)]
    summary: Option<PathBuf>,
    /// The model's name in the summary (default: the generation file's stem).
    #[arg(long)]
    model_name: Option<String>,
    #[command(flatten)]
    bootstrap: super::BootstrapArgs,
}

pub(crate) fn run(args: &CorrectnessArgs) -> anyhow::Result<()> {
    let settings = LabelSettings {
        mode: args.mode,
        data: args.data.clone(),
        workers: args.workers,
        timeout: args.timeout.map_or(args.mode.default_timeout(), Duration::from_secs),
        shard: args.shard,
        unsafe_no_sandbox: args.unsafe_no_sandbox,
    };
    let summary = label_run(&args.task, &args.generations, &settings, &args.out, &mut super::Bars::default())?;
    for line in summary.lines() {
        eprintln!("{line}");
    }
    if let Some(path) = &args.summary {
        let records = crate::data::labels::LabelsFile::read(&args.out)?;
        let model = args.model_name.clone().unwrap_or_else(|| super::file_stem_of(&args.generations));
        let bootstrap = crate::stats::Bootstrap::new(args.bootstrap.config());
        let row = quality_row(&model, &summary.task, &records.records(), Some(&summary), &bootstrap)?;
        write_quality_csv(path, &[row])?;
    }
    println!("{}", args.out.display());
    Ok(())
}
