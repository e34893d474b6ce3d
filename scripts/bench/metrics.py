#!/usr/bin/env python3
"""Benchmark: EAD, SBERT diversity and the Vendi score over 500 prompts x 16 outputs with
given embeddings, ours against the reference implementation, on the same machine, in
one run.

The texts are real (XSum summaries, TruthfulQA answers and GSM8K answers from the
assets, drawn with a fixed seed, some repeated within a prompt as sampled outputs are);
the embeddings are fixed random unit vectors (the metrics' cost does not depend on
their values). The reference side calls the authors' functions from a checkout of
their repository (`--reference-src`, github.com/ckarouzos/where-diversity-collapses):
`EADDiversityCalculator(...).per_input`,
`SentenceBERTDiversityCalculator._pairwise_diversity` and `._vendi_score` on each
prompt's torch tensor. Each side reports the median of `--repeats` passes; the sides
alternate over `--rounds`. The per-prompt values of both sides are compared.

Run from the repository root with the reference environment (scripts/bench/setup-reference):

    .bench/venv/bin/python scripts/bench/metrics.py --reference-src .bench/where-diversity-collapses

Appends one row per metric to analysis/benchmarks/results.csv.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, RESULTS, build_bench, cargo_bench, machine, real_texts, report  # noqa: E402


def make_prompts(assets: Path, n: int, k: int) -> list[list[str]]:
    pool = real_texts(assets)
    rng = random.Random(0)
    prompts = []
    for _ in range(n):
        distinct = rng.sample(pool, rng.randint(k // 2, k))
        prompts.append([distinct[i % len(distinct)] for i in range(k)])
    return prompts


def reference_pass(ead_calculator, sbert_class, prompts, tensors):
    import torch  # noqa: F401

    timings = {}
    start = time.perf_counter()
    ead = ead_calculator.per_input(prompts)
    timings["ead"] = time.perf_counter() - start
    start = time.perf_counter()
    sbert = [sbert_class._pairwise_diversity(t) for t in tensors]
    timings["sbert"] = time.perf_counter() - start
    start = time.perf_counter()
    vendi = [sbert_class._vendi_score(t) for t in tensors]
    timings["vendi"] = time.perf_counter() - start
    return timings, {"ead": ead, "sbert": sbert, "vendi": vendi}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference-src", type=Path, required=True, help="checkout of the authors' repository")
    parser.add_argument("--assets", type=Path, default=Path(os.environ.get("DIVCOLLAPSE_ASSETS", REPO / "assets")))
    parser.add_argument("--prompts", type=int, default=500)
    parser.add_argument("--k", type=int, default=16)
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    sys.path.insert(0, str(args.reference_src / "src"))
    sys.path.insert(0, str(args.reference_src / "src" / "evaluation"))
    import numpy as np
    import torch
    from lighteval_diversity_metrics import EADDiversityCalculator, SentenceBERTDiversityCalculator

    prompts = make_prompts(args.assets, args.prompts, args.k)
    rng = np.random.default_rng(0)
    flat = rng.standard_normal((args.prompts * args.k, args.dim)).astype(np.float32)
    flat /= np.linalg.norm(flat, axis=1, keepdims=True)
    tensors = [torch.from_numpy(flat[i * args.k:(i + 1) * args.k]) for i in range(args.prompts)]
    ead_calculator = EADDiversityCalculator((1, 2, 3, 4, 5), vocab_size=50257)

    build_bench("metrics")
    metrics = ("ead", "sbert", "vendi", "sbert_and_vendi")
    ours_times = {m: [] for m in metrics}
    reference_times = {m: [] for m in metrics}
    with tempfile.TemporaryDirectory() as tmp:
        texts_path, embeddings_path = Path(tmp) / "texts.json", Path(tmp) / "embeddings.f32"
        texts_path.write_text(json.dumps(prompts))
        flat.astype("<f4").tofile(embeddings_path)
        for round_ in range(args.rounds):
            ours = cargo_bench("metrics", ["--texts", str(texts_path), "--embeddings", str(embeddings_path),
                                           "--dim", str(args.dim), "--repeats", str(args.repeats)])
            passes = [reference_pass(ead_calculator, SentenceBERTDiversityCalculator, prompts, tensors)
                      for _ in range(args.repeats)]
            for metric in ours_times:
                ours_times[metric].append(ours["seconds"][metric])
                if metric == "sbert_and_vendi":
                    # The reference computes the Gram matrix separately for each metric.
                    reference_times[metric].append(statistics.median(p[0]["sbert"] + p[0]["vendi"] for p in passes))
                else:
                    reference_times[metric].append(statistics.median(p[0][metric] for p in passes))
            print(f"round {round_ + 1}: " + ", ".join(
                f"{m} ours {ours_times[m][-1]:.4f} s / reference {reference_times[m][-1]:.4f} s" for m in ours_times),
                flush=True)
    reference_values = passes[-1][1]
    text = machine(f"torch {torch.__version__} ({torch.get_num_threads()} threads)")
    for metric in ours_times:
        pairs = [] if metric == "sbert_and_vendi" else list(zip(ours["values"][metric], reference_values[metric]))
        worst = max((abs(a - b) for a, b in pairs), default=0.0)
        report(f"{metric}_per_input_{args.prompts}x{args.k}", ours_times[metric], reference_times[metric], text,
               args.results, f"max |difference| {worst:.2e}" if pairs else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
