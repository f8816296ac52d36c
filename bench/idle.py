"""idle: what a connected node with nothing to do costs.

Six node processes on 127.0.0.1 (``bench/netnode.py``: the real ``NetworkService``
with its defaults), whose accounts all follow each other, each with a few posts.
Node 0's address book holds the other five, so it keeps five sessions (the others
know only node 0). Once node 0 has its five sessions and ``SETTLE_S`` have passed
(first syncs done, start-up over), its CPU time (user + system, from getrusage) is
read twice, ``WINDOW_S`` apart, with nothing being written anywhere (5 s after 2 s
with ``--quick``). Reported: CPU as a percentage of one core over the window, and
node 0's RSS. Target (issue 3): ≤ 1 % of a core.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from . import common, netnode

BENCH = "idle"
PEERS = 5
WINDOW_S = 60.0
QUICK_WINDOW_S = 5.0
SETTLE_S = 5.0
QUICK_SETTLE_S = 2.0
POSTS_EACH = 3
TARGET_PERCENT = 1.0


def orchestrate(args: object) -> None:
    quick = args.quick  # type: ignore[attr-defined]
    window, settle = (QUICK_WINDOW_S, QUICK_SETTLE_S) if quick else (WINDOW_S, SETTLE_S)
    with tempfile.TemporaryDirectory(prefix="p2ps-bench-idle-") as tmp:
        ports = netnode.free_ports(PEERS + 1)
        links = [(0, j) for j in range(1, PEERS + 1)]
        homes = netnode.make_homes(Path(tmp), PEERS + 1, links, ports)
        common.progress(f"starting node 0 and {PEERS} peers")
        procs = netnode.start_all(homes, ports)
        try:
            netnode.wait_connected(procs, [PEERS] + [1] * PEERS)
            for p in procs:
                for i in range(POSTS_EACH):
                    p.call(cmd="post", text=f"idle post {i}")
            time.sleep(settle)
            common.progress(f"measuring node 0 for {window:.0f} s")
            before = procs[0].call(cmd="stats")
            start = time.monotonic()
            time.sleep(window)
            after = procs[0].call(cmd="stats")
            elapsed = time.monotonic() - start
        finally:
            for p in procs:
                p.close()
    percent = 100 * (after["cpu_s"] - before["cpu_s"]) / elapsed
    common.emit(common.record(
        BENCH, "node with 5 peers, nothing to do", peers=PEERS,
        connected=after["connected"], window_s=round(elapsed, 1),
        cpu_percent_of_core=round(percent, 3), rss_mb=after["rss_mb"],
        peak_rss_mb=after["peak_rss_mb"], target_percent=TARGET_PERCENT,
        meets_target=after["connected"] >= PEERS and percent <= TARGET_PERCENT))


def main(argv: list[str] | None = None) -> int:
    args = common.parser("python -m bench idle", __doc__ or "").parse_args(
        sys.argv[1:] if argv is None else argv)
    orchestrate(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
