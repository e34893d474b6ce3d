#!/usr/bin/env python3
"""Generate the task-level golden fixtures in tests/golden/tasks/.

Run from the repository root:

    /work/venv-ref/bin/python tests/golden/tasks/generate.py

Writes:
  shuffle_selection.json  permutations from random.Random(42).shuffle
  math_cases.json         answer extraction / normalisation / matching /
                          majority-vote values from the reference modules
  truthfulqa_cases.json   per-generation TruthfulQA correctness verdicts

All verdicts come from calling the reference code (imported from the checkout
at $REFERENCE_SRC, default /work/ref-src); nothing is re-implemented here.
Output is byte-for-byte reproducible.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import os
import platform
import random
import sys
import types
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
DATA = ROOT / "assets" / "data"
REF = Path(os.environ.get("REFERENCE_SRC", "/work/ref-src")).resolve()

sys.path.insert(0, str(REF / "src"))
sys.path.insert(0, str(REF / "scripts"))
sys.path.insert(0, str(REF))

from evaluation import math_answer_extraction as mae  # noqa: E402
import compute_math_quality as cmq  # noqa: E402

# quality_filtered_diversity imports torch / sentence_transformers at module
# level; it is only needed for extract_boxed_answer.
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    import quality_filtered_diversity as qfd  # noqa: E402

REF_FILES = [
    "src/evaluation/math_answer_extraction.py",
    "scripts/compute_math_quality.py",
    "scripts/quality_filtered_diversity.py",
]

SAMPLE_SEED = 20250613


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def meta(ref_files, data_files):
    return {
        "generator": "tests/golden/tasks/generate.py",
        "python_version": platform.python_version(),
        "numpy_version": np.__version__,
        "reference_sha256": {f: sha256_file(REF / f) for f in ref_files},
        "data_sha256": {f: sha256_file(DATA / f) for f in data_files},
    }


def write_json(name: str, obj, compact: bool = False) -> None:
    path = HERE / name
    if compact:
        text = json.dumps(obj, ensure_ascii=True, separators=(",", ":"))
    else:
        text = json.dumps(obj, ensure_ascii=True, indent=1)
    path.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size} bytes)")


def load_docs(rel: str):
    with gzip.open(DATA / rel, "rt", encoding="utf-8") as f:
        return [json.loads(line)["doc"] for line in f if line.strip()]


def dedupe(seq):
    seen = set()
    out = []
    for x in seq:
        key = json.dumps(x, sort_keys=True)
        if key not in seen:
            seen.add(key)
            out.append(x)
    return out


# ---------------------------------------------------------------------------
# 1. shuffle_selection.json
# ---------------------------------------------------------------------------

SHUFFLE_SIZES = [1319, 1187, 479, 164, 500, 541, 817, 800, 1000, 11490, 11334]


def make_shuffle():
    cases = []
    for size in SHUFFLE_SIZES:
        order = list(range(size))
        random.Random(42).shuffle(order)
        cases.append({"size": size, "order": order})
    obj = {
        "meta": {
            "generator": "tests/golden/tasks/generate.py",
            "python_version": platform.python_version(),
            "numpy_version": np.__version__,
            "rule": "order = list(range(size)); random.Random(42).shuffle(order) "
            "(fresh generator per size); the first N selected docs are docs[order[0..N]]",
        },
        "cases": cases,
    }
    write_json("shuffle_selection.json", obj, compact=True)


# ---------------------------------------------------------------------------
# 2. math_cases.json
# ---------------------------------------------------------------------------

B = "\\boxed"

CRAFTED_GENERATED = [
    # empty / nothing
    "", "   ", "\n\n", "no numbers here", "The answer is unknown.",
    # pattern 1: ####
    "#### 42", "####42", "#### 42\nThe end", "#### 42\n\n", "Work...\n#### 1,234",
    "#### $1,234.50\n", "#### 3.50", "#### -0", "#### -0.0", "#### -0.000", "####\t5",
    "####\n42", "#### \n\n5", "Total: 5\n####   \n 7", "####", "#### ", "####\n",
    "#### \nfoo", "#### 42 dollars", "##### 5", "#### 5 #### 6", "#### 5\n#### 6",
    "#### 5\r\n6", "#### 5\x1f", "\x1c#### 5\x1c", "#### inf", "#### nan", "#### NaN",
    "#### $inf%", "#### -Infinity", "#### 1e400", "#### 1e3", "#### 1_000", "#### 007",
    "#### 12%", "#### $5", "#### 0.1+0.2", "#### 1/2", "#### x = 4",
    "#### 12345678901234567", "#### 9007199254740993", "#### 99999999999999999999",
    "#### 1.234567e6", "#### 1.2345678e6", "#### 1234567.8", "#### 999999.5",
    "#### 123456.5", "#### 0.00001", "#### 0.0001", "#### 2.5e-7", "#### 123.456789",
    "#### -1234.5678", "#### 0.000012345", "#### 1e16", "#### 1e308", "#### 1.5e300",
    "#### 1e-7", "#### +5", "#### .5", "#### 5.", "#### １２", "#### ٣", "#### \U0001d7d3",
    "#### 0x10", "#### 1__0", "#### 1e1_0", "#### 3.0", "#### 4.35", "#### 0.333333333",
    "#### 99999.95", "#### 1,2,3", "#### $-5", "#### -$5", "#### 1 000", "#### ½",
    "#### 5</think>", "answer is 5\n#### ", "answer is 5 and #### 6",
    "The answer is 7.\n#### 8\nMore text #### 9",
    # pattern 2: \boxed{}
    B + "{5}", B + "{\\frac{1}{2}}", B + "{}", B + "{} and " + B + "{7}",
    B + "{3} then " + B + "{4}", B + " {5} so 6", B + "{ 5 }", B + "{5\n}",
    "\\\\boxed{5}", B + "{1,000}", B + "{50\\%}", B + "{\\$5}", B + "{x=3}",
    B + "{3.0}", B + "{-0}", B + "{-0.0}", B + "{1e3}", B + "{1_000}", B + "{inf}",
    B + "{nan}", B + "{Infinity}", B + "{ -inf }", B + "{1e400}", B + "{1e308}",
    B + "{123456789012345678901234567890}", B + "{1.234567e6}", B + "{1.2345678e6}",
    B + "{0.0001}", B + "{0.00001}", B + "{123456.5}", B + "{1234567.5}",
    B + "{0.1+0.2}", B + "{  .5}", B + "{5.}", B + "{+5}", B + "{007}", B + "{0x10}",
    B + "{１２}", B + "{٣}", B + "{\\sqrt{2}}", B + "{2\\sqrt{3}}", B + "{(2,3)}",
    B + "{[2,5)}", B + "{\\text{(A)}}", B + "{-\\frac{3}{4}}", "$\\boxed{12}$.",
    "\\fbox{5} and 3", "\\boxed{5", B + "{7} and answer is 5", "answer: 3 and " + B + "{9}",
    "So $x = \\boxed{-2}$, giving 10 total.",
    # pattern 3: the answer is / answer:
    "The answer is 5", "the answer is 5.", "ANSWER IS 5", "Answer: -3", "answer: -3",
    "answer:5", "answer : 5", "The answer is\n5", "answeris5", "answer: $1,234.50",
    "The answer is: $1,234.50", "The answer is: 5. Check: 7 apples", "answers: 5",
    "answers: 5, total 9", "Answer: 5. The answer is 6", "answer is ,,,", "answer: ,",
    "answer is -,", "answer is $", "answer is 3.", "answer is 3.5.6", "answer is 1,000,000",
    "answer is 12%", "answer is -$5", "answer is $-5", "answer is ١٢", "answer is -3.5e2",
    "answer is .5", "answer is 1,5", "the answer is 2 1/2", "The answer is -0.",
    "The answer is 0.50 dollars", "The final answer is 18. I hope it is correct.",
    "Final Answer: The final answer is $[2,5)$. I hope it is correct.",
    "Final Answer: The final answer is $24$. I hope it is correct.",
    "My answer is 12 but maybe 13", "Answer is 99999999999999999999",
    # pattern 4: last number fallback
    "x2", "2x", "H2O", "3.", "3.x", "1,000", "1,000,", "5,x", "a-5", "5-a", "5-3",
    "x = -3", "--5", "(-3)", "\u22125", "12_000", "1e3", "1.5e3", "3.14.15", "$2",
    "It costs $5 and 12% tax", "007", "3.0", "0.1+0.2", "1 000", "total \u0661\u0662\u0663",
    "total \uff11\uff12", "sum \U0001d7d3", "\u0661,\u0660\u0660\u0660 items",
    "e\u03015", "\u00e95", "x\u00b2", "\u00b2", "\u2165 3", "12abc 7", "7 12abc",
    "value: 1.5.", "We get 4, 5, and 6.", "first 10 then 20\nthen 30 and done",
    "ratio 3:4", "1/2", "the result is -0", "-0.5", "-.5", "Numbers: 1.0000000",
    "123456789012345678901234567890", "1.234567", "0.000001", "0.0000001",
    "It is 3 o'clock", "From 2019-2020", "v1.2.3", "12.", "12..", ",5", "5,,",
    "It's \u00a05\u00a0", "\u00a0answer:\u00a07", "answer\u2003is\u20037",
    # think tags
    "<think>the answer is 5</think>The answer is 7",
    "<think>#### 5</think>#### 7", "<think>unclosed 5", "<think>#### 9 unclosed",
    "reasoning 3</think>answer 4", "reasoning #### 3</think>so 4",
    "<think>a</think>b</think>c 8", "<think>x 1</think><think>y 2",
    "</think>5 <think>6", "<THINK>#### 5</THINK>7", "<think>\n#### 3\n</think>\n#### 4",
    "<think><think>#### 1</think>#### 2</think>#### 3",
    "<think>#### 1</think>middle 2<think>#### 3</think>",
    "<think>only thoughts 5</think>", "<think>5</think>   ",
    "Let me think.</think>\n\n" + B + "{12}",
    "<think>\\boxed{1}</think>\\boxed{2}", "</think></think>#### 6",
    "<think>\n\nOkay, 3 + 4 = 7.\n</think>\n\nThe answer is 7.",
]

NORMALIZE_CRAFTED = [
    "", " ", "5", " 5 ", "1,234", "42.00", "$100", "-3.50", "3.0", "-0", "-0.0", "0.0",
    "+5", "007", ".5", "5.", "1e3", "1E3", "1e-7", "2.5e-7", "1e16", "1e308", "1e400",
    "-1e400", "1.5e300", "1_000", "1__0", "1e1_0", "inf", "-inf", "Infinity", "nan",
    "NaN", "-nan", "$inf%", "12%", "$5", "$-5", "-$5", "1,2,3", "1 000", "0x10", "1/2",
    "x=3", "0.1+0.2", "12345678901234567", "9007199254740993", "99999999999999999999",
    "123456789012345678901234567890", "1.234567e6", "1.2345678e6", "1234567.8",
    "999999.5", "123456.5", "1234567.5", "0.00001", "0.0001", "0.000012345",
    "123.456789", "-1234.5678", "99999.95", "0.333333333", "4.35", "0.1", "0.5",
    "１２", "٣", "\U0001d7d3", "\u0661,\u0660\u0660\u0660", "²", "½", "\x1c7\x1d",
    "\u00a07\u00a0", "\u20037", "7\n", "\t-2.50\t", "50\\%", "\\$5", "\\frac{1", ",", ",,,",
    "-", "$", "%", "-,", "3.14.15", "abc", "ABC", "5 dollars", "1.0000000", "-.5",
    "000", "0e0", "-0e5", "1.", "100.0%", "$1,000,000.00",
]

ANSWERS_MATCH_CRAFTED = [
    ("3.0", "3"), ("3", "3.0"), ("1e-7", "0"), ("0", "1e-7"), ("1e-6", "0"),
    ("0.0000009", "0"), ("0.000001", "0"), ("1.0000005", "1"), ("1.000002", "1"),
    ("0.333333", "0.3333333"), ("1/2", "0.5"), ("abc", "ABC"), ("abc", "abc"),
    ("inf", "inf"), ("inf", "Infinity"), ("nan", "nan"), ("NaN", "nan"),
    ("1e400", "inf"), ("1e400", "5"), ("", ""), ("", "0"), (None, "5"), ("5", None),
    (None, None), (None, ""), ("", None), ("$5", "5"), ("5%", "0.05"), ("1,000", "1000"),
    ("12345678901234567", "12345678901234568"), ("-0", "0"), ("x=3", "3"),
    ("1_000", "1000"), ("١٢", "12"), ("０", "0"), ("0.1+0.2", "0.3"), ("18", "18"),
    ("18", "18.00"), ("$18.00", "18"), ("-3", "3"), ("-3", "-3.0"), ("7", "07"),
    ("1e3", "1000"), ("1.2345678e6", "1234567.8"), ("1.23457e+06", "1234567.8"),
    ("1.23457e+06", "1234570"), ("1e+06", "999999.5"), ("\\frac{1", "\\frac{1"),
    ("\\frac{1", "0.5"), ("5 dollars", "5"), (" 5 ", "5"), ("\x1c5", "5"),
    ("99999999999999999999", "100000000000000000000"), ("1e308", "1e308"),
    ("-inf", "inf"), ("0.1", "0.10000001"), ("0.1", "0.1000001"), ("2", "2.0000001"),
    ("100", "100.000001"), ("1,2", "12"), ("25", "[2,5)"), ("(2,3)", "(2, 3)"),
]

MAJORITY_SPECS = [
    # (list of 16 answers with None, gold)
    (["18"] * 16, "18"),
    (["18"] * 9 + ["17"] * 7, "18"),
    (["18"] * 8 + ["17"] * 8, "18"),
    (["17"] * 8 + ["18"] * 8, "18"),
    ([None] * 16, "18"),
    ([None] * 9 + ["18"] * 7, "18"),
    (["18"] * 7 + [None] * 9, "18"),
    ([None] * 8 + ["18"] * 8, "18"),
    (["18"] * 8 + [None] * 8, "18"),
    (["18"] * 5 + ["17"] * 4 + ["16"] * 4 + ["15"] * 3, "18"),
    (["17"] * 5 + ["18"] * 4 + ["16"] * 4 + ["15"] * 3, "18"),
    (["18"] * 5 + ["17"] * 5 + ["16"] * 5 + [None], "18"),
    (["18"] * 6 + ["17"] * 5 + [None] * 5, "18"),
    ([None] * 6 + ["18"] * 5 + ["17"] * 5, "18"),
    (["18"] + [None] * 15, "18"),
    (["18"] + [str(i) for i in range(15)], "18"),
    ([str(i) for i in range(16)], "3"),
    (["18", "17"] * 8, "18"),
    (["1e-07"] * 9 + ["0"] * 7, "0"),
    (["0"] * 9 + ["1e-07"] * 7, "1e-07"),
    (["1e-07"] * 8 + ["0"] * 8, "0"),
    (["inf"] * 10 + ["5"] * 6, "inf"),
    (["nan"] * 10 + ["5"] * 6, "nan"),
    (["x=3"] * 10 + ["3"] * 6, "3"),
    (["\\frac{1"] * 10 + ["0.5"] * 6, "\\frac{1"),
    (["1.23457e+06"] * 10 + ["1234568"] * 6, "1234567.8"),
    (["12345678901234568"] * 12 + [None] * 4, "12345678901234567"),
    (["-3"] * 10 + ["3"] * 6, "3"),
    (["0"] * 10 + [None] * 6, "-0"),
    (["5"] * 3 + [None] * 2 + ["6"] * 2 + ["7"] * 2 + ["8"] * 2 + ["9"] * 2 + ["10"] * 2 + ["11"], "5"),
    ([None] * 3 + ["5"] * 2 + ["6"] * 2 + ["7"] * 2 + ["8"] * 2 + ["9"] * 2 + ["10"] * 2 + ["11"], "5"),
    (["__UNPARSEABLE__"] * 10 + ["5"] * 6, "5"),
    ([""] * 10 + ["5"] * 6, "5"),
]


def crafted_gsm8k_gold():
    return dedupe([
        "Step 1\n#### 18", "#### 18", "#### 1,234", "#### $5.00", "####\n7", "#### 5\nextra",
        "a\n#### 3\n#### 4", "#### ", "no marker 5", "", "  #### 12  ", "#### -0",
        "#### 1.2345678e6", "#### 5\r\nmore", "#### 12 apples", "####5", "x #### 9",
        "#### \x1c7\x1c", "#### inf", "##### 5",
    ])


def make_math():
    gsm = load_docs("gsm8k/requests.jsonl.gz")
    alg = load_docs("math_algebra/requests.jsonl.gz")
    geo = load_docs("math_geometry/requests.jsonl.gz")
    assert len(gsm) == 1319 and len(alg) == 1187 and len(geo) == 479
    rng = random.Random(SAMPLE_SEED)

    # -- generated-answer extraction cases ------------------------------------
    gen_cases = []
    for text in dedupe(CRAFTED_GENERATED):
        gen_cases.append({"source": "crafted", "text": text,
                          "extracted": mae.extract_generated_answer(text)})
    gsm_idx = sorted(rng.sample(range(len(gsm)), 150))
    for i in gsm_idx:
        text = gsm[i]["answer"]
        gen_cases.append({"source": f"gsm8k_answer[{i}]", "text": text,
                          "extracted": mae.extract_generated_answer(text)})
    for i in sorted(rng.sample(range(len(gsm)), 30)):
        text = gsm[i]["choices"][0]
        gen_cases.append({"source": f"gsm8k_choice[{i}]", "text": text,
                          "extracted": mae.extract_generated_answer(text)})
    for name, docs in (("math_algebra", alg), ("math_geometry", geo)):
        for i in sorted(rng.sample(range(len(docs)), 30)):
            text = docs[i]["solution"]
            gen_cases.append({"source": f"{name}_solution[{i}]", "text": text,
                              "extracted": mae.extract_generated_answer(text)})

    # -- normalize_number ------------------------------------------------------
    norm_inputs = list(NORMALIZE_CRAFTED)
    for i in sorted(rng.sample(range(len(gsm)), 20)):
        tail = gsm[i]["answer"].split("####")[-1]
        norm_inputs.append(tail)
    fmt_rng = random.Random(SAMPLE_SEED + 1)
    for _ in range(20):
        mag = fmt_rng.randint(-8, 12)
        val = fmt_rng.uniform(-1, 1) * 10.0 ** mag
        norm_inputs.append(repr(val))
    norm_inputs = dedupe(norm_inputs)
    norm_cases = [{"input": s, "output": mae.normalize_number(s)} for s in norm_inputs]

    # -- answers_match ---------------------------------------------------------
    pairs = list(ANSWERS_MATCH_CRAFTED)
    pool = [None, "", "0", "-0", "3", "3.0", "3.00", "$3", "3%", "1,000", "1000", "1e3",
            "1e-07", "1e-7", "0.5", ".5", "1/2", "\\frac{1", "inf", "nan", "abc", "x=3",
            "1234567.8", "1.23457e+06", "12345678901234567", "١٢", "12", "-5", "$-5", "5"]
    pair_rng = random.Random(SAMPLE_SEED + 2)
    while len(dedupe(pairs)) < 200:
        pairs.append((pair_rng.choice(pool), pair_rng.choice(pool)))
    pairs = dedupe(pairs)
    match_cases = [{"pred": p, "gold": g, "match": mae.answers_match(p, g)} for p, g in pairs]

    # -- strip_think_tags / extract_boxed_answer ------------------------------
    think_inputs = dedupe([t for t in CRAFTED_GENERATED if "think" in t.lower()] + [
        "", "  plain  ", "<think></think>", "<think>a</think>", "a</think>", "</think>",
        "<think>", "<think>a\nb</think>\nc\n", "x<think>a</think>y<think>b</think>z",
        "<think>a</think></think>b", "\x1c<think>a</think>b\x1c",
    ])
    think_cases = [{"input": t, "output": mae.strip_think_tags(t)} for t in think_inputs]
    boxed_inputs = dedupe([t for t in CRAFTED_GENERATED if "boxed" in t] + [
        "#### 5 " + B + "{6}", "<think>" + B + "{1}</think>",
    ])
    boxed_cases = [{"text": t, "boxed": qfd.extract_boxed_answer(t)} for t in boxed_inputs]

    # -- gold extraction -------------------------------------------------------
    gsm8k_gold = [{"index": i, "answer": d["answer"],
                   "gold": mae.extract_gsm8k_gold_answer(d["answer"])} for i, d in enumerate(gsm)]
    gsm8k_gold_crafted = [{"answer": t, "gold": mae.extract_gsm8k_gold_answer(t)}
                          for t in crafted_gsm8k_gold()]
    # task-name dispatch of compute_math_quality._extract_gold_answer
    dispatch = []
    for task in ("gsm8k_diversity", "bench_gsm8k_diversity", "math_algebra_diversity",
                 "math_geometry_diversity", "truthfulqa_diversity", "other_task"):
        for text in ("Step\n#### 18", "so " + B + "{5} and #### 6", "  plain answer  ", "   ",
                     "The answer is 4"):
            dispatch.append({"task": task, "answer_text": text,
                             "gold": cmq._extract_gold_answer(text, task)})
    math_gold = []
    for i, d in enumerate(alg[:100]):
        math_gold.append({
            "index": i,
            "solution": d["solution"],
            "gold_extract_generated": mae.extract_generated_answer(d["solution"]),
            "gold_boxed": qfd.extract_boxed_answer(d["solution"]),
        })

    # -- majority vote via compute_math_quality.evaluate_gsm8k ------------------
    specs = list(MAJORITY_SPECS)
    mv_rng = random.Random(SAMPLE_SEED + 3)
    vals = ["18", "17", "20", None]
    while len(specs) < 45:
        weights = [mv_rng.randint(0, 6) for _ in vals]
        if sum(weights) == 0:
            continue
        ans = [mv_rng.choices(vals, weights=weights)[0] for _ in range(16)]
        specs.append((ans, "18"))
    majority_cases = [run_majority(ans, gold) for ans, gold in specs]

    obj = {
        "meta": meta(REF_FILES, ["gsm8k/requests.jsonl.gz", "math_algebra/requests.jsonl.gz",
                                 "math_geometry/requests.jsonl.gz"]),
        "functions": {
            "extract_generated_answer": "src/evaluation/math_answer_extraction.py",
            "normalize_number": "src/evaluation/math_answer_extraction.py",
            "answers_match": "src/evaluation/math_answer_extraction.py",
            "strip_think_tags": "src/evaluation/math_answer_extraction.py",
            "extract_gsm8k_gold_answer": "src/evaluation/math_answer_extraction.py",
            "extract_boxed_answer": "scripts/quality_filtered_diversity.py",
            "_extract_gold_answer": "scripts/compute_math_quality.py",
            "majority_vote": "scripts/compute_math_quality.py evaluate_gsm8k (called per case)",
        },
        "generated": gen_cases,
        "normalize_number": norm_cases,
        "answers_match": match_cases,
        "strip_think_tags": think_cases,
        "extract_boxed_answer": boxed_cases,
        "gsm8k_gold": gsm8k_gold,
        "gsm8k_gold_crafted": gsm8k_gold_crafted,
        "extract_gold_dispatch": dispatch,
        "math_gold": math_gold,
        "majority_vote": majority_cases,
    }
    write_json("math_cases.json", obj)
    print(f"  generated={len(gen_cases)} normalize={len(norm_cases)} "
          f"answers_match={len(match_cases)} majority={len(majority_cases)}")


NO_ANSWER_TEXT = "I am not sure how to solve this."
# outputs for extracted answers that "#### <answer>" does not reproduce
OUTPUT_OVERRIDES = {"": "The answer is ,", "1.23457e+06": "#### 1234567.8"}


def run_majority(answers, gold):
    """Feed 16 outputs whose extracted answers are `answers` to evaluate_gsm8k."""
    assert len(answers) == 16
    outputs = []
    for a in answers:
        out = NO_ANSWER_TEXT if a is None else OUTPUT_OVERRIDES.get(a, f"#### {a}")
        got = mae.extract_generated_answer(out)
        assert got == a, (a, got)
        outputs.append(out)
    key = "majority vote case"
    orig = cmq._build_gold_index
    cmq._build_gold_index = lambda config, task_name="": {key: gold}
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            res = cmq.evaluate_gsm8k([{"prompt": key, "outputs": outputs}],
                                     cmq.TASK_CONFIG["gsm8k_diversity"], task_name="gsm8k_diversity")
    finally:
        cmq._build_gold_index = orig
    assert res["n_prompts"] == 1
    return {
        "extracted": answers,
        "outputs": outputs,
        "gold": gold,
        "majority_correct": res["majority_vote_at_16"] == 1.0,
        "first_correct": res["accuracy_at_1"] == 1.0,
        "any_correct": res["pass_at_16"] == 1.0,
        "n_extracted": sum(a is not None for a in answers),
    }


# ---------------------------------------------------------------------------
# 3. truthfulqa_cases.json
# ---------------------------------------------------------------------------

class _Row(dict):
    pass


def truthfulqa_verdict(question, answers, generation):
    """Call compute_math_quality._evaluate_truthfulqa on one question, one output.

    The reference loads the HF 'generation' config through datasets.load_dataset;
    a stand-in `datasets` module returns a single row whose correct_answers are
    `answers` and whose best_answer is answers[0] (already in the list, so the
    reference's 'append best_answer if missing' step adds nothing).
    """
    best = answers[0] if answers else ""
    row = {"question": question, "correct_answers": list(answers), "best_answer": best}
    fake = types.ModuleType("datasets")
    fake.load_dataset = lambda *a, **k: [row]
    saved = sys.modules.get("datasets")
    sys.modules["datasets"] = fake
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            res = cmq._evaluate_truthfulqa([{"prompt": f"Q: {question}\nA:", "outputs": [generation]}])
    finally:
        if saved is None:
            del sys.modules["datasets"]
        else:
            sys.modules["datasets"] = saved
    assert res["n_prompts"] == 1
    return res["accuracy_at_1"] == 1.0


def make_truthfulqa():
    rows = [json.loads(l) for l in (DATA / "truthfulqa/combined.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    assert len(rows) == 817
    rng = random.Random(SAMPLE_SEED + 10)
    picked = sorted(rng.sample(range(len(rows)), 30))
    cases = []

    def add(qi, question, answers, gen, kind):
        cases.append({"question_index": qi, "question": question, "answers": answers,
                      "generation": gen, "kind": kind,
                      "correct": truthfulqa_verdict(question, answers, gen)})

    for n, qi in enumerate(picked):
        q = rows[qi]["question"]
        ans = rows[qi]["answer"]
        a = ans[n % len(ans)]
        other = rows[picked[(n + 1) % len(picked)]]["answer"]
        words = a.split()
        add(qi, q, ans, a, "exact_answer")
        add(qi, q, ans, a.upper(), "upper_case")
        add(qi, q, ans, f"I believe that {a.lower()}. That is my final answer.", "superstring")
        add(qi, q, ans, " ".join(words[: max(1, len(words) // 2)]), "prefix_words")
        add(qi, q, ans, other[0], "other_question_answer")
        add(qi, q, ans, f"<think>{a}</think>I am not certain about this question.", "answer_only_in_think")
        kinds = [
            (f"<think>Let me recall.</think>\n  {a}  \n", "think_then_answer"),
            (f"Some reasoning.</think>{a}", "closing_think_only"),
            (f"<think>{a}", "unclosed_think"),
            ("", "empty"),
            ("   \n\t ", "whitespace"),
            ("<think>all reasoning</think>   ", "think_only"),
            ("a", "single_char"),
            (".", "single_punct"),
            ("zzqx", "nonsense"),
            (a[1:-1] if len(a) > 3 else a, "inner_substring"),
            (f"\x1c{words[0].lower()}\x1c", "control_char_padding"),
            ("I have no comment.", "no_comment"),
        ]
        gen, kind = kinds[n % len(kinds)]
        add(qi, q, ans, gen, kind)
        gen, kind = kinds[(n + 5) % len(kinds)]
        add(qi, q, ans, gen, kind)

    # crafted answer lists
    crafted = [
        (["Nothing happens", ""], "", "empty_gen_with_empty_answer"),
        (["", "   "], "anything", "only_empty_answers"),
        (["Nothing happens", ""], "something else", "empty_answer_skipped"),
        (["Yes"], "yes", "short_answer_exact"),
        (["Yes"], "Yesterday it rained", "short_answer_inside_word"),
        (["No"], "I do not know", "no_inside_not"),
        (["No"], "Nope", "no_inside_nope"),
        (["The sky is blue"], "sky", "gen_inside_answer"),
        (["The sky is blue"], "THE SKY IS BLUE!!!", "answer_inside_gen_caps"),
        (["  Padded answer  "], "padded answer", "answer_strip"),
        (["\u0130stanbul"], "\u0130STANBUL", "dotted_capital_i"),
        (["istanbul"], "\u0130stanbul", "dotted_capital_i_vs_ascii"),
        (["\u039f\u0394\u039f\u03a3"], "\u03bf\u03b4\u03bf\u03c2", "greek_final_sigma"),
        (["Stra\u00dfe"], "STRASSE", "sharp_s"),
        (["caf\u00e9"], "cafe\u0301", "combining_accent"),
        (["Paris"], "<THINK>x</THINK>paris", "uppercase_think_tags"),
        (["Paris"], "<think>paris</think><think>london</think>", "two_think_blocks_empty"),
        (["Paris"], "</think>paris<think>", "closing_then_opening"),
        (["Paris"], "paris\u00a0", "nbsp_padding"),
        (["Paris"], "\u200bparis", "zero_width_space"),
        ([], "anything", "no_answers"),
    ]
    for answers, gen, kind in crafted:
        add(None, "crafted question", answers, gen, kind)

    obj = {
        "meta": meta(["src/evaluation/math_answer_extraction.py", "scripts/compute_math_quality.py"],
                     ["truthfulqa/combined.jsonl"]),
        "answers_source": "truthfulqa/combined.jsonl field 'answer' (the asset has only this list "
                          "of reference answers; there is no incorrect-answers list). Crafted cases "
                          "have question_index null.",
        "rule": "scripts/compute_math_quality.py _evaluate_truthfulqa, called with one output "
                "(correct = accuracy_at_1 == 1.0)",
        "cases": cases,
    }
    write_json("truthfulqa_cases.json", obj)
    print(f"  truthfulqa cases={len(cases)} correct={sum(c['correct'] for c in cases)}")


def main():
    make_shuffle()
    make_math()
    make_truthfulqa()


if __name__ == "__main__":
    main()
