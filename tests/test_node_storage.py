"""The storage budget through the node (node/storage.py) on real homes: a community
flood goes, oldest first, with its opened text; one's own messages there stay."""

from __future__ import annotations

from pathlib import Path

import trio

from p2psocial.home import Home
from p2psocial.node import Node
from tests.helpers import shared_community, sync

BIG = "\U0001f600" * 7990  # about 32 kB


def test_a_community_flood_goes_oldest_first_and_own_messages_stay(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            cid, _ = await shared_community(alice, bob, "Village hall")
            [mine] = await bob.communities.list()
            await alice.communities.merge_roster(cid, mine.lines)
            await alice.groups.post(cid, "mine, kept")
            for i in range(30):  # about 1.9 MB: Bob's text, opened, and his bodies
                await bob.groups.post(cid, f"{i} {BIG}")
            await sync(bob, alice)
            await alice.messages.scan()
            report = await alice.storage.report()
            assert report.kinds["communities"].accounts == 1
            assert report.kinds["communities"].total > 1_800_000
            await alice.storage.set_limits(budget=1_000_000, per_account=1_000_000)
            dropped = await alice.storage.enforce_all()
            assert dropped.bodies > 10
            after = await alice.storage.report()
            assert after.budgeted <= 1_000_000
            page = await alice.groups.messages(cid, 100)
            texts = [m.text for m in page.items]
            assert "mine, kept" in texts
            numbers = sorted(int(t.split()[0]) for t in texts if t != "mine, kept")
            assert numbers == list(range(30 - len(numbers), 30))  # the newest stayed
            assert 0 < len(numbers) < 30
            assert await alice.storage.enforce_all() == dropped.__class__()  # nothing more
            assert alice.store.verify() == []

    trio.run(scenario)
