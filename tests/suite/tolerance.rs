//! Every numerical tolerance of the test suite, in one place.
//!
//! Each constant names one kind of comparison: what is compared, against which reference, and
//! why the bound has its value: the noise both sides cannot avoid (float32 kernels, batch
//! shapes, SIMD width, Monte-Carlo error, rounding in a written file), with a margin. Where the
//! measured difference lies far below the bound, the constant's comment says so. Two
//! comparisons that happen to share a value but mean different things have different names,
//! so that one can change without the other.
//! Constants are f32 where the comparison is made in f32 (the difference is an f32), f64
//! otherwise.

// Same arithmetic, f64.

/// A score read from the eigenvalues of the same f64 kernel by two symmetric eigen-solvers,
/// relative to the value: `vendi_q<q>` against vendi-score's `score_K(K, q)` (scipy's
/// `eigvalsh`) on real all-mpnet-base-v2 embeddings, and the n-gram Vendi score against
/// `ngram_vendi_score` (`tests/golden/extended_metrics/`). The kernels agree to a few ulps;
/// the solvers' eigenvalues to about 1e-15, so this bound leaves a wide margin while any
/// difference of definition (clipping, the order's formula, renormalisation) is far above it.
pub const VENDI_ORDER_REFERENCE: f64 = 1e-9;

/// [`VENDI_ORDER_REFERENCE`] for orders q < 1, relative. `Σ λ^q` over the positive
/// eigenvalues counts the rounding noise of a rank-deficient kernel (eigenvalues of order
/// 1e-16 that one solver returns as +1e-16 and the other as −1e-16) with weight
/// `(1e-16)^0.5 = 1e-8` each, so duplicated outputs differ by up to about 4e-8 at q = 0.5
/// between solvers. The bound for these columns is 1e-4.
pub const VENDI_LOW_ORDER_REFERENCE: f64 = 1e-6;

/// A value computed with the same float operations as the reference, up to summation order:
/// EAD against the authors' reference code (`tests/golden/metrics/ead.json`, through the
/// library and through `divcollapse score`), NLI diversity over the fixture's deterministic
/// stand-in scores (`nli_pairs.json`), and the bootstrap's point estimates and jackknife values
/// against `scipy.stats.bootstrap`. Values are of order 1, so a few ulps of reordered sums
/// stay far below this.
pub const EXACT_F64: f64 = 1e-12;

/// [`EXACT_F64`] relative to the expected value's magnitude (`|a − e| ≤ EXACT_RELATIVE_F64 ·
/// max(|e|, 1)`), for aggregates that may be large: `divcollapse qfd` against the same
/// aggregation in pandas (`tests/golden/qfd/`), and `analyze`'s `metrics.csv` means against the
/// mean of `score`'s columns. Both sides start from the same floats; the order of the
/// operations differs.
pub const EXACT_RELATIVE_F64: f64 = 1e-12;

/// The same f64 quantity reached along two independent routes: `paper reproduce`'s
/// `stage_attribution.csv` against its definitions recomputed in the test from the shipped
/// paper table, and the NLI diversity written by `divcollapse score` against the library's
/// `nli_diversity` with the same model and pair stream. The routes differ in more than
/// summation order (percentages of order 100, separate processes), but their rounding stays
/// orders of magnitude below this, and any real difference orders of magnitude above.
pub const PARITY_F64: f64 = 1e-9;

/// The convention's identity SFT + DPO + RL = retain − 100 (percentage points of the base
/// model's diversity) between rows of `stage_attribution.csv`, written by `analyze` and by
/// `paper reproduce`. The four terms are computed separately, each from a ratio times 100, so
/// the identity holds only up to rounding of values of order 100.
pub const STAGE_ATTRIBUTION_IDENTITY: f64 = 1e-9;

/// A value in the diversity-results JSON against the unrounded value: that file rounds to 6
/// decimals, as the reference's `compute_diversity` output does, so half a unit of the 6th
/// decimal is the most rounding can move it.
pub const DIVERSITY_RESULTS_ROUNDING: f64 = 5e-7;

// Rank correlation, against scipy.stats.spearmanr (tests/golden/correlation/).

/// Spearman's ρ against scipy's: both are Pearson's r of the same exact ranks (halves and
/// integers), summed in a different order (scipy centres with numpy's pairwise sums).
pub const SPEARMAN_ABSOLUTE: f64 = 1e-13;

// Bootstrap, against scipy.stats.bootstrap (tests/golden/bootstrap/).

/// The BCa acceleration `a` against scipy's `a_hat`, relative to `max(|a|,
/// BOOTSTRAP_ACCELERATION_SCALE_FLOOR)`. The port computes `Σd³ / (6·(Σd²)^1.5)`, scipy the
/// algebraically equal `1/6 · (ΣU³/n³) / (ΣU²/n²)^1.5` with `U = (n − 1)·d`; the different
/// operation order (a power 1.5 of a scaled sum) costs a few ulps relative to `a`.
pub const BOOTSTRAP_ACCELERATION_RELATIVE: f64 = 1e-9;

/// The smallest magnitude [`BOOTSTRAP_ACCELERATION_RELATIVE`] is taken relative to: an
/// acceleration near 0 (symmetric jackknife values) is a difference of nearly equal sums, whose
/// rounding error is relative to the sums, not to the tiny result.
pub const BOOTSTRAP_ACCELERATION_SCALE_FLOOR: f64 = 1e-3;

/// Interval end points against SciPy's 200,000-resample intervals, in SciPy's standard errors:
/// the Monte-Carlo standard error of a 2.5% quantile from B = 20,000 resamples is about 0.02
/// SE, so this is five of them. (A mean of 0/1 values may also land one grid step 1/n apart;
/// the test adds that step.)
pub const BOOTSTRAP_INTERVAL_STANDARD_ERRORS: f64 = 0.1;

/// Absolute slack added to the interval bound ([`BOOTSTRAP_INTERVAL_STANDARD_ERRORS`] · SE +
/// grid step), so that a case whose bound would otherwise be 0 (zero standard error, no grid)
/// still admits the rounding of equal end points; the same size as [`EXACT_F64`].
pub const BOOTSTRAP_INTERVAL_SLACK: f64 = 1e-12;

/// The bootstrap standard error against SciPy's, relative to SciPy's: the standard deviation
/// of 20,000 resampled statistics has a Monte-Carlo relative error of about 1/√(2B) ≈ 0.5%, so
/// this is about six of them.
pub const BOOTSTRAP_STANDARD_ERROR_RELATIVE: f64 = 0.03;

// langdetect, against langdetect 1.0.9 on Python 3.11 (tests/golden/langdetect/).

/// Each `detect_langs` probability and each entry of the full 55-language probability vector
/// against Python's. They are computed by the same f64 operations in the same order (Python
/// 3.11's plain left-to-right sum, glibc's `cos`, `sin`, `log` in `random.gauss`), and at
/// generation all 14,638 compared values were bit-identical; this absolute bound only
/// tolerates a libm that differs in the last bit.
pub const LANGDETECT_PROBABILITY: f64 = 1e-9;

// SBERT and Vendi, against the authors' reference code (tests/golden/metrics/).

/// SBERT and Vendi diversity (per group, both the pipeline's and the QFD script's variants,
/// per-input mean and std, across-input) against the reference on the same stored f32
/// all-mpnet-base-v2 embeddings. The reference runs its matrix products and `eigvalsh` in
/// float32: its two Vendi variants already differ from each other, and from a float64
/// implementation, by up to about 1e-5.
pub const SBERT_VENDI_REFERENCE: f64 = 1e-4;

// MPNet sentence encoder, against sentence-transformers 5.7.0 / transformers 4.57.6
// (tests/golden/mpnet/).

/// Each embedding dimension (f32) of the tiny random MPNet and of the real all-mpnet-base-v2
/// against sentence-transformers' `encode`. Both run in float32, with different kernels and
/// batch shapes; batch composition alone moves components by about 3e-7 in the reference
/// itself.
pub const MPNET_DIMENSION: f32 = 1e-4;

/// [`MPNET_DIMENSION`] for `divcollapse embed`'s JSON output of the tiny MPNet, read back as
/// f64, against the reference embeddings.
pub const MPNET_DIMENSION_CLI: f64 = 1e-4;

/// Every pairwise cosine (f64 dot products of f32 unit vectors) of the port's embeddings
/// against the same cosine of the reference's. Cosines are what the SBERT and Vendi metrics
/// consume, so they get their own bound, ten times tighter than [`MPNET_DIMENSION`].
pub const MPNET_COSINE: f64 = 1e-5;

/// A text encoded alone against the same text inside a padded batch, per dimension (f32).
/// The reference shows up to 2e-7 between batchings; the port's padding and masking must not
/// add more than float32 accumulation noise.
pub const MPNET_BATCHING: f32 = 1e-5;

/// The Euclidean norm of each row `divcollapse embed` prints against 1: the rows are
/// L2-normalised in float32 (the reference's norms range over 0.99999991 … 1.00000011).
pub const MPNET_UNIT_NORM: f64 = 1e-5;

/// SBERT diversity written by `divcollapse score` from the tiny encoder's own embeddings
/// against the library's SBERT on the reference embeddings. SBERT is one minus a mean cosine,
/// so its error is bounded by [`MPNET_COSINE`].
pub const SBERT_FROM_ENCODER: f64 = 1e-5;

/// Vendi written by `divcollapse score` from the tiny encoder's own embeddings against the
/// library's Vendi on the reference embeddings. Vendi is the exponential of the entropy of the
/// similarity matrix's eigenvalues and ranges from 1 to the group size, so its absolute error
/// is larger than SBERT's: this is the per-dimension bound ([`MPNET_DIMENSION`]) rather than
/// the cosine one.
pub const VENDI_FROM_ENCODER: f64 = 1e-4;

// Code diversity against the study's compute_code_diversity.py (tests/golden/code_diversity/).

/// Each embedding dimension (f32) of the tiny random UniXcoder-shaped RoBERTa against
/// sentence-transformers' `encode(..., normalize_embeddings=True)`: float32 on both sides,
/// different kernels; the reference itself moves components by 1.8e-7 between batchings.
pub const UNIXCODER_DIMENSION: f32 = 1e-4;

/// `code_sbert` (one minus a mean cosine) from the port's embeddings against the reference's
/// on its own embeddings: bounded by the cosine error, as [`SBERT_FROM_ENCODER`].
pub const CODE_SBERT: f64 = 1e-5;

/// `code_vendi` (exponential of an eigenvalue entropy, between 1 and the group size) from
/// the port's embeddings against the reference's: the per-dimension bound, as
/// [`VENDI_FROM_ENCODER`].
pub const CODE_VENDI: f64 = 1e-4;

/// A parseability rate against the reference's, which `compute_ast_metrics` rounds to 6
/// decimals.
pub const PARSEABILITY_ROUNDING: f64 = 5e-7;

// RoBERTa NLI classifier, against transformers 4.57.6 (tests/golden/roberta_nli/).

/// Each class probability (f32) of the tiny random RoBERTa against transformers. The
/// reference's own eager vs SDPA attention differ by 2.1e-6 and padded vs unpadded by 1.8e-6,
/// and the fixture's README suggests about 1e-5; the port's matmul kernels accumulate in an
/// order that depends on the CPU's SIMD width, which moves probabilities by up to about 1e-5
/// between machines, so the bound is five times that.
pub const ROBERTA_NLI_PROBABILITY: f32 = 5e-5;

/// The weighted score `P(entailment) − P(contradiction)` (f64 from f32 probabilities) against
/// the reference's `_batched_weighted_scores`: a difference of two probabilities, each within
/// [`ROBERTA_NLI_PROBABILITY`], on the same machines.
pub const ROBERTA_NLI_SCORE: f64 = 5e-5;

/// One pair's probabilities (f32) computed alone against the same pair inside a padded batch,
/// on the same machine: only padding and batch shape differ (the reference shows 1.8e-6).
pub const ROBERTA_NLI_BATCHING: f32 = 1e-5;

/// The smallest difference that counts as a different NLI value: per-input NLI values drawn
/// from another pair stream must differ from the ones written somewhere by more than this,
/// which is well above the [`PARITY_F64`] noise of equal draws and far below the spread of
/// scores of different sentence pairs.
pub const NLI_STREAMS_DIFFER: f64 = 1e-6;

// Olmo 3, against transformers 4.57.6 / 5.24.0 on tiny random checkpoints (tests/golden/olmo3/).

/// Absolute error of every f32 logit (full forward, cached decoding, chunked prefill, greedy
/// steps) against transformers, which runs in float32 too. Logits have std about 1.2; cached
/// and full forwards already differ by up to 5e-6 in the reference, and the smallest top-1 /
/// top-2 margin over the greedy steps is 0.0033, so a port within this bound reproduces the
/// greedy tokens.
pub const OLMO3_LOGITS: f32 = 1e-4;

/// Absolute error of a mean per-token NLL (nats) under the lab's base checkpoint against
/// transformers (`tests/golden/base_likelihood/`), both from f32 logits. Measured: 1.4e-7
/// over 24 outputs (the lab model is small and its logits agree to a few 1e-7); an
/// off-by-one position or a missing separator changes the NLL by more than 0.1.
pub const BASE_NLL: f64 = 1e-5;

/// [`OLMO3_LOGITS`] for `divcollapse logits`' JSON output, read back as f64, against the same
/// transformers logits.
pub const OLMO3_LOGITS_CLI: f64 = 1e-4;

/// Mean and standard deviation (in f64) over all 131,072 logits against those of the
/// reference: per-logit errors within [`OLMO3_LOGITS`] that do not share a sign average out,
/// so a systematic shift shows here well below the per-logit bound.
pub const OLMO3_LOGITS_SUMMARY: f64 = 1e-6;

/// Each row of a step decoded on a cache repeated into a batch against the same step decoded
/// alone (f32 logits): the same weights, keys and values, only the batch shape differs.
pub const OLMO3_BATCHED_CACHE: f32 = 1e-5;

/// Each RoPE inverse frequency (f32) of the fixtures' sliding and YaRN layers, relative to
/// transformers' f32 value: both compute `1 / θ^(2i/d)` and the YaRN blend in float32, so they
/// agree to a few f32 ulps (one ulp is 1.2e-7 relative).
pub const OLMO3_INV_FREQ_RELATIVE: f32 = 1e-6;

/// The real Olmo 3 7B configuration's 64 inverse frequencies (full YaRN and sliding layers),
/// relative, in f64, against transformers' f32 values in `yarn_7b_inv_freq.json` and against
/// the values quoted in the architecture notes (which differ from transformers' by up to 4.7e-8
/// relative).
pub const OLMO3_YARN_7B_INV_FREQ_RELATIVE: f64 = 1e-6;

/// The 7B configuration's YaRN attention factor, stored in f32, against the f64 value
/// 1.2079441541679836: half an f32 ulp at 1.2 is 6e-8.
pub const OLMO3_ATTENTION_FACTOR: f64 = 1e-7;

/// RoPE applied by the model's f32 tensor path against the slow f64 `rotate_reference`, at
/// position 0; the bound grows by this much again per 1000 positions, because the f32 angle
/// `position · inv_freq` (as transformers computes it) loses absolute precision as it grows.
pub const OLMO3_ROPE_APPLICATION: f64 = 2e-5;

/// Masked (sliding-window) attention in f32 tensors against the slow f64
/// `masked_attention_reference` on small inputs of order 1: float32 softmax and weighted-sum
/// rounding only.
pub const OLMO3_MASKED_ATTENTION: f64 = 1e-5;
