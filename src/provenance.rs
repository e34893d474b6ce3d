//! What produced an output: content hashes, the tool version and the parameters.
//!
//! Every file the tool writes carries (or sits beside) a [`Provenance`] record. Tables
//! carry no timestamps, so the same command on the same inputs gives byte-identical
//! output.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hex sha256 of a file, read in blocks.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// The hex sha256 of bytes.
pub fn sha256_bytes(bytes: impl AsRef<[u8]>) -> String {
    hex::encode(Sha256::digest(bytes.as_ref()))
}

/// A record of what produced an output.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// `diversity-collapse` version.
    pub tool_version: String,
    /// The subcommand or library entry point.
    pub producer: String,
    /// Inputs by role, each with its sha256 (e.g. `"paper_tables" -> "ab12…"`).
    pub inputs: BTreeMap<String, String>,
    /// Parameters by name, as text (seeds, sampling parameters, conventions).
    pub parameters: BTreeMap<String, String>,
}

impl Provenance {
    /// A record for `producer` with the current tool version.
    pub fn new(producer: impl Into<String>) -> Self {
        Self { tool_version: crate::TOOL_VERSION.to_owned(), producer: producer.into(), ..Self::default() }
    }

    /// Adds an input with its hash.
    pub fn input(mut self, role: impl Into<String>, sha256: impl Into<String>) -> Self {
        self.inputs.insert(role.into(), sha256.into());
        self
    }

    /// Adds a parameter.
    pub fn parameter(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.parameters.insert(name.into(), value.to_string());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_known_bytes() {
        assert_eq!(sha256_bytes(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
