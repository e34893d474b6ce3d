//! Sharded studies: `--shard I/N` gives a machine the prompts of slice I of N, so that N
//! machines each sample, score or label a slice and one merges the results
//! ([`super::merge`]).
//!
//! A prompt's slice depends on its id alone: the first eight bytes of SHA-256(`input_id`),
//! little-endian, modulo N (slice I holds the remainder I − 1). So the split is the same
//! for every stage, whatever the order of a file, and the slices of one N are disjoint
//! and together hold every prompt.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// Slice `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// Slice `index` of `count` (1 ≤ index ≤ count).
    pub fn new(index: u32, count: u32) -> Result<Self, String> {
        if count == 0 || index == 0 || index > count {
            return Err(format!("shard {index}/{count}: wants I/N with 1 ≤ I ≤ N (e.g. 1/4 … 4/4)"));
        }
        Ok(Self { index, count })
    }

    /// The 1-based slice number.
    pub fn index(self) -> u32 {
        self.index
    }

    /// The number of slices.
    pub fn count(self) -> u32 {
        self.count
    }

    /// The slice (1-based) that holds `input_id` when prompts are cut into `count`.
    pub fn of(input_id: &str, count: u32) -> u32 {
        let digest = Sha256::digest(input_id.as_bytes());
        let head = u64::from_le_bytes(digest[..8].try_into().expect("eight bytes"));
        (head % u64::from(count.max(1))) as u32 + 1
    }

    /// Whether this slice holds the prompt `input_id`.
    pub fn contains(self, input_id: &str) -> bool {
        Self::of(input_id, self.count) == self.index
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("shard `{text}`: wants I/N with 1 ≤ I ≤ N (e.g. 1/4 … 4/4)");
        let (index, count) = text.split_once('/').ok_or_else(bad)?;
        let index = index.trim().parse().map_err(|_| bad())?;
        let count = count.trim().parse().map_err(|_| bad())?;
        Self::new(index, count)
    }
}

impl TryFrom<String> for Shard {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl From<Shard> for String {
    fn from(shard: Shard) -> String {
        shard.to_string()
    }
}

/// Keeps the items of `shard` (all of them without one), by the id `id_of` gives.
pub fn keep_shard<T>(items: Vec<T>, shard: Option<Shard>, id_of: impl Fn(&T) -> &str) -> Vec<T> {
    match shard {
        Some(shard) => items.into_iter().filter(|item| shard.contains(id_of(item))).collect(),
        None => items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_refuse_what_is_not_a_slice() {
        assert_eq!("2/4".parse::<Shard>().unwrap(), Shard::new(2, 4).unwrap());
        assert_eq!(Shard::new(3, 8).unwrap().to_string(), "3/8");
        for bad in ["0/4", "5/4", "1/0", "1", "a/b", "1/4/2", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_slices_of_one_count_are_disjoint_and_cover_every_prompt() {
        let ids: Vec<String> = (0..1000).map(|i| format!("prompt-{i}")).collect();
        let count = 4;
        let mut seen = vec![0usize; ids.len()];
        let mut sizes = Vec::new();
        for index in 1..=count {
            let shard = Shard::new(index, count).unwrap();
            let kept = keep_shard(ids.iter().enumerate().collect(), Some(shard), |(_, id)| id.as_str());
            sizes.push(kept.len());
            for (i, _) in kept {
                seen[i] += 1;
            }
        }
        assert!(seen.iter().all(|&n| n == 1));
        // Balanced within a few standard deviations of a binomial(1000, 1/4) (sd ≈ 13.7).
        assert!(sizes.iter().all(|&n| (190..=310).contains(&n)), "{sizes:?}");
        // The slice depends on the id alone.
        assert_eq!(Shard::of("prompt-7", 4), Shard::of("prompt-7", 4));
        assert_eq!(Shard::of("anything", 1), 1);
    }
}
