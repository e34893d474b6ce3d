"""What every benchmark script shares: timing the two sides alternately, running our
bench binaries, describing the machine and appending rows to the results table."""

import csv
import datetime
import gzip
import json
import os
import platform
import statistics
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "analysis/benchmarks/results.csv"
COLUMNS = ["benchmark", "ours_median_s", "reference_median_s", "ratio", "machine", "date"]


def machine(extra: str = "") -> str:
    """The machine in words: architecture, cores, CPU model, and what the reference side ran on."""
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = ", " + line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.machine()}, {os.cpu_count()} cores{model}" + (f", {extra}" if extra else "")


def cargo_bench(name: str, args: list[str]) -> dict:
    """Runs `cargo bench --bench NAME -- ARGS` (release) and returns its last stdout line as JSON."""
    result = subprocess.run(["cargo", "bench", "--quiet", "--bench", name, "--", *args],
                            check=True, capture_output=True, text=True, cwd=REPO)
    return json.loads(result.stdout.strip().splitlines()[-1])


def ensure_binary(binary: Path) -> None:
    """Builds the release `divcollapse` when `binary` does not exist yet."""
    if not binary.exists():
        print("building divcollapse (release)...", flush=True)
        subprocess.run(["cargo", "build", "--release", "--bin", "divcollapse"], check=True, cwd=REPO)


def build_bench(name: str) -> None:
    print(f"building the {name} benchmark (release)...", flush=True)
    subprocess.run(["cargo", "build", "--release", "--bench", name], check=True, cwd=REPO)


def report(name: str, ours: list[float], reference: list[float], machine_text: str,
           results: Path = RESULTS, note: str = "") -> None:
    """Prints the medians and their ratio and appends one row to the results table."""
    ours_median, reference_median = statistics.median(ours), statistics.median(reference)
    ratio = ours_median / reference_median
    speed = f"{1 / ratio:.1f}x faster" if ratio < 1 else f"{ratio:.2f}x slower"
    print(f"{name}: ours {ours_median:.4f} s, reference {reference_median:.4f} s, "
          f"ratio ours/reference {ratio:.4f} ({speed}){'; ' + note if note else ''}", flush=True)
    new = not results.exists()
    results.parent.mkdir(parents=True, exist_ok=True)
    with open(results, "a", newline="") as handle:
        writer = csv.writer(handle)
        if new:
            writer.writerow(COLUMNS)
        writer.writerow([name, f"{ours_median:.5f}", f"{reference_median:.5f}", f"{ratio:.5f}",
                         machine_text, datetime.date.today().isoformat()])


def real_texts(assets: Path) -> list[str]:
    """Real texts of realistic output length: XSum summaries, TruthfulQA answers, GSM8K answers."""
    out = []
    with open(assets / "data/xsum/test.jsonl") as handle:
        out += [json.loads(line)["summary"] for line in handle]
    with open(assets / "data/truthfulqa/combined.jsonl") as handle:
        for line in handle:
            out += json.loads(line)["answer"][:2]
    with gzip.open(assets / "data/gsm8k/requests.jsonl.gz", "rt") as handle:
        out += [json.loads(line)["doc"]["answer"] for line in handle]
    return out


def olmo3_config(size: str):
    """An Olmo 3 config with the real vocabulary (100,352), tokens, RoPE and YaRN settings:
    the 7B shape (`7b`) or 4 layers of width 64 (`tiny`)."""
    from transformers import Olmo3Config

    shape = dict(hidden_size=4096, intermediate_size=11008, num_hidden_layers=32, num_attention_heads=32,
                 num_key_value_heads=32) if size == "7b" else \
        dict(hidden_size=64, intermediate_size=160, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=4)
    return Olmo3Config(vocab_size=100352, max_position_embeddings=65536, sliding_window=4096, rope_theta=500000.0,
                       eos_token_id=100257, pad_token_id=100277, bos_token_id=None, tie_word_embeddings=False,
                       rope_scaling={"rope_type": "yarn", "factor": 8.0, "original_max_position_embeddings": 8192,
                                     "beta_fast": 32.0, "beta_slow": 1.0}, **shape)
