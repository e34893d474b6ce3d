//! `divcollapse lab train|sweep`: trains the lab lineage, or runs the data-composition
//! sweep on it.
//!
//! `divcollapse lab sweep [--lineage lab/lineage] [--out analysis/lab_sweep]
//! [--figures-dir figures/lab_sweep] [--teachers 1,2,4,8] [--style think|instruct]
//! [--n 24] [--k 16] [--encoder DIR] [bootstrap options]`:
//! 1. trains SFT (and DPO on it) from the lineage's base once per teacher count into
//!    `OUT/checkpoints/` (resumable: finished arms are kept);
//! 2. samples K outputs per evaluation prompt of both lab tasks from the base and every
//!    arm into `OUT/runs/` (resumable), labels the verifiable task;
//! 3. runs the whole analysis on the sweep as a lineage (`OUT/report.md`, tables,
//!    `OUT/figures/`) and writes `OUT/sweep.csv`, `OUT/sweep_accuracy.csv`, `OUT/sweep.md` and
//!    `FIGURES/diversity_vs_teachers.png|svg`; `OUT/sweep.json` records the plan, the
//!    lab configuration, the training logs and the time of each phase.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

use super::demo::{LabEvalArgs, Timings};
use crate::lab::lineage::{LabConfig, PromptStyle, train_lineage};
use crate::lab::sweep::{STANDARD_TEACHER_COUNTS, SweepPlan, sweep_conditions, train_sweep};
use crate::lab::sweep_report::write_sweep;

#[derive(Debug, Subcommand)]
pub(crate) enum LabCommand {
    /// Train the lineage (base, SFT ×2, DPO ×2, RL ×2, RL-Zero) from its seed.
    Train(TrainArgs),
    /// SFT with 1, 2, 4 and 8 teachers (then DPO) from the lineage's base; diversity lost at each stage.
    Sweep(SweepArgs),
}

#[derive(Debug, Args)]
pub(crate) struct TrainArgs {
    /// Output folder (one Hugging Face folder per checkpoint, and `lab.json`).
    #[arg(long, default_value = "lab/lineage")]
    out: PathBuf,
    /// Seed of the world and of every stage.
    #[arg(long)]
    seed: Option<u64>,
    /// A few steps per stage only (checks the whole path in seconds).
    #[arg(long)]
    smoke: bool,
}

/// Prompt style of the sweep's SFT data.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum SweepStyle {
    /// A thought, then the answer (the Think lineage's composition).
    Think,
    /// Direct answers (the Instruct lineage's composition).
    Instruct,
}

#[derive(Debug, Args)]
pub(crate) struct SweepArgs {
    /// The lab lineage whose base the arms start from.
    #[arg(long, default_value = "lab/lineage")]
    lineage: PathBuf,
    /// Folder for checkpoints, run files, tables and the report.
    #[arg(long, default_value = "analysis/lab_sweep")]
    out: PathBuf,
    /// Folder for figures.
    #[arg(long, default_value = "figures/lab_sweep")]
    figures_dir: PathBuf,
    /// Teacher counts of the arms (comma-separated, each 1 to 15).
    #[arg(long, value_delimiter = ',', default_values_t = STANDARD_TEACHER_COUNTS)]
    teachers: Vec<usize>,
    /// Prompt style of the SFT data.
    #[arg(long, value_enum, default_value = "think")]
    style: SweepStyle,
    #[command(flatten)]
    eval: LabEvalArgs,
}

pub(crate) fn run(command: &LabCommand) -> anyhow::Result<()> {
    match command {
        LabCommand::Train(args) => train(args),
        LabCommand::Sweep(args) => sweep(args),
    }
}

/// A progress bar for training stages: `stage ███ step/steps, loss 1.234`.
fn stage_bar() -> ProgressBar {
    ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{prefix:>13} {bar:30} {pos}/{len} steps, {msg}, {elapsed}")
            .expect("valid template"),
    )
}

/// Reports `(stage, step, steps, value)` on `bar`, switching stage when it changes.
fn report_step(bar: &ProgressBar, stage: &str, step: usize, steps: usize, value: f64) {
    if bar.prefix() != stage {
        bar.set_prefix(stage.to_owned());
        bar.set_length(steps as u64);
        bar.reset();
    }
    bar.set_position(step as u64 + 1);
    let what = if stage.starts_with("rl") { "mean reward" } else { "loss" };
    bar.set_message(format!("{what} {value:.3}"));
}

fn train(args: &TrainArgs) -> anyhow::Result<()> {
    let mut config = if args.smoke { LabConfig::smoke() } else { LabConfig::standard() };
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    let bar = stage_bar();
    let logs =
        train_lineage(&config, &args.out, |stage, step, steps, value| report_step(&bar, stage, step, steps, value))?;
    bar.finish_and_clear();
    for log in &logs {
        let last = log.curve.last().copied().unwrap_or(f64::NAN);
        println!("{:>13}: {:6.1} s, last {last:.3}", log.checkpoint, log.seconds);
    }
    println!("lineage: {}", args.out.display());
    Ok(())
}

fn sweep(args: &SweepArgs) -> anyhow::Result<()> {
    let style = match args.style {
        SweepStyle::Think => PromptStyle::Think,
        SweepStyle::Instruct => PromptStyle::Instruct,
    };
    let plan = SweepPlan { teacher_counts: args.teachers.clone(), style };
    plan.validate()?;
    let lab = LabConfig::of_lineage(&args.lineage)?;
    let out = &args.out;
    let checkpoints = out.join("checkpoints");
    let mut timings = Timings::default();

    let logs = timings.time("training", || {
        let bar = stage_bar();
        let logs = train_sweep(&args.lineage, &plan, &checkpoints, |stage, step, steps, value| {
            report_step(&bar, stage, step, steps, value)
        })?;
        bar.finish_and_clear();
        Ok(logs)
    })?;

    let conditions = sweep_conditions(&args.lineage, &checkpoints, &plan);
    let results = args.eval.study(&args.lineage, &conditions, out, "lab sweep", &mut timings)?;
    write_sweep(&plan, &results, out, &args.figures_dir)?;

    let record = serde_json::json!({
        "tool_version": crate::TOOL_VERSION,
        "plan": plan,
        "lab_config": lab,
        "n": args.eval.n,
        "k": args.eval.k,
        "stages": logs,
        "timings": timings,
    });
    let path = out.join("sweep.json");
    std::fs::write(&path, serde_json::to_string_pretty(&record)? + "\n").with_context(|| path.display().to_string())?;
    println!("report:  {}", out.join("sweep.md").display());
    println!("figures: {}", args.figures_dir.display());
    Ok(())
}
