#!/usr/bin/env python3
"""Golden values of Spearman's rank correlation (`scipy.stats.spearmanr`) and the average
ranks behind it (`scipy.stats.rankdata(method="average")`).

Cases: seeded random data of several sizes, with and without ties, constant inputs, and
pairs with NaN under `nan_policy="omit"`.

    python3 tests/golden/correlation/generate.py > tests/golden/correlation/cases.json
"""

import json
import math
import sys

import numpy as np
import scipy
from scipy import stats


def case(name, x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    rho = stats.spearmanr(x, y, nan_policy="omit").statistic
    keep = ~(np.isnan(x) | np.isnan(y))
    return {
        "name": name,
        "x": [None if math.isnan(v) else v for v in x.tolist()],
        "y": [None if math.isnan(v) else v for v in y.tolist()],
        "ranks_x": stats.rankdata(x[keep], method="average").tolist(),
        "spearman": None if math.isnan(rho) else float(rho),
    }


def main() -> int:
    rng = np.random.default_rng(20261207)
    cases = []
    for n in (3, 7, 15, 50, 500):
        x = rng.normal(size=n)
        cases.append(case(f"normal_{n}", x, 0.5 * x + rng.normal(size=n)))
        # Ties: values rounded to a few levels.
        cases.append(case(f"ties_{n}", rng.integers(0, 4, size=n), rng.integers(0, 3, size=n)))
    cases.append(case("perfect", [1, 2, 3, 4], [2, 4, 8, 16]))
    cases.append(case("reversed", [1, 2, 3, 4], [9, 7, 5, 3]))
    cases.append(case("constant", [1, 1, 1, 1], [1, 2, 3, 4]))
    x = rng.normal(size=20)
    y = x + rng.normal(size=20)
    x[[2, 9]] = np.nan
    y[[5]] = np.nan
    cases.append(case("nan_omitted", x, y))
    json.dump({"numpy_version": np.__version__, "scipy_version": scipy.__version__, "cases": cases}, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
