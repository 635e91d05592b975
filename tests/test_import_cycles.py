"""The house has no import loops, and the warehouse room leans on nothing above it.

The test reads the project's own packages (cli, ingestion, orchestration, reporting, schemas,
warehouse) with ``ast`` (nothing is imported), builds the graph "module A imports module B", and
fails naming every strongly connected component (Tarjan's algorithm) of more than one module.

What counts as an edge, and why:

- Module-level imports (including those under ``if TYPE_CHECKING:`` or ``try:``) are edges: they
  run, or are read by the type checker, whenever the module is.
- Function-level imports are edges too, but they are reported apart. A deferred import is the
  usual way a loop is hidden rather than removed: every loop the issue named (demo_data <->
  demo_restricted, definitions <-> lineage, publish <-> resources, registry <-> the feeds) was
  closed by an ``import`` inside a function, so a module-level-only graph would pass while the
  design still goes round in circles. A deferred import that closes no loop (a lazy import of a
  heavy module, say) is fine and is not reported. Each cycle says which of its edges are deferred.
- ``from package import name`` is an edge to ``package.name`` when that is a module of ours, else to
  ``package`` (its ``__init__``). Importing a submodule is not counted as an edge to the parent
  packages: Python runs a package's ``__init__`` before any of its submodules anyway, and a package
  that re-exports its own submodules is not a loop of design.
- ``importlib.import_module`` and other dynamic imports are not seen (the project has none).

The layering rule: ``warehouse`` (where things live, the DuckDB file, the statistics) sits below
the rooms that fill it and read it, so it imports nothing from ingestion, orchestration or
reporting, at module level or inside a function; and ``cli`` (the ``csw`` commands) sits on top of
every room, so no room imports it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("cli", "ingestion", "orchestration", "reporting", "schemas", "warehouse")
# room -> rooms it must not import
LAYERS = {
    "warehouse": ("cli", "ingestion", "orchestration", "reporting"),
    # the command line sits on top: the rooms it drives never import it
    **{room: ("cli",) for room in ("ingestion", "orchestration", "reporting", "schemas")},
}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int
    deferred: bool  # the import sits inside a function


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in sorted((REPO / pkg).rglob("*.py"))}


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The project module `name` refers to: itself, or its nearest enclosing project module."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _targets(node: ast.Import | ast.ImportFrom, importer: str, is_package: bool,
             modules: dict[str, Path]) -> list[str]:
    if isinstance(node, ast.Import):
        return [t for alias in node.names if (t := _resolve(alias.name, modules))]
    base = node.module or ""
    if node.level:  # relative: from the importer's package, up level - 1 packages
        package = importer if is_package else importer.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{base}" if base else package
    names = [f"{base}.{alias.name}" for alias in node.names]
    found = [n for n in names if n in modules]  # `from package import submodule`
    if len(found) < len(names) and (t := _resolve(base, modules)):
        found.append(t)  # names defined in the module (or package __init__) itself
    return found


def _imports(tree: ast.AST) -> list[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement with whether it sits inside a function (or a lambda)."""
    found: list[tuple[ast.Import | ast.ImportFrom, bool]] = []

    def visit(node: ast.AST, deferred: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found.append((child, deferred))
            inner = deferred or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            visit(child, inner)

    visit(tree, False)
    return found


def import_edges() -> list[Edge]:
    modules = project_modules()
    edges = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node, deferred in _imports(tree):
            for target in _targets(node, name, path.name == "__init__.py", modules):
                if target != name:
                    edges.append(Edge(name, target, node.lineno, deferred))
    return edges


def strongly_connected(nodes: set[str], graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative): the components of more than one module, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(sorted(component))
    return sorted(components)


def import_cycles(edges: list[Edge]) -> list[str]:
    """One line per cycle: its modules and the imports inside it, deferred ones marked."""
    graph: dict[str, set[str]] = defaultdict(set)
    nodes: set[str] = set()
    for e in edges:
        graph[e.source].add(e.target)
        nodes |= {e.source, e.target}
    described = []
    for component in strongly_connected(nodes, graph):
        members = set(component)
        inside = sorted({(e.source, e.target, e.line, e.deferred) for e in edges
                         if e.source in members and e.target in members})
        only_deferred = not strongly_connected(members, _graph([e for e in edges if not e.deferred
                                                               and e.source in members and e.target in members]))
        kind = "closed only by function-level imports" if only_deferred else "module-level"
        arrows = "; ".join(f"{s}:{line} -> {t}{' (in a function)' if d else ''}" for s, t, line, d in inside)
        described.append(f"cycle ({kind}) {' <-> '.join(component)}: {arrows}")
    return described


def _graph(edges: list[Edge]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        graph[e.source].add(e.target)
    return graph


def layering_breaches(edges: list[Edge]) -> list[str]:
    breaches = []
    for e in edges:
        room, target_room = e.source.split(".")[0], e.target.split(".")[0]
        if target_room in LAYERS.get(room, ()):
            breaches.append(f"{e.source}:{e.line} imports {e.target}"
                            f"{' (in a function)' if e.deferred else ''}: {room} must not import {target_room}")
    return sorted(breaches)


def test_the_walker_sees_the_project() -> None:
    """Guards the guard: the graph is not empty and resolves `from package import module`."""
    edges = import_edges()
    assert len(project_modules()) > 50
    pairs = {(e.source, e.target) for e in edges}
    assert ("orchestration.definitions", "orchestration.dbt_assets") in pairs
    assert ("ingestion.feeds.stats19_casualty", "ingestion.feeds.stats19_common") in pairs


def test_tarjan_finds_a_planted_cycle() -> None:
    edges = [Edge("a", "b", 1, False), Edge("b", "c", 1, True), Edge("c", "a", 1, False), Edge("c", "d", 1, False)]
    (cycle,) = import_cycles(edges)
    assert cycle.startswith("cycle (closed only by function-level imports) a <-> b <-> c")


def test_no_import_cycles() -> None:
    cycles = import_cycles(import_edges())
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_rooms_import_nothing_from_the_rooms_above_them() -> None:
    breaches = layering_breaches(import_edges())
    assert not breaches, "layering breaches:\n" + "\n".join(breaches)
