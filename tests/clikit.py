"""The ``p2psocial`` command as the tests run it: real subprocesses on temporary homes.

    ok(home, "init", "--name", "Alice")            # stdout; exit 0 and nothing on stderr
    doc = js(home, "feed")                         # the same with --json, parsed
    why = fails(home, "follow", "nonsense")        # the one-line message of a clean failure
    proc, code = start_serve(home)                 # a running serve and its invite code
    stop(proc)                                     # SIGTERM, a clean exit, its stderr

Every command runs in ``cli_env()``: this checkout first on the path, no home or
passphrase inherited from the caller, bytecode cached outside the tree. Serves listen on
127.0.0.1 only, with LAN discovery off unless a test gives a DNS-SD type of its own.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from p2psocial import ids
from p2psocial.store import PostView, Store
from tests.helpers import make_identity
from tests.waitkit import poll

ROOT = Path(__file__).resolve().parent.parent
POLL_FOR = 15.0  # seconds: how long a read-only command is asked again, at most


def cli_env(**extra: str) -> dict[str, str]:
    """The environment of a CLI subprocess (``extra`` added)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("P2PSOCIAL_HOME", "P2PSOCIAL_PASSPHRASE", "PYTHONDONTWRITEBYTECODE")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONIOENCODING"] = "utf-8"
    # Compiling every module from source would double the cost of each subprocess;
    # cache bytecode outside the source tree instead.
    env["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "p2psocial-test-pycache")
    env.update(extra)
    return env


def run(home: Path, *args: str, stdin: str | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "p2psocial", "--home", str(home), *args],
        input=stdin, stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True, text=True, encoding="utf-8", env=env or cli_env(), timeout=60)


def ok(home: Path, *args: str, stdin: str | None = None) -> str:
    done = run(home, *args, stdin=stdin)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr
    return done.stdout


def js(home: Path, *args: str, stdin: str | None = None) -> Any:
    return json.loads(ok(home, *args, "--json", stdin=stdin))


def fails(home: Path, *args: str, stdin: str | None = None, code: int = 1) -> str:
    """The one-line message of a command that must fail cleanly."""
    done = run(home, *args, stdin=stdin)
    assert done.returncode == code, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("p2psocial: ")
    return lines[0].removeprefix("p2psocial: ")


def other_account(n: int = 9) -> str:
    """The text id of made-up account ``n`` (tests/helpers.py ``make_identity``)."""
    return ids.account_text(make_identity(n).account_id)


# --- serve processes -------------------------------------------------------------------


def start_serve(home: Path, lan_type: str | None = None,
                **env: str) -> tuple[subprocess.Popen[str], str]:
    """A running ``serve`` (``env``: extra environment) and the invite code it printed.
    Its control endpoint answers once the code is printed. LAN discovery is off unless
    ``lan_type`` gives a DNS-SD type of the test's own: another run's serve on this
    machine must never show up in the address book."""
    lan = ["--no-lan"] if lan_type is None else []
    if lan_type is not None:
        env["P2PSOCIAL_LAN_SERVICE_TYPE"] = lan_type
    proc = subprocess.Popen(
        [sys.executable, "-m", "p2psocial", "--home", str(home), "serve", "--listen",
         "127.0.0.1", *lan], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, encoding="utf-8", env=cli_env(**env))
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith("p2psinv1"):
            return proc, line.strip()
    proc.kill()
    raise AssertionError(f"serve did not start: {proc.communicate()[1]}")


def stop(proc: subprocess.Popen[str], sig: int = signal.SIGTERM) -> str:
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    return err


def feed_texts(home: Path) -> list[str]:
    return [p["text"] for p in json.loads(ok(home, "feed", "--json"))["items"]]


def group_texts(home: Path, group: str) -> list[str]:
    """The texts of ``group``'s messages at ``home`` (``group show``)."""
    return [m["text"] for m in js(home, "group", "show", group)["items"]]


def poll_feed(home: Path, text: str) -> list[str]:
    """The texts of ``home``'s feed once ``text`` is among them, asked again every 0.2 s
    for ``POLL_FOR`` s at most; the last texts seen if it never came."""
    return poll(lambda: feed_texts(home), f"{text!r} in {home.name}'s feed",
                until=lambda texts: text in texts, within=POLL_FOR, every=0.2,
                last=True)


SEEN_WITHIN = 15.0  # a generous bound for a shared machine; the target is 1 s


def post_and_watch(writer: Path, reader: Path, text: str) -> tuple[float, float]:
    """Post ``text`` at ``writer`` (a real ``post`` process) while watching ``reader``'s
    store: (ms from signing to stored at the reader, ms from ``post`` returning)."""
    proc = subprocess.Popen([sys.executable, "-m", "p2psocial", "--home", str(writer), "post",
                             text], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=cli_env())
    returned = None
    deadline = time.monotonic() + SEEN_WITHIN
    store = Store(reader / "store.sqlite", readonly=True)
    try:
        while (found := _stored(store, text)) is None:
            if returned is None and proc.poll() is not None:
                returned = time.time()
            assert time.monotonic() < deadline, f"{text!r} did not reach {reader.name}"
            time.sleep(0.005)
        seen = time.time()
    finally:
        store.close()
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and err == "", err
    return seen * 1000 - found.ts, max(0.0, seen - (returned or seen)) * 1000


def _stored(store: Store, text: str) -> PostView | None:
    try:
        return next((v for v in store.queries.home(50, None).items if v.text == text), None)
    except sqlite3.OperationalError:  # the writer is checkpointing: read again
        return None
