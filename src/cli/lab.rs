//! `divcollapse lab train [--out lab/lineage] [--smoke]`: trains the lab lineage.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::lab::lineage::{LabConfig, train_lineage};

#[derive(Debug, Subcommand)]
pub(crate) enum LabCommand {
    /// Train the lineage (base, SFT ×2, DPO ×2, RL ×2, RL-Zero) from its seed.
    Train(TrainArgs),
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

pub(crate) fn run(command: &LabCommand) -> anyhow::Result<()> {
    match command {
        LabCommand::Train(args) => train(args),
    }
}

fn train(args: &TrainArgs) -> anyhow::Result<()> {
    let mut config = if args.smoke { LabConfig::smoke() } else { LabConfig::standard() };
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{prefix:>13} {bar:30} {pos}/{len} steps, {msg}, {elapsed}")
            .expect("valid template"),
    );
    let logs = train_lineage(&config, &args.out, |stage, step, steps, value| {
        if bar.prefix() != stage {
            bar.set_prefix(stage.to_owned());
            bar.set_length(steps as u64);
            bar.reset();
        }
        bar.set_position(step as u64 + 1);
        let what = if stage.starts_with("rl") { "mean reward" } else { "loss" };
        bar.set_message(format!("{what} {value:.3}"));
    })?;
    bar.finish_and_clear();
    for log in &logs {
        let last = log.curve.last().copied().unwrap_or(f64::NAN);
        println!("{:>13}: {:6.1} s, last {last:.3}", log.checkpoint, log.seconds);
    }
    println!("lineage: {}", args.out.display());
    Ok(())
}
