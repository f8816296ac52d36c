"""propagation: how long a post takes to be stored at every node of a 10-node network.

Ten node processes on 127.0.0.1 (``bench/netnode.py``: the real ``NetworkService``
with its defaults), whose accounts all follow each other. Node i's address book
holds nodes i+1 and i+3 (mod 10), so every node keeps about four sessions and a post
must be forwarded: some nodes are three hops from the poster. Once every node has
its sessions, node 0 posts ``WARMUP`` posts that are not counted, then 100 (20 with
``--quick``), one every ``PACE_S``. For each post, the latency is the time from just
before ``node.posts.post`` at node 0 to the moment the last of the other nine stores it
(each node's ``EntryAdded``; one machine, one clock). A post that some node has not
stored ``LOST_AFTER_S`` after it was written is lost. Targets (issue 3): p50 ≤ 100 ms,
p99 ≤ 500 ms. The per-node latency (every node, every post) is reported as well.
A full run then measures the same with GossipSub off (sync sessions' live push
alone), for comparison: on this 2-core machine gossip's CPU cost made it slower.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from . import common, netnode

BENCH = "propagation"
NODES = 10
POSTS = 100
QUICK_POSTS = 20
WARMUP = 5
PACE_S = 0.25
LOST_AFTER_S = 10.0
TARGET_P50_MS = 100
TARGET_P99_MS = 500


def links(count: int) -> list[tuple[int, int]]:
    return [(i, (i + step) % count) for i in range(count) for step in (1, 3)]


def degrees(count: int) -> list[int]:
    neighbours: list[set[int]] = [set() for _ in range(count)]
    for i, j in links(count):
        neighbours[i].add(j)
        neighbours[j].add(i)
    return [len(n) for n in neighbours]


def orchestrate(args: object) -> None:
    posts = args.entries or (QUICK_POSTS if args.quick else POSTS)  # type: ignore[attr-defined]
    measure(posts, gossip=True, name="post reaches all nodes")
    if not (args.quick or args.entries):  # type: ignore[attr-defined]
        measure(posts, gossip=False, name="post reaches all nodes, sync sessions only")


def measure(posts: int, *, gossip: bool, name: str) -> None:
    with tempfile.TemporaryDirectory(prefix="p2ps-bench-prop-") as tmp:
        ports = netnode.free_ports(NODES)
        homes = netnode.make_homes(Path(tmp), NODES, links(NODES), ports)
        common.progress(f"starting {NODES} node processes ({name})")
        procs = netnode.start_all(homes, ports, gossip)
        try:
            netnode.wait_connected(procs, degrees(NODES))
            common.progress(f"connected; node 0 posts {WARMUP} + {posts}, one per "
                            f"{PACE_S * 1000:.0f} ms")
            sent = []
            for i in range(WARMUP + posts):
                started = time.monotonic()
                reply = procs[0].call(cmd="post", text=f"propagation post {i} #bench")
                if i >= WARMUP:
                    sent.append(reply)
                time.sleep(max(0.0, PACE_S - (time.monotonic() - started)))
            time.sleep(LOST_AFTER_S if any(_missing(procs, sent)) else 1.0)
            figures = _figures(procs[1:], sent)
            cpu = [p.call(cmd="stats") for p in procs]
        finally:
            for p in procs:
                p.close()
    p50, p99 = figures.get("ms_p50"), figures.get("ms_p99")
    common.emit(common.record(
        BENCH, name, nodes=NODES, links_per_node=2, gossip=gossip, **figures,
        cpu_s_per_node_max=round(max(s["cpu_s"] for s in cpu), 2),
        rss_mb_per_node_max=max(s["rss_mb"] for s in cpu),
        pace_ms=round(PACE_S * 1000), warmup=WARMUP,
        target_p50_ms=TARGET_P50_MS, target_p99_ms=TARGET_P99_MS,
        meets_target=(figures["lost"] == 0 and p50 is not None and p99 is not None
                      and p50 <= TARGET_P50_MS and p99 <= TARGET_P99_MS)))


def _missing(procs: list[netnode.NodeProcess], sent: list[dict]) -> list[str]:
    return [s["posted"] for s in sent for p in procs[1:] if p.seen_at(s["posted"]) is None]


def _figures(others: list[netnode.NodeProcess], sent: list[dict]) -> dict[str, object]:
    to_all: list[float] = []
    each: list[float] = []
    lost = 0
    for s in sent:
        seen = [p.seen_at(s["posted"]) for p in others]
        late = [(t - s["start_ns"]) / 1e6 for t in seen if t is not None]
        each += late
        if len(late) < len(others) or max(late) > LOST_AFTER_S * 1000:
            lost += 1
            continue
        to_all.append(max(late))
    out: dict[str, object] = {"n": len(sent), "reached_all": len(to_all), "lost": lost}
    if to_all:
        out.update(ms_p50=round(common.percentile(to_all, 50), 2),
                   ms_p99=round(common.percentile(to_all, 99), 2),
                   ms_max=round(max(to_all), 2),
                   per_node_ms_p50=round(common.percentile(each, 50), 2),
                   per_node_ms_p99=round(common.percentile(each, 99), 2))
    else:
        out.update(ms_p50=None, ms_p99=None, ms_max=None)
    return out


def main(argv: list[str] | None = None) -> int:
    args = common.parser("python -m bench propagation", __doc__ or "").parse_args(
        sys.argv[1:] if argv is None else argv)
    orchestrate(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
