"""live: how long a new post takes to be stored at a connected peer.

The orchestrator (``python -m bench live``) makes two homes in a temporary directory,
a writer and a reader that follow each other, then starts one process for each on
127.0.0.1. The writer serves the sync protocol; the reader dials it and runs
``run_sync`` (not ``once``), so the session stays open and pushes new entries. Once
the session is up (and a second to settle), the writer publishes ``WARMUP`` posts that
are not counted, then 100 posts (20 with ``--quick``, or ``--entries N``), one every
20 ms, so that what is measured is latency, not queueing.

Per post, the writer takes ``time.time_ns()`` just before calling ``node.posts.post``, and
the reader takes it when its ``EntryAdded`` event for that entry arrives (it
subscribed before the session started): the entry is then verified, committed and
searchable at the reader. Both processes run on one machine, so their wall clocks
agree. The orchestrator joins both sides by entry id. A post not seen within
``LOST_AFTER_S`` is lost. Target (issue 3): p50 ≤ 10 ms. The writer's own
``node.posts.post`` time (signing, then an SQLite commit with ``synchronous = FULL``) is
part of that latency and is reported on its own.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trio

from p2psocial.content import Kind
from p2psocial.events import EntryAdded, Lagged
from p2psocial.home import Home
from p2psocial.node import Node

from . import common, peers

BENCH = "live"
TARGET_MS = 10
POSTS = 100
QUICK_POSTS = 20
WARMUP = 5  # posts published first and not counted: first calls, thread start-up
PACE_S = 0.020  # one post per 20 ms
SETTLE_S = 1.0  # after the session opens: let both sides catch up first
LOST_AFTER_S = 10.0
CONNECT_TIMEOUT_S = 60.0


def orchestrate(args: object) -> None:
    posts = args.entries or (QUICK_POSTS if args.quick else POSTS)  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory(prefix="p2ps-bench-live-") as tmp:
        root = Path(tmp)
        trio.run(_make_homes, root / "writer", root / "reader")
        writer = subprocess.Popen([sys.executable, "-m", "bench.live", "--role", "writer",
                                   str(root / "writer"), str(posts)],
                                  stdout=subprocess.PIPE, text=True)
        reader: subprocess.Popen[str] | None = None
        try:
            assert writer.stdout is not None
            where = json.loads(writer.stdout.readline())
            reader = subprocess.Popen([sys.executable, "-m", "bench.live", "--role", "reader",
                                       str(root / "reader"), where["peer"], where["addr"],
                                       str(WARMUP + posts)],
                                      stdout=subprocess.PIPE, text=True)
            common.progress(f"writer publishes {WARMUP} + {posts} posts, one per "
                            f"{PACE_S * 1000:.0f} ms")
            sent = []
            for line in writer.stdout:
                item = json.loads(line)
                if item.get("done"):
                    break
                sent.append(item)
            else:
                raise RuntimeError("the writer ended before it was done")
            try:  # the reader exits once it has every post; give the last ones time
                reader.wait(timeout=LOST_AFTER_S)
            except subprocess.TimeoutExpired:
                reader.terminate()
            out, _ = reader.communicate(timeout=30)
        finally:
            for proc in (reader, writer):
                if proc is not None and proc.poll() is None:
                    proc.terminate()
                    proc.wait(timeout=30)
    arrived = {}
    for line in out.splitlines():
        item = json.loads(line)
        if "id" in item:
            arrived[item["id"]] = item["ns"]
    latency, after_post, post_ms = [], [], []
    lost = 0
    for item in sent:
        if item["warmup"]:
            continue
        post_ms.append((item["end_ns"] - item["start_ns"]) / 1e6)
        seen = arrived.get(item["id"])
        if seen is None or (seen - item["start_ns"]) / 1e9 > LOST_AFTER_S:
            lost += 1
            continue
        latency.append((seen - item["start_ns"]) / 1e6)
        after_post.append((seen - item["end_ns"]) / 1e6)
    figures: dict[str, object] = {"n": len(post_ms), "received": len(latency), "lost": lost}
    if latency:
        p50 = common.percentile(latency, 50)
        figures.update(ms_p50=round(p50, 3), ms_p99=round(common.percentile(latency, 99), 3),
                       ms_max=round(max(latency), 3),
                       after_post_ms_p50=round(common.percentile(after_post, 50), 3))
    else:
        p50 = float("inf")
        figures.update(ms_p50=None, ms_p99=None, ms_max=None, after_post_ms_p50=None)
    figures.update(post_ms_p50=round(common.percentile(post_ms, 50), 3) if post_ms else None,
                   post_ms_p99=round(common.percentile(post_ms, 99), 3) if post_ms else None,
                   pace_ms=round(PACE_S * 1000), warmup=WARMUP, target_ms=TARGET_MS,
                   meets_target=lost == 0 and p50 <= TARGET_MS)
    common.emit(common.record(BENCH, "live", **figures))


async def _make_homes(writer_home: Path, reader_home: Path) -> None:
    """Two accounts that follow each other."""
    with Node.init(Home(writer_home), "Writer") as writer, \
            Node.init(Home(reader_home), "Reader") as reader:
        await writer.posts.follow(reader.account_id)
        await reader.posts.follow(writer.account_id)


async def writer(home: Path, posts: int) -> None:
    with Node.open(Home(home)) as node:
        connected = trio.Event()
        async with peers.serving(node, on_stream=connected.set):
            with trio.fail_after(CONNECT_TIMEOUT_S):
                await connected.wait()
            await trio.sleep(SETTLE_S)
            next_at = trio.current_time()
            for i in range(WARMUP + posts):
                await trio.sleep_until(next_at)
                next_at += PACE_S
                start = time.time_ns()
                item = await node.posts.post(f"live post {i}: the quick brown fox #bench")
                end = time.time_ns()
                print(json.dumps({"id": item.id.hex(), "start_ns": start, "end_ns": end,
                                  "warmup": i < WARMUP}), flush=True)
            print(json.dumps({"done": True}), flush=True)
            await trio.sleep_forever()  # keep serving until the orchestrator ends us


async def reader(home: Path, peer: str, addr: str, expected: int) -> None:
    from p2psocial.net.sync import run_sync

    with Node.open(Home(home)) as node:
        events = node.subscribe()
        seen = 0
        async with peers.dialing(node, peer, addr) as stream, \
                trio.open_nursery() as nursery:
            nursery.start_soon(run_sync, node.replication, stream)
            async for event in events:
                now = time.time_ns()
                if isinstance(event, Lagged):  # cannot happen at this pace
                    raise RuntimeError("the reader's subscription lagged")
                if not isinstance(event, EntryAdded) or event.own or event.kind != Kind.POST:
                    continue
                print(json.dumps({"id": event.id.hex(), "ns": now}), flush=True)
                seen += 1
                if seen >= expected:
                    break
            nursery.cancel_scope.cancel()
    print(json.dumps({"done": True, "received": seen}), flush=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["--role", "writer"]:
        trio.run(writer, Path(argv[2]), int(argv[3]))
        return 0
    if argv[:2] == ["--role", "reader"]:
        trio.run(reader, Path(argv[2]), argv[3], argv[4], int(argv[5]))
        return 0
    args = common.parser("python -m bench live", __doc__ or "").parse_args(argv)
    orchestrate(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
