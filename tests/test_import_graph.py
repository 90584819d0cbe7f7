"""No import cycles among crsreport modules: a cycle makes import order matter, forces lazy
imports and hides which module owns what.

Every import counts, at module level and inside functions (a function-level import is a
cycle deferred, not removed); only imports under ``if TYPE_CHECKING:`` are skipped, since
they never run. Importing ``crsreport.a.b`` also runs the package ``crsreport.a``, so that
is an edge too, unless the importer lives inside that package (it is already running).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "crsreport"

Graph = dict[str, set[str]]

# Imports that close a cycle and live in files being rewritten on another branch (the
# document tree: resolve.py, tree.py, prose.py, citations/cite.py, ...). Each is an edge
# (importer, imported) left out of the check; remove the entry when the import goes.
# An entry that no longer closes a cycle fails the test, so the list only shrinks.
KNOWN_CYCLE_EDGES: dict[tuple[str, str], str] = {}


def module_name(path: Path, root: Path, package: str) -> str:
    """``crsreport.citations.cite`` for ``root/citations/cite.py``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module an ``import from`` statement names."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join([*base, node.module] if node.module else base)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: all but those under ``if TYPE_CHECKING:``."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))


def imports_of(path: Path, module: str, known: set[str]) -> set[str]:
    """The known modules that ``path`` (module ``module``) imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    named: set[str] = set()
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
            continue
        target = _resolve(node, module, is_package)
        for alias in node.names:  # a submodule, else a name the target module defines
            sub = f"{target}.{alias.name}"
            named.add(sub if sub in known else target)
    run_first = {p for name in named for p in _packages(name)} - set(_packages(module))
    return (named | run_first) & known


def _packages(name: str) -> list[str]:
    """The packages importing ``name`` runs first: ``a`` and ``a.b`` for ``a.b.c``."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def module_graph(root: Path = SRC, package: str = "crsreport") -> Graph:
    """Module → the package modules it imports, for every ``.py`` file under ``root``."""
    files = {module_name(p, root, package): p for p in sorted(root.rglob("*.py"))}
    known = set(files)
    graph = {m: imports_of(p, m, known) - {m} for m, p in files.items()}
    return graph


def strongly_connected(graph: Graph) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def example_cycle(graph: Graph, component: list[str]) -> list[str]:
    """One shortest import path from the component's first module back to itself."""
    start, members = component[0], set(component)
    paths = {start: [start]}
    queue = [start]
    for node in queue:
        for nxt in sorted(graph[node] & members):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    return component


def cycles(graph: Graph) -> list[str]:
    """Each import cycle as ``a -> b -> a`` (one line per strongly connected group)."""
    return [" -> ".join(example_cycle(graph, c)) for c in strongly_connected(graph)]


def without(graph: Graph, edges: dict[tuple[str, str], str]) -> Graph:
    """``graph`` less ``edges``."""
    return {m: {t for t in targets if (m, t) not in edges} for m, targets in graph.items()}


def test_crsreport_has_no_import_cycles():
    found = cycles(without(module_graph(), KNOWN_CYCLE_EDGES))
    assert not found, "import cycles (break each one):\n" + "\n".join(found)


def test_every_known_cycle_edge_still_closes_a_cycle():
    """The allowlist only shrinks: an import that went, or no longer cycles, is removed."""
    graph = module_graph()
    stale = []
    for edge in KNOWN_CYCLE_EDGES:
        importer, imported = edge
        others = without(graph, {e: "" for e in KNOWN_CYCLE_EDGES if e != edge})
        in_cycle = any({importer, imported} <= set(c) for c in strongly_connected(others))
        if imported not in graph.get(importer, set()) or not in_cycle:
            stale.append(f"{importer} -> {imported}")
    assert not stale, "remove from KNOWN_CYCLE_EDGES:\n" + "\n".join(stale)


def private_imports(root: Path = SRC, package: str = "crsreport") -> list[str]:
    """``from x import _name`` of another package module's private name, as ``file:line``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        module = module_name(path, root, package)
        for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            target = _resolve(node, module, path.name == "__init__.py")
            names = [a.name for a in node.names]
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if target.split(".")[0] == package and private:
                found.append(f"{path.relative_to(root)}:{node.lineno}: {', '.join(private)}")
    return found


def test_no_module_imports_another_modules_private_names():
    """What modules share gets a public name, so the owner may change its privates freely."""
    found = private_imports()
    assert not found, "private names imported (give them a public name):\n" + "\n".join(found)


def test_private_import_check_sees_a_function_level_one(tmp_path):
    root = _write(
        tmp_path / "pkg",
        {"__init__.py": "", "a.py": "_x = 1\n", "b.py": "def f():\n    from .a import _x\n"},
    )
    assert private_imports(root, "pkg") == ["b.py:2: _x"]


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_checker_finds_a_cycle_through_a_function_level_import(tmp_path):
    root = _write(
        tmp_path / "pkg",
        {
            "__init__.py": "",
            "a.py": "from .b import thing\n",
            "b.py": "def thing():\n    from . import a\n    return a\n",
            "c.py": "from .a import thing\n",
        },
    )
    graph = module_graph(root, "pkg")
    assert cycles(graph) == ["pkg.a -> pkg.b -> pkg.a"]


def test_checker_follows_packages_and_skips_type_checking_imports(tmp_path):
    root = _write(
        tmp_path / "pkg",
        {
            "__init__.py": "from .sub import leaf\n",
            "sub/__init__.py": "from . import leaf\n",
            "sub/leaf.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from ..top import T\nelse:\n    import os\n",
            "top.py": "import pkg.sub.leaf\n",
            "back.py": "from .sub.leaf import x\n",
            "user.py": "from .back import y\nfrom . import top\n",
            "sub/down.py": "from ..user import z\n",
        },
    )
    graph = module_graph(root, "pkg")
    assert graph["pkg"] == {"pkg.sub", "pkg.sub.leaf"}
    assert graph["pkg.sub"] == {"pkg.sub.leaf"}
    assert graph["pkg.sub.leaf"] == set()  # TYPE_CHECKING only
    assert graph["pkg.top"] == {"pkg.sub", "pkg.sub.leaf"}
    assert graph["pkg.sub.down"] == {"pkg.user"}  # its own package is already running
    assert cycles(graph) == []
    graph["pkg.sub.leaf"].add("pkg.sub.down")  # leaf -> down -> user -> back -> leaf
    assert cycles(graph) == ["pkg.back -> pkg.sub.leaf -> pkg.sub.down -> pkg.user -> pkg.back"]
