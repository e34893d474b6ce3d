//! `divcollapse demo`: the main job on the embedded default, the lab lineage.
//!
//! 1. Samples K outputs per evaluation prompt of both lab tasks from every lab
//!    checkpoint (and the think checkpoints with thinking suppressed) into resumable run
//!    files under `analysis/demo/runs/`.
//! 2. Labels the verifiable task's outputs (`analysis/demo/labels/`).
//! 3. Runs the whole analysis (`analyze`): EAD, SBERT and Vendi with all-mpnet-base-v2,
//!    stage attribution, the decomposition with bootstrap intervals, think suppression,
//!    tables, `report.md` and figures (copied to `figures/demo/`).
//! 4. Recomputes the paper's stage attribution from its published tables
//!    (`analysis/demo/paper/`, `figures/demo/paper/`).
//!
//! The time of each phase is printed and recorded in `analysis/demo/timings.json`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::analysis::paper_reproduction::write_report;
use crate::analysis::study::StudyResults;
use crate::generate::sampling::SamplingParams;
use crate::lab::evaluate::{Condition, EvalSettings, conditions, sample_and_label};
use crate::lab::lineage::LabConfig;
use crate::lab::world::LabTask;

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// The lab lineage (`divcollapse lab train` writes it; the repository ships one).
    #[arg(long, default_value = "lab/lineage")]
    lineage: PathBuf,
    /// Folder for tables, run files and the report.
    #[arg(long, default_value = "analysis/demo")]
    analysis_dir: PathBuf,
    /// Folder for figures.
    #[arg(long, default_value = "figures/demo")]
    figures_dir: PathBuf,
    #[command(flatten)]
    eval: LabEvalArgs,
}

/// How lab checkpoints are sampled and measured (`demo` and `lab sweep`).
#[derive(Debug, Clone, Args)]
pub(crate) struct LabEvalArgs {
    /// Evaluation prompts per task.
    #[arg(long, default_value_t = 24)]
    pub(crate) n: usize,
    /// Samples per prompt.
    #[arg(long, default_value_t = 16)]
    pub(crate) k: usize,
    /// sentence-transformers folder for SBERT and Vendi (default: the fetched all-mpnet-base-v2).
    #[arg(long)]
    encoder: Option<PathBuf>,
    #[command(flatten)]
    bootstrap: super::BootstrapArgs,
}

impl LabEvalArgs {
    /// Samples `conditions` of the lab lineage configured by `lab` into `out` (run files,
    /// labels, `lineage.toml` headed by `header`), then runs the whole analysis there;
    /// each phase timed into `timings`.
    pub(crate) fn sample_and_analyze(
        &self,
        lab: &LabConfig,
        conditions: &[Condition],
        out: &Path,
        header: &str,
        timings: &mut Timings,
    ) -> anyhow::Result<StudyResults> {
        let settings = EvalSettings {
            world_seed: lab.seed,
            n: self.n,
            k: self.k,
            sampling: SamplingParams::STUDY,
            seed: 1234,
            max_new_tokens: lab.max_new_tokens,
        };
        let lineage_path = timings.time("sampling and labelling", || {
            let bar = ProgressBar::new((conditions.len() * LabTask::ALL.len() * self.n) as u64).with_style(
                ProgressStyle::with_template("sampling {bar:30} {pos}/{len} prompts × {msg}, {elapsed}, ETA {eta}")
                    .expect("valid template"),
            );
            bar.set_message(format!("{} samples", self.k));
            let path = sample_and_label(conditions, &settings, out, header, &mut || bar.inc(1))?;
            bar.finish_and_clear();
            Ok(path)
        })?;
        timings.time("scoring and analysis", || {
            super::analyze::analyze(&super::analyze::AnalyzeArgs::of_runs(
                lineage_path.clone(),
                out.to_owned(),
                self.encoder.clone(),
                self.bootstrap.clone(),
            ))
        })
    }
}

/// Seconds per phase, in order.
#[derive(Default, serde::Serialize)]
pub(crate) struct Timings(Vec<(String, f64)>);

impl Timings {
    pub(crate) fn time<T>(&mut self, phase: &str, work: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
        let start = Instant::now();
        let value = work()?;
        let seconds = start.elapsed().as_secs_f64();
        println!("{phase}: {seconds:.1} s");
        self.0.push((phase.to_owned(), seconds));
        Ok(value)
    }
}

pub(crate) fn run(args: &DemoArgs) -> anyhow::Result<()> {
    let lab_json = args.lineage.join("lab.json");
    if !lab_json.is_file() {
        bail!(
            "{}: no lab lineage here (train one with `divcollapse lab train --out {}`)",
            lab_json.display(),
            args.lineage.display()
        );
    }
    let lab = LabConfig::of_lineage(&args.lineage)?;
    let out = &args.analysis_dir;
    let mut timings = Timings::default();
    let header = "The lab lineage as sampled by `divcollapse demo`.";
    args.eval.sample_and_analyze(&lab, &conditions(&args.lineage), out, header, &mut timings)?;
    copy_figures(&out.join("figures"), &args.figures_dir)?;

    timings.time("paper reproduction", || {
        let reproduction = super::paper::reproduce(&out.join("paper"), &args.figures_dir.join("paper"))?;
        write_report(&reproduction, &out.join("paper").join("report.md"))?;
        Ok(())
    })?;
    let path = out.join("timings.json");
    std::fs::write(&path, serde_json::to_string_pretty(&timings)? + "\n")
        .with_context(|| path.display().to_string())?;
    println!("report:  {}", out.join("report.md").display());
    println!("figures: {}", args.figures_dir.display());
    Ok(())
}

fn copy_figures(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to).with_context(|| to.display().to_string())?;
    for entry in std::fs::read_dir(from).with_context(|| from.display().to_string())? {
        let path = entry?.path();
        if path.is_file() {
            let target = to.join(path.file_name().expect("a file name"));
            std::fs::copy(&path, &target).with_context(|| target.display().to_string())?;
        }
    }
    Ok(())
}
