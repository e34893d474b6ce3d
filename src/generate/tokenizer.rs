//! The text tokenizer of a checkpoint: its `tokenizer.json`, or the dolma2 tokenizer of
//! the assets when the folder has none. Text is encoded without added special tokens
//! (Olmo 3 has no BOS; chat formatting supplies its own special tokens).

use std::path::{Path, PathBuf};

use tokenizers::Tokenizer;

use crate::assets::{Assets, MissingAsset};
use crate::provenance::sha256_file;

/// Errors loading or using a tokenizer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenizerError {
    /// Neither the folder nor the assets have a tokenizer.
    #[error("{folder}: no tokenizer.json, and the dolma2 fallback is missing: {fallback}")]
    Missing {
        /// The checkpoint folder.
        folder: PathBuf,
        /// Why the fallback is not there.
        fallback: MissingAsset,
    },
    /// The tokenizer file is invalid or encoding failed.
    #[error("{path}: {message}")]
    Invalid {
        /// `tokenizer.json`.
        path: PathBuf,
        /// The tokenizers library's message.
        message: String,
    },
}

/// Trains a byte-level BPE tokenizer on `texts` with `vocab_size` ids (special tokens
/// first, in the given order) and writes it to `path` as `tokenizer.json`. Byte-level
/// pre-tokenisation and decoding make every text round-trip exactly.
pub fn train_byte_level_bpe<I, S>(
    texts: I,
    vocab_size: usize,
    special_tokens: &[&str],
    path: &Path,
) -> Result<(), TokenizerError>
where
    I: Iterator<Item = S> + Send,
    S: AsRef<str> + Send,
{
    use tokenizers::models::ModelWrapper;
    use tokenizers::models::TrainerWrapper;
    use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
    use tokenizers::pre_tokenizers::byte_level::ByteLevel;
    use tokenizers::{
        AddedToken, DecoderWrapper, NormalizerWrapper, PostProcessorWrapper, PreTokenizerWrapper, TokenizerImpl,
    };

    let invalid = |e: tokenizers::Error| TokenizerError::Invalid { path: path.to_owned(), message: e.to_string() };
    let mut tokenizer: TokenizerImpl<
        ModelWrapper,
        NormalizerWrapper,
        PreTokenizerWrapper,
        PostProcessorWrapper,
        DecoderWrapper,
    > = TokenizerImpl::new(ModelWrapper::BPE(BPE::default()));
    tokenizer.with_pre_tokenizer(Some(PreTokenizerWrapper::ByteLevel(ByteLevel::new(false, true, false))));
    tokenizer.with_decoder(Some(DecoderWrapper::ByteLevel(ByteLevel::default())));
    let specials: Vec<AddedToken> = special_tokens.iter().map(|t| AddedToken::from((*t).to_owned(), true)).collect();
    let mut trainer = TrainerWrapper::BpeTrainer(
        BpeTrainerBuilder::new()
            .vocab_size(vocab_size)
            .show_progress(false)
            .special_tokens(specials.clone())
            .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
            .build(),
    );
    tokenizer.train(&mut trainer, texts).map_err(invalid)?;
    tokenizer.add_special_tokens(&specials);
    tokenizer.save(path, false).map_err(invalid)?;
    Ok(())
}

/// A loaded tokenizer and where it came from.
pub struct TextTokenizer {
    inner: Tokenizer,
    path: PathBuf,
    sha256: String,
}

impl TextTokenizer {
    /// Loads a `tokenizer.json` file.
    pub fn from_file(path: &Path) -> Result<Self, TokenizerError> {
        let invalid = |message: String| TokenizerError::Invalid { path: path.to_owned(), message };
        let inner = Tokenizer::from_file(path).map_err(|e| invalid(e.to_string()))?;
        let sha256 = sha256_file(path).map_err(|e| invalid(e.to_string()))?;
        Ok(Self { inner, path: path.to_owned(), sha256 })
    }

    /// The folder's `tokenizer.json`, else the dolma2 tokenizer from `assets`.
    pub fn for_checkpoint(folder: &Path, assets: &Assets) -> Result<Self, TokenizerError> {
        let own = folder.join("tokenizer.json");
        if own.is_file() {
            return Self::from_file(&own);
        }
        let fallback = assets
            .dolma2_tokenizer()
            .map_err(|fallback| TokenizerError::Missing { folder: folder.to_owned(), fallback })?;
        Self::from_file(&fallback)
    }

    /// Token ids of `text`, no special tokens added.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, TokenizerError> {
        self.inner
            .encode(text, false)
            .map(|e| e.get_ids().to_vec())
            .map_err(|e| TokenizerError::Invalid { path: self.path.clone(), message: e.to_string() })
    }

    /// The text of `ids`, special tokens kept.
    pub fn decode(&self, ids: &[u32]) -> Result<String, TokenizerError> {
        self.inner
            .decode(ids, false)
            .map_err(|e| TokenizerError::Invalid { path: self.path.clone(), message: e.to_string() })
    }

    /// The id of a token such as `<|im_end|>`.
    pub fn token_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// Number of ids, added tokens included.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    /// The file it was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// sha256 of that file (recorded in run metadata).
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}
