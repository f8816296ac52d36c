"""The home directory: where one person's keys and store live on disk.

Layout::

    HOME/keys.p2ps      the key file (keyfile.py), mode 0600, encrypted with a passphrase
                        when the user set one
    HOME/store.sqlite   the SQLite store (store/), plus its -wal and -shm files
    HOME/lock           held (flock) by the one process that writes this home
    HOME/p2psocial.log  the application log (logs.py: rotated, with .1 to .3 beside it)
    HOME/control.sock   the control endpoint of the running app or serve (control.py),
                        and control.lock, held by whoever serves it

Default location: the platform's user data directory (platformdirs); ``--home DIR``
on the command line or ``P2PSOCIAL_HOME`` in the environment override it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import IO

import platformdirs

from .errors import HomeError

ENV_VAR = "P2PSOCIAL_HOME"
KEYS = "keys.p2ps"
STORE = "store.sqlite"
LOCK = "lock"
LOG = "p2psocial.log"


def default_home() -> Path:
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("p2psocial", appauthor=False, roaming=True))


class Home:
    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path).expanduser() if path else default_home()
        self._lock_file: IO[str] | None = None

    def __repr__(self) -> str:
        return f"Home({str(self.path)!r})"

    @property
    def keys_path(self) -> Path:
        return self.path / KEYS

    @property
    def store_path(self) -> Path:
        return self.path / STORE

    @property
    def log_path(self) -> Path:
        return self.path / LOG

    def exists(self) -> bool:
        return self.keys_path.exists() and self.store_path.exists()

    def require(self) -> None:
        """Raise a clear ``HomeError`` unless this home holds an account."""
        if not self.path.exists():
            raise HomeError(f"there is no p2psocial home at {self.path}: "
                            "run 'p2psocial init --name NAME' first")
        if not self.exists():
            raise HomeError(f"{self.path} holds no p2psocial account: "
                            "run 'p2psocial init --name NAME' first")

    def create_dir(self) -> None:
        try:
            self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise HomeError(f"cannot create {self.path}: {exc.strerror}") from None

    # --- the writer lock --------------------------------------------------------

    def lock(self) -> None:
        """Become this home's one writer, or raise ``HomeError`` if another has it."""
        if self._lock_file is not None:
            return
        self.create_dir()
        handle = open(self.path / LOCK, "a+")  # noqa: SIM115 - held until unlock()
        try:
            _try_lock(handle)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise HomeError(f"{self.path} is in use by another p2psocial ({holder}); "
                            "close it first") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        self._lock_file = handle

    def unlock(self) -> None:
        if self._lock_file is not None:
            with contextlib.suppress(OSError):
                self._lock_file.truncate(0)
            self._lock_file.close()
            self._lock_file = None

    # --- the key file -----------------------------------------------------------

    def read_keys(self) -> bytes:
        try:
            return self.keys_path.read_bytes()
        except FileNotFoundError:
            raise HomeError(f"{self.path} has no key file: it is not a p2psocial home") from None
        except OSError as exc:
            raise HomeError(f"cannot read {self.keys_path}: {exc.strerror}") from None

    def write_keys(self, data: bytes) -> None:
        """Write the key file atomically, readable by its owner only (mode 0600)."""
        self.create_dir()
        tmp = self.path / (KEYS + ".tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.keys_path)
        if sys.platform != "win32":
            os.chmod(self.keys_path, 0o600)


def hold_lock(path: Path) -> IO[str] | None:
    """An exclusive lock on the file ``path``, held while the returned file is open (the
    system drops it when the process ends, however it ends); None when another process
    holds it."""
    handle = open(path, "a+")  # noqa: SIM115 - the caller keeps it open
    try:
        _try_lock(handle)
    except OSError:
        handle.close()
        return None
    return handle


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
else:
    import fcntl

    def _try_lock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
