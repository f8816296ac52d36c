"""attack: what each attack of issue 12 costs a real node and the honest peers it serves.

For every attack in ``tests/adversarial/attacks_*.py`` (their ``ATTACKS``; the
adversarial tests run the same functions), a fresh arena (tests/adversarial/arena.py):
the victim is a real ``p2psocial serve`` on 127.0.0.1, and an honest writer and
reader in this process talk only through it. First ``--deliveries`` honest posts
cross the victim with nobody attacking (the quiet reference, in this run), then the
attack starts, gets ``--warmup`` seconds, and as many posts cross it again while it
runs. Reported per attack:

- ``quiet_ms_p50/p99`` and ``attack_ms_p50/p99``: writer's ``post()`` to reader's
  store, through the victim; ``p50_ratio`` = attack p50 / quiet p50 (target ≤ 3);
- ``rss_growth_mb``: the victim's peak RSS during the attack minus its RSS when the
  attack was set up and began (target ≤ 30);
- ``victim_cpu_share``: the victim's CPU seconds per second during the attack (1.0 =
  one core);
- ``to_attacker_mb_per_min``: bytes the victim sent the attacker, per minute (target
  ≤ 10 for strangers); ``identities``: attacker identities used.

Each attack runs in a process of its own (``attacker``: "own process"), so that its
CPU does not slow the honest peers measured here, unless it uses the honest nodes
themselves (``in_process``: "same process"; its latencies are then an upper bound).

``--only NAME`` runs one attack; ``--quick`` fewer posts and a short warm-up.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trio

from . import common

ROOT = Path(__file__).resolve().parent.parent
ADVERSARIAL = ROOT / "tests" / "adversarial"
BENCH = "attack"
TARGET_P50_RATIO = 3.0
TARGET_RSS_MB = 30.0
TARGET_MB_PER_MIN = 10.0
READY_WITHIN = 120.0
"""Seconds an attack may take to set itself up (``AttackStats.ready``)."""


def attacks() -> dict[str, object]:
    """name -> attack function, from every attacks_*.py module of the adversarial tier."""
    for path in (ROOT, ROOT / "tests", ADVERSARIAL):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    found: dict[str, object] = {}
    for module in sorted(ADVERSARIAL.glob("attacks_*.py")):
        found |= importlib.import_module(module.stem).ATTACKS
    return found


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def measure(name: str, attack: object, deliveries: int, warmup: float) -> None:
    from arena import AttackStats, arena  # tests/adversarial, on the path (attacks())

    lan_type = f"_p2ps-a{os.getpid() % 100_000}._udp.local." if getattr(
        attack, "needs_lan", False) else None
    in_process = getattr(attack, "in_process", False)
    with tempfile.TemporaryDirectory(prefix="p2ps-bench-attack-") as tmp:
        async with arena(Path(tmp), lan_type=lan_type) as place:
            quiet = [await _paced(place, f"quiet {i}") for i in range(deliveries)]
            stats = AttackStats()
            async with trio.open_nursery() as nursery:
                if in_process:
                    nursery.start_soon(_keep_attacking, attack, place, stats)
                else:
                    nursery.start_soon(_attack_apart, name, place, stats)
                with trio.move_on_after(READY_WITHIN):  # its set-up is not the attack
                    await stats.ready.wait()
                rss_before = place.victim.rss()
                await trio.sleep(warmup)
                cpu, start = place.victim.cpu(), time.perf_counter()
                received = stats.received
                during = [await _paced(place, f"during {i}") for i in range(deliveries)]
                seconds = time.perf_counter() - start
                cpu = place.victim.cpu() - cpu
                received = stats.received - received
                peak = place.victim.peak_rss()
                alive = place.victim.alive()
                nursery.cancel_scope.cancel()
    q50, a50 = statistics.median(quiet), statistics.median(during)
    growth = (peak - rss_before) / 2**20
    per_min = received / 2**20 * 60 / seconds
    common.emit(common.record(
        BENCH, name, deliveries=deliveries,
        quiet_ms_p50=round(q50 * 1000, 1), quiet_ms_p99=round(percentile(quiet, .99) * 1000, 1),
        attack_ms_p50=round(a50 * 1000, 1),
        attack_ms_p99=round(percentile(during, .99) * 1000, 1),
        p50_ratio=round(a50 / q50, 2), rss_growth_mb=round(growth, 1),
        victim_cpu_share=round(cpu / seconds, 2),
        to_attacker_mb_per_min=round(per_min, 2), identities=stats.identities,
        victim_alive=alive, attacker="same process" if in_process else "own process",
        meets_latency_target=a50 <= TARGET_P50_RATIO * q50,
        meets_rss_target=growth <= TARGET_RSS_MB,
        meets_bytes_target=per_min <= TARGET_MB_PER_MIN))


async def _keep_attacking(attack: object, place: object, stats: object) -> None:
    """Run the attack; if it stops on an error of its own (the victim hung up on it
    in a way it did not expect), start it again."""
    while True:
        try:
            await attack(place, stats)  # type: ignore[operator]
        except Exception as exc:
            common.progress(f"the attack stopped ({type(exc).__name__}: {exc}); again")
            await trio.sleep(0.5)


async def _attack_apart(name: str, place: object, stats: object) -> None:
    """Run the attack ``name`` in a process of its own (``--role attacker``), told
    about the arena on its stdin, and copy the figures it reports into ``stats``."""
    from arena import describe

    proc = await trio.lowlevel.open_process(
        [sys.executable, "-m", "bench.attack", "--role", "attacker", name],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        await proc.stdin.send_all(json.dumps(describe(place)).encode() + b"\n")  # type: ignore[arg-type]
        await proc.stdin.aclose()
        buffered = b""
        while chunk := await proc.stdout.receive_some(65536):
            buffered += chunk
            *lines, buffered = buffered.split(b"\n")
            for line in lines:
                report = json.loads(line)
                for key in ("received", "sent", "identities"):
                    setattr(stats, key, report[key])
                if report["ready"]:
                    stats.ready.set()  # type: ignore[attr-defined]
        raise RuntimeError(f"the attacker process of {name} ended (exit code "
                           f"{await proc.wait()}): see its error above")
    finally:
        with trio.CancelScope(shield=True):
            proc.terminate()
            with trio.move_on_after(10):
                await proc.wait()
            if proc.poll() is None:
                proc.kill()
                await proc.wait()


def attacker(name: str) -> None:
    """``--role attacker NAME``: run one attack against the arena described on stdin,
    reporting what it counts as JSON lines on stdout, until terminated."""
    attack = attacks()[name]  # first: it puts tests/adversarial on the path
    from arena import AttackStats, elsewhere

    place = elsewhere(json.loads(sys.stdin.readline()))

    async def run() -> None:
        stats = AttackStats()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_keep_attacking, attack, place, stats)
            nursery.start_soon(_until_terminated, nursery.cancel_scope)
            while True:
                print(json.dumps({"received": stats.received, "sent": stats.sent,
                                  "identities": stats.identities,
                                  "ready": stats.ready.is_set()}), flush=True)
                await trio.sleep(0.25)

    trio.run(run)


async def _until_terminated(scope: trio.CancelScope) -> None:
    with trio.open_signal_receiver(signal.SIGTERM) as signals:
        async for _ in signals:
            scope.cancel()
            return


async def _paced(place: object, text: str) -> float:
    """One honest delivery, then a pause: posts at a person's pace, not a flood."""
    took = await place.delivery(text)  # type: ignore[attr-defined]
    await trio.sleep(0.2)
    return float(took)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["--role", "attacker"]:
        attacker(argv[2])
        return 0
    p = common.parser("python -m bench attack", __doc__ or "")
    p.add_argument("--only", metavar="NAME", help="run this attack only")
    p.add_argument("--deliveries", type=int, default=20, metavar="N",
                   help="honest posts, quiet and then during each attack (default: 20)")
    p.add_argument("--warmup", type=float, default=4.0, metavar="S",
                   help="seconds an attack runs before posts are timed (default: 4)")
    args = p.parse_args(argv)
    known = attacks()
    if args.only and args.only not in known:
        print(f"bench attack: no attack named {args.only!r}; choose one of "
              f"{', '.join(sorted(known))}", file=sys.stderr)
        return 2
    deliveries, warmup = (5, 1.0) if args.quick else (args.deliveries, args.warmup)
    for name, attack in sorted(known.items()):
        if args.only in (None, name):
            common.progress(f"attack {name}")
            trio.run(measure, name, attack, deliveries, warmup)
    return 0


if __name__ == "__main__":
    sys.exit(main())
