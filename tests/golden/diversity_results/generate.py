"""Golden diversity_results payloads (EAD only) from the reference compute_diversity.

Builds two synthetic generation sets (deterministic: fixed word lists, random.Random
with fixed seeds), writes each as <case>/generations.jsonl, runs the reference
``compute_diversity(dir, metrics=["EAD"], config=DiversityConfig(...))`` on it and
writes the returned dict to <case>/expected.json.

Regenerate from the repository root with:

    /work/venv-ref/bin/python tests/golden/diversity_results/generate.py

The reference package is imported (not copied) from the checkout named by the
environment variable REFERENCE_SRC (default /work/ref-src):
``$REFERENCE_SRC/src/evaluation/lighteval_diversity_metrics.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE_SRC = Path(os.environ.get("REFERENCE_SRC", "/work/ref-src"))

# Fixed vocabulary: mostly ASCII, a few non-ASCII words.
WORDS = [
    "the", "a", "model", "output", "river", "stone", "light", "quick", "brown", "fox",
    "jumps", "over", "lazy", "dog", "summer", "winter", "city", "garden", "small", "large",
    "red", "blue", "green", "old", "new", "tree", "house", "road", "music", "paper",
    "is", "was", "and", "or", "of", "to", "in", "on", "with", "without",
    "café", "naïve", "Zürich", "東京", "λόγος", "straße", "niño", "déjà", "vu", "fiancée",
]
# Words that carry '.' or '\n' (these characters are deleted, not replaced, before
# the EAD word split, so "end.\nNext" becomes one word "endNext").
PUNCT_WORDS = ["end.", "3.5", "U.S.A.", "line\nbreak", "stop.\nGo", "...", "e.g."]


def make_output(rng: random.Random) -> str:
    n_words = rng.randint(3, 12)
    words = []
    for _ in range(n_words):
        if rng.random() < 0.08:
            words.append(rng.choice(PUNCT_WORDS))
        else:
            words.append(rng.choice(WORDS))
    text = " ".join(words)
    style = rng.random()
    if style < 0.25:
        text += "."
    elif style < 0.35:
        # Put a newline between two words (with surrounding spaces kept).
        cut = rng.randint(1, len(words) - 1)
        text = " ".join(words[:cut]) + "\n" + " ".join(words[cut:])
    elif style < 0.40:
        text = text + ".\n"
    return text


def make_records(n_prompts: int, k: int, seed: int):
    rng = random.Random(seed)
    records = []
    for i in range(n_prompts):
        outputs = []
        for j in range(k):
            roll = rng.random()
            if j > 0 and roll < 0.15:
                # Exact duplicate of an earlier output of the same prompt.
                outputs.append(rng.choice(outputs))
            elif i > 0 and roll < 0.20:
                # Duplicate of an output of an earlier prompt.
                outputs.append(rng.choice(rng.choice(records)["outputs"]))
            else:
                outputs.append(make_output(rng))
        assert all(o.strip() for o in outputs)
        records.append(
            {
                "input_id": i,
                "prompt": f"Prompt {i}: write a short sentence about {rng.choice(WORDS)}.",
                "outputs": outputs,
                "task": "toy_diversity|0",
            }
        )
    return records


CASES = [
    # name, N, K, seed, ensure_ascii for the JSONL writer
    ("large", 600, 4, 20250101, False),
    ("small", 40, 4, 20250102, True),
]


def load_reference():
    sys.path.insert(0, str(REFERENCE_SRC / "src" / "evaluation"))
    import lighteval_diversity_metrics as ref  # noqa: E402

    return ref


def main() -> None:
    ref = load_reference()
    module_path = REFERENCE_SRC / "src" / "evaluation" / "lighteval_diversity_metrics.py"
    print("reference module sha256:", hashlib.sha256(module_path.read_bytes()).hexdigest())

    for name, n_prompts, k, seed, ensure_ascii in CASES:
        case_dir = HERE / name
        case_dir.mkdir(parents=True, exist_ok=True)
        records = make_records(n_prompts, k, seed)
        jsonl = case_dir / "generations.jsonl"
        with jsonl.open("w", encoding="utf-8", newline="\n") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=ensure_ascii) + "\n")

        config = ref.DiversityConfig(
            model_name="toy",
            max_inputs=n_prompts,
            generations_per_input=k,
            ead_vocab_size=50257,
            random_seed=1234,
            sample_overall=True,
        )
        # The reference loader reads every *.json / *.jsonl under the directory, so
        # run it on a private copy that holds only generations.jsonl.
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copy(jsonl, Path(tmp) / "generations.jsonl")
            groups = ref.load_model_generations(tmp, config)
            assert [g.outputs for g in groups] == [r["outputs"] for r in records]
            assert [g.prompt for g in groups] == [r["prompt"] for r in records]
            result = ref.compute_diversity(tmp, metrics=["EAD"], config=config)

        with (case_dir / "expected.json").open("w", encoding="utf-8") as handle:
            json.dump(result, handle)
            handle.write("\n")
        print(name, json.dumps(result))


if __name__ == "__main__":
    main()
