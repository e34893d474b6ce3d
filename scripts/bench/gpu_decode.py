#!/usr/bin/env python3
"""Benchmark (GPU): decode tokens per second of an Olmo 3 with the 7B configuration and
random bf16 weights, ours (CUDA) against transformers on PyTorch, with the same weights,
prompt and lengths, at batch 16 and 64, and the fraction of the memory-bandwidth bound
each reaches. Throughput does not depend on the weight values, so no checkpoint is
downloaded: the script writes the random model once with `save_pretrained`.

Each measurement: prefill an 8-token prompt, then decode `--steps` tokens greedily for the
whole batch; only the decode is timed (the same in `divcollapse olmo3-check --model`).

Bandwidth bound: each decode step must read every weight except the embedding table
(of which it reads one row per sequence) and the KV cache so far, once. The bound is
batch / (bytes per step / peak bandwidth), averaged over the steps.

    cargo build --release --features cuda --bin divcollapse       # or scripts/gpu-check build
    .bench/venv/bin/python scripts/bench/gpu_decode.py --ours target/release/divcollapse

`--size tiny --device cpu` runs the same code on a tiny model and the CPU, to check the
script where there is no GPU (the ratio then says nothing about GPUs). Appends rows to
analysis/benchmarks/results.csv (`ours_median_s` and `reference_median_s` are seconds per
decoded token of the batch).
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, RESULTS, machine, olmo3_config, report  # noqa: E402

# Peak memory bandwidth in GB/s by the name nvidia-smi reports (vendor data sheets).
PEAK_BANDWIDTH_GBS = {"H100 80GB HBM3": 3350, "H100 PCIe": 2000, "H100 NVL": 3900, "H200": 4800,
                      "A100-SXM4-80GB": 2039, "A100-SXM4-40GB": 1555, "A100-PCIE-40GB": 1555, "L40S": 864}
PROMPT = 8


def write_model(folder: Path, size: str, device: str) -> None:
    import torch
    from transformers import Olmo3ForCausalLM

    torch.manual_seed(0)
    with torch.device(device):
        model = Olmo3ForCausalLM(olmo3_config(size)).to(torch.bfloat16)
    model.save_pretrained(folder)


def bytes_per_step(size: str, batch: int, steps: int) -> float:
    """Bytes one decode step reads at the mean context length, in bf16."""
    c = olmo3_config(size)
    embedding = c.vocab_size * c.hidden_size
    layer = (2 * c.hidden_size * c.hidden_size  # q, o
             + 2 * c.hidden_size * c.num_key_value_heads * (c.hidden_size // c.num_attention_heads)  # k, v
             + 3 * c.hidden_size * c.intermediate_size + 4 * c.hidden_size)  # MLP, norms
    weights = c.num_hidden_layers * layer + c.hidden_size + embedding  # the untied lm_head
    context = PROMPT + steps / 2
    kv = c.num_hidden_layers * 2 * batch * context * c.num_key_value_heads * (c.hidden_size // c.num_attention_heads)
    return 2.0 * (weights + batch * c.hidden_size + kv)


def reference_tokens_per_second(folder: Path, device: str, batch: int, steps: int) -> float:
    import torch
    from transformers import Olmo3ForCausalLM

    model = Olmo3ForCausalLM.from_pretrained(folder, dtype=torch.bfloat16).to(device).eval()
    prompt = torch.tensor([[(i * 37 + 11) % 100352 for i in range(PROMPT)]] * batch, device=device)
    with torch.inference_mode():
        out = model(prompt, use_cache=True)
        cache, token = out.past_key_values, out.logits[:, -1].argmax(-1, keepdim=True)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(steps):
            out = model(token, past_key_values=cache, use_cache=True)
            cache, token = out.past_key_values, out.logits[:, -1].argmax(-1, keepdim=True)
        token.cpu()
        seconds = time.perf_counter() - start
    del model
    return batch * steps / seconds


def ours_tokens_per_second(binary: Path, folder: Path, device: str, batch: int, steps: int) -> float:
    result = subprocess.run([str(binary), "olmo3-check", "--model", str(folder), "--device", device, "--dtype", "bf16",
                             "--batch", str(batch), "--steps", str(steps)], check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])["tokens_per_second"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ours", type=Path, default=REPO / "target/release/divcollapse")
    parser.add_argument("--size", choices=["7b", "tiny"], default="7b")
    parser.add_argument("--device", default="cuda:0")
    parser.add_argument("--batches", default="16,64")
    parser.add_argument("--steps", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--peak-bandwidth", type=float, help="GB/s (default: from the GPU's name)")
    parser.add_argument("--workdir", type=Path, help="where to write the random model (default: a temporary folder)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    import torch

    gpu = torch.cuda.get_device_name(0) if args.device.startswith("cuda") else "CPU"
    bandwidth = args.peak_bandwidth or next((v for k, v in PEAK_BANDWIDTH_GBS.items() if k in gpu), None)
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        folder = Path(tmp) / f"olmo3-{args.size}-random"
        print(f"writing a random {args.size} model to {folder}...", flush=True)
        write_model(folder, args.size, args.device)
        for batch in (int(b) for b in args.batches.split(",")):
            ours, reference = [], []
            for _ in range(args.rounds):
                ours.append(ours_tokens_per_second(args.ours, folder, args.device, batch, args.steps))
                reference.append(reference_tokens_per_second(folder, args.device, batch, args.steps))
            line = (f"batch {batch}: ours {statistics.median(ours):.1f} tokens/s, "
                    f"transformers {statistics.median(reference):.1f} tokens/s")
            note = ""
            if bandwidth:
                bound = batch / (bytes_per_step(args.size, batch, args.steps) / (bandwidth * 1e9))
                note = (f"bandwidth bound {bound:.0f} tokens/s at {bandwidth:.0f} GB/s: ours "
                        f"{statistics.median(ours) / bound:.0%}, transformers {statistics.median(reference) / bound:.0%}")
            print(line, note, flush=True)
            text = machine(f"{gpu}, torch {torch.__version__}, bf16")
            report(f"olmo3_{args.size}_decode_batch{batch}_{args.steps}_steps_s_per_token",
                   [1 / t for t in ours], [1 / t for t in reference], text, args.results, note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
