"""Where log records go: the terminal for what a person needs, the home's log file for
the rest.

Why. py-libp2p logs a failed dial as an ERROR ("Failed to open TCP stream: ..."), a
peer that hangs up during multistream-select as another, and so on: a peer that is
merely offline filled the terminal of the desktop app (and of ``serve``) with lines
that read as faults and that nobody can act on. They are worth keeping for whoever
looks into a problem, so they go to ``HOME/p2psocial.log``, never to the terminal.

What goes where, for ``p2psocial`` (the desktop app) and ``p2psocial serve``:

- ``HOME/p2psocial.log``: our own records from INFO, py-libp2p's from WARNING, with a
  time and the logger's name. It rotates at ``LOG_BYTES`` and keeps ``LOG_BACKUPS`` old
  files, so the log of a box that runs for months stays bounded; py-libp2p's records
  are also capped at ``LIBP2P_BURST`` a minute (a stranger can make it log on every
  connection it opens), with a count of the ones left out.
- the terminal (stderr): our own records from ``terminal_level`` (WARNING for the app,
  INFO for ``serve``, whose log lines are its output); py-libp2p's never, unless ``-v``.

``setup(home_dir, ...)`` configures the ``p2psocial`` logger; ``route_libp2p()`` then
attaches the file to py-libp2p's logger, and must run *after* ``import libp2p``, which
clears that logger's handlers (docs/libp2p-notes.md, "Logging"). Logging is
process-wide in Python; this module keeps the one file handler it made so that the
second call can find it.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import time
from pathlib import Path

from .home import LOG

LOG_BYTES = 1024 * 1024
LOG_BACKUPS = 3  # at most 4 MiB of log in the home
LIBP2P_BURST = 60  # py-libp2p records written per minute, at most
FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_file: logging.Handler | None = None  # the home's log, once setup() made it
_terminal: logging.Handler | None = None  # stderr, with -v only: libp2p's records too


class _Burst(logging.Filter):
    """At most ``limit`` records from loggers under ``prefix`` per ``window`` seconds;
    the first record let through after a window that dropped some says how many."""

    def __init__(self, prefix: str, limit: int, window: float = 60.0) -> None:
        super().__init__()
        self.prefix, self.limit, self.window = prefix, limit, window
        self.start = 0.0
        self.count = 0
        self.dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(self.prefix):
            return True
        now = time.monotonic()
        if now - self.start >= self.window:
            self.start, self.count = now, 0
        self.count += 1
        if self.count > self.limit:
            self.dropped += 1
            return False
        if self.dropped:
            record.msg = f"{record.msg} ({self.dropped} more {self.prefix} lines left out)"
            self.dropped = 0
        return True


def log_file(home_dir: Path) -> logging.Handler:
    """A rotating handler on ``HOME/p2psocial.log`` (the file is made at the first record)."""
    handler = logging.handlers.RotatingFileHandler(
        home_dir / LOG, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8",
        delay=True)
    handler.setFormatter(logging.Formatter(FILE_FORMAT))
    handler.addFilter(_Burst("libp2p", LIBP2P_BURST))
    return handler


def setup(home_dir: Path, *, terminal_level: int = logging.WARNING,
          terminal_format: str = "p2psocial: %(message)s", verbose: bool = False) -> None:
    """Our loggers to the home's log file (from INFO) and to stderr (from
    ``terminal_level``); py-libp2p's follow with ``route_libp2p``. ``verbose`` (``-v``):
    our INFO on the terminal too, and py-libp2p's warnings."""
    global _file, _terminal
    home_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    _file = log_file(home_dir)
    terminal = logging.StreamHandler(sys.stderr)
    terminal.setFormatter(logging.Formatter(terminal_format))
    terminal.setLevel(min(terminal_level, logging.INFO) if verbose else terminal_level)
    ours = logging.getLogger("p2psocial")
    for handler in list(ours.handlers):  # a second setup in one process replaces the first
        ours.removeHandler(handler)
    ours.addHandler(_file)
    ours.addHandler(terminal)
    ours.setLevel(logging.INFO)
    ours.propagate = False  # -v may have given the root logger a handler too
    _terminal = terminal if verbose else None


def route_libp2p() -> None:
    """py-libp2p's records from WARNING to the home's log (and with ``-v`` to stderr);
    nothing when ``setup`` was not called (tests: pytest captures them). Call it after
    ``import libp2p``."""
    if _file is None:
        return
    from .net.host import attach_log_handler

    attach_log_handler(_file, logging.WARNING, drop_expected=False)
    if _terminal is not None:
        attach_log_handler(_terminal, logging.WARNING)
