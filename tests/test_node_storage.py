"""The storage budget through the node (node/storage.py) on real homes: a community
flood goes, oldest first, with its opened text; one's own messages there stay; the
background task (node/storage_follow.py) keeps a flood within the budget."""

from __future__ import annotations

from pathlib import Path

import trio
import trio.testing

from p2psocial import content as c
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.node.storage_follow import follow_storage
from p2psocial.private import Act
from tests.helpers import Author, shared_community, sync
from tests.waitkit import eventually, run

BIG = "\U0001f600" * 7990  # about 32 kB


def test_a_community_flood_goes_oldest_first_and_own_messages_stay(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            cid, _ = await shared_community(alice, bob, "Village hall")
            [mine] = await bob.communities.list()
            await alice.communities.merge_roster(cid, mine.lines)
            await alice.groups.post(cid, "mine, kept")
            # Bob's oldest entry there is a moderation act: kept whatever its age, so
            # that every member resolves the same acts (store/moderation.py)
            act = await bob.moderation._act(cid, Act.HIDE, bytes(32))
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
            assert alice.store.get_entry(act.id).body is not None  # type: ignore[union-attr]

    trio.run(scenario)


def test_the_background_task_keeps_a_flood_within_the_budget(tmp_path: Path) -> None:
    """follow_storage beside a node: a flood of an account no longer replicated ends
    within the budget after a burst, with no command asking for it."""
    stranger = Author(7)
    for i in range(40):  # 2.6 MB counted: bodies and posts' text
        stranger.add(c.Post(f"{i} {BIG}"))

    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice:
            await alice.storage.set_limits(budget=1_000_000, per_account=1_000_000)
            async with trio.open_nursery() as nursery:
                nursery.start_soon(follow_storage, alice, 2, 0.05)
                await trio.testing.wait_all_tasks_blocked()
                for start in range(0, 41, 10):  # a burst of small batches, as sync stores
                    await alice.replication.ingest(stranger.log[start:start + 10])
                report = await eventually(alice.storage.report, "within the budget",
                                          until=lambda r: r.budgeted <= 1_000_000)
                assert report.dropped > 0 and report.kinds["other"].accounts == 1
                nursery.cancel_scope.cancel()

    run(scenario, timeout=30)


def test_pictures_past_the_budget_are_not_fetched(tmp_path: Path) -> None:
    bob, cid = Author(8), Author(9)
    bob.add(c.Follow(cid.id))
    for n in range(5):  # five pictures of 400 kB that Alice does not hold
        picture = c.Attachment(bytes([n]) * 32, "image/jpeg", 400_000, 10, 10)
        cid.add(c.Post(f"picture {n}", attachments=(picture,)))

    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice:
            await alice.posts.follow(bob.id)
            await alice.replication.ingest(bob.log)
            await alice.replication.ingest(cid.log)
            assert len(await alice.replication.wanted_blobs()) == 5
            await alice.storage.set_limits(budget=1_000_000, per_account=1_000_000)
            assert len(await alice.replication.wanted_blobs()) == 2  # 800 kB fit

    run(scenario, timeout=30)
