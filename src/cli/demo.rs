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
use crate::generate::sampling::SamplingParams;
use crate::lab::evaluate::{EvalSettings, conditions, label_sums, lineage_toml, sample_condition};
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
    /// Evaluation prompts per task.
    #[arg(long, default_value_t = 24)]
    n: usize,
    /// Samples per prompt.
    #[arg(long, default_value_t = 16)]
    k: usize,
    /// sentence-transformers folder for SBERT and Vendi (default: the fetched all-mpnet-base-v2).
    #[arg(long)]
    encoder: Option<PathBuf>,
    #[command(flatten)]
    bootstrap: super::BootstrapArgs,
}

/// Seconds per phase, in order.
#[derive(Default, serde::Serialize)]
struct Timings(Vec<(String, f64)>);

impl Timings {
    fn time<T>(&mut self, phase: &str, work: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
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
    let lab: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&lab_json)?)
        .with_context(|| format!("{}: invalid JSON", lab_json.display()))?;
    let world_seed =
        lab["config"]["seed"].as_u64().with_context(|| format!("{}: field `config.seed`", lab_json.display()))?;
    let max_new_tokens = lab["config"]["max_new_tokens"].as_u64().unwrap_or(48) as usize;
    let settings =
        EvalSettings { world_seed, n: args.n, k: args.k, sampling: SamplingParams::STUDY, seed: 1234, max_new_tokens };
    let out = &args.analysis_dir;
    for folder in ["runs", "labels"] {
        std::fs::create_dir_all(out.join(folder)).with_context(|| out.join(folder).display().to_string())?;
    }
    let mut timings = Timings::default();
    let all = conditions();

    timings.time("sampling", || {
        let bar = ProgressBar::new((all.len() * LabTask::ALL.len() * args.n) as u64).with_style(
            ProgressStyle::with_template("sampling {bar:30} {pos}/{len} prompts × {msg}, {elapsed}, ETA {eta}")
                .expect("valid template"),
        );
        bar.set_message(format!("{} samples", args.k));
        for condition in &all {
            let name = condition.name();
            let mut combined = String::new();
            for task in LabTask::ALL {
                let path = out.join("runs").join(format!("{name}.{}.jsonl", task.name()));
                sample_condition(&args.lineage, condition, task, &settings, &path, &mut || bar.inc(1))?;
                combined.push_str(&std::fs::read_to_string(&path)?);
            }
            // The analysis reads one run file per checkpoint: both tasks together.
            let path = out.join("runs").join(format!("{name}.jsonl"));
            std::fs::write(&path, combined).with_context(|| path.display().to_string())?;
        }
        bar.finish_and_clear();
        Ok(())
    })?;

    timings.time("labelling", || {
        for condition in &all {
            let name = condition.name();
            let run = out.join("runs").join(format!("{name}.{}.jsonl", LabTask::Sums.name()));
            label_sums(&run, world_seed, args.n, &out.join("labels").join(format!("{name}.jsonl")))?;
        }
        Ok(())
    })?;

    let lineage_path = out.join("lineage.toml");
    std::fs::write(&lineage_path, lineage_toml(&all)).with_context(|| lineage_path.display().to_string())?;
    timings.time("scoring and analysis", || {
        let analyze = super::analyze::AnalyzeArgs::of_runs(
            lineage_path.clone(),
            out.clone(),
            args.encoder.clone(),
            args.bootstrap.clone(),
        );
        super::analyze::run(&analyze)
    })?;
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
