"""What every benchmark script shares: timing the two sides alternately, running our
bench binaries, describing the machine and appending rows to the results table."""

import csv
import datetime
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
