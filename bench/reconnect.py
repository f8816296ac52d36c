"""reconnect: a node holding 10,000 logs reconnects to a peer that is up to date.

Issue 12's scale target: the bytes exchanged and the CPU spent before the session
is live (both sides caught up) stay under 100 KB and 100 ms, instead of growing with
the number of logs held. The graph is a social one: each of two nodes, A and B,
follows the same 100 hubs, each hub follows 100 accounts of its own, and A and B
follow each other, so each replicates 10,202 logs two hops out (``--hubs N``: N hubs
of N followees each; ``--quick``: 10). Both homes hold all of them.

B serves sync on 127.0.0.1 in its own process; A dials from another and runs one
session with ``run_sync(once=True)``, first on protocol version 1 (whole clocks and
wants lists: the reference in this run) and then on version 2 (summaries), three
times each. Reported per version (medians): bytes A sent and received, A's CPU ms
from dialing to live, B's CPU ms meanwhile (from its ``/proc`` entry), wall ms; and
the ratios of version 2 to version 1.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trio

from p2psocial import content, entry, identity
from p2psocial.home import Home
from p2psocial.node import Node

from . import common, peers

BENCH = "reconnect"
TARGET_BYTES = 100_000
TARGET_CPU_MS = 100
T0 = 1_700_000_000_000
REPS = 3


def make_graph(hubs: int) -> tuple[list[bytes], list[list[entry.Entry]]]:
    """The hubs' accounts, and every log: each hub's (certificate, its follows) and each
    followee's (certificate and two posts)."""
    logs = []
    hub_accounts = []
    for h in range(hubs):
        hub = _identity(b"h", h)
        hub_accounts.append(hub.account_id)
        log = [_sign(hub, None, content.DeviceAnnouncement(hub.cert))]
        for f in range(hubs):
            leaf = _identity(b"l", h * hubs + f)
            leaf_log = [_sign(leaf, None, content.DeviceAnnouncement(leaf.cert))]
            for i in range(2):
                leaf_log.append(_sign(leaf, leaf_log[-1], content.Post(f"post {i}")))
            logs.append(leaf_log)
            log.append(_sign(hub, log[-1], content.Follow(leaf.account_id)))
        logs.append(log)
    return hub_accounts, logs


def _identity(kind: bytes, n: int) -> identity.Identity:
    seed = kind + n.to_bytes(8, "big") + bytes(23)
    return identity.new_identity(seed, seed[::-1], T0)


def _sign(ident: identity.Identity, prev: entry.Entry | None,
          value: content.AnyContent) -> entry.Entry:
    kind, body = content.encode_body(value)
    ts = T0 if prev is None else prev.timestamp + 1
    return entry.create(ident.device.secret_key, ident.device_id, prev, ts, kind, body)


async def build(root: Path, hubs: int) -> None:
    hub_accounts, logs = make_graph(hubs)
    with Node.init(Home(root / "a"), "A") as a, Node.init(Home(root / "b"), "B") as b:
        for node in (a, b):
            for account in hub_accounts:
                await node.posts.follow(account)
        await a.posts.follow(b.account_id)
        await b.posts.follow(a.account_id)
        for node, other in ((a, b), (b, a)):
            node.store.ingest(other.store.log_entries(_device(other), 0, 1_000_000))
            for log in logs:
                node.store.ingest(log)
            node.store.index_text()


def _device(node: Node) -> bytes:
    assert node.identity is not None
    return node.identity.device_id


def orchestrate(args: object) -> None:
    hubs = 10 if args.quick else (args.hubs or 100)  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory(prefix="p2ps-bench-reconnect-") as tmp:
        root = Path(tmp)
        common.progress(f"building two homes with {hubs * hubs + hubs + 2:,} logs each")
        trio.run(build, root, hubs)
        serve = subprocess.Popen([sys.executable, "-m", "bench.reconnect", "--role", "serve",
                                  str(root / "b")], stdout=subprocess.PIPE, text=True)
        try:
            assert serve.stdout is not None
            where = json.loads(serve.stdout.readline())
            common.progress("reconnecting, version 1 then 2")
            done = subprocess.run(
                [sys.executable, "-m", "bench.reconnect", "--role", "dial", str(root / "a"),
                 where["peer"], where["addr"], str(serve.pid)],
                stdout=subprocess.PIPE, text=True, check=True, timeout=600)
        finally:
            serve.terminate()
            serve.wait(timeout=30)
    runs = json.loads(done.stdout.strip().splitlines()[-1])
    logs = hubs * hubs + hubs + 2
    medians = {}
    for version in ("1", "2"):
        median = {k: statistics.median(r[k] for r in runs[version]) for k in runs[version][0]}
        medians[version] = median
        common.emit(common.record(
            BENCH, f"version_{version}", logs=logs,
            bytes_sent=int(median["sent"]), bytes_received=int(median["received"]),
            bytes_total=int(median["sent"] + median["received"]),
            cpu_ms=round(median["cpu_ms"], 1), peer_cpu_ms=round(median["peer_cpu_ms"], 1),
            wall_ms=round(median["wall_ms"], 1), entries_received=int(median["entries"])))
    v1, v2 = medians["1"], medians["2"]
    total = v2["sent"] + v2["received"]
    common.emit(common.record(
        BENCH, "ratios", logs=logs,
        bytes_v2_to_v1=round(total / (v1["sent"] + v1["received"]), 4),
        cpu_v2_to_v1=round(v2["cpu_ms"] / v1["cpu_ms"], 3),
        target_bytes=TARGET_BYTES, meets_bytes_target=total <= TARGET_BYTES,
        target_cpu_ms=TARGET_CPU_MS, meets_cpu_target=v2["cpu_ms"] <= TARGET_CPU_MS))


class Counting:
    """A stream that counts the bytes that pass each way."""

    def __init__(self, stream: object) -> None:
        self._stream = stream
        self.sent = self.received = 0

    async def read(self, n: int = -1) -> bytes:
        data = await self._stream.read(n)  # type: ignore[attr-defined]
        self.received += len(data)
        return data

    async def write(self, data: bytes) -> None:
        self.sent += len(data)
        await self._stream.write(data)  # type: ignore[attr-defined]

    async def close(self) -> None:
        await self._stream.close()  # type: ignore[attr-defined]


def _cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / _TICKS


_TICKS = os.sysconf("SC_CLK_TCK")


async def dial(home: Path, peer: str, addr: str, peer_pid: int) -> None:
    from p2psocial.net.sync import run_sync

    runs: dict[str, list[dict[str, float]]] = {"1": [], "2": []}
    with Node.open(Home(home)) as node:
        for version in (1, 2):
            for _ in range(REPS):
                async with peers.dialing(node, peer, addr, version) as stream:
                    counting = Counting(stream)
                    peer_cpu = _cpu_ms(peer_pid)
                    cpu = time.process_time()
                    start = time.perf_counter()
                    stats = await run_sync(node.replication, counting, once=True, version=version)
                    runs[str(version)].append({
                        "wall_ms": (time.perf_counter() - start) * 1000,
                        "cpu_ms": (time.process_time() - cpu) * 1000,
                        "peer_cpu_ms": _cpu_ms(peer_pid) - peer_cpu,
                        "sent": counting.sent, "received": counting.received,
                        "entries": stats.received})
    print(json.dumps(runs))


async def serve(home: Path) -> None:
    with Node.open(Home(home)) as node:
        async with peers.serving(node):
            await trio.sleep_forever()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["--role", "serve"]:
        trio.run(serve, Path(argv[2]))
        return 0
    if argv[:2] == ["--role", "dial"]:
        trio.run(dial, Path(argv[2]), argv[3], argv[4], int(argv[5]))
        return 0
    p = common.parser("python -m bench reconnect", __doc__ or "")
    p.add_argument("--hubs", type=int, metavar="N",
                   help="hubs, each following N accounts (default: 100, 10,202 logs)")
    orchestrate(p.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
