"""The package's layers point one way: no import cycle between subpackages, outputs never read.

The graph is built from the source (every ``import`` that runs, including imports inside
functions; imports under ``if TYPE_CHECKING:`` are annotations only and do not count). Nodes are
the top-level modules and subpackages of ``gidr_xl`` (``gidr_xl.reader``, ``gidr_xl.findings`` …).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import gidr_xl

PACKAGE = Path(gidr_xl.__file__).parent


def _node(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _runtime_imports(tree: ast.AST) -> list[str]:
    """Modules imported by statements that execute (not those under ``if TYPE_CHECKING``)."""
    out: list[str] = []

    def visit(node: ast.AST) -> None:
        if (
            isinstance(node, ast.If)
            and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING"
        ):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append(node.module)
            out.extend(f"{node.module}.{a.name}" for a in node.names if node.module == "gidr_xl")
        elif isinstance(node, ast.Import):
            out.extend(a.name for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return [m for m in out if m == "gidr_xl" or m.startswith("gidr_xl.")]


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for target in _runtime_imports(tree):
            source, dest = _node(module), _node(target)
            if source != dest and not (dest == "gidr_xl" and target != "gidr_xl"):
                graph[source].add(dest)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path (first node repeated at the end), or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_between_subpackages() -> None:
    graph = import_graph()
    assert "gidr_xl.spec" in graph and "gidr_xl.rules" in graph["gidr_xl.spec"]  # the graph is real
    assert find_cycle(graph) is None, " → ".join(find_cycle(graph) or [])


def test_layers() -> None:
    graph = import_graph()
    assert "gidr_xl.reader" not in graph["gidr_xl.outputs"], "outputs/ must not read workbooks"
    assert graph["gidr_xl.report"] <= {"gidr_xl.findings", "gidr_xl.model", "gidr_xl.spec", "gidr_xl.values"}
    assert graph["gidr_xl.findings"] <= {"gidr_xl.model", "gidr_xl.values"}
    assert graph["gidr_xl.rules"] <= {"gidr_xl.addresses", "gidr_xl.model", "gidr_xl.values"}


def test_no_module_level_cache_keyed_on_a_spec_hash() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}:{n}"
        for path in PACKAGE.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "sha256]" in line or "sha256 in " in line or "sha256 not in" in line
    ]
    assert offenders == []
