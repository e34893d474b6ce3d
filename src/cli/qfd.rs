//! `divcollapse qfd --per-prompt FILE.csv --base MODEL --out FILE.json`: the
//! quality-filtered diversity and the matched decomposition ([`crate::pipeline::qfd`])
//! of a reference `qfd_per_prompt.csv`. The JSON is a list of records; what produced it
//! goes to `<FILE>.provenance.json` beside it.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde_json::Value;

use crate::analysis::per_prompt::PerPromptTable;
use crate::pipeline::qfd::qfd_records;
use crate::provenance::{Provenance, sha256_file};
use crate::stats::bootstrap::Bootstrap;

#[derive(Debug, Args)]
pub(crate) struct QfdArgs {
    /// Per-prompt CSV with the columns model,task,prompt_idx,k_correct,acc1,d_all_sbert,d_correct_sbert,d_correct_vendi.
    #[arg(long)]
    per_prompt: PathBuf,
    /// The base checkpoint every other model is decomposed against (a `model` value of the CSV).
    #[arg(long)]
    base: String,
    #[command(flatten)]
    bootstrap: super::BootstrapArgs,
    /// Output JSON (a list of per-(model, task) records).
    #[arg(long)]
    out: PathBuf,
}

pub(crate) fn run(args: &QfdArgs) -> anyhow::Result<()> {
    let table = PerPromptTable::from_reference_csv(&args.per_prompt)?;
    let bootstrap = Bootstrap::new(args.bootstrap.config());
    let origin = args.per_prompt.display().to_string();
    let records = qfd_records(&table, &origin, &args.base, &bootstrap, &mut super::Bars::default())?;
    write_json(&args.out, &Value::Array(records))?;
    let provenance = args
        .bootstrap
        .record(Provenance::new("divcollapse qfd"))
        .input("per_prompt", sha256_file(&args.per_prompt)?)
        .parameter("base", &args.base)
        .parameter("resampling_unit", "prompt; paired across base and model; matched set P fixed by the data")
        .parameter("d_correct_convention", "mean over prompts with k_correct >= 2 (paper)");
    write_json(&provenance_path(&args.out), &serde_json::to_value(&provenance)?)?;
    println!("{}", args.out.display());
    Ok(())
}

/// `<out>.provenance.json` beside the output.
pub(crate) fn provenance_path(out: &Path) -> PathBuf {
    let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    out.with_file_name(format!("{stem}.provenance.json"))
}

/// Writes pretty JSON, creating the parent folder; the file appears only once complete.
pub(crate) fn write_json(path: &Path, value: &Value) -> anyhow::Result<()> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder).with_context(|| format!("creating {}", folder.display()))?;
    crate::data::atomic::write(path, serde_json::to_string_pretty(value)? + "\n")
        .with_context(|| format!("writing {}", path.display()))
}
