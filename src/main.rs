//! `divcollapse`: the command-line interface of diversity-collapse.

use std::process::ExitCode;

fn main() -> ExitCode {
    diversity_collapse::cli::main()
}
