"""Crash safety: SIGKILL a writer many times mid-work; nothing acknowledged is lost.

After every kill: ``PRAGMA integrity_check`` passes, every entry the writer had
acknowledged is stored, the logs verify, and the next writer carries on (for our own
log: at the next sequence number, so the log never forks).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import msgpack
import trio
from helpers import make_identity, make_log

from p2psocial import ids
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.store import Store

ROOT = Path(__file__).resolve().parent.parent
KILLS = 12


def start(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, str(ROOT / "tests" / "crash_writer.py"), *args],
                            stdout=subprocess.PIPE, text=True, env=env)


def kill_after(proc: subprocess.Popen[str], acks_wanted: int) -> list[str]:
    """Read ``acks_wanted`` acknowledgements, then SIGKILL the writer at once."""
    assert proc.stdout is not None
    acked = []
    while len(acked) < acks_wanted:
        line = proc.stdout.readline()
        if not line:
            break
        acked.append(line.strip())
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # acknowledgements already written to the pipe before the kill count as well
    acked += [line.strip() for line in proc.stdout.read().splitlines() if line.strip()]
    return acked


def check(store_path: Path, acked: set[str]) -> None:
    with Store(store_path, readonly=True) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = {ids.entry_text(bytes(r[0]))
                  for r in store.conn.execute("SELECT id FROM entries")}
        assert acked <= stored, f"{len(acked - stored)} acknowledged entries lost"
        assert store.verify() == []


def test_sigkill_during_ingest_loses_nothing_acknowledged(tmp_path: Path) -> None:
    rng = random.Random(7)
    logs = [make_log(make_identity(n), 400) for n in range(1, 4)]
    interleaved = [e for trio_ in zip(*logs, strict=True) for e in trio_]
    data = tmp_path / "entries.msgpack"
    data.write_bytes(msgpack.packb([(e.raw, e.body) for e in interleaved]))
    store_path = tmp_path / "store.sqlite"
    acked: set[str] = set()
    for _ in range(KILLS):
        proc = start("ingest", str(store_path), str(data))
        acked |= set(kill_after(proc, rng.randint(1, 120)))
        check(store_path, acked)
    with Store(store_path) as store:  # a final writer completes the job
        store.ingest(interleaved)
        assert store.count_entries() == len(interleaved)


def test_sigkill_while_publishing_never_forks_our_log(tmp_path: Path) -> None:
    rng = random.Random(11)
    home = Home(tmp_path / "home")
    Node.init(home, "Crash Test").close()
    acked: set[str] = set()
    for _ in range(KILLS // 2):
        proc = start("publish", str(home.path))
        acked |= set(kill_after(proc, rng.randint(1, 15)))
        check(home.store_path, acked)
    with Node.open(Home(home.path)) as node:
        device = node.identity.device_id  # type: ignore[union-attr]
        head = node.store.head(device)
        assert head is not None
        item = trio.run(node.posts.post, "after the crashes")  # continues the stored log
        assert item.seq == head[0] + 1 and item.header.prev == head[1]
        assert node.store.verify(full=True) == []
