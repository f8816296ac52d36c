"""The layering rule, checked on the source: imports point down only.

Core, store/ and net/ never import Qt; ui/ never imports libp2p or SQLite, nor Trio
outside its one bridge (ui/loop.py); the core modules import neither the store, the
network, nor anything that does I/O.
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "p2psocial"
QT = ("PySide6", "PyQt5", "PyQt6", "qtpy", "shiboken6")
LOW = ("libp2p", "sqlite3", "sqlite_utils", "trio")
CORE = ("_bip39_english", "blob_refs", "codec", "content", "crypto", "entry", "envelope",
        "errors", "forks", "identity", "ids", "invite", "keyfile", "phrase", "private", "qr",
        "roster", "timestamps")


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            found.add(base)
            found.update(f"{base}.{alias.name}" if node.module else base + alias.name
                         for alias in node.names)
    return found


def modules(sub: str = "") -> list[Path]:
    return sorted((PKG / sub).rglob("*.py"))


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
    forbidden = (*QT, *LOW, "socket", "os", "time", "pathlib", "random", "secrets")
    offenders = {}
    for name in CORE:
        path = PKG / f"{name}.py"
        if not path.exists():
            continue
        bad = sorted(i for i in imports(path)
                     if i.split(".")[0] in forbidden
                     or any(i.startswith(f".{m}") for m in ("store", "net", "ui", "node", "cli")))
        if bad:
            offenders[name] = bad
    assert offenders == {}


def test_control_endpoint_is_only_sockets_and_the_codec() -> None:
    """control.py runs in the CLI before anything heavy is imported, and in serve."""
    bad = sorted(i for i in imports(PKG / "control.py")
                 if i.split(".")[0] in (*QT, "libp2p", "sqlite3")
                 or i.startswith((".net", ".store", ".node", ".cli", ".ui")))
    assert bad == []
