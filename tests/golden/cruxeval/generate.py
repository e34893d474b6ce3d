#!/usr/bin/env python3
"""Generate the CRUXEval output-prediction golden fixtures.

Run from the repository root:

    /work/venv-ref/bin/python tests/golden/cruxeval/generate.py --ref /work/ref-src

The functions under test are imported from the reference repository
(scripts/quality_filtered_diversity.py): ``_extract_cruxeval_pred``,
``_normalize_crux``, ``_crux_match``, ``check_cruxeval_correctness`` and
``strip_think_tags`` (which that module imports).  Nothing of their logic is
re-implemented here; this script only builds inputs and records what the
reference returns.

Writes, next to this script:
  literals.jsonl  strings run through ``ast.literal_eval`` with the outcome
                  (value as a tagged tree, or the exception class name)
  equality.jsonl  pairs of literals and whether their values compare equal
  cases.jsonl     generations + golds with the extracted / normalized
                  prediction and the correctness verdict

Output is deterministic (random.Random(1234); no hash-order dependence).
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import sys
import unicodedata
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 1234

# ``ast.literal_eval`` emits DeprecationWarning for invalid escapes such as
# '\d' or '\777' (Python 3.11).  Under ``-W error`` these would turn into
# SyntaxError; pin the default (non-fatal) behaviour so the fixture does not
# depend on the caller's warning settings.
warnings.simplefilter("ignore", DeprecationWarning)
warnings.simplefilter("ignore", SyntaxWarning)


def load_reference(ref: Path):
    sys.path.insert(0, str(ref / "scripts"))
    sys.path.insert(0, str(ref / "src"))
    sys.path.insert(0, str(ref))
    import quality_filtered_diversity as q  # noqa: E402

    return q


# ---------------------------------------------------------------------------
# Tagged encoding of literal_eval results
# ---------------------------------------------------------------------------


def has_surrogate(s: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in s)


def int_to_decimal(n: int) -> str:
    # str(int) is subject to the 4300-digit conversion limit; lift it only for
    # serialising (literal_eval itself always runs under the default limit).
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return str(n)
    finally:
        sys.set_int_max_str_digits(old)


def safe_repr(x) -> str:
    if isinstance(x, int) and not isinstance(x, bool):
        return int_to_decimal(x)
    if isinstance(x, tuple):
        inner = ", ".join(safe_repr(e) for e in x)
        return "(" + inner + ("," if len(x) == 1 else "") + ")"
    return repr(x)


def encode(v):
    if v is None:
        return {"none": None}
    if v is Ellipsis:
        return {"ellipsis": None}
    if isinstance(v, bool):
        return {"bool": v}
    if isinstance(v, int):
        return {"int": int_to_decimal(v)}
    if isinstance(v, float):
        return {"float": repr(v)}
    if isinstance(v, complex):
        return {"complex": [repr(v.real), repr(v.imag)]}
    if isinstance(v, str):
        if has_surrogate(v):
            raise ValueError("lone surrogate cannot be serialised")
        return {"str": v}
    if isinstance(v, bytes):
        return {"bytes": list(v)}
    if isinstance(v, list):
        return {"list": [encode(e) for e in v]}
    if isinstance(v, tuple):
        return {"tuple": [encode(e) for e in v]}
    if isinstance(v, set):
        return {"set": [encode(e) for e in sorted(v, key=safe_repr)]}
    if isinstance(v, dict):
        return {"dict": [[encode(k), encode(x)] for k, x in v.items()]}
    raise TypeError(f"unexpected literal type {type(v)!r}")


def literal_eval_outcome(text: str):
    try:
        v = ast.literal_eval(text)
    except Exception as e:  # noqa: BLE001 - the class name is the point
        return {"text": text, "ok": False, "error": type(e).__name__, "value": None}
    return {"text": text, "ok": True, "error": None, "value": encode(v)}


# ---------------------------------------------------------------------------
# A renderer for Python values with randomised (but valid) spellings.
# Sets are rendered in repr-sorted order so that nothing depends on hashing.
# ---------------------------------------------------------------------------

NAMED_CHARS = ["\u2022", "\u00e9", "\u03b1", "\u2014", "\u00a0", "\u2028"]


class Renderer:
    def __init__(self, rng: random.Random, wild: float = 0.5):
        self.rng = rng
        self.wild = wild  # probability of using unusual spellings

    def p(self, prob: float) -> bool:
        return self.rng.random() < prob * self.wild * 2

    # -- scalars ----------------------------------------------------------
    def int_(self, n: int) -> str:
        r = self.rng
        neg = n < 0
        a = -n if neg else n
        body = str(a)
        if self.p(0.25):
            body = r.choice([hex(a), oct(a), bin(a), hex(a).upper().replace("0X", "0x")])
        elif self.p(0.15) and len(body) > 3:
            # underscores every 3 digits
            rev = body[::-1]
            body = "_".join(rev[i:i + 3] for i in range(0, len(rev), 3))[::-1]
        if neg:
            return r.choice(["-", "-", "- "]) + body if self.p(0.2) else "-" + body
        if self.p(0.05):
            return "+" + body
        return body

    def float_(self, x: float) -> str:
        r = self.rng
        if x != x:
            raise ValueError("nan has no literal")
        if x in (float("inf"), float("-inf")):
            return ("-" if x < 0 else "") + r.choice(["1e999", "1e400", "9e9999"])
        s = repr(x)
        if self.p(0.3):
            if x == int(x) and abs(x) < 1e15:
                s = r.choice([f"{int(x)}.", f"{int(x)}.0", f"{int(x)}e0", f"{int(x)}.00"])
                if x == 0 and str(x).startswith("-"):
                    s = "-" + s
            elif 0 < abs(x) < 1 and s.lstrip("-").startswith("0."):
                s = s.replace("0.", ".", 1)
            else:
                s = s.upper() if "e" in s else s
        return s

    def complex_(self, z: complex) -> str:
        re_, im = z.real, z.imag
        ims = repr(abs(im)) + "j"
        if re_ == 0 and str(re_)[0] != "-":
            return ("-" if im < 0 else "") + ims
        res = repr(re_)
        op = "-" if im < 0 or (im == 0 and str(im).startswith("-")) else "+"
        s = f"{res}{op}{ims}"
        return f"({s})" if self.p(0.5) else s

    def str_(self, s: str, force_quote: str | None = None) -> str:
        r = self.rng
        quote = force_quote or r.choice(["'", '"', "'", '"', "'''", '"""'])
        if len(quote) == 3 and s.endswith(quote[0]):
            quote = "'" if quote[0] == '"' else '"'
        # implicit concatenation of two pieces
        if len(s) >= 2 and self.p(0.08):
            k = r.randrange(1, len(s))
            sep = r.choice([" ", "", "  "])
            return self.str_(s[:k], quote) + sep + self.str_(s[k:], quote)
        out = []
        for ch in s:
            o = ord(ch)
            if ch == "\\":
                out.append("\\\\")
            elif ch == quote[0]:
                out.append("\\" + ch)
            elif ch == "\n":
                out.append("\n" if len(quote) == 3 and self.p(0.3) else "\\n")
            elif ch == "\t":
                out.append("\t" if self.p(0.2) else "\\t")
            elif ch == "\r":
                out.append("\\r")
            elif o < 0x20 or o == 0x7F:
                out.append(r.choice([f"\\x{o:02x}", f"\\{o:o}", f"\\{o:03o}"]) if o else "\\x00")
            elif o > 0x7E and self.p(0.4):
                choices = [f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}", f"\\U{o:08X}"]
                if o <= 0xFF:
                    choices.append(f"\\x{o:02x}")
                try:
                    choices.append("\\N{" + unicodedata.name(ch) + "}")
                except ValueError:
                    pass
                out.append(r.choice(choices))
            elif ch.isascii() and ch.isalpha() and self.p(0.03):
                out.append(f"\\x{o:02x}")
            else:
                out.append(ch)
        prefix = r.choice(["u", "U"]) if self.p(0.05) else ""
        return prefix + quote + "".join(out) + quote

    def bytes_(self, b: bytes) -> str:
        q = self.rng.choice(["'", '"'])
        out = []
        for o in b:
            ch = chr(o)
            if ch == "\\":
                out.append("\\\\")
            elif ch == q:
                out.append("\\" + ch)
            elif 0x20 <= o < 0x7F:
                out.append(ch)
            else:
                out.append(f"\\x{o:02x}")
        return self.rng.choice(["b", "B"]) + q + "".join(out) + q

    # -- containers -------------------------------------------------------
    def sep(self, kind: str) -> str:
        r = self.rng
        if kind == "comma":
            if self.p(0.1):
                return r.choice([",\n", ",\n  ", ",\t", " ,", ",  # c\n "])
            return r.choice([", ", ", ", ","])
        if kind == "colon":
            return r.choice([": ", ": ", ":", " : "])
        if kind == "open":
            return r.choice(["\n  ", " "]) if self.p(0.1) else ""
        if kind == "close":
            return r.choice(["\n", " ", ",", ",\n"]) if self.p(0.1) else ""
        raise KeyError(kind)

    def seq(self, items, o, c, single_comma=False):
        body = ""
        for i, e in enumerate(items):
            if i:
                body += self.sep("comma")
            body += e
        close = self.sep("close")
        if single_comma and len(items) == 1:
            close = "," + close.lstrip(",")
        elif not items:
            close = close.strip(",")
        return o + (self.sep("open") if items else "") + body + close + c

    def value(self, v) -> str:
        if v is None:
            return "None"
        if v is Ellipsis:
            return "..."
        if isinstance(v, bool):
            return repr(v)
        if isinstance(v, int):
            return self.int_(v)
        if isinstance(v, float):
            return self.float_(v)
        if isinstance(v, complex):
            return self.complex_(v)
        if isinstance(v, str):
            return self.str_(v)
        if isinstance(v, bytes):
            return self.bytes_(v)
        if isinstance(v, list):
            return self.seq([self.value(e) for e in v], "[", "]")
        if isinstance(v, tuple):
            return self.seq([self.value(e) for e in v], "(", ")", single_comma=True)
        if isinstance(v, set):
            if not v:
                return "set()"
            items = sorted(v, key=safe_repr)
            if len(items) > 1 and self.p(0.5):
                self.rng.shuffle(items)
            return self.seq([self.value(e) for e in items], "{", "}")
        if isinstance(v, dict):
            items = [self.value(k) + self.sep("colon") + self.value(x) for k, x in v.items()]
            return self.seq(items, "{", "}")
        raise TypeError(type(v))


def canon(v) -> str:
    """Plain spelling: repr, except that set elements are written in repr order."""
    if isinstance(v, set):
        return "{" + ", ".join(canon(e) for e in sorted(v, key=safe_repr)) + "}" if v else "set()"
    if isinstance(v, list):
        return "[" + ", ".join(canon(e) for e in v) + "]"
    if isinstance(v, tuple):
        return "(" + ", ".join(canon(e) for e in v) + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, dict):
        return "{" + ", ".join(canon(k) + ": " + canon(x) for k, x in v.items()) + "}"
    return safe_repr(v)


WORDS = ["hello", "world", "abc", "a", "b", "x", "foo", "bar", "Hello World",
         "a b", "a  b", "", " ", "it's", 'say "hi"', "tab\there", "line\nbreak",
         "back\\slash", "caf\u00e9", "\u00fcber", "\U0001F600", "\u2022 item",
         "nbsp\u00a0x", "ls\u2028x", "\x85", "\x1c", "123", "-1", "[1, 2]",
         "True", "None", "'q'", "ABC", "a,b,c", "x.y", "..."]


def rand_scalar(rng: random.Random, depth: int = 0):
    k = rng.randrange(12)
    if k == 0:
        return rng.randint(-20, 20)
    if k == 1:
        return rng.choice([0, 1, -1, 7, 100, 255, 1000, 2 ** 31, 2 ** 53 + 1, 2 ** 64,
                           -(2 ** 63), 2 ** 128 + 7, 10 ** 30, -(10 ** 40) + 3])
    if k == 2:
        return rng.choice([0.0, -0.0, 0.5, 1.0, -1.5, 3.25, 0.1, 1e-05, 1e16, 2.5e-10,
                           1.7976931348623157e308, 5e-324, float("inf"), -float("inf"),
                           123.456, -0.001, 0.30000000000000004])
    if k == 3:
        return rng.choice([True, False])
    if k == 4:
        return None
    if k in (5, 6, 7):
        return rng.choice(WORDS)
    if k == 8:
        return rng.choice([b"", b"abc", b"\x00\xff", b"a'b", b'q"', b"\\n", b"\n\t"])
    if k == 9:
        return rng.choice([1j, -2j, 1 + 2j, -1.5 - 0.5j, complex(3, 0), complex(-0.0, 1)])
    if k == 10:
        return rng.choice([Ellipsis, 0, "", 1])
    return "".join(rng.choice("abcXYZ 019_-'\"\\\n\t\u00e9") for _ in range(rng.randrange(0, 6)))


def rand_hashable(rng: random.Random, depth: int = 0):
    k = rng.randrange(6)
    if k == 0 and depth < 2:
        return tuple(rand_hashable(rng, depth + 1) for _ in range(rng.randrange(0, 3)))
    v = rand_scalar(rng, depth)
    return v


def rand_value(rng: random.Random, depth: int = 0):
    if depth >= 3 or rng.random() < 0.35:
        return rand_scalar(rng, depth)
    k = rng.randrange(4)
    n = rng.randrange(0, 4)
    if k == 0:
        return [rand_value(rng, depth + 1) for _ in range(n)]
    if k == 1:
        return tuple(rand_value(rng, depth + 1) for _ in range(n))
    if k == 2:
        return {rand_hashable(rng, depth + 1) for _ in range(n)}
    return {rand_hashable(rng, depth + 1): rand_value(rng, depth + 1) for _ in range(n)}


# ---------------------------------------------------------------------------
# 1. literal_eval corpus
# ---------------------------------------------------------------------------


def literal_texts(rng: random.Random) -> list[str]:
    T: list[str] = []
    # integers
    T += ["0", "1", "-1", "+5", "--5", "- 5", "-  5", "+-5", "-+5", "+ 5", "007", "00",
          "000", "0_0", "00_0", "0_7", "1_000", "1__000", "1_", "_1", "0x1F", "0X1f",
          "0xdead_beef", "0x_ff", "0o17", "0O17", "0b101", "0B1_0", "0x", "0b", "0b2",
          "0o8", "0xg", "-0x10", "-0b11", "+0o7", "42", "-42", "12345678901234567890",
          str(2 ** 64), str(2 ** 128), str(2 ** 128 + 1), "-" + str(2 ** 128 + 1),
          str(2 ** 200), "-" + str(3 ** 150), hex(2 ** 300), bin(2 ** 130 - 1),
          "0o" + "7" * 60, "1" + "0" * 100, "1" * 4300, "1" * 4301, "0x" + "f" * 5000,
          "2**8", "1+1", "1 000", "1L", "1l", "0 1", "١٢٣", "\uff11",
          "5 ", "5\n", "5\r\n", "\n5", "\r\n5", "\r5", "5\r", "5;", "5 # comment",
          "# only a comment", "", " ", "\t", "\n", "#", "-0", "+0", "-00"]
    # floats
    T += ["1.", ".5", "1.5", "-1.5", "1e10", "1E-5", "1e+5", "1_000.5", "1_000.5e1_0",
          "1.5_0", "1_.5", "1._5", "1.e5", "1..5", "1.5.", "1e", "1e+", "e5", ".e5", "._5",
          "inf", "nan", "-inf", "Infinity", "1e999", "-1e999", "1e-999", "0.1", "-0.0",
          "+0.0", "0.0", "1.7976931348623157e308", "1.7976931348623159e308", "5e-324",
          "2e-324", "3e-324", "0.30000000000000004", "3.14159265358979323846264338327950288",
          "00.5", "007.5", "007e1", "0_7.0", "1.0", "100.0", "1e16", "1e22", "1e23",
          "123456789012345678901234567890.0", "2.5e-10", "-.5", "+.5", "0e0", "0.e0"]
    # complex
    T += ["1j", "1J", "-1j", "+1j", "0j", "-0j", "007j", "1+2j", "1-2j", "-1-2j", "-1+2j",
          "+1+2j", "1.5+2.5j", "1e3+1e-3j", "2j+1", "1+2", "1-2", "1.5+2", "1+2j+3",
          "(1+2j)", "-(1+2j)", "1+-2j", "-1+-2j", "1--2j", "1 + 2j", "1+ 2 j", "1j+1j",
          "True+1j", "1e999j", "1e999+1e999j", "1+0j", "0-0j", "1+(2j)", "(1)+2j",
          "(1+2j)+3", "1j*2", "2*1j", "1+2J", "1 +\n2j", "(1 +\n2j)", "3.0-0.0j",
          "[1+2j, -3j]"]
    # strings: quote styles and prefixes
    T += [r"'abc'", r'"abc"', r"'''abc'''", r'"""abc"""', r"r'a\nb'", r"R'a\nb'",
          r"u'abc'", r"U'abc'", r"b'abc'", r"B'abc'", r"br'a\n'", r"rb'a\n'", r"Rb'x'",
          r"bR'x'", r"BR'x'", r"rB'x'", r"f'abc'", r"F'{x}'", r"rf'a'", r"fr'a'", r"ur'a'",
          r"bu'a'", r"ub'a'", r"uu'a'", r"bb'a'", r"x'a'", "''", '""', "''''''", '""""""',
          "'''''", "'''a''''", "'''a'''''", "'abc", "abc'", "'abc\"", "'", '"', "'''a",
          r"'it\'s'", "\"it's\"", "'say \"hi\"'", r'"say \"hi\""', "'''it's'''",
          '"""say "hi" """', "'a' 'b'", "'a''b'", "'a' \"b\"", "'a' b'b'", "b'a' b'b'",
          "b'a' 'b'", "'a' f'b'", "('a'\n'b')", "'a'\n'b'", "'a' \\\n 'b'", "u'a' 'b'",
          "'a' 'b' 'c'", "b'' b''", "r'a' 'b\\n'", "'a' r'\\n'", "('x' 'y', 'z')",
          "['a' 'b']"]
    # strings: escapes
    T += [r"'\n'", r"'\t'", r"'\\'", r"'\''", r"'\"'", r'"\""', r'"\'"', r"'\x41'",
          r"'\x4'", r"'\xZZ'", r"'\x'", r"'\u00e9'", r"'\u00E9'", r"'\u00e'", r"'\u'",
          r"'\U0001F600'", r"'\U0001f600'", r"'\U00110000'", r"'\U0010FFFF'",
          r"'\N{BULLET}'", r"'\N{bullet}'", r"'\N{NO SUCH NAME}'", r"'\N{}'", r"'\N'",
          r"'\N{LATIN SMALL LETTER E WITH ACUTE}'", r"'\N{EM DASH}'", r"'\101'", r"'\0'",
          r"'\00'", r"'\000'", r"'\0000'", r"'\7'", r"'\77'", r"'\377'", r"'\400'",
          r"'\777'", r"'\d'", r"'\w'", r"'\ '", r"'\8'", r"'\9'", r"'\a\b\f\v\r'",
          r"'\e'", r"'\z'", r"'\{'", r"b'\u00e9'", r"b'\N{BULLET}'", r"b'\x80\xff'",
          r"b'\777'", r"b'\d'", r"b'\0'", r"u'\N{BULLET}'", r"r'\N{BULLET}'", r"r'\''",
          r"r'\\'", r"r'\"'", r"R'\x41'", r"rb'\x'", r"Rb'\\'", r"'\\\\'", r"'\\n'",
          r"'a\\'", r"'a\'", r"'C:\\path'", r"'\x41\x42'", r"'\u0041\U00000042'",
          r"'\U0001F600\u2022'", r"'\\x41'", r"'%s \\ %d'"]
    # strings: raw characters, line continuation, newline translation
    T += ["'a\\\nb'", "'\\\n'", "'''\\\n'''", "\"\"\"a\nb\"\"\"", "'a\nb'", "'''a\r\nb'''",
          "'''a\rb'''", "'a\rb'", "'\\\r\nb'", "r'a\\\nb'", "'\u00e9'", "'\U0001F600'",
          "'\u2028'", "'a\u2028b'", "'a\x85b'", "'\x0c'", "'\x1c'", "'\t'", "'a\tb'",
          "'\x00'", "'\x7f'", "'\u00a0'", "'\u200b'", "b'\u00e9'", "b'\x7f'", "b'\t'",
          "'''\n\n'''", "'''a\n  b\n'''", "'''\t'''", "'\ufeff'"]
    # None / bools / ellipsis / names / expressions / statements
    T += ["True", "False", "None", "true", "false", "none", "NULL", "null", "TRUE",
          "Ellipsis", "...", ". . .", "....", "..", "[...]", "(..., ...)", "x", "abc",
          "hello world", "f(1)", "f()", "print(1)", "[x for x in y]", "(x for x in y)",
          "{x: 1}", "{'a': x}", "{x}", "a.b", "a[0]", "[1][0]", "'abc'[0]", "'a' * 3",
          "'a' + 'b'", "-'a'", "not True", "1 < 2", "1 == 1", "1 if True else 2",
          "lambda: 0", "x := 1", "(x := 1)", "*a", "[*a]", "{**a}", "{1: 2, **a}",
          "(*a,)", "__import__('os')", "set()", "set( )", "set(\n)", "set(())", "set([])",
          "set([1, 2])", "set", "frozenset()", "dict()", "list()", "tuple()", "str()",
          "int('1')", "1 .real", "1j.real", "'abc'.upper()", "(yield)", "await x", "x=1",
          "a = 1", "pass", "import os", "def f(): pass", "return 1", "1; 2", "yield 1",
          "del x", "print 1", "1 2", "None None", "True False", "-None", "-True", "+False",
          "~1", "not 1", "1 and 2", "1 or 2", "1 | 2", "1 & 2", "1 ^ 2", "1 << 2", "2 ** 3",
          "7 // 2", "7 % 2", "7 / 2", "1 - 1", "(1, 2) + (3,)", "[1] * 2", "b'a' + b'b'",
          "'%d' % 1", "1 is 1", "1 in [1]", "-(1)", "-(-1)", "+(+1)", "-(1.5)", "- -1",
          "-(1j)", "-[1]", "...;", "@", "$", "`1`", "\\", "\\1", "1\\", "1 \\\n"]
    # containers
    T += ["[]", "()", "{}", "[ ]", "( )", "{ }", "[\n]", "(\n)", "{\n}", "[,]", "(,)",
          "{,}", "[1,]", "(1,)", "(1)", "((1))", "((1,))", "(1,2,)", "(1, )", "( 1 , )",
          "[1,2,,]", "[,1]", "[1,,2]", "[1, 2, 3]", "[1,2,3]", "[ 1 , 2 , 3 ]",
          "[\n  1,\n  2,\n]", "[1,\t2]", "[1,\r2]", "[1,\x0c2]", "[1,\x0b2]",
          "[1,\u00a02]", "[1,\u20282]", "[1,\x1c2]", "[1,\x852]", "[1,\u200b2]",
          "[1,\u30002]", "{1}", "{1,}", "{1, 2, 2}", "{1, 1.0, True}", "{True, 1.0, 1}",
          "{1.0, 1}", "{0, False, 0.0, -0.0, 0j}", "{-0.0, 0.0}", "{0.0, -0.0}",
          "{'a': 1, 'a': 2}", "{1: 'a', 1.0: 'b', True: 'c'}", "{True: 'x', 1: 'y'}",
          "{1.0: 'x', 1: 'y'}", "{0: 'a', False: 'b', 0.0: 'c', 0j: 'd'}", "{[1]: 2}",
          "{{1}: 2}", "{{}: 1}", "{(1, [2]): 3}", "{(1, 2): 3}", "{(): ()}",
          "{1: {2: {3: {}}}}", "{'a':1,'b':2}", "{'b': 2, 'a': 1}",
          "{'a': [1, {'b': (2, {3})}]}", "{1, (2, 3)}", "{(1, [2])}", "{[1]}", "{()}",
          "{b'a', 'a'}", "{'a': 1,}", "{'a' 1}", "{'a': 1 'b': 2}", "{1: 2, 3}",
          "{1, 2: 3}", "{:}", "{1:}", "{:1}", "[1, [2, [3, [4]]]]", "(True, [None])",
          "((), [], {})", "([], )", "1,2", "1, 2,", "1,", ",1", "(1, 2), (3, 4)",
          "[1, 2] # comment", "[1, # c\n 2]", "# c\n[1]", "[1]\n# c", "\n\n1\n\n",
          "1\n2", "(1\n2)", "[1\n,2]", "[1, 2\n", "[1, 2", "[1, 2)]", "(1, 2]", "{1: 2",
          "]", ")", "}", "[[1, 2]", "[1]]", "{'a': 1}}", "(((1)))", "[()]", "[[]]",
          "[{}]", "[set()]", "{1: set()}", "[None, True, False, ...]", "[1, 'a', b'b', 2.5, 3j]",
          "([1], {2: 3}, {4})", "{'k': (1,)}", "[(1, 2), (3, 4)]", "{(1, 2): [3, 4]}",
          "{'x': {'y': {'z': [1, 2, {'w': None}]}}}", "[1, 2, 3][::-1]", "[1] + [2]",
          "{1: 2}[1]", "{'a': 1, 'b': [1, 2,], }", "[ [ ] , ( ) , { } ]"]
    # whitespace handling by literal_eval (it lstrips only ' ' and '\t')
    T += [" 1", "  [1]", "\t1", "\t \t1", " \t1", " \n1", "\n 1", "\n\t1", "\x0c1",
          "\x0c 1", " \x0c1", "\x0b1", "\u00a01", "1\u00a0", "\u20281", "1\u2028",
          "\x1c1", "1\x1c", "\x851", "\u30001", "\ufeff1", "1\t", "1 \t ", "  'a'  ",
          "\t[1,\n\t2]", "   \t  (1,)", "\n\n\t1", "\r\n 1", " 1\n 2", "(\n 1\n)"]
    # typical CRUXEval outputs
    T += ["'hello world'", "[1, 2, 3]", "{'a': 1}", "(True, [None])", "-3.5", "'a\\nb'",
          "'HELLO'", "'  spaced  '", "[('a', 1), ('b', 2)]", "{'x': [1, 2], 'y': (3,)}",
          "'abc'", "'a'", "''", "[]", "{}", "True", "False", "None", "0", "-1", "42",
          "3.0", "[-1, 0, 1]", "['a', 'b', 'c']", "{1: 'one', 2: 'two'}", "'1,2,3'",
          "[[1, 2], [3, 4]]", "('a', 'b')", "{'a': [], 'b': {}}", "'zbzquiuqnmfkx'",
          "'Hey, Joe!'", "[3, 1, 2]", "{'h': 1, 'e': 1, 'l': 2, 'o': 1}", "'a_b_c'",
          "'0101'", "'-3'", "[True, False]", "'   '", "'\\t'", "'it\\'s'", "\"it's\"",
          "(1, 'a', [2.5])", "[0.5, 1.25]", "{'count': 3}", "'..'", "'?!'", "6", "17",
          "'\\\\'", "'\"'", "[[]]", "('',)", "{'': ''}", "'ThisIsCamelCase'",
          "'a b  c'", "['hello', 'world']", "(3, 4)", "[1, [2, [3]]]", "-0.0"]
    # nesting (depth kept small for successful parses; the tokenizer caps at 200)
    for d in (1, 2, 5, 10, 20, 30, 40, 50):
        T.append("[" * d + "]" * d)
    T.append("(" * 50 + ")" * 50)
    T.append("[" * 25 + "{" * 0 + "1" + "]" * 25)
    T.append("".join("[{'k': (" for _ in range(15)) + "1," + ")}]" * 15)
    T.append("{'a': " * 30 + "None" + "}" * 30)
    T.append("(" * 199 + "1" + ")" * 199)
    T.append("(" * 200 + "1" + ")" * 200)
    T.append("(" * 201 + "1" + ")" * 201)
    T.append("[" * 201 + "]" * 201)
    T.append("[" * 60 + "]" * 59)
    T.append("-" * 2000 + "1")
    T.append("-" * 3000 + "1")
    T.append("[" + ", ".join(str(i) for i in range(300)) + "]")

    # randomly rendered values (valid spellings of random Python values)
    gen = Renderer(rng, wild=0.5)
    for _ in range(260):
        v = rand_value(rng)
        try:
            T.append(gen.value(v))
        except ValueError:
            continue
    # plain spellings of random values, then corrupted copies
    for _ in range(120):
        v = rand_value(rng)
        s = canon(v)
        if len(s) < 2:
            continue
        op = rng.randrange(5)
        i = rng.randrange(len(s))
        if op == 0:
            s = s[:i] + s[i + 1:]
        elif op == 1:
            s = s[:i] + rng.choice("[](){},:'\"\\ x0.-#") + s[i:]
        elif op == 2:
            s = s[:i] + rng.choice("[](){},:'\"x") + s[i + 1:]
        elif op == 3:
            s = s + rng.choice([",", ")", "]", "}", " x", ".", ";"])
        else:
            s = rng.choice(["(", "[", "{", "-", "+", "b", "r", "u", "f"]) + s
        T.append(s)

    out, seen = [], set()
    for t in T:
        if t in seen or has_surrogate(t):
            continue
        seen.add(t)
        out.append(t)
    return out


# ---------------------------------------------------------------------------
# 2. equality pairs
# ---------------------------------------------------------------------------


def mutate(rng: random.Random, v):
    """Return a slightly different value (usually unequal)."""
    if isinstance(v, bool):
        return not v
    if isinstance(v, int):
        return v + rng.choice([1, -1, 2 ** 60])
    if isinstance(v, float):
        return v + 1.0 if v == v else 0.0
    if isinstance(v, complex):
        return v + 1j
    if isinstance(v, str):
        return v + "x" if rng.random() < 0.5 else v.upper() + "!"
    if isinstance(v, bytes):
        return v + b"x"
    if v is None:
        return False
    if v is Ellipsis:
        return None
    if isinstance(v, list):
        if v and rng.random() < 0.6:
            i = rng.randrange(len(v))
            return v[:i] + [mutate(rng, v[i])] + v[i + 1:]
        return rng.choice([tuple(v), v + [0], v[:-1] if v else [None]])
    if isinstance(v, tuple):
        if v and rng.random() < 0.6:
            i = rng.randrange(len(v))
            return v[:i] + (mutate(rng, v[i]),) + v[i + 1:]
        return rng.choice([list(v), v + (0,)])
    if isinstance(v, set):
        return v | {"zz"} if rng.random() < 0.5 else set(list(sorted(v, key=safe_repr))[1:])
    if isinstance(v, dict):
        if v and rng.random() < 0.6:
            k = next(iter(v))
            w = dict(v)
            w[k] = mutate(rng, w[k])
            return w
        w = dict(v)
        w["new"] = 1
        return w
    raise TypeError(type(v))


def numeric_twin(rng: random.Random, v):
    """An equal value of another numeric type where possible (1 -> 1.0 / True / 1+0j)."""
    if isinstance(v, bool):
        return rng.choice([int(v), float(v), complex(v)])
    if isinstance(v, int):
        if v in (0, 1):
            return rng.choice([bool(v), float(v), complex(v)])
        if abs(v) < 2 ** 53:
            return rng.choice([float(v), complex(v)])
        return v
    if isinstance(v, float):
        if v == v and abs(v) != float("inf") and v == int(v):
            return int(v)
        return v
    if isinstance(v, list):
        return [numeric_twin(rng, e) for e in v]
    if isinstance(v, tuple):
        return tuple(numeric_twin(rng, e) for e in v)
    if isinstance(v, dict):
        return {k: numeric_twin(rng, x) for k, x in v.items()}
    return v


def equality_pairs(rng: random.Random) -> list[tuple[str, str]]:
    P = [
        ("1", "1.0"), ("1", "True"), ("1.0", "True"), ("0", "False"), ("0", "-0.0"),
        ("0.0", "-0.0"), ("1", "1+0j"), ("1j", "1j"), ("0j", "0"), ("0j", "-0j"),
        ("1+0j", "True"), ("0.30000000000000004", "0.3"), ("0.1", "0.1000000000000000055511151231257827"),
        ("9007199254740993", "9007199254740992.0"), ("9007199254740992", "9007199254740992.0"),
        ("9007199254740993", "9007199254740993.0"), ("9007199254740993", "9007199254740993"),
        (str(2 ** 64), "18446744073709551616.0"), (str(2 ** 64 + 1), "18446744073709551616.0"),
        (str(2 ** 1024), "1e999"), (str(2 ** 1023), "8.98846567431158e307"),
        (str(2 ** 1023), str(float(2 ** 1023))), ("1" + "0" * 400, "1e400"),
        ("1" + "0" * 308, "1e308"), ("1e999", "1e1000"), ("1e999", "-1e999"),
        ("-1e999", "-1e400"), ("1e22", "10000000000000000000000"),
        ("1e23", "100000000000000000000000"), ("1e-400", "0"), ("5e-324", "0"),
        ("-0.0", "0j"), ("1e999j", "1e999j"), ("1+1e999j", "1+1e999j"),
        ("2.5", "2.50"), ("2.5", "5/2"), ("0.5", ".5"), ("1.", "1"), ("1e0", "True"),
        ("[1, 2]", "(1, 2)"), ("[1, 2]", "[1.0, 2.0]"), ("[1, 2]", "[2, 1]"),
        ("{1, 2}", "{2, 1}"), ("{'a':1,'b':2}", "{'b':2,'a':1}"), ("{}", "set()"),
        ("()", "[]"), ("'a'", "b'a'"), ("'a'", '"a"'), (r"'\x41'", "'A'"),
        (r"'\n'", "'''\n'''"), ("'ab'", "'a' 'b'"), (r"r'\n'", r"'\\n'"),
        ("None", "None"), ("None", "False"), ("None", "0"), ("...", "..."), ("...", "None"),
        ("{1: 'a'}", "{True: 'a'}"), ("{1, 1.0}", "{1}"), ("[[]]", "[()]"),
        ("(1,)", "(1, )"), ("1,2", "(1, 2)"), ("'1'", "1"), ("0x10", "16"),
        ("0b1010", "10"), ("0o17", "15"), ("1_000", "1000"), ("1e3", "1000"),
        ("[True]", "[1]"), ("{True: 1}", "{1.0: 1.0}"), ("(1+2j)", "1+2j"),
        ("1+2j", "1.0+2.0j"), ("{0: 'a'}", "{False: 'a'}"), ("{0j}", "{0}"),
        ("{-0.0}", "{0}"), ("{'a': 1, 'a': 2}", "{'a': 2}"), ("{'a': 1, 'a': 2}", "{'a': 1}"),
        ("{1: 'a', True: 'b'}", "{1: 'b'}"), ("{1: 'a', True: 'b'}", "{True: 'a'}"),
        ("[1, [2, [3]]]", "[1, [2, [3.0]]]"), ("[1, [2, [3]]]", "[1, [2, (3,)]]"),
        ("{'a': {'b': [1, 2]}}", "{'a': {'b': [1, 2]}}"), ("{'a': {'b': [1, 2]}}", "{'a': {'b': [2, 1]}}"),
        ("{'a': {1, 2}}", "{'a': {2, 1}}"), ("b'abc'", "b'a' b'bc'"), ("b'\\x41'", "b'A'"),
        ("b''", "''"), ("''", '""'), ("''", "''''''"), ("'it\\'s'", '"it\'s"'),
        ("'\\u00e9'", "'\u00e9'"), ("'\\N{BULLET}'", "'\u2022'"), ("'\\101'", "'A'"),
        ("'a\\\nb'", "'ab'"), ("'''a\r\nb'''", "'a\\nb'"), ("'\\d'", "'\\\\d'"),
        ("'hello'", "'Hello'"), ("'a b'", "'a  b'"), ("True", "False"), ("1", "-1"),
        ("-1", "- 1"), ("+5", "5"), ("1+2j", "1-2j"), ("2j", "2"), ("(1, 2, 3)", "1, 2, 3"),
        ("((1,),)", "[(1,)]"), ("[{}]", "[set()]"), ("{(): ()}", "{(): []}"),
        ("[None, ...]", "[None, ...]"), ("{1.5: 2}", "{1.5: 2.0}"), ("[0.1, 0.2]", "[0.1, 0.2]"),
        ("[1e999, -1e999]", "[1e400, -1e400]"), ("{1e999}", "{1e500}"),
        ("{1, 2, 3}", "{1, 2}"), ("{'a': 1}", "{'a': 1, 'b': 2}"), ("[1, 2]", "[1, 2, 3]"),
        ("(1, 2)", "(1, 2, 3)"), ("'abc'", "'abc '"), ("'1.0'", "'1'"), ("1.0", "'1.0'"),
        ("[True, False]", "[1, 0]"), ("[True, False]", "[1.0, 0j]"), ("(0,)", "(False,)"),
        ("{False}", "{0.0}"), ("{(1, 2): 'x'}", "{(1.0, 2.0): 'x'}"), ("-0j", "0"),
        ("1e16", "10000000000000001"), ("1e16", "10000000000000000"),
        ("123456789012345678901234567890", "1.2345678901234568e29"),
        ("0.1+0j", "0.1"), ("1j", "1.0j"), ("2+0j", "2"), ("(2+0j)", "2.0"),
    ]
    r = Renderer(rng, wild=0.5)
    # same value, two different spellings
    n = 0
    while n < 170:
        v = rand_value(rng)
        try:
            a, b = r.value(v), r.value(v)
        except ValueError:
            continue
        if a != b:
            P.append((a, b))
            n += 1
    # numeric twins
    for _ in range(60):
        v = rand_value(rng)
        try:
            P.append((r.value(v), r.value(numeric_twin(rng, v))))
        except ValueError:
            pass
    # near misses
    for _ in range(120):
        v = rand_value(rng)
        try:
            P.append((r.value(v), r.value(mutate(rng, v))))
        except ValueError:
            pass
    return P


# ---------------------------------------------------------------------------
# 3. correctness cases
# ---------------------------------------------------------------------------

GOLDS = [
    "'hello world'", "'HELLO WORLD'", "'abc'", "'a'", "''", '""', "' '", "'  spaced  '",
    "'a b  c'", "'a\\nb'", "'tab\\there'", "'it\\'s'", "\"it's\"", "'\"quoted\"'",
    "'123'", "'-3'", "'1.0'", "'[1, 2]'", "'True'", "'None'", "'.'", "'...'", "'a.'",
    "'`'", "'a,b,c'", "'x:y'", "'zbzquiuqnmfkx'", "'Hey, Joe!'", "'ThisIsCamelCase'",
    "'caf\\xe9'", "'\u00e9t\u00e9'", "'a\\xa0b'", "'\\\\'", "'0101'", "'hello'",
    "'Hello'", "'ab'", "'ba'", "'xyz'", "'mississippi'",
    "[1, 2, 3]", "[3, 2, 1]", "[]", "[[]]", "[-1, 0, 1]", "[1, [2, [3]]]",
    "['a', 'b', 'c']", "['hello', 'world']", "[('a', 1), ('b', 2)]", "[True, False]",
    "[None]", "[1.5, 2.0]", "[0, 0, 0]", "['']", "[[1, 2], [3, 4]]", "[{'a': 1}]",
    "{'a': 1}", "{'a': 1, 'b': 2}", "{}", "{1: 'one', 2: 'two'}", "{'x': [1, 2], 'y': (3,)}",
    "{'h': 1, 'e': 1, 'l': 2, 'o': 1}", "{'a': {'b': {}}}", "{'': ''}", "{'k': None}",
    "{(1, 2): 3}", "{1: [2, 3]}",
    "0", "1", "-1", "42", "-3", "100", "17", "2147483648", "123456789012345678901234567890",
    "3.5", "-3.5", "1.0", "0.5", "2.25", "-0.0", "1e-05", "0.1",
    "True", "False", "None",
    "(1, 2)", "(True, [None])", "(1,)", "()", "('a', 'b')", "(3, 'x', [1])", "((1, 2), (3, 4))",
    "('',)", "(0, 0)",
    "{1, 2, 3}", "set()", "b'abc'", "1j",
    "f(1)", "hello", "<function f>", "[1, 2", "'unterminated", "```",
    " 'padded gold' ", "'with trailing dot'.", "[1, 2];",
]

FILLER = [
    "Let's trace the function step by step.",
    "We start with the input and apply each operation.",
    "The loop iterates over every character.",
    "First, the string is split on spaces.",
    "After sorting, the list becomes ordered.",
    "The dictionary is updated in place.",
    "So the function returns the computed value.",
    "Note that `len(s)` is 5 here.",
    "Calling `f` with these arguments:",
    "We call `s.replace('a', 'b')` first.",
]


def value_variants(rng: random.Random, gold: str) -> list[str]:
    """Spellings of a prediction for ``gold``: equal, equivalent or wrong."""
    out = [gold, gold, gold.replace(", ", ","), gold.replace(": ", ":"),
           gold + ".", gold + " .", gold + ":", gold + ";", gold + ",", gold + "..",
           "`" + gold + "`", "``" + gold + "``", "'''" + gold + "'''", '"' + gold + '"',
           "  " + gold.replace(" ", "   ") + "  ", gold.replace(" ", "\u00a0"),
           gold.replace(" ", "\x1c"), gold.replace(", ", ",\n"), gold + " (final)",
           "f(x) = " + gold, gold.upper(), gold.lower()]
    try:
        v = ast.literal_eval(gold.strip())
    except Exception:  # noqa: BLE001
        v = None
        out += [gold[1:], gold[:-1], "'" + gold + "'"]
    else:
        r = Renderer(rng, wild=0.4)
        for _ in range(4):
            try:
                out.append(r.value(v))
            except ValueError:
                pass
        out.append(canon(mutate(rng, v)))
        out.append(canon(numeric_twin(rng, v)))
        if isinstance(v, str):
            out += [v, v + ".", repr(v), '"' + v + '"', "'" + v, v.strip(),
                    "'" + v.replace("'", "\\'") + "'", "'''" + v + "'''"]
        if isinstance(v, (list, tuple)) and v:
            out += [canon(list(v)), canon(tuple(v)), canon(v[::-1])]
        if isinstance(v, dict) and len(v) > 1:
            out.append(canon(dict(reversed(list(v.items())))))
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out += [str(float(v)), str(v) + ".0", hex(int(v)) if v == int(v) else str(v)]
    return [o for o in out if o.strip()]


UWS = ["\u00a0", "\u2028", "\u2029", "\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\u3000",
       "\x0b", "\x0c", "\r", "\r\n", "\t", "\u200b", "\ufeff", "\u2003"]

# Templates: {p} is the prediction, {w} a wrong value, {f} a filler sentence.
TEMPLATES = [
    # (a) **Answer:** block
    "**Answer:**\n{p}", "**Answer:**\n\n{p}", "{f}\n\n**Answer:**\n{p}\n\nExplanation: {f}",
    "**Answer:**\n{p}\n{f}", "**Answer**\n{p}", "**Answer :**\n`{p}`", "**Answer:**\n```\n{p}\n```",
    "**Answer:**\n```python\n{p}\n```", "**Answer:** \n   {p}   \n\nmore", "**Answer: **\n{p}",
    "**Answer:**\n``{p}``", "**Answer:**\n{p}\n\n**Answer:**\n{w}", "{f}\n**Answer:**\n\n\n{p}",
    "**Answer:**{p}", "**Answer:** {p}", "**Answer**: {p}", "**answer:**\n{p}",
    "**ANSWER:**\n{p}", "Output: {w}\n**Answer:**\n{p}", "**Answer:**\n{p}\n```python\n{w}\n```",
    # (b) Answer:/Output: inline
    "Answer: {p}", "Output: {p}", "answer: {p}", "ANSWER : {p}", "output:{p}", "Answer:\n{p}",
    "Output:\n`{p}`", "Answer: `{p}`", "{f}\nThe final answer: {p}", "{f}\nFinal Answer: {p}.",
    "Output: `{p}` since {f}", "Answer:\n\n{p}\n{f}", "{f}\nOutput:   {p}   \n{f}",
    "The answer is:\n{p}", "Answer: {p}\nAnswer: {w}", "Output\n:\n{p}", "Answer:",
    "Answer:\nOutput: {p}", "Anſwer: {p}", "Outputs: {w}\n{p}", "Answer: ``{p}``",
    "Answer: `{p}` and more", "Answer: **{p}**", "**Final Answer:** {p}",
    "Answer: {p}`", "```\n{w}\n```\nAnswer: {p}",
    # (c) fenced code blocks
    "```python\n{p}\n```", "```\n{p}\n```", "{f}\n```python\n{w}\n```\nThen:\n```python\n{p}\n```",
    "```py\n{p}\n```", "```{p}```", "```python {p}```", "```python3\n{p}\n```",
    "```json\n{p}\n```", "```\n\n{p}\n\n```", "```\n{p}\n```\n{f}\n```\n{w}",
    "```Python\n{p}\n```", "``````", "{f}\n```\n```", "```python\n# result\n{p}\n```",
    "```python\nassert f(x) == {p}\n```",
    # (d) inline backtick spans
    "The function returns `{p}`.", "{f} It returns `{p}`.", "`{p}` is the result of `f`.",
    "So `f(x)` evaluates to `{p}`", "Result: none\nWe get `{p}` after `len`.",
    "Both `{w}` and then `{p}` appear.", "The value is ` {p} `.", "Value `{p}`, see `x`, `y`",
    "It's `hello` vs `{p}`", "`{p}`",
    # (e) first non-empty line
    "{p}", "{p}\n{f}", "\n\n  {p}  \n{w}", "{p}\nassert f(x) == {w}", "The output is {p}",
    "{f}\n{p}", "[ANSWER]\n{p}\n[/ANSWER]", "{p}\u2028{w}", "{p}\x1c{w}", "{p}\x85{w}",
    "{p}\r{w}", "{p}\x0b{w}", "{p}\x0c{w}", "{p}\u2029{w}", "{p}\u00a0{w}",
]

THINK_PREFIXES = [
    "", "", "", "", "", "",
    "<think>Let me think. Answer: {w}</think>",
    "<think>\n{f}\n```python\n{w}\n```\n</think>\n\n",
    "I believe the output is {w}.</think>\n",
    "<think>a</think>b<think>c</think>",
    "<think>unclosed reasoning with Output: {w}\n\n",
    "<think><think>nested</think>Answer: {w}</think>",
    "</think></think>",
    "  <think>x</think>  \n",
    "<THINK>upper</THINK>\n",
]


def make_generation(rng: random.Random, template: str, pred: str, wrong: str) -> str:
    g = template.format(p=pred, w=wrong, f=rng.choice(FILLER))
    pre = rng.choice(THINK_PREFIXES).format(w=wrong, f=rng.choice(FILLER))
    g = pre + g
    r = rng.random()
    if r < 0.06:
        g = rng.choice(UWS) + g + rng.choice(UWS)
    elif r < 0.12:
        i = rng.randrange(len(g) + 1)
        g = g[:i] + rng.choice(UWS) + g[i:]
    elif r < 0.16:
        g = g.replace("\n", rng.choice(UWS), 1)
    elif r < 0.19:
        g = g.replace(" ", rng.choice(UWS))
    return g


def handmade_cases() -> list[tuple[str, str]]:
    """(generation, gold) pairs aimed at specific branches and quirks."""
    H = [
        ("", "'abc'"), ("   \n\t ", "'abc'"), ("\u00a0\u2028\x1c\x85", "'abc'"),
        ("<think>only reasoning</think>", "1"), ("<think>only reasoning</think>\n\n  ", "1"),
        ("<think>reasoning", "1"), ("<think>x</think>1", "1"), ("x</think>1", "1"),
        ("x</think>1</think>2", "2"), ("<think>a</think>x</think>1", "1"),
        ("<think><think>a</think>b</think>1", "1"), ("</think>", "1"),
        ("<think>\n</think>\n\n**Answer:**\n'abc'", "'abc'"),
        ("**Answer:**\n'abc'", "'abc'"), ("**Answer:**\n\"abc\"", "'abc'"),
        ("**Answer:**\n`'abc'`", "'abc'"), ("**Answer:**\n```\n'abc'\n```", "'abc'"),
        ("**Answer:**\n```python\n'abc'\n```", "'abc'"), ("**Answer:** 'abc'", "'abc'"),
        ("**Answer**: 'abc'", "'abc'"), ("**answer:**\n'abc'", "'abc'"),
        ("**Answer:**\n``", "'abc'"), ("**Answer:**\n```", "'abc'"),
        ("**Answer:**\n\n\n[1, 2]\n\nwhy", "[1,2]"), ("**Answer:**\x1c\n42", "42"),
        ("**Answer:**\u00a0\n42", "42"), ("**Answer:**\u2028\n42", "42"),
        ("**Answer:**\u2028 42", "42"), ("**Answer:**\r\n42", "42"),
        ("**Answer:**\n42\r\n\r\nmore", "42"), ("**Answer:**\n42\n \nmore", "42"),
        ("**Answer:**\n[1,\n2]\n\nmore", "[1, 2]"),
        ("Answer: 42", "42"), ("Answer:42", "42"), ("ANSWER :  42  ", "42"),
        ("answer:\n\n42", "42"), ("Answer:\x1c42", "42"), ("Answer:\u00a042", "42"),
        ("Answer: `42`", "42"), ("Answer: ``42``", "42"), ("Answer: `42` because", "42"),
        ("Answer: 42`", "42"), ("Answer: `42", "42"), ("Answer: ` 42 `", "42"),
        ("Answer: `'a'`", "'a'"), ("Answer: '`a`'", "'a'"),
        ("Output: `[1, 2]`.", "[1, 2]"), ("Output:\n`[1, 2]`", "[1, 2]"),
        ("The output: None", "None"), ("Output: none", "None"), ("Answer:", "1"),
        ("Answer:\n", "1"), ("Answer:\n\nOutput: 5", "5"), ("Answer:**\n5", "5"),
        ("FinalAnswer: 5", "5"), ("Reanswer: 5", "5"), ("Outputs: 5\n6", "6"),
        ("Output\n\n:\n 5", "5"), ("Anſwer: 5", "5"), ("ANſWER: 5", "5"),
        ("Answer\u2028: 5", "5"), ("Answer\x1c: 5", "5"), ("Answer: 5\u20286", "5"),
        ("Answer: 5\x856", "5"), ("Answer: 5\r6", "5"),
        ("```python\n[1, 2]\n```", "[1, 2]"), ("```\n[1, 2]\n```", "[1, 2]"),
        ("```py\n[1, 2]\n```", "[1, 2]"), ("```python3\n[1, 2]\n```", "[1, 2]"),
        ("```[1, 2]```", "[1, 2]"), ("```python[1, 2]```", "[1, 2]"),
        ("``````", "''"), ("```\n1\n```\ntext\n```\n2", "1"), ("```\n1\n```\n```\n2\n```", "2"),
        ("``` a ``` b ``` c ```", "'c'"), ("```\n```", "1"), ("```python\n\n```", "1"),
        ("```\u2028[1]\u2028```", "[1]"), ("```\x1c\n[1]```", "[1]"),
        ("It returns `[1, 2]`.", "[1, 2]"), ("It returns `hello`.", "'hello'"),
        ("`f` gives `'x'` then `y`", "'x'"), ("`Truer`", "True"), ("`Nonesense`", "None"),
        ("`- item`", "'- item'"), ("`b'abc'`", "b'abc'"), ("`.5`", "0.5"), ("`+5`", "5"),
        ("`set()`", "set()"), ("`...`", "..."), ("`\u0663`", "3"), ("`\uff15`", "5"),
        ("x `a b` c `d", "'a b'"), ("`1`2`3`", "1"), ("` `", "' '"), ("`\n[1]\n`", "[1]"),
        ("`{'a': 1}`", "{'a': 1}"), ("`(1,)`", "(1,)"), ("`-0.0`", "0.0"), ("`\"s\"`", "'s'"),
        ("42", "42"), ("  42  ", "42"), ("\n\n42\nmore", "42"), ("42.", "42"),
        ("'abc'", "'abc'"), ("\"abc\"", "'abc'"), ("abc", "'abc'"), ("'''abc'''", "'abc'"),
        ("\"\"\"abc\"\"\"", "'abc'"), ("'abc", "'abc'"), ("'abc' .", "'abc'"),
        ("'abc'.", "'abc'"), ("`'abc'`", "'abc'"), ("'`abc`'", "'abc'"), ("`abc`", "'abc'"),
        ("''", "''"), ("\"\"", "''"), ("'", "'"), ("\"", "'"), ("'''", "''"), ("''''", "''"),
        ("...", "..."), ("....", "..."), (".", "'.'"), (":", "':'"), ("`", "'`'"),
        ("123", "'123'"), ("'123'", "123"), ("[1,2]", "'[1, 2]'"), ("1.0", "1"),
        ("1", "True"), ("True", "1"), ("0", "False"), ("1+0j", "1"), ("0x2a", "42"),
        ("1_000", "1000"), ("007", "7"), ("[1,2]", "[1, 2]"), ("(1, )", "(1,)"),
        ("(1)", "(1,)"), ("1,", "(1,)"), ("1, 2", "(1, 2)"), ("[1, 2]", "(1, 2)"),
        ("{'b': 2, 'a': 1}", "{'a':1,'b':2}"), ("{2, 1}", "{1, 2}"),
        ("{1: 'a', 1.0: 'b'}", "{1: 'b'}"), ("{'a': 1, 'a': 2}", "{'a': 2}"),
        ("'a  b'", "'a b'"), ("'a\tb'", "'a b'"), ("'a\u00a0b'", "'a b'"),
        ("'a\x1cb'", "'a b'"), ("'a\\nb'", "'a\\nb'"), ("'a\nb'", "'a\\nb'"),
        ("'a b'", "'a\\tb'"), ("b'abc'", "'abc'"), ("b'abc'", "b'abc'"),
        ("'caf\u00e9'", "'caf\\xe9'"), ("'caf\\u00e9'", "'caf\\xe9'"),
        ("[1, 2", "[1, 2"), ("[1,  2", "[1, 2"), ("f(1)", "f(1)"), ("f( 1 )", "f(1)"),
        ("hello", "hello"), ("Hello", "hello"), ("1e999", "1e400"), ("inf", "1e999"),
        ("9007199254740993", "9007199254740992.0"), ("1e22", "10000000000000000000000"),
        ("-0.0", "0"), ("0.30000000000000004", "0.3"), ("[" * 201 + "]" * 201, "[[]]"),
        ("'x'", "  'x'  "), ("'padded gold'", " 'padded gold' "),
        ("'with trailing dot'", "'with trailing dot'."), ("[1, 2]", "[1, 2];"),
        ("'\u200babc'", "'abc'"), ("\ufeff'abc'", "'abc'"), ("'abc'\u200b", "'abc'"),
        ("'abc'\u3000", "'abc'"), ("\x1f'abc'\x1e", "'abc'"), ("'abc'\x0b", "'abc'"),
        ("**Answer:**\n'a', 'b'", "('a', 'b')"), ("'a', 'b'", "('a', 'b')"),
        ("\"a\", \"b\"", "('a', 'b')"), ("'it's'", "\"it's\""), ("\"it's\"", "\"it's\""),
        ("'it\\'s'", "\"it's\""), ("'\"quoted\"'", "'\"quoted\"'"), ("\"quoted\"", "'\"quoted\"'"),
        ("'1.0'", "'1.0'"), ("1.", "'1.0'"), ("'True'", "True"), ("True", "'True'"),
        ("None", "'None'"), ("'...'", "'...'"), ("...", "'...'"), ("'.'", "'.'"),
        ("'a.'", "'a.'"), ("'a'", "'a.'"), ("a", "'a.'"), ("'`'", "'`'"),
    ]
    return H


def build_cases(q, rng: random.Random) -> list[dict]:
    pairs = handmade_cases()
    for _ in range(1500):
        gold = rng.choice(GOLDS)
        variants = value_variants(rng, gold)
        pred = rng.choice(variants)
        wrong = rng.choice(value_variants(rng, rng.choice(GOLDS)))
        template = rng.choice(TEMPLATES)
        pairs.append((make_generation(rng, template, pred, wrong), gold))
    cases, seen = [], set()
    for generation, gold in pairs:
        if (generation, gold) in seen or has_surrogate(generation) or has_surrogate(gold):
            continue
        seen.add((generation, gold))
        gold_used = str(" " + gold).strip()
        assert gold_used, "an empty gold would trigger the HF-dataset fallback"
        pred = q._extract_cruxeval_pred(generation)
        correct = q.check_cruxeval_correctness([generation], {"choices": [" " + gold]})[0]
        assert correct == (q._crux_match(pred, gold_used) if pred else False)
        cases.append({
            "generation": generation,
            "gold": gold,
            "pred": pred,
            "pred_normalized": q._normalize_crux(pred) if pred else None,
            "gold_normalized": q._normalize_crux(gold_used),
            "correct": bool(correct),
        })
    return cases


# ---------------------------------------------------------------------------


def write_jsonl(path: Path, rows) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=True) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref", required=True, type=Path, help="reference repository root")
    args = ap.parse_args()
    q = load_reference(args.ref.resolve())

    rng = random.Random(SEED)

    literals = [literal_eval_outcome(t) for t in literal_texts(rng)]
    write_jsonl(HERE / "literals.jsonl", literals)

    eq_rows, seen = [], set()
    for a, b in equality_pairs(rng):
        if (a, b) in seen or has_surrogate(a) or has_surrogate(b):
            continue
        seen.add((a, b))
        try:
            va, vb = ast.literal_eval(a), ast.literal_eval(b)
        except Exception:  # noqa: BLE001 - only pairs where both parse
            continue
        eq_rows.append({"a": a, "b": b, "equal": bool(va == vb)})
    write_jsonl(HERE / "equality.jsonl", eq_rows)

    cases = build_cases(q, rng)
    write_jsonl(HERE / "cases.jsonl", cases)

    n_ok = sum(r["ok"] for r in literals)
    n_eq = sum(r["equal"] for r in eq_rows)
    n_c = sum(c["correct"] for c in cases)
    print(f"literals.jsonl: {len(literals)} rows ({n_ok} ok, {len(literals) - n_ok} errors)")
    print(f"equality.jsonl: {len(eq_rows)} rows ({n_eq} equal, {len(eq_rows) - n_eq} unequal)")
    print(f"cases.jsonl:    {len(cases)} rows ({n_c} correct, {len(cases) - n_c} incorrect)")
    print(f"python {sys.version}")


if __name__ == "__main__":
    main()
