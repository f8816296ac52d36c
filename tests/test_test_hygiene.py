"""How the tests hold together, checked on their source: each test module stands alone
(what several share lives in a kit: clikit, netkit, uikit, waitkit, homes, ...), a
broken import of p2psocial fails instead of hiding behind a skip, and the slow tier is
set in one place (SLOW in tests/conftest.py)."""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).parent
BENCH = TESTS.parent / "bench"  # the benchmarks reuse kits too, never test modules
SKIPS = {"skip", "skipif", "importorskip", "xfail"}
# a reason that names a module of ours: "p2psocial.backup", "p2psocial/ui/icons.py",
# "ui/icons.py is not written yet"
OURS = re.compile(r"p2psocial[./]|\b\w+/\w+\.py\b|not written")


def sources(*also: Path) -> Iterator[tuple[str, ast.Module]]:
    """Every module under tests/ (and under the folders ``also``), parsed."""
    for folder in (TESTS, *also):
        yield from _parsed(folder)


@functools.cache
def _parsed(folder: Path) -> tuple[tuple[str, ast.Module], ...]:
    """Parsed once per run: four checks walk the same ~200 files."""
    return tuple((str(path.relative_to(TESTS.parent)).removeprefix("tests/"),
                  ast.parse(path.read_text(), str(path)))
                 for path in sorted(folder.rglob("*.py")) if "corpus" not in path.parts)


def imported_modules(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.module:
                yield node.lineno, node.module
            if node.level or node.module == "tests":  # from . import test_x
                yield from ((node.lineno, a.name) for a in node.names)


def test_no_test_module_imports_another() -> None:
    found = [f"{name}:{line} imports {module}" for name, tree in sources(BENCH)
             for line, module in imported_modules(tree)
             if module.rsplit(".", 1)[-1].startswith("test_")]
    assert found == []


def skip_calls(tree: ast.Module) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in SKIPS:
                yield node


def test_no_skip_names_a_module_of_ours() -> None:
    found = []
    for name, tree in sources():
        for call in skip_calls(tree):
            texts = [a.value for a in [*call.args, *(k.value for k in call.keywords)]
                     if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            texts += [v.value for a in call.args if isinstance(a, ast.JoinedStr)
                      for v in a.values if isinstance(v, ast.Constant)]
            if any(OURS.search(t) for t in texts):
                found.append(f"{name}:{call.lineno}: {texts}")
    assert found == []


def catches_import_errors(node: ast.AST) -> bool:
    return isinstance(node, ast.ExceptHandler) and node.type is not None and any(
        isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError")
        for n in ast.walk(node.type))


def test_no_import_error_is_turned_into_a_skip() -> None:
    found = [f"{name}:{node.lineno}" for name, tree in sources() for node in ast.walk(tree)
             if catches_import_errors(node) and any(
                 True for _ in skip_calls(ast.Module(body=node.body, type_ignores=[])))]
    assert found == []


def test_the_slow_tier_is_marked_only_in_conftest() -> None:
    found = [f"{name}:{node.lineno}" for name, tree in sources() if name != "conftest.py"
             for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and node.attr == "slow"
             and isinstance(node.value, ast.Attribute) and node.value.attr == "mark"]
    assert found == []
