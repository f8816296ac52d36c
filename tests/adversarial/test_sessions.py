"""Finding 4: sync sessions must not let strangers fill a node's memory.

Ten fresh identities each open a session with the largest opening the victim reads
(about 4.4 MB naming 60,000 made-up accounts and logs, on both protocol versions),
then say nothing. Before: the victim kept all of it (about 28 MB per identity) and
a row per identity in its address book. Now what a session keeps is bounded by the
victim's own state, the ten cost it well under 30 MB together, honest delivery goes
on, and nothing of them is left once they are gone.
"""

from __future__ import annotations

import json
from pathlib import Path

import trio
from arena import AttackStats, arena, poll, stored
from attacks_sessions import big_opening, fresh_identity
from netkit import run


def test_ten_identities_with_huge_openings_cost_little_and_leave_nothing(
        tmp_path: Path) -> None:
    openings = {v: big_opening(v) for v in (1, 2)}

    async def scenario() -> None:
        async with arena(tmp_path) as place:
            for _ in range(3):  # a settled baseline: the victim has served a while
                await place.delivery()
            before = place.victim.rss()
            stats = AttackStats()
            async with trio.open_nursery() as nursery:
                for i in range(10):  # one after another: they all come from 127.0.0.1,
                    sent = stats.sent  # which may hold only a few handshakes at once
                    nursery.start_soon(fresh_identity, place, stats, openings[1 + i % 2],
                                       1 + i % 2)

                    async def its_opening_sent() -> bool:
                        return stats.sent - sent > sum(map(len, openings[1])) * 0.95  # noqa: B023
                    await poll(its_opening_sent, 60)
                times = [await place.delivery(f"during {i}") for i in range(5)]
                during = place.victim.rss()
                peers = json.loads(await place.victim.cli("peers", "--json"))["peers"]
                assert len(peers) >= 10  # they are there, and held
                nursery.cancel_scope.cancel()
            assert during - before < 30 << 20, (before >> 20, during >> 20)
            assert max(times) < 5, times

            rows = await stored(place.victim.home, "peers")  # the address book on disk
            assert len(rows) <= 2, rows  # the writer and the reader: no stranger's row

    run(scenario, timeout=150)
