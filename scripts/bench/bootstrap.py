#!/usr/bin/env python3
"""Benchmark: a 95% bootstrap interval of a paired mean difference, 10,000 resamples over
500 prompts, ours against scipy.stats.bootstrap, on the same data and machine, in one run.

The data are per-prompt diversity values of two checkpoints (a base and a post-trained
one, correlated as paired prompts are), drawn with a fixed seed. scipy gets its fastest
form: a vectorised statistic, `paired=True`. Both sides compute the percentile and the
BCa interval; the two sides alternate over `--rounds`, each side reporting the median of
`--repeats`. Both sides run on one thread (numpy does, for this work; ours with
RAYON_NUM_THREADS=1), and ours is also timed on every core.

Run from the repository root with the reference environment (scripts/bench/setup-reference):

    .bench/venv/bin/python scripts/bench/bootstrap.py

Appends rows to analysis/benchmarks/results.csv.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, build_bench, cargo_bench, machine, report  # noqa: E402


def scipy_pass(x, y, resamples: int, method: str):
    import numpy as np
    from scipy import stats

    start = time.perf_counter()
    result = stats.bootstrap((x, y), lambda a, b, axis=-1: np.mean(a - b, axis=axis), paired=True,
                             vectorized=True, n_resamples=resamples, confidence_level=0.95,
                             method=method, rng=np.random.default_rng(0))
    return time.perf_counter() - start, result.confidence_interval


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompts", type=int, default=500)
    parser.add_argument("--resamples", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    import numpy as np
    import scipy

    rng = np.random.default_rng(2026)
    level = rng.beta(4.0, 3.0, args.prompts)
    x = np.clip(level + rng.normal(0.0, 0.05, args.prompts), 0, 1)
    y = np.clip(0.8 * level + rng.normal(0.0, 0.05, args.prompts), 0, 1)
    build_bench("bootstrap")
    methods = {"percentile": "percentile", "bca": "BCa"}
    ours = {m: [] for m in methods}
    ours_all_cores = {m: [] for m in methods}
    reference = {m: [] for m in methods}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.json"
        data.write_text(json.dumps({"x": x.tolist(), "y": y.tolist()}))
        bench_args = ["--data", str(data), "--resamples", str(args.resamples), "--repeats", str(args.repeats)]
        for round_ in range(args.rounds):
            os.environ["RAYON_NUM_THREADS"] = "1"
            one = cargo_bench("bootstrap", bench_args)
            del os.environ["RAYON_NUM_THREADS"]
            every = cargo_bench("bootstrap", bench_args)
            for ours_name, scipy_name in methods.items():
                passes = [scipy_pass(x, y, args.resamples, scipy_name) for _ in range(args.repeats)]
                reference[ours_name].append(statistics.median(p[0] for p in passes))
                ours[ours_name].append(one[ours_name]["seconds"])
                ours_all_cores[ours_name].append(every[ours_name]["seconds"])
                interval = passes[-1][1]
                print(f"round {round_ + 1} {ours_name}: ours {one[ours_name]['seconds']:.4f} s "
                      f"[{one[ours_name]['low']:.5f}, {one[ours_name]['high']:.5f}], scipy {reference[ours_name][-1]:.4f} s "
                      f"[{interval.low:.5f}, {interval.high:.5f}]", flush=True)
    text = machine(f"numpy {np.__version__}, scipy {scipy.__version__}")
    for name in methods:
        size = f"{args.resamples}x{args.prompts}"
        report(f"bootstrap_{name}_paired_mean_{size}", ours[name], reference[name], text + ", 1 thread each",
               args.results)
        report(f"bootstrap_{name}_paired_mean_{size}_all_cores", ours_all_cores[name], reference[name],
               text + f", ours on {os.cpu_count()} threads", args.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
