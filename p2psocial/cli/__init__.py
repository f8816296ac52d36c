"""The ``p2psocial`` command: the desktop app by default, scripting commands otherwise.

Theory of operation. ``main`` parses the command line (parser.py, which imports
nothing heavy, so ``--help`` is instant), then imports commands.py, which opens the
home through the node and prints with render.py. Every failure ends here and becomes
one line on stderr: a ``UserError`` or ``InvalidEntry`` says its own message (exit
1), a ``UsageError`` is a misused option (exit 2), Ctrl-C exits 130 silently, and
anything else is a bug: one line that names the log file, whose traceback is
appended to ``HOME/p2psocial.log`` (or shown on stderr with ``-v`` when there is no
home to log into).
"""

from __future__ import annotations

import datetime
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import InvalidEntry, UserError, sentence
from .parser import PROG, UsageError, build_parser

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # usage errors exit 2 from argparse itself
    _tolerant_output()
    if args.verbose:
        import logging

        logging.basicConfig(level=logging.INFO, format=f"{PROG}: %(name)s: %(message)s")
    home_path = Path(args.home).expanduser() if args.home else None
    try:
        if (args.command or "gui") == "gui":
            from ..ui import app  # the window first; the node is imported once it is painted

            return app.run(home_path, verbose=args.verbose, actions=app_actions)
        from .commands import dispatch  # imports the node (SQLite, Trio, Pillow): after parsing

        return dispatch(args, home_path)
    except BaseException as exc:  # every way out becomes one line (or none, for Ctrl-C)
        leaf = _leaf(exc)
        if isinstance(leaf, KeyboardInterrupt):
            return 130
        if isinstance(leaf, SystemExit):
            raise
        if isinstance(leaf, UsageError):
            _say(sentence(str(leaf)))
            return 2
        if isinstance(leaf, (UserError, InvalidEntry)):
            _say(sentence(str(leaf)))
            return 1
        if _disk_full(leaf):
            _say("The disk is full: free some space and try again (nothing stored was lost)")
            return 1
        if isinstance(leaf, BrokenPipeError):
            _silence_stdout()
            return 1
        _internal_error(leaf, home_path, args.verbose, argv)
        return 1


async def app_actions(backend: Any, command: str, args: tuple) -> Any:
    """A write request the open app runs for the command line (runtime.Endpoint); the
    actions are imported only when one comes, not before the window shows."""
    from . import (
        blocklists,  # noqa: F401  (private blocks, blocklists: issue 17)
        devices,  # noqa: F401  (its actions register on import, as writes' do)
        moderation,  # noqa: F401  (community moderation, report: issue 17)
        mutes,  # noqa: F401
        storage,  # noqa: F401  (storage: issue 17)
    )
    from .writes import run_action

    return await run_action(backend, command, args)


def _disk_full(exc: BaseException) -> bool:
    import errno
    import sqlite3

    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    return isinstance(exc, sqlite3.OperationalError) and "disk is full" in str(exc)


def _leaf(exc: BaseException) -> BaseException:
    """The one exception inside (nested) single-member exception groups, as Trio makes."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


def _say(message: str) -> None:
    print(f"{PROG}: {' '.join(message.split())}", file=sys.stderr)


def _internal_error(exc: BaseException, home_path: Path | None, verbose: bool,
                    argv: Sequence[str] | None) -> None:
    details = "".join(traceback.format_exception(exc))
    summary = f"Internal error: {type(exc).__name__}: {exc}"
    log = _log_path(home_path)
    if log is not None:
        try:
            stamp = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
            command = " ".join(sys.argv[:1] + list(argv if argv is not None else sys.argv[1:]))
            with log.open("a", encoding="utf-8") as handle:
                handle.write(f"--- {stamp} {command}\n{details}")
        except OSError:
            log = None
    if log is not None:
        _say(f"{summary} (details in {log})")
    else:
        _say(f"{summary} (run with -v for details)" if not verbose else summary)
    if verbose:
        sys.stderr.write(details)


def _log_path(home_path: Path | None) -> Path | None:
    """The home's log file, only when the home directory exists (never create one)."""
    from ..home import Home

    home = Home(home_path)
    return home.log_path if home.path.is_dir() else None


def _tolerant_output() -> None:
    """Characters the terminal cannot show become '?' instead of an encoding error."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


def _silence_stdout() -> None:
    """After the reader of our output went away, flushing at exit must not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
