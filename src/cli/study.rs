//! `divcollapse study --lineage L.toml --out DIR`: a whole study
//! ([`crate::pipeline::study`]) from the command line.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::analyze::{ExtendedArgs, ModelArgs};
use crate::device::DeviceChoice;
use crate::pipeline::analyze::AnalyzeSettings;
use crate::pipeline::label::{CheckMode, LabelSettings};
use crate::pipeline::shard::Shard;
use crate::pipeline::study::{StudySettings, run_study, sample_study_shard};

#[derive(Debug, Args)]
pub(crate) struct StudyArgs {
    /// Lineage description (TOML): checkpoints with a `model` folder to sample (and a
    /// `[sample]` table), or `run`, `scores` and `labels` files.
    #[arg(long)]
    lineage: PathBuf,
    /// Output folder: runs/, scores/, labels/, lineage.toml, the analysis, study.json.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    models: ModelArgs,
    #[command(flatten)]
    extended: ExtendedArgs,
    #[command(flatten)]
    bootstrap: super::BootstrapArgs,
    /// Checker semantics of the label stage (`qfd` applies to the code tasks; the other
    /// tasks are labelled in paper mode under it, and TruthfulQA and CRUXEval always).
    #[arg(long, value_enum, default_value_t = CheckMode::Paper)]
    mode: CheckMode,
    /// Wall-clock seconds per program (code tasks; default: 5 in paper mode, 10 in the
    /// corrected and qfd modes, as `correctness`).
    #[arg(long)]
    timeout: Option<u64>,
    /// Run generated code even where the sandbox cannot isolate it (see `correctness`).
    #[arg(long)]
    unsafe_no_sandbox: bool,
    /// Only sample slice I of N of every task's prompts into OUT/runs/ (nothing else
    /// runs); merge the slices' runs/ folders with `divcollapse merge` into the study's,
    /// then run `study` there.
    #[arg(long)]
    shard: Option<Shard>,
}

impl StudyArgs {
    /// The settings of every stage.
    pub(crate) fn settings(&self) -> anyhow::Result<StudySettings> {
        let mut analyze = AnalyzeSettings {
            models: self.models.settings(),
            bootstrap: self.bootstrap.config(),
            code_diversity: self.models.code_diversity,
            ..AnalyzeSettings::default()
        };
        self.extended.apply(&mut analyze)?;
        Ok(StudySettings {
            analyze,
            label: LabelSettings {
                mode: self.mode,
                timeout: self.timeout.map_or(self.mode.default_timeout(), Duration::from_secs),
                unsafe_no_sandbox: self.unsafe_no_sandbox,
                ..LabelSettings::default()
            },
        })
    }
}

pub(crate) fn run(args: &StudyArgs) -> anyhow::Result<()> {
    let device: DeviceChoice = args.models.device.parse()?;
    if let Some(shard) = args.shard {
        let stages = with_backend!(device, |B, dev| sample_study_shard::<B>(
            &args.lineage,
            &args.out,
            shard,
            &dev,
            &mut super::Bars::default()
        ))?;
        for record in &stages {
            let task = record.task.as_deref().unwrap_or_default();
            eprintln!("{} {} {task}: {}", record.stage, record.checkpoint, record.reason);
        }
        println!("{}", args.out.join("runs").display());
        return Ok(());
    }
    let settings = args.settings()?;
    let report = with_backend!(device, |B, dev| run_study::<B>(
        &args.lineage,
        &args.out,
        &settings,
        &dev,
        &mut super::Bars::default()
    ))?;
    for record in report.stages.iter().filter(|r| r.status == "ran") {
        let task = record.task.as_deref().map(|t| format!(" {t}")).unwrap_or_default();
        eprintln!("{} {}{task}: {}", record.stage, record.checkpoint, record.reason);
    }
    println!("{}", args.out.join("report.md").display());
    Ok(())
}
