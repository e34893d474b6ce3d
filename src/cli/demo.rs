//! `divcollapse demo`: the main job on the embedded default.
//!
//! It runs every part of the method that works offline on a CPU and writes a report.
//! Today that is the reproduction of the paper's stage attribution from its published
//! per-checkpoint table; the lineage lab (sampling, scoring, the decomposition) joins
//! as it lands.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::analysis::paper_reproduction::write_report;

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Folder for tables and the report.
    #[arg(long, default_value = "analysis/demo")]
    analysis_dir: PathBuf,
    /// Folder for figures.
    #[arg(long, default_value = "figures/demo")]
    figures_dir: PathBuf,
}

pub(crate) fn run(args: &DemoArgs) -> anyhow::Result<()> {
    tracing::info!("stage attribution from the paper's published SBERT table");
    let reproduction = super::paper::reproduce(&args.analysis_dir, &args.figures_dir)?;
    let report = args.analysis_dir.join("report.md");
    write_report(&reproduction, &report).with_context(|| format!("writing {}", report.display()))?;
    println!("report:  {}", report.display());
    println!("table:   {}", reproduction.csv.display());
    for figure in &reproduction.figures {
        println!("figure:  {}", figure.display());
    }
    Ok(())
}
