"""Direct messages through the node: real homes and stores, entries copied by hand
between them as sync would (the network is tested elsewhere)."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio
import trio.testing

from p2psocial import private
from p2psocial.errors import ContentTooLarge, InvalidContent, NotFound, UserError
from p2psocial.events import Event, MessageAdded, MessageReacted
from p2psocial.home import Home
from p2psocial.identity import new_identity
from p2psocial.node import Node
from p2psocial.node.private_scan import follow_private
from tests.helpers import everyone_syncs, queued, sync


def messages_in(events: trio.MemoryReceiveChannel[Event]) -> list[MessageAdded]:
    """The MessageAdded events queued on a subscription (others dropped)."""
    return queued(events, MessageAdded)


def test_two_people_exchange_messages(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            with pytest.raises(UserError, match="no encryption key here yet: follow them"):
                await alice.messages.send([bob.account_id], "hi")
            await sync(bob, alice)
            events = bob.subscribe()
            sent = await alice.messages.send([bob.account_id], "hi Bob")
            [mine] = await alice.messages.conversations()
            assert mine.members == (bob.account_id,) and mine.names == ("Bob",)
            assert mine.last_text == "hi Bob" and mine.unread == 0
            cid = private.conversation_id([alice.account_id, bob.account_id])
            assert mine.id == cid

            await sync(alice, bob)
            assert await bob.messages.scan() == 1
            assert messages_in(events) == [MessageAdded(cid, sent.id, alice.account_id, False)]
            [theirs] = await bob.messages.conversations()
            assert theirs.id == cid and theirs.unread == 1 and theirs.names == ("Alice",)
            assert await bob.messages.unread() == 1
            page = await bob.messages.conversation(cid)
            assert [(m.text, m.own, m.author_name) for m in page.items] == [
                ("hi Bob", False, "Alice")]
            await bob.messages.mark_read(cid)
            assert await bob.messages.unread() == 0

            reply = await bob.messages.send([alice.account_id], "hello!", reply_to=sent.id)
            await sync(bob, alice)
            assert await alice.messages.scan() == 1
            assert await alice.messages.scan() == 0  # idempotent
            page = await alice.messages.conversation(cid)
            assert [m.text for m in page.items] == ["hello!", "hi Bob"]
            assert page.items[0].reply_to == sent.id and page.items[0].id == reply.id
            assert await alice.messages.unread() == 1

            with pytest.raises(NotFound):
                await alice.messages.send([bob.account_id], "x", reply_to=b"\0" * 32)
            with pytest.raises(NotFound):
                await alice.messages.mark_read(b"\1" * 32)

    trio.run(scenario)


def test_limits_refused_in_one_line(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice:
            others = [new_identity(bytes([i]) * 32, bytes([i]) * 32, 0).account_id
                      for i in range(1, 17)]
            with pytest.raises(ContentTooLarge, match="at most 15 other people") as info:
                await alice.messages.send(others, "hi all")
            assert "\n" not in str(info.value)
            with pytest.raises(UserError, match="at least one recipient"):
                await alice.messages.send([alice.account_id], "me")

    trio.run(scenario)


def test_background_scan_opens_what_sync_brings(tmp_path: Path) -> None:
    """follow_private scans what was there at start, then each burst as it arrives."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await sync(bob, alice)
            await alice.messages.send([bob.account_id], "before the scanner ran")
            await sync(alice, bob)
            events = bob.subscribe()
            async with trio.open_nursery() as nursery:
                nursery.start_soon(follow_private, bob)
                assert len(await next_messages(events, 1)) == 1
                for n in range(3):  # a burst: one sync batch
                    await alice.messages.send([bob.account_id], f"burst {n}")
                await sync(alice, bob)
                assert len(await next_messages(events, 3)) == 3
                nursery.cancel_scope.cancel()
            assert [m.text for m in (await bob.messages.conversation(
                private.conversation_id([alice.account_id, bob.account_id]))).items] == [
                "burst 2", "burst 1", "burst 0", "before the scanner ran"]

    trio.run(scenario)


def test_background_scan_recovers_from_lag(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await sync(bob, alice)
            events = bob.subscribe()
            real = bob.subscribe
            bob.subscribe = lambda buffer=1: real(1)  # type: ignore[method-assign]
            async with trio.open_nursery() as nursery:
                nursery.start_soon(follow_private, bob)
                await trio.testing.wait_all_tasks_blocked()
                for n in range(3):
                    await alice.messages.send([bob.account_id], f"m{n}")
                await sync(alice, bob)  # many events at once: the scanner's buffer lags
                assert len(await next_messages(events, 3)) == 3
                nursery.cancel_scope.cancel()

    trio.run(scenario)


async def next_messages(events: trio.MemoryReceiveChannel[Event], n: int,
                        ) -> list[MessageAdded]:
    """Wait for the next ``n`` MessageAdded events (others skipped)."""
    out: list[MessageAdded] = []
    with trio.fail_after(10):
        async for event in events:
            if isinstance(event, MessageAdded):
                out.append(event)
                if len(out) == n:
                    return out
    raise AssertionError("the event stream ended")


def test_group_lifecycle_and_removed_member_is_shut_out(tmp_path: Path) -> None:
    async def scenario() -> None:
        names = ("Alice", "Bob", "Carol", "Dave")
        nodes = [Node.init(Home(tmp_path / n), n) for n in names]
        alice, bob, carol, dave = nodes
        try:
            async def texts(node: Node) -> list[str]:
                return [m.text for m in (await node.groups.messages(gid)).items]

            await everyone_syncs(nodes)
            gid = await alice.groups.create("Climbing", [bob.account_id, carol.account_id])
            await alice.groups.post(gid, "first")
            await everyone_syncs(nodes)
            await carol.groups.post(gid, "hi from Carol")
            await everyone_syncs(nodes)
            assert await texts(bob) == ["hi from Carol", "first"]
            [group] = await bob.groups.list()
            assert (group.name, group.admin, group.epoch, group.member) == (
                "Climbing", alice.account_id, 0, True)
            assert group.unread == 2 and await bob.messages.conversations() == []
            assert await dave.groups.list() == []  # not a member: nothing opened

            with pytest.raises(UserError, match="only the group's creator"):
                await bob.groups.remove_member(gid, carol.account_id)
            await alice.groups.remove_member(gid, carol.account_id)
            await alice.groups.add_member(gid, dave.account_id)
            await alice.groups.post(gid, "after Carol left")
            await everyone_syncs(nodes)
            assert await texts(bob) == ["after Carol left", "hi from Carol", "first"]
            assert await texts(carol) == ["hi from Carol", "first"]  # shut out
            assert await texts(dave) == ["after Carol left"]  # no history before joining
            [seen_by_dave] = await dave.groups.list()
            assert seen_by_dave.epoch == 2 and set(seen_by_dave.members) == {
                alice.account_id, bob.account_id, dave.account_id}
            # Carol's node never hears she was removed and may still post with the old
            # key: the members drop it, since she is not a writer of the newest epochs
            await carol.groups.post(gid, "am I still in?")
            await alice.groups.post(gid, "a later epoch")
            await everyone_syncs(nodes)
            assert "am I still in?" not in await texts(bob)
            assert "am I still in?" not in await texts(alice)

            await bob.groups.leave(gid)
            with pytest.raises(UserError, match="no longer a member"):
                await bob.groups.post(gid, "still here?")
            await everyone_syncs(nodes)
            [seen_by_alice] = await alice.groups.list()
            assert bob.account_id not in seen_by_alice.members
            # Alice's node read the leave and started a new epoch that Bob lacks
            assert seen_by_alice.epoch == 3  # it was 2
            await everyone_syncs(nodes)
            await dave.groups.post(gid, "after Bob left")
            await everyone_syncs(nodes)
            assert "after Bob left" in await texts(alice)
            assert "after Bob left" not in await texts(bob)
            with pytest.raises(UserError, match="remove its members"):
                await alice.groups.leave(gid)
            with pytest.raises(NotFound):
                await alice.groups.post(b"\2" * 32, "nowhere")
        finally:
            for n in nodes:
                n.close()

    trio.run(scenario)


def test_messages_of_a_blocked_account_are_refused_and_fetched_again_after_unblock(
        tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as alice, \
                Node.init(Home(tmp_path / "b"), "Bob") as bob:
            await sync(alice, bob)
            await sync(bob, alice)
            await alice.messages.send([bob.account_id], "hello Bob")
            await bob.posts.block(alice.account_id)
            events = bob.subscribe()
            await sync(alice, bob)
            await bob.messages.scan()
            assert messages_in(events) == []  # no notification either
            assert await bob.messages.conversations() == []  # refused (store/refusals.py)
            assert await bob.messages.unread() == 0
            await bob.posts.unblock(alice.account_id)  # the next sync brings it again
            await sync(alice, bob)
            await bob.messages.scan()
            [view] = await bob.messages.conversations()
            page = await bob.messages.conversation(view.id)
            assert [m.text for m in page.items] == ["hello Bob"]
            assert await bob.messages.unread() == 1

    trio.run(scenario)


def test_reactions_inside_a_group(tmp_path: Path) -> None:
    async def scenario() -> None:
        nodes = [Node.init(Home(tmp_path / n), n) for n in ("Alice", "Bob", "Carol")]
        alice, bob, carol = nodes
        try:
            async def reactions(node: Node) -> tuple[tuple[str, int, bool], ...]:
                [message] = (await node.groups.messages(gid)).items
                return message.reactions

            await everyone_syncs(nodes)
            gid = await alice.groups.create("Band", [bob.account_id])
            said = await alice.groups.post(gid, "gig on Friday")
            await everyone_syncs(nodes)
            events = alice.subscribe()
            await bob.groups.react(gid, said.id, "🎸")
            await alice.groups.react(gid, said.id, "🎸")
            await everyone_syncs(nodes)
            assert await reactions(alice) == (("🎸", 2, True),)
            assert await reactions(bob) == (("🎸", 2, True),)
            assert MessageReacted(gid, said.id) in queued(events, MessageReacted)
            await bob.groups.react(gid, said.id, "🎸", undo=True)
            await everyone_syncs(nodes)
            assert await reactions(alice) == (("🎸", 1, True),)
            assert await carol.groups.list() == []  # a carrier sees none of it
            with pytest.raises(NotFound, match="no message"):
                await bob.groups.react(gid, b"\3" * 32, "👍")
            with pytest.raises(InvalidContent):
                await bob.groups.react(gid, said.id, "two words")
        finally:
            for n in nodes:
                n.close()

    trio.run(scenario)
