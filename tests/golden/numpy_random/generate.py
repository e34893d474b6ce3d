"""Reference values of numpy's legacy global RNG (np.random.seed / np.random.choice).

Writes choice.json next to this script. Regenerate from the repository root with:

    /work/venv-ref/bin/python tests/golden/numpy_random/generate.py

Only numpy is needed (pinned in ../requirements-ref.txt: numpy==2.4.6).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def main() -> None:
    # Case 1: the two draws, in one stream, that follow np.random.seed(1234).
    np.random.seed(1234)
    first = np.random.choice(list(range(2400)), replace=False, size=500).tolist()
    second = np.random.choice(list(range(600)), replace=False, size=500).tolist()

    # Diagnostics for case 1: choice(replace=False) on a population of size M is
    # permutation(M)[:size]; record the whole permutation behind the first draw.
    np.random.seed(1234)
    perm_2400 = np.random.permutation(2400).tolist()
    assert perm_2400[:500] == first

    # Case 2: an independent stream, seed 7.
    np.random.seed(7)
    seed7_first = np.random.choice(list(range(10)), replace=False, size=10).tolist()
    seed7_second = np.random.choice(list(range(1000)), replace=False, size=3).tolist()

    # First 10 raw 32-bit MT19937 outputs after legacy seeding with 1234
    # (the same seeding as np.random.seed(1234) / RandomState(1234)).
    bg = np.random.MT19937()
    bg._legacy_seeding(1234)
    raw = [int(x) for x in bg.random_raw(10)]
    # Cross-check: for this generator, randint(0, 2**32, dtype=uint32) returns the
    # raw words unchanged.
    rs = np.random.RandomState(1234)
    assert raw == [int(x) for x in rs.randint(0, 2**32, size=10, dtype=np.uint32)]

    payload = {
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "cases": [
            {
                "seed": 1234,
                "calls": [
                    {"population": 2400, "size": 500, "replace": False, "indices": first},
                    {"population": 600, "size": 500, "replace": False, "indices": second},
                ],
                "permutation_2400": perm_2400,
            },
            {
                "seed": 7,
                "calls": [
                    {"population": 10, "size": 10, "replace": False, "indices": seed7_first},
                    {"population": 1000, "size": 3, "replace": False, "indices": seed7_second},
                ],
            },
        ],
        "mt19937_raw": {"seed": 1234, "u32": raw},
    }
    with (HERE / "choice.json").open("w", encoding="utf-8") as handle:
        json.dump(payload, handle)
        handle.write("\n")


if __name__ == "__main__":
    main()
