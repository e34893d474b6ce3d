//! Where the fetched assets live (models, tokenizer, task data).
//!
//! `scripts/setup` downloads and verifies them into `<repo>/assets`, or into the folder
//! named by the environment variable `DIVCOLLAPSE_ASSETS`, with this layout:
//!
//! ```text
//! models/all-mpnet-base-v2/     models/all-MiniLM-L6-v2/     tokenizers/dolma2.json
//! data/<task>/<file>            MANIFEST.json
//! langdetect/profiles/<lang>    langdetect/messages.properties
//! ```

use std::path::{Path, PathBuf};

/// The environment variable that overrides the asset folder.
pub const ASSETS_ENV: &str = "DIVCOLLAPSE_ASSETS";

/// A missing asset.
#[derive(Debug, thiserror::Error)]
#[error("missing asset {path}: run `scripts/setup` (or point {ASSETS_ENV} at an asset folder that has it)")]
pub struct MissingAsset {
    /// The path that was looked for.
    pub path: PathBuf,
}

/// The asset folder and the paths inside it.
#[derive(Debug, Clone)]
pub struct Assets {
    root: PathBuf,
}

impl Assets {
    /// `$DIVCOLLAPSE_ASSETS` if set, otherwise `assets/` in the source tree.
    pub fn locate() -> Self {
        let root = std::env::var_os(ASSETS_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("assets"));
        Self { root }
    }

    /// An asset folder at an explicit place.
    pub fn at(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The asset folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `models/all-mpnet-base-v2/`, the paper's SBERT encoder.
    pub fn mpnet(&self) -> Result<PathBuf, MissingAsset> {
        self.require("models/all-mpnet-base-v2/model.safetensors").map(|_| self.root.join("models/all-mpnet-base-v2"))
    }

    /// `models/all-MiniLM-L6-v2/`, a small stand-in encoder (not the paper's).
    pub fn minilm(&self) -> Result<PathBuf, MissingAsset> {
        self.require("models/all-MiniLM-L6-v2/model.safetensors").map(|_| self.root.join("models/all-MiniLM-L6-v2"))
    }

    /// `tokenizers/dolma2.json`, the Olmo 2 / Olmo 3 tokenizer.
    pub fn dolma2_tokenizer(&self) -> Result<PathBuf, MissingAsset> {
        self.require("tokenizers/dolma2.json")
    }

    /// A file under `data/`, e.g. `data("gsm8k/requests.jsonl.gz")`.
    pub fn data(&self, relative: &str) -> Result<PathBuf, MissingAsset> {
        self.require(&format!("data/{relative}"))
    }

    /// `langdetect/`, langdetect 1.0.9's data: the 55 language profiles
    /// (`profiles/<lang>`, JSON) and the normalisation tables (`messages.properties`).
    pub fn langdetect(&self) -> Result<PathBuf, MissingAsset> {
        self.require("langdetect/messages.properties").map(|_| self.root.join("langdetect"))
    }

    fn require(&self, relative: &str) -> Result<PathBuf, MissingAsset> {
        let path = self.root.join(relative);
        if path.is_file() { Ok(path) } else { Err(MissingAsset { path }) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_asset_names_the_path_and_the_fix() {
        let assets = Assets::at("/nonexistent/assets");
        let message = assets.dolma2_tokenizer().unwrap_err().to_string();
        assert!(message.contains("/nonexistent/assets/tokenizers/dolma2.json"), "{message}");
        assert!(message.contains("scripts/setup"), "{message}");
    }
}
