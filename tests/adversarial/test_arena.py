"""The arena itself, with nobody attacking: honest posts cross the victim, and what
the tests measure of the victim can be read."""

from __future__ import annotations

from pathlib import Path

from arena import arena
from netkit import run


def test_honest_posts_cross_the_victim_and_it_can_be_measured(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with arena(tmp_path) as place:
            times = [await place.delivery(f"post {i}") for i in range(5)]
            assert max(times) < 10
            assert place.victim.alive()
            assert 20 << 20 < place.victim.rss() <= place.victim.peak_rss()
            assert place.victim.cpu() > 0

    run(scenario, timeout=90)
