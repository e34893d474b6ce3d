//! numpy's legacy global generator (`np.random.seed`, `np.random.choice`), which the
//! reference uses to pick the outputs of its across-input and overall scores.
//!
//! numpy 2.x semantics (`numpy/random/mtrand.pyx`, `_mt19937.pyx`, `distributions.c`):
//! * `np.random.seed(n)` for an integer `0 <= n < 2^32` seeds MT19937 with
//!   `init_genrand(n)` (not CPython's `init_by_array`);
//! * `random_interval(max)` masks draws to the smallest all-ones mask covering `max` and
//!   rejects values above it, with 32-bit draws when `max <= 2^32 − 1` and 64-bit draws
//!   (high word first) otherwise;
//! * `shuffle` of a 1-D array walks `i` from `n − 1` down to 1 swapping with
//!   `random_interval(i)`; `permutation(n)` shuffles `arange(n)`;
//! * `choice(n, size, replace=False)` without weights is `permutation(n)[:size]`.

use super::random::PyRandom;

/// numpy's `RandomState` (MT19937) for the draws the reference makes.
#[derive(Clone)]
pub struct NumpyLegacyRandom {
    mt: PyRandom,
}

impl NumpyLegacyRandom {
    /// `np.random.seed(seed)` / `RandomState(seed)`.
    pub fn new(seed: u32) -> Self {
        Self { mt: PyRandom::from_genrand_seed(seed) }
    }

    /// One raw 32-bit output.
    pub fn next_u32(&mut self) -> u32 {
        self.mt.next_u32()
    }

    fn next_u64(&mut self) -> u64 {
        let high = u64::from(self.next_u32());
        (high << 32) | u64::from(self.next_u32())
    }

    /// A uniform integer in `0..=max` (numpy's `random_interval`).
    pub fn random_interval(&mut self, max: u64) -> u64 {
        if max == 0 {
            return 0;
        }
        let mut mask = max;
        for shift in [1, 2, 4, 8, 16, 32] {
            mask |= mask >> shift;
        }
        if max <= u64::from(u32::MAX) {
            loop {
                let value = u64::from(self.next_u32()) & mask;
                if value <= max {
                    return value;
                }
            }
        }
        loop {
            let value = self.next_u64() & mask;
            if value <= max {
                return value;
            }
        }
    }

    /// `np.random.shuffle` of a 1-D sequence.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.random_interval(i as u64) as usize;
            items.swap(i, j);
        }
    }

    /// `np.random.permutation(n)`.
    pub fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut items: Vec<usize> = (0..n).collect();
        self.shuffle(&mut items);
        items
    }

    /// `np.random.choice(n, size, replace=False)`, in numpy's (unsorted) order; `None`
    /// when `size > n` (numpy raises).
    pub fn choice_without_replacement(&mut self, n: usize, size: usize) -> Option<Vec<usize>> {
        if size > n {
            return None;
        }
        let mut permutation = self.permutation(n);
        permutation.truncate(size);
        Some(permutation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_draws_stay_in_range_and_cover_it() {
        let mut rng = NumpyLegacyRandom::new(5);
        let mut seen = [false; 6];
        for _ in 0..200 {
            let v = rng.random_interval(5) as usize;
            seen[v] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(rng.choice_without_replacement(3, 4), None);
    }
}
