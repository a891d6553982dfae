"""Count the bad inputs the test tables feed to each module and role; print the count per owner and the total.

A table is a parametrized test function whose name says it refuses bad input (test_bad_input..., test_option_errors,
test_impossible_options...). Its cases are counted from the source, without running anything: a list literal in the
decorator, or a module-level list (or a sum of lists) it names. The owner is, in this order: for
test_bad_inputs_for_roles, the role each case names first; the part after `test_bad_inputs_for_` in the function
name; the test directory under tests/unit/plugins/modules/ (except bad_inputs/); else the file name without `test_`.

    .venv/bin/python scripts/count_bad_inputs.py [--markdown]
"""

from __future__ import annotations

import ast
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE_FUNCTION = re.compile(r"^test_(bad_input|option_errors|impossible_options)")
SEARCHED = ("tests/unit", "tests/e2e")


def _length(node, names):
    """Number of cases in a parametrize argvalues node, or None when it cannot be told from the source."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return len(node.elts)
    if isinstance(node, ast.Name) and node.id in names:
        return _length(names[node.id], names)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _length(node.left, names), _length(node.right, names)
        return None if left is None or right is None else left + right
    return None


def _owner(path, function):
    match = re.match(r"^test_bad_inputs_for_(\w+)$", function)
    if match:
        return match.group(1)
    parts = os.path.relpath(path, ROOT).split(os.sep)
    if parts[:4] == ["tests", "unit", "plugins", "modules"] and len(parts) > 5 and parts[4] != "bad_inputs":
        return parts[4]
    return re.sub(r"^test_", "", os.path.splitext(parts[-1])[0])


def _role_cases(node, names):
    """Role tables list (role, variables, words): one owner per case, `role <name>`."""
    while isinstance(node, ast.Name) and node.id in names:
        node = names[node.id]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _role_cases(node.left, names) + _role_cases(node.right, names)
    if isinstance(node, ast.List):
        return [
            "role " + e.elts[0].value
            for e in node.elts
            if isinstance(e, ast.Tuple) and isinstance(e.elts[0], ast.Constant)
        ]
    return []


def tables(path):
    """[(owner, function, count)] of the tables in one test file."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    names = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            names[node.targets[0].id] = node.value
    found = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or not TABLE_FUNCTION.match(node.name):
            continue
        for decorator in node.decorator_list:
            if not (isinstance(decorator, ast.Call) and getattr(decorator.func, "attr", "") == "parametrize"):
                continue
            if len(decorator.args) < 2:
                continue
            if node.name == "test_bad_inputs_for_roles":
                found.extend((owner, node.name, 1) for owner in _role_cases(decorator.args[1], names))
                continue
            count = _length(decorator.args[1], names)
            if count is None:
                sys.stderr.write("%s: %s: cases not countable from the source, left out\n" % (path, node.name))
                continue
            found.append((_owner(path, node.name), node.name, count))
    return found


def main(argv):
    per_owner = {}
    for top in SEARCHED:
        for base, _dirs, files in os.walk(os.path.join(ROOT, top)):
            for name in sorted(files):
                if name.startswith("test_") and name.endswith(".py"):
                    for owner, _function, count in tables(os.path.join(base, name)):
                        per_owner[owner] = per_owner.get(owner, 0) + count
    width = max([len(o) for o in per_owner] + [5])
    markdown = "--markdown" in argv
    if markdown:
        print("| module or role | bad inputs |\n|---|---:|")
    rows = [(owner, per_owner[owner]) for owner in sorted(per_owner)]
    rows.append(("**total**" if markdown else "total", sum(per_owner.values())))
    for owner, count in rows:
        if markdown:
            print("| %s | %d |" % (owner, count))
        else:
            print("%s %4d" % (owner.ljust(width), count))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
