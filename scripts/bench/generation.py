#!/usr/bin/env python3
"""Benchmark: tiny Olmo 3 generation, K = 16 samples of 64 tokens for each of 32 prompts,
ours (`divcollapse generate`, CPU) against transformers `generate` (PyTorch CPU), on the
same checkpoint folder, prompts and sampling settings, in one run.

The checkpoint is a tiny Olmo 3 (4 layers, hidden 64, 3 sliding + 1 full attention, YaRN
on the full layer) with the real Olmo 3 tokenizer and vocabulary (100,278 tokens, padded
to 100,352 as the real checkpoints are), random weights from a fixed seed, written by
transformers' `save_pretrained`. The output layer and the sampler over the full vocabulary
are then a realistic share of the work. The prompts are 32 GSM8K questions, given raw (no
chat template). Sampling: temperature 0.6, top-p 0.95, no top-k, 64 new tokens.

Both sides are timed end to end as a user runs them: ours is the release binary writing
its run file; the reference is the authors' generation loop (src/generation/generate_hf.py:
one `generate` call per prompt with `num_return_sequences=16`), model loading included.
Both use every core. Tokens generated are counted on both sides.

Run from the repository root with the reference environment:

    .bench/venv/bin/python scripts/bench/generation.py

Appends a row to analysis/benchmarks/results.csv.
"""

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, RESULTS, ensure_binary, machine, olmo3_config, report  # noqa: E402


def write_checkpoint(folder: Path, tokenizer: Path) -> None:
    import torch
    from transformers import Olmo3ForCausalLM

    torch.manual_seed(0)
    model = Olmo3ForCausalLM(olmo3_config("tiny")).eval()
    model.save_pretrained(folder)
    shutil.copy(tokenizer, folder / "tokenizer.json")


def prompts(assets: Path, count: int) -> list[str]:
    with gzip.open(assets / "data/gsm8k/requests.jsonl.gz", "rt") as handle:
        docs = [json.loads(line)["doc"] for _, line in zip(range(count), handle)]
    return [f"Question: {doc['question']}\nAnswer:" for doc in docs]


def reference_run(folder: Path, texts: list[str], k: int, new_tokens: int) -> tuple[float, int]:
    import torch
    from tokenizers import Tokenizer
    from transformers import Olmo3ForCausalLM

    start = time.perf_counter()
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    model = Olmo3ForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    generated = 0
    for text in texts:
        ids = torch.tensor([tokenizer.encode(text, add_special_tokens=False).ids])
        with torch.inference_mode():
            out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=new_tokens,
                                 do_sample=True, temperature=0.6, top_p=0.95, top_k=0,
                                 num_return_sequences=k, pad_token_id=100277)
        new = out[:, ids.shape[1]:]
        # Up to and including EOS; transformers pads after it.
        for row in new.tolist():
            generated += row.index(100257) + 1 if 100257 in row else len(row)
    return time.perf_counter() - start, generated


def ours_run(binary: Path, folder: Path, prompts_file: Path, out: Path, n: int, k: int,
             new_tokens: int) -> tuple[float, int]:
    out.unlink(missing_ok=True)
    start = time.perf_counter()
    subprocess.run([str(binary), "generate", "--model", str(folder), "--task", str(prompts_file), "--n", str(n),
                    "--k", str(k), "--max-new-tokens", str(new_tokens), "--temperature", "0.6", "--top-p", "0.95",
                    "--seed", "1234", "--template", "none", "--out", str(out)],
                   check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    generated = 0
    for line in out.read_text().splitlines():
        record = json.loads(line)
        # n_tokens excludes a final EOS; count it as transformers' side does.
        generated += sum(n + (reason == "eos") for n, reason in zip(record["n_tokens"], record["finish_reasons"]))
    return seconds, generated


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=Path, default=Path(os.environ.get("DIVCOLLAPSE_ASSETS", REPO / "assets")))
    parser.add_argument("--ours", type=Path, default=REPO / "target/release/divcollapse")
    parser.add_argument("--prompts", type=int, default=32)
    parser.add_argument("--k", type=int, default=16)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    import torch
    import transformers

    ensure_binary(args.ours)
    texts = prompts(args.assets, args.prompts)
    times = {"ours": [], "reference": []}
    tokens = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "tiny-olmo3"
        write_checkpoint(folder, args.assets / "tokenizers/dolma2.json")
        prompts_file = Path(tmp) / "prompts.jsonl"
        prompts_file.write_text("".join(json.dumps({"input_id": f"p{i}", "prompt": t}) + "\n"
                                        for i, t in enumerate(texts)))
        for round_ in range(args.rounds):
            seconds, tokens["ours"] = ours_run(args.ours, folder, prompts_file, Path(tmp) / "run.jsonl",
                                               args.prompts, args.k, args.new_tokens)
            times["ours"].append(seconds)
            seconds, tokens["reference"] = reference_run(folder, texts, args.k, args.new_tokens)
            times["reference"].append(seconds)
            print(f"round {round_ + 1}: " + ", ".join(
                f"{side} {times[side][-1]:.1f} s ({tokens[side] / times[side][-1]:.0f} tokens/s)" for side in times),
                flush=True)
    note = f"tokens generated: ours {tokens['ours']}, transformers {tokens['reference']}"
    text = machine(f"torch {torch.__version__} ({torch.get_num_threads()} threads), "
                   f"transformers {transformers.__version__}")
    report(f"tiny_olmo3_generate_{args.prompts}x{args.k}x{args.new_tokens}", times["ours"], times["reference"],
           text, args.results, note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
