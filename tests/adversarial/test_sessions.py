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
from arena import AttackStats, arena, poll
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
                for i in range(10):
                    nursery.start_soon(fresh_identity, place, stats, openings[1 + i % 2],
                                       1 + i % 2)
                whole = 10 * sum(map(len, openings[1])) * 0.95

                async def all_sent() -> bool:  # all ten have sent their whole opening
                    return stats.sent > whole
                await poll(all_sent, 60)
                times = [await place.delivery(f"during {i}") for i in range(5)]
                during = place.victim.rss()
                peers = json.loads(await place.victim.cli("peers", "--json"))["peers"]
                assert len(peers) >= 10  # they are there, and held
                nursery.cancel_scope.cancel()
            assert during - before < 30 << 20, (before >> 20, during >> 20)
            assert max(times) < 5, times

            async def strangers_forgotten() -> bool:
                peers = json.loads(await place.victim.cli("peers", "--json"))["peers"]
                return len(peers) <= 2  # the writer and the reader
            await poll(strangers_forgotten)

    run(scenario, timeout=150)
