"""Reference values of CPython's `random.Random` for the Rust port (src/pycompat/random.rs).

Includes `gauss` (with its cached second deviate) interleaved with `choice`, as langdetect
draws them (`gauss_choice`).

Regenerate (standard library only; the values depend on the CPython version's
algorithms, which have been stable since 3.2 for these calls; made with CPython 3.11):

    python3 tests/golden/pyrandom/make_pyrandom.py > tests/golden/pyrandom/pyrandom.json
"""

import json
import random
import sys

cases = []
for seed in [0, 1, 42, 1234, 2**32 + 7, 2**40 + 5, -7, 2**63 - 1]:
    rng = random.Random(seed)
    case = {"seed": seed}
    case["u32"] = [rng.getrandbits(32) for _ in range(8)]
    case["bits"] = [[k, rng.getrandbits(k)] for k in (1, 5, 31, 33, 48, 64)]
    case["random"] = [rng.random() for _ in range(4)]
    case["randbelow"] = [[n, rng._randbelow(n)] for n in (1, 2, 3, 1000, 2**33 + 1, 2**40)]
    shuffles = []
    for n in (0, 1, 2, 10, 500, 1319):
        items = list(range(n))
        rng.shuffle(items)
        shuffles.append(items)
    case["shuffles"] = shuffles
    # The NLI pattern: one instance, many sample(range(m), size) calls in a row.
    samples = []
    for m, k in [(4, 3), (10, 3), (5, 3), (100, 3), (3, 3), (25, 3), (22, 3), (30, 6), (1000, 50), (50, 0), (7, 7)]:
        samples.append([m, k, rng.sample(range(m), k)])
    case["samples"] = samples
    cases.append(case)

# gauss (with its cached second deviate) interleaved with choice, as langdetect draws them:
# one gauss per trial, then many choice calls; and plain gauss runs with other mu, sigma.
gauss_choice = []
for seed in [0, 1, 42, 2**40 + 5]:
    rng = random.Random(seed)
    draws = []
    for trial in range(7):
        draws.append(["gauss", 0.0, 1.0, rng.gauss(0.0, 1.0)])
        for n in (1, 2, 7, 100, 1000, 12345)[: 1 + trial % 6]:
            draws.append(["choice", n, rng.choice(range(n))])
    for mu, sigma in [(0.0, 1.0), (3.5, 0.25), (-1.0, 2.0), (0.0, 1.0), (0.0, 1.0)]:
        draws.append(["gauss", mu, sigma, rng.gauss(mu, sigma)])
    gauss_choice.append({"seed": seed, "draws": draws})

json.dump({"python": sys.version.split()[0], "cases": cases, "gauss_choice": gauss_choice}, sys.stdout)
