"""devices: how long linking a device takes, and how fast a revocation travels.

Real ``p2psocial`` processes on 127.0.0.1, as a person runs them (issue 16). Ann's desk
serves; ``--links`` times (5, 3 with ``--quick``) the bench asks it for a link code
(``device link``) and links a fresh home with it (``device join``), reporting the
exchange as the joiner measured it (dial, Noise, proof, grant: ``linked_seconds``) and
the whole command (Python and libp2p start-up, the home written, the first catch-up).

Then Carl serves and follows Ann; Dora serves, meets only Carl and follows Ann, so
she gets Ann's logs two hops away. The desk revokes the linked devices one at a time
(``device revoke --phrase-stdin``); for each, the bench watches Carl's and Dora's
stores (read-only SQLite, every 2 ms) for the revocation and reports milliseconds
from its signature (the ``created`` it carries: one machine, one clock) to stored.
In the same run the desk posts as many times and the bench watches the posts arrive
the same way: ``ratio`` is the revocation's median two-hop time over the post's, so a
revocation that travels as fast as a post is 1.0 whatever the machine's load.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from p2psocial import ids

from . import common

BENCH = "devices"
LINKS = 5
QUICK_LINKS = 3
WITHIN_S = 30.0
EVERY_S = 0.002


def cli(home: Path, *args: str, stdin: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("P2PSOCIAL_")}
    done = subprocess.run([sys.executable, "-m", "p2psocial", "--home", str(home), *args],
                          input=stdin, capture_output=True, text=True, env=env, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"p2psocial {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def js(home: Path, *args: str, stdin: str | None = None) -> dict:
    return json.loads(cli(home, *args, "--json", stdin=stdin))


def serve(home: Path) -> tuple[subprocess.Popen[str], str]:
    """A running serve and its invite code (printed once it listens)."""
    proc = subprocess.Popen([sys.executable, "-m", "p2psocial", "--home", str(home), "serve",
                             "--listen", "127.0.0.1", "--no-lan"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("p2psinv1"):
            return proc, line.strip()
    raise RuntimeError(f"serve of {home.name} did not start")


def watch(home: Path, sql: str, args: tuple) -> float:
    """Wall-clock ms when ``sql`` first finds a row in ``home``'s store."""
    deadline = time.monotonic() + WITHIN_S
    with sqlite3.connect(f"file:{home / 'store.sqlite'}?mode=ro", uri=True) as conn:
        while time.monotonic() < deadline:
            if conn.execute(sql, args).fetchone():
                return time.time() * 1000
            time.sleep(EVERY_S)
    raise RuntimeError(f"nothing at {home.name} within {WITHIN_S} s: {sql}")


def until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WITHIN_S
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"not within {WITHIN_S} s: {what}")
        time.sleep(0.1)


def two_hops(carl: Path, dora: Path, sql: str, args: tuple, act: Callable[[], float]
             ) -> tuple[float, float]:
    """ms from ``act()``'s timestamp to stored at Carl's and at Dora's."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        seen = [pool.submit(watch, home, sql, args) for home in (carl, dora)]
        at = act()
        return seen[0].result() - at, seen[1].result() - at


def orchestrate(args: object) -> None:
    links = QUICK_LINKS if args.quick else LINKS  # type: ignore[attr-defined]
    procs: list[subprocess.Popen[str]] = []
    with tempfile.TemporaryDirectory(prefix="p2ps-bench-devices-") as tmp:
        root = Path(tmp)
        desk, carl, dora = root / "desk", root / "carl", root / "dora"
        for home, name in ((desk, "Ann"), (carl, "Carl"), (dora, "Dora")):
            cli(home, "init", "--name", name)
        words = js(desk, "phrase")["phrase"]
        ann = js(desk, "whoami")["account"]
        try:
            desk_proc, desk_invite = serve(desk)
            procs.append(desk_proc)
            exchange, command, devices = [], [], []
            for n in range(links):
                code = js(desk, "device", "link")["code"]
                started = time.perf_counter()
                joined = js(root / f"laptop{n}", "device", "join", code, "--name", f"L{n}")
                command.append(time.perf_counter() - started)
                exchange.append(joined["linked_seconds"])
                devices.append(joined["device"])
                common.progress(f"linked {n + 1} of {links}")
            carl_proc, carl_invite = serve(carl)
            procs.append(carl_proc)
            cli(carl, "join", desk_invite)
            dora_proc, _ = serve(dora)
            procs.append(dora_proc)
            cli(dora, "join", carl_invite)
            cli(dora, "follow", ann)
            cli(desk, "post", "warm-up")
            until(lambda: "warm-up" in cli(dora, "feed"), "Ann's posts at Dora's")

            revocation: list[tuple[float, float]] = []
            post: list[tuple[float, float]] = []
            for n, device in enumerate(devices):
                raw = ids.decode(ids.DEVICE, device)
                revocation.append(two_hops(
                    carl, dora, "SELECT 1 FROM revocations WHERE device = ?", (raw,),
                    lambda device=device: _revoke(desk, device, words)))  # type: ignore[misc]
                text = f"post {n}"
                post.append(two_hops(
                    carl, dora, "SELECT 1 FROM posts WHERE text = ?", (text,),
                    lambda text=text: _post(desk, text)))  # type: ignore[misc]
                common.progress(f"revoked {n + 1} of {links}")
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=30)
    rev_two = statistics.median(d for _, d in revocation)
    post_two = statistics.median(d for _, d in post)
    common.emit(common.record(
        BENCH, "link", links=links,
        exchange_ms_p50=round(statistics.median(exchange) * 1000, 1),
        exchange_ms_max=round(max(exchange) * 1000, 1),
        command_s_p50=round(statistics.median(command), 3)))
    common.emit(common.record(
        BENCH, "revocation", revocations=links,
        one_hop_ms_p50=round(statistics.median(c for c, _ in revocation), 1),
        two_hops_ms_p50=round(rev_two, 1),
        two_hops_ms_max=round(max(d for _, d in revocation), 1),
        post_two_hops_ms_p50=round(post_two, 1),
        ratio=round(rev_two / post_two, 2) if post_two > 0 else None))


def _revoke(desk: Path, device: str, words: str) -> float:
    """Revoke through the desk's serve; the revocation's signing time (ms)."""
    cli(desk, "device", "revoke", device, "--phrase-stdin", stdin=words)
    raw = ids.decode(ids.DEVICE, device)
    with sqlite3.connect(f"file:{desk / 'store.sqlite'}?mode=ro", uri=True) as conn:
        return float(conn.execute("SELECT created FROM revocations WHERE device = ?",
                                  (raw,)).fetchone()[0])


def _post(desk: Path, text: str) -> float:
    """Post through the desk's serve; the entry's signing time (ms)."""
    doc = js(desk, "post", text)
    return float(doc["ts"])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = common.parser("python -m bench devices", __doc__ or "").parse_args(argv)
    orchestrate(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
