#!/usr/bin/env python3
"""Token ids of the dolma2 tokenizer for varied strings -> dolma2_ids.json.

For each case the reference is the Python ``tokenizers`` library (the same
Rust crate, 0.22.2, compiled with its default Oniguruma regex engine):

* ``ids``              ``Tokenizer.from_file(dolma2.json).encode(text, add_special_tokens=False).ids``
* ``ids_add_special``  the same with ``add_special_tokens=True`` (written only where it
                       differs from ``ids``; dolma2 has no post-processor, so it never does)
* ``tokens``           the byte-level token strings (cases up to 400 characters)
* ``decoded``          ``decode(ids, skip_special_tokens=False)``; equal to ``text`` for every case
* ``decoded_skip_special``  ``decode(ids, skip_special_tokens=True)`` where it differs from ``decoded``
* ``decode_each_id``   for a few cases, ``decode([id])`` for every id (what a streaming
                       decoder sees token by token; partial UTF-8 becomes U+FFFD)

Run from the repository root:

    /work/venv-ref/bin/python tests/golden/tokenizer/make_tokenizer.py
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import sys
from pathlib import Path

import tokenizers
from tokenizers import Tokenizer

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
TOKENIZER = ROOT / "assets" / "tokenizers" / "dolma2.json"
DATA = ROOT / "assets" / "data"

TOKENS_MAX_CHARS = 400


def jsonl(path: Path, n: int) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    rows = []
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            rows.append(json.loads(line))
            if len(rows) == n:
                break
    return rows


def task_cases() -> list[tuple[str, str, str]]:
    """Strings from the real task data (assets/data), built with the task query templates."""
    out = []
    for i, row in enumerate(jsonl(DATA / "gsm8k" / "requests.jsonl.gz", 3)):
        out.append((f"gsm8k_{i}", "task", f"Question: {row['doc']['question']}\n\nAnswer:"))
    gsm_answer = jsonl(DATA / "gsm8k" / "requests.jsonl.gz", 1)[0]["doc"]["answer"]
    out.append(("gsm8k_answer_0", "task", gsm_answer))
    for sub in ("math_algebra", "math_geometry"):
        row = jsonl(DATA / sub / "requests.jsonl.gz", 1)[0]["doc"]
        out.append((f"{sub}_0", "task", f"Problem: {row['problem']}\n\nSolution:"))
        out.append((f"{sub}_solution_0", "task", row["solution"]))
    he = jsonl(DATA / "humaneval" / "HumanEval.jsonl.gz", 164)
    for i in (0, 1, 32, 163):
        out.append((f"humaneval_{i}", "task code", he[i]["prompt"]))
    out.append(("humaneval_0_solution", "task code", he[0]["canonical_solution"]))
    out.append(("humaneval_0_test", "task code", he[0]["test"]))
    mbpp = jsonl(DATA / "mbpp" / "requests.jsonl.gz", 1)[0]["doc"]
    out.append(("mbpp_0", "task code", f'"""\n{mbpp["text"]}\n"""\n'))
    out.append(("mbpp_0_code", "task code", mbpp["code"]))
    for i, row in enumerate(jsonl(DATA / "ifeval" / "input_data.jsonl", 3)):
        out.append((f"ifeval_{i}", "task", row["prompt"]))
    for i, row in enumerate(jsonl(DATA / "xsum" / "test.jsonl", 3)):
        out.append((f"xsum_{i}_2000", "task", f"ARTICLE: {row['document'][:2000]}\nTL;DR:"))
    tqa = jsonl(DATA / "truthfulqa" / "combined.jsonl", 1)[0]
    out.append(("truthfulqa_0", "task", f"Q: {tqa['question']}\nA:"))
    alpaca = json.loads((DATA / "alpaca_eval" / "alpaca_eval_gpt4_baseline.json").read_text())
    out.append(("alpaca_eval_0_instruction", "task", alpaca[0]["instruction"]))
    arena = jsonl(DATA / "arena_hard" / "question.jsonl", 1)[0]
    out.append(("arena_hard_0", "task", arena["prompt"]))
    return out


def long_cases() -> list[tuple[str, str, str]]:
    xsum = jsonl(DATA / "xsum" / "test.jsonl", 30)
    alpaca = json.loads((DATA / "alpaca_eval" / "alpaca_eval_gpt4_baseline.json").read_text())
    longest_alpaca = max(alpaca[:200], key=lambda r: len(r["output"]))
    he = jsonl(DATA / "humaneval" / "HumanEval.jsonl.gz", 20)
    arena = jsonl(DATA / "arena_hard" / "question.jsonl", 200)
    longest_arena = max(arena, key=lambda r: len(r["prompt"]))
    return [
        ("long_xsum_30_docs", "long task", "\n\n".join(r["document"] for r in xsum)),
        ("long_alpaca_output", "long task", longest_alpaca["output"]),
        ("long_humaneval_20_programs", "long task code",
         "\n\n".join(r["prompt"] + r["canonical_solution"] for r in he)),
        ("long_arena_hard_prompt", "long task", longest_arena["prompt"]),
    ]


def synthetic_cases() -> list[tuple[str, str, str]]:
    c = []

    def add(name: str, tags: str, text: str) -> None:
        c.append((name, tags, text))

    # Plain English
    add("hello_world", "english", "Hello, world!")
    add("pangram", "english", "The quick brown fox jumps over the lazy dog.")
    add("contractions", "english", "I'm sure they'll say it's what we've done; DON'T, I'D, YOU'LL, He'S")
    add("apostrophes", "english", "Mr. O'Neil's dog's bone isn't here \u2014 it\u2019s there. 'tis 'twas")
    add("contraction_casefold", "english unicode",
        "it'\u017f and '\u017f and 'K and 'k and '\u212a")  # long s / Kelvin sign under (?i:)
    add("single_char_a", "english", "a")
    add("hello_variants", "english whitespace", "Hello\n Hello\nHello \nhello HELLO hELLO")
    add("sentence_punct", "english", "Wait... what?! (Really.) \"Yes,\" she said; 'no' -- maybe.")
    add("url_email", "english", "See https://huggingface.co/allenai?x=1&y=2#top or mail a.b@example.org.")

    # Chat-formatted strings and special tokens
    add("chat_hi", "special", "<|im_start|>user\nHi<|im_end|>")
    add("chat_prompt_think", "special",
        "<|im_start|>system\nYou are OLMo.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
        "<|im_start|>assistant\n<think>")
    add("think_suppressed_tail", "special", "<|im_start|>assistant\n<think>\n</think>\n")
    add("think_tags", "special", "<think>reasoning</think>answer")
    add("endoftext_alone", "special", "<|endoftext|>")
    add("pad_alone", "special", "<|pad|>")
    add("specials_adjacent", "special", "<|im_start|><|im_end|><|endoftext|><|pad|><|endoftext|>")
    add("specials_in_text", "special", "before<|endoftext|>after <|im_end|> spaced <|pad|>\n<|im_start|>x")
    add("special_lookalikes", "special", "<|im_start| <|IM_START|> <|im_start|x <| im_end |> <|endoftext|")
    add("added_not_special", "special",
        "<|extra_id_0|> |||PHONE_NUMBER||| |||EMAIL_ADDRESS||| |||IP_ADDRESS||| <|extra_id_10|>")
    add("fim_and_endofprompt", "special", "<|fim_prefix|>def f(<|fim_suffix|>)<|fim_middle|>x<|endofprompt|>")

    # Unicode
    add("accents", "unicode", "Caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00c5ngstr\u00f6m fa\u00e7ade se\u00f1or")
    add("nfc_vs_nfd", "unicode", "\u00e9 vs e\u0301, \u00c5 vs A\u030a, \uac00 vs \u1100\u1161")
    add("zalgo", "unicode", "Z\u0324\u0354\u0367\u0311\u0313a\u0308\u0356\u032d\u0308\u0307l\u036e\u0312\u036bg\u030c\u0317\u035a\u031ao\u0319\u0314\u036e\u0307\u0350\u0307")
    add("cjk", "unicode", "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3067\u3059\u3002\u4e2d\u6587\u6587\u672c\u3002\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8.")
    add("arabic_hebrew", "unicode", "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645! \u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd")
    add("devanagari", "unicode", "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e, \u0939\u093f\u0928\u094d\u0926\u0940 \u092e\u0947\u0902")
    add("thai", "unicode", "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e0a\u0e32\u0e27\u0e42\u0e25\u0e01")
    add("cyrillic_greek", "unicode", "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! \u0393\u03b5\u03b9\u03ac \u03c3\u03bf\u03c5 \u039a\u03cc\u03c3\u03bc\u03b5")
    add("emoji_zwj", "unicode emoji",
        "\U0001F469\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466 \U0001F3F3\ufe0f\u200d\U0001F308 "
        "\U0001F468\U0001F3FD\u200d\U0001F4BB")
    add("emoji_modifiers_flags", "unicode emoji",
        "\U0001F44D\U0001F3FD \U0001F1EF\U0001F1F5\U0001F1FA\U0001F1F8 1\ufe0f\u20e3 #\ufe0f\u20e3 \u2764\ufe0f \u263a")
    add("math_alnum_fullwidth", "unicode", "\U0001D400\U0001D401\U0001D402 \U0001D518\U0001D52B \uff21\uff22\uff23\uff11\uff12\uff13")
    add("recent_unicode", "unicode",
        # Unicode 15 (Kawi letters, Nag Mundari digits, Cyrillic Extended-D) and
        # Unicode 16 (Garay, Todhri) letters; unassigned U+0378; private use U+E000.
        "\U00011F04\U00011F05\U00011F06 \U0001E4F0\U0001E4F1\U0001E4F2\U0001E4F3\U0001E4F4 "
        "\U0001E030\U0001E031 \U00010D50\U00010D51 \U000105C0\U000105C1 \u0378 \ue000")
    add("non_ascii_digits", "unicode numbers",
        "\u0660\u0661\u0662\u0663\u0664\u0665\u0666 \u0967\u0968\u0969\u096a\u096b \u2460\u2461\u2462\u2463 "
        "\u00bd\u00be \u216b \u00b2\u00b3 \uff11\uff12\uff13\uff14")
    add("zero_width_and_bom", "unicode whitespace", "a\u200bb \ufeffBOM a\u00adb a\u200cb a\u200db \u2060x")
    add("control_chars", "unicode", "nul\x00bel\x07del\x7f \x1b[31mred\x1b[0m")

    # Code
    add("python_indent_tabs", "code",
        "def f(x):\n    if x > 0:\n        return x * 2\n\telse:\n\t\treturn -x  # tab-indented\n\n\nclass A:\n    pass\n")
    add("python_docstring", "code",
        'def add(a: int, b: int) -> int:\n    """Add two numbers.\n\n    >>> add(1, 2)\n    3\n    """\n    return a + b\n')
    add("json", "code",
        '{"name": "dolma2", "vocab": 100278, "special": ["<|endoftext|>", "<|pad|>"], "nested": {"a": [1, 2.5, -3e-7, null, true]}, "esc": "\\u00e9\\n\\t\\""}')
    add("rust_code", "code", "fn main() {\n    let v: Vec<u32> = (0..10).map(|x| x * x).collect();\n    println!(\"{:?}\", v);\n}\n")
    add("html_sql_shell", "code",
        "<div class=\"a\">&amp;&lt;</div>\nSELECT * FROM t WHERE id >= 10 AND name LIKE '%x%';\n"
        "cd $HOME && ls -la | grep -E '^d' > out.txt 2>&1")
    add("indent_only_lines", "code whitespace", "    \n        x\n    \n\t\n  \t  y")
    add("minified_js", "code", "function f(a,b){return a.map(function(x){return x*b}).filter(Boolean).join(\",\")};var z=f([1,2,3],4);" * 5)

    # Math / LaTeX
    add("latex_inline", "math",
        "$\\frac{a}{b} + \\sqrt{x^2+y^2} = \\int_0^\\infty e^{-x}\\,dx$ and $\\boxed{42}$")
    add("latex_align", "math",
        "\\begin{align}\n  f(x) &= x^2 - 3x + 2 \\\\\n  &= (x-1)(x-2)\n\\end{align}")
    add("math_unicode", "math unicode", "x\u00b2 + y\u00b2 = z\u00b2; \u2200x\u2208\u211d: x\u00b2\u22650; \u2211\u1d62 a\u1d62 \u2264 \u221e; \u03c0 \u2248 3.14159")
    add("arithmetic", "math numbers", "1+1=2, 3*4=12, 10/3=3.333..., 2^10=1024, -42, 1e-10, 0.000001")

    # Numbers (the pre-tokenizer splits digit runs into groups of three from the left)
    for n in range(1, 13):
        add(f"digits_{n}", "numbers", "1234567890123"[:n])
    add("digits_20", "numbers", "12345678901234567890")
    add("digits_100", "numbers long", "1" * 100)
    add("number_formats", "numbers",
        "1,234,567 1 234 567 $1,000,000.00 2024-11-24 10:30pm 0x1F 007 3.14159265358979 -0.5 +7 50%")
    add("numbers_in_words", "numbers", "a123b 12a34 x1y22z333w4444 v1.2.3 COVID-19 4x4 2nd 21st")
    add("space_before_numbers", "numbers whitespace", " 1  22   333    4444\n55555")

    # Long repeated characters
    add("a_x1000", "long repeat", "a" * 1000)
    add("space_x100", "long repeat whitespace", " " * 100)
    add("newline_x50", "long repeat whitespace", "\n" * 50)
    add("ab_x500", "long repeat", "ab" * 500)
    add("dash_x200", "long repeat", "-" * 200)
    add("equals_x77", "long repeat", "=" * 77)
    add("bang_x100", "long repeat", "!" * 100)
    add("tab_x20", "long repeat whitespace", "\t" * 20)
    add("emoji_x50", "long repeat unicode emoji", "\U0001F600" * 50)
    add("word_x200", "long repeat", "the " * 200)

    # Whitespace edge cases
    add("empty", "whitespace", "")
    add("single_space", "whitespace", " ")
    add("single_newline", "whitespace", "\n")
    add("leading_space", "whitespace", " leading")
    add("trailing_space", "whitespace", "trailing ")
    add("both_spaces", "whitespace", "  both  ")
    add("crlf", "whitespace", "\r\n")
    add("crlf_lines", "whitespace", "line1\r\nline2\r\n\r\nline4\rline5\n")
    add("nbsp", "whitespace unicode", "\u00a0")
    add("nbsp_between", "whitespace unicode", "a\u00a0b \u00a0c\u00a0 d")
    add("ideographic_space", "whitespace unicode", "\u3000")
    add("ideographic_between", "whitespace unicode", "\u65e5\u3000\u672c a\u3000b")
    add("multi_spaces", "whitespace", "a  b   c    d     e")
    add("spaces_before_newline", "whitespace", "x   \n   y \n\n z")
    add("tab_space_mix", "whitespace", " \t \n \t\n\t ")
    add("vt_ff", "whitespace", "a\x0bb\x0cc")
    add("ascii_separators", "whitespace", "a\x1cb\x1dc\x1ed\x1ff")
    add("nel_ls_ps", "whitespace unicode", "a\u0085b\u2028c\u2029d")
    add("unicode_spaces", "whitespace unicode", "a\u2000b\u2001c\u2009d\u200ae\u202ff\u205fg\u1680h")
    add("mongolian_vowel_sep", "whitespace unicode", "a\u180eb")
    add("blank_lines", "whitespace", "word\n\n\nword\n \n \nword")
    return c


def main() -> None:
    tok = Tokenizer.from_file(str(TOKENIZER))

    all_cases = synthetic_cases() + task_cases() + long_cases()
    names = [n for n, _, _ in all_cases]
    assert len(names) == len(set(names)), "duplicate case names"

    decode_each = {"chat_hi", "think_suppressed_tail", "emoji_zwj", "cjk", "nfc_vs_nfd",
                   "devanagari", "recent_unicode", "accents"}

    cases = []
    for name, tags, text in all_cases:
        enc = tok.encode(text, add_special_tokens=False)
        ids = enc.ids
        ids_special = tok.encode(text, add_special_tokens=True).ids
        decoded = tok.decode(ids, skip_special_tokens=False)
        decoded_skip = tok.decode(ids, skip_special_tokens=True)
        assert decoded == text, name
        case = {"name": name, "tags": tags.split(), "text": text, "chars": len(text),
                "utf8_bytes": len(text.encode("utf-8")), "ids": ids}
        if ids_special != ids:
            case["ids_add_special"] = ids_special
        if len(text) <= TOKENS_MAX_CHARS:
            case["tokens"] = enc.tokens
        case["decoded"] = decoded
        if decoded_skip != decoded:
            case["decoded_skip_special"] = decoded_skip
        if name in decode_each:
            case["decode_each_id"] = [tok.decode([i], skip_special_tokens=False) for i in ids]
        cases.append(case)

    by_name = {c["name"]: c for c in cases}
    assert by_name["chat_hi"]["ids"] == [100264, 882, 198, 13347, 100265]
    assert by_name["empty"]["ids"] == []

    special_ids = {"<|endoftext|>": 100257, "<|im_start|>": 100264, "<|im_end|>": 100265, "<|pad|>": 100277}
    for content, i in special_ids.items():
        assert tok.token_to_id(content) == i and tok.id_to_token(i) == content

    raw = json.loads(TOKENIZER.read_text())
    out = {
        "generator": "tests/golden/tokenizer/make_tokenizer.py",
        "versions": {"python": sys.version.split()[0], "tokenizers": tokenizers.__version__},
        "tokenizer": {
            "file": "assets/tokenizers/dolma2.json",
            "sha256": hashlib.sha256(TOKENIZER.read_bytes()).hexdigest(),
            "vocab_size_with_added": tok.get_vocab_size(with_added_tokens=True),
            "vocab_size_without_added": tok.get_vocab_size(with_added_tokens=False),
            "normalizer": raw["normalizer"],
            "pre_tokenizer": raw["pre_tokenizer"],
            "post_processor": raw["post_processor"],
            "decoder": raw["decoder"],
            "model": {k: v for k, v in raw["model"].items() if k not in ("vocab", "merges")},
            "added_tokens": [{k: t[k] for k in ("id", "content", "special")} for t in raw["added_tokens"]],
        },
        "add_special_tokens_adds_nothing": all("ids_add_special" not in c for c in cases),
        "cases": cases,
    }
    text = json.dumps(out, indent=1, ensure_ascii=True)
    text = re.sub(
        r"\[(\n\s*\d+(?:,\n\s*\d+)*\n\s*)\]",
        lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]",
        text,
    )
    assert json.loads(text) == out
    (HERE / "dolma2_ids.json").write_text(text + "\n")
    print(f"{len(cases)} cases, {sum(len(c['ids']) for c in cases)} ids")


if __name__ == "__main__":
    main()
