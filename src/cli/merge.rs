//! `divcollapse merge --out FILE SHARD...`: joins the run files, labels files or score
//! tables of a sharded study's slices ([`crate::pipeline::merge`]); given folders (the
//! slices' `runs/`), it merges them file by file into the folder `--out`.

use std::path::PathBuf;

use clap::Args;

use crate::pipeline::merge::{merge_files, merge_folders};

#[derive(Debug, Args)]
pub(crate) struct MergeArgs {
    /// The slices' files (all run files, all labels files or all score tables), or their
    /// folders.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// The merged file (a score table's format follows its extension), or folder.
    #[arg(long)]
    out: PathBuf,
}

pub(crate) fn run(args: &MergeArgs) -> anyhow::Result<()> {
    match args.inputs.iter().all(|p| p.is_dir()) {
        true => {
            for report in merge_folders(&args.inputs, &args.out)? {
                println!("{}", serde_json::to_string(&report)?);
            }
        }
        false => println!("{}", serde_json::to_string(&merge_files(&args.inputs, &args.out)?)?),
    }
    Ok(())
}
