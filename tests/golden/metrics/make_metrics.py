"""Golden fixtures for the diversity metrics (EAD, SBERT, Vendi, NLI pairing, text cleaning).

Every expected value in this folder is computed by the *authors' reference code*
(ckarouzos/where-diversity-collapses, commit f193bfa), imported at run time from a
checkout outside this repository. Nothing from that code is copied here: this script
only builds inputs, calls the reference functions and writes their results.

Regenerate from the repository root (see README.md for setting up the reference source):

    /work/venv-ref/bin/python tests/golden/metrics/make_metrics.py \
        --ref /work/ref-src --assets assets

Outputs (next to this script unless --out is given):
    groups.json              the prompts: each a list of K outputs (+ name/tags)
    ead.json                 EADDiversityCalculator values (V = 50257, and V = 100278 for 20 groups)
    embeddings.safetensors   all-mpnet-base-v2 embeddings (f32) for the SBERT/Vendi groups
    sbert_vendi.json         SBERT pairwise diversity, Vendi, and the QFD-script variants
    text.json                _strip_cot, strip_think_tags, _split_sentences, EAD words
    nli_pairs.json           the sentence pairs the NLI metric scores, with fake scores

The script is deterministic: all selections use fixed seeds, the asset files are
fixed, and CPU torch inference is deterministic for a fixed thread count (pinned
below with --threads, default 2).
"""

from __future__ import annotations

import argparse
import ast
import gzip
import hashlib
import itertools
import json
import logging
import math
import random
import re
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

# --------------------------------------------------------------------------------------
# Reference code loading
# --------------------------------------------------------------------------------------


def load_reference(ref: Path):
    """Import the reference modules from a checkout of the authors' repository.

    lighteval_diversity_metrics.py itself inserts ``src/`` into sys.path (for
    ``utils.seeding``); we only need ``src/evaluation`` to import it by name.
    lighteval is not installed, so the module's optional lighteval integration is
    skipped (it logs a warning and defines stubs).
    """
    sys.path.insert(0, str(ref / "src" / "evaluation"))
    import lighteval_diversity_metrics as L  # noqa: E402
    import math_answer_extraction as M  # noqa: E402

    # scripts/quality_filtered_diversity.py imports pandas, sentence_transformers and the
    # code-execution harness at module level. We only need three small pure functions,
    # so we parse the file and exec just those function definitions.
    qfd_path = ref / "scripts" / "quality_filtered_diversity.py"
    tree = ast.parse(qfd_path.read_text(encoding="utf-8"), filename=str(qfd_path))
    wanted = {"compute_sbert_diversity", "compute_vendi_score", "_strip_cot"}
    nodes = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in wanted]
    if {n.name for n in nodes} != wanted:
        raise RuntimeError(f"could not find {wanted} in {qfd_path}")
    module = ast.Module(body=nodes, type_ignores=[])
    qfd_ns: dict = {"np": np, "__name__": "qfd_subset"}
    exec(compile(module, str(qfd_path), "exec"), qfd_ns)  # noqa: S102
    return L, M, qfd_ns


# --------------------------------------------------------------------------------------
# Asset loading (real text)
# --------------------------------------------------------------------------------------


def load_assets(assets: Path) -> dict:
    d = assets / "data"
    xsum = [json.loads(line) for line in (d / "xsum" / "test.jsonl").open(encoding="utf-8")]
    tqa = [json.loads(line) for line in (d / "truthfulqa" / "combined.jsonl").open(encoding="utf-8")]
    with gzip.open(d / "gsm8k" / "requests.jsonl.gz", "rt", encoding="utf-8") as fh:
        gsm = [json.loads(line)["doc"] for line in fh]
    with gzip.open(d / "humaneval" / "HumanEval.jsonl.gz", "rt", encoding="utf-8") as fh:
        he = [json.loads(line) for line in fh]
    alpaca = json.loads((d / "alpaca_eval" / "alpaca_eval_gpt4_baseline.json").read_text(encoding="utf-8"))
    arena = [json.loads(line) for line in (d / "arena_hard" / "question.jsonl").open(encoding="utf-8")]
    ifeval = [json.loads(line) for line in (d / "ifeval" / "input_data.jsonl").open(encoding="utf-8")]
    return {"xsum": xsum, "tqa": tqa, "gsm": gsm, "he": he, "alpaca": alpaca,
            "arena": arena, "ifeval": ifeval}


# --------------------------------------------------------------------------------------
# Hand-written text (no asset has non-Latin scripts or emoji)
# --------------------------------------------------------------------------------------

NON_LATIN = [
    "这是一个关于天气的简短回答。明天会下雨。",
    "这是一个关于天气的简短回答。明天是晴天。",
    "東京は日本の首都です。 人口はとても多いです。",
    "東京は日本の首都です。人口は約千四百万人です。",
    "Москва — столица России. Это очень большой город.",
    "Москва является столицей России. Город очень большой.",
    "القاهرة هي عاصمة مصر. إنها مدينة كبيرة جداً؟",
    "القاهرة عاصمة مصر وأكبر مدنها.",
    "दिल्ली भारत की राजधानी है। यह एक बड़ा शहर है।",
    "नई दिल्ली भारत की राजधानी है।",
    "Η Αθήνα είναι η πρωτεύουσα της Ελλάδας. Είναι πολύ παλιά πόλη.",
    "Η Αθήνα είναι αρχαία πόλη.",
    "서울은 대한민국의 수도입니다. 인구가 많습니다.",
    "서울은 한국의 수도입니다.",
    "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย",
    "ירושלים היא בירת ישראל. זו עיר עתיקה.",
]

EMOJI = [
    "Great job! 🎉 You solved it.",
    "Great job! 🎉🎉 You solved it.",
    "👍",
    "👍 👍 👍 👍 👍 👍",
    "I love pizza 🍕 and pasta 🍝.",
    "I love pizza 🍕 and sushi 🍣.",
    "The answer is 42 ✅",
    "The answer is 41 ❌",
    "🙂 Hello there, friend. 🙂",
    "Family: 👨‍👩‍👧‍👦 (a ZWJ sequence).",
    "Flags 🇬🇧 🇫🇷 🇩🇪 and skin tones 👋🏽 👋🏿.",
    "Rocket launch 🚀🚀🚀!!!",
    "🌧️ Rain expected tomorrow. ☀️ Sun on Friday.",
    "Keycap 1️⃣ 2️⃣ 3️⃣ numbers.",
    "Math: ∑ x² ≥ 0 ∀ x ∈ ℝ.",
    "Mixed: café naïve résumé 🤔 coöperate.",
]


# --------------------------------------------------------------------------------------
# Group construction
# --------------------------------------------------------------------------------------


def words_to_length(chunks, min_words):
    """Concatenate text chunks (joined by blank lines) until the result has > min_words words."""
    out, count = [], 0
    for c in chunks:
        out.append(c)
        count += len(c.split())
        if count > min_words:
            break
    if count <= min_words:
        raise RuntimeError("not enough text for a long output")
    return "\n\n".join(out)


def perturb(text: str, rng: random.Random, kind: str) -> str:
    """Small, deterministic edits used for near-duplicate groups."""
    w = text.split(" ")
    if kind == "drop" and len(w) > 3:
        del w[rng.randrange(1, len(w) - 1)]
    elif kind == "swap" and len(w) > 3:
        i = rng.randrange(0, len(w) - 1)
        w[i], w[i + 1] = w[i + 1], w[i]
    elif kind == "dup" and len(w) > 1:
        i = rng.randrange(0, len(w))
        w.insert(i, w[i])
    elif kind == "lower":
        return text.lower()
    elif kind == "upper":
        return text.upper()
    elif kind == "nodot":
        return text.rstrip(".")
    elif kind == "dot":
        return text + "."
    elif kind == "space":
        return "  " + text.replace(" ", "  ") + " "
    elif kind == "newline":
        i = rng.randrange(1, max(2, len(w)))
        w[i - 1] = w[i - 1] + "\n"
    elif kind == "digit":
        return re.sub(r"\d", lambda m: str((int(m.group()) + 1) % 10), text, count=2) if re.search(r"\d", text) else text + " 7"
    return " ".join(w)


PERTURB_KINDS = ["drop", "swap", "dup", "lower", "upper", "nodot", "dot", "space", "newline", "digit"]


def build_groups(A: dict) -> list[dict]:
    rng = random.Random(20250101)
    xsum, tqa, gsm, he, alpaca, arena, ifeval = (
        A["xsum"], A["tqa"], A["gsm"], A["he"], A["alpaca"], A["arena"], A["ifeval"])

    # Deterministic, disjoint-ish pools of indices.
    xs_order = list(range(len(xsum)))
    rng.shuffle(xs_order)
    xs_iter = iter(xs_order)

    def take_xsum(n):
        return [xsum[next(xs_iter)] for _ in range(n)]

    summaries = lambda n: [d["summary"] for d in take_xsum(n)]  # noqa: E731
    # Documents of moderate length (< 450 words) keep the fixture small.
    short_docs = [d for d in xsum if 80 <= len(d["document"].split()) <= 450]
    many_line_docs = [d for d in xsum if d["document"].count("\n") >= 15 and len(d["document"].split()) <= 700]
    gsm_order = list(range(len(gsm)))
    rng.shuffle(gsm_order)
    gsm_iter = iter(gsm_order)
    alp_order = [i for i in range(len(alpaca)) if 150 <= len(alpaca[i]["output"]) <= 1400]
    rng.shuffle(alp_order)
    alp_iter = iter(alp_order)
    he_order = list(range(len(he)))
    rng.shuffle(he_order)
    he_iter = iter(he_order)
    tqa_rich = [r for r in tqa if len(r["answer"]) >= 6]
    long_pool = [d["document"] for d in xsum if len(d["document"].split()) >= 600]

    groups: list[dict] = []

    def add(name, tags, outputs):
        assert isinstance(outputs, list) and all(isinstance(o, str) for o in outputs), name
        groups.append({"name": name, "tags": list(tags), "outputs": list(outputs)})

    # ---- builders -------------------------------------------------------------------
    def g_distinct_summaries(tag=""):
        add(f"xsum_summaries_distinct{tag}", ["real", "xsum", "distinct"], summaries(16))

    def g_doc_lines(tag=""):
        d = many_line_docs[rng.randrange(len(many_line_docs))]
        lines = [ln for ln in d["document"].split("\n") if ln.strip()][:16]
        add(f"xsum_doc_lines{tag}", ["real", "xsum", "same_topic", "distinct"], lines)

    def g_documents(tag="", n=16):
        docs = rng.sample(short_docs, n)
        add(f"xsum_documents{tag}", ["real", "xsum", "multi_sentence", "distinct"], [d["document"] for d in docs])

    def g_dup_all(tag="", text=None):
        t = text if text is not None else summaries(1)[0]
        add(f"dup_all_16{tag}", ["real", "duplicates", "collapse"], [t] * 16)

    def g_dup_mix(tag, counts, source="xsum"):
        if source == "xsum":
            texts = summaries(len(counts))
        elif source == "gsm8k":
            texts = [gsm[next(gsm_iter)]["answer"] for _ in counts]
        else:
            texts = [alpaca[next(alp_iter)]["output"] for _ in counts]
        outs = []
        for t, c in zip(texts, counts):
            outs.extend([t] * c)
        rng.shuffle(outs)
        add(f"dup_mix_{'_'.join(map(str, counts))}{tag}", ["real", source, "duplicates"], outs)

    def g_near_dup(tag="", base=None, source="xsum"):
        b = base if base is not None else summaries(1)[0]
        outs = [b]
        for i in range(15):
            outs.append(perturb(b, rng, PERTURB_KINDS[i % len(PERTURB_KINDS)]))
        add(f"near_dup{tag}", ["real", source, "near_duplicates"], outs)

    def g_tqa(tag=""):
        r = tqa_rich[rng.randrange(len(tqa_rich))]
        ans = list(r["answer"])
        outs = [ans[i % len(ans)] for i in range(16)]
        add(f"truthfulqa_answers{tag}", ["real", "truthfulqa", "short", "partial_duplicates"], outs)

    def g_gsm(tag=""):
        add(f"gsm8k_answers{tag}", ["real", "gsm8k", "multi_line", "distinct"],
            [gsm[next(gsm_iter)]["answer"] for _ in range(16)])

    def g_gsm_variants(tag=""):
        doc = gsm[next(gsm_iter)]
        b = doc["answer"]
        outs = [b, re.sub(r"<<[^>]*>>", "", b), b.replace("\n", " "), doc["choices"][0]]
        while len(outs) < 16:
            outs.append(perturb(b, rng, PERTURB_KINDS[len(outs) % len(PERTURB_KINDS)]))
        add(f"gsm8k_answer_variants{tag}", ["real", "gsm8k", "near_duplicates", "multi_line"], outs)

    def g_alpaca(tag=""):
        add(f"alpaca_outputs{tag}", ["real", "alpaca", "multi_paragraph", "distinct"],
            [alpaca[next(alp_iter)]["output"] for _ in range(16)])

    def g_humaneval(tag=""):
        outs = []
        for _ in range(16):
            p = he[next(he_iter)]
            outs.append(p["canonical_solution"] if len(outs) % 2 == 0 else p["prompt"] + p["canonical_solution"])
        add(f"humaneval_code{tag}", ["real", "humaneval", "code", "distinct"], outs)

    def g_arena(tag=""):
        pool = [q["prompt"] for q in arena if 40 <= len(q["prompt"]) <= 1500]
        add(f"arena_prompts{tag}", ["real", "arena_hard", "distinct"], rng.sample(pool, 16))

    def g_ifeval(tag=""):
        add(f"ifeval_prompts{tag}", ["real", "ifeval", "distinct"], [r["prompt"] for r in rng.sample(ifeval, 16)])

    def g_mixed(tag=""):
        outs = []
        for i in range(16):
            k = i % 6
            if k == 0:
                outs.append(summaries(1)[0])
            elif k == 1:
                outs.append(gsm[next(gsm_iter)]["answer"])
            elif k == 2:
                outs.append(he[next(he_iter)]["canonical_solution"])
            elif k == 3:
                outs.append(tqa[rng.randrange(len(tqa))]["answer"][0])
            elif k == 4:
                outs.append(alpaca[next(alp_iter)]["output"])
            else:
                outs.append(ifeval[rng.randrange(len(ifeval))]["prompt"])
        add(f"mixed_sources{tag}", ["real", "mixed", "distinct"], outs)

    # ---- crafted edge cases ----------------------------------------------------------
    def g_empty_ws():
        add("empty_and_whitespace", ["edge", "empty", "whitespace", "unicode_ws"],
            ["", " ", "\n", "\t", "\r\n", "   \n\n  ", "\x1c", "\x1d\x1e\x1f", "\xa0", "\u3000",
             "\u2028", "\x85", "\x0b\x0c", ".", "\n.\n", ""])

    def g_all_empty():
        add("all_empty", ["edge", "empty", "collapse"], [""] * 16)

    def g_half_empty():
        s = summaries(8)
        add("half_empty", ["edge", "empty", "real", "xsum"], [x for pair in zip(s, [""] * 8) for x in pair])

    def g_short():
        add("short_outputs", ["edge", "short"],
            ["Yes", "No", "Yes.", "Maybe so", "I don't know", "Paris", "The answer is 42",
             "Four words right here", "Five words are right here", "yes", "YES", "No.", "42",
             "It depends.", "Not sure at all", "Yes"])

    def g_short_dup():
        add("short_outputs_dup", ["edge", "short", "duplicates"],
            ["The answer is 18"] * 10 + ["The answer is 18."] * 3 + ["18"] * 2 + ["#### 18"])

    def g_punct_inside():
        add("punct_inside_words", ["edge", "dot_newline"],
            ["end\nNext", "endNext", "3.5 apples", "35 apples", "e.g. this", "eg this", "U.S.A. is large",
             "USA is large", "The end.\nNext line here.", "The endNext line here", "a.b.c.d.e.f",
             "abcdef", "...", "\n\n\n", "word.\n.\nword", "Version 2.0.1 released. Next 3.0."])

    def g_punct_only():
        add("punctuation_only", ["edge", "punctuation"],
            ["...", "?!", "!!!", "???", ". . .", "!?!?", ";", ",", "-", "--", "…", "。", "! ? .", "*", "#", "...?"])

    def g_unicode_ws(tag, sep_list):
        base = "the quick brown fox jumps over the lazy dog today"
        outs = []
        for i, sep in enumerate(sep_list):
            words = base.split(" ")
            outs.append(sep.join(words) if i % 2 == 0 else (words[0] + sep + " ".join(words[1:]) + "." + sep + "Next sentence here."))
        add(f"unicode_whitespace{tag}", ["edge", "unicode_ws"], outs)

    ws_a = ["\x1c", "\x1d", "\x1e", "\x1f", "\xa0", "\u3000", "\u2028", "\x85",
            "\x1c", "\x1d", "\x1e", "\x1f", "\xa0", "\u3000", "\u2028", "\x85"]
    ws_b = ["\u2029", "\u2000", "\u2009", "\u200a", "\u202f", "\u205f", "\u1680", "\x0b",
            "\x0c", " ", "\t", "\r", "\u2003", "\u180e", "\ufeff", "\u200b"]

    def g_zero_width():
        add("zero_width_space", ["edge", "zero_width"],
            ["the\u200bquick brown fox", "the quick brown fox", "\u200b", "\u200b\u200b \u200b",
             "word\u200b word\u200b word\u200b word\u200b word", "word word word word word",
             "zero\u200bwidth\u200bjoined\u200bwords\u200bhere", "soft\xadhyphen here", "joiner\u200dhere",
             "non\u200cjoiner", "bom\ufeffinside", "\ufeffleading bom", "A.\u200bB", "A. B",
             "the quick brown fox", "the\u200bquick brown fox"])

    def g_tabs_cr():
        add("tabs_and_cr", ["edge", "tabs_cr"],
            ["col1\tcol2\tcol3", "col1 col2 col3", "line one\r\nline two\r\n", "line one\nline two",
             "old mac\rline end", "mixed\t\r\n \t spaces", "\t\tindented code\n\treturn x",
             "Sentence one.\tSentence two.", "Sentence one.\rSentence two.", "Sentence one.\r\nSentence two.",
             "tab\tat\tevery\tword\there", "tab at every word here", "\r", "\t", "a\t.\tb", "end.\t"])

    def g_long(tag, n_long, k):
        # > 2000 words each (beyond the 384 word-piece SBERT window and the 512 NLI window)
        outs = []
        for _ in range(n_long):
            start = rng.randrange(len(long_pool))
            chunks = long_pool[start:] + long_pool[:start]
            outs.append(words_to_length(chunks, 2000))
        fill = summaries(k - n_long)
        outs = outs + fill
        add(f"long_outputs{tag}", ["edge", "long", "real", "xsum"], outs)

    def g_non_latin():
        add("non_latin_scripts", ["edge", "non_latin"], list(NON_LATIN))

    def g_non_latin_dup():
        add("non_latin_mixed_dup", ["edge", "non_latin", "duplicates"],
            [NON_LATIN[0]] * 4 + [NON_LATIN[2]] * 4 + [NON_LATIN[4]] * 4 + NON_LATIN[8:12])

    def g_emoji():
        add("emoji", ["edge", "emoji"], list(EMOJI))

    def g_repeated_word():
        add("repeated_words", ["edge", "repetition"],
            [" ".join(["the"] * n) for n in (1, 2, 3, 4, 5, 6, 10, 50)] +
            ["na " * 40 + "batman", "ha" * 30, "a b a b a b a b a b", "a b c a b c a b c",
             "x y x y x y", "x", "x x", "x x x x x x x x x x x x"])

    def g_case():
        add("case_variants", ["edge", "case"],
            ["The Cat Sat On The Mat", "the cat sat on the mat", "THE CAT SAT ON THE MAT",
             "The cat sat on the mat.", "the cat sat on the mat!", "The cat sat on the mat?",
             "tHE cAT sAT oN tHE mAT", "The Cat Sat On The Mat", "the cat sat on the mat",
             "the cat sat on a mat", "a cat sat on the mat", "the dog sat on the mat",
             "the cat sat on the rug", "the cat sat", "on the mat", "the cat sat on the mat the cat sat on the mat"])

    def g_think_leftovers():
        add("think_tag_text", ["edge", "think_tags"],
            ["<think>reasoning</think>answer", "answer", "reasoning</think>answer", "<think>unclosed reasoning",
             "</think>", "<think>", "<think></think>", "The <think> tag is literal here.",
             "answer", "answer", "<think>a</think>b<think>c</think>d", "bd", "b d", "</think>after",
             "before<think>", "<think> spaced </think> answer"])

    def g_small(name, outs, tags):
        add(name, ["small_k"] + tags, outs)

    # ---- the first 30 groups (also used for the NLI pairing fixture) -----------------
    g_distinct_summaries("_a")                                     # 0
    g_doc_lines("_a")                                              # 1
    g_documents("_a")                                              # 2
    g_dup_all("_a")                                                # 3
    g_near_dup("_a")                                               # 4
    g_tqa("_a")                                                    # 5
    g_gsm("_a")                                                    # 6
    g_alpaca("_a")                                                 # 7
    g_empty_ws()                                                   # 8
    g_small("k1_summary", summaries(1), ["real", "xsum"])          # 9
    g_small("k2_documents", [d["document"] for d in rng.sample(short_docs, 2)], ["real", "xsum", "multi_sentence"])  # 10
    g_small("k3_mixed", [summaries(1)[0], gsm[next(gsm_iter)]["answer"], "Short answer."], ["real", "mixed"])       # 11
    g_unicode_ws("_a", ws_a)                                       # 12
    g_punct_inside()                                               # 13
    g_short()                                                      # 14
    g_dup_mix("_a", [8, 8])                                        # 15
    g_humaneval("_a")                                              # 16
    g_mixed("_a")                                                  # 17
    g_non_latin()                                                  # 18
    g_emoji()                                                      # 19
    g_tabs_cr()                                                    # 20
    g_half_empty()                                                 # 21
    g_long("_a", 2, 16)                                            # 22
    g_zero_width()                                                 # 23
    g_dup_mix("_b", [12, 1, 1, 1, 1])                              # 24
    g_arena("_a")                                                  # 25
    g_ifeval("_a")                                                 # 26
    g_gsm_variants("_a")                                           # 27
    g_small("k5_near_dup", [perturb(b, rng, k) for b, k in zip(summaries(1) * 5, ["dot", "drop", "swap", "lower", "nodot"])],
            ["real", "xsum", "near_duplicates"])                   # 28
    g_punct_only()                                                 # 29

    # ---- the rest --------------------------------------------------------------------
    g_all_empty()
    g_short_dup()
    g_unicode_ws("_b", ws_b)
    g_non_latin_dup()
    g_repeated_word()
    g_case()
    g_think_leftovers()
    g_long("_b", 4, 4)
    g_small("k1_empty", [""], ["empty"])
    g_small("k1_long_doc", [rng.choice(short_docs)["document"]], ["real", "xsum"])
    g_small("k2_identical", [summaries(1)[0]] * 2, ["real", "duplicates"])
    g_small("k2_whitespace", [" ", "\x1c"], ["whitespace", "unicode_ws"])
    g_small("k3_identical", [gsm[next(gsm_iter)]["answer"]] * 3, ["real", "gsm8k", "duplicates"])
    g_small("k3_short", ["Yes", "No", "Maybe"], ["short"])
    g_small("k4_distinct", summaries(4), ["real", "xsum"])
    g_small("k8_code", [he[next(he_iter)]["canonical_solution"] for _ in range(8)], ["real", "humaneval", "code"])
    for t in ("_b", "_c", "_d", "_e", "_f", "_g"):
        g_distinct_summaries(t)
    for t in ("_b", "_c", "_d", "_e"):
        g_doc_lines(t)
    for t in ("_b", "_c"):
        g_documents(t)
    g_dup_all("_b", text=None)
    g_dup_all("_gsm", text=gsm[next(gsm_iter)]["answer"])
    g_dup_all("_alpaca", text=alpaca[next(alp_iter)]["output"])
    g_dup_all("_code", text=he[next(he_iter)]["canonical_solution"])
    for t, c, s in (("_c", [15, 1], "xsum"), ("_d", [4, 4, 4, 4], "xsum"), ("_e", [2] * 8, "xsum"),
                    ("_f", [8, 4, 2, 1, 1], "gsm8k"), ("_g", [10, 6], "alpaca"), ("_h", [1] * 14 + [2], "xsum")):
        g_dup_mix(t, c, s)
    for t in ("_b", "_c", "_d", "_e", "_f"):
        g_near_dup(t)
    g_near_dup("_gsm", base=gsm[next(gsm_iter)]["answer"], source="gsm8k")
    g_near_dup("_alpaca", base=alpaca[next(alp_iter)]["output"], source="alpaca")
    for t in ("_b", "_c", "_d", "_e", "_f", "_g", "_h"):
        g_tqa(t)
    for t in ("_b", "_c", "_d", "_e", "_f"):
        g_gsm(t)
    for t in ("_b", "_c"):
        g_gsm_variants(t)
    for t in ("_b", "_c", "_d"):
        g_alpaca(t)
    for t in ("_b", "_c", "_d"):
        g_humaneval(t)
    for t in ("_b",):
        g_arena(t)
    for t in ("_b",):
        g_ifeval(t)
    for t in ("_b", "_c", "_d", "_e"):
        g_mixed(t)
    for t in ("_h", "_i", "_j", "_k"):
        g_distinct_summaries(t)
    for t in ("_f", "_g", "_h", "_i"):
        g_doc_lines(t)
    for t in ("_g", "_h", "_i", "_j"):
        g_near_dup(t)
    for t in ("_i", "_j", "_k", "_l"):
        g_tqa(t)
    for t in ("_g", "_h"):
        g_gsm(t)
    for t in ("_e", "_f"):
        g_humaneval(t)
    g_dup_mix("_i", [12, 4], "xsum")
    # n-gram boundaries: outputs with exactly 1..6 words, so each n in 1..5 sees
    # outputs just below, at and above n words.
    add("ngram_boundaries", ["edge", "short"],
        ["one", "one two", "one two three", "one two three four", "one two three four five",
         "one two three four five six", "two three four five six", "three four five six",
         "a b c d e", "a b c d e", "a b c d", "e d c b a", "one. two. three. four. five.",
         "one\ntwo\nthree\nfour\nfive", "one\n two\n three\n four\n five", "1 2 3 4 5 6 7 8 9 10"])
    add("numbers_and_dots", ["edge", "dot_newline"],
        ["1.000.000", "1000000", "3.5", "35", "3.50", "0.35", "$3.50 each.", "$350 each",
         "v1.2.3", "v123", "192.168.0.1", "1921680 1", "Pi is 3.14159.", "Pi is 314159",
         "... 3.5 ...", "3 . 5"])
    # Real outputs with crafted noise mixed in (whitespace variants of the same text, etc.)
    for t in ("_a", "_b", "_c", "_d", "_e"):
        s = summaries(4)
        outs = []
        for i in range(16):
            b = s[i % 4]
            outs.append([b, b.replace(" ", "\xa0"), b.replace(" ", "\x1c"), b.replace(". ", ".\u3000") + "\x85",
                         b.replace(" ", "\t"), b.replace(" ", "\r\n"), "\u200b" + b, b + "\n\n"][(i + len(t)) % 8])
        add(f"whitespace_variants{t}", ["real", "xsum", "unicode_ws", "near_duplicates"], outs)
    return groups


# --------------------------------------------------------------------------------------
# Text-cleaning inputs
# --------------------------------------------------------------------------------------

TEXT_INPUTS = [
    # --- think tags ---
    "<think>reasoning</think>answer",
    "<think>\nLet me think step by step.\n</think>\n\nThe answer is 42.\n",
    "reasoning only</think>answer",
    "\n\n</think>\n\nThe answer is 42.",
    "reasoning</think>answer</think>tail",
    "</think></think>answer",
    "<think>a</think>b<think>c</think>d",
    "<think>a</think>b<think>c</think>d<think>e</think>f",
    "<think>outer<think>inner</think>middle</think>answer",
    "<think><think></think></think>",
    "<think>a<think>b</think>c<think>d",
    "</think>before<think>after",
    "</think>x<think>y</think>z",
    "a</think>b<think>c</think>d",
    "<think>unclosed reasoning that never ends",
    "<think>a</think><think>b",
    "<think>a</think>b</think>c",
    "<think></think>",
    "<think>a</think>",
    "   <think>a</think>   ",
    "\u3000<think>a</think>\u3000answer\u3000",
    "\x1c<think>x</think>answer\x1d",
    "\x1e\x1f answer \x85\xa0",
    "<think>x</think>\u200banswer\u200b",
    "<think>x</think>\u2028answer\u2028",
    "<THINK>x</THINK>answer",
    "<think >x</think>answer",
    "<think>x</ think>answer",
    "<thi<think>x</think>nk>y</think>z",
    "</thi<think>x</think>nk>answer",
    "<think>line1\nline2\r\nline3</think>\r\nanswer\r\n",
    "The <think> tag is mentioned but never closed.",
    "Only a closing tag at the end</think>",
    "</think>",
    "<think>",
    "<think>x</think></think></think>y",
    "prefix <think>x</think> suffix",
    "<think>reasoning with a fake </thinking> tag</think>final",
    "<think>\n\n</think>\n\n",
    "<think>a\u200b</think>\u200b",
    # --- sentence splitting ---
    "",
    " ",
    "   \n\t  ",
    "\n\n\n",
    "First sentence. Second sentence! Third? Fourth",
    "Wait... what?! Really?!? Yes.",
    "Dr. Smith went to Washington. He arrived at 3 p.m. on Monday.",
    "Mr. and Mrs. Smith arrived. e.g. this and i.e. that",
    "The value is 3.5 and 2.75. Next.",
    "3.14159 is pi. 2.71828 is e.",
    "U.S.A. is big. U.K. too.",
    "Hello.World. Foo",
    "a.b.c",
    "Question?Answer",
    "Line one\nLine two\n\nLine three",
    "a \n b",
    "Windows\r\nline endings\r\nhere.",
    "Tabs\tbetween.\tWords",
    "End.\tNext",
    "End.\rNext",
    "End.\nNext",
    "End.\xa0Next",
    "End.\u3000Next",
    "End.\x1cNext",
    "End.\x1fNext",
    "End.\x85Next",
    "End.\u2028Next",
    "End.\u2029Next",
    "End.\x0bNext",
    "End.\x0cNext",
    "End.\u200bNext",
    "End.\ufeffNext",
    "End.\u180eNext",
    "line\u2028separator without punctuation",
    "Ends with period.",
    "Ends with period. ",
    "  leading space. trailing space.  ",
    "Trailing punctuation!!!",
    "What?!?! No way!!! Yes.",
    "...",
    "?!",
    ".",
    "!!! ???",
    ". . .",
    "… unicode ellipsis… here",
    "Numbered list:\n1. First item\n2. Second item\n3. Third item.",
    "def f(x):\n    return x.y\n\nprint(f(1))",
    "Janet sells 16 - 3 - 4 = <<16-3-4=9>>9 duck eggs a day.\nShe makes 9 * 2 = $<<9*2=18>>18 every day at the farmer\u2019s market.\n#### 18",
    "Great! 🎉 Next sentence. 😀",
    "这是第一句。这是第二句。",
    "はい。 いいえ。",
    "مرحبا. كيف حالك؟ بخير.",
    "यह पहला वाक्य है। यह दूसरा है।",
    "Привет. Как дела? Хорошо!",
    "One. Two. Three. Four. Five. Six. Seven.",
    "Wow!\xa0\xa0Great",
    "end\nNext",
    "3.5",
    "Version 2.0.1 released.\n\nChangelog: fixed bugs. Improved speed!",
    "\"Quoted.\" Then more. (Parenthetical.) End",
    "Trailing newline.\n",
    "\r\n\r\n",
    "\t.\t",
    "a\x1cb\x1dc\x1ed\x1fe",
    "a\xa0b\u3000c\u2028d\x85e\u200bf",
]

WHITESPACE_CHARS = (
    ["\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x1d", "\x1e", "\x1f", " ", "\x85", "\xa0",
     "\u1680", "\u180e"] + [chr(c) for c in range(0x2000, 0x200C)] +
    ["\u200d", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff", "\xad"]
)


def build_text(L, M, Q) -> dict:
    logging.getLogger(L.__name__).setLevel(logging.ERROR)  # _strip_cot warns on empty results
    assert len(TEXT_INPUTS) == len(set(TEXT_INPUTS)), "duplicate text input"
    cases = []
    for t in TEXT_INPUTS:
        words = [g[0] for g in L.lines_to_ngrams([t], 1)[0]]
        cases.append({
            "input": t,
            "strip_cot": L._strip_cot(t),
            "strip_cot_qfd": Q["_strip_cot"](t),
            "strip_think_tags": M.strip_think_tags(t),
            "split_sentences": L.NLIDiversityEvaluator._split_sentences(t),
            "ead_words": words,
        })
    table = []
    for ch in WHITESPACE_CHARS:
        table.append({
            "char": ch,
            "codepoint": f"U+{ord(ch):04X}",
            "str_isspace": ch.isspace(),                     # str.split()/str.strip() use this
            "re_s": re.fullmatch(r"\s", ch) is not None,     # `\s` in the _split_sentences regex
            "split_sentences_after_period": L.NLIDiversityEvaluator._split_sentences("A." + ch + "B"),
            "ead_words": [g[0] for g in L.lines_to_ngrams(["a" + ch + "b"], 1)[0]],
            "strip": ("x" + ch).strip() == "x" and (ch + "x").strip() == "x",
        })
    return {"cases": cases, "whitespace_table": table}


# --------------------------------------------------------------------------------------
# EAD
# --------------------------------------------------------------------------------------

EAD_V_ALT = 100278


def build_ead(L, groups) -> dict:
    outs = [g["outputs"] for g in groups]
    calc = L.EADDiversityCalculator([1, 2, 3, 4, 5], vocab_size=50257)
    calc_alt = L.EADDiversityCalculator([1, 2, 3, 4, 5], vocab_size=EAD_V_ALT)
    per_input = calc.per_input(outs)
    alt_groups = list(range(0, len(groups), max(1, len(groups) // 20)))[:20]
    rows = []
    for i, o in enumerate(outs):
        row = {"group": i, "K": len(o),
               "ead_n": [calc._ead_for_lines(o, n) for n in (1, 2, 3, 4, 5)],
               "per_input": per_input[i]}
        # per_input is sum(values)/len(values) of exactly these five numbers
        assert row["per_input"] == sum(row["ead_n"]) / 5
        if i in alt_groups:
            row["ead_n_v100278"] = [calc_alt._ead_for_lines(o, n) for n in (1, 2, 3, 4, 5)]
            row["per_input_v100278"] = calc_alt.per_input([o])[0]
        rows.append(row)
    first = L.first_outputs([L.OutputGroup(input_id=str(i), outputs=o) for i, o in enumerate(outs)])
    mean, std = L._summary_statistics(per_input)
    alt_pi = [rows[i]["per_input_v100278"] for i in alt_groups]
    alt_mean, alt_std = L._summary_statistics(alt_pi)

    # "overall": compute_diversity() seeds numpy with set_seed(1234) and, when there are at
    # least 500 outputs in total, draws 500 positions with np.random.choice(replace=False).
    np.random.seed(1234)
    all_outputs = [x for o in outs for x in o]
    positions = sorted(np.random.choice(list(range(len(all_outputs))), replace=False, size=500).tolist())
    overall = calc.across_input([all_outputs[p] for p in positions])

    return {
        "vocab_size": 50257,
        "ngram_range": [1, 2, 3, 4, 5],
        "groups": rows,
        "per_input_mean": mean,
        "per_input_std": std,
        "across_input": calc.across_input(first),
        "across_input_v100278": calc_alt.across_input(first),
        "v100278_groups": alt_groups,
        "v100278_per_input_mean": alt_mean,
        "v100278_per_input_std": alt_std,
        "overall_sample": {
            "note": "np.random.seed(1234); np.random.choice(range(total), replace=False, size=500), sorted; "
                    "outputs of all groups flattened in order",
            "total_outputs": len(all_outputs),
            "positions": positions,
            "overall": overall,
        },
    }


# --------------------------------------------------------------------------------------
# SBERT / Vendi
# --------------------------------------------------------------------------------------


SBERT_EXTRA = [  # K = 16 groups after the first 30 that also get embeddings
    "all_empty", "short_outputs_dup", "unicode_whitespace_b", "non_latin_mixed_dup", "repeated_words",
    "case_variants", "think_tag_text", "dup_all_16_code", "dup_mix_15_1_c", "dup_mix_4_4_4_4_d",
    "near_dup_gsm", "whitespace_variants_a", "whitespace_variants_b", "ngram_boundaries",
]


def choose_sbert_groups(groups) -> list[int]:
    """40 groups with K = 16 (every K = 16 group among the first 30, plus SBERT_EXTRA),
    then the first groups with K = 1, 2, 3 and 5."""
    by_name = {g["name"]: i for i, g in enumerate(groups)}
    chosen = [i for i in range(30) if len(groups[i]["outputs"]) == 16] + [by_name[n] for n in SBERT_EXTRA]
    assert len(chosen) == 40 and len(set(chosen)) == 40
    assert all(len(groups[i]["outputs"]) == 16 for i in chosen)
    small = {}
    for i, g in enumerate(groups):
        k = len(g["outputs"])
        if k in (1, 2, 3, 5) and k not in small:
            small[k] = i
    return sorted(chosen) + [small[1], small[2], small[3], small[5]]


def build_sbert(L, Q, groups, model_dir: Path, out_dir: Path):
    import torch
    from safetensors.torch import save_file
    from sentence_transformers import SentenceTransformer

    idx = choose_sbert_groups(groups)
    model = SentenceTransformer(str(model_dir), device="cpu")
    model.eval()

    # The reference SentenceBERTDiversityCalculator.__init__ creates an on-disk cache
    # directory and loads the model from the HF cache. We build the object without
    # __init__ and set what _encode needs: an empty in-memory cache and no cache file
    # (_save_cache returns early when _cache_path is None).
    S = L.SentenceBERTDiversityCalculator

    def make_calc():
        calc = object.__new__(S)
        calc.model_name = "sentence-transformers/all-mpnet-base-v2"
        calc.batch_size = 1024            # DiversityConfig.sbert_batch_size
        calc.batched = True
        calc.max_length = 512             # DiversityConfig.tokenizer_max_length (cache key only)
        calc.device = "cpu"
        calc.verbose = False
        calc._model = model
        calc.cache_dir = None
        calc._cache_path = None
        calc._cache_dirty = False
        calc._embedding_cache = {}
        return calc

    embs, offsets = [], []
    cursor = 0
    for gi in idx:
        calc = make_calc()  # fresh, empty in-memory cache for every group
        # embed_groups on a one-prompt dataset: encodes the group's distinct texts in one
        # batch, L2-normalises with F.normalize, and copies rows for duplicate texts.
        e, offs, first = calc.embed_groups([L.OutputGroup(input_id=str(gi), outputs=groups[gi]["outputs"])])
        assert e.dtype == torch.float32 and e.shape == (len(groups[gi]["outputs"]), 768)
        embs.append(e.contiguous())
        offsets.append((cursor, cursor + e.shape[0]))
        cursor += e.shape[0]
    E = torch.cat(embs, dim=0).contiguous()
    off_t = torch.tensor(offsets, dtype=torch.int64)
    save_file({"embeddings": E, "offsets": off_t}, str(out_dir / "embeddings.safetensors"),
              metadata={"model": "sentence-transformers/all-mpnet-base-v2", "groups": json.dumps(idx)})
    (out_dir / "embeddings.safetensors").chmod(0o644)

    # Metrics on exactly the stored f32 embeddings (reload from disk to be sure).
    from safetensors.torch import load_file
    stored = load_file(str(out_dir / "embeddings.safetensors"))
    E = stored["embeddings"]
    assert torch.equal(stored["offsets"], off_t)

    def nan_to_none(x):
        return None if isinstance(x, float) and math.isnan(x) else x

    rows = []
    for k, gi in enumerate(idx):
        s, e = offsets[k]
        seg = E[s:e]
        seg_np = seg.numpy()
        K = seg.shape[0]
        row = {
            "group": gi,
            "name": groups[gi]["name"],
            "K": K,
            "rows": [s, e],
            "sbert": S._pairwise_diversity(seg),
            "vendi": S._vendi_score(seg),
            "qfd_sbert": nan_to_none(Q["compute_sbert_diversity"](seg_np)),
            "qfd_vendi": nan_to_none(Q["compute_vendi_score"](seg_np)),
        }
        if K >= 2:
            # Diagnostics: the float32 spectrum the reference Vendi sees (P = G / m).
            P = (seg @ seg.T).cpu().numpy() / K
            row["vendi_eigvals_f32"] = [float(v) for v in np.linalg.eigvalsh(P)]
        rows.append(row)

    first_rows = [offsets[k][0] for k in range(len(idx))]
    payload = {
        "model": "sentence-transformers/all-mpnet-base-v2 (assets/models/all-mpnet-base-v2)",
        "encode": {"batch_size": 1024, "convert_to_tensor": True, "normalize": "F.normalize(p=2, dim=1)",
                   "max_seq_length": model.max_seq_length, "per_group_calls": True},
        "groups": idx,
        "offsets": offsets,
        "per_group": rows,
        "sbert_per_input_mean": L._summary_statistics([r["sbert"] for r in rows])[0],
        "sbert_per_input_std": L._summary_statistics([r["sbert"] for r in rows])[1],
        "vendi_per_input_mean": L._summary_statistics([r["vendi"] for r in rows])[0],
        "vendi_per_input_std": L._summary_statistics([r["vendi"] for r in rows])[1],
        # across-input = the first row of every used group
        "across_input_rows": first_rows,
        "sbert_across_input": make_calc().across_input_from_embeddings(E, first_rows),
        "vendi_across_input": make_calc().vendi_across_input_from_embeddings(E, first_rows),
    }
    return payload, E, offsets


# --------------------------------------------------------------------------------------
# NLI pairing (no NLI model: scoring is replaced by a recorder with fake scores)
# --------------------------------------------------------------------------------------


def fake_score(premise: str, hypothesis: str) -> float:
    """Deterministic stand-in for P(entail) - P(contradict): first 8 bytes of
    sha256(premise + "\\x00" + hypothesis) as a big-endian u64, mapped to [-1, 1)."""
    h = hashlib.sha256((premise + "\x00" + hypothesis).encode("utf-8")).digest()
    return int.from_bytes(h[:8], "big") / 2.0**64 * 2.0 - 1.0


def make_nli(L):
    ev = object.__new__(L.NLIDiversityEvaluator)
    ev.model_name = "FacebookAI/roberta-large-mnli"
    ev.batch_size = 1024
    ev.batched = True
    ev.max_length = 512
    ev.pairs_per_input = -1
    ev.pairs_across = -1
    ev.random_subsample = None
    ev._rng = random.Random(1234)
    ev.device = "cpu"
    ev.verbose = False
    ev.sentence_sample_size = 3
    ev.id_to_label = {0: "CONTRADICTION", 1: "NEUTRAL", 2: "ENTAILMENT"}
    ev.label_to_weight = dict(L.NLIDiversityEvaluator.LABEL_WEIGHTS)
    calls = []

    def recorder(premises, hypotheses, *, progress_desc=None):
        premises, hypotheses = list(premises), list(hypotheses)
        scores = [fake_score(p, h) for p, h in zip(premises, hypotheses)]
        calls.append((premises, hypotheses, scores))
        return scores

    ev._batched_weighted_scores = recorder  # instance attribute shadows the method
    return ev, calls


def explain_call(L, texts, premises, hypotheses, replica_rng: random.Random):
    """Re-derive (i, j, k) for each recorded premise/hypothesis pair with an independent
    replica of the pairing loop, and check it reproduces the strings the reference sent."""
    split = L.NLIDiversityEvaluator._split_sentences
    sentences = [split(t) for t in texts]
    triples = []
    for i, j in itertools.combinations(range(len(texts)), 2):
        a, b = sentences[i], sentences[j]
        m = min(len(a), len(b))
        if m == 0:
            continue
        size = min(3, m)
        chosen = replica_rng.sample(list(range(m)), size) if m > size else list(range(m))
        for k in chosen:
            triples.append([i, j, k])
    exp_p, exp_h = [], []
    for i, j, k in triples:
        exp_p += [sentences[i][k], sentences[j][k]]
        exp_h += [sentences[j][k], sentences[i][k]]
    assert exp_p == premises and exp_h == hypotheses, "replica disagrees with the reference pairing"
    return sentences, triples


def check_triples(sentences, triples, K):
    from collections import Counter
    per_pair = Counter((i, j) for i, j, _ in triples)
    for i, j in [(i, j) for i in range(K) for j in range(i + 1, K)]:
        m = min(len(sentences[i]), len(sentences[j]))
        assert per_pair.get((i, j), 0) == min(3, m), (i, j, m)
    for i, j, k in triples:
        assert k < min(len(sentences[i]), len(sentences[j]))
    seen = Counter((i, j, k) for i, j, k in triples)
    assert max(seen.values(), default=1) == 1


def build_nli(L, groups, n_groups=30) -> dict:
    og = [L.OutputGroup(input_id=str(i), outputs=list(g["outputs"])) for i, g in enumerate(groups[:n_groups])]

    def record_per_input(ev, calls, replica):
        values = ev.per_input(og)
        out, c = [], 0
        for gi, grp in enumerate(og):
            K = len(grp.outputs)
            if K <= 1:  # _select_pairs returns [] -> value 0.0, no scoring call
                out.append({"group": gi, "K": K, "sentences": [L.NLIDiversityEvaluator._split_sentences(t) for t in grp.outputs],
                            "pairs": [], "scores": [], "per_input": values[gi]})
                continue
            prem, hyp, scores = calls[c]
            c += 1
            sentences, triples = explain_call(L, grp.outputs, prem, hyp, replica)
            check_triples(sentences, triples, K)
            out.append({"group": gi, "K": K, "sentences": sentences, "pairs": triples,
                        "scores": scores, "per_input": values[gi]})
        assert c == len(calls)
        return out, values

    # Run 1: per_input only, fresh Random(1234).
    ev, calls = make_nli(L)
    run1, v1 = record_per_input(ev, calls, random.Random(1234))
    mean1, std1 = L._summary_statistics(v1)

    # Run 2: across_input(first outputs) first, then per_input on the same evaluator
    # (the reference order: one Random(1234) stream shared by all passes).
    ev, calls = make_nli(L)
    replica = random.Random(1234)
    first = L.first_outputs(og)
    across = ev.across_input(first)
    prem, hyp, scores = calls.pop(0)
    sentences, triples = explain_call(L, first, prem, hyp, replica)
    check_triples(sentences, triples, len(first))
    run2, v2 = record_per_input(ev, calls, replica)
    mean2, std2 = L._summary_statistics(v2)

    return {
        "groups": list(range(n_groups)),
        "sentence_sample_size": 3,
        "seed": 1234,
        "fake_score": "u64_be(sha256(utf8(premise + '\\u0000' + hypothesis))[0:8]) / 2^64 * 2 - 1",
        "layout": "pairs[t] = [i, j, k]: premise sentences[i][k], hypothesis sentences[j][k], then the "
                  "reverse; scores[2t], scores[2t+1] are the fake directional scores of those two",
        "per_input_only": {"per_group": run1, "per_input_mean": mean1, "per_input_std": std1},
        "across_then_per_input": {
            "across_input": {"texts": first, "sentences": sentences, "pairs": triples, "scores": scores,
                             "value": across},
            "per_group": run2, "per_input_mean": mean2, "per_input_std": std2,
        },
    }


# --------------------------------------------------------------------------------------
# Sanity checks
# --------------------------------------------------------------------------------------


def sanity(groups, ead, sb, nli):
    for r in ead["groups"]:
        for v in r["ead_n"] + r.get("ead_n_v100278", []):
            assert 0.0 <= v <= 1.0
    assert 0.0 <= ead["across_input"] <= 1.0
    for r in sb["per_group"]:
        K = r["K"]
        assert 1.0 - 1e-4 <= r["vendi"] <= K + 1e-4, r
        if K >= 2:
            assert abs(r["vendi"] - r["qfd_vendi"]) < 1e-4, r
            assert abs(r["sbert"] - r["qfd_sbert"]) < 1e-5, r
        else:
            assert r["sbert"] == 0.0 and r["vendi"] == 1.0 and r["qfd_sbert"] is None and r["qfd_vendi"] is None
        outs = groups[r["group"]]["outputs"]
        if len(set(outs)) == 1 and K >= 2:
            assert abs(r["vendi"] - 1.0) < 1e-4 and abs(r["sbert"]) < 1e-5, r
    for run in (nli["per_input_only"]["per_group"], nli["across_then_per_input"]["per_group"]):
        for r in run:
            assert len(r["scores"]) == 2 * len(r["pairs"])


def dump(path: Path, obj, indent=1):
    # ensure_ascii keeps every unusual code point visible as an escape; float repr round-trips.
    text = json.dumps(obj, ensure_ascii=True, allow_nan=False, indent=indent)
    path.write_text(text + "\n", encoding="utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ref", type=Path, required=True, help="reference source tree (commit f193bfa)")
    ap.add_argument("--assets", type=Path, required=True, help="the repository's assets/ folder")
    ap.add_argument("--out", type=Path, default=HERE)
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads (fixed for reproducibility)")
    args = ap.parse_args()

    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    L, M, Q = load_reference(args.ref.resolve())
    A = load_assets(args.assets)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)

    groups = build_groups(A)
    dump(out / "groups.json", {"groups": groups})
    text = build_text(L, M, Q)
    dump(out / "text.json", text)
    ead = build_ead(L, groups)
    dump(out / "ead.json", ead)
    nli = build_nli(L, groups)
    dump(out / "nli_pairs.json", nli, indent=None)
    sb, _, _ = build_sbert(L, Q, groups, args.assets / "models" / "all-mpnet-base-v2", out)
    sb["torch_threads"] = args.threads
    dump(out / "sbert_vendi.json", sb)
    sanity(groups, ead, sb, nli)
    print(f"{len(groups)} groups; SBERT groups {len(sb['groups'])}; text cases {len(text['cases'])}")


if __name__ == "__main__":
    main()
