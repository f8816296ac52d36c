"""A whole node in a process of its own, driven over stdin, for the network benchmarks.

    python -m bench.netnode HOME PORT [--no-gossip]

The process opens HOME, runs the real ``NetworkService`` (its address book, dialers,
sync sessions and whatever else the service runs by default; ``--no-gossip`` turns
GossipSub off) on 127.0.0.1:PORT without LAN discovery, and talks in JSON lines:

- out ``{"ready": true}`` once listening; then ``{"seen": ID, "ns": T}`` for every
  post of another account the moment it is stored (``time.time_ns()``: processes on
  one machine share the clock);
- in ``{"cmd": "post", "text": ...}`` → out ``{"posted": ID, "start_ns", "end_ns"}``;
- in ``{"cmd": "stats"}`` → out ``{"cpu_s", "rss_mb", "peak_rss_mb", "connected"}``;
- in ``{"cmd": "quit"}`` (or stdin closed) → the node closes and the process exits.

``Orchestra`` starts such processes and reads their lines in threads, so a benchmark
is a short script of commands and waits. Homes are made beforehand with
``make_homes``: accounts that all follow each other, and the address books of
whichever links the benchmark wants.
"""

from __future__ import annotations

import json
import logging
import queue
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import trio

from p2psocial.content import Kind
from p2psocial.events import EntryAdded
from p2psocial.home import Home
from p2psocial.node import Node

from . import common

READY_TIMEOUT_S = 120.0


# --- the node process ------------------------------------------------------------------


async def node_main(home: Path, port: int, gossip: bool = True) -> None:
    from p2psocial.net.service import NetworkService

    # dials to peers that are not listening yet fail and are retried: not news
    logging.getLogger("libp2p").setLevel(logging.CRITICAL)

    with Node.open(Home(home)) as node:
        events = node.subscribe(100_000)
        async with NetworkService(node.replication, port=port, gossip=gossip) as service, \
                trio.open_nursery() as nursery:
            nursery.start_soon(_report_seen, events)
            _say(ready=True)
            await _commands(node, service)
            nursery.cancel_scope.cancel()


async def _report_seen(events: Any) -> None:
    async for event in events:
        now = time.time_ns()
        if isinstance(event, EntryAdded) and not event.own and event.kind == Kind.POST:
            _say(seen=event.id.hex(), ns=now)


async def _commands(node: Node, service: Any) -> None:
    lines = trio.wrap_file(sys.stdin)
    while line := await lines.readline():
        cmd = json.loads(line)
        if cmd["cmd"] == "post":
            start = time.time_ns()
            item = await node.posts.post(cmd["text"])
            _say(posted=item.id.hex(), start_ns=start, end_ns=time.time_ns())
        elif cmd["cmd"] == "stats":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            _say(cpu_s=usage.ru_utime + usage.ru_stime, rss_mb=common.rss_mb(),
                 peak_rss_mb=common.peak_rss_mb(),
                 connected=len(service.connected()))
        elif cmd["cmd"] == "quit":
            return


def _say(**doc: object) -> None:
    print(json.dumps(doc), flush=True)


# --- the orchestrator's side -----------------------------------------------------------


async def _make_homes(root: Path, count: int, links: Iterable[tuple[int, int]],
                      ports: Sequence[int]) -> list[Path]:
    homes = [root / f"node{i}" for i in range(count)]
    nodes = [Node.init(Home(h), f"Node {i}") for i, h in enumerate(homes)]
    try:
        for a in nodes:
            for b in nodes:
                if a is not b:
                    await a.posts.follow(b.account_id)
        for i, j in links:  # i knows how to reach j
            device = nodes[j].identity.device_id  # type: ignore[union-attr]
            addrs = [f"/ip4/127.0.0.1/tcp/{ports[j]}"]
            await nodes[i].replication.add_peer(device, addrs, "invite")
    finally:
        for n in nodes:
            n.close()
    return homes


def make_homes(root: Path, count: int, links: Iterable[tuple[int, int]],
               ports: Sequence[int]) -> list[Path]:
    """``count`` homes whose accounts all follow each other; home i's address book
    holds home j (at ``ports[j]``) for every (i, j) in ``links``."""
    return trio.run(_make_homes, root, count, list(links), ports)


def free_ports(count: int) -> list[int]:
    import socket

    socks = [socket.socket() for _ in range(count)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class NodeProcess:
    def __init__(self, home: Path, port: int, gossip: bool = True) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.netnode", str(home),
                                      str(port), *([] if gossip else ["--no-gossip"])],
                                     stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: dict[str, int] = {}
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            doc = json.loads(line)
            if "seen" in doc:
                with self._lock:
                    self.seen[doc["seen"]] = doc["ns"]
            else:
                self.lines.put(doc)

    def send(self, **cmd: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()

    def reply(self, timeout: float = READY_TIMEOUT_S) -> dict[str, Any]:
        return self.lines.get(timeout=timeout)

    def call(self, **cmd: object) -> dict[str, Any]:
        self.send(**cmd)
        return self.reply()

    def seen_at(self, entry_id: str) -> int | None:
        with self._lock:
            return self.seen.get(entry_id)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send(cmd="quit")
                self.proc.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()


def start_all(homes: Sequence[Path], ports: Sequence[int],
              gossip: bool = True) -> list[NodeProcess]:
    """One process per home; returns once every one is listening."""
    procs = [NodeProcess(h, p, gossip) for h, p in zip(homes, ports, strict=True)]
    for p in procs:
        if not p.reply().get("ready"):
            raise RuntimeError("a node process did not start")
    return procs


def wait_connected(procs: Sequence[NodeProcess], degree: Sequence[int],
                   timeout: float = 120.0) -> None:
    """Until process i has at least ``degree[i]`` sessions."""
    deadline = time.monotonic() + timeout
    while True:
        counts = [p.call(cmd="stats")["connected"] for p in procs]
        if all(c >= d for c, d in zip(counts, degree, strict=True)):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"nodes not connected in time: {counts} (want {list(degree)})")
        time.sleep(0.2)


def main(argv: list[str]) -> int:
    trio.run(node_main, Path(argv[0]), int(argv[1]), "--no-gossip" not in argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
