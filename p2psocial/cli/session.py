"""Opening a home from the command line: passphrases, stdin, and running node calls.

A passphrase comes from, in order: the first line of stdin (``--passphrase-stdin``),
``P2PSOCIAL_PASSPHRASE``, a hidden prompt when stdin is a terminal. Scripts never
hang on a prompt: with no terminal and no passphrase the command fails at once.
The key file says whether a passphrase is needed at all, so a home without one
never asks.
"""

from __future__ import annotations

import functools
import getpass
import io
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TextIO, TypeVar

import trio

from .. import keyfile
from ..errors import PassphraseRequired, UserError
from ..home import Home
from ..identity import Identity
from ..node import Node

PASSPHRASE_ENV = "P2PSOCIAL_PASSPHRASE"
T = TypeVar("T")


def run_async(fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
    """Run one async node call to completion from synchronous code."""
    return trio.run(functools.partial(fn, *args, **kwargs))


class Session:
    def __init__(self, home: Home, passphrase_stdin: bool = False,
                 stdin: TextIO | None = None) -> None:
        self.home = home
        self.passphrase_stdin = passphrase_stdin
        self._stdin = stdin or sys.stdin or io.StringIO()  # no stdin at all: windowed app
        self._first_line: str | None = None

    # --- stdin ------------------------------------------------------------------

    def _passphrase_line(self) -> str:
        """The first line of stdin, read once, without its line ending."""
        if self._first_line is None:
            self._first_line = self._stdin.readline().rstrip("\r\n")
        return self._first_line

    def read_stdin(self) -> str:
        """What stdin holds after the passphrase line (when ``--passphrase-stdin``)."""
        if self.passphrase_stdin:
            self._passphrase_line()
        return self._stdin.read()

    def stdin_is_terminal(self) -> bool:
        try:
            return self._stdin.isatty()
        except (AttributeError, ValueError):
            return False

    # --- passphrases ------------------------------------------------------------

    def passphrase(self, *, prompt: bool = True) -> str | None:
        """The passphrase of an existing key file (None: nobody gave one)."""
        if self.passphrase_stdin:
            return self._passphrase_line()
        env = os.environ.get(PASSPHRASE_ENV)
        if env:
            return env
        if prompt and self.stdin_is_terminal():
            return getpass.getpass("Passphrase: ")
        return None

    def required_passphrase(self) -> str:
        given = self.passphrase()
        if not given:
            raise PassphraseRequired(
                "this home is protected by a passphrase: give it with --passphrase-stdin "
                f"or in {PASSPHRASE_ENV}")
        return given

    def new_passphrase(self) -> str | None:
        """The passphrase for a key file being created (None: keys stored in the clear)."""
        if self.passphrase_stdin:
            line = self._passphrase_line()
            if not line:
                raise UserError("the passphrase on stdin is empty: give one, or leave out "
                                "--passphrase-stdin to store the keys without a passphrase")
            return line
        return os.environ.get(PASSPHRASE_ENV) or None

    # --- opening ----------------------------------------------------------------

    def open_reader(self) -> Node:
        """The home read-only: no passphrase, no lock, works while the app runs."""
        return Node.open(self.home, readonly=True)

    def open_writer(self) -> Node:
        """The home with its keys. Takes the lock before asking for a passphrase, so a
        home in use is refused before anyone types anything."""
        self.home.require()
        self.home.lock()
        try:
            data = self.home.read_keys()
            secret = self.required_passphrase() if keyfile.is_encrypted(data) else None
            return Node.open(self.home, secret)
        except BaseException:
            self.home.unlock()
            raise

    def load_identity(self) -> Identity:
        """The account's keys, read without taking the lock (nothing is written)."""
        self.home.require()
        data = self.home.read_keys()
        secret = self.required_passphrase() if keyfile.is_encrypted(data) else None
        return keyfile.load(data, secret)
