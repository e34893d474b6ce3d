#!/usr/bin/env python3
"""Golden programs of the paper-mode code checkers.

For every HumanEval problem (164) and MBPP test problem (500) of the assets, builds
completions in the forms models write them (a body continuing the prompt, a fenced whole
function, a fenced function under another name, a helper defined first, two fenced
blocks, a bare function without fences) and records the sha256 of the program the
reference assembles from each with `prepare_humaneval_execution(prompt, completion,
test, entry_point)` and `prepare_mbpp_execution(completion, test_list)` of
`src/evaluation/code_execution.py` in the authors' repository (imported from a checkout
at commit f193bfa; nothing here re-implements them), and the sha256 of the program that
`check_code_correctness` of `scripts/quality_filtered_diversity.py` runs for the same
completion (the quality-filtered labels; its heavy imports, unused by that function, are
stubbed, its Hugging Face indexes are built from the same assets, and its
`execute_code_with_tests` records the program instead of running it).

    python3 tests/golden/code_programs/generate.py --ref .bench/where-diversity-collapses --assets assets \
        > tests/golden/code_programs/cases.jsonl
"""

import argparse
import gzip
import hashlib
import importlib.util
import json
import re
import sys
import types
from pathlib import Path


def load_qfd(ref: Path, humaneval: list[dict], mbpp: list[dict]):
    """`scripts/quality_filtered_diversity.py` as a module whose code checks record the
    programs they would run."""
    for name in ("numpy", "pandas", "torch", "sentence_transformers"):
        module = sys.modules.setdefault(name, types.ModuleType(name))
        module.SentenceTransformer = object
    sys.path.insert(0, str(ref))
    spec = importlib.util.spec_from_file_location("qfd_script", ref / "scripts" / "quality_filtered_diversity.py")
    qfd = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(qfd)
    # The script's `_get_humaneval_index` and `_get_mbpp_index`, from the assets rather
    # than `datasets.load_dataset` (the same fields and keys).
    id_idx, prefix_idx = {}, {}
    for row in humaneval:
        tid = int(row["task_id"].split("/")[1])
        info = {"prompt": row["prompt"], "test": row["test"], "entry_point": row["entry_point"]}
        # (`task_id` is not in the script's entry; it is read back by `program` only.)
        id_idx[tid] = info
        prefix_idx[info["prompt"][:200].strip()] = (tid, info)
    qfd._HUMANEVAL_INDEX = (id_idx, prefix_idx)
    mbpp_idx = {}
    for row in mbpp:
        text = str(row["text"])
        mbpp_idx[f'"""\n{text}\n"""'[:200].strip()] = {
            "text": text, "test_list": list(row["test_list"]), "code": row["code"], "task_id": row["task_id"],
        }
    qfd._MBPP_INDEX = mbpp_idx
    ran = []

    def record(program, timeout=10.0):
        ran.append(program)
        return True, ""

    qfd.execute_code_with_tests = record

    def program(task: str, completion: str, query: str) -> tuple[str, object]:
        """The program the check runs, and the id of the problem whose tests it used
        (the script's MBPP index keeps the last of two problems with the same text)."""
        ran.clear()
        qfd.check_code_correctness([completion], {"query": query}, task=task)
        assert len(ran) == 1, f"{task}: the check ran {len(ran)} programs"
        linked = prefix_idx[query[:200].strip()][1] if task == "humaneval" else mbpp_idx[query[:200].strip()]
        return ran[0], linked.get("task_id")

    return program


def humaneval_forms(doc: dict) -> list[tuple[str, str]]:
    prompt, body, entry = doc["prompt"], doc["canonical_solution"], doc["entry_point"]
    whole = prompt + body
    renamed = re.sub(rf"\bdef {re.escape(entry)}\b", "def solve_it", whole)
    return [
        ("body", body),
        ("fenced", f"Here is the function:\n```python\n{whole}\n```\nIt passes the examples."),
        ("renamed", f"```python\n{renamed}\n```"),
        ("helper_first", f"```python\ndef _helper(x):\n    return x\n\n{whole}\n```"),
        ("two_blocks", f"Example:\n```\nprint({entry})\n```\nSolution:\n```python\n{whole}```\n"),
        ("bare", whole),
    ]


def mbpp_forms(doc: dict) -> list[tuple[str, str]]:
    code = doc["code"]
    first = re.search(r"^def\s+(\w+)\s*\(", code, re.MULTILINE)
    renamed = re.sub(rf"\b{re.escape(first.group(1))}\b", "my_function", code) if first else code
    return [
        ("as_written", code),
        ("fenced", f"```python\n{code}\n```"),
        ("renamed", f"Try this:\n```python\n{renamed}\n```"),
        ("helper_first", f"```python\ndef _helper(x):\n    return x\n\n{code}\n```"),
        ("two_blocks", f"```\n# usage\n```\n```python \n{code}\n```"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ref", type=Path, required=True, help="checkout of the authors' repository")
    parser.add_argument("--assets", type=Path, required=True)
    args = parser.parse_args()
    sys.path.insert(0, str(args.ref / "src" / "evaluation"))
    from code_execution import prepare_humaneval_execution, prepare_mbpp_execution  # noqa: E402

    def emit(task: str, task_id, form: str, completion: str, program: str, qfd: tuple[str, object]) -> None:
        qfd_program, qfd_tests_id = qfd
        print(json.dumps({
            "task": task,
            "id": task_id,
            "form": form,
            "completion": completion,
            "program_sha256": hashlib.sha256(program.encode("utf-8")).hexdigest(),
            "qfd_program_sha256": hashlib.sha256(qfd_program.encode("utf-8")).hexdigest(),
            "qfd_tests_id": task_id if qfd_tests_id is None else qfd_tests_id,
        }, ensure_ascii=False))

    with gzip.open(args.assets / "data" / "humaneval" / "HumanEval.jsonl.gz", "rt", encoding="utf-8") as lines:
        humaneval = [json.loads(line) for line in lines]
    with gzip.open(args.assets / "data" / "mbpp" / "requests.jsonl.gz", "rt", encoding="utf-8") as lines:
        mbpp = [json.loads(line)["doc"] for line in lines]
    qfd_program = load_qfd(args.ref, humaneval, mbpp)
    for doc in humaneval:
        for form, completion in humaneval_forms(doc):
            program = prepare_humaneval_execution(doc["prompt"], completion, doc["test"], doc["entry_point"])
            qfd = qfd_program("humaneval", completion, doc["prompt"])
            emit("humaneval", doc["task_id"], form, completion, program, qfd)
    for doc in mbpp:
        query = f'"""\n{doc["text"]}\n"""'
        for form, completion in mbpp_forms(doc):
            program = prepare_mbpp_execution(completion, doc["test_list"])
            emit("mbpp", doc["task_id"], form, completion, program, qfd_program("mbpp", completion, query))
    return 0


if __name__ == "__main__":
    sys.exit(main())
