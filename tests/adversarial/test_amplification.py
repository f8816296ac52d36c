"""Finding 7: a stranger cannot make a node send without end.

The victim carries a 16 MB log. Before: every stranger session that asked for it got
all of it at once, and a "need" from seq 0 made the victim send it all again, as
often as asked (2.69 GB sent for 2.4 KB asked in the review). Now strangers share
one send budget (4 MiB at once, 96 KiB/s after: under 10 MB a minute), a resend
is paid for, and honest delivery is not slowed.
"""

from __future__ import annotations

import functools
from pathlib import Path

import trio
from arena import AttackStats, arena, stored
from attacks_amplification import carry_big_log, pull
from netkit import run

from p2psocial.net.limits import STRANGER_SEND

SECONDS = 8.0


def test_strangers_that_pull_and_ask_again_get_a_bounded_share(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with arena(tmp_path) as place:
            author = (await carry_big_log(place)).account_id
            quiet = [await place.delivery(f"quiet {i}") for i in range(5)]
            stats = AttackStats()
            started = trio.current_time()
            async with trio.open_nursery() as nursery:
                for i in range(4):
                    nursery.start_soon(functools.partial(pull, place, author, stats,
                                                         ask_again=i % 2 == 1,
                                                         seconds=SECONDS))
                during = [await place.delivery(f"during {i}") for i in range(5)]
            elapsed = trio.current_time() - started
            bound = STRANGER_SEND.burst + STRANGER_SEND.rate * elapsed + 64 * 1024
            assert stats.received <= bound, (stats.received >> 10, bound // 1024)
            assert stats.received > STRANGER_SEND.burst / 2  # they were served, slowly
            assert sorted(during)[2] < max(0.5, 3 * sorted(quiet)[2]), (quiet, during)
            rows = await stored(place.victim.home, "peers")  # the address book on disk
            assert len(rows) <= 2, rows  # the writer and the reader: no stranger's row

    run(scenario, timeout=150)
