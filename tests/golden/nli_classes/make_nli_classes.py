#!/usr/bin/env python3
"""Write expected.json: meaning classes by bidirectional entailment (Kuhn et al.'s
semantic-entropy clustering) with the tiny random NLI model of ../roberta_nli/model.

The clustering is written here independently of the Rust code: outputs in order; an
output joins the first class (in order of creation) whose first member it entails and
is entailed by; else it opens a new class. "Entails" is the model's most probable label
being ENTAILMENT (torch.argmax of the logits, labels canonicalised as the NLI metric does)
for the pair (premise, hypothesis) tokenised alone, with truncation at max_length = 64
(the tiny model's setting, see ../roberta_nli/README.md).

Inputs: the first outputs of groups of ../metrics/groups.json (real texts and edge cases),
at most 8 per group. For every pair the script records the margin between the two most
probable labels; the smallest margin is in `min_margin` (a pair that close would make the
class assignment depend on float rounding).

Run from the repository root:

    /work/venv-ref/bin/python tests/golden/nli_classes/make_nli_classes.py
"""
import json
import math
import platform
from pathlib import Path

import torch
import transformers
from transformers import AutoModelForSequenceClassification, AutoTokenizer

ROOT = Path(__file__).resolve().parents[3]
MODEL = ROOT / "tests/golden/roberta_nli/model"
MAX_LENGTH = 64
GROUPS = 24
PER_GROUP = 8

torch.manual_seed(0)
tokenizer = AutoTokenizer.from_pretrained(MODEL)
model = AutoModelForSequenceClassification.from_pretrained(MODEL).eval()
labels = {int(i): l.upper() for i, l in model.config.id2label.items()}


def canonical(label: str) -> str:
    if "CONTRADICT" in label:
        return "CONTRADICTION"
    return "ENTAILMENT" if "ENTAIL" in label else "NEUTRAL"


margins = []


def entails(premise: str, hypothesis: str) -> bool:
    encoded = tokenizer(premise, hypothesis, truncation=True, max_length=MAX_LENGTH, return_tensors="pt")
    with torch.no_grad():
        logits = model(**encoded).logits[0]
    top = torch.topk(logits, 2).values
    margins.append(float(top[0] - top[1]))
    return canonical(labels[int(torch.argmax(logits))]) == "ENTAILMENT"


def partition(outputs):
    classes = []
    for i, output in enumerate(outputs):
        for members in classes:
            first = outputs[members[0]]
            if entails(first, output) and entails(output, first):
                members.append(i)
                break
        else:
            classes.append([i])
    class_of = [0] * len(outputs)
    for c, members in enumerate(classes):
        for i in members:
            class_of[i] = c
    return class_of


groups = json.loads((ROOT / "tests/golden/metrics/groups.json").read_text())["groups"]
cases = []
for index, group in enumerate(groups[:GROUPS]):
    outputs = group["outputs"][:PER_GROUP]
    class_of = partition(outputs)
    k = len(outputs)
    sizes = [class_of.count(c) for c in range(max(class_of) + 1)] if outputs else []
    entropy = -sum(s / k * math.log(s / k) for s in sizes)
    cases.append({"group": index, "name": group["name"], "outputs": outputs, "class_of": class_of,
                  "classes": len(sizes), "semantic_entropy": entropy})

versions = {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__}
(Path(__file__).parent / "expected.json").write_text(json.dumps(
    {"versions": versions, "max_length": MAX_LENGTH, "min_margin": min(margins), "pairs_scored": len(margins),
     "cases": cases}, ensure_ascii=True, indent=1) + "\n")
print(len(cases), "groups;", len(margins), "pairs; min margin", min(margins))
print("class counts:", [c["classes"] for c in cases])
