"""net/ sees the node only through its port (net/port.py ``Replica``): a real node
offers every name of the port, and no net module imports p2psocial.node."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from p2psocial.home import Home
from p2psocial.net import port
from p2psocial.node import Node

NET = Path(port.__file__).resolve().parent


def port_names() -> set[str]:
    """Every member of ``Replica``: the methods and properties of the small protocols
    it is made of."""
    names: set[str] = set()
    for cls in port.Replica.__mro__:
        if cls in (object, port.Replica) or not getattr(cls, "_is_protocol", False):
            continue
        if cls.__module__ != port.__name__:
            continue  # typing.Protocol, Generic
        names |= {name for name, value in vars(cls).items()
                  if not name.startswith("_")
                  and (inspect.isfunction(value) or isinstance(value, property))}
    return names


def test_the_port_lists_what_the_network_uses() -> None:
    assert {"identity", "clock", "account_id", "subscribe", "ingest", "log_rows",
            "put_blob", "merge_roster", "update_peer", "invite_token"} <= port_names()


def test_the_replication_service_satisfies_the_port(tmp_path: Path) -> None:
    """What runtime and the command line hand the network is ``node.replication``."""
    with Node.init(Home(tmp_path / "home"), "Alice") as node:
        replica = node.replication
        missing = sorted(name for name in port_names() if not hasattr(replica, name))
        assert missing == []
        for name in port_names():
            wanted = getattr(port.Replica, name)
            if inspect.iscoroutinefunction(wanted):
                assert inspect.iscoroutinefunction(getattr(replica, name)), name


def imported_modules(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports, anywhere in it (also inside
    functions and under TYPE_CHECKING)."""
    package = "p2psocial.net"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_no_net_module_imports_the_node() -> None:
    offenders = {
        path.name: sorted(m for m in imported_modules(path)
                          if m == "p2psocial.node" or m.startswith("p2psocial.node."))
        for path in sorted(NET.rglob("*.py"))
    }
    assert {k: v for k, v in offenders.items() if v} == {}
