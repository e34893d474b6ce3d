# AST subtrees of code, for divcollapse's AST diversity (src/metrics/ast_diversity.rs).
#
# Reads one JSON list of code strings per line on stdin and writes one JSON list per
# line on stdout: per code, null when `ast.parse` fails, "recursion" when walking the
# tree exhausts Python's recursion limit, else the `ast.dump` strings of every node
# whose subtree height is exactly 4 (leaf = 1, node = 1 + highest child; a branch
# deeper than 500 levels is skipped), in walk order. This is the definition of
# methodology section 3.6 (`compute_code_diversity.py`), written with the same
# recursion so that the same trees exhaust the same limit.
import ast
import json
import sys
import warnings

HEIGHT = 4
DEPTH_GUARD = 500


def height(node, depth=0):
    if depth > DEPTH_GUARD:
        return -1
    children = list(ast.iter_child_nodes(node))
    if not children:
        return 1
    heights = [height(child, depth + 1) for child in children]
    if -1 in heights:
        return -1
    return 1 + max(heights)


def subtrees(node, depth=0):
    if depth > DEPTH_GUARD:
        return []
    found = []
    h = height(node)
    if h < 0:
        return []
    if h == HEIGHT:
        found.append(ast.dump(node))
    if h > HEIGHT:
        for child in ast.iter_child_nodes(node):
            found.extend(subtrees(child, depth + 1))
    return found


def one(code):
    try:
        tree = ast.parse(code)
    except Exception:
        return None
    try:
        return subtrees(tree)
    except (RecursionError, MemoryError):
        return "recursion"


def main():
    warnings.simplefilter("ignore")
    sys.stdout.write(json.dumps({"python": sys.version.split()[0]}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        codes = json.loads(line)
        sys.stdout.write(json.dumps([one(code) for code in codes]) + "\n")
        sys.stdout.flush()


main()
