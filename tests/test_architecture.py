"""The package's layers and their one direction of flow (docs/architecture.md).

Every import in src/analysis (module level and inside functions) is read from the source. A module may
import only from its own layer or the layers before it; the import graph has no cycles; matplotlib's
pyplot appears only in plots/. The layers, bottom to top:

    base (errors, paths, atomic, constants, provenance) -> data -> models -> policy -> results -> words
    -> plots -> run
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from analysis import paths

LAYERS = ["base", "data", "models", "policy", "results", "words", "plots", "run"]
RANK = {"base": 0, "data": 1, "models": 2, "policy": 3, "results": 4, "words": 5, "plots": 6, "run": 7}
BASE = {"errors", "paths", "atomic", "constants", "processes", "provenance", "__init__", "__main__"}


def layer_of(module: str) -> str:
    """'analysis.data.io' -> 'data'; 'analysis.paths' -> 'base'."""
    parts = module.split(".")
    if len(parts) == 1:
        return "base"
    head = parts[1]
    if head in BASE:
        return "run" if head == "__main__" else "base"
    return head


def modules() -> dict[str, Path]:
    root = paths.PACKAGE
    out = {}
    for path in root.rglob("*.py"):
        rel = path.relative_to(root.parent).with_suffix("")
        name = ".".join(rel.parts)
        out[name.removesuffix(".__init__")] = path
    return out


def imports_of(name: str, path: Path) -> list[tuple[str, int]]:
    """Absolute names of the analysis modules ``name`` imports (resolving relative imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.startswith("analysis")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("analysis"):
                continue
            known = modules()
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.append((candidate if candidate in known else target, node.lineno))
    return found


ALL = modules()


@pytest.mark.parametrize("name", sorted(ALL))
def test_imports_go_down_the_layers_only(name):
    mine = RANK[layer_of(name)]
    for target, line in imports_of(name, ALL[name]):
        theirs = RANK[layer_of(target)]
        assert theirs <= mine, (f"{name} (layer {layer_of(name)}) imports {target} (layer {layer_of(target)}) "
                                f"at line {line}: upward import")


def test_no_import_cycles():
    graph = {name: {t for t, _ in imports_of(name, path) if t in ALL and t != name} for name, path in ALL.items()}
    graph = {k: {t for t in v if not k.startswith(t + ".")} for k, v in graph.items()}  # a package's own __init__
    state: dict[str, int] = {}

    def visit(node, stack):
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


def test_pyplot_only_in_plots():
    for name, path in ALL.items():
        if layer_of(name) == "plots":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [f"{node.module}.{a.name}" for a in node.names] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.startswith("matplotlib.pyplot") for n in names), f"{name} draws: move it to plots/"


def test_the_checker_sees_an_upward_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from analysis.run import render\n")
    assert imports_of("analysis.data.bad", bad) == [("analysis.run.render", 1)]
    assert RANK[layer_of("analysis.run.render")] > RANK[layer_of("analysis.data.bad")]
