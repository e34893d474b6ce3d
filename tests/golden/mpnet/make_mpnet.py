"""Golden fixtures for the MPNet sentence encoder (sentence-transformers all-mpnet-base-v2).

Everything in this folder is produced by this script from the real model folder in
`assets/models/all-mpnet-base-v2/`, real text under `assets/data/` and hand-written
edge cases. Regenerate from the repository root:

    /work/venv-ref/bin/python tests/golden/mpnet/make_mpnet.py --assets assets

Outputs (next to this script unless --out is given):
    texts.json                   the input texts (with a kind / source tag each)
    real_embeddings.safetensors  all-mpnet-base-v2 embeddings of every text, token counts,
                                 and the tokenizer output for the first 20 texts
    position_buckets.json        MPNet relative-position buckets (transformers' own function)
    checks.json                  numbers behind the sanity checks (batched vs single, norms, ...)
    tiny/                        a tiny random MPNet saved as a sentence-transformers folder
    tiny/expected.safetensors    its embeddings of every text, and token-level states
                                 of the first 10 texts

The script is deterministic: text selection uses fixed rules (no unseeded randomness),
the tiny vocabulary is chosen by a sorted frequency count, the tiny weights come from a
seeded torch.Generator, and CPU inference is deterministic for a fixed thread count
(--threads, default 2). Running it twice gives byte-identical files.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import hashlib
import json
import math
import shutil
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

REAL_MAX_SEQ_LENGTH = 384  # all-mpnet-base-v2's sentence_bert_config.json
TINY_MAX_SEQ_LENGTH = 64  # written into tiny/sentence_bert_config.json
TINY_VOCAB_SIZE = 500  # 5 special tokens + 494 word-pieces + <mask>
TINY_SEED = 20240607
N_TOKEN_IDS = 20  # texts whose full tokenizer output is stored (real model)
N_TOKEN_STATES = 10  # texts whose token-level hidden states are stored (tiny model)
N_SINGLE_CHECK = 30  # texts encoded alone to compare with the batched run


# --------------------------------------------------------------------------------------
# Real text
# --------------------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_sources(assets: Path) -> dict[str, list[dict]]:
    data = assets / "data"
    return {
        "xsum": read_jsonl(data / "xsum" / "test.jsonl"),
        "truthfulqa": read_jsonl(data / "truthfulqa" / "combined.jsonl"),
        "humaneval": read_jsonl(data / "humaneval" / "HumanEval.jsonl.gz"),
        "gsm8k": [r["doc"] for r in read_jsonl(data / "gsm8k" / "requests.jsonl.gz")],
        "ifeval": read_jsonl(data / "ifeval" / "input_data.jsonl"),
        "arena_hard": read_jsonl(data / "arena_hard" / "question.jsonl"),
    }


# --------------------------------------------------------------------------------------
# The texts
# --------------------------------------------------------------------------------------


def T(text: str, kind: str, source: str = "crafted") -> dict:
    return {"kind": kind, "source": source, "text": text}


def build_base_texts(src: dict[str, list[dict]], count_real) -> list[dict]:
    """All texts except the token-count boundary texts (those are appended later).

    `count_real(text)` gives the number of all-mpnet-base-v2 word-pieces (no special
    tokens, no truncation); it is used to pick XSum articles longer than 384 word-pieces.
    """
    xsum, tqa, he, gsm, ife, arena = (
        src["xsum"], src["truthfulqa"], src["humaneval"], src["gsm8k"], src["ifeval"], src["arena_hard"],
    )

    # Long XSum articles: more than 384 word-pieces but at most 3000 characters,
    # taken in file order (deterministic). The 3000-character cap keeps the file small.
    long_docs = [r for r in xsum if 1800 <= len(r["document"]) <= 3000 and count_real(r["document"]) > 400]
    assert len(long_docs) >= 8, len(long_docs)

    he_long = max(he, key=lambda r: len(r["prompt"]))  # the longest HumanEval prompt

    texts: list[dict] = [
        # ---- the first 20: their full tokenizer output is stored (real model), and the
        # ---- first 10 also get token-level hidden states (tiny model). Deliberately varied.
        T("", "empty"),
        T("   ", "whitespace_only"),
        T("\n\t", "whitespace_only"),
        T("a", "single_char"),
        T("Hello, world!", "short"),
        T(xsum[0]["summary"], "xsum_summary", "xsum:" + xsum[0]["id"]),
        T(long_docs[0]["document"], "long_over_384", "xsum:" + long_docs[0]["id"]),
        T("<s> literal <pad> tokens </s> and <mask> plus [CLS] x [SEP] <unk> [UNK]", "special_literals"),
        T("Café naïve résumé — 你好，世界 مرحبا بالعالم 😀👍🏽", "unicode_mix"),
        T(he[0]["prompt"], "code_python", "humaneval:" + he[0]["task_id"]),
        T(gsm[0]["question"], "gsm8k_question", "gsm8k:0"),
        T("Solve $\\frac{x^2 - 1}{x + 1} = 3$ for $x \\neq -1$, then compute $\\sqrt{2x}$.", "math_latex"),
        T("ThE QuIcK BrOwN FoX JuMpS OvEr ThE LaZy DoG", "mixed_case"),
        T("!!!???...,,,;;;:::---***", "repeated_punct"),
        T(tqa[0]["question"], "truthfulqa_question", "truthfulqa:0"),
        T("   leading and trailing spaces   ", "surrounding_whitespace"),
        T("a" * 150, "long_word_over_100_chars"),
        T("line one\nline two\r\nline three\ttabbed", "newlines_tabs"),
        T("😀😀😀", "emoji_only"),
        T(long_docs[1]["document"], "long_over_384", "xsum:" + long_docs[1]["id"]),
    ]

    # ---- short texts
    texts += [
        T("Yes", "short"),
        T("No.", "short"),
        T("OK", "short"),
        T("The cat sat on the mat.", "short"),
        T("the cat sat on the mat.", "short_lowercase_variant"),
        T("THE CAT SAT ON THE MAT.", "short_uppercase_variant"),
        T("The cat sat on the mat", "short_no_period_variant"),
        T("The  cat   sat on the mat.", "short_extra_spaces_variant"),
        T("Hello", "short"),
        T("hello", "short_lowercase_variant"),
        T(" hello ", "surrounding_whitespace"),
        T("I don't know.", "short"),
        T("It's 5 o'clock somewhere.", "short"),
    ]

    # ---- single characters and whitespace-only / invisible strings
    texts += [
        T("?", "single_char"),
        T(".", "single_char"),
        T("é", "single_char"),
        T("Z", "single_char"),
        T("7", "single_char"),
        T("你", "single_char"),
        T("\n", "whitespace_only"),
        T("\t", "whitespace_only"),
        T(" \u00a0\u3000 ", "whitespace_only_unicode"),
        T("\u200b", "invisible_only"),
        T("\ufeff", "invisible_only"),
        T("\u00ad", "invisible_only"),
        T("\x00\x01\x1f", "control_chars_only"),
        T("abc\x00def", "control_char_inside"),
        T("zero\u200bwidth", "invisible_inside"),
    ]

    # ---- repeated punctuation, mixed case
    texts += [
        T("!!!!!!!!!!!!!!!!!!!!", "repeated_punct"),
        T("?!?!?!?!?!", "repeated_punct"),
        T("......", "repeated_punct"),
        T("- - - - - - - -", "repeated_punct"),
        T("=" * 80, "repeated_punct"),
        T("." * 1000, "repeated_punct_long"),  # one word-piece per '.', so truncated at 384
        T("iPhone eBay McDonald's NASA's GPU-accelerated CamelCaseIdentifier snake_case_name", "mixed_case"),
        T("HELLO WORLD", "mixed_case"),
        T("hElLo WoRlD", "mixed_case"),
    ]

    # ---- special-token look-alikes. In the real tokenizer <s>, <pad>, </s>, <unk>, [UNK]
    # ---- and <mask> are added tokens and are matched inside raw text; [CLS], [SEP],
    # ---- [PAD] are ordinary text there.
    texts += [
        T("<s>", "special_literals"),
        T("</s>", "special_literals"),
        T("<pad>", "special_literals"),
        T("<mask>", "special_literals"),
        T("<unk>", "special_literals"),
        T("<UNK>", "special_literals"),
        T("[UNK]", "special_literals"),
        T("[unk]", "special_literals"),
        T("[CLS] The first sentence. [SEP] The second sentence. [SEP]", "special_literals"),
        T("[PAD] [PAD] [PAD]", "special_literals"),
        T("x<mask>y and x <mask> y", "special_literals"),
        T("<s></s><s></s>", "special_literals"),
        T("<|endoftext|> <think>hidden</think> answer", "special_literals"),
    ]

    # ---- unicode
    texts += [
        T("café", "unicode_accents"),
        T("cafe\u0301", "unicode_combining"),  # NFD spelling of the previous one
        T("Ångström, Øresund, Łódź, Dvořák, São Paulo, Zürich, façade, Noël", "unicode_accents"),
        T("中文句子：今天天气很好，我们去公园散步吧。", "unicode_cjk"),
        T("日本語のテキスト：東京は日本の首都です。", "unicode_cjk"),
        T("한국어 문장입니다. 서울은 대한민국의 수도입니다.", "unicode_hangul"),
        T("هذه جملة باللغة العربية. القاهرة عاصمة مصر.", "unicode_arabic"),
        T("זהו משפט בעברית.", "unicode_hebrew"),
        T("यह हिंदी में एक वाक्य है।", "unicode_devanagari"),
        T("Это предложение на русском языке.", "unicode_cyrillic"),
        T("Αυτή είναι μια πρόταση στα ελληνικά.", "unicode_greek"),
        T("นี่คือประโยคภาษาไทย", "unicode_thai"),
        T("Family: 👨‍👩‍👧‍👦 flags: 🇬🇧🇺🇸 keycap: 1️⃣ skin: 👋🏾", "unicode_emoji"),
        T("I love this! ❤️🔥💯", "unicode_emoji"),
        T("“Smart quotes” and ‘single’ — em dash – en dash … ellipsis", "unicode_punct"),
        T("ﬁ ligature, ２ full-width, ① circled, Ⅻ roman", "unicode_compat"),
    ]

    # ---- code
    texts += [
        T(he[1]["prompt"], "code_python", "humaneval:" + he[1]["task_id"]),
        T(he[2]["prompt"] + he[2]["canonical_solution"], "code_python", "humaneval:" + he[2]["task_id"]),
        T(he[10]["canonical_solution"], "code_python", "humaneval:" + he[10]["task_id"]),
        T(he_long["prompt"], "code_python_long", "humaneval:" + he_long["task_id"]),
        T("def f(x):\n    return x ** 2  # square\n", "code_python"),
        T('{"key": [1, 2, 3], "nested": {"a": null, "b": true}}', "code_json"),
        T("https://example.com/path?query=1&lang=en#frag user@example.org", "url_email"),
        T("for (int i = 0; i < n; ++i) { sum += a[i]; }", "code_c"),
    ]

    # ---- math and numbers
    texts += [
        T("\\int_0^1 x^2 \\, dx = \\frac{1}{3}", "math_latex"),
        T("\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}", "math_latex"),
        T("\\boxed{42}", "math_latex"),
        T("∫₀¹ x² dx = ⅓, ∀ε>0 ∃δ>0, √2 ≈ 1.414, π ≈ 3.14159, ∞ ≠ ∅", "math_unicode"),
        T("3.14159265358979323846", "numbers"),
        T("1,234,567.89 and -42 and 1e-10 and 0x1F and 007", "numbers"),
        T("2 + 2 = 4", "numbers"),
        T("12345678901234567890", "numbers"),
    ]

    # ---- real sentences: XSum summaries / first lines, TruthfulQA, GSM8K, IFEval, Arena-Hard
    for r in xsum[1:21]:
        texts.append(T(r["summary"], "xsum_summary", "xsum:" + r["id"]))
    for r in xsum[21:29]:
        first_line = r["document"].split("\n")[0]
        texts.append(T(first_line, "xsum_sentence", "xsum:" + r["id"]))
    for i in range(1, 13):
        texts.append(T(tqa[i]["question"], "truthfulqa_question", f"truthfulqa:{i}"))
    for i in range(1, 9):
        texts.append(T(tqa[i]["answer"][0], "truthfulqa_answer", f"truthfulqa:{i}"))
    for i in range(1, 9):
        texts.append(T(gsm[i]["question"], "gsm8k_question", f"gsm8k:{i}"))
    for i in range(0, 4):
        texts.append(T(gsm[i]["answer"], "gsm8k_answer", f"gsm8k:{i}"))
    for r in ife[:4]:
        texts.append(T(r["prompt"], "ifeval_prompt", f"ifeval:{r['key']}"))
    arena_ok = [r for r in arena if 200 <= len(r["prompt"]) <= 3000]
    for r in arena_ok[:4]:
        texts.append(T(r["prompt"], "arena_hard_prompt", "arena_hard:" + r["uid"]))

    # ---- more long articles (over 384 word-pieces; one near 3000 characters)
    for r in long_docs[2:6]:
        texts.append(T(r["document"], "long_over_384", "xsum:" + r["id"]))
    longest = max((r for r in xsum if len(r["document"]) <= 3000), key=lambda r: len(r["document"]))
    texts.append(T(longest["document"], "long_over_384", "xsum:" + longest["id"]))

    # ---- an exact duplicate (same text twice must give the same row)
    texts.append(T(xsum[1]["summary"], "duplicate_of_xsum_summary", "xsum:" + xsum[1]["id"]))
    return texts


def boundary_texts(candidates: list[str], count, targets: list[int], kind: str, source_tag: str) -> list[dict]:
    """Prefixes of real articles (cut at a space) with exactly `target` word-pieces.

    `count(text)` counts word-pieces without special tokens. A sequence of
    `budget = max_seq_length - 2` word-pieces fits exactly; one more is truncated.
    """
    out = []
    for target in targets:
        found = None
        for ci, doc in enumerate(candidates):
            words = doc.split(" ")
            # binary search would skip exact hits when a word has several pieces; scan instead
            for k in range(1, len(words) + 1):
                prefix = " ".join(words[:k])
                n = count(prefix)
                if n == target:
                    found = (ci, prefix)
                    break
                if n > target:
                    break
            if found:
                break
        assert found is not None, f"no prefix with {target} word-pieces"
        out.append(T(found[1], f"{kind}_{target}_pieces", f"{source_tag}:{found[0]}"))
    return out


# --------------------------------------------------------------------------------------
# Tiny WordPiece tokenizer
# --------------------------------------------------------------------------------------


def build_tiny_tokenizer_json(real_tok_json: dict, texts: list[str], real_tokenizer) -> dict:
    """A 500-token WordPiece tokenizer.json with exactly the real pipeline.

    The normalizer, pre-tokenizer, post-processor, decoder and the truncation/padding
    blocks are copied from the real all-mpnet-base-v2 tokenizer.json; only the vocabulary
    (and the ids of the added tokens) change. The special-token layout mirrors the real
    one: <s>=0, <pad>=1, </s>=2, <unk>=3, then [UNK] (the WordPiece unk token; 104 in the
    real vocab, 4 here) and <mask> as the last id.

    The vocabulary is picked deterministically (the tokenizers WordPieceTrainer is not:
    its output changes from run to run): every single ASCII character and its '##'
    continuation (so that ASCII words never become [UNK]), then the most frequent
    word-pieces that the real tokenizer produces on the fixture texts, ties broken by
    the piece itself.
    """
    specials = ["<s>", "<pad>", "</s>", "<unk>", "[UNK]"]
    real_vocab = real_tok_json["model"]["vocab"]
    ascii_chars = [chr(c) for c in range(33, 127) if not chr(c).isupper()]  # lowercased anyway
    alphabet = [c for c in ascii_chars if c in real_vocab]
    alphabet += ["##" + c for c in ascii_chars if "##" + c in real_vocab]

    counts: collections.Counter[str] = collections.Counter()
    for enc in real_tokenizer.encode_batch(texts, add_special_tokens=False):
        counts.update(enc.tokens)
    frequent = [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    pieces = list(alphabet)
    seen = set(specials) | set(pieces) | {"<mask>"}
    for t in frequent:
        if len(specials) + len(pieces) + 1 >= TINY_VOCAB_SIZE:
            break
        if t not in seen:
            pieces.append(t)
            seen.add(t)
    vocab = specials + pieces + ["<mask>"]
    assert len(vocab) == TINY_VOCAB_SIZE, len(vocab)

    tok = json.loads(json.dumps(real_tok_json))  # deep copy
    tok["model"]["vocab"] = {t: i for i, t in enumerate(vocab)}
    ids = {t: i for i, t in enumerate(vocab)}
    added = []
    for a in real_tok_json["added_tokens"]:
        if a["content"] in ids:
            a = dict(a)
            a["id"] = ids[a["content"]]
            added.append(a)
    assert [a["content"] for a in added] == ["<s>", "<pad>", "</s>", "<unk>", "[UNK]", "<mask>"], added
    tok["added_tokens"] = added
    return tok


# --------------------------------------------------------------------------------------
# Tiny model
# --------------------------------------------------------------------------------------


def reinit_(model, seed: int) -> None:
    """Re-initialise every parameter with a seeded generator, at a scale that makes the
    outputs clearly non-degenerate (the transformers default, N(0, 0.02), gives
    embeddings that are nearly identical for every input)."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            noise = torch.randn(p.shape, generator=gen, dtype=torch.float32)
            if "LayerNorm.weight" in name:
                p.copy_(1.0 + 0.1 * noise)
            elif "LayerNorm.bias" in name:
                p.copy_(0.1 * noise)
            elif "relative_attention_bias" in name:
                p.copy_(0.5 * noise)
            elif "embeddings" in name:  # word and position embeddings (pad rows included)
                p.copy_(0.5 * noise)
            elif name.endswith(".bias"):
                p.copy_(0.05 * noise)
            else:  # linear weights
                p.copy_(0.2 * noise)


def build_tiny(out_dir: Path, tok_json: dict, tmp_dir: Path) -> None:
    """Save the tiny random MPNet as a sentence-transformers folder in the same layout as
    assets/models/all-mpnet-base-v2 (legacy modules.json / sentence_bert_config.json /
    1_Pooling/config.json, which is what the real folder has)."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.models import Normalize, Pooling, Transformer
    from transformers import AddedToken, MPNetConfig, MPNetModel, MPNetTokenizerFast

    hf_dir = tmp_dir / "hf"
    if hf_dir.exists():
        shutil.rmtree(hf_dir)
    hf_dir.mkdir(parents=True)
    # Built without the truncation/padding blocks: transformers would otherwise copy them into
    # tokenizer_config.json as max_length/stride/truncation_strategy init kwargs. They are put
    # back into tokenizer.json after saving (see the end of this function).
    clean = dict(tok_json, truncation=None, padding=None)
    (tmp_dir / "tokenizer.json").write_text(json.dumps(clean, ensure_ascii=False), encoding="utf-8")

    tokenizer = MPNetTokenizerFast(
        tokenizer_file=str(tmp_dir / "tokenizer.json"),
        do_lower_case=True,
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="[UNK]",
        pad_token="<pad>",
        mask_token=AddedToken("<mask>", lstrip=True, rstrip=False, normalized=False, special=True),
        model_max_length=512,  # as in the real tokenizer_config.json; ST's max_seq_length wins
    )
    config = MPNetConfig(
        vocab_size=TINY_VOCAB_SIZE,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        hidden_act="gelu",
        max_position_embeddings=514,
        relative_attention_num_buckets=32,
        layer_norm_eps=1e-5,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
    )
    torch.manual_seed(0)  # the constructor's own init is overwritten below anyway
    model = MPNetModel(config)
    reinit_(model, TINY_SEED)
    model.eval()
    model.save_pretrained(hf_dir, safe_serialization=True)
    tokenizer.save_pretrained(hf_dir)

    st = SentenceTransformer(
        modules=[Transformer(str(hf_dir), max_seq_length=TINY_MAX_SEQ_LENGTH), Pooling(32, "mean"), Normalize()],
        device="cpu",
    )
    if out_dir.exists():
        shutil.rmtree(out_dir)
    st.save(str(out_dir), create_model_card=False)

    # sentence-transformers 5.x writes its own (newer) config layout; rewrite the three
    # module configs in the layout of the real all-mpnet-base-v2 folder so that one loader
    # reads both. sentence-transformers 5.7 loads this layout (checked by reloading below).
    real_layout_modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    write_json(out_dir / "modules.json", real_layout_modules, indent=2)
    write_json(out_dir / "sentence_bert_config.json", {"max_seq_length": TINY_MAX_SEQ_LENGTH, "do_lower_case": False}, indent=2)
    write_json(
        out_dir / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": 32,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
        },
        indent=2,
    )
    # The real folder has no 2_Normalize directory (Normalize has no parameters).
    norm_dir = out_dir / "2_Normalize"
    if norm_dir.exists():
        shutil.rmtree(norm_dir)
    # Put the real file's truncation/padding blocks back into tokenizer.json (transformers
    # drops them on save; the real file has max_length 128 / Fixed 128). transformers and
    # sentence-transformers ignore them; a plain `tokenizers` load applies them unless cleared.
    saved = json.loads((out_dir / "tokenizer.json").read_text(encoding="utf-8"))
    saved["truncation"] = tok_json["truncation"]
    saved["padding"] = tok_json["padding"]
    (out_dir / "tokenizer.json").write_text(json.dumps(saved, ensure_ascii=False, indent=2), encoding="utf-8")
    # sentence-transformers stored max_seq_length as the tokenizer's model_max_length (64);
    # restore 512 as in the real tokenizer_config.json, so that max_seq_length = 64 comes from
    # sentence_bert_config.json only (as 384 does for the real model).
    tcfg = json.loads((out_dir / "tokenizer_config.json").read_text(encoding="utf-8"))
    tcfg["model_max_length"] = 512
    for key in ("max_length", "stride", "truncation_strategy"):
        assert key not in tcfg, key
    write_json(out_dir / "tokenizer_config.json", tcfg, indent=2)


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def write_json(path: Path, obj, indent=1) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(obj, fh, ensure_ascii=True, indent=indent, allow_nan=False)
        fh.write("\n")


_ST_DTYPES = {np.dtype("float32"): "F32", np.dtype("float64"): "F64", np.dtype("int64"): "I64"}


def write_safetensors(tensors: dict[str, np.ndarray], path: Path, metadata: dict[str, str]) -> None:
    """Write a .safetensors file with a reproducible header.

    safetensors.numpy.save_file stores `metadata` from a hash map, so its key order (and
    hence the file's bytes) changes from run to run. This writes the same format with the
    tensors in name order and the metadata keys sorted, then checks that the safetensors
    library reads it back unchanged.
    """
    import struct

    from safetensors import safe_open
    from safetensors.numpy import load_file

    header: dict = {"__metadata__": dict(sorted(metadata.items()))}
    blobs, offset = [], 0
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name])
        data = arr.astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": _ST_DTYPES[arr.dtype], "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    head += b" " * (-len(head) % 8)  # pad with spaces to an 8-byte boundary, as safetensors does
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(head)))
        fh.write(head)
        for data in blobs:
            fh.write(data)
    back = load_file(str(path))
    assert back.keys() == tensors.keys() and all(np.array_equal(back[k], tensors[k]) for k in tensors)
    with safe_open(str(path), "np") as fh:
        assert fh.metadata() == metadata


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pad_rows(rows: list[list[int]], pad: int) -> np.ndarray:
    L = max(len(r) for r in rows)
    return np.array([r + [pad] * (L - len(r)) for r in rows], dtype=np.int64)


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--assets", type=Path, default=Path("assets"), help="the repository's assets/ folder")
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: next to this script)")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads (results depend slightly on it)")
    args = ap.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer
    from transformers.models.mpnet import modeling_mpnet

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    model_dir = args.assets / "models" / "all-mpnet-base-v2"
    checks: dict = {}

    # ---- real tokenizer (the raw `tokenizers` object, with the file's 128-token
    # ---- truncation/padding switched off) for counting word-pieces
    real_tok_json = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    raw_real = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    raw_real.no_truncation()
    raw_real.no_padding()

    def count_real(text: str) -> int:
        return len(raw_real.encode(text, add_special_tokens=False).ids)

    src = load_sources(args.assets)
    texts = build_base_texts(src, count_real)

    # Boundary texts for the real model: 381, 382, 383 word-pieces -> 383, 384 (exactly
    # max_seq_length, not truncated) and 385 (truncated to 384) tokens with <s> ... </s>.
    docs = [r["document"] for r in src["xsum"] if len(r["document"]) > 2500]
    texts += boundary_texts(docs, count_real, [381, 382, 383], "real_boundary", "xsum_long_doc")

    # ---- tiny tokenizer, built from the texts so far, then its own boundary texts
    tiny_tok_json = build_tiny_tokenizer_json(real_tok_json, [t["text"] for t in texts], raw_real)
    raw_tiny = Tokenizer.from_str(json.dumps(tiny_tok_json))
    raw_tiny.no_truncation()
    raw_tiny.no_padding()

    def count_tiny(text: str) -> int:
        return len(raw_tiny.encode(text, add_special_tokens=False).ids)

    # 61, 62, 63 word-pieces -> 63, 64 (= tiny max_seq_length) and 65 (truncated) tokens
    short_docs = [r["summary"] + " " + r["document"] for r in src["xsum"][100:200]]
    texts += boundary_texts(short_docs, count_tiny, [61, 62, 63], "tiny_boundary", "xsum_summary_plus_doc")

    strings = [t["text"] for t in texts]
    n = len(strings)
    assert n >= 160, n
    assert all(len(s) <= 3000 for s in strings), max(len(s) for s in strings)

    # ================================================================================
    # Real model
    # ================================================================================
    real = SentenceTransformer(str(model_dir), device="cpu")
    real.eval()
    assert real.max_seq_length == REAL_MAX_SEQ_LENGTH, real.max_seq_length
    real_tok = real.tokenizer
    assert real_tok.model_max_length == REAL_MAX_SEQ_LENGTH

    emb = real.encode(strings, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    emb = np.ascontiguousarray(emb, dtype=np.float32)
    assert emb.shape == (n, 768)

    # Token counts exactly as sentence-transformers tokenises (truncation="longest_first",
    # max_length = tokenizer.model_max_length = 384), and the untruncated counts.
    enc_all = real_tok(strings, padding=False, truncation="longest_first")
    num_tokens = np.array([len(ids) for ids in enc_all["input_ids"]], dtype=np.int64)
    num_untrunc = np.array([count_real(s) + 2 for s in strings], dtype=np.int64)
    assert (num_tokens == np.minimum(num_untrunc, REAL_MAX_SEQ_LENGTH)).all()

    # The first 20 texts as one padded batch, through sentence-transformers' own preprocess.
    feats = real[0].preprocess(strings[:N_TOKEN_IDS])
    input_ids = feats["input_ids"].numpy().astype(np.int64)
    attention = feats["attention_mask"].numpy().astype(np.int64)
    assert set(feats.keys()) >= {"input_ids", "attention_mask"}
    assert "token_type_ids" not in feats
    assert (attention.sum(1) == num_tokens[:N_TOKEN_IDS]).all()
    position_ids = modeling_mpnet.create_position_ids_from_input_ids(torch.from_numpy(input_ids), padding_idx=1)
    position_ids = position_ids.numpy().astype(np.int64)
    # Positions start at padding_idx + 1 = 2; pad tokens (id 1) get position 1.
    assert (position_ids[:, 0] == 2).all()
    assert (position_ids[input_ids == 1] == 1).all()

    write_safetensors(
        {
            "embeddings": emb,
            "num_tokens": num_tokens,
            "num_tokens_untruncated": num_untrunc,
            "input_ids": np.ascontiguousarray(input_ids),
            "attention_mask": np.ascontiguousarray(attention),
            "position_ids": np.ascontiguousarray(position_ids),
        },
        out / "real_embeddings.safetensors",
        metadata={
            "model": "sentence-transformers/all-mpnet-base-v2 (assets/models/all-mpnet-base-v2)",
            "call": "SentenceTransformer(path, device='cpu').encode(texts, batch_size=32, "
            "normalize_embeddings=True, convert_to_numpy=True)",
            "max_seq_length": str(REAL_MAX_SEQ_LENGTH),
            "n_texts": str(n),
            "token_rows": f"input_ids/attention_mask/position_ids are texts[0:{N_TOKEN_IDS}] as one padded batch",
            "torch_threads": str(args.threads),
        },
    )

    # ---- checks on the real model
    norms = np.linalg.norm(emb.astype(np.float64), axis=1)
    checks["real_unit_norm"] = {"min": float(norms.min()), "max": float(norms.max())}
    assert np.abs(norms - 1).max() < 1e-5

    single = np.stack(
        [real.encode([s], batch_size=32, normalize_embeddings=True, convert_to_numpy=True)[0] for s in strings[:N_SINGLE_CHECK]]
    )
    diff = np.abs(single - emb[:N_SINGLE_CHECK])
    checks["real_batched_vs_single"] = {
        "texts": N_SINGLE_CHECK,
        "max_abs_diff": float(diff.max()),
        "per_text_max_abs_diff": [float(x) for x in diff.max(1)],
        "min_cosine": float((single * emb[:N_SINGLE_CHECK]).sum(1).min()),
    }
    dup_i = next(i for i, t in enumerate(texts) if t["kind"] == "duplicate_of_xsum_summary")
    orig_i = strings.index(strings[dup_i])
    checks["real_duplicate_rows_max_abs_diff"] = float(np.abs(emb[dup_i] - emb[orig_i]).max())

    # What sentence-transformers does with empty / whitespace-only / invisible strings.
    empties = []
    for i, s in enumerate(strings):
        if s.strip() == "" or texts[i]["kind"] in ("invisible_only", "control_chars_only"):
            ids = real_tok([s], truncation="longest_first")["input_ids"][0]
            empties.append({"index": i, "text": s, "input_ids": ids, "tokens": real_tok.convert_ids_to_tokens(ids)})
    ref = emb[0]
    for e in empties:
        e["max_abs_diff_vs_empty_string"] = float(np.abs(emb[e["index"]] - ref).max())
    checks["real_empty_and_whitespace"] = {
        "cases": empties,
        "empty_embedding_first8": [float(x) for x in emb[0][:8]],
        "cosine_empty_vs_hello": float(emb[0] @ emb[strings.index("Hello")]),
    }
    pairs_same = [("café", "cafe\u0301"), ("Hello", "hello"), ("hello", " hello "), ("The cat sat on the mat.", "THE CAT SAT ON THE MAT.")]
    checks["real_normalisation_pairs"] = [
        {"a": a, "b": b, "same_ids": real_tok(a)["input_ids"] == real_tok(b)["input_ids"],
         "max_abs_diff": float(np.abs(emb[strings.index(a)] - emb[strings.index(b)]).max())}
        for a, b in pairs_same
    ]
    checks["real_tokenizer_json_truncation_padding"] = {
        "truncation": real_tok_json["truncation"], "padding": real_tok_json["padding"],
        "note": "ignored by transformers/sentence-transformers, which truncate at model_max_length = max_seq_length = 384 and pad to the batch's longest",
    }
    del real

    # ---- relative position buckets (MPNetEncoder.relative_position_bucket, as called by
    # ---- MPNetEncoder.compute_position_bias: num_buckets=32, max_distance=128)
    rel = torch.arange(-600, 601, dtype=torch.long)
    buckets = modeling_mpnet.MPNetEncoder.relative_position_bucket(rel, num_buckets=32, max_distance=128)

    def bucket_f64(r: int, num_buckets: int = 32, max_distance: int = 128) -> int:
        nn_ = -r
        half = num_buckets // 2
        ret = half if nn_ < 0 else 0
        nn_ = abs(nn_)
        max_exact = half // 2
        if nn_ < max_exact:
            return ret + nn_
        v = max_exact + int(math.log(nn_ / max_exact) / math.log(max_distance / max_exact) * (half - max_exact))
        return ret + min(v, half - 1)

    f64_mismatch = [int(r) for r, b in zip(rel.tolist(), buckets.tolist()) if bucket_f64(r) != b]
    write_json(
        out / "position_buckets.json",
        {
            "function": "transformers.models.mpnet.modeling_mpnet.MPNetEncoder.relative_position_bucket",
            "called_from": "MPNetEncoder.compute_position_bias(hidden_states) with position_ids=None, num_buckets=32 (default argument)",
            "num_buckets": 32,
            "max_distance": 128,
            "relative_position_definition": "memory_position - context_position = key index j - query index i "
            "(torch.arange over the padded length; padding is not taken into account)",
            "f64_reimplementation_mismatches": f64_mismatch,
            "relative_position": rel.tolist(),
            "bucket": buckets.tolist(),
        },
        indent=None,
    )
    checks["position_buckets_f64_mismatches"] = len(f64_mismatch)

    # ================================================================================
    # Tiny model
    # ================================================================================
    tiny_dir = out / "tiny"
    tmp_dir = out / ".tiny_build"
    build_tiny(tiny_dir, tiny_tok_json, tmp_dir)
    shutil.rmtree(tmp_dir)

    tiny = SentenceTransformer(str(tiny_dir), device="cpu")  # reload from disk, as a user would
    tiny.eval()
    assert tiny.max_seq_length == TINY_MAX_SEQ_LENGTH, tiny.max_seq_length
    assert [type(m).__name__ for m in tiny] == ["Transformer", "Pooling", "Normalize"]
    t_emb = tiny.encode(strings, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    t_emb = np.ascontiguousarray(t_emb, dtype=np.float32)

    t_enc = tiny.tokenizer(strings, padding=False, truncation="longest_first")
    t_num = np.array([len(x) for x in t_enc["input_ids"]], dtype=np.int64)
    t_untrunc = np.array([count_tiny(s) + 2 for s in strings], dtype=np.int64)
    assert (t_num == np.minimum(t_untrunc, TINY_MAX_SEQ_LENGTH)).all()
    # The tiny tokenizer loaded by transformers must agree with the raw tokenizer.json.
    for s, ids in zip(strings, t_enc["input_ids"]):
        raw_ids = raw_tiny.encode(s).ids  # <s> ... </s>, untruncated
        if len(raw_ids) > TINY_MAX_SEQ_LENGTH:  # truncation keeps the first 62 pieces, then </s>
            raw_ids = raw_ids[: TINY_MAX_SEQ_LENGTH - 1] + [2]
        assert ids == raw_ids, s

    t_feats = tiny[0].preprocess(strings[:N_TOKEN_STATES])
    with torch.inference_mode():
        hidden = tiny[0].model(input_ids=t_feats["input_ids"], attention_mask=t_feats["attention_mask"]).last_hidden_state
    hidden = hidden.numpy().astype(np.float32)
    t_ids = t_feats["input_ids"].numpy().astype(np.int64)
    t_mask = t_feats["attention_mask"].numpy().astype(np.int64)
    # Mean pooling + L2 normalisation of these states reproduces encode() (up to the
    # different batch composition).
    m = t_mask[:, :, None].astype(np.float32)
    pooled = (hidden * m).sum(1) / np.maximum(m.sum(1), 1e-9)
    pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    checks["tiny_token_states_pool_vs_encode_max_abs_diff"] = float(np.abs(pooled - t_emb[:N_TOKEN_STATES]).max())
    assert checks["tiny_token_states_pool_vs_encode_max_abs_diff"] < 1e-5

    write_safetensors(
        {
            "embeddings": t_emb,
            "num_tokens": t_num,
            "num_tokens_untruncated": t_untrunc,
            "token_embeddings": np.ascontiguousarray(hidden),
            "input_ids": np.ascontiguousarray(t_ids),
            "attention_mask": np.ascontiguousarray(t_mask),
        },
        tiny_dir / "expected.safetensors",
        metadata={
            "model": "tests/golden/mpnet/tiny (random weights, seed %d)" % TINY_SEED,
            "call": "SentenceTransformer('tests/golden/mpnet/tiny', device='cpu').encode(texts, batch_size=32, "
            "normalize_embeddings=True, convert_to_numpy=True)",
            "max_seq_length": str(TINY_MAX_SEQ_LENGTH),
            "n_texts": str(n),
            "token_rows": f"token_embeddings/input_ids/attention_mask are texts[0:{N_TOKEN_STATES}] as one padded batch "
            "(last_hidden_state before pooling; rows where attention_mask == 0 are padding)",
            "torch_threads": str(args.threads),
        },
    )

    t_single = np.stack(
        [tiny.encode([s], batch_size=32, normalize_embeddings=True, convert_to_numpy=True)[0] for s in strings[:N_SINGLE_CHECK]]
    )
    checks["tiny_batched_vs_single_max_abs_diff"] = float(np.abs(t_single - t_emb[:N_SINGLE_CHECK]).max())
    cos = t_emb @ t_emb.T
    iu = np.triu_indices(n, 1)
    checks["tiny_not_degenerate"] = {
        "embedding_component_std": float(t_emb.std()),
        "std_across_texts_mean_over_dims": float(t_emb.std(0).mean()),
        "pairwise_cosine_min": float(cos[iu].min()),
        "pairwise_cosine_mean": float(cos[iu].mean()),
        "pairwise_cosine_max_excluding_identical_token_ids": float(
            max(cos[i, j] for i, j in zip(*iu) if t_enc["input_ids"][i] != t_enc["input_ids"][j])
        ),
        "token_state_std": float(hidden[t_mask.astype(bool)].std()),
        "unk_fraction": float(np.mean([tok == 4 for ids in t_enc["input_ids"] for tok in ids])),
    }
    checks["tiny_unit_norm"] = {"min": float(np.linalg.norm(t_emb, axis=1).min()), "max": float(np.linalg.norm(t_emb, axis=1).max())}
    checks["tiny_folder_bytes"] = sum(p.stat().st_size for p in tiny_dir.rglob("*") if p.is_file())

    # ---- texts.json last (so a failed run leaves no half-updated set)
    write_json(
        out / "texts.json",
        {
            "description": "Inputs for real_embeddings.safetensors and tiny/expected.safetensors (row i = texts[i]).",
            "real_max_seq_length": REAL_MAX_SEQ_LENGTH,
            "tiny_max_seq_length": TINY_MAX_SEQ_LENGTH,
            "texts": texts,
        },
    )
    checks["n_texts"] = n
    checks["kinds"] = dict(sorted(collections.Counter(t["kind"] for t in texts).items()))
    checks["n_real_truncated"] = int((num_untrunc > REAL_MAX_SEQ_LENGTH).sum())
    checks["n_tiny_truncated"] = int((t_untrunc > TINY_MAX_SEQ_LENGTH).sum())
    checks["versions"] = {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "torch_threads": args.threads,
        **{m: __import__(m).__version__ for m in ("transformers", "sentence_transformers", "tokenizers", "safetensors", "numpy")},
    }
    write_json(out / "checks.json", checks)

    for p in sorted(out.rglob("*")):
        if p.is_file() and p.suffix != ".py" and p.name != "README.md":
            print(f"{p.stat().st_size:>9}  {sha256_file(p)[:16]}  {p.relative_to(out)}")


if __name__ == "__main__":
    main()
