//! `divcollapse judge {prepare,run,score}`: the study's LLM judges ([`crate::judge`]).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::qfd::{provenance_path, write_json};
use crate::judge::client::RunOptions;
use crate::judge::prepare::{JudgeInputs, PrepareOptions};
use crate::judge::{JudgeKind, STUDY_JUDGE_MODEL, batch, client, prepare, score};
use crate::openai::{ApiKey, ServerOptions};
use crate::provenance::{Provenance, sha256_file};

#[derive(Debug, Subcommand)]
pub(crate) enum JudgeCommand {
    /// Write OpenAI Batch API request lines for one model, identical to the study's scripts.
    Prepare(PrepareArgs),
    /// Send a batch file to an OpenAI-compatible server; resumable (API key: OPENAI_API_KEY).
    Run(RunArgs),
    /// Parse judge replies with the study's parsers into its quality table, with intervals.
    Score(ScoreArgs),
}

#[derive(Debug, Args)]
pub(crate) struct PrepareArgs {
    /// The judge protocol.
    #[arg(long, value_enum)]
    judge: JudgeKind,
    /// The task (e.g. tldr_diversity, writingprompts_diversity, wildbench_diversity, alpaca_diversity).
    #[arg(long)]
    task: String,
    /// The model's generations: a lighteval details parquet or a run file (JSONL).
    #[arg(long)]
    generations: PathBuf,
    /// The model's name in the custom ids (the study uses its run folder name).
    #[arg(long)]
    model_name: String,
    /// Base's generations (arena-creative, mt-bench-pair).
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// JSONL of {"id", "reference"} or {"id", "checklist"} for run files.
    #[arg(long)]
    references: Option<PathBuf>,
    /// The judge model named in each request.
    #[arg(long, default_value = STUDY_JUDGE_MODEL)]
    judge_model: String,
    /// The batch file to write.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The batch file (from `judge prepare`).
    #[arg(long)]
    batch: PathBuf,
    /// The API root, e.g. https://api.openai.com/v1 or http://localhost:8000/v1.
    #[arg(long)]
    base_url: String,
    /// The served model name (replaces the batch's judge model).
    #[arg(long)]
    model: Option<String>,
    /// Results file (Batch API output lines), appended to and resumed.
    #[arg(long)]
    out: PathBuf,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Seconds allowed for one request.
    #[arg(long, default_value_t = 600.0)]
    timeout: f64,
    /// Retries after HTTP 429, 5xx or a connection error.
    #[arg(long, default_value_t = 8)]
    max_retries: u32,
}

#[derive(Debug, Args)]
pub(crate) struct ScoreArgs {
    /// The judge protocol of the replies.
    #[arg(long, value_enum)]
    judge: JudgeKind,
    /// A results file, or a folder of them (*.jsonl, read in name order).
    #[arg(long)]
    results: PathBuf,
    #[command(flatten)]
    bootstrap: super::BootstrapArgs,
    /// The quality table (CSV).
    #[arg(long)]
    out: PathBuf,
}

pub(crate) fn run(command: &JudgeCommand) -> anyhow::Result<()> {
    match command {
        JudgeCommand::Prepare(args) => run_prepare(args),
        JudgeCommand::Run(args) => run_run(args),
        JudgeCommand::Score(args) => run_score(args),
    }
}

fn run_prepare(args: &PrepareArgs) -> anyhow::Result<()> {
    let options = PrepareOptions {
        judge: args.judge,
        task: args.task.clone(),
        model_name: args.model_name.clone(),
        judge_model: args.judge_model.clone(),
    };
    let inputs = JudgeInputs {
        generations: args.generations.clone(),
        baseline: args.baseline.clone(),
        references: args.references.clone(),
    };
    let prepared = prepare::prepare(&options, &inputs)?;
    batch::write_requests(&args.out, &prepared.requests, prepared.ensure_ascii)?;
    eprintln!(
        "{} requests from {} records ({} skipped as the study's script skips them) -> {}",
        prepared.requests.len(),
        prepared.records,
        prepared.skipped,
        args.out.display()
    );
    Ok(())
}

fn run_run(args: &RunArgs) -> anyhow::Result<()> {
    let options = RunOptions {
        server: ServerOptions {
            base_url: args.base_url.clone(),
            timeout: Duration::from_secs_f64(args.timeout.max(0.001)),
            max_retries: args.max_retries,
            initial_backoff: Duration::from_secs(1),
            api_key: ApiKey::from_env(),
        },
        model: args.model.clone(),
        concurrency: args.concurrency,
    };
    let report = client::run(&args.batch, &args.out, &options, &mut super::Bars::default())?;
    println!("{}", serde_json::to_string(&report)?);
    anyhow::ensure!(
        report.unanswered == 0,
        "{} requests got no reply after {} retries; run the same command again to send them",
        report.unanswered,
        args.max_retries
    );
    Ok(())
}

fn run_score(args: &ScoreArgs) -> anyhow::Result<()> {
    let files = batch::result_files(&args.results)?;
    let scores = score::score(args.judge, &files, &args.bootstrap.config())?;
    score::write_csv(&args.out, &scores)?;
    let mut provenance =
        args.bootstrap.record(Provenance::new("divcollapse judge score")).parameter("judge", args.judge);
    for file in &files {
        provenance = provenance.input(format!("results:{}", file.display()), sha256_file(file)?);
    }
    provenance = provenance.parameter("resampling_unit", "prompt (one judged pair or answer)");
    write_json(&provenance_path(&args.out), &serde_json::to_value(&provenance)?)?;
    let counts = scores.counts;
    eprintln!("parsed {} replies, {} failures, {} duplicates skipped", counts.parsed, counts.failed, counts.duplicates);
    println!("{}", args.out.display());
    Ok(())
}
