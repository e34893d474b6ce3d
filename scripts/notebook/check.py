"""Checks an executed notebook: no error output, no panic text in any output.

A panicking evcxr cell does not make nbconvert fail (the kernel reports the panic as
text and later cells still run), so the outputs themselves are searched.

Usage: python3 check.py EXECUTED.ipynb   (exit 0: clean; 1: problems, listed)
"""

import json
import sys


def output_text(output):
    parts = []
    if "text" in output:
        parts.append("".join(output["text"]) if isinstance(output["text"], list) else output["text"])
    for value in output.get("data", {}).values():
        parts.append("".join(value) if isinstance(value, list) else str(value))
    if output.get("output_type") == "error":
        parts.append(output.get("ename", "") + ": " + output.get("evalue", ""))
    return "\n".join(parts)


def problems(notebook):
    found = []
    code_cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    for number, cell in enumerate(code_cells, start=1):
        if cell.get("execution_count") is None and cell["source"]:
            found.append(f"code cell {number}: not executed")
        for output in cell.get("outputs", []):
            text = output_text(output)
            if output.get("output_type") == "error":
                found.append(f"code cell {number}: error: {text.strip()[:500]}")
            elif "panicked at" in text:
                found.append(f"code cell {number}: panic: {text.strip()[:500]}")
    return found


def main():
    path = sys.argv[1]
    with open(path, encoding="utf-8") as handle:
        notebook = json.load(handle)
    found = problems(notebook)
    for line in found:
        print(f"{path}: {line}")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
