#!/usr/bin/env python3
"""Generate cases.jsonl: golden IFEval constraint-verification results.

Run from the repository root:

    /work/venv-ref/bin/python tests/golden/ifeval/generate.py \
        --ref /work/ref-src --data assets/data/ifeval/input_data.jsonl

Every result in the fixture comes from the reference implementation, imported
(never copied) from ``<ref>/src``:

* ``evaluation.lighteval_diversity_metrics._strip_cot`` is applied to the raw
  response first (as ``scripts/compute_ifeval_quality.py`` does), then
* ``evaluation.ifeval_constraints.verify_single_constraint`` gives the
  per-instruction booleans and ``verify_constraints`` the (strict, loose) pair.

Responses are crafted, deterministically (``random.Random`` with fixed seeds),
to sit on both sides of every checker's decision boundary.  Where a response
is tuned to an exact count (words, sentences, paragraphs, keyword / letter
occurrences, bullets, highlights, placeholders, section headers) the count is
*measured with the reference checker itself* (largest threshold ``n`` for
which the checker still passes with relation "at least"), so no checker logic
is re-implemented here.

kwargs handling: the reference loaded IFEval through Hugging Face ``datasets``,
where ``kwargs`` is a struct, so every field of the struct is present and the
fields a row does not use are ``None``.  Cases with ``"hf_none_filled": true``
are evaluated with every kwargs dict expanded to the full field set (the union
of keys in the input file) with ``None`` for absent keys; the fixture stores
the unexpanded dict.  Cases with ``"hf_none_filled": false`` are evaluated
with the dict exactly as stored (absent keys absent, JSON null = Python None).

Output is byte-for-byte reproducible for a given reference and data file.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Filled in by main() after the reference is importable.
verify_single_constraint = None
verify_constraints = None
_strip_cot = None
REGISTRY = None
HF_FIELDS: list = []

SEED = 20250707
REAL_VARIANTS = 6          # crafted responses per real prompt
RAW_FRACTION = 0.2         # share of real cases evaluated with kwargs as-is
SYNTH_MIN_PER_ID = 110     # synthetic cases whose first instruction is the id
MIN_EVALS = 260            # top-up target of evaluations per instruction id

REAL_IDS = [
    "change_case:capital_word_frequency",
    "change_case:english_capital",
    "change_case:english_lowercase",
    "combination:repeat_prompt",
    "combination:two_responses",
    "detectable_content:number_placeholders",
    "detectable_content:postscript",
    "detectable_format:constrained_response",
    "detectable_format:json_format",
    "detectable_format:multiple_sections",
    "detectable_format:number_bullet_lists",
    "detectable_format:number_highlighted_sections",
    "detectable_format:title",
    "keywords:existence",
    "keywords:forbidden_words",
    "keywords:frequency",
    "keywords:letter_frequency",
    "language:response_language",
    "length_constraints:nth_paragraph_first_word",
    "length_constraints:number_paragraphs",
    "length_constraints:number_sentences",
    "length_constraints:number_words",
    "punctuation:no_comma",
    "startend:end_checker",
    "startend:quotation",
]
ALIAS_ID = "detectable_format:number_placeholders"
ALL_IDS = REAL_IDS + [ALIAS_ID]

# ---------------------------------------------------------------------------
# Text material
# ---------------------------------------------------------------------------

BASE_SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Our team met on Tuesday to review the plan.",
    "This summary covers the main points, briefly.",
    "Rain fell all night and the river rose.",
    "She asked whether the report was finished!",
    "Is this the right approach?",
    "We should wait... and then decide.",
    "Prices rose by 3.5 percent in May.",
    "Dr. Smith arrived at 10 a.m. sharp.",
    "Here is a list of ideas, thoughts, and notes.",
    "It works!!! Really?!",
    "Every morning, the baker opens at six.",
    "e.g. this one, i.e. that one.",
    "Email me at john.doe@example.com today.",
    "A short line without a final stop",
    "Numbers like 1,000 and 2,500 appear here.",
    "History teaches patience and humility.",
    "Music fills the quiet house at night.",
    "Please call back when you can.",
    "Why not try again tomorrow?",
    "Good planning saves time; bad planning costs it.",
    "Tea or coffee - both are fine.",
    "They walked home under a bright moon.",
    "Ask questions early and often.",
]

UNICODE_SENTENCES = [
    "Caf\u00e9 au lait, na\u00efve fa\u00e7ade.",
    "Stra\u00dfe und Gr\u00f6\u00dfe.",
    "\u039f\u0394\u039f\u03a3 and \u03bf\u03b4\u03cc\u03c2; \u03a3\u03af\u03c3\u03c5\u03c6\u03bf\u03c2 \u03a3\u0391\u03a3.",
    "\u0130stanbul \u0130zmir \u0131\u015f\u0131k.",
    "\u0928\u092e\u0938\u094d\u0924\u0947, \u0906\u092a \u0915\u0948\u0938\u0947 \u0939\u0948\u0902?",
    "\u041f\u0440\u0438\u0432\u0435\u0442, \u043a\u0430\u043a \u0434\u0435\u043b\u0430?",
    "\u4f60\u597d\uff0c\u4e16\u754c\u3002\u4eca\u5929\u5929\u6c14\u5f88\u597d\u3002",
    "\u3053\u3093\u306b\u3061\u306f\u3002",
    "\uc548\ub155\ud558\uc138\uc694.",
    "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645.",
    "\U0001f600 \U0001f389 \U0001f44d\U0001f3fd \U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\u01c5emal \u01c8 \u01cb \u01f2.",
    "\u216b \u24b6 \u24d1 \u00aa \u00ba \u02b0 \u02c6.",
    "\ufb01ne \ufb02ow.",
    "\u1e9e \u00df.",
]

NON_ASCII_HEAVY = [
    # Hindi, Russian, Chinese, Japanese, Korean, Arabic, Greek, Thai, Tamil
    "\u092f\u0939 \u090f\u0915 \u0932\u0902\u092c\u093e \u0939\u093f\u0902\u0926\u0940 \u0935\u093e\u0915\u094d\u092f \u0939\u0948 \u091c\u094b \u0915\u0908 \u0936\u092c\u094d\u0926\u094b\u0902 \u0938\u0947 \u092c\u0928\u093e \u0939\u0948\u0964",
    "\u042d\u0442\u043e \u0434\u043b\u0438\u043d\u043d\u043e\u0435 \u0440\u0443\u0441\u0441\u043a\u043e\u0435 \u043f\u0440\u0435\u0434\u043b\u043e\u0436\u0435\u043d\u0438\u0435 \u0434\u043b\u044f \u043f\u0440\u043e\u0432\u0435\u0440\u043a\u0438.",
    "\u8fd9\u662f\u4e00\u4e2a\u5f88\u957f\u7684\u4e2d\u6587\u53e5\u5b50\uff0c\u7528\u6765\u6d4b\u8bd5\u8bed\u8a00\u68c0\u67e5\u3002",
    "\u3053\u308c\u306f\u65e5\u672c\u8a9e\u306e\u6587\u7ae0\u3067\u3059\u3002",
    "\uc774\uac83\uc740 \ud55c\uad6d\uc5b4 \ubb38\uc7a5\uc785\ub2c8\ub2e4.",
    "\u0647\u0630\u0647 \u062c\u0645\u0644\u0629 \u0639\u0631\u0628\u064a\u0629 \u0637\u0648\u064a\u0644\u0629.",
    "\u0391\u03c5\u03c4\u03ae \u03b5\u03af\u03bd\u03b1\u03b9 \u03bc\u03b9\u03b1 \u03b5\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ae \u03c0\u03c1\u03cc\u03c4\u03b1\u03c3\u03b7.",
    "\u0e19\u0e35\u0e48\u0e04\u0e37\u0e2d\u0e1b\u0e23\u0e30\u0e42\u0e22\u0e04\u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22",
    "\u0b87\u0ba4\u0bc1 \u0b92\u0bb0\u0bc1 \u0ba4\u0bae\u0bbf\u0bb4\u0bcd \u0bb5\u0bbe\u0b95\u0bcd\u0b95\u0bbf\u0baf\u0bae\u0bcd.",
]

# whitespace-ish code points: Python str.isspace() is True for all of these
# except U+200B, U+FEFF and U+180E.
WS_CHARS = [
    "\u00a0", "\u2028", "\u2029", "\x1c", "\x1d", "\x1e", "\x1f", "\x85",
    "\u3000", "\u200b", "\ufeff", "\t", "\r", "\x0b", "\x0c", "\u2003",
    "\u180e", "\u202f", "\u205f", "\u1680",
]

COT_TEXTS = [
    "Let me think, step by step. The user wants a list, commas, and more.",
    "Okay, so the answer must be JSON: {\"a\": 1}. P.S. not here.",
    "Hmm.\n\nFirst paragraph of thought.\n\nSecond paragraph.\n- bullet\n* bullet",
    "THE RESPONSE SHOULD BE UPPERCASE, I think.",
    "I need <<a title>> and *highlights* and [PLACEHOLDERS].",
    "",
    "  \n  ",
    "Section 1\nSECTION 2\n\"quoted\"",
    "\u0928\u092e\u0938\u094d\u0924\u0947 \u4f60\u597d \u041f\u0440\u0438\u0432\u0435\u0442",
]

FILLER_WORDS = ["ok", "go", "up", "yes", "now", "hey", "sun", "mix"]


def _stripped(text):
    return _strip_cot(text)


# ---------------------------------------------------------------------------
# Counting with the reference checker (no re-implementation)
# ---------------------------------------------------------------------------

def ref_count(text, instruction_id, make_kwargs):
    """Largest n such that the checker passes with threshold n.

    The checker must be monotone in n (count >= n)."""
    def ok(n):
        return verify_single_constraint(text, instruction_id, make_kwargs(n))
    if not ok(0):
        return -1
    hi = 1
    while ok(hi):
        hi *= 2
        if hi > 1 << 24:
            return hi
    lo = hi // 2  # ok(lo) True, ok(hi) False
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return lo


def probe_words(text):
    return ref_count(text, "length_constraints:number_words",
                     lambda n: {"relation": "at least", "num_words": n})


def probe_sentences(text):
    return ref_count(text, "length_constraints:number_sentences",
                     lambda n: {"relation": "at least", "num_sentences": n})


def probe_paragraphs(text):
    return ref_count(text, "length_constraints:number_paragraphs",
                     lambda n: {"relation": "at least", "num_paragraphs": n})


def probe_bullets(text):
    return ref_count(text, "detectable_format:number_bullet_lists",
                     lambda n: {"num_bullets": n})


def probe_highlights(text):
    return ref_count(text, "detectable_format:number_highlighted_sections",
                     lambda n: {"num_highlights": n})


def probe_placeholders(text):
    return ref_count(text, "detectable_content:number_placeholders",
                     lambda n: {"num_placeholders": n})


def probe_keyword(keyword):
    return lambda text: ref_count(
        text, "keywords:frequency",
        lambda n: {"keyword": keyword, "frequency": n, "relation": "at least"})


def probe_letter(letter):
    return lambda text: ref_count(
        text, "keywords:letter_frequency",
        lambda n: {"letter": letter, "let_frequency": n, "let_relation": "at least"})


def probe_sections(spliter):
    return lambda text: ref_count(
        text, "detectable_format:multiple_sections",
        lambda n: {"section_spliter": spliter, "num_sections": n})


# ---------------------------------------------------------------------------
# Small text helpers
# ---------------------------------------------------------------------------

def rand_case(rng, s):
    r = rng.random()
    if r < 0.25:
        return s.upper()
    if r < 0.5:
        return s.lower()
    if r < 0.75:
        return s[:1].upper() + s[1:]
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in s)


def safe_filler_word(rng, avoid):
    """A filler word that contains none of the strings in `avoid` (lowercase)."""
    words = FILLER_WORDS[:]
    rng.shuffle(words)
    for w in words:
        if not any(a and (a in w or a in w + " " + w) for a in avoid):
            return w
    return "zz"


def insert_at_fraction(text, frac, piece):
    """Insert piece at the word boundary nearest to frac*len(text)."""
    if not text:
        return piece
    pos = int(len(text) * frac)
    sp = text.find(" ", pos)
    if sp == -1:
        return text + " " + piece
    return text[:sp] + " " + piece + text[sp:]


# ---------------------------------------------------------------------------
# A crafted response under construction
# ---------------------------------------------------------------------------

class Variant:
    """Body parts + post-processing steps + count-tuned filler slots."""

    def __init__(self, rng, seed):
        self.rng = rng
        self.seed = seed
        self.parts = []          # list of str
        self.seps = None         # chosen at freeze time
        self.sep_style = "para"  # para | line | space | mixed
        self.posts = []          # (priority, order, fn)
        self.fills = []          # dicts: slot, unit_seed, unit_fn, count
        self.avoid = set()       # lowercase substrings filler should avoid
        self.notes = []

    def add_part(self, text, pos=None):
        if pos is None:
            self.parts.append(text)
        else:
            self.parts.insert(pos, text)

    def add_post(self, priority, fn):
        self.posts.append((priority, len(self.posts), fn))

    def add_fill(self, unit_fn, slot=None):
        if slot is None:
            slot = self.rng.randint(0, len(self.parts))
        f = {"slot": slot, "unit_seed": self.rng.randrange(1 << 30),
             "unit_fn": unit_fn, "count": 0}
        self.fills.append(f)
        return f

    def freeze(self):
        rng = self.rng
        n = len(self.parts) + len(self.fills) + 2
        if self.sep_style == "para":
            choices = ["\n\n"] * 6 + ["\n\n\n", "\n\n \n\n", "\n\n\n\n"]
        elif self.sep_style == "line":
            choices = ["\n"] * 5 + ["\r\n", "\n \n", "\n\t\n"]
        elif self.sep_style == "space":
            choices = [" "] * 5 + ["  ", "\t"]
        else:
            choices = ["\n\n", "\n", " ", "\n\n\n", "\n \n", "  "]
        self.seps = [rng.choice(choices) for _ in range(n)]
        self.posts.sort(key=lambda t: (t[0], t[1]))

    def body(self):
        slots = collections.defaultdict(list)
        for f in self.fills:
            if f["count"]:
                urng = random.Random(f["unit_seed"])
                slots[f["slot"]].append(
                    "".join(f["unit_fn"](urng, i) for i in range(f["count"])))
        items = []
        for i in range(len(self.parts) + 1):
            for s in slots.get(i, []):
                items.append(s)
            if i < len(self.parts):
                items.append(self.parts[i])
        out = ""
        for k, it in enumerate(items):
            if k:
                out += self.seps[k % len(self.seps)]
            out += it
        return out

    def text(self):
        t = self.body()
        for _, _, fn in self.posts:
            t = fn(t)
        return t


def tune(v, fill, probe, target, exact, max_iter=60):
    """Adjust fill['count'] so probe(strip_cot(text)) hits target (or >=)."""
    best = None
    fill["count"] = 0
    for _ in range(max_iter):
        m = probe(_stripped(v.text()))
        if exact and m == target:
            return True
        if not exact and m >= target:
            return True
        if m < target:
            step = max(1, target - m)
            if best is not None and best[0] > fill["count"]:
                step = 1
            best = (fill["count"], m)
            fill["count"] += step
        else:
            if fill["count"] == 0:
                return False
            fill["count"] -= 1
            m2 = probe(_stripped(v.text()))
            if m2 < target:
                # overshoot by a multi-count unit: keep the smaller one
                return False
            if m2 == target and exact:
                return True
    return False


# ---------------------------------------------------------------------------
# Per-instruction crafting for real prompts
# ---------------------------------------------------------------------------

def pick_target(rng, n, focus, satisfy):
    """Threshold-relative target count."""
    if focus:
        return max(0, n + rng.choice([-1, 0, 1, -1, 0, 1, -2, 2]))
    if satisfy:
        return n + rng.choice([0, 0, 1, 3])
    return max(0, n - rng.choice([1, 1, 2, n]))


def word_unit_factory(word, seps):
    def unit(urng, i):
        return urng.choice(seps) + word
    return unit


def craft_number_words(v, kw, mode, ctx):
    rng = v.rng
    n = kw.get("num_words")
    if not isinstance(n, int):
        return
    focus = mode == "focus"
    sat = mode == "sat"
    if not focus and not sat and rng.random() < 0.5:
        return  # leave the natural count
    if n > 400 and not focus and rng.random() < 0.5:
        return  # keep the file small
    target = pick_target(rng, n, focus, sat)
    word = safe_filler_word(rng, v.avoid)
    seps = [" "]
    if focus and rng.random() < 0.5:
        seps = [" ", " ", "\n", "\t", "\u00a0", "\u3000", "\x1c", "\x1f",
                "\u2028", "\x85", "\u200b", "  "]
    fill = v.add_fill(word_unit_factory(word, seps))
    ctx["tunes"].append((fill, probe_words, target, focus or not sat))


def craft_number_sentences(v, kw, mode, ctx):
    rng = v.rng
    n = kw.get("num_sentences")
    if not isinstance(n, int):
        return
    focus = mode == "focus"
    sat = mode == "sat"
    if not focus and not sat and rng.random() < 0.5:
        return
    target = pick_target(rng, n, focus, sat)
    word = safe_filler_word(rng, v.avoid)
    enders = [".", ".", "!", "?", "...", "?!", "!!", ". "]
    lead = rng.choice([" ", "\n", " "])

    def unit(urng, i):
        return lead + word.capitalize() + " " + word + urng.choice(enders)
    fill = v.add_fill(unit)
    ctx["tunes"].append((fill, probe_sentences, target, focus or not sat))


def craft_number_paragraphs(v, kw, mode, ctx):
    rng = v.rng
    n = kw.get("num_paragraphs")
    if not isinstance(n, int):
        return
    focus = mode == "focus"
    sat = mode == "sat"
    v.sep_style = rng.choice(["para", "para", "line", "mixed"])
    target = pick_target(rng, n, focus, sat)
    word = safe_filler_word(rng, v.avoid)
    noise = ["\n\n", "\n\n  ", "\n\n\t", "\n\n\u00a0", "\n\n\x1c", "\n\n\u3000",
             "\n\n\u200b", "\n\n\u2028", "\r\n\r\n", "\n\n\n"]

    def unit(urng, i):
        s = ""
        if focus and urng.random() < 0.4:
            s += urng.choice(noise)
        return s + "\n\n" + word.capitalize() + " " + word + "."
    fill = v.add_fill(unit, slot=len(v.parts))
    ctx["tunes"].append((fill, probe_paragraphs, target, focus or not sat))


def craft_keywords_existence(v, kw, mode, ctx):
    rng = v.rng
    kws = kw.get("keywords") or []
    drop = None
    if mode == "vio" or (mode == "focus" and rng.random() < 0.5):
        if kws:
            drop = rng.randrange(len(kws))
    for i, k in enumerate(kws):
        if i == drop:
            if mode == "focus" and rng.random() < 0.5:
                ctx["cot_extra"].append(k)  # only inside stripped reasoning
            continue
        form = rand_case(rng, k)
        if mode == "focus" and rng.random() < 0.3:
            form = "un" + form + "ness"  # substring inside a longer word
        v.add_part(rng.choice(["We discuss ", "Note: ", "", "About "]) + form + ".",
                   rng.randint(0, len(v.parts)))
    if drop is not None:
        v.avoid.add(kws[drop].lower())
        w = kws[drop]
        v.add_post(36, lambda t, w=w: _remove_ci(t, w))


def _remove_ci(text, word):
    if not word:
        return text
    low = word.lower()
    for _ in range(20):
        i = text.lower().find(low)
        if i == -1 or len(text.lower()) != len(text):
            break
        text = text[:i] + text[i + len(word):]
    return text


def craft_keywords_frequency(v, kw, mode, ctx):
    rng = v.rng
    k = kw.get("keyword")
    n = kw.get("frequency")
    if not isinstance(k, str) or not isinstance(n, int):
        return
    focus = mode == "focus"
    sat = mode == "sat"
    target = pick_target(rng, n, focus, sat)
    glue = rng.choice([" ", ", ", " and ", "-", ""])

    def unit(urng, i):
        return glue + rand_case(urng, k)
    fill = v.add_fill(unit)
    ctx["tunes"].append((fill, probe_keyword(k), target, True))


def craft_forbidden(v, kw, mode, ctx):
    rng = v.rng
    words = kw.get("forbidden_words") or []
    if mode == "sat" or (mode == "focus" and rng.random() < 0.5):
        for w in words:
            v.avoid.add(w.lower())
            v.add_post(35, lambda t, w=w: _remove_ci(t, w))
        if mode == "focus" and words and rng.random() < 0.5:
            ctx["cot_extra"].append(rng.choice(words))
    else:
        if words:
            w = rng.choice(words)
            form = rand_case(rng, w)
            if rng.random() < 0.3:
                form = "pre" + form + "s"
            v.add_part("Mention of " + form + ".", rng.randint(0, len(v.parts)))


def craft_letter_frequency(v, kw, mode, ctx):
    rng = v.rng
    letter = kw.get("letter")
    n = kw.get("let_frequency")
    if not isinstance(letter, str) or not isinstance(n, int):
        return
    focus = mode == "focus"
    sat = mode == "sat"
    target = pick_target(rng, n, focus, sat)
    v.avoid.add(letter.lower())
    if not focus and not sat:
        # remove the letter entirely from the body, then add target copies
        v.add_post(5, lambda t, l=letter: t.replace(l.lower(), "").replace(l.upper(), ""))

    def unit(urng, i):
        return urng.choice([" ", "", " "]) + rand_case(urng, letter) * urng.choice([1, 1, 2])
    fill = v.add_fill(unit)
    ctx["tunes"].append((fill, probe_letter(letter), target, True))


BULLET_UNITS = [
    "\n- item", "\n* item", "\n\u2022 item", "\n  - item", "\n\t* item",
    "\n-\titem", "\n \t\u2022 item", "\n- ", "\n*\u00a0item", "\n-\u3000item",
]
BULLET_NOISE = [
    "\n-item", "\n1. item", "\n+ item", "\n\u2014 item", "\n** bold",
    "\n*italic*", "\n\u2023 item", "\n\u25e6 item", "\n-\x1fitem", "\n\x1c- item",
    "\n\u2028- item", "\n\u00a0- item", "\n\u2212 item",
]


def craft_bullets(v, kw, mode, ctx):
    rng = v.rng
    n = kw.get("num_bullets")
    if not isinstance(n, int):
        return
    focus = mode == "focus"
    sat = mode == "sat"
    target = pick_target(rng, n, focus, sat)
    if focus:
        for _ in range(rng.randint(1, 3)):
            v.add_part(rng.choice(BULLET_NOISE).lstrip("\n"), rng.randint(0, len(v.parts)))
        v.sep_style = rng.choice(["line", "mixed", "para"])

    def unit(urng, i):
        u = urng.choice(BULLET_UNITS)
        if focus and urng.random() < 0.3:
            u = urng.choice(BULLET_NOISE) + u
        return u
    fill = v.add_fill(unit)
    ctx["tunes"].append((fill, probe_bullets, target, True))


HIGHLIGHT_UNITS = [" *highlight*", " *Part one*", " **bold**", "*x*", " ***triple***",
                   " *a* *b*", " * spaced *"]
HIGHLIGHT_NOISE = [" *multi\nline*", " **", " *\n*", " * ", "*unclosed", " \\*esc\\*"]


def craft_highlights(v, kw, mode, ctx):
    rng = v.rng
    n = kw.get("num_highlights")
    if not isinstance(n, int):
        return
    focus = mode == "focus"
    sat = mode == "sat"
    target = pick_target(rng, n, focus, sat)
    if focus:
        for _ in range(rng.randint(0, 2)):
            v.add_part(rng.choice(HIGHLIGHT_NOISE), rng.randint(0, len(v.parts)))

    def unit(urng, i):
        return urng.choice(HIGHLIGHT_UNITS)
    fill = v.add_fill(unit)
    ctx["tunes"].append((fill, probe_highlights, target, True))


PLACEHOLDER_UNITS = [" [NAME]", " [ADDRESS]", " [A_B C]", " [X]", " [DATE OF BIRTH]",
                     " [NAME ]", "[Z_]"]
PLACEHOLDER_NOISE = [" [name]", " [Name]", " []", " [1]", " [ NAME]", " [\u00c9COLE]",
                     " [NAME1]", " [_A]", " (NAME)", " {NAME}"]


def craft_placeholders(v, kw, mode, ctx):
    rng = v.rng
    n = kw.get("num_placeholders")
    if not isinstance(n, int):
        return
    focus = mode == "focus"
    sat = mode == "sat"
    target = pick_target(rng, n, focus, sat)
    if focus:
        for _ in range(rng.randint(0, 2)):
            v.add_part(rng.choice(PLACEHOLDER_NOISE).strip(), rng.randint(0, len(v.parts)))

    def unit(urng, i):
        return urng.choice(PLACEHOLDER_UNITS)
    fill = v.add_fill(unit)
    ctx["tunes"].append((fill, probe_placeholders, target, True))


def craft_sections(v, kw, mode, ctx):
    rng = v.rng
    sp = kw.get("section_spliter")
    n = kw.get("num_sections")
    if not isinstance(sp, str) or not isinstance(n, int):
        return
    focus = mode == "focus"
    sat = mode == "sat"
    target = pick_target(rng, n, focus, sat)
    if focus:
        noise = [" " + sp + " 9", "Sub" + sp.lower() + " 2", sp + "S", sp + "1",
                 "\u00a0" + sp + " 3"]
        for _ in range(rng.randint(0, 2)):
            v.add_part(rng.choice(noise), rng.randint(0, len(v.parts)))
    start_slot = 0 if rng.random() < 0.5 else None

    def unit(urng, i):
        head = urng.choice([sp, sp.upper(), sp.lower(), sp.title()])
        num = urng.choice([" %d" % (i + 1), "%d" % (i + 1), "", " %d:" % (i + 1), "\t%d" % (i + 1)])
        lead = "" if (i == 0 and start_slot == 0) else "\n"
        body = urng.choice(["\nText of the part.", " - text.", "\n\nMore words here."])
        return lead + head + num + body
    fill = v.add_fill(unit, slot=start_slot)
    ctx["tunes"].append((fill, probe_sections(sp), target, True))


def craft_json(v, kw, mode, ctx):
    rng = v.rng
    sat = mode == "sat" or (mode == "focus" and rng.random() < 0.55)
    style = rng.randrange(12)

    def wrap(t, sat=sat, style=style):
        if sat:
            obj = {"response": t}
            if style == 0:
                return json.dumps(obj)
            if style == 1:
                return json.dumps(obj, indent=2)
            if style == 2:
                return "```json\n" + json.dumps(obj, indent=2) + "\n```"
            if style == 3:
                return "Here is the JSON:\n```\n" + json.dumps(obj) + "\n```\nDone."
            if style == 4:
                return "  \n" + json.dumps([t, 1, 2.5, None, True]) + "\n\n"
            if style == 5:
                return json.dumps({"a": {"b": [t, {"c": float("nan")}]}, "d": float("inf")})
            if style == 6:
                return json.dumps(t)
            if style == 7:
                return "```json" + json.dumps(obj) + "```"
            if style == 8:
                return json.dumps(obj, ensure_ascii=False)
            if style == 9:
                return "```json\n{\"x\": -Infinity, \"y\": NaN}\n```\n" + t
            if style == 10:
                return "\u00a0" + json.dumps(obj) + "\u3000"
            return "{\"dup\": 1, \"dup\": 2, \"text\": " + json.dumps(t) + "}"
        if style == 0:
            return json.dumps(obj_or(t))[:-1]
        if style == 1:
            return "{\"response\": " + json.dumps(t) + ",}"
        if style == 2:
            return "{'response': " + repr(t) + "}"
        if style == 3:
            return "Here is the JSON: " + json.dumps({"response": t})
        if style == 4:
            return "```JSON\n" + json.dumps({"response": t}) + "\n```"
        if style == 5:
            return "```json\n{\"a\": 1,}\n```\n```json\n{\"a\": 1}\n```"
        if style == 6:
            return "{\"a\": True, \"b\": None}"
        if style == 7:
            return "{\"a\": nan}"
        if style == 8:
            return "[1, 2, 3] [4]"
        if style == 9:
            return "{\"a\": \"" + t.replace("\"", "'") + "\nmore\"}"
        if style == 10:
            return "{\"a\": 01}"
        return t
    v.add_post(10, wrap)


def obj_or(t):
    return {"response": t}


TITLE_SAT = ["<<A Title>>", "<<Poem of Joy>>", "<< >>", "<<<nested>>", "<<line\nbreak>>",
             "<<\u00fcber>>", "<<a>>b>>", "text<<x>>text"]
TITLE_VIO = ["<<>>", "<Title>", "<<a>b>>", "\u00abTitle\u00bb", "< <Title> >", "<<Title>", "Title>>",
             "\u226aTitle\u226b"]


def craft_title(v, kw, mode, ctx):
    rng = v.rng
    if mode == "sat" or (mode == "focus" and rng.random() < 0.5):
        t = rng.choice(TITLE_SAT if mode == "focus" else TITLE_SAT[:2])
    else:
        t = rng.choice(TITLE_VIO) if mode == "focus" or rng.random() < 0.5 else None
        if t is None:
            return
    v.add_part(t, 0 if rng.random() < 0.6 else rng.randint(0, len(v.parts)))


CASE_EXTRAS_UP = ["\u00c9", "\u1e9e", "\u0130", "\u03a3", "\u216b", "\u24b6", "123", "\u01c4",
                  "\u01c5", "\u00e9", "\u00df", "\u02c6", "\u00aa", "\u4e2d", "\u0928",
                  "\U0001f600", "\u01c6"]
CASE_EXTRAS_LOW = ["\u00e9", "\u00df", "\u03c3\u03c2", "\u2170", "\u24d0", "456", "\u01c6",
                   "\u01c5", "\u00c9", "\u0131", "\u02b0", "\u00aa", "\u02c6", "\u4e2d",
                   "\u0928", "\U0001f600", "\u216b"]


def craft_capital(v, kw, mode, ctx):
    rng = v.rng
    if mode == "sat":
        v.add_post(20, lambda t: t.upper())
    elif mode == "vio":
        if rng.random() < 0.5:
            v.add_post(20, lambda t: t.upper())
            v.add_post(21, lambda t: insert_at_fraction(t, 0.5, "word"))
    else:
        v.add_post(20, lambda t: t.upper())
        extra = rng.choice(CASE_EXTRAS_UP)
        v.add_post(21, lambda t, e=extra: insert_at_fraction(t, rng_frac(t), e))
        if rng.random() < 0.2:
            ctx["cot_extra"].append("lowercase thinking here")


def rng_frac(t):
    return (len(t) * 7919 % 97) / 97.0


def craft_lower(v, kw, mode, ctx):
    rng = v.rng
    if mode == "sat":
        v.add_post(20, lambda t: t.lower())
    elif mode == "vio":
        if rng.random() < 0.5:
            v.add_post(20, lambda t: t.lower())
            v.add_post(21, lambda t: insert_at_fraction(t, 0.3, "Word"))
    else:
        v.add_post(20, lambda t: t.lower())
        extra = rng.choice(CASE_EXTRAS_LOW)
        v.add_post(21, lambda t, e=extra: insert_at_fraction(t, rng_frac(t), e))


def craft_capital_word_freq(v, kw, mode, ctx):
    rng = v.rng
    n = kw.get("capital_frequency") or 1
    k = n + rng.choice([-1, 0, 1, 5]) if mode != "vio" else 0
    for _ in range(max(0, k)):
        v.add_part(rng.choice(["BIG", "LOUD", "NOTE", "USA"]), rng.randint(0, len(v.parts)))


SEPS_SAT = ["******", "---", "===", "Response 1", "Response 2", "*******", "-----", "====="]
SEPS_VIO = ["*****", "- - -", "\u2014\u2014", "response 1", "RESPONSE 2", "* * * * * *", "==",
            "--", "\u2212\u2212\u2212", "\uff0a\uff0a\uff0a\uff0a\uff0a\uff0a"]


def craft_two_responses(v, kw, mode, ctx):
    rng = v.rng
    if mode == "sat" or (mode == "focus" and rng.random() < 0.5):
        sep = rng.choice(SEPS_SAT if mode == "focus" else SEPS_SAT[:1])
    else:
        sep = rng.choice(SEPS_VIO)
    v.avoid.update(["---", "==="])
    v.add_post(15, lambda t, s=sep: t + "\n" + s + "\n" + t[: max(1, len(t) // 2)])


def craft_repeat_prompt(v, kw, mode, ctx):
    rng = v.rng
    p = kw.get("prompt_to_repeat")
    if not isinstance(p, str):
        return
    if mode == "sat" or (mode == "focus" and rng.random() < 0.5):
        style = rng.randrange(5)
        if style == 0:
            r = p
        elif style == 1:
            r = p.upper()
        elif style == 2:
            r = "  " + p + "  "
        elif style == 3:
            r = p.lower()
        else:
            r = "Request: " + p
    else:
        style = rng.randrange(5)
        words = p.split(" ")
        if style == 0 and len(words) > 2:
            words[len(words) // 2] = "CHANGED"
            r = " ".join(words)
        elif style == 1:
            r = p.replace("\n", " ") if "\n" in p else p[:-2]
        elif style == 2:
            r = p[: len(p) // 2]
        elif style == 3:
            r = p.replace(" ", "  ", 1)
        else:
            r = ""
        if style == 4:
            return
    ctx["repeat_prefix"] = r


END_TRAIL = ["", " ", "\n", "  \n\n", "\t", "\u00a0", "\u3000", "\x1c", "\u200b", "\u2028"]


def craft_end(v, kw, mode, ctx):
    rng = v.rng
    e = kw.get("end_phrase")
    if not isinstance(e, str):
        return
    if mode == "sat" or (mode == "focus" and rng.random() < 0.5):
        tail = e + (rng.choice(END_TRAIL) if mode == "focus" else "")
    else:
        style = rng.randrange(5)
        if style == 0:
            tail = e + " Thanks."
        elif style == 1:
            tail = e[:-1]
        elif style == 2:
            tail = e.lower() if e.lower() != e else e.upper()
        elif style == 3:
            tail = e + "\u200b"
        else:
            tail = None
    if tail is not None:
        ctx["end_tail"] = tail


def craft_quotation(v, kw, mode, ctx):
    rng = v.rng
    if mode == "sat" or (mode == "focus" and rng.random() < 0.5):
        q = rng.choice([('"', '"'), ('  "', '"\n'), ('"', '" '), ('\u00a0"', '"\u3000')]
                       if mode == "focus" else [('"', '"')])
    else:
        q = rng.choice([("\u201c", "\u201d"), ("'", "'"), ('"', ""), ("", '"'), ("\u00ab", "\u00bb"),
                        ('"', '".'), ('\u200b"', '"'), None])
    if q is not None:
        ctx["quote"] = q


def craft_language(v, kw, mode, ctx):
    rng = v.rng
    r = rng.random()
    if r < 0.4:
        for _ in range(rng.randint(1, 4)):
            v.add_part(rng.choice(NON_ASCII_HEAVY), rng.randint(0, len(v.parts)))
    elif r < 0.6:
        v.parts = [rng.choice(NON_ASCII_HEAVY)]


def craft_postscript(v, kw, mode, ctx):
    rng = v.rng
    m = kw.get("postscript_marker")
    if not isinstance(m, str):
        return
    if mode == "sat" or (mode == "focus" and rng.random() < 0.5):
        forms = [m + " See you soon.", "\n\n" + m + " more", m]
        if m == "P.S.":
            forms += ["P.P.S. also counts", "P.S.S. note"]
        else:
            forms += ["P.P.S. note", "P.P.S: note"]
        ctx["ps"] = rng.choice(forms if mode == "focus" else forms[:1])
    else:
        forms = ["PS note", "p.s. note", "P. S. note", "P.S note", "P.s. note",
                 "P\u2024S\u2024 note", "Postscript: note"]
        if m == "P.P.S":
            forms += ["P.S. only", "P.P. S note", "p.p.s note"]
        if rng.random() < 0.7:
            ctx["ps"] = rng.choice(forms)
        v.avoid.add(m.lower())


def craft_nth_paragraph(v, kw, mode, ctx):
    rng = v.rng
    w = kw.get("first_word")
    n = kw.get("num_paragraphs") or 2
    nth = kw.get("nth_paragraph") or 1
    v.sep_style = "para"
    while len(v.parts) < n:
        v.add_part(rng.choice(BASE_SENTENCES))
    if isinstance(w, str) and nth - 1 < len(v.parts) and mode != "vio":
        v.parts[nth - 1] = rand_case(rng, w) + " " + v.parts[nth - 1]


def craft_constrained(v, kw, mode, ctx):
    rng = v.rng
    v.parts = [rng.choice(["My answer is yes.", "My answer is no.", "My answer is maybe.",
                           "Yes", "I cannot say.", ""])] + v.parts[: rng.randint(0, 1)]


CRAFTERS = {
    "length_constraints:number_words": craft_number_words,
    "length_constraints:number_sentences": craft_number_sentences,
    "length_constraints:number_paragraphs": craft_number_paragraphs,
    "keywords:existence": craft_keywords_existence,
    "keywords:frequency": craft_keywords_frequency,
    "keywords:forbidden_words": craft_forbidden,
    "keywords:letter_frequency": craft_letter_frequency,
    "detectable_format:number_bullet_lists": craft_bullets,
    "detectable_format:constrained_response": craft_constrained,
    "detectable_format:number_highlighted_sections": craft_highlights,
    "detectable_format:multiple_sections": craft_sections,
    "detectable_format:json_format": craft_json,
    "detectable_format:title": craft_title,
    "detectable_content:number_placeholders": craft_placeholders,
    "detectable_format:number_placeholders": craft_placeholders,
    "change_case:english_capital": craft_capital,
    "change_case:english_lowercase": craft_lower,
    "change_case:capital_word_frequency": craft_capital_word_freq,
    "combination:two_responses": craft_two_responses,
    "combination:repeat_prompt": craft_repeat_prompt,
    "punctuation:no_comma": None,  # handled globally
    "startend:end_checker": craft_end,
    "startend:quotation": craft_quotation,
    "language:response_language": craft_language,
    "detectable_content:postscript": craft_postscript,
    "length_constraints:nth_paragraph_first_word": craft_nth_paragraph,
}

# order in which crafters run (structure-replacing crafters first)
CRAFT_ORDER = [
    "detectable_format:constrained_response",
    "language:response_language",
    "length_constraints:nth_paragraph_first_word",
]

THINK_FORMS = [
    lambda c, r: "<think>" + c + "</think>" + r,
    lambda c, r: "<think>" + c + "</think>\n\n" + r,
    lambda c, r: c + "</think>" + r,
    lambda c, r: "<think>" + c + "</think><think>" + c[::-1] + "</think>" + r,
    lambda c, r: r + "<think>" + c + "</think>",
    lambda c, r: r[: len(r) // 2] + "<think>" + c + "</think>" + r[len(r) // 2:],
    lambda c, r: "<think>" + c + "\n" + r,
    lambda c, r: "<THINK>" + c + "</THINK>" + r,
    lambda c, r: c + "</think>x</think>" + r,
    lambda c, r: "</think>" + r + "<think>" + c,
    lambda c, r: "<think>a<think>" + c + "</think>b</think>" + r,
    lambda c, r: "<think></think>" + r,
    lambda c, r: "<think>\n" + c + "\n</think>\n\n" + r + "  \n",
    lambda c, r: "<thi<think>" + c + "</think>nk>y</think>" + r,
    lambda c, r: "</think><think>" + c + "</think>" + r,
    lambda c, r: "<think >" + c + "</think >" + r,
    lambda c, r: "\u00a0<think>" + c + "</think>\x1f" + r + "\x1c",
]


def think_wrap(rng, response, extra):
    cot = rng.choice(COT_TEXTS)
    if extra:
        cot += " " + " ".join(extra)
    form = rng.randrange(len(THINK_FORMS))
    return THINK_FORMS[form](cot, response)


def build_real_response(rng, seed, prompt, ids, kwargs, variant_no):
    v = Variant(rng, seed)
    ctx = {"tunes": [], "cot_extra": [], "repeat_prefix": None, "end_tail": None,
           "quote": None, "ps": None}
    # base prose
    n_base = rng.choice([1, 1, 2, 2, 3, 4])
    for _ in range(n_base):
        if rng.random() < 0.12:
            v.add_part(rng.choice(UNICODE_SENTENCES))
        else:
            v.add_part(rng.choice(BASE_SENTENCES))
    v.sep_style = rng.choice(["para", "line", "space", "mixed"])

    # modes: variant 0 tries to satisfy everything, 1 violates everything,
    # later variants rotate a focus instruction with edge-case templates.
    modes = []
    for j, iid in enumerate(ids):
        if variant_no == 0:
            modes.append("sat")
        elif variant_no == 1:
            modes.append("vio")
        elif (variant_no - 2) % len(ids) == j:
            modes.append("focus")
        else:
            modes.append("sat" if rng.random() < 0.6 else "vio")

    order = sorted(range(len(ids)), key=lambda j: (0 if ids[j] in CRAFT_ORDER else 1, j))
    comma_mode = None
    for j in order:
        iid = ids[j]
        if iid == "punctuation:no_comma":
            comma_mode = modes[j]
            continue
        fn = CRAFTERS.get(iid)
        if fn is not None:
            fn(v, kwargs[j], modes[j], ctx)

    if comma_mode == "sat":
        v.add_post(30, lambda t: t.replace(",", ""))
    elif comma_mode == "vio":
        v.add_post(30, lambda t: insert_at_fraction(t.replace(",", ""), 0.6, "however,"))
    elif comma_mode == "focus":
        style = rng.randrange(5)
        if style == 0:
            v.add_post(30, lambda t: t.replace(",", "") + ",")
        elif style == 1:
            v.add_post(30, lambda t: t.replace(",", "\uff0c"))
        elif style == 2:
            v.add_post(30, lambda t: t.replace(",", "\u201a"))
        elif style == 3:
            v.add_post(30, lambda t: t.replace(",", ""))
            ctx["cot_extra"].append("a, b, c")
        else:
            v.add_post(30, lambda t: "," + t.replace(",", ""))

    if ctx["repeat_prefix"] is not None:
        rp = ctx["repeat_prefix"]
        v.add_post(40, lambda t, rp=rp: rp + "\n\n" + t)
    if ctx["ps"] is not None:
        ps = ctx["ps"]
        v.add_post(45, lambda t, ps=ps: t + "\n\n" + ps)
    end_first = rng.random() < 0.5
    if ctx["end_tail"] is not None:
        et = ctx["end_tail"]
        v.add_post(50 if end_first else 56, lambda t, et=et: t.rstrip() + " " + et)
    if ctx["quote"] is not None:
        q = ctx["quote"]
        v.add_post(55 if end_first else 51, lambda t, q=q: q[0] + t + q[1])

    # decorations
    if rng.random() < 0.08:
        a, b = rng.choice(WS_CHARS), rng.choice(WS_CHARS)
        v.add_post(70, lambda t, a=a, b=b: a + t + b)
    wrap_think = rng.random() < 0.15 or bool(ctx["cot_extra"])
    if wrap_think:
        extra = list(ctx["cot_extra"])
        v.add_post(90, lambda t, trng_seed=seed, extra=extra:
                   think_wrap(random.Random(trng_seed * 7 + 3), t, extra))

    v.freeze()
    # tune counts: non-exact ones first, exact ones last
    tunes = sorted(ctx["tunes"], key=lambda x: x[3])
    for fill, probe, target, exact in tunes:
        tune(v, fill, probe, target, exact)
    return v.text()


# ---------------------------------------------------------------------------
# Evaluation through the reference
# ---------------------------------------------------------------------------

def expand_hf(kw):
    out = {k: None for k in HF_FIELDS}
    for k, val in kw.items():
        if k not in out:
            raise ValueError("key %r is not an HF struct field" % k)
        out[k] = val
    return out


def evaluate(response, ids, kwargs, hf):
    ref_kwargs = [expand_hf(k) if hf else dict(k) for k in kwargs]
    text = _strip_cot(response)
    results = [bool(verify_single_constraint(text, i, k)) for i, k in zip(ids, ref_kwargs)]
    strict, loose = verify_constraints(text, list(ids), ref_kwargs)
    assert len(results) == len(ids)
    assert strict == all(results)
    assert loose == (sum(results) / len(results) if results else 1.0)
    assert type(strict) is bool and type(loose) is float
    return results, strict, loose


# ---------------------------------------------------------------------------
# Synthetic cases
# ---------------------------------------------------------------------------

NUMERIC_KEY = {
    "length_constraints:number_words": "num_words",
    "length_constraints:number_sentences": "num_sentences",
    "length_constraints:number_paragraphs": "num_paragraphs",
}

RELATIONS = ["less than", "at least", "at most", "exactly", None, "", "At Least", "MISSING"]

SYN_RESPONSES_GENERIC = [
    "", " ", "a", "A", "\n\n", "...", "?!", "Hello world.", "hello, world",
    "One. Two! Three? Four...", "word\x1cword\x1dword\x1eword\x1fword",
    "word\u00a0word\u2028word\x85word\u3000word", "word\u200bword\u180eword",
    "\u0130stanbul", "\u039f\u0394\u039f\u03a3 \u03a3", "\U0001f600\U0001f600 ok",
    "First paragraph.\n\nSecond paragraph.\n\n\n\nThird.\n\n  \n\nFourth.",
    "p1\n\n\x1c\n\np2\n\n\u00a0\n\np3\n\n\u200b\n\np4",
    "Line one\r\n\r\nLine two\n \nLine three",
    "- a\n* b\n\u2022 c\n\t- d\n  * e\n-f\n+ g",
    "*one* *two* **three** *four\nfive* ***six***",
    "SECTION 1\nSection 2\nsection\nSECTION 3\nSECTIONS\n SECTION 4",
    "{\"a\": 1}", "```json\n{\"a\": [1, 2]}\n```", "{\"a\": 1,}", "NaN", "Infinity",
    "<<Title>>", "<<>>", "[NAME] and [name] and [A_B C]", "ALL CAPS TEXT 123",
    "all lower text 123", "12345", "\u00e9\u00e8\u00ea", "\u00c9\u00c8", "\u01c5",
    "\u216b \u24b6", "\u00df", "******", "---", "Response 1", "P.S. hi", "P.P.S hi",
    "\"quoted\"", "\"", "\"\"", "\" x \"",
    "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e",
    "\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440", "\u4f60\u597d\u4e16\u754c",
    "ab\u00e9\u00e9", "abc\u00e9\u00e9", "\u03c3\u03bf\u03c6\u03cc\u03c2 \u03a3\u039f\u03a6\u039f\u03a3",
    "The end is near. Peace!", "Peace!  ", "peace!",
]


def num_value_choices(rng, base):
    return [None, 0, 1, base, base - 1, base + 1, 2, 5, -1]


def syn_relation_kwargs(rng, iid, resp_text):
    """kwargs for number_words/sentences/paragraphs around the measured count."""
    key = NUMERIC_KEY[iid]
    probe = {"length_constraints:number_words": probe_words,
             "length_constraints:number_sentences": probe_sentences,
             "length_constraints:number_paragraphs": probe_paragraphs}[iid]
    c = probe(_strip_cot(resp_text))
    kw = {}
    rel = rng.choice(RELATIONS)
    if rel != "MISSING":
        kw["relation"] = rel
    r = rng.random()
    if r < 0.12:
        kw[key] = None
    elif r < 0.18:
        pass  # missing numeric key
    else:
        kw[key] = max(0, c + rng.choice([-1, 0, 0, 1, 1, -2, 2]))
    return kw


def syn_generic_response(rng):
    r = rng.random()
    if r < 0.45:
        return rng.choice(SYN_RESPONSES_GENERIC)
    if r < 0.8:
        parts = [rng.choice(BASE_SENTENCES + UNICODE_SENTENCES) for _ in range(rng.randint(1, 4))]
        seps = ["\n\n", "\n", " ", rng.choice(WS_CHARS), "\n\n\n", "\n\n \n\n"]
        out = parts[0]
        for p in parts[1:]:
            out += rng.choice(seps) + p
        return out
    a = rng.choice(SYN_RESPONSES_GENERIC)
    b = rng.choice(BASE_SENTENCES + UNICODE_SENTENCES + NON_ASCII_HEAVY)
    return a + rng.choice([" ", "\n", "\n\n", rng.choice(WS_CHARS)]) + b


def syn_keywords_existence(rng):
    resp = syn_generic_response(rng)
    words = [w for w in resp.replace("\n", " ").split(" ") if w]
    r = rng.random()
    if r < 0.1:
        kw = {"keywords": None}
    elif r < 0.17:
        kw = {}
    elif r < 0.25:
        kw = {"keywords": []}
    elif r < 0.32:
        kw = {"keywords": [""]}
    elif r < 0.42:
        kw = {"keywords": rng.choice(["abc", "ok", "", "\u00e9", "xyz"]), "__raw__": True}
    else:
        ks = []
        for _ in range(rng.randint(1, 3)):
            if words and rng.random() < 0.6:
                w = rng.choice(words)
                ks.append(rand_case(rng, w[: rng.randint(1, len(w))]))
            else:
                ks.append(rng.choice(["absent", "zebra", "\u0130", "i\u0307", "STRASSE", "\u03c3", "\u03c2"]))
        kw = {"keywords": ks}
    return resp, kw


def syn_keywords_frequency(rng):
    resp = syn_generic_response(rng)
    r = rng.random()
    words = [w for w in resp.replace("\n", " ").split(" ") if w]
    if r < 0.08:
        keyword = None
    elif r < 0.16:
        keyword = ""
    elif r < 0.22:
        keyword = "MISSING"
    elif words and r < 0.75:
        w = rng.choice(words)
        keyword = rand_case(rng, w[: rng.randint(1, len(w))])
    else:
        keyword = rng.choice(["the", "aa", "\u0130", "i", "\u03c3", "ss", "\u00df", "e"])
    kw = {}
    if keyword != "MISSING":
        kw["keyword"] = keyword
    if isinstance(keyword, str):
        c = probe_keyword(keyword)(_strip_cot(resp))
    else:
        c = 1
    rr = rng.random()
    if rr < 0.1:
        kw["frequency"] = None
    elif rr < 0.16:
        pass
    else:
        kw["frequency"] = max(0, c + rng.choice([-1, 0, 0, 1, 1, 2, -2]))
    rel = rng.choice(RELATIONS)
    if rel != "MISSING":
        kw["relation"] = rel
    return resp, kw


def syn_forbidden(rng):
    resp = syn_generic_response(rng)
    words = [w for w in resp.replace("\n", " ").split(" ") if w]
    r = rng.random()
    if r < 0.1:
        kw = {"forbidden_words": None}
    elif r < 0.16:
        kw = {}
    elif r < 0.22:
        kw = {"forbidden_words": []}
    elif r < 0.27:
        kw = {"forbidden_words": [""]}
    elif r < 0.35:
        kw = {"forbidden_words": rng.choice(["q", "xyz", "e", "\u00e9"]), "__raw__": True}
    else:
        fs = []
        for _ in range(rng.randint(1, 3)):
            if words and rng.random() < 0.5:
                w = rng.choice(words)
                fs.append(rand_case(rng, w))
            else:
                fs.append(rng.choice(["nothing", "zebra", "\u0130stanbul", "istanbul", "\u03c3\u03b1\u03c3"]))
        kw = {"forbidden_words": fs}
    return resp, kw


def syn_letter(rng):
    resp = syn_generic_response(rng)
    r = rng.random()
    if r < 0.08:
        letter = None
    elif r < 0.14:
        letter = ""
    elif r < 0.2:
        letter = "MISSING"
    elif r < 0.3:
        letter = rng.choice(["ab", "\u0130", "\u00df", "\u03a3", "!", "#", " ", "\n"])
    else:
        cands = [c for c in resp if not c.isspace()] or ["e"]
        letter = rand_case(rng, rng.choice(cands))
    kw = {}
    if letter != "MISSING":
        kw["letter"] = letter
    c = probe_letter(letter)(_strip_cot(resp)) if isinstance(letter, str) else 1
    if letter == "MISSING":
        c = probe_letter("")(_strip_cot(resp))
    rr = rng.random()
    if rr < 0.1:
        kw["let_frequency"] = None
    elif rr < 0.16:
        pass
    else:
        kw["let_frequency"] = max(0, c + rng.choice([-1, 0, 0, 1, 1, 2]))
    rel = rng.choice(RELATIONS)
    if rel != "MISSING":
        kw["let_relation"] = rel
    return resp, kw


def syn_count_kw(rng, key, probe, resp):
    c = probe(_strip_cot(resp))
    r = rng.random()
    if r < 0.1:
        return {key: None}
    if r < 0.17:
        return {}
    return {key: max(0, c + rng.choice([-1, 0, 0, 1, 1, 2, -5]))}


SYN_BULLET_RESPONSES = [
    "- a\n- b\n- c", "* a\n* b", "\u2022 a\n\u2022 b\n\u2022 c\n\u2022 d", "  - a\n\t* b\n \u2022 c",
    "-a\n-b", "1. a\n2. b", "- a\n\n- b", "-\n-\n-", "- \n- ", "-\x1fa\n-\x1cb",
    "\x1c- a\n\x1f* b", "\u00a0- a\n\u3000* b", "a\u2028- b\u2028- c", "a\r\n- b\r\n- c",
    "** bold\n*italic*", "text - not a bullet", "\n\n- a", "-\t\ta", "\u2022\u00a0a",
    "- a\n  - nested\n    - deeper", "\u2013 a\n\u2014 b\n\u2212 c", "\x85- a", "-\x85a",
]

SYN_HIGHLIGHT_RESPONSES = [
    "*a*", "**a**", "***a***", "*a\nb*", "* *", "**", "*a* *b* *c*", "*a**b*", "\\*a\\*",
    "*\u00e9*", "*\U0001f600*", "*a\rb*", "*a\u2028b*", "*a\x85b*", "no highlights",
    "*one*two*three*", "**bold** and *it*", "*\t*",
]

SYN_PLACEHOLDER_RESPONSES = [
    "[NAME]", "[name]", "[Name]", "[A_B C]", "[]", "[ NAME]", "[NAME ]", "[_]", "[A]", "[A1]",
    "[\u00c9COLE]", "[NAME] [ADDRESS] [PHONE NUMBER]", "[[NAME]]", "[NA\nME]", "[A\u00a0B]",
    "[\uff21]", "[A-B]", "no placeholders", "[X][Y][Z]",
]

SYN_SECTION_RESPONSES = [
    "Section 1\nSection 2", "SECTION 1\nsection 2\nSeCtIoN 3", "Section\nSection 2",
    "Intro\nSection 1 text\nSection 2 text", " Section 1\n Section 2", "Section1\nSection2",
    "Subsection 1\nSection", "Sections", "\u017fection 1\n\u017fECTION 2", "SECTION. 1\nSECTION.2",
    "* 1\n* 2\n*3", "PARAGRAPH 1\n\nPARAGRAPH 2", "Day 1\nDay 2\nDay 3", "Section 1\r\nSection 2",
    "Section \u0661\nSection \u0662", "text\n\nSECTION X", "no headers at all", "\nSection 1",
    "Section 1\u2028Section 2", "Section 1\x85Section 2", "Audience 1\naudience 2",
    "\u212aey 1\nkey 2",
]

SYN_SPLITERS = ["Section", "SECTION", "section", "PARAGRAPH", "Day", "SECTION.", "*", "", None,
                "MISSING", "Sec(tion)", "[1]", "Audience", "Key", "\u017fection", "a+b"]

SYN_JSON_RESPONSES = [
    "{}", "[]", "{\"a\": 1}", " \n {\"a\": 1} \n ", "{\"a\": 1,}", "{'a': 1}", "NaN", "-Infinity",
    "Infinity", "nan", "inf", "{\"a\": NaN}", "[1, 2, 3,]", "\"just a string\"", "42", "4.2e3",
    "-0", "01", "1.", ".5", "+1", "true", "True", "null", "None", "{\"a\": {\"b\": {\"c\": [1, {\"d\": null}]}}}",
    "```json\n{\"a\": 1}\n```", "```\n{\"a\": 1}\n```", "```JSON\n{\"a\": 1}\n```",
    "Text before\n```json\n{\"a\": 1}\n```\ntext after", "```json\n{\"a\": 1,}\n```",
    "```json\n{bad}\n```\n```json\n{\"good\": 1}\n```", "```json{\"a\": 1}```", "```{\"a\": 1}```",
    "```json\n\n\n{\"a\": 1}\n\n\n```", "```json\n{\"a\": 1}", "{\"a\": 1} trailing",
    "{\"a\": \"line\nbreak\"}", "{\"a\": \"tab\there\"}", "{\"a\": \"\\ud83d\\ude00\"}",
    "{\"a\": \"\\ud800\"}", "{\"a\": 1e400}", "{\"a\": 123456789012345678901234567890}",
    "{\"a\": 1, \"a\": 2}", "\u00a0{\"a\": 1}\u3000", "\x1c{\"a\": 1}\x1f", "\ufeff{\"a\": 1}",
    "\u200b{\"a\": 1}", "{\"a\":\u00a01}", "[\u0661]", "{\"\u00e9\": \"\u4f60\u597d\"}",
    "```json\n[1, 2]\n```\n```json\n{}\n```", "``` json\n{\"a\": 1}\n```", "{\"a\": 1}\n```json\n{,}\n```",
    "[" * 50 + "]" * 50, "[" * 200 + "]" * 200, "[" * 500 + "]" * 500, "[" * 5000 + "]" * 5000,
    "{\"a\": [" + "1," * 30 + "1]}", "{\"a\":1}{\"b\":2}", "[1]\n[2]", "\t\r\n{\"a\": 1}\r\n",
    "{\"a\": -}", "{\"a\": 0x10}", "{\"a\": 1.0E+2}", "{\"a\": 1.0e-2}", "\"\\u00e9\"", "\"\\x41\"",
    "{\"a\" : [true, false, null]}", "[NaN, Infinity, -Infinity]", "{\"a\": -NaN}",
]

SYN_TITLE_RESPONSES = [
    "<<T>>", "<<>>", "<< >>", "<<<T>>>", "<<a>b>>", "<<T>", "<T>>", "<<\n>>", "<<T>>>",
    "\u00abT\u00bb", "<<\u00e9\u00e8>>", "text <<T>> text", "<<<>>>", ">><<T>><<", "<<T> >",
    "\uff1c\uff1cT\uff1e\uff1e",
]

SYN_CASE_RESPONSES = [
    "", "12345 !!!", "ABC", "abc", "Abc", "\u00c9COLE", "\u00e9cole", "STRASSE \u00df", "\u1e9e",
    "\u0130STANBUL", "i\u0307stanbul", "\u03a3\u039f\u03a6\u039f\u03a3", "\u03c3\u03bf\u03c6\u03bf\u03c2",
    "\u01c4", "\u01c5", "\u01c6", "\u216b", "\u217b", "\u24b6", "\u24d0", "ABC \u216b \u24b6",
    "abc \u217b \u24d0", "\u00aa\u00ba", "ABC \u00aa", "abc \u02b0", "ABC \u02b0", "abc \u02c6",
    "ABC \u4e2d\u6587", "abc \u0928\u092e\u0938\u094d\u0924\u0947", "\u0928\u092e\u0938\u094d\u0924\u0947",
    "ABC \U0001f600", "abc \U0001f600", "\U0001d400\U0001d401", "\U0001d41a\U0001d41b",
    "\uff21\uff22", "\uff41\uff42", "ABC \u0301", "abc \u0345", "\u0399\u0345", "\u1f88",
    "\u00b5", "\u00c5\u212b", "\u2126", "\u0149", "\u10d0\u10d1", "\u13a0\u13a1", "\uab70",
    "HELLO WORLD. \u0391\u0392\u0393.", "hello world. \u03b1\u03b2\u03b3.", "MIXED case",
]

SYN_TWO_RESPONSES = [
    "a ****** b", "a ***** b", "a --- b", "a - - - b", "a === b", "a == b", "Response 1: x",
    "response 1: x", "RESPONSE 2", "Response 2", "a\u2014\u2014b", "a ---- b", "******", "---", "===",
    "Response1", "a \uff0a\uff0a\uff0a\uff0a\uff0a\uff0a b", "*** ***", "no separator here",
]

SYN_END_PHRASES = ["Peace!", "Is there anything else I can help with?", "", None, "MISSING",
                   "Peace! ", " Peace!", "end.", "\u00e9nd", "\n", "Peace!\n"]

SYN_LANGS = ["en", "hi", "ru", "", None, "MISSING", "english", "English", "ENGLISH", "zh", "kn",
             " en", "english "]

SYN_PS_MARKERS = ["P.S.", "P.P.S", "", None, "MISSING", "p.s.", "PS", "P.S", "Note:"]

SYN_PS_RESPONSES = [
    "Text.\n\nP.S. hi", "Text.\nP.P.S. hi", "Text p.s. hi", "Text PS hi", "Text P.S hi",
    "Text P. S. hi", "Text P.P.S hi", "Text", "P.S.", "Note: x", "text\n\nnote: x",
]

SYN_QUOTE_RESPONSES = [
    "\"", "\"\"", "\" x \"", "\"x\"", "x", "\"x", "x\"", "\u201cx\u201d", "'x'", " \"x\" ",
    "\u00a0\"x\"\u3000", "\x1c\"x\"\x1f", "\u200b\"x\"", "\"x\"\u200b", "\"x\".", "\"\"\"",
    "\"a\" and \"b\"", "\uff02x\uff02",
]

SYN_COMMA_RESPONSES = [
    "no comma here", "one, comma", ",", "\uff0c fullwidth", "\u201a low quote", "\u060c arabic",
    "1,000", "", "trailing,", "\u3001 ideographic",
]

REPEAT_PROMPTS = ["Write a poem about cats.", "  Write a poem.  ", "", None, "MISSING",
                  "Line one\nLine two", "WRITE", "\u0130stanbul guide", "  ", "\u03a3\u03b1\u03c2"]


def syn_one(rng, iid):
    """(response, kwargs) for one synthetic instruction (kwargs may carry __raw__)."""
    if iid in NUMERIC_KEY:
        if iid == "length_constraints:number_paragraphs" and rng.random() < 0.5:
            resp = rng.choice(SYN_RESPONSES_GENERIC[16:19] + [syn_generic_response(rng)])
        else:
            resp = syn_generic_response(rng)
        return resp, syn_relation_kwargs(rng, iid, resp)
    if iid == "keywords:existence":
        return syn_keywords_existence(rng)
    if iid == "keywords:frequency":
        return syn_keywords_frequency(rng)
    if iid == "keywords:forbidden_words":
        return syn_forbidden(rng)
    if iid == "keywords:letter_frequency":
        return syn_letter(rng)
    if iid == "detectable_format:number_bullet_lists":
        resp = rng.choice(SYN_BULLET_RESPONSES) if rng.random() < 0.7 else syn_generic_response(rng)
        return resp, syn_count_kw(rng, "num_bullets", probe_bullets, resp)
    if iid == "detectable_format:number_highlighted_sections":
        resp = rng.choice(SYN_HIGHLIGHT_RESPONSES) if rng.random() < 0.7 else syn_generic_response(rng)
        return resp, syn_count_kw(rng, "num_highlights", probe_highlights, resp)
    if iid in ("detectable_content:number_placeholders", ALIAS_ID):
        resp = rng.choice(SYN_PLACEHOLDER_RESPONSES) if rng.random() < 0.7 else syn_generic_response(rng)
        return resp, syn_count_kw(rng, "num_placeholders", probe_placeholders, resp)
    if iid == "detectable_format:multiple_sections":
        resp = rng.choice(SYN_SECTION_RESPONSES) if rng.random() < 0.75 else syn_generic_response(rng)
        sp = rng.choice(SYN_SPLITERS)
        kw = {}
        if sp != "MISSING":
            kw["section_spliter"] = sp
        c = probe_sections(sp if isinstance(sp, str) else "Section")(_strip_cot(resp)) \
            if sp is not None else 1
        r = rng.random()
        if r < 0.1:
            kw["num_sections"] = None
        elif r < 0.16:
            pass
        else:
            kw["num_sections"] = max(0, c + rng.choice([-1, 0, 0, 1, 1]))
        return resp, kw
    if iid == "detectable_format:json_format":
        resp = rng.choice(SYN_JSON_RESPONSES) if rng.random() < 0.85 else syn_generic_response(rng)
        return resp, rng.choice([{}, {}, {"num_words": 3}])
    if iid == "detectable_format:title":
        resp = rng.choice(SYN_TITLE_RESPONSES) if rng.random() < 0.7 else syn_generic_response(rng)
        return resp, {}
    if iid in ("change_case:english_capital", "change_case:english_lowercase"):
        resp = rng.choice(SYN_CASE_RESPONSES) if rng.random() < 0.7 else syn_generic_response(rng)
        if rng.random() < 0.3:
            resp = resp.upper() if iid.endswith("capital") else resp.lower()
        return resp, {}
    if iid == "change_case:capital_word_frequency":
        resp = syn_generic_response(rng)
        kw = {}
        if rng.random() < 0.8:
            kw["capital_frequency"] = rng.choice([None, 0, 1, 5, 20])
            kw["capital_relation"] = rng.choice(["less than", "at least", None])
        return resp, kw
    if iid == "combination:two_responses":
        resp = rng.choice(SYN_TWO_RESPONSES) if rng.random() < 0.7 else syn_generic_response(rng)
        return resp, {}
    if iid == "combination:repeat_prompt":
        p = rng.choice(REPEAT_PROMPTS)
        resp = syn_generic_response(rng)
        if isinstance(p, str) and rng.random() < 0.6:
            resp = rng.choice([p, p.upper(), p.lower(), p.strip(), p.replace(" ", "  "),
                               p.replace("\n", " ")]) + rng.choice(["\n", " ", ""]) + resp
        kw = {} if p == "MISSING" else {"prompt_to_repeat": p}
        return resp, kw
    if iid == "punctuation:no_comma":
        resp = rng.choice(SYN_COMMA_RESPONSES) if rng.random() < 0.6 else syn_generic_response(rng)
        return resp, {}
    if iid == "startend:end_checker":
        e = rng.choice(SYN_END_PHRASES)
        resp = syn_generic_response(rng)
        if isinstance(e, str) and rng.random() < 0.6:
            resp = resp + rng.choice([" ", "\n", ""]) + rng.choice([e, e.strip(), e.lower()]) + \
                rng.choice(["", " ", "\n\n", "\u00a0", "\x1c", "\u200b", "\u2028", "\x85"])
        kw = {} if e == "MISSING" else {"end_phrase": e}
        return resp, kw
    if iid == "startend:quotation":
        resp = rng.choice(SYN_QUOTE_RESPONSES) if rng.random() < 0.7 else syn_generic_response(rng)
        return resp, {}
    if iid == "language:response_language":
        lang = rng.choice(SYN_LANGS)
        r = rng.random()
        if r < 0.35:
            resp = rng.choice(NON_ASCII_HEAVY)
        elif r < 0.5:
            resp = rng.choice(["ab\u00e9\u00e9", "abc\u00e9\u00e9", "a\u00e9", "", "   ", "\u00e9",
                               "ab\U0001f600\U0001f600", "abc\U0001f468\u200d\U0001f469", "\u0928a"])
        elif r < 0.7:
            resp = rng.choice(BASE_SENTENCES) + " " + rng.choice(NON_ASCII_HEAVY)
        else:
            resp = syn_generic_response(rng)
        kw = {} if lang == "MISSING" else {"language": lang}
        return resp, kw
    if iid == "detectable_content:postscript":
        m = rng.choice(SYN_PS_MARKERS)
        resp = rng.choice(SYN_PS_RESPONSES) if rng.random() < 0.7 else syn_generic_response(rng)
        kw = {} if m == "MISSING" else {"postscript_marker": m}
        return resp, kw
    if iid == "length_constraints:nth_paragraph_first_word":
        resp = syn_generic_response(rng)
        kw = rng.choice([{}, {"first_word": "first", "num_paragraphs": 2, "nth_paragraph": 1},
                         {"first_word": None, "num_paragraphs": None, "nth_paragraph": 3}])
        return resp, kw
    if iid == "detectable_format:constrained_response":
        resp = rng.choice(["My answer is yes.", "My answer is no.", "maybe", "", "\"\""])
        return resp, {}
    # unknown ids
    return syn_generic_response(rng), rng.choice([{}, {"relation": "at least", "num_words": 10**6}])


UNKNOWN_IDS = ["", "foo:bar", "detectable_format:Title", "length_constraints:number_words ",
               "language:response_language_v2", "keywords:Existence", "change_case",
               "detectable_content:placeholders", "startend:quotation\n"]


def clean_for_hf(kw):
    """True if kw can be a row of the HF struct (known fields, schema types)."""
    list_keys = {"keywords", "forbidden_words"}
    for k, val in kw.items():
        if k not in HF_FIELDS:
            return False
        if val is None:
            continue
        if k in list_keys:
            if not isinstance(val, list):
                return False
        elif isinstance(val, bool):
            return False
    return True


def synthetic_cases(rng, counts_by_id):
    cases = []

    def add(resp, ids, kws, hf):
        cases.append((resp, ids, kws, hf))

    def maybe_think(resp):
        if rng.random() < 0.12:
            return think_wrap(rng, resp, [])
        return resp

    def finish_kwargs(kw):
        raw = kw.pop("__raw__", False)
        return kw, raw

    # 1. per-id edge cases (first instruction), with 0-2 companions
    for iid in ALL_IDS:
        for _ in range(SYNTH_MIN_PER_ID):
            resp, kw = syn_one(rng, iid)
            kw, force_raw = finish_kwargs(kw)
            ids, kws = [iid], [kw]
            forced = force_raw or not clean_for_hf(kw)
            for _c in range(rng.choice([0, 0, 0, 1, 2])):
                cid = rng.choice(ALL_IDS)
                cresp, ckw = syn_one(rng, cid)
                ckw, craw = finish_kwargs(ckw)
                forced = forced or craw or not clean_for_hf(ckw)
                ids.append(cid)
                kws.append(ckw)
                if rng.random() < 0.5:
                    resp = resp + rng.choice(["\n\n", " ", "\n"]) + cresp
            hf = False if forced else (rng.random() < 0.75)
            add(maybe_think(resp), ids, kws, hf)

    # 2. empty instruction list and unknown ids
    for k in range(24):
        add(maybe_think(syn_generic_response(rng)), [], [], k % 2 == 0)
    for uid in UNKNOWN_IDS:
        for k in range(6):
            resp, kw = syn_one(rng, rng.choice(ALL_IDS))
            kw, _ = finish_kwargs(kw)
            other = rng.choice(ALL_IDS)
            oresp, okw = syn_one(rng, other)
            okw, oraw = finish_kwargs(okw)
            ids = [uid, other] if k % 2 else [uid]
            kws = [{}, okw] if k % 2 else [rng.choice([{}, {"num_words": 5}])]
            hf = (k % 3 != 0) and clean_for_hf(kws[-1]) and not oraw
            add(resp, ids, kws, hf)

    # 3. think-stripping forms x a few checks that react to the stripped part
    checks = [
        ("punctuation:no_comma", {}),
        ("detectable_format:json_format", {}),
        ("change_case:english_capital", {}),
        ("length_constraints:number_words", {"relation": "at least", "num_words": 4}),
        ("startend:quotation", {}),
        ("detectable_content:postscript", {"postscript_marker": "P.S."}),
        ("length_constraints:number_paragraphs", {"relation": "at least", "num_paragraphs": 2}),
        ("detectable_format:title", {}),
        ("language:response_language", {"language": "en"}),
        ("keywords:existence", {"keywords": ["think"]}),
    ]
    think_responses = ["\"ANSWER ONE TWO\"", "{\"a\": 1}", "plain answer here", "", "  ",
                       "P.S. yes", "<<T>>\n\nSECOND PARA", "\u4f60\u597d"]
    for fi, form in enumerate(THINK_FORMS):
        for cot in COT_TEXTS:
            r = rng.choice(think_responses)
            resp = form(cot, r)
            sel = rng.sample(checks, rng.randint(2, 4))
            add(resp, [c[0] for c in sel], [dict(c[1]) for c in sel], rng.random() < 0.5)

    # 4. whitespace at the edges of every checker that strips
    for ch in WS_CHARS:
        for body, iid, kw in [
            ("\"q\"", "startend:quotation", {}),
            ("done Peace!", "startend:end_checker", {"end_phrase": "Peace!"}),
            ("{\"a\": 1}", "detectable_format:json_format", {}),
            ("a b c", "length_constraints:number_words", {"relation": "at most", "num_words": 3}),
            ("One.\n\nTwo.", "length_constraints:number_paragraphs",
             {"relation": "at most", "num_paragraphs": 2}),
            ("x", "language:response_language", {}),
        ]:
            for variant in range(3):
                if variant == 0:
                    resp = ch + body + ch
                elif variant == 1:
                    resp = body.replace(" ", ch).replace("\n\n", "\n\n" + ch + "\n\n")
                else:
                    resp = ch * 3 + body
                add(resp, [iid], [dict(kw)], variant != 1)

    # 5. every edge template at least once, with thresholds at the measured count
    def at(resp, probe):
        return probe(_strip_cot(resp))

    for k, resp in enumerate(SYN_JSON_RESPONSES):
        add(resp, ["detectable_format:json_format"], [{}], k % 4 != 0)
    for k, resp in enumerate(SYN_TITLE_RESPONSES):
        add(resp, ["detectable_format:title"], [{}], k % 4 != 0)
    for k, resp in enumerate(SYN_CASE_RESPONSES):
        add(resp, ["change_case:english_capital", "change_case:english_lowercase"], [{}, {}],
            k % 4 != 0)
    for lst, iid in [(SYN_TWO_RESPONSES, "combination:two_responses"),
                     (SYN_QUOTE_RESPONSES, "startend:quotation"),
                     (SYN_COMMA_RESPONSES, "punctuation:no_comma")]:
        for k, resp in enumerate(lst):
            add(resp, [iid], [{}], k % 4 != 0)
    for k, resp in enumerate(SYN_BULLET_RESPONSES):
        c = at(resp, probe_bullets)
        add(resp, ["detectable_format:number_bullet_lists"] * 2,
            [{"num_bullets": c}, {"num_bullets": c + 1}], k % 4 != 0)
    for k, resp in enumerate(SYN_HIGHLIGHT_RESPONSES):
        c = at(resp, probe_highlights)
        add(resp, ["detectable_format:number_highlighted_sections"] * 2,
            [{"num_highlights": c}, {"num_highlights": c + 1}], k % 4 != 0)
    for k, resp in enumerate(SYN_PLACEHOLDER_RESPONSES):
        c = at(resp, probe_placeholders)
        add(resp, ["detectable_content:number_placeholders", ALIAS_ID] * 2,
            [{"num_placeholders": c}, {"num_placeholders": c}, {"num_placeholders": c + 1},
             {"num_placeholders": c + 1}], k % 4 != 0)
    for k, resp in enumerate(SYN_SECTION_RESPONSES):
        for sp in SYN_SPLITERS:
            if sp is None or sp == "MISSING":
                continue
            c = at(resp, probe_sections(sp))
            add(resp, ["detectable_format:multiple_sections"] * 2,
                [{"section_spliter": sp, "num_sections": c},
                 {"section_spliter": sp, "num_sections": c + 1}], k % 4 != 0)
    for k, resp in enumerate(SYN_PS_RESPONSES):
        kws = [({} if m == "MISSING" else {"postscript_marker": m}) for m in SYN_PS_MARKERS]
        add(resp, ["detectable_content:postscript"] * len(kws), kws, False)
        kws = [{"postscript_marker": m} for m in SYN_PS_MARKERS if m != "MISSING"]
        add(resp, ["detectable_content:postscript"] * len(kws), kws, True)
    lang_resps = ["", "ab\u00e9\u00e9", "abc\u00e9\u00e9", NON_ASCII_HEAVY[0], "Hello there.",
                  "ab\U0001f600\U0001f600", "abc\U0001f468\u200d\U0001f469"]
    for k, resp in enumerate(lang_resps):
        kws = [({} if m == "MISSING" else {"language": m}) for m in SYN_LANGS]
        add(resp, ["language:response_language"] * len(kws), kws, False)
        kws = [{"language": m} for m in SYN_LANGS if m != "MISSING"]
        add(resp, ["language:response_language"] * len(kws), kws, True)
    for k, resp in enumerate(["done Peace!", "done Peace! ", "done peace!", "Peace!\u200b",
                              "x\n\nPeace!\n", "", "Is there anything else I can help with?"]):
        kws = [({} if m == "MISSING" else {"end_phrase": m}) for m in SYN_END_PHRASES]
        add(resp, ["startend:end_checker"] * len(kws), kws, False)
        kws = [{"end_phrase": m} for m in SYN_END_PHRASES if m != "MISSING"]
        add(resp, ["startend:end_checker"] * len(kws), kws, True)
    for k, resp in enumerate(["Write a poem about cats. Here it is.", "WRITE A POEM.", "line one\nline two",
                              "Line one Line two", "i\u0307stanbul guide", "\u03c3\u03b1\u03c2", "", "x"]):
        kws = [({} if m == "MISSING" else {"prompt_to_repeat": m}) for m in REPEAT_PROMPTS]
        add(resp, ["combination:repeat_prompt"] * len(kws), kws, False)
        kws = [{"prompt_to_repeat": m} for m in REPEAT_PROMPTS if m != "MISSING"]
        add(resp, ["combination:repeat_prompt"] * len(kws), kws, True)
    for k, resp in enumerate(SYN_RESPONSES_GENERIC):
        s = _strip_cot(resp)
        ids = ["length_constraints:number_words", "length_constraints:number_sentences",
               "length_constraints:number_paragraphs", "length_constraints:number_words",
               "language:response_language", "change_case:english_capital",
               "change_case:english_lowercase", "startend:quotation", "punctuation:no_comma",
               "detectable_format:json_format", "detectable_format:title"]
        kws = [{"relation": "at least", "num_words": probe_words(s)},
               {"relation": "at least", "num_sentences": probe_sentences(s) + 1},
               {"relation": "at least", "num_paragraphs": probe_paragraphs(s)},
               {"relation": "at most", "num_words": max(0, probe_words(s) - 1)},
               {}, {}, {}, {}, {}, {}, {}]
        add(resp, ids, kws, k % 3 != 0)

    # 6. top up: ids below the evaluation target get more single-instruction cases
    counts = collections.Counter(counts_by_id)
    for resp, ids, kws, hf in cases:
        for i in ids:
            counts[i] += 1
    for iid in ALL_IDS:
        while counts[iid] < MIN_EVALS:
            resp, kw = syn_one(rng, iid)
            kw, raw = finish_kwargs(kw)
            hf = (not raw) and clean_for_hf(kw) and rng.random() < 0.75
            add(maybe_think(resp), [iid], [kw], hf)
            counts[iid] += 1
    return cases


# ---------------------------------------------------------------------------

def main():
    global verify_single_constraint, verify_constraints, _strip_cot, REGISTRY, HF_FIELDS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ref", required=True, help="checkout of the reference repository")
    ap.add_argument("--data", required=True, help="IFEval input_data.jsonl")
    ap.add_argument("--out-dir", default=str(HERE))
    args = ap.parse_args()

    sys.path.insert(0, str(Path(args.ref) / "src"))
    import evaluation.ifeval_constraints as ifc  # noqa: E402
    import evaluation.lighteval_diversity_metrics as ldm  # noqa: E402
    logging.getLogger(ldm.__name__).setLevel(logging.ERROR)
    verify_single_constraint = ifc.verify_single_constraint
    verify_constraints = ifc.verify_constraints
    REGISTRY = ifc.CONSTRAINT_REGISTRY
    _strip_cot = ldm._strip_cot

    rows = []
    with open(args.data, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rows.append(json.loads(line))
    fields = []
    for row in rows:
        for kw in row["kwargs"]:
            for k in kw:
                if k not in fields:
                    fields.append(k)
    HF_FIELDS = fields

    rng = random.Random(SEED)
    out_cases = []

    for row in rows:
        ids = row["instruction_id_list"]
        kwargs = row["kwargs"]
        for vno in range(REAL_VARIANTS):
            seed = row["key"] * 1000 + vno
            vrng = random.Random(seed)
            resp = build_real_response(vrng, seed, row["prompt"], ids, kwargs, vno)
            hf = vrng.random() >= RAW_FRACTION
            out_cases.append(("real", resp, ids, kwargs, hf))

    real_counts = collections.Counter()
    for _, _, ids, _, _ in out_cases:
        for i in ids:
            real_counts[i] += 1
    for resp, ids, kws, hf in synthetic_cases(rng, real_counts):
        out_cases.append(("synthetic", resp, ids, kws, hf))

    stats = {i: [0, 0] for i in ALL_IDS}
    extra_stats = collections.defaultdict(lambda: [0, 0])
    n_strict = 0
    lines = []
    for n, (source, resp, ids, kws, hf) in enumerate(out_cases):
        results, strict, loose = evaluate(resp, ids, kws, hf)
        n_strict += strict
        for i, r in zip(ids, results):
            tgt = stats[i] if i in stats else extra_stats[i]
            tgt[0 if r else 1] += 1
        rec = {"case": n, "source": source, "response": resp,
               "instruction_id_list": list(ids), "kwargs": kws, "hf_none_filled": hf,
               "results": results, "strict": strict, "loose": loose}
        lines.append(json.dumps(rec, ensure_ascii=True))

    # coverage requirements
    always_true = {i for i in ALL_IDS if i not in REGISTRY}
    always_true.add("detectable_format:constrained_response")
    for i in ALL_IDS:
        t, f_ = stats[i]
        assert t + f_ >= 200, (i, t, f_)
        if i not in always_true:
            assert t > 0 and f_ > 0, (i, t, f_)

    out_dir = Path(args.out_dir)
    (out_dir / "cases.jsonl").write_text("\n".join(lines) + "\n", encoding="ascii")

    n_hf = sum(1 for c in out_cases if c[4])
    n_real = sum(1 for c in out_cases if c[0] == "real")
    print("python", sys.version.split()[0])
    print("cases %d (real %d, synthetic %d), hf_none_filled %d, raw %d, strict True %d"
          % (len(out_cases), n_real, len(out_cases) - n_real, n_hf, len(out_cases) - n_hf, n_strict))
    print("HF fields (%d): %s" % (len(HF_FIELDS), ", ".join(HF_FIELDS)))
    print()
    print("| instruction id | registered | evaluations | True | False |")
    print("| --- | --- | ---: | ---: | ---: |")
    for i in ALL_IDS:
        t, f_ = stats[i]
        print("| `%s` | %s | %d | %d | %d |" % (i, "yes" if i in REGISTRY else "no", t + f_, t, f_))
    for i in sorted(extra_stats):
        t, f_ = extra_stats[i]
        print("| `%s` | %s | %d | %d | %d |" % (json.dumps(i)[1:-1], "yes" if i in REGISTRY else "no",
                                                 t + f_, t, f_))


if __name__ == "__main__":
    main()
