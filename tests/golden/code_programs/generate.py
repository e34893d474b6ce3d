#!/usr/bin/env python3
"""Golden programs of the paper-mode code checkers.

For every HumanEval problem (164) and MBPP test problem (500) of the assets, builds
completions in the forms models write them (a body continuing the prompt, a fenced whole
function, a fenced function under another name, a helper defined first, two fenced
blocks, a bare function without fences) and records the sha256 of the program the
reference assembles from each with `prepare_humaneval_execution(prompt, completion,
test, entry_point)` and `prepare_mbpp_execution(completion, test_list)` of
`src/evaluation/code_execution.py` in the authors' repository (imported from a checkout
at commit f193bfa; nothing here re-implements them).

    python3 tests/golden/code_programs/generate.py --ref .bench/where-diversity-collapses --assets assets \
        > tests/golden/code_programs/cases.jsonl
"""

import argparse
import gzip
import hashlib
import json
import re
import sys
from pathlib import Path


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

    def emit(task: str, task_id, form: str, completion: str, program: str) -> None:
        print(json.dumps({
            "task": task,
            "id": task_id,
            "form": form,
            "completion": completion,
            "program_sha256": hashlib.sha256(program.encode("utf-8")).hexdigest(),
        }, ensure_ascii=False))

    with gzip.open(args.assets / "data" / "humaneval" / "HumanEval.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)
            for form, completion in humaneval_forms(doc):
                program = prepare_humaneval_execution(doc["prompt"], completion, doc["test"], doc["entry_point"])
                emit("humaneval", doc["task_id"], form, completion, program)
    with gzip.open(args.assets / "data" / "mbpp" / "requests.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            doc = json.loads(line)["doc"]
            for form, completion in mbpp_forms(doc):
                emit("mbpp", doc["task_id"], form, completion, prepare_mbpp_execution(completion, doc["test_list"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
