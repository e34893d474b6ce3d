"""Golden fixtures for the three LLM-judge quality scripts of the study.

Builds small inputs in a temporary ``runs/`` tree, runs the reference ``prepare()``
and ``score()`` of

    $REFERENCE_SRC/scripts/compute_summarization_quality.py   (Kirk et al. pairwise vs reference)
    $REFERENCE_SRC/scripts/compute_writingprompts_quality.py  (Arena-Hard creative, vs Base)
    $REFERENCE_SRC/scripts/compute_wildbench_quality.py       (WB-Score checklist grading)

(imported, never copied; ``REFERENCE_SRC`` defaults to /work/ref-src) with
``argparse.Namespace`` arguments that point at the temporary folders (nothing is
monkeypatched), and copies inputs and outputs next to this script:

    kirk/<model>/details_<task>|0_2025-01-01T00-00-00.parquet   inputs (3 tasks x 2 models)
    kirk/results/*.jsonl              synthetic OpenAI Batch API output lines (judge replies)
    kirk/expected/batch_<task>.jsonl  what --prepare writes (one per task), manifest.json
    kirk/expected/prepare_stdout.txt, score_stdout.txt, all_summarization_quality.csv
    kirk/expected/verdicts.jsonl      per reply line: the reference _parse_kirk_verdict

    arena/open_ended/<model>/details_writingprompts_diversity|0_2025-01-01T00-00-00.parquet
    arena/no_cot_open_ended/<model>/diversity_generations_writingprompts_diversity.jsonl
    arena/results/*.jsonl, arena/expected/round{1,2}_<safe>.jsonl, *_stdout.txt,
    arena/expected/all_writingprompts_quality.csv, arena/expected/verdicts.jsonl (parse_verdict)

    wildbench/<model>/details_wildbench_diversity|0_2025-01-01T00-00-00.parquet
    wildbench/results/*.jsonl, wildbench/expected/<safe>.jsonl, *_stdout.txt,
    wildbench/expected/all_wildbench_quality.csv, wildbench/expected/verdicts.jsonl (parse_score)

Temporary paths in the captured stdout are replaced by ``$TMP`` and the reference
checkout path by ``$REFERENCE_SRC``; nothing written depends on time or randomness
(the shuffles use fixed seeds). See README.md for what each case pins.

Pinned versions: Python 3.11, pandas 3.1.1, pyarrow 26.0.1 (numpy 2.4.6), as in
../requirements-ref.txt. Regenerate from the repository root with:

    /work/venv-ref/bin/python tests/golden/judge/generate.py
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.util
import io
import json
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
REFERENCE_SRC = Path(os.environ.get("REFERENCE_SRC", "/work/ref-src"))
STAMP = "2025-01-01T00-00-00"
JUDGE = "gpt-4.1-mini"

M_INSTRUCT = "allenai__OLMo-3-7B-Instruct"
M_THINK_SFT = "allenai__OLMo-3-7B-Think-SFT"
M_BASE = "allenai__OLMo-3-1025-7B"
M_THINK = "allenai__OLMo-3-7B-Think"  # the no-CoT JSONL model of the arena case


def load_script(name: str):
    path = REFERENCE_SRC / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------

DOC_TYPE = pa.struct(
    [
        pa.field("query", pa.string()),
        pa.field("choices", pa.list_(pa.string())),
        pa.field("gold_index", pa.int64()),
        pa.field("id", pa.string()),
    ]
)
RESPONSE_TYPE = pa.struct([pa.field("text", pa.list_(pa.string()))])
SCHEMA = pa.schema([pa.field("doc", DOC_TYPE), pa.field("model_response", RESPONSE_TYPE)])


def write_details(path: Path, rows: list[tuple[str, list[str], list[str]]]) -> None:
    """rows: (query, choices, model_response.text); ids are "0", "1", ..."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pydict(
        {
            "doc": [
                {"query": q, "choices": c, "gold_index": 0, "id": str(i)}
                for i, (q, c, _) in enumerate(rows)
            ],
            "model_response": [{"text": t} for _, _, t in rows],
        },
        schema=SCHEMA,
    )
    # Column statistics are left out only to keep the fixture small.
    pq.write_table(table, path, write_statistics=False)


def batch_output_line(custom_id: str, content, serial: int, empty_choices: bool = False) -> str:
    """One line of an OpenAI Batch API output file (ids derived from a hash, no time)."""
    h = hashlib.sha256(f"{custom_id}#{serial}".encode("utf-8")).hexdigest()
    choices = (
        []
        if empty_choices
        else [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ]
    )
    record = {
        "id": f"batch_req_{h[:32]}",
        "custom_id": custom_id,
        "response": {
            "status_code": 200,
            "request_id": h[32:64],
            "body": {
                "id": f"chatcmpl-{h[:29]}",
                "object": "chat.completion",
                "model": JUDGE,
                "choices": choices,
            },
        },
        "error": None,
    }
    return json.dumps(record, ensure_ascii=False)


class Results:
    """Collects reply lines per results file plus a description of each line."""

    def __init__(self) -> None:
        self.files: dict[str, list[tuple[str, dict]]] = {}
        self.serial = 0

    def add(self, fname: str, custom_id: str, kind: str, content=None, empty_choices=False):
        self.serial += 1
        line = batch_output_line(custom_id, content, self.serial, empty_choices)
        meta = {
            "custom_id": custom_id,
            "kind": kind,
            "content": None if empty_choices else content,
        }
        self.files.setdefault(fname, []).append((line, meta))

    def add_raw(self, fname: str, raw: str, kind: str):
        self.files.setdefault(fname, []).append((raw, {"custom_id": None, "kind": kind, "content": None}))

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for fname, lines in self.files.items():
            with (folder / fname).open("w", encoding="utf-8") as handle:
                for raw, _ in lines:
                    handle.write(raw + "\n")

    def verdicts(self, parser) -> list[dict]:
        out = []
        for fname in sorted(self.files):
            for line_no, (raw, meta) in enumerate(self.files[fname], 1):
                content = meta["content"]
                verdict = parser(content) if content is not None else None
                out.append(
                    {
                        "file": fname,
                        "line": line_no,
                        "kind": meta["kind"],
                        "custom_id": meta["custom_id"],
                        "content": content,
                        "verdict": verdict,
                    }
                )
        return out


def write_jsonl(path: Path, records: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


def run_captured(func, args, tmp: Path) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        func(args)
    text = buf.getvalue()
    text = text.replace(str(tmp), "$TMP").replace(str(REFERENCE_SRC), "$REFERENCE_SRC")
    return text


def reset(folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)


# ---------------------------------------------------------------------------
# Kirk (summarization)
# ---------------------------------------------------------------------------

# (source fields, reference as stored in choices[0]); lighteval stores " {summary}".
TLDR_DOCS = [
    (("relationships", "My roommate keeps eating my food",
      "We split groceries 50/50 but he eats everything I buy within a day. I've asked him twice to stop. What should I do?"),
     " Roommate eats my groceries despite being asked to stop; how do I handle it?"),
    (("personalfinance", "Should I pay off my car loan early?",
      "I have $8k left at 6.9% APR and $15k in savings. My emergency fund would drop to $7k."),
     "   Car loan at 6.9% with $8k left; pay it off early from savings?   \n"),
    (("learnprogramming", 'Why does "C:\\new" print weird?',
      'I wrote print("C:\\new\\table") and got a newline and a tab.\nMy friend said to use a raw string r"..." but why?'),
     ' Backslashes in "C:\\new" became escape sequences; use raw strings.'),
    (("france", "Café recommendations in Lyon ☕",
      "Je cherche un café calme pour travailler 🎧. Any tips? 日本語のメニューがあると嬉しい。"),
     " Looking for a quiet café in Lyon (bonus: 日本語 menu) 🎉"),
    (("writing", "Is TL;DR a crutch?",
      "Some posts end with a summary line.\nTL;DR: like this one.\nIs that lazy?"),
     " Asking whether TL;DR summary lines are lazy."),
    (("fitness", "Knee pain after squats",
      "Every time I squat heavy my left knee aches the next day. Form checked by a coach."),
     " Knee aches after heavy squats."),
    (("AskReddit", "What's a skill everyone should learn?", "Mine is cooking. Yours?"),
     "   "),
]

CNN_DOCS = [
    ("LONDON (CNN) -- The city council approved a new cycling lane on Tuesday, officials said. "
     "The lane will run 3.2 miles along the river and open in spring.",
     " Council approves 3.2-mile river cycling lane .\nIt will open in spring ."),
    ("The mayor said: \"We're proud of this.\" Critics called the project a 'waste' of money "
     "and vowed to fight it in court.",
     " Mayor \"proud\" of project .\nCritics call it a 'waste' and plan a court fight ."),
    ("PARIS — Le musée d'Orsay a rouvert lundi après des travaux. Visitors queued for hours; "
     "one tourist from 東京 said it was «magnifique» 🎨.",
     " Musée d'Orsay reopens after works 🎨 .\nLong queues on day one ."),
    ("A hacker left the message \"C:\\\\Windows\\\\System32 is mine\" on airport screens.\n\n"
     "Police are investigating and no flights were delayed.",
     " Hacker message shown on airport screens .\nPolice investigate; flights unaffected ."),
    ("Heavy snow closed roads across the region on Monday. Officials urged drivers to stay home "
     "until ploughs clear the main routes.",
     " Snow closes regional roads ."),
    ("A storm forced 120 schools to close on Friday, the education department said. Classes "
     "resume next week.",
     "\n  Storm closes 120 schools ; classes resume next week .  \n"),
]

XSUM_DOCS = [
    ("The Welsh government has announced £5m for rural bus routes, saying services had been "
     "cut in half over a decade.",
     " Rural bus routes in Wales will get £5m of new funding."),
    ("Scientists in Zürich say a new battery design charges in six minutes. The \"flow\" cell "
     "uses a water-based electrolyte.",
     " A Zürich team says its water-based \"flow\" battery charges in six minutes."),
    ("Fans queued overnight in Osaka (大阪) for tickets to the final, which sold out in 40 "
     "minutes 🎟️.",
     " Tickets for the final in Osaka sold out in 40 minutes."),
    ("A path like C:\\temp\\new was blamed for the crash of the council's payroll system.\n"
     "Staff were paid a day late.",
     " A badly escaped file path crashed a council payroll system."),
    ("The club confirmed its manager had left by mutual consent after five straight defeats.",
     "  The manager has left the club after five defeats in a row.  "),
    ("Researchers counted 3,000 puffins on the island, up from 1,200 a decade ago.",
     " Puffin numbers on the island have more than doubled in ten years."),
]

# gen outputs per model (K = 2; only the first one is judged); None -> empty text list.
KIRK_OUTPUTS = {
    M_THINK_SFT: {
        "tldr": [
            ["<think>The poster wants advice about a roommate.</think>\nRoommate eats all my food even after I asked him to stop.", "Roommate problem."],
            ["<think>\nloan vs savings\n</think>\n\nPay off a $8k car loan early or keep the savings?", "Car loan question."],
            ["<think>escape chars</think>print(\"C:\\new\") turned \\n into a newline; why do raw strings fix it?", "Backslash question."],
            ["<think>français + 日本語</think>Cherche un café calme à Lyon ☕🎧, idéalement avec un menu en 日本語.", "Café."],
            ["Orphan closing tag first.</think> Asks if ending posts with a TL;DR line is lazy.", "TL;DR question."],
            ["<think>I only thought about it.</think>   \n", "Knee pain."],
            ["Cooking is a skill everyone should learn.", "Cooking."],
        ],
        "cnn_dailymail": [
            ["<think>cycling lane</think>Council approves a 3.2-mile cycling lane by the river.", "Lane."],
            ["<think>quotes</think>The mayor is \"proud\"; critics say it's a 'waste'.", "Mayor."],
            ["<think>musée</think>Le musée d'Orsay rouvre — queues, «magnifique» 🎨.", "Orsay."],
            ["<think>hacker</think>A hacker wrote \"C:\\\\Windows is mine\" on screens.\nPolice investigate.", "Hacker."],
            ["<think>snow… nothing to add</think>", "Snow."],
            ["<think>storm</think>\n\n120 schools shut by storm.", "Storm."],
        ],
        "xsum": [
            ["<think>Wales buses</think>Wales puts £5m into rural buses.", "Buses."],
            ["<think>battery</think>Zürich scientists unveil a six-minute \"flow\" battery.", "Battery."],
            ["<think>tickets</think>大阪 final sells out in 40 minutes 🎟️.", "Tickets."],
            ["<think>path</think>C:\\temp\\new path crashed payroll.", "Payroll."],
            ["<think>manager</think>Manager leaves after five defeats.", "Manager."],
            ["<think>puffins</think>Puffins up from 1,200 to 3,000.", "Puffins."],
        ],
    },
    M_INSTRUCT: {
        "tldr": [
            ["  Roommate keeps eating my groceries; asked twice, still happening.  ", "Roommate."],
            ["Has an $8k car loan at 6.9%, wonders whether to pay it off with savings.", "Loan."],
            ['Using "C:\\new" in Python gives a newline \u2014 use r"C:\\new" instead.', "Raw strings."],
            ["Looking for a quiet café in Lyon 🇫🇷 with a 日本語 menu.", "Café."],
            ["TL;DR: asks whether TL;DR lines are lazy.", "Lazy?"],
            None,
            ["Cooking.", "Cook."],
        ],
        "cnn_dailymail": [
            ["A new 3.2-mile cycling lane was approved and opens in spring.", "Lane."],
            ["Mayor proud, critics object.", "Mayor."],
            ["Musée d'Orsay reopened on Monday after renovation works.", "Orsay."],
            ["Hacker displayed \"C:\\\\Windows\\\\System32 is mine\" at the airport.", "Hacker."],
            ["Snow closed roads; drivers told to stay home.", "Snow."],
            ["Storm shuts 120 schools.", "Storm."],
        ],
        "xsum": [
            ["£5m for Welsh rural bus routes after cuts.", "Buses."],
            ["Swiss researchers built a fast-charging battery.", "Battery."],
            ["Osaka final tickets gone in 40 minutes.", "Tickets."],
            ["Payroll crash blamed on a file path; staff paid late.", "Payroll."],
            ["   ", "Manager."],
            ["Puffin numbers more than doubled.", "Puffins."],
        ],
    },
}

KIRK_TASKS = {"tldr": "tldr_diversity", "cnn_dailymail": "cnn_dailymail_diversity", "xsum": "xsum_diversity"}


def kirk_queries(task: str) -> list[tuple[str, str]]:
    if task == "tldr":
        return [(f"SUBREDDIT: {s}\nTITLE: {t}\nPOST: {p}\nTL;DR:", ref) for (s, t, p), ref in TLDR_DOCS]
    docs = CNN_DOCS if task == "cnn_dailymail" else XSUM_DOCS
    return [(f"ARTICLE: {a}\nTL;DR:", ref) for a, ref in docs]


# Reply kinds for the Kirk parser: (kind, content). Comments give the branch.
KIRK_WIN = "[{'model': 'model_1', 'rank': 1}, {'model': 'model_2', 'rank': 2}]"
KIRK_LOSS = "[{'model': 'model_2', 'rank': 1}, {'model': 'model_1', 'rank': 2}]"
KIRK_KINDS = [
    ("literal_list_win", KIRK_WIN),
    ("literal_list_loss", KIRK_LOSS),
    ("json_style_multiline_loss", '[\n  {"model": "model_1", "rank": 2},\n  {"model": "model_2", "rank": 1}\n]'),
    ("prose_wrapped_bracket_regex_win", "Here is my ranking:\n" + KIRK_WIN + "\nModel 1 is more concise."),
    ("code_fence_bracket_regex_loss", "```python\n" + KIRK_LOSS + "\n```"),
    ("missing_comma_rank_regex_loss", "[{'model': 'model_1', 'rank': 2} {'model': 'model_2', 'rank': 1}]"),
    ("trailing_bracket_note_rank_regex_win", KIRK_WIN + " [note: close call]"),
    ("tie_same_rank", "[{'model': 'model_1', 'rank': 1}, {'model': 'model_2', 'rank': 1}]"),
    ("literal_int_not_list", "1"),
    ("literal_tuple_not_list", "({'model': 'model_1', 'rank': 1}, {'model': 'model_2', 'rank': 2})"),
    ("empty_content", ""),
    ("rank_as_string_loss", "[{'model': 'model_1', 'rank': '2'}, {'model': 'model_2', 'rank': '1'}]"),
    ("model_2_missing", "[{'model': 'model_1', 'rank': 1}]"),
    ("non_ascii_prose_bracket_regex_loss", "Résumé — classement ✓ 🎉:\n" + KIRK_LOSS),
    ("no_brackets_rank_regex_last_assignment_wins_loss",
     "'model': 'model_1', 'rank': 1; 'model': 'model_2', 'rank': 2; correction: 'model': 'model_1', 'rank': 3"),
    ("dict_not_list", "{'model_1': 1, 'model_2': 2}"),
    ("extra_keys_win", "[{'model': 'model_1', 'rank': 1, 'reason': 'more précis'}, {'model': 'model_2', 'rank': 2}]"),
    ("surrounding_whitespace_tie", "\n\n  [{'model': 'model_2', 'rank': 2}, {'model': 'model_1', 'rank': 2}]  \n"),
    ("empty_list", "[]"),
    ("list_of_ints", "Ranking: [1, 2]"),
    ("rank_regex_double_quotes_tie", 'Ranks: "model": "model_1" has "rank": 2 and "model": "model_2" has "rank": 2'),
    ("no_verdict_prose", "Both summaries are equally good."),
]


def build_kirk(ref, tmp: Path) -> None:
    out = HERE / "kirk"
    reset(out)
    runs = tmp / "runs"
    for model, per_task in KIRK_OUTPUTS.items():
        for task, parquet_task in KIRK_TASKS.items():
            queries = kirk_queries(task)
            outputs = per_task[task]
            assert len(queries) == len(outputs)
            rows = [(q, [r], o if o is not None else []) for (q, r), o in zip(queries, outputs)]
            name = f"details_{parquet_task}|0_{STAMP}.parquet"
            write_details(out / model / name, rows)
            dest = runs / "diversity" / model / "details" / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out / model / name, dest)

    batches = tmp / "kirk_batches"
    prep_args = argparse.Namespace(
        prepare=True, score=False, runs_dir=runs, output_dir=batches, results_dir=None, dry_run=False
    )
    prepare_stdout = run_captured(ref.prepare, prep_args, tmp)

    expected = out / "expected"
    expected.mkdir()
    combined = b""
    for task in sorted(KIRK_TASKS):
        data = (batches / f"batch_{task}.jsonl").read_bytes()
        combined += data
        (expected / f"batch_{task}.jsonl").write_bytes(data)
    # batch_all_summarization.jsonl is the per-task files concatenated in sorted task order.
    assert (batches / "batch_all_summarization.jsonl").read_bytes() == combined
    shutil.copyfile(batches / "manifest.json", expected / "manifest.json")
    (expected / "prepare_stdout.txt").write_text(prepare_stdout, encoding="utf-8")
    assert sorted(p.name for p in batches.iterdir()) == sorted(
        [f"batch_{t}.jsonl" for t in KIRK_TASKS] + ["batch_all_summarization.jsonl", "manifest.json"]
    )

    manifest = json.loads((batches / "manifest.json").read_text())
    for task in KIRK_TASKS:
        swaps = {m["swap"] for m in manifest if m["task"] == task}
        assert swaps == {True, False}, (task, swaps)

    # Judge replies. Every request gets one reply; kinds cycle over the manifest order.
    ids = [m["custom_id"] for m in manifest]
    assert len(ids) > len(KIRK_KINDS) + 3
    replies = {cid: KIRK_KINDS[i % len(KIRK_KINDS)] for i, cid in enumerate(ids)}
    # Special requests (chosen among those whose kind repeats): the last three ids.
    empty_choices_id, dup_id, dup_after_fail_id = ids[-1], ids[-2], ids[-3]
    assert len(ids) - 3 >= len(KIRK_KINDS)
    rng = random.Random(20250101)
    order = ids[:]
    rng.shuffle(order)
    half = len(order) // 2
    res = Results()
    f1, f2 = "results_part1.jsonl", "results_part2.jsonl"
    specials = {empty_choices_id, dup_id, dup_after_fail_id}
    part1 = [c for c in order[:half] if c not in specials]
    part2 = [c for c in order[half:] if c not in specials]
    for n, cid in enumerate(part1):
        kind, content = replies[cid]
        res.add(f1, cid, kind, content)
        if n == 3:
            # A truncated line (not JSON): counted as a failure, does not mark any id as seen.
            res.add_raw(f1, batch_output_line(cid, KIRK_WIN, 0)[:70], "not_json_truncated_line")
    res.add(f1, empty_choices_id, "empty_choices", empty_choices=True)
    res.add(f1, dup_id, "dup_first_win", KIRK_WIN)
    res.add(f1, dup_after_fail_id, "first_of_dup_unparseable_literal_int", "1")
    for cid in part2:
        kind, content = replies[cid]
        res.add(f2, cid, kind, content)
    res.add(f2, dup_id, "dup_second_loss_ignored", KIRK_LOSS)
    res.add(f2, empty_choices_id, "dup_after_empty_choices_ignored", KIRK_WIN)
    res.add(f2, dup_after_fail_id, "dup_after_parse_failure_ignored", KIRK_WIN)
    wrong = ids[0].rsplit("||", 1)[0]  # MODEL||TASK||IDX: three parts
    res.add(f2, wrong, "wrong_number_of_parts", KIRK_WIN)
    res.add(f2, wrong, "wrong_number_of_parts_duplicate", KIRK_LOSS)
    res.write(out / "results")
    write_jsonl(expected / "verdicts.jsonl", res.verdicts(ref._parse_kirk_verdict))
    used = {meta["kind"] for lines in res.files.values() for _, meta in lines}
    missing = {k for k, _ in KIRK_KINDS} - used
    assert not missing, missing

    scored = tmp / "kirk_scored"
    score_args = argparse.Namespace(
        prepare=False, score=True, runs_dir=runs, output_dir=scored, results_dir=out / "results", dry_run=False
    )
    score_stdout = run_captured(ref.score, score_args, tmp)
    score_stdout = score_stdout.replace(str(out / "results"), "$RESULTS")
    (expected / "score_stdout.txt").write_text(score_stdout, encoding="utf-8")
    shutil.copyfile(scored / "all_summarization_quality.csv", expected / "all_summarization_quality.csv")


# ---------------------------------------------------------------------------
# Arena (WritingPrompts)
# ---------------------------------------------------------------------------

_LONG_SHARED = (
    "[WP] Every night at 3:07 a.m. the town's church bell rings once, although the bell was "
    "removed in 1952. Tonight, for the first time, it rings twice, and everyone who hears the "
    "second chime wakes up somewhere they have never been, holding a key they do not recognise, "
)
assert len(_LONG_SHARED) > 200

# Prompt 1: chars 196..199 are spaces, so query[:200].strip() drops them.
_P1_HEAD = "[WP] You are a retired superhero working at a small bakery. One morning a customer orders "
_P1_HEAD = _P1_HEAD + "a cake shaped like your old nemesis, and pays in coins that have not existed for fifty years."
_P1 = _P1_HEAD[:196].ljust(196, ".") + "    " + "Write what happens when you finally ask where the coins came from."
assert _P1[196:200] == "    " and len(_P1) > 200

# Prompt 2: multi-byte characters early, long enough that char 200 != byte 200.
_P2 = (
    "[WP] 東京の地下鉄で、毎朝同じ席に座る老人がいる。 A café owner named Zoë notices that the old man "
    "on the Tokyo metro never ages — et il sourit toujours 🙂. One day he leaves a note on his seat "
    "that says only: \"Tomorrow it's your turn.\" What does Zoë do next?"
)
assert len(_P2) > 210 and len(_P2[:200].encode("utf-8")) > 220

WP_PROMPTS = [
    _P1,
    _P2,
    "[WP] A dragon applies for a job as a firefighter. Write the interview.",
    "[EU] Harry Potter's owl, Hedwig, tells the story of the night she \"delivered\" the wrong letter.",
    _LONG_SHARED + "in a different decade.",
    _LONG_SHARED + "speaking a language nobody has taught them.",
]

WP_STORIES = [
    "I still knead dough at five.",
    "Zoë kept the note.",
    "The dragon wore a tie.",
    "Hedwig hooted softly.",
    "It was 1987 again.",
    "Nobody understood a word.",
]

ARENA_PARQUETS = {
    M_BASE: [
        ["The bakery smelled of cinnamon when the coins arrived.", "alt"],
        ["Zoë picked up the note — « Demain, c'est ton tour » — and laughed. 🙂", "alt"],
        ["   \n", "alt"],  # empty base generation: the pair is dropped for every model
        ["Hedwig said: \"It wasn't my fault.\" Then she flew off.", "alt"],
        ["The bell rang twice; the year was 1987.", "alt"],
        ["Words came out in a tongue of clicks and \\whistles\\.", "alt"],
    ],
    M_INSTRUCT: [
        ["I asked the customer about the coins.\n\n\"They're from your future,\" she said.", "alt"],
        ["Zoë se leva à 5h, prit le métro et s'assit à la place du vieil homme. 東京は静かだった。", "alt"],
        ["The dragon answered every question with smoke.", "alt"],
        ["Hedwig remembered the wrong address: 4 Privet Drive\\Cupboard.", "alt"],
        ["<think>Let me plan the story.</think>\n\n", "alt"],  # strips to empty: dropped
        ["Everyone woke speaking a language of bells.", "alt"],
    ],
    M_THINK_SFT: [  # fewer rows than Base: row matching stops at min(len) = 4
        ["<think>bakery</think>I sold the cake and kept one coin.", "alt"],
        ["plan the story</think>Zoë sat in the seat and the metro stopped moving. 🚇", "alt"],
        ["<think>dragon</think>\"Why firefighting?\" \"Irony,\" said the dragon.", "alt"],
        ["<think>owl</think>I was a very good owl, mostly.", "alt"],
    ],
}

# No-CoT JSONL lines for M_THINK (matched to Base by the first 200 characters of the prompt).
_WP = "writingprompts_diversity|0"
ARENA_JSONL = [
    {"task": _WP, "input_id": 1,
     # same first 200 characters as Base prompt 1, different tail: still matches
     "prompt": _P2[:205] + " [tail differs after char 205]",
     "outputs": ["Zoë ne prit jamais le métro le lendemain. ☕", "second"]},
    {"task": _WP, "input_id": 99,
     # first 200 *bytes* equal Base prompt 1, but differs at character 190: unmatched
     "prompt": _P2[:190] + "X" + _P2[191:],
     "outputs": ["This story has no partner.", "second"]},
    {"task": _WP, "input_id": 0,
     # whitespace at chars 196..199 differs from Base; leading whitespace stripped at load
     "prompt": "  \n" + _P1[:196] + "\n\t \n" + "Something else entirely.",
     "outputs": ["I asked. The coins were from tomorrow.", "second"]},
    {"task": _WP, "input_id": 1, "prompt": _P2,
     "outputs": ["DUPLICATE input_id: ignored (first wins).", "second"]},
    {"task": "other_task|0", "input_id": 3, "prompt": WP_PROMPTS[3],
     "outputs": ["Filtered out by task.", "second"]},
    {"task": _WP, "input_id": 4, "prompt": WP_PROMPTS[4] + "\n\n",
     "outputs": []},  # no outputs: empty gen-0, dropped after matching
    {"task": _WP, "input_id": 2, "prompt": WP_PROMPTS[2] + "\n\n",
     "outputs": ["The dragon got the job."]},  # Base gen-0 empty: dropped
    {"task": _WP, "input_id": 5,
     # matches Base prompts 4 and 5 (same 200-char prefix): the later Base row wins
     "prompt": _LONG_SHARED + "somewhere else.",
     "outputs": ["<think>bells</think>Everyone woke at 3:08."]},
    {"task": _WP, "input_id": 7, "prompt": "\n", "outputs": ["Empty prompt, no match."]},
]

ARENA_KINDS = [
    ("A>>B", "Assistant A is far more vivid.\n\nMy final verdict is: [[A>>B]]"),
    ("A>B", "A is slightly better.\nMy final verdict is Assistant A is slightly better: [[A>B]]"),
    ("A=B", "My final verdict is tie: [[A=B]]"),
    ("B>A", "B reads better. [[B>A]]"),
    ("B>>A", "My final verdict is: [[B>>A]] — B est bien meilleur ✓"),
    ("two_labels_first_wins", "At first glance [[B>>A]], but after reflection my final verdict is [[A>B]]."),
    ("no_label", "Both stories are fine. Final verdict: A is slightly better."),
    ("malformed_labels", "Verdict: [[A>>>B]] or maybe [[a>b]] or [A>B] or [[A > B]]."),
    ("empty_content", ""),
]


def build_arena(ref, tmp: Path) -> None:
    out = HERE / "arena"
    reset(out)
    runs = tmp / "runs_arena"
    name = f"details_writingprompts_diversity|0_{STAMP}.parquet"
    for model, outputs in ARENA_PARQUETS.items():
        rows = [(p + "\n\n", [s], o) for p, s, o in zip(WP_PROMPTS, WP_STORIES, outputs)]
        write_details(out / "open_ended" / model / name, rows)
        dest = runs / "open_ended" / model / "details" / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out / "open_ended" / model / name, dest)
    jsonl_name = "diversity_generations_writingprompts_diversity.jsonl"
    write_jsonl_dir = out / "no_cot_open_ended" / M_THINK
    write_jsonl_dir.mkdir(parents=True)
    write_jsonl(write_jsonl_dir / jsonl_name, ARENA_JSONL)
    (runs / "no_cot_open_ended" / M_THINK).mkdir(parents=True)
    shutil.copyfile(write_jsonl_dir / jsonl_name, runs / "no_cot_open_ended" / M_THINK / jsonl_name)

    batches = tmp / "arena_batches"
    prep_args = argparse.Namespace(command="prepare", runs_dir=str(runs), batch_dir=str(batches), dry_run=False)
    prepare_stdout = run_captured(ref.prepare, prep_args, tmp)
    expected = out / "expected"
    expected.mkdir()
    for path in sorted(batches.iterdir()):
        shutil.copyfile(path, expected / path.name)
    (expected / "prepare_stdout.txt").write_text(prepare_stdout, encoding="utf-8")

    # Requests by model, in file order.
    requests: dict[str, list[str]] = {}
    for path in sorted(batches.glob("round1_*.jsonl")):
        safe = path.name[len("round1_"):-len(".jsonl")]
        requests[safe] = [json.loads(l)["custom_id"] for l in path.read_text().splitlines()]
    assert set(requests) == {M_INSTRUCT, M_THINK_SFT, "no_cot__" + M_THINK}, requests.keys()

    res = Results()
    f1, f2 = "results_part1.jsonl", "results_part2.jsonl"
    n = 0
    lines: list[tuple[str, str, str]] = []
    # The six parseable kinds cycle over all requests; the three unparseable kinds then
    # replace the replies of three requests spread over the models.
    parseable = ARENA_KINDS[:6]
    unparseable = ARENA_KINDS[6:]
    for safe in sorted(requests):
        for r1_id in requests[safe]:
            r2_id = "r2" + r1_id[2:]
            for cid in (r1_id, r2_id):
                kind, content = parseable[n % len(parseable)]
                n += 1
                lines.append((cid, kind, content))
    for pos, (kind, content) in zip((4, 11, 16), unparseable):
        lines[pos] = (lines[pos][0], kind, content)
    # Special cases: one Think-SFT idx answered only in round 1, one Instruct idx with empty choices in round 2.
    sft_ids = requests[M_THINK_SFT]
    # an SFT idx whose round-1 reply parses; its round-2 line is never written
    parsed_r1 = [c for c, k, t in lines if c in sft_ids and ref.parse_verdict(t) is not None]
    only_r1 = "r2" + parsed_r1[-1][2:]
    lines = [l for l in lines if l[0] != only_r1]  # round 2 never answered: dropped from both rounds
    ins_ids = requests[M_INSTRUCT]
    empty_choices_id = "r2" + ins_ids[0][2:]
    lines = [l for l in lines if l[0] != empty_choices_id]
    rng = random.Random(20250102)
    rng.shuffle(lines)
    half = len(lines) // 2
    for cid, kind, content in lines[:half]:
        res.add(f1, cid, kind, content)
    res.add(f1, empty_choices_id, "empty_choices", empty_choices=True)
    dup_last_id = ins_ids[1]
    dup_unparseable_id = "r2" + ins_ids[2][2:]
    for cid, kind, content in lines[half:]:
        res.add(f2, cid, kind, content)
    # Duplicates: a later parseable line overwrites the score; an unparseable one only counts.
    res.add(f2, dup_last_id, "dup_later_B>>A_overwrites", "On reflection: [[B>>A]]")
    res.add(f2, dup_unparseable_id, "dup_later_unparseable_counted", "No verdict this time.")
    res.add(f2, "r1||" + M_INSTRUCT + "||" + "writingprompts_diversity", "wrong_number_of_parts_ignored", "[[A>>B]]")
    res.write(out / "results")
    write_jsonl(expected / "verdicts.jsonl", res.verdicts(ref.parse_verdict))
    used = {meta["kind"] for lines_ in res.files.values() for _, meta in lines_}
    assert {k for k, _ in ARENA_KINDS} <= used

    scored = tmp / "arena_scored"
    score_args = argparse.Namespace(command="score", results_dir=str(out / "results"), output_dir=str(scored))
    score_stdout = run_captured(ref.score, score_args, tmp)
    score_stdout = score_stdout.replace(str(out / "results"), "$RESULTS")
    (expected / "score_stdout.txt").write_text(score_stdout, encoding="utf-8")
    shutil.copyfile(scored / "all_writingprompts_quality.csv", expected / "all_writingprompts_quality.csv")


# ---------------------------------------------------------------------------
# WildBench
# ---------------------------------------------------------------------------

WB_DOCS = [
    ("Write a haiku about autumn leaves.",
     ["Is it a haiku (5-7-5)?; Does it mention autumn leaves?; Is the imagery vivid?"]),
    ("Explain the difference between TCP and UDP in two sentences.", []),
    ("Give me three tips to improve sleep.",
     ["  Gives three tips; ; Tips are evidence-based;  Mentions caffeine or screens; Concise; "]),
    ("", ["Checklist of a row with an empty query"]),
    ("Traduis « Où est la bibliothèque ? » en japonais (図書館).\nThen: what does print('a\\\\b') show?",
     ["Correct translation (図書館はどこですか); Uses \"polite\" form; Says it prints a\\b"]),
    ("Summarize the plot of Hamlet in one line.", [""]),
]

WB_OUTPUTS = {
    M_INSTRUCT: [
        ["Crimson leaves descend\nwhispering to the cold ground\nautumn lets them go", "alt"],
        ["TCP is connection-oriented and reliable; UDP is connectionless and faster.", "alt"],
        ["1. Keep a schedule.\n2. Avoid caffeine late.\n3. No screens in bed.", "alt"],
        ["Answer to an empty query.", "alt"],
        ["図書館はどこですか (toshokan wa doko desu ka) — « library ». It prints a\\b. 📚", "alt"],
        [],  # no outputs: the row is skipped
    ],
    M_THINK_SFT: [
        ["<think>5-7-5</think>\nLeaves of amber fall\nthe maple lets go softly\nground hums in gold light", "alt"],
        ["<think>networking</think>TCP guarantees delivery; UDP does not.", "alt"],
        ["<think>three tips</think>Sleep at fixed times, cut caffeine after noon, dim the lights. 😴", "alt"],
        ["<think>empty query</think>Nothing.", "alt"],
        ["<think>日本語 and backslashes...</think>   ", "alt"],  # empty after stripping: kept
        ["<think>Hamlet</think>A prince avenges his father and everyone dies.", "alt"],
    ],
}

WB_KINDS = [
    ("json_string_score_7", 'Analysis...\n{"strengths": "clear", "weaknesses": "none", "score": "7"}'),
    ("json_int_score_7", '{"strengths": "ok", "weaknesses": "short", "score": 7}'),
    ("multiple_blocks_last_valid_wins_9",
     'Draft: {"strengths": "a", "weaknesses": "b", "score": "3"}\nFinal: {"strengths": "a", "weaknesses": "b", "score": "9"}'),
    ("last_block_out_of_range_falls_back_to_earlier_6",
     '{"strengths": "x", "weaknesses": "y", "score": "6"}\n{"strengths": "x", "weaknesses": "y", "score": "11"}'),
    ("only_block_out_of_range_then_bare_score_5",
     '{"strengths": "x", "weaknesses": "y", "score": "0"}\nOverall Score: 5'),
    ("malformed_json_score_regex_8", '{"strengths": "good", "weaknesses": "none", "score": 8,}'),
    ("bare_score_6", "The response is fair.\nScore: 6"),
    ("nothing_parseable", "I cannot rate this response."),
    ("float_score_json_fails_regex_7", '{"strengths": "s", "weaknesses": "w", "score": 7.5}'),
    ("nested_braces_no_candidate_regex_4", '{"strengths": {"a": 1}, "weaknesses": "w", "score": "4"}'),
    ("empty_content", ""),
    ("padded_string_score_8", '{"strengths": "s", "weaknesses": "w", "score": " 8 "}'),
    ("slash_score_json_fails_regex_10", '{"strengths": "s", "weaknesses": "w", "score": "10/10"}'),
    ("duplicate_key_last_wins_5", '{"score": "2", "strengths": "s", "score": "5"}'),
    ("null_score", '{"strengths": "s", "weaknesses": "w", "score": null}'),
    ("lowercase_score_equals_9", "overall score = 9"),
    ("non_ascii_json_score_3", '{"strengths": "très clair ✓", "weaknesses": "日本語なし", "score": "3"}'),
    ("out_of_range_everywhere", '{"strengths": "s", "weaknesses": "w", "score": "12"} Score: 0'),
]


def build_wildbench(ref, tmp: Path) -> None:
    out = HERE / "wildbench"
    reset(out)
    runs = tmp / "runs_wildbench"
    name = f"details_wildbench_diversity|0_{STAMP}.parquet"
    for model, outputs in WB_OUTPUTS.items():
        rows = [(q, c, o) for (q, c), o in zip(WB_DOCS, outputs)]
        write_details(out / model / name, rows)
        dest = runs / "open_ended" / model / "details" / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out / model / name, dest)

    batches = tmp / "wildbench_batches"
    prep_args = argparse.Namespace(
        prepare=True, score=False, runs_dir=str(runs), results_dir="", output=str(batches),
        output_csv=str(tmp / "unused.csv"), dry_run=False,
    )
    prepare_stdout = run_captured(ref.prepare, prep_args, tmp)
    expected = out / "expected"
    expected.mkdir()
    for path in sorted(batches.iterdir()):
        shutil.copyfile(path, expected / path.name)
    (expected / "prepare_stdout.txt").write_text(prepare_stdout, encoding="utf-8")

    ids: list[str] = []
    for path in sorted(batches.glob("*.jsonl")):
        ids += [json.loads(l)["custom_id"] for l in path.read_text(encoding="utf-8").splitlines()]

    res = Results()
    f1, f2 = "results_part1.jsonl", "results_part2.jsonl"
    lines = [(cid, *WB_KINDS[i % len(WB_KINDS)]) for i, cid in enumerate(ids)]
    # More kinds than requests: the remaining kinds go on repeated custom_ids (never deduplicated).
    for j, (kind, content) in enumerate(WB_KINDS[len(ids):]):
        lines.append((ids[j % len(ids)], kind, content))
    rng = random.Random(20250103)
    rng.shuffle(lines)
    half = len(lines) // 2
    for cid, kind, content in lines[:half]:
        res.add(f1, cid, kind, content)
    res.add_raw(f1, "{\"id\": \"batch_req_truncated\", \"custom_id\": \"" + ids[0], "not_json_truncated_line")
    res.add(f1, ids[1], "empty_choices", empty_choices=True)
    for cid, kind, content in lines[half:]:
        res.add(f2, cid, kind, content)
    model0 = ids[0].split("||")[0]
    res.add(f2, f"{model0}||wb||0", "wrong_custom_id_tag", '{"score": "9"}')
    res.add(f2, f"{model0}||wildbench||first", "wrong_custom_id_non_int_idx", '{"score": "9"}')
    res.add(f2, f"{model0}||wildbench||0||extra", "wrong_custom_id_four_parts", '{"score": "9"}')
    res.add(f2, ids[2], "duplicate_counted_again_10", '{"strengths": "s", "weaknesses": "w", "score": "10"}')
    res.write(out / "results")
    write_jsonl(expected / "verdicts.jsonl", res.verdicts(ref.parse_score))

    csv_path = tmp / "wildbench_scored" / "all_wildbench_quality.csv"
    score_args = argparse.Namespace(
        prepare=False, score=True, runs_dir=str(runs), results_dir=str(out / "results"), output=str(batches),
        output_csv=str(csv_path), dry_run=False,
    )
    score_stdout = run_captured(ref.score, score_args, tmp)
    score_stdout = score_stdout.replace(str(out / "results"), "$RESULTS")
    (expected / "score_stdout.txt").write_text(score_stdout, encoding="utf-8")
    shutil.copyfile(csv_path, expected / "all_wildbench_quality.csv")


def main() -> None:
    summarization = load_script("compute_summarization_quality")
    writingprompts = load_script("compute_writingprompts_quality")
    wildbench = load_script("compute_wildbench_quality")
    with tempfile.TemporaryDirectory(prefix="judge_golden_") as tmp_name:
        tmp = Path(tmp_name).resolve()
        build_kirk(summarization, tmp)
        build_arena(writingprompts, tmp)
        build_wildbench(wildbench, tmp)


if __name__ == "__main__":
    sys.exit(main())
