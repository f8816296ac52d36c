"""The layering rule, checked on the source: every import points down the table below,
and no two modules import each other, however indirectly.

Imports inside functions and under ``TYPE_CHECKING`` count: a lazy import still ties
two modules together, it only hides the tie from the reader.

    core < platform < store < node < net < backend < cli, ui

``node`` and ``net`` are siblings rather than a ladder: net talks to the node through
the port it declares (``net/port.py``), which the replication service satisfies, so a
net module never imports ``p2psocial.node``. The back end (``runtime.py``) is where the
two are wired together.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "p2psocial"
QT = ("PySide6", "PyQt5", "PyQt6", "qtpy", "shiboken6")
LOW = ("libp2p", "sqlite3", "sqlite_utils", "trio")

# Top-level modules that are not pure core: the I/O every layer may lean on, and the back
# end that wires node and net for the app and serve. Every other top-level module is core.
PLATFORM = {"home", "control", "settings", "event_hub", "switches"}
BACKEND = {"runtime", "backup", "logs", "accounts", "joining", "device_joining", "takeout"}

# layer -> the layers it may import
ALLOWED: dict[str, set[str]] = {
    "core": {"core"},
    "platform": {"core", "platform"},
    "store": {"core", "platform", "store"},
    "node": {"core", "platform", "store", "node"},
    "net": {"core", "platform", "store", "net"},
    "backend": {"core", "platform", "store", "node", "net", "backend"},
    "cli": {"core", "platform", "store", "node", "net", "backend", "cli"},
    "ui": {"core", "platform", "node", "backend", "ui"},
}
# single modules a layer may reach beyond the table, each with its reason
EXCEPTIONS: dict[str, set[str]] = {
    # plain dataclasses of what queries return: the UI shows them, it never runs SQL
    "ui": {"p2psocial.store.views", "p2psocial.store.communities"},
    # `p2psocial` with no command opens the window
    "cli": {"p2psocial.ui.app"},
}


def _name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package(path: Path) -> list[str]:
    """The package a relative import in ``path`` starts from (for an __init__.py too:
    its own package, which is its directory)."""
    return list(path.relative_to(PKG.parent).parts[:-1])


def modules(sub: str = "") -> list[Path]:
    return sorted((PKG / sub).rglob("*.py"))


def imports(path: Path) -> set[str]:
    """Every name an import statement anywhere in ``path`` reaches, absolute: for
    ``from a.b import c``, both ``a.b`` and ``a.b.c``."""
    return {name for pair in _import_pairs(path) for name in pair if name}


def _import_pairs(path: Path) -> list[tuple[str, str | None]]:
    """(module, name imported from it or None) for every import statement in ``path``."""
    found: list[tuple[str, str | None]] = []
    package = _package(path)
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.extend((module, f"{module}.{alias.name}") for alias in node.names)
    return found


NAMES = {_name(p): p for p in modules()}


def _module_of(name: str) -> str | None:
    """The p2psocial module an imported name lives in (``a.b.C`` -> ``a.b``)."""
    while name and name not in NAMES:
        name = name.rpartition(".")[0]
    return name or None


@functools.cache
def _graph() -> dict[str, frozenset[str]]:
    return {name: frozenset(targets) for name, targets in graph().items()}


def graph() -> dict[str, set[str]]:
    """module -> the p2psocial modules it imports. ``from pkg import mod`` is an edge to
    ``pkg.mod``; ``from pkg import name`` an edge to ``pkg`` (its __init__)."""
    edges = {}
    for name, path in NAMES.items():
        targets = set()
        for module, imported in _import_pairs(path):
            if module.split(".")[0] != "p2psocial":
                continue
            targets.add(imported if imported in NAMES else _module_of(module))
        edges[name] = {t for t in targets if t and t != name and t != "p2psocial"}
    return edges


def layer(module: str) -> str:
    parts = module.split(".")[1:]
    if not parts:
        return "core"
    if parts[0] in ("ui", "cli", "net", "store", "node"):
        return parts[0]
    if parts[0] == "__main__":
        return "cli"
    if parts[0] in PLATFORM:
        return "platform"
    if parts[0] in BACKEND:
        return "backend"
    return "core"


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in edges:
        if start in index:
            continue
        work: list[tuple[str, Iterable[str]]] = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == v:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_every_import_follows_the_layer_table() -> None:
    wrong = sorted(
        f"{source} ({layer(source)}) imports {target} ({layer(target)})"
        for source, targets in _graph().items() for target in targets
        if layer(target) not in ALLOWED[layer(source)]
        and target not in EXCEPTIONS.get(layer(source), ())
    )
    assert wrong == []


def test_no_import_cycles() -> None:
    assert cycles({k: set(v) for k, v in _graph().items()}) == []


def test_the_cycle_finder_finds_cycles() -> None:
    """The check above cannot pass by finding nothing."""
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_table_sees_lazy_and_relative_imports() -> None:
    """Function-level and relative imports are edges too (runtime's lazy imports were
    how a cycle hid)."""
    edges = _graph()
    assert "p2psocial.ui.app" in edges["p2psocial.cli"]  # inside main(): the window first
    assert "p2psocial.node.root" in edges["p2psocial.node"]  # from .root import Node
    assert layer("p2psocial.net.sync") == "net" and layer("p2psocial.codec") == "core"
    assert layer("p2psocial.runtime") == "backend" and layer("p2psocial.ui.app") == "ui"


def test_nothing_below_ui_imports_qt() -> None:
    offenders = {
        str(p.relative_to(PKG)): sorted(i for i in imports(p) if i.split(".")[0] in QT)
        for p in modules() if "ui" not in p.relative_to(PKG).parts
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_ui_never_touches_sql_or_libp2p() -> None:
    """ui/loop.py, the guest-mode bridge between Qt and Trio, is the one ui module that
    may import Trio (and nothing else of LOW)."""
    allowed = {"ui/loop.py": {"trio"}}
    offenders = {}
    for path in modules("ui"):
        name = str(path.relative_to(PKG))
        forbidden = set(LOW) - allowed.get(name, set())
        offenders[name] = sorted(i for i in imports(path) if i.split(".")[0] in forbidden)
    assert {k: v for k, v in offenders.items() if v} == {}


def test_core_is_sans_io() -> None:
    """Every core module (the default for a top-level module) is sans-IO: no Qt, no
    libp2p, SQLite or Trio, no sockets, files, clocks or randomness of its own."""
    forbidden = (*QT, *LOW, "socket", "os", "time", "pathlib", "random", "secrets")
    offenders = {}
    for name, path in NAMES.items():
        if layer(name) != "core":
            continue
        bad = sorted(i for i in imports(path) if i.split(".")[0] in forbidden)
        if bad:
            offenders[name] = bad
    assert offenders == {}


def test_control_endpoint_is_only_sockets_and_the_codec() -> None:
    """control.py runs in the CLI before anything heavy is imported, and in serve."""
    bad = sorted(i for i in imports(PKG / "control.py")
                 if i.split(".")[0] in (*QT, "libp2p", "sqlite3")
                 or i.startswith(("p2psocial.net", "p2psocial.store", "p2psocial.node",
                                  "p2psocial.cli", "p2psocial.ui")))
    assert bad == []
