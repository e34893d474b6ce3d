//! `divcollapse qfd --per-prompt FILE.csv --base MODEL [--bootstrap 10000] [--seed 0]
//! --out FILE.json`
//!
//! Reads a per-prompt table in the reference pipeline's `qfd_per_prompt.csv` schema and
//! writes, per (model, task), the paper-convention quality-filtered diversity
//! (`accuracy_at_1, mean_k_correct, d_all_sbert, d_correct_sbert, d_correct_vendi,
//! n_computable`) and, for every model other than the base, the matched decomposition
//! (`n_matched, delta_all, residual, quality_control, genuine_share`), every mean with
//! `_ci_low` and `_ci_high`. The JSON is a list of records; what produced it goes to
//! `<FILE>.provenance.json` beside it.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Map, Value, json};

use crate::analysis::decomposition::{matched_decomposition, quality_summary};
use crate::analysis::per_prompt::PerPromptTable;
use crate::provenance::{Provenance, sha256_file};
use crate::stats::bootstrap::{Bootstrap, Interval};

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

/// Adds `name`, `name_ci_low` and `name_ci_high` to a record.
fn put_interval(record: &mut Map<String, Value>, name: &str, interval: &Interval) {
    record.insert(name.to_owned(), json!(finite(interval.estimate)));
    record.insert(format!("{name}_ci_low"), json!(finite(interval.low)));
    record.insert(format!("{name}_ci_high"), json!(finite(interval.high)));
}

/// NaN and infinities become JSON null.
fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

pub(crate) fn run(args: &QfdArgs) -> anyhow::Result<()> {
    let table = PerPromptTable::from_reference_csv(&args.per_prompt)?;
    let models = table.models();
    if !models.contains(&args.base) {
        bail!(
            "{}: --base `{}` is not a model of the table (models: {})",
            args.per_prompt.display(),
            args.base,
            models.join(", ")
        );
    }
    let bootstrap = Bootstrap::new(args.bootstrap.config());
    let tasks = table.tasks();
    let progress = ProgressBar::new((models.len() * tasks.len()) as u64)
        .with_style(ProgressStyle::with_template("{bar:30} {pos}/{len} (model, task) {msg}")?);
    let mut records = Vec::new();
    for task in &tasks {
        let base = table.columns(&args.base, task)?;
        for model in &models {
            progress.set_message(format!("{model} / {task}"));
            let Some(columns) = table.columns(model, task)? else {
                progress.inc(1);
                continue;
            };
            let summary =
                quality_summary(&columns, &bootstrap).with_context(|| format!("bootstrapping {model} / {task}"))?;
            let mut record = Map::new();
            record.insert("model".into(), json!(model));
            record.insert("task".into(), json!(task));
            record.insert("n_total".into(), json!(summary.n_total));
            put_interval(&mut record, "accuracy_at_1", &summary.accuracy_at_1);
            put_interval(&mut record, "mean_k_correct", &summary.mean_k_correct);
            put_interval(&mut record, "d_all_sbert", &summary.d_all_sbert);
            put_interval(&mut record, "d_correct_sbert", &summary.d_correct_sbert);
            put_interval(&mut record, "d_correct_vendi", &summary.d_correct_vendi);
            record.insert("n_computable".into(), json!(summary.n_computable));
            record
                .insert("frac_computable".into(), json!(finite(summary.n_computable as f64 / summary.n_total as f64)));
            if model != &args.base {
                let Some(base) = &base else {
                    bail!("{}: the base `{}` has no prompts for task `{task}`", args.per_prompt.display(), args.base);
                };
                let d = matched_decomposition(base, &columns, &bootstrap)
                    .with_context(|| format!("decomposing {model} / {task}"))?;
                record.insert("n_matched".into(), json!(d.n_matched));
                record.insert("n_shared".into(), json!(d.n_shared));
                record.insert("frac_matched".into(), json!(finite(d.n_matched as f64 / d.n_shared as f64)));
                put_interval(&mut record, "delta_all", &d.delta_all);
                put_interval(&mut record, "residual", &d.residual);
                put_interval(&mut record, "quality_control", &d.quality_control);
                put_interval(&mut record, "genuine_share", &d.genuine_share);
                record.insert("genuine_share_defined".into(), json!(d.genuine_share_defined));
                put_interval(&mut record, "paper_genuine_share", &d.paper_genuine_share);
            }
            records.push(Value::Object(record));
            progress.inc(1);
        }
    }
    progress.finish_and_clear();
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
