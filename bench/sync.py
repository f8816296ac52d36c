"""sync: a fresh node replicates the ingest dataset from another process over loopback.

The orchestrator (``python -m bench sync``) builds a sender home holding the dataset
(100k entries from 100 authors by default, cached like ``ingest``), measures
``Store.ingest`` by runs on the same entries in this run (the reference for
``ratio_to_ingest``), then starts two processes: the sender serves the sync protocol
on 127.0.0.1 (following the authors first: only logs of accounts that both sides
replicate travel), and the receiver — a fresh node that follows the 100 authors — runs
one session with ``run_sync(once=True)``. The receiver reports entries/s, its own CPU
seconds and its peak RSS. Targets (issue 3): ≥ 20,000 entries/s, peak RSS ≤ 150 MB.
``BENCH_PROFILE=FILE`` runs the receiver under cProfile and writes its stats there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trio

from p2psocial import content, entry
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.store import Store

from . import common, ingest, peers

BENCH = "sync"
TARGET_PER_S = 20_000
TARGET_RSS_MB = 150


def accounts_of(entries: list[entry.Entry]) -> list[bytes]:
    found = []
    for item in entries:
        if item.seq == 1 and item.body is not None:
            value = content.decode_body(item.kind, item.body)
            if isinstance(value, content.DeviceAnnouncement):
                found.append(value.cert.account)
    return found


def orchestrate(args: object) -> None:
    p = ingest.params(args.entries, args.authors, args.follows, args.quick)  # type: ignore[attr-defined]
    wires, facts, _ = ingest.load_or_generate(p, args.out, args.processes)  # type: ignore[attr-defined]
    entries = [entry.parse(raw, body) for raw, body in wires]
    del wires
    batches = common.delivery_batches(entries, args.batch)  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory(prefix="p2ps-bench-sync-") as tmp:
        root = Path(tmp)
        common.progress("reference: Store.ingest by runs")
        with Store(root / "reference.sqlite") as store:
            store.set_local_account(bytes.fromhex(facts.local_account))
            start = time.perf_counter()
            for batch in batches:
                store.ingest(batch)
            reference = len(entries) / (time.perf_counter() - start)
        common.progress("building the sender's home")
        with Node.init(Home(root / "sender"), "Sender") as sender:
            for batch in batches:
                sender.store.ingest(batch)
            sender.store.index_text()
        (root / "accounts").write_text("\n".join(a.hex() for a in accounts_of(entries)))
        n = len(entries)
        del entries, batches
        serve = subprocess.Popen([sys.executable, "-m", "bench.sync", "--role", "sender",
                                  str(root / "sender")], stdout=subprocess.PIPE, text=True)
        try:
            assert serve.stdout is not None
            where = json.loads(serve.stdout.readline())
            common.progress("receiving")
            profile = ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]] \
                if os.environ.get("BENCH_PROFILE") else []
            done = subprocess.run(
                [sys.executable, *profile, "-m", "bench.sync", "--role", "receiver",
                 str(root / "rx"),
                 where["peer"], where["addr"], str(root / "accounts")],
                stdout=subprocess.PIPE, text=True, check=True, timeout=600)
        finally:
            serve.terminate()
            serve.wait(timeout=30)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    per_s = result["received"] / result["seconds"]
    common.emit(common.record(
        BENCH, "sync", entries=n, received=result["received"],
        entries_per_s=round(per_s), seconds=round(result["seconds"], 2),
        cpu_s=round(result["cpu_s"], 2), peak_rss_mb=result["peak_rss_mb"],
        rss_before_mb=result["rss_before_mb"], ingest_reference_per_s=round(reference),
        ratio_to_ingest=round(per_s / reference, 3), target_per_s=TARGET_PER_S,
        meets_target=per_s >= TARGET_PER_S, target_rss_mb=TARGET_RSS_MB,
        meets_rss_target=result["peak_rss_mb"] <= TARGET_RSS_MB))
    if result["received"] != n:  # a session that brought nothing measured nothing
        raise SystemExit(f"sync: the receiver stored {result['received']} of {n} entries")


async def sender(home: Path) -> None:
    with Node.open(Home(home)) as node:
        await follow_authors(node)
        async with peers.serving(node):
            await trio.sleep_forever()


async def follow_authors(node: Node) -> None:
    """Follow the account of every log ``node`` holds. Only logs of accounts that both
    sides replicate travel (sync protocol 2): a home that merely holds the dataset
    would send the receiver nothing."""
    following = set(await node.feeds.following())
    for _, account, _ in await node.replication.logs():
        if account != node.account_id and account not in following:
            await node.posts.follow(account)
            following.add(account)


async def receiver(home: Path, peer: str, addr: str, accounts: list[bytes]) -> None:
    from p2psocial.net.sync import run_sync

    with Node.init(Home(home), "Receiver") as node:
        for account in accounts:
            await node.posts.follow(account)
        before = common.rss_mb()
        async with peers.dialing(node, peer, addr) as stream:
            cpu = time.process_time()
            start = time.perf_counter()
            stats = await run_sync(node.replication, stream, once=True)
            seconds = time.perf_counter() - start
            cpu = time.process_time() - cpu
    peak = common.peak_rss_mb()
    print(json.dumps({"received": stats.received, "seconds": seconds, "cpu_s": cpu,
                      "peak_rss_mb": round(peak, 1), "rss_before_mb": round(before, 1)}))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["--role", "sender"]:
        trio.run(sender, Path(argv[2]))
        return 0
    if argv[:2] == ["--role", "receiver"]:
        accounts = [bytes.fromhex(a) for a in Path(argv[5]).read_text().split()]
        trio.run(receiver, Path(argv[2]), argv[3], argv[4], accounts)
        return 0
    args = common.parser("python -m bench sync", __doc__ or "").parse_args(argv)
    orchestrate(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
