//! The `divcollapse` command line: argument parsing and the subcommands.
//!
//! Library code returns typed errors; this edge turns them into messages (with their
//! causes) and an exit code. Logs go to stderr through `tracing` (`RUST_LOG` sets the
//! level); results go to files and, where a contract says so, JSON on stdout.

/// Runs `$body` with `$backend` naming the burn backend of a device choice (checked
/// first, so a missing GPU is an error, not a panic) and `$device` bound to its device.
macro_rules! with_backend {
    ($choice:expr, |$backend:ident, $device:ident| $body:expr) => {{
        match $choice.check()? {
            $crate::device::DeviceChoice::Cpu => {
                type $backend = $crate::device::Cpu;
                let $device = burn::tensor::Device::<$backend>::default();
                $body
            }
            #[cfg(feature = "cuda")]
            $crate::device::DeviceChoice::Cuda(index) => {
                type $backend = $crate::device::Cuda;
                let $device = burn::backend::cuda::CudaDevice::new(index);
                $body
            }
            #[cfg(not(feature = "cuda"))]
            $crate::device::DeviceChoice::Cuda(_) => unreachable!("check() rejects CUDA without the feature"),
        }
    }};
}

mod analyze;
mod compare;
mod correctness;
mod demo;
mod embed;
mod generate;
mod info;
mod judge;
mod lab;
mod logits;
mod merge;
mod olmo3_check;
mod paper;
mod qfd;
mod score;
mod study;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Measures where output diversity collapses in post-training.
#[derive(Debug, Parser)]
#[command(name = "divcollapse", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The main job on the embedded default: everything the tool can run without a GPU
    /// or downloaded checkpoints, with a report, tables and figures.
    Demo(demo::DemoArgs),
    /// Work on the paper's published numbers (shipped with the tool).
    Paper {
        #[command(subcommand)]
        command: paper::PaperCommand,
    },
    /// Sentence embeddings of the `text` field of a JSONL file (sentence-transformers).
    Embed(embed::EmbedArgs),
    /// Sample K outputs per prompt from an Olmo 3 checkpoint into a resumable run file.
    Generate(generate::GenerateArgs),
    /// Join the run files, labels files or score tables of a sharded study's slices
    /// (`--shard I/N`) into one file.
    Merge(merge::MergeArgs),
    /// Two score tables of the same prompts compared metric by metric with paired
    /// intervals (the paper's Table 17: one checkpoint at two temperatures).
    Compare(compare::CompareArgs),
    /// Score a generation file with the diversity metrics (per-prompt table + summary).
    Score(score::ScoreArgs),
    /// Logits of one forward pass of an Olmo 3 checkpoint over a token sequence.
    Logits(logits::LogitsArgs),
    /// Check the Olmo 3 port on a device (f32 and bf16) against the golden fixtures and
    /// measure batched decode throughput.
    Olmo3Check(olmo3_check::Olmo3CheckArgs),
    /// The whole analysis of a lineage study (run files or a per-prompt table): tables with
    /// bootstrap intervals, a markdown report and figures.
    Analyze(analyze::AnalyzeArgs),
    /// Label every output of a generation file with the task's correctness checker.
    Correctness(correctness::CorrectnessArgs),
    /// A whole study over a lineage description: sample, score and label each checkpoint
    /// where its files are missing or out of date, then the analysis.
    Study(study::StudyArgs),
    /// The study's LLM judges: prepare Batch API requests, send them to an
    /// OpenAI-compatible server, score the replies.
    Judge {
        #[command(subcommand)]
        command: judge::JudgeCommand,
    },
    /// Quality-filtered diversity and the matched correctness decomposition, with
    /// bootstrap intervals, from a per-prompt CSV (the reference's qfd_per_prompt.csv).
    Qfd(qfd::QfdArgs),
    /// The lineage lab: a miniature post-training lineage trained on the CPU.
    Lab {
        #[command(subcommand)]
        command: lab::LabCommand,
    },
    /// Tool version, asset status and compute devices.
    Info,
}

/// The bootstrap options of the analysis commands.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct BootstrapArgs {
    /// Bootstrap resamples over prompts.
    #[arg(long, default_value_t = 10_000)]
    bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Two-sided confidence level of the intervals.
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// Interval method.
    #[arg(long, value_enum, default_value_t = crate::stats::IntervalMethod::Bca)]
    method: crate::stats::IntervalMethod,
}

impl BootstrapArgs {
    /// The bootstrap settings.
    fn config(&self) -> crate::stats::BootstrapConfig {
        crate::stats::BootstrapConfig {
            resamples: self.bootstrap,
            confidence: self.confidence,
            seed: self.seed,
            method: self.method,
        }
    }

    /// Records the settings in a provenance record.
    fn record(&self, provenance: crate::provenance::Provenance) -> crate::provenance::Provenance {
        provenance
            .parameter("bootstrap_resamples", self.bootstrap)
            .parameter("seed", self.seed)
            .parameter("confidence", self.confidence)
            .parameter("interval_method", self.method.as_str())
    }
}

/// Progress bars for the stages ([`crate::pipeline::Progress`]) on stderr: a bar when
/// the number of steps is known, a spinner otherwise.
#[derive(Default)]
pub(crate) struct Bars {
    bar: Option<indicatif::ProgressBar>,
}

impl crate::pipeline::Progress for Bars {
    fn start(&mut self, what: &str, total: Option<u64>) {
        self.finish();
        let (bar, template) = match total {
            Some(total) => (indicatif::ProgressBar::new(total), "{msg} {bar:30} {pos}/{len} ({per_sec}), ETA {eta}"),
            None => (indicatif::ProgressBar::new_spinner(), "{spinner} {msg}: {pos} ({per_sec}) {elapsed_precise}"),
        };
        bar.set_style(indicatif::ProgressStyle::with_template(template).expect("valid template"));
        bar.set_message(what.to_owned());
        self.bar = Some(bar);
    }

    fn tick(&mut self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// A file's stem (the default model name of its rows).
fn file_stem_of(path: &std::path::Path) -> String {
    path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The non-blank lines of a JSONL file as `(line number, value)`; errors name the file
/// and the line (unreadable, not UTF-8, invalid JSON).
fn json_lines(path: &std::path::Path) -> anyhow::Result<Vec<(usize, serde_json::Value)>> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("{}: cannot open: {e}", path.display()))?;
    let mut values = Vec::new();
    for (index, line) in std::io::BufReader::new(file).lines().enumerate() {
        let number = index + 1;
        let line =
            line.map_err(|e| anyhow::anyhow!("{}:{number}: cannot read the line (not UTF-8?): {e}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let value = serde_json::from_str(&line)
            .map_err(|e| anyhow::anyhow!("{}:{number}: invalid JSON: {e}", path.display()))?;
        values.push((number, value));
    }
    Ok(values)
}

/// Parses the command line, runs it and returns the exit code.
pub fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => demo::run(&args),
        Command::Paper { command } => paper::run(&command),
        Command::Embed(args) => embed::run(&args),
        Command::Generate(args) => generate::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::Compare(args) => compare::run(&args),
        Command::Score(args) => score::run(&args),
        Command::Logits(args) => logits::run(&args),
        Command::Olmo3Check(args) => olmo3_check::run(&args),
        Command::Analyze(args) => analyze::run(&args),
        Command::Correctness(args) => correctness::run(&args),
        Command::Study(args) => study::run(&args),
        Command::Judge { command } => judge::run(&command),
        Command::Qfd(args) => qfd::run(&args),
        Command::Lab { command } => lab::run(&command),
        Command::Info => info::run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false).try_init();
}
