#!/usr/bin/env python3
"""Generate bootstrap_cases.json: reference values from scipy.stats.bootstrap.

Run from the repository root:

    /work/venv-ref/bin/python tests/golden/bootstrap/generate.py

Every case has fixed data drawn with numpy's default_rng(DATA_SEED) and two
scipy.stats.bootstrap calls (method='percentile' and method='BCa') that share
the same resampling seed, so both use the same bootstrap distribution.

The BCa jackknife quantities (leave-one-out statistic values and the
acceleration a_hat) are computed here directly and checked against the value
scipy's own `_bca_interval` returns for the same data and statistic.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import scipy
from scipy import stats
from scipy.special import ndtr, ndtri
from scipy.stats import _resampling

HERE = Path(__file__).resolve().parent
OUT = HERE / "bootstrap_cases.json"

DATA_SEED = 20250611
BOOT_SEED_BASE = 7000
N_RESAMPLES = 200_000
CONFIDENCE_LEVEL = 0.95


# --- statistics on 1-D samples (called by scipy with vectorized=False) ------

def stat_mean(x):
    return np.mean(x)


def stat_paired_difference(x, y):
    return np.mean(x - y)


def stat_ratio_of_means(x, y):
    return np.mean(x) / np.mean(y)


def stat_share(a, b, c, d):
    return np.mean(c - d) / np.mean(a - b)


# --- fixed data --------------------------------------------------------------

def make_cases():
    rng = np.random.default_rng(DATA_SEED)
    cases = []

    x = rng.exponential(scale=1.0, size=30)
    cases.append(("mean_exponential", "mean", stat_mean, [x], False))

    x = rng.normal(0.4, 0.1, size=200)
    cases.append(("mean_normal", "mean", stat_mean, [x], False))

    x = (rng.random(100) < 0.37).astype(np.float64)
    cases.append(("mean_binary", "mean", stat_mean, [x], False))

    x = rng.normal(0.5, 0.2, size=50)
    y = 0.8 * x + rng.normal(0.0, 0.05, size=50)
    cases.append(("paired_difference", "paired_difference",
                  stat_paired_difference, [x, y], True))

    x = rng.gamma(shape=4.0, scale=0.5, size=40)              # mean ~2.0
    y = 0.6 * x + rng.gamma(shape=3.0, scale=0.3, size=40)    # mean ~2.1
    cases.append(("paired_ratio_of_means", "ratio_of_means",
                  stat_ratio_of_means, [x, y], True))

    # four paired samples in (0, 1): a > b and c > d on average
    level = rng.beta(5.0, 5.0, size=60)            # shared per-item level
    a = np.clip(0.5 * level + 0.5 * rng.beta(7.0, 3.0, size=60), 1e-6, 1 - 1e-6)
    b = np.clip(0.5 * level + 0.5 * rng.beta(3.0, 7.0, size=60), 1e-6, 1 - 1e-6)
    c = np.clip(0.5 * level + 0.5 * rng.beta(6.0, 4.0, size=60), 1e-6, 1 - 1e-6)
    d = np.clip(0.5 * level + 0.5 * rng.beta(4.5, 5.5, size=60), 1e-6, 1 - 1e-6)
    cases.append(("paired_share", "share", stat_share, [a, b, c, d], True))
    return cases


# --- jackknife / acceleration, following scipy's _bca_interval ---------------

def jackknife_values(fn, samples):
    """Leave-one-out statistic over the (paired) observation index."""
    n = len(samples[0])
    idx = np.arange(n)
    out = np.empty(n)
    for i in range(n):
        keep = np.delete(idx, i)
        out[i] = fn(*[s[keep] for s in samples])
    return out


def acceleration(theta_i):
    """a_hat with scipy's operation order (one resampled sample)."""
    n = float(theta_i.shape[-1])
    theta_dot = np.mean(theta_i, axis=-1, keepdims=True)
    u = (n - 1) * (theta_dot - theta_i)
    num = np.sum(u**3, axis=-1) / n**3
    den = np.sum(u**2, axis=-1) / n**2
    return float((1 / 6 * num / den**(3 / 2))[()])


def acceleration_plain(theta_i):
    """Algebraically identical textbook form, used as a cross-check."""
    dev = np.mean(theta_i) - theta_i
    return float(np.sum(dev**3) / (6.0 * np.sum(dev**2) ** 1.5))


def scipy_bca_internals(fn, samples, paired, theta_hat_b):
    """Call scipy's own _bca_interval to get (alpha_1, alpha_2, a_hat)."""
    alpha = (1 - CONFIDENCE_LEVEL) / 2
    iv = _resampling._bootstrap_iv(
        samples, fn, False, paired, 0, CONFIDENCE_LEVEL, "two-sided",
        N_RESAMPLES, None, "BCa", None, None)
    data, statistic = iv[0], iv[1]
    a1, a2, a_hat = _resampling._bca_interval(
        data, statistic, axis=-1, alpha=alpha, theta_hat_b=theta_hat_b,
        batch=None, xp=np)
    return float(a1), float(a2), float(np.asarray(a_hat)[()])


def run_case(k, name, stat_name, fn, samples, paired):
    seed = BOOT_SEED_BASE + k
    results = {}
    dists = {}
    for method in ("percentile", "BCa"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            res = stats.bootstrap(
                tuple(samples), fn, n_resamples=N_RESAMPLES,
                confidence_level=CONFIDENCE_LEVEL, method=method,
                vectorized=False, paired=paired,
                rng=np.random.default_rng(seed))
        results[method] = {
            "low": float(res.confidence_interval.low),
            "high": float(res.confidence_interval.high),
            "standard_error": float(res.standard_error),
        }
        dists[method] = res.bootstrap_distribution
    # same seed => same bootstrap distribution for both methods
    assert np.array_equal(dists["percentile"], dists["BCa"])
    theta_hat_b = dists["BCa"]

    point = float(fn(*samples))
    jk = jackknife_values(fn, samples)
    a_hat = acceleration(jk)
    a1, a2, a_scipy = scipy_bca_internals(fn, samples, paired, theta_hat_b)
    assert a_hat == a_scipy, (name, a_hat, a_scipy)
    assert abs(acceleration_plain(jk) - a_hat) <= 1e-12 * max(1.0, abs(a_hat))

    # z0 and the adjusted levels, as scipy computes them
    B = theta_hat_b.shape[-1]
    frac = (np.count_nonzero(theta_hat_b < point)
            + np.count_nonzero(theta_hat_b <= point)) / (2 * B)
    z0 = float(ndtri(frac))
    z_alpha = float(ndtri((1 - CONFIDENCE_LEVEL) / 2))
    n1 = z0 + z_alpha
    n2 = z0 - z_alpha
    alpha_1 = float(ndtr(z0 + n1 / (1 - a_hat * n1)))
    alpha_2 = float(ndtr(z0 + n2 / (1 - a_hat * n2)))
    assert alpha_1 == a1 and alpha_2 == a2, (name, alpha_1, a1, alpha_2, a2)
    ci = stats.quantile(theta_hat_b, np.array([alpha_1, alpha_2]))
    assert float(ci[0]) == results["BCa"]["low"]
    assert float(ci[1]) == results["BCa"]["high"]

    return {
        "name": name,
        "statistic": stat_name,
        "paired": paired,
        "samples": [[float(v) for v in s] for s in samples],
        "point_estimate": point,
        "n_resamples": N_RESAMPLES,
        "confidence_level": CONFIDENCE_LEVEL,
        "bootstrap_seed": seed,
        "percentile": results["percentile"],
        "bca": results["BCa"],
        "bca_acceleration": a_hat,
        "bca_z0": z0,
        "bca_levels": [alpha_1, alpha_2],
        "jackknife_values": [float(v) for v in jk],
    }


def main():
    cases = make_cases()
    out = {
        "description": (
            "scipy.stats.bootstrap reference intervals (percentile and BCa) "
            "plus BCa jackknife quantities; see README.md"),
        "numpy_version": np.__version__,
        "scipy_version": scipy.__version__,
        "data_seed": DATA_SEED,
        "cases": [],
    }
    for k, (name, stat_name, fn, samples, paired) in enumerate(cases):
        rec = run_case(k, name, stat_name, fn, samples, paired)
        out["cases"].append(rec)
        print(f"{name:24s} est={rec['point_estimate']:.6f} "
              f"pct=[{rec['percentile']['low']:.6f}, {rec['percentile']['high']:.6f}] "
              f"bca=[{rec['bca']['low']:.6f}, {rec['bca']['high']:.6f}] "
              f"se={rec['bca']['standard_error']:.6f} "
              f"a={rec['bca_acceleration']:.6g}", flush=True)
    with OUT.open("w") as f:
        json.dump(out, f, indent=1, allow_nan=False)
        f.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
