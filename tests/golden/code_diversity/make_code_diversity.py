"""Golden fixtures for the study's code-diversity metrics (scripts/compute_code_diversity.py).

Writes, next to this script (or under --out):

    ast.json         AST subtree diversity: for ~11 small groups of raw model outputs, the
                     code the reference extracts (extract_code_from_markdown(_strip_cot(o))),
                     the height-4 subtree strings of each output (_extract_subtrees(tree, 4),
                     i.e. Python 3.11 ast.dump strings), and the reference compute_ast_metrics
                     on each group alone and on all groups pooled.
    unixcoder_tiny/  a tiny random RoBERTa encoder saved as a sentence-transformers folder in
                     the shape of microsoft/unixcoder-base (RobertaModel + mean pooling; no
                     Normalize module, normalisation comes from encode(normalize_embeddings=True)).
                     This tiny model uses max_seq_length = 64 (the study sets 512) so that
                     truncation happens often.
    unixcoder.json   for 18 code texts: token ids as the sentence-transformers model tokenises
                     them, encode(texts, batch_size=4, normalize_embeddings=True) vectors, the
                     batched-vs-single difference, the reference compute_sbert_diversity and
                     compute_vendi_score on 3 groups of these embeddings, and the reference
                     compute_code_sbert on the ast.json groups (the whole pipeline).

Every reference value comes from the authors' code (github.com/ckarouzos/where-diversity-collapses,
commit f193bfa), IMPORTED from a checkout given by --ref or the environment variable
REFERENCE_SRC (default /work/ref-src); nothing of it is copied here.

Pinned versions (tests/golden/requirements-ref.txt): Python 3.11.7, torch 2.15.0 (CPU),
transformers 4.57.6, sentence-transformers 5.7.0, tokenizers 0.22.2, safetensors 0.8.0,
numpy 2.4.6. The AST strings are Python-version specific (ast.dump changed in 3.13; the
3.12 grammar accepts `type X = ...`), so the script refuses to run on anything but 3.11.

Regenerate from the repository root:

    REFERENCE_SRC=/work/ref-src /work/venv-ref/bin/python tests/golden/code_diversity/make_code_diversity.py

Deterministic: fixed texts, the tokenizers BpeTrainer (trained twice and compared), a seeded
torch.Generator for the weights, one torch thread; two runs give byte-identical files
(--check-determinism runs everything twice into temporary folders and compares SHA-256).
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import importlib.util
import io
import json
import math
import os
import shutil
import sys
import tempfile
import warnings
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

PYTHON_VERSION = "3.11.7"
SUBTREE_HEIGHT = 4  # compute_ast_metrics' default, used by the study

TINY_MAX_SEQ_LENGTH = 64  # tiny model only; the study sets sbert_model.max_seq_length = 512
VOCAB_SIZE = 600  # 4 specials + 256 byte symbols + 339 merges + <mask>
SEED = 20240611
ENCODE_BATCH_SIZE = 4
HIDDEN = 32


# --------------------------------------------------------------------------------------
# Reference import
# --------------------------------------------------------------------------------------


def import_reference(ref: Path):
    """Import scripts/compute_code_diversity.py from the checkout (it pulls torch, numpy and
    src.evaluation.*; it needs the repository root on sys.path)."""
    script = ref / "scripts" / "compute_code_diversity.py"
    if not script.is_file():
        raise SystemExit(f"reference checkout not found: {script} (set REFERENCE_SRC or --ref)")
    sys.path.insert(0, str(ref))
    spec = importlib.util.spec_from_file_location("compute_code_diversity", script)
    mod = importlib.util.module_from_spec(spec)
    # lighteval_diversity_metrics prints a notice about lighteval on import; keep stdout clean
    with redirect_stdout(io.StringIO()):
        spec.loader.exec_module(mod)
    # the functions compute_ast_metrics / compute_code_sbert really use
    assert mod.extract_code_from_markdown.__module__ == "src.evaluation.code_execution"
    assert mod._strip_cot.__module__ == "src.evaluation.lighteval_diversity_metrics"
    return mod


# --------------------------------------------------------------------------------------
# AST cases
# --------------------------------------------------------------------------------------

HAS_CLOSE_LOOP = """def has_close_elements(numbers, threshold):
    for i, a in enumerate(numbers):
        for j, b in enumerate(numbers):
            if i != j and abs(a - b) < threshold:
                return True
    return False"""

HAS_CLOSE_SORTED = """def has_close_elements(numbers, threshold):
    numbers = sorted(numbers)
    return any(b - a < threshold for a, b in zip(numbers, numbers[1:]))"""

HAS_CLOSE_SORTED_LOOP = """def has_close_elements(numbers: list[float], threshold: float) -> bool:
    ordered = sorted(numbers)
    for k in range(len(ordered) - 1):
        if ordered[k + 1] - ordered[k] < threshold:
            return True
    return False"""

BELOW_ZERO = """def below_zero(operations):
    balance = 0
    for op in operations:
        balance += op
        if balance < 0:
            return True
    return False"""

CONSTANTS = """def scale(values, factor=0.1):
    out = []
    big = keep(1000000000000000000000000000000)
    tiny = keep(1e-05)
    large = keep(1e16)
    huge = keep(1e309)
    whole = keep(3.0)
    z = keep(2j)
    limit = keep(1_000_000)
    mask = keep(0x1F)
    label = keep('it\\'s "quoted"')
    raw = keep(b'\\x00\\xff')
    sep = keep("\\t\\n")
    blank = keep(...)
    flag = keep(True, None)
    return [v * factor for v in values if v is not None], label, raw"""

FSTRING = '''def describe(name, value):
    return f"{name!r:>10} = {value:.3f} ({value!s}, {{literal}})"'''

REGEX_NONRAW = """import re


def digits(text):
    return re.findall('\\d+', text)"""


def binop_chain(n_terms: int, target: str = "total") -> str:
    """`total = 1 + 1 + ... + 1`: n_terms - 1 left-nested BinOps; tree height n_terms + 3
    (Module > Assign > BinOp^(n-1) > Constant)."""
    return f"{target} = " + " + ".join(["1"] * n_terms)


def ast_prompts() -> list[dict]:
    """Groups of raw model outputs; each output comes with a short label of what it tests."""

    def fence(code: str, lang: str = "python") -> str:
        return f"```{lang}\n{code}\n```"

    prompts: list[dict] = []

    def add(name: str, description: str, items: list[tuple[str, str]]):
        prompts.append({"name": name, "description": description,
                        "outputs": [o for o, _ in items], "labels": [l for _, l in items]})

    add(
        "fenced_blocks",
        "HumanEval-like has_close_elements answers wrapped in markdown in different ways",
        [
            ("Here is the solution:\n\n" + fence(HAS_CLOSE_LOOP) + "\n\nThis checks every pair.",
             "prose around one ```python block"),
            (fence(HAS_CLOSE_SORTED, lang=""), "plain ``` fence (no language)"),
            (fence(HAS_CLOSE_SORTED_LOOP) + "\n\nExample:\n\n" + fence("print(has_close_elements([1.0, 2.0], 0.5))"),
             "two blocks, implementation first: the longest block wins"),
            (fence("from typing import List") + "\n\nAnd the function:\n\n" + fence(HAS_CLOSE_LOOP),
             "two blocks, implementation second: the longest block wins"),
            (fence(HAS_CLOSE_SORTED, lang="py"),
             "```py fence: not recognised by the regex, the whole text (with the fences) is parsed -> SyntaxError"),
            (fence(HAS_CLOSE_LOOP, lang="Python"),
             "```Python fence: the regex is case-sensitive, not recognised -> SyntaxError"),
        ],
    )

    tie_a = "def below_zero(ops):\n    return min(ops) < 0"
    tie_b = "def below_zero(ops):\n    return 0 > min(ops)"
    assert len(tie_a) == len(tie_b)
    add(
        "fence_edges",
        "below_zero answers with unusual fences",
        [
            ("```python3\n" + BELOW_ZERO + "\n```\nDone.",
             "```python3 fence: no block matches, whole text parsed -> SyntaxError"),
            (fence(tie_a) + "\nor equivalently\n" + fence(tie_b),
             "two blocks of equal length: the first one wins (max keeps the first)"),
            ("```python\n" + BELOW_ZERO,
             "unclosed fence: no block, whole text parsed -> SyntaxError"),
            ("```python  \r\n" + BELOW_ZERO.replace("\n", "\r\n") + "\r\n```",
             "```python followed by spaces and CRLF line endings (\\s* absorbs them); CRLF code parses"),
            ("```python def below_zero(ops): return False```",
             "fence with the code on the same line: the regex needs a newline -> whole text -> SyntaxError"),
            ("Install it first:\n```bash\npip install numpy\n```\n\n" + fence("import numpy as np\n\n" + BELOW_ZERO),
             "a ```bash block before the python block: the bash block is skipped, then the bash closing "
             "fence opens a match that ends at the python opening fence, so the only block is '' and the python "
             "code is lost: code '' (parseable, no subtree)"),
        ],
    )

    add(
        "think",
        "incr_list answers with chain-of-thought tags (stripped by _strip_cot before extraction)",
        [
            ("<think>\nI need to add one to each element. Maybe ```python\nwrong(\n``` no.\n</think>\n\n"
             + fence("def incr_list(l):\n    return [x + 1 for x in l]"),
             "<think>...</think> (containing a broken fenced block) before a fenced answer"),
            ("The user wants each element incremented.\n</think>\ndef incr_list(l):\n    return [e + 1 for e in l]",
             "closing </think> only (opening tag was in the prompt), unfenced code after it"),
            ("<think>\nLet me write it.\n" + fence("def incr_list(l):\n    out = []\n    for x in l:\n        out.append(x + 1)\n    return out"),
             "unclosed <think>: nothing is stripped, but the fenced block is still extracted"),
            ("Sure.</think>\ndef incr_list(l):\n    return list(map(lambda x: x + 1, l))\n<think>",
             "</think> before <think>: _strip_cot leaves the text unchanged -> SyntaxError"),
            ("<think>I cannot solve this.</think>",
             "reasoning only: stripping leaves '' which parses (empty Module, no subtree)"),
            ("<think>a</think>def incr_list(l):\n<think>b</think>    return [x + 1 for x in l]",
             "two <think> blocks, both removed; the remaining code parses"),
        ],
    )

    add_code = "def add(x, y):\n    return x + y"
    add(
        "identical",
        "the same program four times (once unfenced): pairwise Jaccard distance 0",
        [
            (fence(add_code), "fenced"),
            (fence(add_code), "fenced, identical"),
            ("Here you go:\n" + fence(add_code) + "\nHope this helps!", "fenced with prose, identical code"),
            (add_code + "\n", "unfenced, identical code after strip"),
        ],
    )

    add(
        "no_height4_subtree",
        "parseable outputs whose trees are lower than 4: no output contributes, the prompt is skipped "
        "(ast_distinct/ast_pairwise null, n_prompts_ast 0) but parseability is 1",
        [
            ("pass", "Module > Pass: height 2"),
            ("42", "Module > Expr > Constant: height 3"),
            ("", "empty output: ast.parse('') is an empty Module (height 1)"),
            ("import os\nimport sys", "Module > Import > alias: height 3"),
            ("   \n\t  ", "whitespace only: stripped to ''"),
            ("# just a comment\n", "comment only: empty Module"),
        ],
    )

    add(
        "module_is_subtree",
        "tiny programs whose whole Module has height 4, so the Module itself is the only subtree",
        [
            ("x = 1", "Module(Assign(Name(Store), Constant)): the Module is the one height-4 subtree"),
            ("x = 1", "same again"),
            ("x = 2", "differs in the constant"),
            ("y: int = 1", "AnnAssign: also height 3 under a height-4 Module"),
            ("pass", "no subtree: not counted in distinct/pairwise, still parseable"),
        ],
    )

    add(
        "identifiers_constants",
        "MBPP-like programs differing in identifiers and constants (ast.dump uses repr() of constants)",
        [
            ("def similar_elements(test_tup1, test_tup2):\n    res = tuple(set(test_tup1) & set(test_tup2))\n    return res",
             "reference-style solution"),
            ("def similar_elements(a, b):\n    shared = tuple(set(a) & set(b))\n    return shared",
             "same structure, renamed identifiers"),
            (fence(CONSTANTS),
             "constants inside `name = keep(CONST)` (each Assign is a height-4 subtree, so the constant's repr is in "
             "the dump): big int, 1e-05, 1e16 (-> 1e+16), 1e309 (-> inf), 3.0, 2j, 1_000_000, 0x1F, both quote kinds, "
             "bytes, escapes, Ellipsis, True/None"),
            (fence(FSTRING), "f-string with !r, format spec, !s and doubled braces (JoinedStr/FormattedValue)"),
            (fence(REGEX_NONRAW),
             "non-raw '\\d+' string: ast.parse emits DeprecationWarning (invalid escape sequence) in 3.11 but parses"),
        ],
    )

    add(
        "unicode",
        "non-ASCII identifiers (NFKC-normalised by the parser) and string constants (repr escapes non-printables)",
        [
            ("def grüße(名前):\n    return f'こんにちは, {名前}! 🎉'", "German and Japanese identifiers, emoji in an f-string"),
            ("def ﬁnd(ℌ, 𝔵, cafe\u0301):\n    return ℌ + 𝔵 + cafe\u0301",
             "identifiers ﬁnd (U+FB01 ligature), ℌ, 𝔵 and decomposed cafe+U+0301 become find, H, x, café in the dump"),
            ("def площадь(r):\n    π = 3.14159\n    return π * r ** 2", "Cyrillic and Greek identifiers"),
            ("s = 'a\u00a0b\u200bc\u2028d\x7fe🎉\u00e9e\u0301'",
             "string with NBSP, zero-width space, U+2028, DEL, emoji, precomposed and decomposed é: "
             "repr gives 'a\\xa0b\\u200bc\\u2028d\\x7fe🎉ée\u0301'"),
        ],
    )

    add(
        "syntax_errors",
        "outputs that do not parse (SyntaxError and subclasses), next to one that does",
        [
            ("def f(:\n    pass", "SyntaxError"),
            ("    total = 0\n    for x in xs:\n        total += x\n    return total",
             "a function body: _strip_cot strips the first line's indent only -> IndentationError"),
            ("I'm sorry, I can't help with that.", "prose only (unterminated string literal)"),
            ("if True:\n\tif True:\n        pass", "TabError (inconsistent tabs and spaces)"),
            ("x = 1\x00", "NUL byte: SyntaxError in 3.11.7 (a ValueError before 3.11.4/3.12, which would escape)"),
            ("def f(xs):\n    return sum(xs)", "parses"),
        ],
    )

    add(
        "py311_grammar",
        "syntax whose acceptance depends on the Python version: these are Python 3.11 results",
        [
            ("type Point = tuple[float, float]", "PEP 695 type alias: SyntaxError in 3.11 (parses in 3.12+)"),
            ("def first[T](xs: list[T]) -> T:\n    return xs[0]", "PEP 695 generic function: SyntaxError in 3.11"),
            ("def get(d):\n    return f\"{d[\"k\"]}\"", "f-string reusing its quote: SyntaxError in 3.11 (PEP 701, 3.12+)"),
            ("def kind(x):\n    match x:\n        case [a, *rest]:\n            return a\n        case {'k': v}:\n            return v\n        case _:\n            return None",
             "match statement (3.10+): parses"),
            ("try:\n    run()\nexcept* ValueError as eg:\n    handle(eg)", "except* (3.11+): TryStar, parses"),
            ("def f(a, /, b, *, c):\n    if (n := len(a)) > 10:\n        return n", "positional-only, keyword-only, walrus: parses"),
        ],
    )

    add(
        "deep_nesting",
        "deep trees: the reference recursion and the limits of ast.parse in Python 3.11",
        [
            ("def f(x):\n    return x * 2", "small program"),
            (binop_chain(400), "1 + 1 + ... (400 terms): height 403, extracted normally (one BinOp subtree)"),
            (binop_chain(600),
             "600 terms, height 603 > 501: _subtree_height's guard (_depth > 500) would give -1, but under 3.11 "
             "(two Python frames per level: the function and its list comprehension) RecursionError comes first; "
             "either way the output is parseable and contributes nothing"),
            ("y = " + "-" * 4000 + "1", "4000 nested unary minus: ast.parse raises RecursionError (during ast construction) -> unparseable"),
            ("y = " + "-" * 6500 + "1", "6500 nested unary minus: ast.parse raises MemoryError (parser stack overflow) -> unparseable"),
            ("y = " + "(" * 201 + "1" + ")" * 201, "201 nested parentheses: SyntaxError (too many nested parentheses)"),
        ],
    )
    return prompts


def nan_to_none(x):
    if isinstance(x, float) and math.isnan(x):
        return None
    return x


def metrics_json(m: dict) -> dict:
    return {k: nan_to_none(v) for k, v in m.items()}


def subtrees_of(C, code: str):
    """(subtrees or None or 'recursion', parse_error type name or None, warnings)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            tree = ast.parse(code)
        except (SyntaxError, MemoryError, RecursionError) as exc:  # what compute_ast_metrics catches
            return None, type(exc).__name__, [f"{w.category.__name__}: {w.message}" for w in caught]
    warns = [f"{w.category.__name__}: {w.message}" for w in caught]
    try:
        subs = C._extract_subtrees(tree, SUBTREE_HEIGHT)
    except (RecursionError, MemoryError):
        return "recursion", None, warns
    return subs, None, warns


def extraction_threshold(C) -> int:
    """Largest tree height (binop chain) that compute_ast_metrics still extracts subtrees from
    when called from this script; informative only (it depends on the caller's stack depth)."""
    lo, hi = 300, 700
    assert C.compute_ast_metrics([[binop_chain(lo - 3)]])["n_prompts_ast"] == 1
    assert C.compute_ast_metrics([[binop_chain(hi - 3)]])["n_prompts_ast"] == 0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if C.compute_ast_metrics([[binop_chain(mid - 3)]])["n_prompts_ast"] == 1:
            lo = mid
        else:
            hi = mid
    return lo


def build_ast_fixture(C) -> tuple[dict, dict]:
    prompts = ast_prompts()
    records, info = [], {"warnings": {}}
    for p in prompts:
        codes = [C.extract_code_from_markdown(C._strip_cot(o)) for o in p["outputs"]]
        subtrees, errors = [], []
        for k, code in enumerate(codes):
            subs, err, warns = subtrees_of(C, code)
            subtrees.append(subs)
            errors.append(err)
            if warns:
                info["warnings"][f"{p['name']}[{k}]"] = warns
        m = metrics_json(C.compute_ast_metrics([p["outputs"]]))
        # the same metric recomputed from the stored subtree lists (guards the fixture's own logic)
        parseable = sum(1 for s in subtrees if s is not None)
        assert m["parseability_rate"] == round(parseable / len(codes), 6), p["name"]
        counted = [s for s in subtrees if isinstance(s, list) and s]
        assert m["n_prompts_ast"] == (1 if counted else 0), p["name"]
        records.append(
            {
                "name": p["name"],
                "description": p["description"],
                "labels": p["labels"],
                "outputs": p["outputs"],
                "codes": codes,
                "parse_errors": errors,
                "subtrees": subtrees,
                **m,
            }
        )
    pooled = metrics_json(C.compute_ast_metrics([p["outputs"] for p in prompts]))

    # expectations this fixture is meant to exercise (fail loudly if the reference differs)
    by = {r["name"]: r for r in records}
    assert by["fence_edges"]["codes"][1] == "def below_zero(ops):\n    return min(ops) < 0"  # tie: first
    assert by["fence_edges"]["codes"][5] == ""  # bash block before the python block
    assert by["fenced_blocks"]["parse_errors"][4] == "SyntaxError"
    assert by["think"]["subtrees"][4] == [] and by["think"]["codes"][4] == ""
    assert by["no_height4_subtree"]["ast_distinct"] is None and by["no_height4_subtree"]["parseability_rate"] == 1.0
    assert by["deep_nesting"]["subtrees"][2] == "recursion"
    assert by["deep_nesting"]["parse_errors"][3:] == ["RecursionError", "MemoryError", "SyntaxError"]
    assert by["identical"]["ast_pairwise"] == 0.0
    assert by["py311_grammar"]["parse_errors"] == ["SyntaxError", "SyntaxError", "SyntaxError", None, None, None]
    assert by["syntax_errors"]["parse_errors"] == ["SyntaxError", "IndentationError", "SyntaxError", "TabError", "SyntaxError", None]
    assert list(info["warnings"]) == ["identifiers_constants[4]"], info["warnings"]

    info["extraction_max_height"] = extraction_threshold(C)
    doc = {
        "description": "Reference compute_ast_metrics (subtree_height 4) per prompt and pooled; codes = "
                       "extract_code_from_markdown(_strip_cot(output)); subtrees = _extract_subtrees(ast.parse(code), 4) "
                       "(null: ast.parse raised SyntaxError/MemoryError/RecursionError; \"recursion\": _extract_subtrees "
                       "raised RecursionError/MemoryError). NaN metrics are null.",
        "python_version": sys.version.split()[0],
        "subtree_height": SUBTREE_HEIGHT,
        "prompts": records,
        "pooled": pooled,
        "notes": {
            "parse_warnings": info["warnings"],
            "extraction_max_height_from_this_script": info["extraction_max_height"],
            "guard_reachable": False,
            "compute_ast_metrics([])": metrics_json(C.compute_ast_metrics([])),
            "compute_ast_metrics([[]])": metrics_json(C.compute_ast_metrics([[]])),
        },
    }
    return doc, info


# --------------------------------------------------------------------------------------
# UniXcoder tiny model
# --------------------------------------------------------------------------------------

# HumanEval/MBPP-like snippets written for this fixture: the BPE training corpus.
CORPUS_SNIPPETS = [
    HAS_CLOSE_LOOP, HAS_CLOSE_SORTED, HAS_CLOSE_SORTED_LOOP, BELOW_ZERO, CONSTANTS, FSTRING, REGEX_NONRAW,
    '''from typing import List


def separate_paren_groups(paren_string: str) -> List[str]:
    """Split a string of balanced parentheses groups into separate strings."""
    result = []
    current = []
    depth = 0
    for c in paren_string:
        if c == '(':
            depth += 1
            current.append(c)
        elif c == ')':
            depth -= 1
            current.append(c)
            if depth == 0:
                result.append(''.join(current))
                current = []
    return result''',
    '''def truncate_number(number: float) -> float:
    """Return the decimal part of a positive floating point number."""
    return number % 1.0''',
    '''def mean_absolute_deviation(numbers: List[float]) -> float:
    mean = sum(numbers) / len(numbers)
    return sum(abs(x - mean) for x in numbers) / len(numbers)''',
    '''def intersperse(numbers: List[int], delimeter: int) -> List[int]:
    if not numbers:
        return []
    result = []
    for n in numbers[:-1]:
        result.append(n)
        result.append(delimeter)
    result.append(numbers[-1])
    return result''',
    '''def filter_by_substring(strings: List[str], substring: str) -> List[str]:
    return [x for x in strings if substring in x]''',
    '''def sum_product(numbers: List[int]) -> Tuple[int, int]:
    sum_value = 0
    prod_value = 1
    for n in numbers:
        sum_value += n
        prod_value *= n
    return sum_value, prod_value''',
    '''def rolling_max(numbers: List[int]) -> List[int]:
    running_max = None
    result = []
    for n in numbers:
        if running_max is None:
            running_max = n
        else:
            running_max = max(running_max, n)
        result.append(running_max)
    return result''',
    '''def is_palindrome(string: str) -> bool:
    return string == string[::-1]''',
    '''def string_xor(a: str, b: str) -> str:
    def xor(i, j):
        if i == j:
            return '0'
        else:
            return '1'
    return ''.join(xor(x, y) for x, y in zip(a, b))''',
    '''def longest(strings: List[str]) -> Optional[str]:
    if not strings:
        return None
    maxlen = max(len(x) for x in strings)
    for s in strings:
        if len(s) == maxlen:
            return s''',
    '''def greatest_common_divisor(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a''',
    '''def all_prefixes(string: str) -> List[str]:
    result = []
    for i in range(len(string)):
        result.append(string[:i + 1])
    return result''',
    '''def count_distinct_characters(string: str) -> int:
    return len(set(string.lower()))''',
    '''def remove_Occ(s, ch):
    for i in range(len(s)):
        if s[i] == ch:
            s = s[0:i] + s[i + 1:]
            break
    for i in range(len(s) - 1, -1, -1):
        if s[i] == ch:
            s = s[0:i] + s[i + 1:]
            break
    return s''',
    '''def sort_matrix(M):
    result = sorted(M, key=sum)
    return result''',
    '''def find_Volume(l, b, h):
    return ((l * b * h) / 2)''',
    '''import re


def text_lowercase_underscore(text):
    patterns = '^[a-z]+_[a-z]+$'
    if re.search(patterns, text):
        return True
    else:
        return False''',
    '''def square_perimeter(a):
    perimeter = 4 * a
    return perimeter''',
    '''def test_duplicate(arraynums):
    nums_set = set(arraynums)
    return len(arraynums) != len(nums_set)''',
    '''def is_woodall(x):
    if x % 2 == 0:
        return False
    if x == 1:
        return True
    x = x + 1
    p = 0
    while x % 2 == 0:
        x = x / 2
        p = p + 1
        if p == x:
            return True
    return False''',
    '''def fib(n: int) -> int:
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)''',
    '''def first_repeated_char(str1):
    for index, c in enumerate(str1):
        if str1[:index + 1].count(c) > 1:
            return c
    return None''',
    '''import heapq


def heap_queue_largest(nums, n):
    largest_nums = heapq.nlargest(n, nums)
    return largest_nums''',
    '''def count_ways(n):
    A = [0] * (n + 1)
    B = [0] * (n + 1)
    A[0] = 1
    A[1] = 0
    B[0] = 0
    B[1] = 1
    for i in range(2, n + 1):
        A[i] = A[i - 2] + 2 * B[i - 1]
        B[i] = A[i - 1] + B[i - 2]
    return A[n]''',
    '''class Stack:
    def __init__(self):
        self.items = []

    def push(self, item):
        self.items.append(item)

    def pop(self):
        if not self.items:
            raise IndexError("pop from empty stack")
        return self.items.pop()''',
    '''def word_count(text: str) -> dict:
    counts = {}
    for word in text.split():
        counts[word] = counts.get(word, 0) + 1
    return counts''',
    '''def matrix_multiply(a, b):
    n, m, p = len(a), len(b), len(b[0])
    return [[sum(a[i][k] * b[k][j] for k in range(m)) for j in range(p)] for i in range(n)]''',
    '''def binary_search(arr, target):
    lo, hi = 0, len(arr) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if arr[mid] == target:
            return mid
        elif arr[mid] < target:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1''',
]



def snippet(header: str) -> str:
    """The corpus snippet containing `header` (e.g. 'def is_woodall')."""
    (hit,) = [t for t in CORPUS_SNIPPETS if header in t]
    return hit


# The texts encoded by the tiny model (code as compute_code_sbert would pass it: already
# extracted and stripped, except where noted).
UNIX_TEXTS = [
    ("has_close_loop", HAS_CLOSE_LOOP),
    ("has_close_sorted", HAS_CLOSE_SORTED),
    ("has_close_loop_duplicate", HAS_CLOSE_LOOP),
    ("add", "def add(a, b):\n    return a + b"),
    ("one_liner", "return sorted(set(l))"),
    ("long_docstring", snippet("def separate_paren_groups")),
    ("unicode", "def grüße(名前):\n    return f'こんにちは, {名前}! 🎉'  # ünïcödé\u200b"),
    ("pass", "pass"),
    ("empty", ""),
    ("surrounding_whitespace", "\n\n    x = 1\n  \t"),
    ("special_token_literals", 'def strike(s):\n    return "<s>" + s + "</s>"  # <pad> <mask> <unk>'),
    ("long_tabs_crlf", snippet("def is_woodall").replace("\n", "\r\n").replace("    ", "\t")),
    ("fib", "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)"),
    ("constants", CONSTANTS),
    ("stack_class", snippet("class Stack")),
    ("count_ways", snippet("def count_ways")),
]
# two prefixes of this snippet with exactly 62 and 63 tokens (64 and 65 with <s> and </s>) are
# appended after the tokenizer is trained: the truncation boundary
BOUNDARY_SOURCE = snippet("def binary_search")

SBERT_GROUPS = [
    ("with_duplicate", [0, 1, 2, 3]),  # two identical texts: a zero eigenvalue in the kernel
    ("mixed", [4, 5, 6, 7]),
    ("pair", [11, 12]),
]


def train_bpe(corpus: list[str]) -> str:
    """Byte-level BPE in the RoBERTa layout (as tests/golden/roberta_nli); tokenizer.json text."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE(dropout=None, unk_token=None, continuing_subword_prefix="", end_of_word_suffix="", fuse_unk=False))
    tok.normalizer = None
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    tok.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    tok.post_processor = processors.RobertaProcessing(sep=("</s>", 2), cls=("<s>", 0), trim_offsets=True, add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE - 1,  # <mask> is appended as the last id below
        min_frequency=2,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus, trainer)
    j = json.loads(tok.to_str())
    vocab = j["model"]["vocab"]
    assert len(vocab) == VOCAB_SIZE - 1, len(vocab)
    assert [vocab[t] for t in ("<s>", "<pad>", "</s>", "<unk>")] == [0, 1, 2, 3]
    vocab["<mask>"] = VOCAB_SIZE - 1
    j["added_tokens"].append(
        {"id": VOCAB_SIZE - 1, "content": "<mask>", "single_word": False, "lstrip": True, "rstrip": False,
         "normalized": False, "special": True}
    )
    return json.dumps(j, ensure_ascii=False)


def reinit_(model, seed: int) -> None:
    """Seeded re-initialisation (the roberta_nli scheme, without a classifier head): the
    default N(0, 0.02) would make every mean-pooled vector nearly the same."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            noise = torch.randn(p.shape, generator=gen, dtype=torch.float32)
            if "LayerNorm.weight" in name:
                p.copy_(1.0 + 0.1 * noise)
            elif "LayerNorm.bias" in name:
                p.copy_(0.1 * noise)
            elif "embeddings" in name:  # word, position, token_type (pad rows included)
                p.copy_(1.0 * noise)
            elif name.endswith(".bias"):
                p.copy_(0.05 * noise)
            elif ".query." in name or ".key." in name:
                p.copy_(0.5 * noise)  # a clearly non-uniform attention pattern
            else:  # the other linear weights (pooler included; mean pooling never reads it)
                p.copy_(0.35 * noise)


def build_tiny(out_dir: Path, tok_json: str) -> None:
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from transformers import AddedToken, RobertaConfig, RobertaModel, RobertaTokenizerFast

    tmp = Path(tempfile.mkdtemp(prefix="unixcoder_tiny_"))
    try:
        (tmp / "tokenizer.json").write_text(tok_json, encoding="utf-8")
        tokenizer = RobertaTokenizerFast(
            tokenizer_file=str(tmp / "tokenizer.json"),
            bos_token="<s>",
            eos_token="</s>",
            sep_token="</s>",
            cls_token="<s>",
            unk_token="<unk>",
            pad_token="<pad>",
            mask_token=AddedToken("<mask>", lstrip=True, rstrip=False, normalized=False, special=True),
            add_prefix_space=False,
            trim_offsets=True,
            model_max_length=TINY_MAX_SEQ_LENGTH,
        )
        config = RobertaConfig(
            vocab_size=VOCAB_SIZE,
            hidden_size=HIDDEN,
            num_hidden_layers=2,
            num_attention_heads=4,
            intermediate_size=64,
            hidden_act="gelu",
            hidden_dropout_prob=0.1,
            attention_probs_dropout_prob=0.1,
            max_position_embeddings=80,  # positions run from padding_idx + 1 = 2 up to 65 here
            type_vocab_size=10,  # as unixcoder-base; only row 0 is used
            layer_norm_eps=1e-5,
            pad_token_id=1,
            bos_token_id=0,
            eos_token_id=2,
            architectures=["RobertaModel"],
        )
        torch.manual_seed(0)  # the constructor's own init is overwritten below anyway
        model = RobertaModel(config)
        reinit_(model, SEED)
        model.eval()
        hf_dir = tmp / "hf"
        model.save_pretrained(hf_dir, safe_serialization=True)
        tokenizer.save_pretrained(hf_dir)
        st = SentenceTransformer(
            modules=[Transformer(str(hf_dir), max_seq_length=TINY_MAX_SEQ_LENGTH), Pooling(HIDDEN, "mean")],
            device="cpu",
        )
        if out_dir.exists():
            shutil.rmtree(out_dir)
        st.save(str(out_dir), create_model_card=False)
    finally:
        shutil.rmtree(tmp)


def build_unixcoder_fixture(C, out: Path, ast_doc: dict, threads: int) -> dict:
    import sentence_transformers
    import tokenizers
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer
    from transformers.models.roberta import modeling_roberta

    torch.set_num_threads(threads)
    corpus = CORPUS_SNIPPETS + [t for _, t in UNIX_TEXTS]
    for p in ast_doc["prompts"]:
        corpus += [c for c in p["codes"] if len(c) < 3000]
    tok_json = train_bpe(corpus)
    assert train_bpe(corpus) == tok_json, "BpeTrainer is not deterministic"

    model_dir = out / "unixcoder_tiny"
    build_tiny(model_dir, tok_json)

    # ---- reload from disk exactly as the study does (minus the max_seq_length = 512 line)
    st = SentenceTransformer(str(model_dir), device="cpu")
    assert [type(m).__name__ for m in st] == ["Transformer", "Pooling"], [type(m).__name__ for m in st]
    assert st.max_seq_length == TINY_MAX_SEQ_LENGTH
    assert st[1].pooling_mode in ("mean", ("mean",), ["mean"]), st[1].pooling_mode
    hf = st[0].auto_model
    attn_impl = hf.config._attn_implementation
    raw = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    raw.no_truncation()
    raw.no_padding()

    named = list(UNIX_TEXTS)
    for n_tokens in (TINY_MAX_SEQ_LENGTH - 2, TINY_MAX_SEQ_LENGTH - 1):
        # shortest character prefix (not ending in whitespace) with exactly n_tokens tokens
        cut = next(k for k in range(1, len(BOUNDARY_SOURCE) + 1)
                   if not BOUNDARY_SOURCE[k - 1].isspace()
                   and len(raw.encode(BOUNDARY_SOURCE[:k], add_special_tokens=False).ids) == n_tokens)
        named.append((f"boundary_{n_tokens}_tokens", BOUNDARY_SOURCE[:cut]))
    texts = [t for _, t in named]
    records = []
    max_pos = 0
    n_trunc = 0
    strips = set()
    for (name, text) in named:
        feats = st.preprocess([text])
        tensor_keys = {k for k in feats if hasattr(feats[k], "shape")}
        assert tensor_keys == {"input_ids", "attention_mask"}, feats.keys()
        ids = feats["input_ids"][0].tolist()
        assert all(int(m) == 1 for m in feats["attention_mask"][0])
        pos = modeling_roberta.create_position_ids_from_input_ids(feats["input_ids"], padding_idx=1)
        max_pos = max(max_pos, int(pos.max()))
        # older sentence-transformers (2.x/3.x) stripped each text before tokenising; 5.7 does not
        full = raw.encode(text, add_special_tokens=False).ids
        if text != text.strip():
            stripped = raw.encode(text.strip(), add_special_tokens=False).ids
            assert stripped != full
            strips.add(ids[1:-1] == stripped[: TINY_MAX_SEQ_LENGTH - 2])
            if ids[1:-1] == stripped[: TINY_MAX_SEQ_LENGTH - 2]:
                full = stripped
        truncated = len(full) > TINY_MAX_SEQ_LENGTH - 2
        n_trunc += truncated
        assert ids == [0] + full[: TINY_MAX_SEQ_LENGTH - 2] + [2], name
        records.append({"name": name, "text": text, "input_ids": ids, "n_tokens_untruncated": len(full), "truncated": truncated})

    emb = st.encode(texts, batch_size=ENCODE_BATCH_SIZE, normalize_embeddings=True)
    assert emb.dtype == np.float32 and emb.shape == (len(texts), HIDDEN)
    single = np.stack([st.encode([t], batch_size=1, normalize_embeddings=True)[0] for t in texts])
    big = st.encode(texts, batch_size=C.BATCH_SIZE, normalize_embeddings=True)
    unnorm = st.encode(texts, batch_size=ENCODE_BATCH_SIZE, normalize_embeddings=False)
    for r, v, u in zip(records, emb, unnorm):
        r["embedding"] = [float(x) for x in v]
        r["norm_before_normalize"] = float(np.linalg.norm(u.astype(np.float64)))

    # eager attention (what a port usually implements) vs the default SDPA
    st_eager = SentenceTransformer(str(model_dir), device="cpu", model_kwargs={"attn_implementation": "eager"})
    assert st_eager[0].auto_model.config._attn_implementation == "eager"
    eager = st_eager.encode(texts, batch_size=ENCODE_BATCH_SIZE, normalize_embeddings=True)

    sims = emb.astype(np.float64) @ emb.astype(np.float64).T
    off = sims[~np.eye(len(texts), dtype=bool)]
    groups = []
    for gname, idx in SBERT_GROUPS:
        g = np.asarray(emb[idx], dtype=np.float32)
        g64 = g.astype(np.float64)
        groups.append(
            {
                "name": gname,
                "indices": idx,
                "sbert_diversity": C.compute_sbert_diversity(g),
                "vendi_score": C.compute_vendi_score(g),
                "sbert_diversity_f64": C.compute_sbert_diversity(g64),
                "vendi_score_f64": C.compute_vendi_score(g64),
            }
        )

    # the whole pipeline on the ast.json prompts: compute_code_sbert (extraction, dropping
    # blank code, encode with batch_size 512, normalise, per-prompt scores, mean over prompts)
    per_prompt = []
    for p in ast_doc["prompts"]:
        r = C.compute_code_sbert([p["outputs"]], st)
        per_prompt.append({"name": p["name"], **metrics_json(r)})
    pooled = metrics_json(C.compute_code_sbert([p["outputs"] for p in ast_doc["prompts"]], st))

    checks = {
        "attn_implementation": attn_impl,
        "max_position_id": max_pos,
        "n_truncated": int(n_trunc),
        "sentence_transformers_strips_texts": strips == {True},
        "batched_vs_single_max_abs_diff": float(np.abs(emb - single).max()),
        "batch4_vs_batch512_max_abs_diff": float(np.abs(emb - big).max()),
        "eager_vs_sdpa_max_abs_diff": float(np.abs(emb - eager).max()),
        "cosine_offdiag_min": float(off.min()),
        "cosine_offdiag_max_excluding_duplicates": float(max(
            sims[i, j] for i in range(len(texts)) for j in range(len(texts)) if i != j and texts[i] != texts[j])),
        "cosine_offdiag_mean": float(off.mean()),
        "versions": {
            "python": sys.version.split()[0],
            "torch": torch.__version__,
            "torch_threads": threads,
            "transformers": transformers.__version__,
            "sentence_transformers": sentence_transformers.__version__,
            "tokenizers": tokenizers.__version__,
            "numpy": np.__version__,
        },
    }
    assert max_pos <= 79
    assert len(strips) == 1, strips
    return {
        "description": "Tiny random UniXcoder-shaped encoder in unixcoder_tiny/ (RobertaModel + mean pooling). "
                       "input_ids: SentenceTransformer.preprocess([text]) (<s> ... </s>, truncated to "
                       f"max_seq_length {TINY_MAX_SEQ_LENGTH}). embedding: encode(texts, batch_size={ENCODE_BATCH_SIZE}, "
                       "normalize_embeddings=True), float32 values. groups: reference compute_sbert_diversity / "
                       "compute_vendi_score on the float32 rows (and on the same rows widened to float64). "
                       "code_sbert: reference compute_code_sbert on the ast.json prompts with this model.",
        "max_seq_length": TINY_MAX_SEQ_LENGTH,
        "batch_size": ENCODE_BATCH_SIZE,
        "texts": records,
        "groups": groups,
        "code_sbert": {"per_prompt": per_prompt, "pooled": pooled, "encode_batch_size": C.BATCH_SIZE},
        "checks": checks,
    }


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def write_json(path: Path, obj, indent=1) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=True, indent=indent, allow_nan=False)
        fh.write("\n")


def generate(C, out: Path, threads: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    ast_doc, _ = build_ast_fixture(C)
    write_json(out / "ast.json", ast_doc)
    unix = build_unixcoder_fixture(C, out, ast_doc, threads)
    write_json(out / "unixcoder.json", unix)


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix != ".py" and p.name != "README.md"
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ref", type=Path, default=Path(os.environ.get("REFERENCE_SRC", "/work/ref-src")),
                    help="checkout of the authors' code (default: $REFERENCE_SRC or /work/ref-src)")
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: next to this script)")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--check-determinism", action="store_true",
                    help="generate twice into temporary folders and compare, without touching --out")
    args = ap.parse_args()

    if sys.version.split()[0] != PYTHON_VERSION:
        raise SystemExit(f"needs Python {PYTHON_VERSION} (ast.dump strings and the grammar are version specific); "
                         f"this is {sys.version.split()[0]}")
    C = import_reference(args.ref.resolve())

    if args.check_determinism:
        runs = []
        for _ in range(2):
            d = Path(tempfile.mkdtemp(prefix="code_diversity_"))
            try:
                generate(C, d, args.threads)
                runs.append(digests(d))
            finally:
                shutil.rmtree(d)
        assert runs[0] == runs[1], "outputs differ between two runs"
        print(f"deterministic: {len(runs[0])} files identical across two runs")
        return

    generate(C, args.out, args.threads)
    for name, digest in digests(args.out).items():
        print(f"{(args.out / name).stat().st_size:>9}  {digest[:16]}  {name}")


if __name__ == "__main__":
    main()
