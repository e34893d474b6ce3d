"""A small lighteval-style details parquet file plus the CoT-stripped outputs.

Writes, next to this script:
    details_gsm8k_diversity|0_2025-01-01T00-00-00.parquet
        5 rows; struct column `doc` {query: string, choices: list<string>,
        gold_index: int64, id: string} and struct column `model_response`
        {text: list<string>} holding K = 3 raw outputs per row.
    expected.json
        per row, in file order: id, query, choices, raw_outputs (the stored
        model_response.text) and outputs = the reference `_strip_cot` of each raw output.

Regenerate from the repository root with:

    /work/venv-ref/bin/python tests/golden/lighteval_details/generate.py

Needs pyarrow (pinned in ../requirements-ref.txt). The reference `_strip_cot` is
imported (not copied) from the checkout named by the environment variable
REFERENCE_SRC (default /work/ref-src):
``$REFERENCE_SRC/src/evaluation/lighteval_diversity_metrics.py``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
REFERENCE_SRC = Path(os.environ.get("REFERENCE_SRC", "/work/ref-src"))
PARQUET_NAME = "details_gsm8k_diversity|0_2025-01-01T00-00-00.parquet"

ROWS = [
    {
        # Full <think>...</think> spans before the answer.
        "id": "0",
        "query": "Question: Tom has 3 apples and buys 4 more. How many apples does he have?\nAnswer:",
        "choices": [" 7"],
        "gold_index": 0,
        "text": [
            "<think>3 + 4 = 7.</think>\nTom has 7 apples.\n#### 7",
            "<think>\nStart with 3.\nAdd 4.\n</think>\n\nThe answer is 7.",
            "<think>a</think>He has <think>double check: 7</think>7 apples.",
        ],
    },
    {
        # Only a closing </think>: the opening tag was in the prompt.
        "id": "1",
        "query": "Question: A box holds 6 eggs. How many eggs are in 3 boxes?\nAnswer: <think>",
        "choices": [" 18"],
        "gold_index": 0,
        "text": [
            "6 * 3 = 18 eggs in total.\n</think>\n\nThere are 18 eggs.\n#### 18",
            "Three boxes of six.</think>18",
            "  </think>  Eighteen eggs (18).  ",
        ],
    },
    {
        # No tags at all (non-thinking model).
        "id": "2",
        "query": "Question: What is 10 - 4?\nAnswer:",
        "choices": [" 6"],
        "gold_index": 0,
        "text": [
            "10 - 4 = 6\n#### 6",
            "  The answer is 6.  ",
            "Six. Café-style answer: 6 ✓",
        ],
    },
    {
        # Unclosed <think>: left as is (only surrounding whitespace is removed).
        "id": "3",
        "query": "Question: Sara reads 5 pages a day for 4 days. How many pages?\nAnswer:",
        "choices": [" 20"],
        "gold_index": 0,
        "text": [
            "<think>5 pages times 4 days is 20 pages, so",
            "The answer is 20. <think>let me verify",
            "<think>\n",
        ],
    },
    {
        # Mixed: reasoning only (empty after stripping), a stray </think> before
        # <think>, and several spans.
        "id": "4",
        "query": "Question: A train travels 60 km in 1 hour. How far in 2.5 hours?\nAnswer:",
        "choices": [" 150"],
        "gold_index": 0,
        "text": [
            "<think>60 * 2.5 = 150</think>",
            "x</think>y<think>z</think>150 km",
            "<think>one</think>150<think>two</think> km\n",
        ],
    },
]


def load_reference():
    sys.path.insert(0, str(REFERENCE_SRC / "src" / "evaluation"))
    import lighteval_diversity_metrics as ref  # noqa: E402

    return ref


def main() -> None:
    ref = load_reference()

    doc_type = pa.struct(
        [
            pa.field("query", pa.string()),
            pa.field("choices", pa.list_(pa.string())),
            pa.field("gold_index", pa.int64()),
            pa.field("id", pa.string()),
        ]
    )
    response_type = pa.struct([pa.field("text", pa.list_(pa.string()))])
    schema = pa.schema([pa.field("doc", doc_type), pa.field("model_response", response_type)])
    table = pa.Table.from_pydict(
        {
            "doc": [
                {"query": r["query"], "choices": r["choices"], "gold_index": r["gold_index"], "id": r["id"]}
                for r in ROWS
            ],
            "model_response": [{"text": r["text"]} for r in ROWS],
        },
        schema=schema,
    )
    parquet_path = HERE / PARQUET_NAME
    pq.write_table(table, parquet_path)

    # Read back and build the expectations from what the file holds.
    read = pq.read_table(parquet_path).to_pylist()
    rows = []
    for row in read:
        raw = row["model_response"]["text"]
        rows.append(
            {
                "id": row["doc"]["id"],
                "query": row["doc"]["query"],
                "choices": row["doc"]["choices"],
                "raw_outputs": raw,
                "outputs": [ref._strip_cot(text) for text in raw],
            }
        )
    assert [r["raw_outputs"] for r in rows] == [r["text"] for r in ROWS]

    payload = {
        "parquet_file": PARQUET_NAME,
        "pyarrow": pa.__version__,
        "rows": rows,
    }
    with (HERE / "expected.json").open("w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=1)
        handle.write("\n")


if __name__ == "__main__":
    main()
