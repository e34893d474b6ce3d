//! `divcollapse paper …`: analyses of the paper's published numbers.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::analysis::paper_reproduction::{PaperReproduction, reproduce_paper};

#[derive(Debug, Subcommand)]
pub(crate) enum PaperCommand {
    /// Recompute the paper's stage-attribution table from its per-checkpoint SBERT
    /// table and draw its figures.
    Reproduce(ReproduceArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ReproduceArgs {
    /// Output folder: stage_attribution.csv, stage_attribution.md, figures, provenance.json.
    #[arg(long)]
    out: PathBuf,
}

pub(crate) fn run(command: &PaperCommand) -> anyhow::Result<()> {
    match command {
        PaperCommand::Reproduce(args) => {
            let result = reproduce(&args.out, &args.out)?;
            println!("{}", result.csv.display());
            Ok(())
        }
    }
}

/// Writes the reproduction's tables to `tables` and its figures to `figures`.
pub(crate) fn reproduce(tables: &Path, figures: &Path) -> anyhow::Result<PaperReproduction> {
    reproduce_paper(tables, figures)
        .with_context(|| format!("reproducing the paper's tables into {}", tables.display()))
}
