#!/usr/bin/env python3
"""Write expected.json: mean per-token NLLs of lab outputs under the lab's base checkpoint.

The reference is transformers' Olmo 3 (`AutoModelForCausalLM`, float32, eager attention)
on `lab/lineage/base`, token ids from the checkpoint's `tokenizer.json` through the
`tokenizers` library (no special tokens, as the Rust side encodes). For each case the
answer is appended after one space when neither the prompt ends nor the answer starts
with whitespace (the rule of `pipeline::likelihood`), the two texts are encoded
separately and concatenated, and

    NLL = -(1/T) * sum_t log_softmax(logits[t-1])[id_t]   over the T answer tokens.

Inputs: the first prompt of each lab task from the base's run file and the first four
answers of three checkpoints' run files (`analysis/lab_lineage/runs/`, written by the
demo), copied into `cases` so the test does not need the run files.

Run from the repository root:

    /work/venv-ref/bin/python tests/golden/base_likelihood/make_base_likelihood.py
"""
import json
import platform
from pathlib import Path

import tokenizers
import torch
import transformers
from transformers import AutoModelForCausalLM

ROOT = Path(__file__).resolve().parents[3]
BASE = ROOT / "lab/lineage/base"
RUNS = ROOT / "analysis/lab_lineage/runs"

torch.manual_seed(0)
tokenizer = tokenizers.Tokenizer.from_file(str(BASE / "tokenizer.json"))
model = AutoModelForCausalLM.from_pretrained(BASE, dtype=torch.float32, attn_implementation="eager").eval()


def nll(prompt: str, output: str) -> float:
    # Python's whitespace (str.isspace), as the Rust side's is_py_whitespace.
    separator = not prompt[-1:].isspace() and not output[:1].isspace()
    continuation = " " + output if separator else output
    prompt_ids = tokenizer.encode(prompt, add_special_tokens=False).ids
    output_ids = tokenizer.encode(continuation, add_special_tokens=False).ids
    ids = torch.tensor([prompt_ids + output_ids])
    with torch.no_grad():
        logits = model(ids).logits[0].double()
    logp = torch.log_softmax(logits, dim=-1)
    total = -sum(logp[t - 1, ids[0, t]].item() for t in range(len(prompt_ids), ids.shape[1]))
    return total / len(output_ids)


cases = []
for task in ["lab_sums", "lab_describe"]:
    base_record = json.loads((RUNS / f"base.{task}.jsonl").read_text().splitlines()[0])
    prompt = base_record["prompt"]
    for checkpoint in ["base", "sft_think", "rl_instruct"]:
        record = json.loads((RUNS / f"{checkpoint}.{task}.jsonl").read_text().splitlines()[0])
        assert record["input_id"] == base_record["input_id"]
        for output in record["outputs"][:4]:
            cases.append({"task": task, "checkpoint": checkpoint, "prompt": prompt, "output": output,
                          "nll": nll(prompt, output)})

versions = {"python": platform.python_version(), "torch": torch.__version__,
            "transformers": transformers.__version__, "tokenizers": tokenizers.__version__}
(Path(__file__).parent / "expected.json").write_text(
    json.dumps({"versions": versions, "cases": cases}, ensure_ascii=True, indent=1) + "\n")
print(len(cases), "cases")
