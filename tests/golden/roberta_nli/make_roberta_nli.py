"""Golden fixtures for RoBERTa sequence classification as used by the NLI diversity metric.

A tiny random RobertaForSequenceClassification (roberta-large-mnli layout, 32 hidden
units) with a small byte-level BPE tokenizer, scored on real (premise, hypothesis)
sentence pairs exactly the way the reference NLIDiversityEvaluator scores them:
`tokenizer(premises, hypotheses, padding=True, truncation=True, max_length=..., return_tensors="pt")`
in batches, softmax over the logits, and `P(ENTAILMENT) - P(CONTRADICTION)` with
canonicalised labels. This tiny model uses max_length = 64 (the real metric uses 512)
so that longest-first truncation of pairs is exercised.

Regenerate from the repository root:

    /work/venv-ref/bin/python tests/golden/roberta_nli/make_roberta_nli.py --assets assets

Optionally add `--ref /work/ref-src` (a checkout of the authors' code, see
tests/golden/metrics/README.md) to also check the weighted scores against the reference
`NLIDiversityEvaluator._batched_weighted_scores`; this only prints the result and does
not change any file.

Outputs (next to this script unless --out is given):
    model/                  the tiny model + tokenizer (save_pretrained)
    pairs.json              the (premise, hypothesis) pairs
    expected.json           per pair: input_ids, token counts, logits, probabilities, score
    expected.safetensors    logits f32 [n, 3], probs f32 [n, 3], weighted_score f64 [n]
    checks.json             numbers behind the sanity checks

Deterministic: fixed text selection, the tokenizers BpeTrainer (checked to give the same
merges twice in one run), a seeded torch.Generator for the weights, fixed thread count.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent

MAX_LENGTH = 64  # tiny model only; roberta-large-mnli in the metric uses max_length=512
BATCH_SIZE = 16  # the reference uses nli_batch_size (1024); 16 gives several padded batches here
VOCAB_SIZE = 600  # 4 specials + 256 byte symbols + 339 merges + <mask>
SEED = 31337
ID2LABEL = {0: "NEUTRAL", 1: "ENTAILMENT", 2: "CONTRADICTION"}  # shuffled on purpose
LABEL_WEIGHTS = {"CONTRADICTION": -1, "NEUTRAL": 0, "ENTAILMENT": 1}


# --------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def split_sentences(text: str) -> list[str]:
    """The metric's sentence splitter (NLIDiversityEvaluator._split_sentences)."""
    if not text:
        return []
    cleaned = text.replace("\r", " ").replace("\t", " ")
    segments = re.split(r"[.!?]+\s+|\n+", cleaned)
    sentences = [s.strip() for s in segments if s and s.strip()]
    if sentences:
        return sentences
    stripped = cleaned.strip()
    return [stripped] if stripped else []


def canonical_label(label: str) -> str:
    """NLIDiversityEvaluator._canonical_label."""
    label = label.upper()
    if "CONTRADICT" in label:
        return "CONTRADICTION"
    if "ENTAIL" in label:
        return "ENTAILMENT"
    return "NEUTRAL"


def P(premise: str, hypothesis: str, kind: str, source: str) -> dict:
    return {"kind": kind, "source": source, "premise": premise, "hypothesis": hypothesis}


def build_pairs(assets: Path) -> tuple[list[dict], list[str], dict]:
    """The pairs that do not depend on the tokenizer, plus the BPE training corpus and the
    sources (for the boundary pairs chosen after training)."""
    data = assets / "data"
    xsum = read_jsonl(data / "xsum" / "test.jsonl")
    tqa = read_jsonl(data / "truthfulqa" / "combined.jsonl")
    gsm = [r["doc"] for r in read_jsonl(data / "gsm8k" / "requests.jsonl.gz")]

    pairs: list[dict] = []
    # TruthfulQA: two reference answers to the same question (short vs short), and the
    # question against its first answer.
    for i in range(10):
        a = tqa[i]["answer"]
        pairs.append(P(a[0], a[1], "truthfulqa_answer_pair", f"truthfulqa:{i}"))
    for i in range(10, 14):
        pairs.append(P(tqa[i]["question"], tqa[i]["answer"][0], "truthfulqa_question_answer", f"truthfulqa:{i}"))
    # XSum: summary vs the article's first sentence, and the reverse direction (the metric
    # scores both directions of every sentence pair).
    for r in xsum[:8]:
        first = split_sentences(r["document"])[0]
        pairs.append(P(r["summary"], first, "xsum_summary_vs_first_sentence", "xsum:" + r["id"]))
    for r in xsum[:4]:
        first = split_sentences(r["document"])[0]
        pairs.append(P(first, r["summary"], "xsum_first_sentence_vs_summary", "xsum:" + r["id"]))
    # XSum: sentence k of one article against sentence k of the next (position-aligned,
    # like the metric's sentence alignment).
    for j in range(6):
        a, b = xsum[10 + 2 * j], xsum[11 + 2 * j]
        k = j % 3
        sa, sb = split_sentences(a["document"]), split_sentences(b["document"])
        pairs.append(P(sa[k], sb[k], "xsum_aligned_sentences", f"xsum:{a['id']}/{b['id']}:{k}"))
    # GSM8K: solution lines (with <<calc>> annotations and '#### n').
    for j in range(6):
        la, lb = split_sentences(gsm[j]["answer"]), split_sentences(gsm[j + 6]["answer"])
        pairs.append(P(la[0], lb[0] if j % 2 else la[-1], "gsm8k_solution_lines", f"gsm8k:{j}/{j + 6}"))
    # Identical premise and hypothesis.
    pairs.append(P(xsum[3]["summary"], xsum[3]["summary"], "identical", "xsum:" + xsum[3]["id"]))
    pairs.append(P(tqa[20]["answer"][0], tqa[20]["answer"][0], "identical", "truthfulqa:20"))
    # Long sides: whole articles (hundreds of BPE tokens) against summaries.
    long_docs = [r for r in xsum if 1200 <= len(r["document"]) <= 2500][:10]
    for r in long_docs[:5]:
        pairs.append(P(r["document"], r["summary"], "premise_long", "xsum:" + r["id"]))
    for r in long_docs[:5]:
        pairs.append(P(r["summary"], r["document"], "hypothesis_long", "xsum:" + r["id"]))
    for a, b in zip(long_docs[5:10], long_docs[0:5]):
        pairs.append(P(a["document"], b["document"], "both_long", f"xsum:{a['id']}/{b['id']}"))
    # Unicode (multi-byte UTF-8 becomes several byte-level symbols) and odd spacing.
    pairs += [
        P("Café au lait costs €3.50 in Zürich — très cher!", "A coffee in Zurich costs 3.50 euros.", "unicode", "crafted"),
        P("東京は日本の首都です。", "Tokyo is the capital of Japan.", "unicode", "crafted"),
        P("القاهرة عاصمة مصر", "Cairo is the capital of Egypt 🇪🇬", "unicode", "crafted"),
        P("The team won 🏆🎉 after a 3–2 comeback", "The team lost the match 😢", "unicode", "crafted"),
        P("The  report   was  released   on Monday", "The report came out on Monday", "extra_spaces", "crafted"),
    ]
    # Literal special-token strings: they are matched as added tokens inside the text, and a
    # literal "<pad>" (id 1) shifts RoBERTa's position ids (computed from input_ids != pad).
    pairs += [
        P("The <pad> token sits in the middle of this premise", "Nothing unusual in this hypothesis", "special_literals", "crafted"),
        P("A premise with </s> and <s> inside", "A hypothesis with a <mask> token and <unk>", "special_literals", "crafted"),
    ]

    corpus = [r["document"] for r in xsum[:300]] + [r["summary"] for r in xsum[:300]]
    corpus += [a for r in tqa[:200] for a in r["answer"]] + [r["question"] for r in tqa[:200]]
    corpus += [g["answer"] for g in gsm[:100]]
    corpus += [p["premise"] for p in pairs] + [p["hypothesis"] for p in pairs]
    return pairs, corpus, {"xsum": xsum}


def boundary_pairs(xsum: list[dict], count) -> list[dict]:
    """Pairs with exact BPE lengths around the truncation budget.

    With max_length 64 and the 4 special tokens of a RoBERTa pair (<s> A </s></s> B </s>),
    60 tokens are left for the two texts. Each side is a prefix (cut at a space) of an
    XSum sentence with exactly the wanted number of tokens.
    """
    pool = [s for r in xsum[300:700] for s in split_sentences(r["document"])]

    def prefix_with(n_tokens: int, skip: set) -> str:
        for s in pool:
            if s in skip:
                continue
            words = s.split(" ")
            for k in range(1, len(words) + 1):
                cand = " ".join(words[:k])
                c = count(cand)
                if c == n_tokens and cand not in skip:
                    return cand
                if c > n_tokens:
                    break
        raise AssertionError(f"no prefix with {n_tokens} tokens")

    targets = [
        (29, 31), (30, 30), (30, 31), (31, 30), (31, 31), (30, 32), (32, 30),  # around 60
        (1, 59), (1, 60), (1, 61), (59, 1), (61, 1), (2, 62),  # one side alone near the budget
        (10, 55), (55, 10), (45, 45), (61, 61), (33, 29),
    ]
    out, used = [], set()
    for lp, lh in targets:
        p = prefix_with(lp, used)
        used.add(p)
        h = prefix_with(lh, used)
        used.add(h)
        out.append(P(p, h, f"boundary_{lp}_{lh}", "xsum_sentence_prefixes"))
    return out


# --------------------------------------------------------------------------------------
# Tokenizer and model
# --------------------------------------------------------------------------------------


def train_bpe(corpus: list[str]) -> str:
    """Byte-level BPE in the RoBERTa layout; returns tokenizer.json text."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE(dropout=None, unk_token=None, continuing_subword_prefix="", end_of_word_suffix="", fuse_unk=False))
    tok.normalizer = None
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    tok.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    # <s> A </s> for one text, <s> A </s></s> B </s> for a pair
    tok.post_processor = processors.RobertaProcessing(sep=("</s>", 2), cls=("<s>", 0), trim_offsets=True, add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE - 1,  # <mask> is appended as the last id below, as in roberta-large-mnli
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
    """Seeded re-initialisation with large enough weights that the probabilities are far
    from uniform and vary from pair to pair (the default N(0, 0.02) gives ~1/3 for every
    label; N(0, 0.3) everywhere still gives nearly the same probabilities for every pair)."""
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
            elif "classifier" in name:
                # a strong head, so that the probabilities are far from uniform
                p.copy_(1.0 * noise)
            elif ".query." in name or ".key." in name:
                # a clearly non-uniform attention pattern, so that the <s> state (the only one
                # the head reads) differs from pair to pair; larger scales make the softmax
                # saturate and amplify f32 rounding (eager vs SDPA differ by ~1e-4 at 1.0)
                p.copy_(0.5 * noise)
            else:  # the other linear weights
                p.copy_(0.35 * noise)


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


def weighted_score(row, id_to_label: dict[int, str]) -> float:
    """NLIDiversityEvaluator.process_output on one probability row: Python floats (f64),
    summed in label-index order starting from the integer 0."""
    return float(sum(float(row[idx]) * LABEL_WEIGHTS.get(id_to_label.get(idx, "NEUTRAL"), 0) for idx in range(len(row))))


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--assets", type=Path, default=Path("assets"), help="the repository's assets/ folder")
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: next to this script)")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--ref", type=Path, default=None, help="optional checkout of the authors' code, to cross-check the scores")
    args = ap.parse_args()

    import torch
    from tokenizers import Tokenizer
    from transformers import (
        AddedToken,
        AutoModelForSequenceClassification,
        AutoTokenizer,
        RobertaConfig,
        RobertaForSequenceClassification,
        RobertaTokenizerFast,
    )
    from transformers.models.roberta import modeling_roberta

    torch.set_num_threads(args.threads)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    checks: dict = {}

    pairs, corpus, src = build_pairs(args.assets)

    # ---- tokenizer: train twice and require identical output (the trainer must not depend
    # ---- on hash-map order, or regenerating would change the fixture)
    tok_json = train_bpe(corpus)
    assert train_bpe(corpus) == tok_json, "BpeTrainer is not deterministic"
    tmp = out / ".build"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
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
        model_max_length=512,  # as roberta-large-mnli; every call passes max_length explicitly
    )
    raw = Tokenizer.from_str(tok_json)

    def count(text: str) -> int:
        return len(raw.encode(text, add_special_tokens=False).ids)

    pairs += boundary_pairs(src["xsum"], count)
    n = len(pairs)
    assert n >= 60, n

    # ---- model
    config = RobertaConfig(
        vocab_size=VOCAB_SIZE,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        hidden_act="gelu",
        max_position_embeddings=80,  # positions run from padding_idx + 1 = 2 up to 79
        type_vocab_size=1,
        layer_norm_eps=1e-5,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        num_labels=3,
        id2label=dict(ID2LABEL),
        label2id={v: k for k, v in ID2LABEL.items()},
        architectures=["RobertaForSequenceClassification"],
    )
    torch.manual_seed(0)
    model = RobertaForSequenceClassification(config)
    reinit_(model, SEED)
    model_dir = out / "model"
    if model_dir.exists():
        shutil.rmtree(model_dir)
    model.save_pretrained(model_dir, safe_serialization=True)
    tokenizer.save_pretrained(model_dir)
    shutil.rmtree(tmp)

    # ---- reload from disk exactly as the metric does
    tok = AutoTokenizer.from_pretrained(model_dir)
    mdl = AutoModelForSequenceClassification.from_pretrained(model_dir)
    mdl.eval()
    assert type(tok).__name__ == "RobertaTokenizerFast", type(tok)
    id_to_label = {int(k): canonical_label(v) for k, v in mdl.config.id2label.items()}
    checks["attn_implementation"] = mdl.config._attn_implementation

    premises = [p["premise"] for p in pairs]
    hypotheses = [p["hypothesis"] for p in pairs]
    logits_all, probs_all, ids_all, scores = [], [], [], []
    max_pos = 0
    with torch.inference_mode():
        for start in range(0, n, BATCH_SIZE):
            pb, hb = premises[start : start + BATCH_SIZE], hypotheses[start : start + BATCH_SIZE]
            enc = tok(pb, hb, padding=True, truncation=True, max_length=MAX_LENGTH, return_tensors="pt")
            assert set(enc.keys()) == {"input_ids", "attention_mask"}, enc.keys()
            pos = modeling_roberta.create_position_ids_from_input_ids(enc["input_ids"], padding_idx=1)
            assert (pos[:, 0] == 2).all()
            max_pos = max(max_pos, int(pos.max()))
            logits = mdl(**enc).logits
            probs = torch.softmax(logits, dim=-1)
            logits_all.append(logits.numpy().astype(np.float32))
            probs_all.append(probs.numpy().astype(np.float32))
            for row_ids, row_mask, prow in zip(enc["input_ids"], enc["attention_mask"], probs):
                ids_all.append([int(x) for x, m in zip(row_ids, row_mask) if m == 1])
                scores.append(weighted_score(prow, id_to_label))
    logits_np = np.concatenate(logits_all)
    probs_np = np.concatenate(probs_all)
    scores_np = np.array(scores, dtype=np.float64)
    checks["max_position_id"] = max_pos
    assert max_pos <= 79

    # ---- each pair alone (no padding) must give the same ids and (almost) the same probs
    single_probs, single_logits = [], []
    with torch.inference_mode():
        for i in range(n):
            enc = tok([premises[i]], [hypotheses[i]], padding=True, truncation=True, max_length=MAX_LENGTH, return_tensors="pt")
            assert enc["input_ids"][0].tolist() == ids_all[i], i
            lg = mdl(**enc).logits
            single_logits.append(lg[0].numpy())
            single_probs.append(torch.softmax(lg, dim=-1)[0].numpy())
    checks["batched_vs_single"] = {
        "max_abs_diff_probs": float(np.abs(np.stack(single_probs) - probs_np).max()),
        "max_abs_diff_logits": float(np.abs(np.stack(single_logits) - logits_np).max()),
    }

    # ---- the same batches with eager attention (a plain softmax(QK^T/sqrt(d) + mask) V, which is
    # ---- what a port usually implements) instead of the default SDPA kernel
    eager = AutoModelForSequenceClassification.from_pretrained(model_dir, attn_implementation="eager")
    eager.eval()
    eager_logits = []
    with torch.inference_mode():
        for start in range(0, n, BATCH_SIZE):
            enc = tok(premises[start : start + BATCH_SIZE], hypotheses[start : start + BATCH_SIZE], padding=True,
                      truncation=True, max_length=MAX_LENGTH, return_tensors="pt")
            eager_logits.append(eager(**enc).logits.numpy())
    eager_logits = np.concatenate(eager_logits)
    eager_probs = np.exp(eager_logits - eager_logits.max(1, keepdims=True))
    eager_probs /= eager_probs.sum(1, keepdims=True)
    checks["eager_vs_sdpa"] = {
        "max_abs_diff_logits": float(np.abs(eager_logits - logits_np).max()),
        "max_abs_diff_probs": float(np.abs(eager_probs - probs_np).max()),
    }
    del eager

    # ---- per-pair records
    records = []
    n_trunc = collections.Counter()
    for i, p in enumerate(pairs):
        lp, lh = count(p["premise"]), count(p["hypothesis"])
        ids = ids_all[i]
        # <s> A </s> </s> B </s>: find the split from the first </s></s>
        sep = next(k for k in range(1, len(ids) - 1) if ids[k] == 2 and ids[k + 1] == 2)
        kp, kh = sep - 1, len(ids) - sep - 3
        assert ids[0] == 0 and ids[-1] == 2 and len(ids) == kp + kh + 4
        # longest_first as the tokenizers library implements it for pairs (budget 60)
        budget = MAX_LENGTH - 4
        if lp + lh <= budget:
            ep, eh = lp, lh
        else:
            n1, n2, swap = lp, lh, False
            if n1 > n2:
                n1, n2, swap = n2, n1, True
            n2 = n1 if n1 > budget else max(n1, budget - n1)
            if n1 + n2 > budget:
                n1 = budget // 2
                n2 = n1 + budget % 2
            ep, eh = (n2, n1) if swap else (n1, n2)
        assert (kp, kh) == (min(ep, lp), min(eh, lh)), (i, lp, lh, kp, kh)
        n_trunc["premise" if kp < lp else "-"] += 1
        n_trunc["hypothesis" if kh < lh else "-"] += 1
        records.append(
            {
                "input_ids": ids,
                "premise_tokens": lp,
                "hypothesis_tokens": lh,
                "premise_tokens_kept": kp,
                "hypothesis_tokens_kept": kh,
                "logits": [float(x) for x in logits_np[i]],
                "probs": [float(x) for x in probs_np[i]],
                "weighted_score": scores[i],
            }
        )
    checks["n_pairs"] = n
    checks["n_truncated"] = {
        "premise_only": sum(1 for r in records if r["premise_tokens_kept"] < r["premise_tokens"] and r["hypothesis_tokens_kept"] == r["hypothesis_tokens"]),
        "hypothesis_only": sum(1 for r in records if r["hypothesis_tokens_kept"] < r["hypothesis_tokens"] and r["premise_tokens_kept"] == r["premise_tokens"]),
        "both": sum(1 for r in records if r["hypothesis_tokens_kept"] < r["hypothesis_tokens"] and r["premise_tokens_kept"] < r["premise_tokens"]),
    }
    checks["not_degenerate"] = {
        "logit_std": float(logits_np.std()),
        "logit_std_across_pairs_mean_over_labels": float(logits_np.std(0).mean()),
        "max_prob_mean": float(probs_np.max(1).mean()),
        "max_prob_min": float(probs_np.max(1).min()),
        "max_prob_max": float(probs_np.max(1).max()),
        "argmax_counts": {ID2LABEL[k]: int((probs_np.argmax(1) == k).sum()) for k in range(3)},
        "weighted_score_min": float(scores_np.min()),
        "weighted_score_max": float(scores_np.max()),
        "weighted_score_std": float(scores_np.std()),
    }
    # P_E - P_C recomputed from the f32 probabilities (to show the canonicalisation).
    e_idx = next(k for k, v in id_to_label.items() if v == "ENTAILMENT")
    c_idx = next(k for k, v in id_to_label.items() if v == "CONTRADICTION")
    checks["score_vs_pE_minus_pC_max_abs_diff"] = float(
        np.abs(scores_np - (probs_np[:, e_idx].astype(np.float64) - probs_np[:, c_idx].astype(np.float64))).max()
    )

    # ---- optional cross-check against the reference evaluator
    if args.ref is not None:
        sys.path.insert(0, str(args.ref / "src" / "evaluation"))
        import lighteval_diversity_metrics as L  # noqa: E402

        ev = object.__new__(L.NLIDiversityEvaluator)
        ev.tokenizer, ev.model, ev.batch_size, ev.max_length = tok, mdl, BATCH_SIZE, MAX_LENGTH
        ev.device, ev.verbose, ev.batched = "cpu", False, True
        ev.id_to_label = {int(k): L.NLIDiversityEvaluator._canonical_label(v) for k, v in mdl.config.id2label.items()}
        ev.label_to_weight = dict(L.NLIDiversityEvaluator.LABEL_WEIGHTS)
        ref_scores = ev._batched_weighted_scores(premises, hypotheses)
        same = ref_scores == scores
        print(f"reference _batched_weighted_scores: identical = {same}, "
              f"max abs diff = {max(abs(a - b) for a, b in zip(ref_scores, scores)):.3g}")
        assert same

    # ---- write
    write_safetensors(
        {"logits": np.ascontiguousarray(logits_np), "probs": np.ascontiguousarray(probs_np), "weighted_score": scores_np},
        out / "expected.safetensors",
        metadata={
            "model": "tests/golden/roberta_nli/model (random weights, seed %d)" % SEED,
            "tokenizer_call": f"tokenizer(premises, hypotheses, padding=True, truncation=True, max_length={MAX_LENGTH}, return_tensors='pt')",
            "batch_size": str(BATCH_SIZE),
            "row_order": "pairs.json order",
        },
    )
    write_json(
        out / "expected.json",
        {
            "description": "Expected tokenisation and NLI outputs for pairs.json (same order), tiny model in model/.",
            "max_length": MAX_LENGTH,
            "batch_size": BATCH_SIZE,
            "truncation": "longest_first",
            "id2label": {str(k): v for k, v in ID2LABEL.items()},
            "canonical_id2label": {str(k): v for k, v in sorted(id_to_label.items())},
            "label_weights": LABEL_WEIGHTS,
            "pairs": records,
        },
    )
    write_json(
        out / "pairs.json",
        {
            "description": "(premise, hypothesis) pairs; tokens are counted with model/tokenizer.json, no special tokens.",
            "max_length": MAX_LENGTH,
            "pairs": pairs,
        },
    )
    checks["kinds"] = dict(sorted(collections.Counter(p["kind"] for p in pairs).items()))
    checks["versions"] = {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "torch_threads": args.threads,
        **{m: __import__(m).__version__ for m in ("transformers", "tokenizers", "safetensors", "numpy")},
    }
    write_json(out / "checks.json", checks)

    for p in sorted(out.rglob("*")):
        if p.is_file() and p.suffix != ".py" and p.name != "README.md":
            print(f"{p.stat().st_size:>9}  {sha256_file(p)[:16]}  {p.relative_to(out)}")


if __name__ == "__main__":
    main()
