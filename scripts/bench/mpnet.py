#!/usr/bin/env python3
"""Benchmark: all-mpnet-base-v2 embeddings of 2,000 texts, ours (CPU) against
sentence-transformers (PyTorch CPU), on the same machine, in one run.

Both sides are timed end to end as a user runs them: load the model, encode, return
normalised embeddings. The two sides alternate (`--rounds`, default 2) and the medians
are reported with their ratio. The script also checks that both produce the same vectors.

Run from the repository root with a Python that has sentence-transformers (the pinned
reference environment, tests/golden/requirements-ref.txt):

    cargo build --release --bin divcollapse
    .bench/venv/bin/python scripts/bench/mpnet.py

Appends a row to analysis/benchmarks/results.csv.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, RESULTS, machine, real_texts, report  # noqa: E402


def texts(assets: Path, count: int) -> list[str]:
    """The first `count` real texts (XSum summaries, TruthfulQA answers, GSM8K answers)."""
    return real_texts(assets)[:count]


def run_ours(binary: str, encoder: Path, path: Path) -> tuple[float, list]:
    start = time.perf_counter()
    result = subprocess.run(
        [binary, "embed", "--encoder", str(encoder), "--input", str(path), "--format", "json", "--batch-size", "32"],
        check=True, capture_output=True,
    )
    elapsed = time.perf_counter() - start
    return elapsed, json.loads(result.stdout)["embeddings"]


def run_reference(encoder: Path, items: list[str]) -> tuple[float, list]:
    from sentence_transformers import SentenceTransformer

    start = time.perf_counter()
    model = SentenceTransformer(str(encoder), device="cpu")
    vectors = model.encode(items, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    return time.perf_counter() - start, vectors.tolist()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ours", default=str(REPO / "target/release/divcollapse"), help="the divcollapse binary")
    parser.add_argument("--assets", type=Path, default=Path(os.environ.get("DIVCOLLAPSE_ASSETS", REPO / "assets")))
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    import torch

    encoder = args.assets / "models/all-mpnet-base-v2"
    items = texts(args.assets, args.count)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "texts.jsonl"
        path.write_text("".join(json.dumps({"text": t}) + "\n" for t in items))
        ours, reference = [], []
        for round_ in range(args.rounds):
            seconds, ours_vectors = run_ours(args.ours, encoder, path)
            ours.append(seconds)
            seconds, reference_vectors = run_reference(encoder, items)
            reference.append(seconds)
            print(f"round {round_ + 1}: ours {ours[-1]:.1f} s, sentence-transformers {reference[-1]:.1f} s", flush=True)
    worst = max(abs(a - b) for u, v in zip(ours_vectors, reference_vectors) for a, b in zip(u, v))
    ours_median, reference_median = statistics.median(ours), statistics.median(reference)
    print(f"{len(items)} texts: ours {len(items) / ours_median:.1f}/s, "
          f"sentence-transformers {len(items) / reference_median:.1f}/s")
    report(f"mpnet_embed_{len(items)}_texts", ours, reference,
           machine(f"torch {torch.__version__} ({torch.get_num_threads()} threads)"), args.results,
           f"max |difference| {worst:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
