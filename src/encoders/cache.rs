//! An on-disk embedding cache, so re-scoring does not re-embed.
//!
//! Keys are `sha256("{model_sha256}|{max_seq_length}|{text}")`, the reference's cache key
//! (it uses sha1) with the model identified by the hash of its weights, so a cache never
//! serves vectors of another model or truncation length. The file is append-only:
//!
//! ```text
//! header: b"DCEMB001" · dim (u32 LE)
//! record: key (32 bytes) · dim × f32 LE
//! ```
//!
//! Each new record is flushed as it is written. A record cut short by a crash is
//! detected on open by its length, dropped and truncated away; nothing else is lost.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

const MAGIC: &[u8; 8] = b"DCEMB001";
const HEADER: usize = 12;

/// Errors of the cache file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// The file cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The cache file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not an embedding cache, or holds vectors of another width.
    #[error("{path}: {problem}")]
    Format {
        /// The cache file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
}

/// An open embedding cache for one model and truncation length.
pub struct EmbeddingCache {
    path: PathBuf,
    dim: usize,
    scope: String,
    /// Key → byte offset of its vector in the file (the vectors stay on disk, so memory
    /// grows by about 50 bytes per cached text, not by the vector width).
    offsets: HashMap<[u8; 32], u64>,
    /// A read handle for lookups.
    reader: File,
    /// The file length after the last record written.
    end: u64,
    writer: BufWriter<File>,
    /// Lookups answered from the cache.
    pub hits: usize,
    /// Lookups that needed the encoder.
    pub misses: usize,
}

impl EmbeddingCache {
    /// Opens (or creates) `path` for vectors of width `dim` from the model whose weights
    /// hash to `model_sha256`, truncated at `max_seq_length`.
    pub fn open(path: &Path, dim: usize, model_sha256: &str, max_seq_length: usize) -> Result<Self, CacheError> {
        let io = |source| CacheError::Io { path: path.to_owned(), source };
        let format = |problem: String| CacheError::Format { path: path.to_owned(), problem };
        let mut file = OpenOptions::new().read(true).append(true).create(true).open(path).map_err(io)?;
        let length = file.metadata().map_err(io)?.len();
        let mut offsets = HashMap::new();
        let record = (32 + 4 * dim) as u64;
        if length == 0 {
            file.write_all(MAGIC).map_err(io)?;
            file.write_all(&(dim as u32).to_le_bytes()).map_err(io)?;
            file.flush().map_err(io)?;
        } else {
            let mut reader = BufReader::new(File::open(path).map_err(io)?);
            let mut header = [0u8; HEADER];
            if length < HEADER as u64 || reader.read_exact(&mut header).is_err() || &header[..8] != MAGIC {
                return Err(format("not an embedding cache (bad header)".into()));
            }
            let stored = u32::from_le_bytes(header[8..12].try_into().expect("4 bytes")) as usize;
            if stored != dim {
                return Err(format(format!("holds vectors of width {stored}, the encoder makes {dim}")));
            }
            // Only the keys are read; vectors stay on disk until asked for.
            let complete = (length - HEADER as u64) / record;
            for index in 0..complete {
                let mut key = [0u8; 32];
                reader.read_exact(&mut key).map_err(io)?;
                reader.seek_relative(4 * dim as i64).map_err(io)?;
                offsets.insert(key, HEADER as u64 + index * record + 32);
            }
            let valid = HEADER as u64 + complete * record;
            if valid < length {
                tracing::warn!("{}: dropping a torn record at the end", path.display());
                file.set_len(valid).map_err(io)?;
                file.seek(SeekFrom::End(0)).map_err(io)?;
            }
        }
        let end = file.seek(SeekFrom::End(0)).map_err(io)?;
        Ok(Self {
            path: path.to_owned(),
            dim,
            scope: format!("{model_sha256}|{max_seq_length}|"),
            offsets,
            reader: File::open(path).map_err(io)?,
            end,
            writer: BufWriter::new(file),
            hits: 0,
            misses: 0,
        })
    }

    fn key(&self, text: &str) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(self.scope.as_bytes());
        hasher.update(text.as_bytes());
        hasher.finalize().into()
    }

    /// The cached vector of `text`, if any (counts a hit or a miss). A vector that can no
    /// longer be read from the file counts as a miss.
    pub fn get(&mut self, text: &str) -> Option<Vec<f32>> {
        let found = self.offsets.get(&self.key(text)).copied().and_then(|offset| self.read_vector(offset).ok());
        if found.is_some() {
            self.hits += 1;
        } else {
            self.misses += 1;
        }
        found
    }

    fn read_vector(&mut self, offset: u64) -> std::io::Result<Vec<f32>> {
        let mut bytes = vec![0u8; 4 * self.dim];
        self.reader.seek(SeekFrom::Start(offset))?;
        self.reader.read_exact(&mut bytes)?;
        Ok(bytes.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes"))).collect())
    }

    /// Stores and flushes the vector of `text`.
    pub fn insert(&mut self, text: &str, vector: &[f32]) -> Result<(), CacheError> {
        if vector.len() != self.dim {
            return Err(CacheError::Format {
                path: self.path.clone(),
                problem: format!("vector of width {} for a cache of width {}", vector.len(), self.dim),
            });
        }
        let key = self.key(text);
        if self.offsets.contains_key(&key) {
            return Ok(());
        }
        let io = |source| CacheError::Io { path: self.path.clone(), source };
        let mut record = Vec::with_capacity(32 + 4 * self.dim);
        record.extend_from_slice(&key);
        vector.iter().for_each(|v| record.extend_from_slice(&v.to_le_bytes()));
        self.writer.write_all(&record).map_err(io)?;
        self.writer.flush().map_err(io)?;
        self.offsets.insert(key, self.end + 32);
        self.end += record.len() as u64;
        Ok(())
    }

    /// Number of cached vectors.
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_survive_reopening_and_a_torn_record_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.bin");
        let mut cache = EmbeddingCache::open(&path, 3, "abc", 384).unwrap();
        cache.insert("one", &[1.0, 2.0, 3.0]).unwrap();
        cache.insert("two", &[4.0, 5.0, 6.0]).unwrap();
        drop(cache);
        // Simulate a crash in the middle of a third record.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&[7u8; 20]).unwrap();
        drop(file);
        let mut cache = EmbeddingCache::open(&path, 3, "abc", 384).unwrap();
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get("two"), Some(vec![4.0, 5.0, 6.0]));
        cache.insert("three", &[0.5, 0.5, 0.5]).unwrap();
        drop(cache);
        let mut cache = EmbeddingCache::open(&path, 3, "abc", 384).unwrap();
        assert_eq!(cache.get("three"), Some(vec![0.5, 0.5, 0.5]));
        // Another model or truncation length never sees these vectors.
        let mut other = EmbeddingCache::open(&path, 3, "xyz", 384).unwrap();
        assert_eq!(other.get("one"), None);
        let error = EmbeddingCache::open(&path, 4, "abc", 384).err().unwrap().to_string();
        assert!(error.contains("width 3"), "{error}");
    }
}
