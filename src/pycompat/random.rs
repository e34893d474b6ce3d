//! A port of CPython's `random.Random` (MT19937) for the calls the reference uses:
//! integer seeding, `getrandbits`, `_randbelow`, `random()`, `shuffle`, `sample`, `choice`
//! and `gauss`.
//!
//! CPython 3.11 semantics (`Modules/_randommodule.c`, `Lib/random.py`):
//! * `seed(n)` for an int uses `init_by_array` with the 32-bit little-endian words of
//!   `abs(n)` (one zero word for 0);
//! * `getrandbits(k)` for `k <= 32` is `genrand_uint32() >> (32 - k)`; wider draws fill
//!   32-bit words from the least significant end;
//! * `_randbelow(n)` draws `getrandbits(n.bit_length())` until the value is below `n`;
//! * `shuffle` walks `i` from `len-1` down to 1 swapping with `_randbelow(i + 1)`;
//! * `sample` uses a partial Fisher–Yates on a pool when `n <= setsize`, otherwise
//!   rejection sampling with a set, where `setsize = 21 (+ 4^ceil(log4(3k)) if k > 5)`;
//! * `choice(seq)` is `seq[_randbelow(len(seq))]`;
//! * `gauss(mu, sigma)` is the Box–Muller transform on two `random()` draws; it returns the
//!   cosine half and caches the sine half in `gauss_next` for the next call (seeding clears
//!   the cache).

use std::collections::HashSet;

const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// CPython's `random.Random`, seeded with a non-negative integer.
#[derive(Clone)]
pub struct PyRandom {
    state: [u32; N],
    index: usize,
    /// `Random.gauss_next`: the second normal deviate of the last Box–Muller pair.
    gauss_next: Option<f64>,
}

impl PyRandom {
    /// `random.Random(seed)` for an integer seed (Python uses `abs(seed)`).
    pub fn new(seed: i64) -> Self {
        let mut magnitude = seed.unsigned_abs();
        let mut key = Vec::new();
        while magnitude > 0 {
            key.push((magnitude & 0xffff_ffff) as u32);
            magnitude >>= 32;
        }
        if key.is_empty() {
            key.push(0);
        }
        Self::from_key(&key)
    }

    /// A bare MT19937 seeded with `init_genrand(seed)` (numpy's legacy integer seeding),
    /// for [`super::numpy_random`].
    pub(crate) fn from_genrand_seed(seed: u32) -> Self {
        let mut rng = Self { state: [0; N], index: N, gauss_next: None };
        rng.init_genrand(seed);
        rng
    }

    fn from_key(key: &[u32]) -> Self {
        let mut rng = Self { state: [0; N], index: N, gauss_next: None };
        rng.init_genrand(19_650_218);
        let mut i = 1usize;
        let mut j = 0usize;
        let mut k = N.max(key.len());
        while k > 0 {
            let prev = rng.state[i - 1] ^ (rng.state[i - 1] >> 30);
            rng.state[i] = (rng.state[i] ^ prev.wrapping_mul(1_664_525)).wrapping_add(key[j]).wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                rng.state[0] = rng.state[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
            k -= 1;
        }
        k = N - 1;
        while k > 0 {
            let prev = rng.state[i - 1] ^ (rng.state[i - 1] >> 30);
            rng.state[i] = (rng.state[i] ^ prev.wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                rng.state[0] = rng.state[N - 1];
                i = 1;
            }
            k -= 1;
        }
        rng.state[0] = 0x8000_0000;
        rng
    }

    fn init_genrand(&mut self, seed: u32) {
        self.state[0] = seed;
        for i in 1..N {
            let prev = self.state[i - 1] ^ (self.state[i - 1] >> 30);
            self.state[i] = 1_812_433_253u32.wrapping_mul(prev).wrapping_add(i as u32);
        }
        self.index = N;
    }

    fn twist(&mut self) {
        for kk in 0..N {
            let y = (self.state[kk] & UPPER_MASK) | (self.state[(kk + 1) % N] & LOWER_MASK);
            let mag = if y & 1 == 1 { MATRIX_A } else { 0 };
            self.state[kk] = self.state[(kk + M) % N] ^ (y >> 1) ^ mag;
        }
        self.index = 0;
    }

    /// One 32-bit output of MT19937 (`genrand_uint32`).
    pub fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            self.twist();
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        y
    }

    /// `random.getrandbits(k)` for `k <= 64`.
    pub fn getrandbits(&mut self, k: u32) -> u64 {
        assert!(k <= 64, "getrandbits is ported for at most 64 bits");
        if k == 0 {
            return 0;
        }
        if k <= 32 {
            return u64::from(self.next_u32() >> (32 - k));
        }
        let low = u64::from(self.next_u32());
        let high = u64::from(self.next_u32() >> (64 - k));
        low | (high << 32)
    }

    /// `random._randbelow(n)`: a uniform integer in `[0, n)`; 0 when `n == 0`.
    pub fn randbelow(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let bits = 64 - n.leading_zeros();
        loop {
            let r = self.getrandbits(bits);
            if r < n {
                return r;
            }
        }
    }

    /// `random.random()`: a float in `[0, 1)` with 53 random bits.
    pub fn random(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `random.choice(seq)`: `None` for an empty slice (Python raises `IndexError`).
    pub fn choice<'a, T>(&mut self, seq: &'a [T]) -> Option<&'a T> {
        if seq.is_empty() {
            return None;
        }
        Some(&seq[self.randbelow(seq.len() as u64) as usize])
    }

    /// `random.gauss(mu, sigma)`, CPython's Box–Muller variant with its cached second value:
    /// `x2pi = random() * 2π`, `g2rad = sqrt(-2 log(1 - random()))`, return
    /// `mu + cos(x2pi) g2rad * sigma` and keep `sin(x2pi) g2rad` for the next call.
    pub fn gauss(&mut self, mu: f64, sigma: f64) -> f64 {
        let z = match self.gauss_next.take() {
            Some(z) => z,
            None => {
                let x2pi = self.random() * (2.0 * std::f64::consts::PI);
                let g2rad = (-2.0 * (1.0 - self.random()).ln()).sqrt();
                self.gauss_next = Some(x2pi.sin() * g2rad);
                x2pi.cos() * g2rad
            }
        };
        mu + z * sigma
    }

    /// `random.shuffle(x)` in place.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.randbelow(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }

    /// `random.sample(range(n), k)`: `k` distinct indices in selection order.
    ///
    /// Returns `None` when `k > n` (Python raises `ValueError`).
    pub fn sample_indices(&mut self, n: usize, k: usize) -> Option<Vec<usize>> {
        if k > n {
            return None;
        }
        let mut setsize = 21usize;
        if k > 5 {
            // 4 ** ceil(log(3k, 4)), computed as Python does (in floating point).
            let exponent = ((k as f64 * 3.0).ln() / 4f64.ln()).ceil() as u32;
            setsize += 4usize.pow(exponent);
        }
        let mut result = Vec::with_capacity(k);
        if n <= setsize {
            let mut pool: Vec<usize> = (0..n).collect();
            for i in 0..k {
                let j = self.randbelow((n - i) as u64) as usize;
                result.push(pool[j]);
                pool[j] = pool[n - i - 1];
            }
        } else {
            let mut selected = HashSet::with_capacity(k);
            for _ in 0..k {
                let mut j = self.randbelow(n as u64) as usize;
                while !selected.insert(j) {
                    j = self.randbelow(n as u64) as usize;
                }
                result.push(j);
            }
        }
        Some(result)
    }

    /// `random.sample(population, k)` for a slice.
    pub fn sample<T: Clone>(&mut self, population: &[T], k: usize) -> Option<Vec<T>> {
        let indices = self.sample_indices(population.len(), k)?;
        Some(indices.into_iter().map(|i| population[i].clone()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_outputs_match_the_mt19937_reference_for_init_by_array() {
        // The reference implementation's test vector (mt19937ar.c, init_by_array with
        // {0x123, 0x234, 0x345, 0x456}) begins 1067595299 955945823 477289528.
        let mut rng = PyRandom::from_key(&[0x123, 0x234, 0x345, 0x456]);
        assert_eq!([rng.next_u32(), rng.next_u32(), rng.next_u32()], [1_067_595_299, 955_945_823, 477_289_528]);
    }

    #[test]
    fn sample_rejects_k_larger_than_population() {
        assert!(PyRandom::new(1).sample_indices(3, 4).is_none());
        assert_eq!(PyRandom::new(1).sample_indices(0, 0), Some(vec![]));
    }
}
