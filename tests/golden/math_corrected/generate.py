#!/usr/bin/env python3
"""Golden values for the corrected math mode's box extraction on the real MATH data.

For every document of the two MATH subsets the set-up fetches (algebra and geometry),
records what the MATH benchmark's own code finds as the solution's final answer:
`last_boxed_only_string` (modeling/dataset/util.py of github.com/hendrycks/math) with the
`\\boxed{` prefix and the closing brace removed (what that repository's `remove_boxed`
does), and whether its `is_equiv` (modeling/math_equivalence.py) holds between that and
the document's `answer` field. The functions are imported from a checkout of that
repository; nothing here re-implements them.

    python3 tests/golden/math_corrected/generate.py --math-src CHECKOUT --assets assets \
        > tests/golden/math_corrected/boxed.jsonl
"""

import argparse
import gzip
import json
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--math-src", type=Path, required=True, help="checkout of github.com/hendrycks/math")
    parser.add_argument("--assets", type=Path, required=True)
    args = parser.parse_args()
    sys.path.insert(0, str(args.math_src / "modeling"))
    sys.path.insert(0, str(args.math_src / "modeling" / "dataset"))
    from math_equivalence import is_equiv  # noqa: E402
    from util import last_boxed_only_string  # noqa: E402

    for subset in ("math_algebra", "math_geometry"):
        path = args.assets / "data" / subset / "requests.jsonl.gz"
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                doc = json.loads(line)["doc"]
                boxed = last_boxed_only_string(doc["solution"])
                prefix = "\\boxed{"
                content = boxed[len(prefix):-1] if boxed and boxed.startswith(prefix) and boxed.endswith("}") else None
                print(json.dumps({
                    "subset": subset,
                    "index": doc["index"],
                    "boxed": content,
                    "answer": doc["answer"],
                    "reference_equiv": bool(is_equiv(content, doc["answer"])),
                }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
