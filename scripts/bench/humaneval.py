#!/usr/bin/env python3
"""Benchmark: correctness of 164 x 16 HumanEval programs, our sandbox against the
reference harness, on the same programs and machine, in one run.

The 16 outputs of each problem are built from its canonical solution, in the forms models
produce and with the failures they make (fixed seed, same for both sides):

- 7 direct continuations of the prompt (the body only), as base models write;
- 3 whole functions in a ```python block, as instruct models write;
- 2 whole functions under another name in a block (the harness renames them);
- 2 wrong bodies (`return None`), 1 that raises, 1 with a syntax error.

Ours: `divcollapse correctness --task humaneval` (release), timed end to end, with
`--workers 1` and with one worker per core. Reference: the authors' loop of
scripts/compute_code_quality.py, `_strip_cot`, `prepare_humaneval_execution` then
`execute_code_with_tests` for every output, one program at a time. The reference runs
each program with the interpreter that runs this script (`sys.executable`); run it with
the interpreter the sandbox uses (`/usr/bin/python3`) so that both sides start the same
Python. Both use the same
timeout (10 s; no program here comes near it). The labels of the two sides are compared.

Run from the repository root with the reference environment:

    scripts/bench/setup-reference
    .bench/venv/bin/python scripts/bench/humaneval.py --reference-src .bench/where-diversity-collapses

Appends rows to analysis/benchmarks/results.csv.
"""

import argparse
import ast
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, RESULTS, ensure_binary, machine, report  # noqa: E402


def problems(assets: Path) -> list[dict]:
    with gzip.open(assets / "data/humaneval/HumanEval.jsonl.gz", "rt") as handle:
        return [json.loads(line) for line in handle]


def outputs_for(problem: dict, rng: random.Random) -> list[str]:
    prompt, body, entry = problem["prompt"], problem["canonical_solution"], problem["entry_point"]
    whole = f"{prompt}{body}"
    forms = (
        [body] * 7
        + [f"Here is the function:\n\n```python\n{whole}```\n"] * 3
        + [f"```python\n{whole.replace(f'def {entry}(', f'def solution_{entry}(')}```"] * 2
        + ["    return None\n"] * 2
        + ["    raise ValueError('not implemented')\n", body + "\n    )(\n"]
    )
    rng.shuffle(forms)
    return forms


def reference_function(path: Path, name: str):
    """One function of a reference module, compiled from its own source without importing
    the module (`lighteval_diversity_metrics.py` imports torch at the top; `_strip_cot`
    uses only `str`)."""
    tree = ast.parse(path.read_text())
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    namespace: dict = {}
    exec(compile(ast.Module(body=[node], type_ignores=[]), str(path), "exec"), namespace)
    return namespace[name]


def reference_labels(reference_src: Path, records: list[dict], by_prompt: dict, timeout: float) -> list[list[bool]]:
    sys.path.insert(0, str(reference_src / "src"))
    from evaluation.code_execution import execute_code_with_tests, prepare_humaneval_execution

    # compute_code_quality.py passes every output through `_strip_cot` first.
    strip_cot = reference_function(reference_src / "src/evaluation/lighteval_diversity_metrics.py", "_strip_cot")
    labels = []
    for record in records:
        problem = by_prompt[record["prompt"]]
        row = []
        for completion in map(strip_cot, record["outputs"]):
            code = prepare_humaneval_execution(prompt=problem["prompt"], completion=completion,
                                               test_code=problem["test"], entry_point=problem["entry_point"])
            passed, _ = execute_code_with_tests(code, timeout=timeout)
            row.append(passed)
        labels.append(row)
    return labels


def ours_labels(binary: Path, generations: Path, out: Path, workers: int, timeout: int) -> list[list[bool]]:
    out.unlink(missing_ok=True)
    subprocess.run([str(binary), "correctness", "--task", "humaneval", "--generations", str(generations),
                    "--workers", str(workers), "--timeout", str(timeout), "--out", str(out)],
                   check=True, capture_output=True, text=True)
    by_id = {}
    for line in out.read_text().splitlines():
        record = json.loads(line)
        by_id[record["input_id"]] = record["labels"]
    return by_id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference-src", type=Path, required=True, help="checkout of the authors' repository")
    parser.add_argument("--assets", type=Path, default=Path(os.environ.get("DIVCOLLAPSE_ASSETS", REPO / "assets")))
    parser.add_argument("--ours", type=Path, default=REPO / "target/release/divcollapse")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=10)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    ensure_binary(args.ours)

    docs = problems(args.assets)
    rng = random.Random(2026)
    records = [{"input_id": doc["task_id"], "task": "humaneval", "prompt": doc["prompt"],
                "outputs": outputs_for(doc, rng)} for doc in docs]
    by_prompt = {doc["prompt"]: doc for doc in docs}
    n_programs = sum(len(r["outputs"]) for r in records)
    cores = os.cpu_count() or 1
    times = {"ours_1": [], "ours_all": [], "reference": []}
    with tempfile.TemporaryDirectory() as tmp:
        generations = Path(tmp) / "humaneval.jsonl"
        generations.write_text("".join(json.dumps(r) + "\n" for r in records))
        labels_path = Path(tmp) / "labels.jsonl"
        for round_ in range(args.rounds):
            for side in times:
                start = time.perf_counter()
                if side == "reference":
                    reference = reference_labels(args.reference_src, records, by_prompt, float(args.timeout))
                else:
                    workers = 1 if side == "ours_1" else cores
                    ours = ours_labels(args.ours, generations, labels_path, workers, args.timeout)
                times[side].append(time.perf_counter() - start)
            print(f"round {round_ + 1}: " + ", ".join(f"{s} {t[-1]:.1f} s" for s, t in times.items()), flush=True)
    differences = [(r["input_id"], i) for r, ref in zip(records, reference)
                   for i, (a, b) in enumerate(zip(ours[r["input_id"]], ref)) if a != b]
    passed = sum(sum(row) for row in reference)
    note = f"{passed}/{n_programs} pass in the reference, {len(differences)} label differences"
    print(note, differences[:10], flush=True)
    text = machine(f"python {sys.version.split()[0]}")
    report(f"humaneval_sandbox_{len(records)}x16_1_worker", times["ours_1"], times["reference"],
           text + ", reference sequential as the authors run it", args.results, note)
    report(f"humaneval_sandbox_{len(records)}x16_{cores}_workers", times["ours_all"], times["reference"],
           text + ", reference sequential as the authors run it", args.results, note)
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
