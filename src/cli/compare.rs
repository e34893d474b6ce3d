//! `divcollapse compare --scores FILE --baseline FILE [--out FILE.csv]`: two score tables
//! of the same prompts, metric by metric, with paired intervals
//! ([`crate::pipeline::compare`]); the paper's Table 17 from two `score` runs.

use std::path::PathBuf;

use clap::Args;

use crate::pipeline::compare::compare_score_tables;

#[derive(Debug, Args)]
pub(crate) struct CompareArgs {
    /// The condition's score table (`score --out`: .parquet, .csv or .jsonl), e.g. Base
    /// sampled at T = 0.6.
    #[arg(long)]
    scores: PathBuf,
    /// The baseline's score table of the same prompts, e.g. Base at T = 1.0; changes are
    /// condition − baseline and in percent of the baseline.
    #[arg(long)]
    baseline: PathBuf,
    /// Write the comparison as CSV (`task,metric,n_prompts`, then baseline, condition,
    /// change and change_pct with `_ci_low` and `_ci_high`).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    bootstrap: super::BootstrapArgs,
}

pub(crate) fn run(args: &CompareArgs) -> anyhow::Result<()> {
    let rows = compare_score_tables(&args.scores, &args.baseline, args.bootstrap.config(), args.out.as_deref())?;
    println!("| task | metric | prompts | baseline | condition | change (%) |");
    println!("|---|---|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {} | {} |",
            r.task,
            r.metric,
            r.n_prompts,
            crate::analysis::report::cell(&r.baseline, 3),
            crate::analysis::report::cell(&r.condition, 3),
            crate::analysis::report::cell(&r.change_pct, 1)
        );
    }
    Ok(())
}
