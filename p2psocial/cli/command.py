"""What every subcommand is made of: the registry (``@command``), printing a result
(``show``), the ids and files a person types, and running a write action.

The commands live in commands.py and online.py; both register here, so neither
imports the other for it and dispatch finds them all by name.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Iterable

from .. import ids
from ..store.views import Cursor
from . import render as r
from . import writes
from .session import Session

Handler = Callable[[argparse.Namespace, Session], int]
COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = fn
        return fn
    return register


def show(args: argparse.Namespace, doc: object, lines: Iterable[str]) -> None:
    print(r.dumps(doc) if args.json else "\n".join(lines))


def account_arg(text: str) -> bytes:
    return ids.decode(ids.ACCOUNT, text)


def entry_arg(text: str) -> bytes:
    return ids.decode(ids.ENTRY, text)


def cursor_arg(text: str | None) -> Cursor | None:
    return Cursor.from_text(text) if text else None  # the parser checked its form


def text_arg(text: str, session: Session) -> str:
    """The text itself, or stdin for '-' (after the passphrase line, if any)."""
    return session.read_stdin().rstrip() if text == "-" else text


def group_arg(text: str) -> bytes:
    return ids.decode(ids.GROUP, text)


def run_write(args: argparse.Namespace, s: Session, name: str, *values: object) -> int:
    """Run a write action here, or at a running serve of this home (writes.py)."""
    outcome = writes.perform(s, name, values)
    show(args, outcome.doc, outcome.lines)
    return 0


def log_to_stderr(level: int, libp2p_level: int) -> logging.Handler:
    """The log records of a command that goes online (serve, sync, community), on stderr."""
    from ..net.host import attach_log_handler  # imports libp2p (slow): only when needed

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    attach_log_handler(handler, libp2p_level)
    app = logging.getLogger("p2psocial")
    app.addHandler(handler)
    app.setLevel(level)
    app.propagate = False  # -v may have given the root logger a handler too
    return handler
