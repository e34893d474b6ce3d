//! `divcollapse merge`: joins the files that the slices of a sharded study wrote
//! (`--shard I/N`, [`super::shard`]) into the one file an unsharded run would have
//! written.
//!
//! The kind of file is read from its content: run files (JSONL lines with `meta`),
//! labels files (JSONL lines with `labels`) and per-prompt score tables (`.parquet`,
//! `.csv`, or JSONL rows with `n_outputs`). Every input must be of the same kind.
//!
//! * **Run files** must come from the same run settings: every `meta` field but the
//!   folder's spelling, a server's report about itself and the shard. Each must carry a
//!   shard of the same N, every slice 1..N exactly once (a file without a shard, e.g. an
//!   earlier merge, stands for itself). A torn last line (a slice that crashed) is refused:
//!   rerun that slice to completion first. The merged lines carry no shard, so the file
//!   resumes as an unsharded run of the same settings would.
//! * **Labels files** and **score tables** are concatenated; score tables must have the
//!   same columns.
//!
//! In every kind a prompt (task and `input_id`, and model for scores) may appear only
//! once; the output is written atomically, lines and rows in input order.
//!
//! Folders merge file by file ([`merge_folders`]): the files of one name across the input
//! folders (e.g. the `runs/` of a sharded study's slices) are merged into that name in
//! the output folder.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use super::StageError;
use super::shard::Shard;
use crate::data::labels::{LabelRecord, LabelsFile, write_labels};
use crate::generate::runfile::{RunMeta, RunRecord};
use crate::metrics::per_prompt::{PromptScores, extended_columns, read_scores, write_scores};

/// What a merge joined.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MergeReport {
    /// `run`, `labels` or `scores`.
    pub kind: &'static str,
    /// Input files.
    pub files: usize,
    /// Prompts (lines or rows) written.
    pub prompts: usize,
    /// The shard count of the inputs (run files), if they were shards.
    pub shards: Option<u32>,
    /// The merged file.
    pub out: PathBuf,
}

/// The kind of file a path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Run,
    Labels,
    Scores,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::Run => "run",
            Self::Labels => "labels",
            Self::Scores => "scores",
        }
    }

    /// The kind of `path`: by extension for tables, by the first line for JSONL.
    fn of(path: &Path) -> Result<Self, StageError> {
        let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        if matches!(extension.as_str(), "parquet" | "csv") {
            return Ok(Self::Scores);
        }
        let text = std::fs::read_to_string(path).map_err(StageError::io(path, "reading a file to merge"))?;
        let Some(first) = text.lines().find(|l| !l.trim().is_empty()) else {
            return Err(StageError::Invalid(format!("{}: empty; nothing to merge", path.display())));
        };
        let value: serde_json::Value = serde_json::from_str(first)
            .map_err(|e| StageError::Invalid(format!("{}:1: not JSON: {e}", path.display())))?;
        if value.get("meta").is_some() && value.get("outputs").is_some() {
            Ok(Self::Run)
        } else if value.get("labels").is_some() {
            Ok(Self::Labels)
        } else if value.get("n_outputs").is_some() {
            Ok(Self::Scores)
        } else {
            Err(StageError::Invalid(format!(
                "{}:1: neither a run file (`meta`, `outputs`), a labels file (`labels`) nor a scores table \
                 (`n_outputs`)",
                path.display()
            )))
        }
    }
}

/// Joins `inputs` (all of one kind) into `out`.
pub fn merge_files(inputs: &[PathBuf], out: &Path) -> Result<MergeReport, StageError> {
    if inputs.is_empty() {
        return Err(StageError::Invalid("merge: no input files".into()));
    }
    let kinds: Vec<Kind> = inputs.iter().map(|p| Kind::of(p)).collect::<Result<_, _>>()?;
    if let Some(at) = kinds.iter().position(|k| *k != kinds[0]) {
        return Err(StageError::Invalid(format!(
            "{} is a {} file but {} is a {} file; merge files of one kind",
            inputs[at].display(),
            kinds[at].name(),
            inputs[0].display(),
            kinds[0].name()
        )));
    }
    if let Some(folder) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(StageError::io(folder, "creating the output folder"))?;
    }
    let (prompts, shards) = match kinds[0] {
        Kind::Run => merge_runs(inputs, out)?,
        Kind::Labels => (merge_labels(inputs, out)?, None),
        Kind::Scores => (merge_scores(inputs, out)?, None),
    };
    Ok(MergeReport { kind: kinds[0].name(), files: inputs.len(), prompts, shards, out: out.to_owned() })
}

/// Merges, for every file name found in any of the folders `inputs`, the files of that
/// name into `out/<name>` (see [`merge_files`]); returns one report per name, in name
/// order.
pub fn merge_folders(inputs: &[PathBuf], out: &Path) -> Result<Vec<MergeReport>, StageError> {
    let mut names = BTreeSet::new();
    for folder in inputs {
        for entry in std::fs::read_dir(folder).map_err(StageError::io(folder, "listing a folder to merge"))? {
            let entry = entry.map_err(StageError::io(folder, "listing a folder to merge"))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            // Hidden files are journals and key files beside the outputs.
            if entry.path().is_file() && !name.starts_with('.') {
                names.insert(name);
            }
        }
    }
    if names.is_empty() {
        return Err(StageError::Invalid("merge: the input folders hold no files".into()));
    }
    std::fs::create_dir_all(out).map_err(StageError::io(out, "creating the output folder"))?;
    names
        .into_iter()
        .map(|name| {
            let files: Vec<PathBuf> = inputs.iter().map(|f| f.join(&name)).filter(|p| p.is_file()).collect();
            merge_files(&files, &out.join(&name))
        })
        .collect()
}

/// The run records of one file, refusing a torn last line.
fn read_run(path: &Path) -> Result<Vec<(usize, RunRecord)>, StageError> {
    let text = std::fs::read_to_string(path).map_err(StageError::io(path, "reading a run file"))?;
    let complete = text.rfind('\n').map_or(0, |at| at + 1);
    if !text[complete..].trim().is_empty() {
        let line = text[..complete].lines().count() + 1;
        return Err(StageError::Invalid(format!(
            "{}:{line}: a torn last line: this slice was interrupted; rerun it to completion before merging",
            path.display()
        )));
    }
    let mut records = Vec::new();
    for (index, raw) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let record: RunRecord = serde_json::from_str(raw)
            .map_err(|e| StageError::Invalid(format!("{}:{}: not a run record: {e}", path.display(), index + 1)))?;
        records.push((index + 1, record));
    }
    Ok(records)
}

/// `meta` without its shard.
fn unsharded(meta: &RunMeta) -> RunMeta {
    RunMeta { shard: None, ..meta.clone() }
}

fn merge_runs(inputs: &[PathBuf], out: &Path) -> Result<(usize, Option<u32>), StageError> {
    let mut reference: Option<(RunMeta, String)> = None;
    let (mut seen, mut lines) = (HashSet::new(), String::new());
    let mut shards: Vec<(Option<Shard>, &Path)> = Vec::new();
    for path in inputs {
        let mut file_shard = None;
        for (line, mut record) in read_run(path)? {
            let at = format!("{}:{line}", path.display());
            let meta = unsharded(&record.meta);
            match &reference {
                None => reference = Some((meta, at.clone())),
                Some((first, where_first)) if !first.same_run(&meta) => {
                    return Err(StageError::Invalid(format!(
                        "{at}: written with other settings than {where_first} ({}); only slices of one run merge",
                        first.differing_fields(&meta)
                    )));
                }
                Some(_) => {}
            }
            match (file_shard, record.meta.shard) {
                (None, shard) => file_shard = Some(shard),
                (Some(known), shard) if known != shard => {
                    return Err(StageError::Invalid(format!("{at}: a line of another shard than the file's first")));
                }
                _ => {}
            }
            if let Some(shard) = record.meta.shard
                && !shard.contains(&record.input_id)
            {
                return Err(StageError::Invalid(format!(
                    "{at}: prompt `{}` does not belong to shard {shard}",
                    record.input_id
                )));
            }
            if !seen.insert((record.task.clone(), record.input_id.clone())) {
                return Err(StageError::Invalid(format!(
                    "{at}: prompt `{}` of task `{}` is in two inputs",
                    record.input_id, record.task
                )));
            }
            record.meta.shard = None;
            lines.push_str(&serde_json::to_string(&record).expect("run records serialise"));
            lines.push('\n');
        }
        shards.push((file_shard.flatten(), path));
    }
    let count = check_slices(&shards)?;
    crate::data::atomic::write(out, lines).map_err(StageError::io(out, "writing the merged run file"))?;
    Ok((seen.len(), count))
}

/// Checks that the sharded inputs are the slices 1..N of one N, each once; returns N.
fn check_slices(shards: &[(Option<Shard>, &Path)]) -> Result<Option<u32>, StageError> {
    let counts: BTreeSet<u32> = shards.iter().filter_map(|(s, _)| s.map(Shard::count)).collect();
    let Some(&count) = counts.first() else { return Ok(None) };
    if counts.len() > 1 {
        return Err(StageError::Invalid(format!(
            "the inputs are slices of different counts ({}); merge the slices of one split",
            counts.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
        )));
    }
    let mut found = BTreeSet::new();
    for (shard, path) in shards {
        if let Some(shard) = shard
            && !found.insert(shard.index())
        {
            return Err(StageError::Invalid(format!("{}: shard {shard} is given twice", path.display())));
        }
    }
    let missing: Vec<String> = (1..=count).filter(|i| !found.contains(i)).map(|i| format!("{i}/{count}")).collect();
    if !missing.is_empty() {
        return Err(StageError::Invalid(format!("shards {} are missing", missing.join(", "))));
    }
    Ok(Some(count))
}

fn merge_labels(inputs: &[PathBuf], out: &Path) -> Result<usize, StageError> {
    let mut seen = HashSet::new();
    let mut records: Vec<LabelRecord> = Vec::new();
    for path in inputs {
        let file = LabelsFile::read(path)?;
        for record in file.records() {
            let key = (record.task.clone().unwrap_or_default(), record.input_id.clone());
            if !seen.insert(key) {
                return Err(StageError::Invalid(format!(
                    "{}: prompt `{}` is labelled in two inputs",
                    path.display(),
                    record.input_id
                )));
            }
            records.push(record.clone());
        }
    }
    write_labels(out, &records)?;
    Ok(records.len())
}

fn merge_scores(inputs: &[PathBuf], out: &Path) -> Result<usize, StageError> {
    let mut seen = HashSet::new();
    let mut rows: Vec<PromptScores> = Vec::new();
    let mut columns: Option<(Vec<String>, &Path)> = None;
    for path in inputs {
        let file_rows = read_scores(path)?;
        let file_columns = extended_columns(&file_rows);
        match &columns {
            None => columns = Some((file_columns, path)),
            Some((first, first_path)) if *first != file_columns && !file_rows.is_empty() => {
                return Err(StageError::Invalid(format!(
                    "{} has the extra columns [{}] but {} has [{}]; merge tables scored with the same metrics",
                    path.display(),
                    file_columns.join(", "),
                    first_path.display(),
                    first.join(", ")
                )));
            }
            Some(_) => {}
        }
        for (index, row) in file_rows.into_iter().enumerate() {
            if !seen.insert((row.model.clone(), row.task.clone(), row.input_id.clone())) {
                return Err(StageError::Invalid(format!(
                    "{} row {}: prompt `{}` of task `{}` is scored in two inputs",
                    path.display(),
                    index + 1,
                    row.input_id,
                    row.task
                )));
            }
            rows.push(row);
        }
    }
    write_scores(&rows, out)?;
    Ok(rows.len())
}
