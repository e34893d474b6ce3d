//! `divcollapse demo`: the main job on the embedded default, `study` on the lab lineage.
//!
//! 1. Describes every lab checkpoint (and the think checkpoints with thinking
//!    suppressed) as a study on both lab tasks (`analysis/demo/study.toml`).
//! 2. Runs that study ([`crate::pipeline::study`]): samples K outputs per prompt into
//!    resumable run files (`runs/`), scores them (`scores/`), labels the verifiable task
//!    (`labels/`), and analyses the lineage: EAD, SBERT and Vendi with all-mpnet-base-v2,
//!    stage attribution, the decomposition with bootstrap intervals, think suppression,
//!    tables, `report.md` and figures (copied to `figures/demo/`).
//! 3. Recomputes the paper's stage attribution from its published tables
//!    (`analysis/demo/paper/`, `figures/demo/paper/`).
//!
//! The time of each phase is printed and recorded in `analysis/demo/timings.json`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;

use crate::analysis::paper_reproduction::write_report;
use crate::analysis::study::StudyResults;
use crate::device::DeviceChoice;
use crate::lab::evaluate::{Condition, EvalSettings, conditions, study_lineage};
use crate::lab::lineage::LabConfig;
use crate::pipeline::analyze::AnalyzeSettings;
use crate::pipeline::models::ModelSettings;
use crate::pipeline::study::{StudySettings, run_study};

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
    /// Writes the study of `conditions` of the lab lineage in `lineage_dir` to
    /// `out/study.toml` (lineage name `name`) and runs it into `out` with `study`'s
    /// defaults; each stage kind timed into `timings`.
    pub(crate) fn study(
        &self,
        lineage_dir: &Path,
        conditions: &[Condition],
        out: &Path,
        name: &str,
        timings: &mut Timings,
    ) -> anyhow::Result<StudyResults> {
        let lab = LabConfig::of_lineage(lineage_dir)?;
        let settings = EvalSettings {
            lineage_dir: lineage_dir.to_owned(),
            n: self.n,
            k: self.k,
            seed: 1234,
            max_new_tokens: lab.max_new_tokens,
        };
        std::fs::create_dir_all(out).with_context(|| out.display().to_string())?;
        let toml = out.join("study.toml");
        let text = format!("# The lab study (`divcollapse study --lineage {}`).\n", toml.display());
        std::fs::write(&toml, text + &study_lineage(conditions, &settings, name, out).to_toml())
            .with_context(|| toml.display().to_string())?;
        let settings = StudySettings {
            analyze: AnalyzeSettings {
                models: ModelSettings { encoder: self.encoder.clone(), ..ModelSettings::default() },
                bootstrap: self.bootstrap.config(),
                ..AnalyzeSettings::default()
            },
            ..StudySettings::default()
        };
        let device = DeviceChoice::Cpu;
        let report =
            with_backend!(device, |B, dev| run_study::<B>(&toml, out, &settings, &dev, &mut super::Bars::default()))?;
        for (stage, seconds) in report.seconds_per_stage() {
            timings.record(stage, seconds);
        }
        Ok(report.results)
    }
}

/// Seconds per phase, in order.
#[derive(Default, serde::Serialize)]
pub(crate) struct Timings(Vec<(String, f64)>);

impl Timings {
    pub(crate) fn time<T>(&mut self, phase: &str, work: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
        let start = Instant::now();
        let value = work()?;
        self.record(phase, start.elapsed().as_secs_f64());
        Ok(value)
    }

    /// Records (and prints) a phase timed elsewhere.
    pub(crate) fn record(&mut self, phase: &str, seconds: f64) {
        println!("{phase}: {seconds:.1} s");
        self.0.push((phase.to_owned(), seconds));
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
    let out = &args.analysis_dir;
    let mut timings = Timings::default();
    args.eval.study(&args.lineage, &conditions(&args.lineage), out, "lab", &mut timings)?;
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
