"""Private messages over real loopback libp2p nodes: a direct message reaches its
offline reader through a third node that can carry it but not read it, and a group of
three goes on while one member is offline (store-and-forward)."""

from __future__ import annotations

from pathlib import Path

import pytest
from netkit import carry, device, holds, run, service, until

from p2psocial.home import Home
from p2psocial.node import Node

pytestmark = pytest.mark.usefixtures("quiet_libp2p")  # see tests/conftest.py


async def holds_all(node: Node, *entry_ids: bytes) -> bool:
    return all([await holds(node, x) for x in entry_ids])


def test_a_message_reaches_an_offline_reader_through_a_third_node(tmp_path: Path) -> None:
    """A writes to B while B is away. C, who follows A, picks it up and goes on serving
    after A leaves; B, who follows A, comes back, meets only C and reads the message.
    C holds the entry and cannot read it."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as a, \
                Node.init(Home(tmp_path / "b"), "Bob") as b, \
                Node.init(Home(tmp_path / "c"), "Carol") as c:
            await a.posts.follow(b.account_id)
            await b.posts.follow(a.account_id)
            await c.posts.follow(a.account_id)
            await carry(b, a)  # A knows B's encryption key (B's device certificate)
            message = await a.messages.send([b.account_id], "psst, only for you")
            async with service(c) as sc:
                async with service(a) as sa:
                    await sa.connect(device(c), sc.listen_addrs)
                    await until(c, lambda: holds(c, message.id))
                # A is gone; B comes online and meets C alone
                async with service(b) as sb:
                    await sb.connect(device(c), sc.listen_addrs)
                    await until(b, lambda: holds(b, message.id))
                    assert device(a) not in [p.device for p in sb.peers()]
            assert await b.messages.scan() >= 1
            [view] = await b.messages.conversations()
            assert (view.last_text, view.last_author, view.unread) == (
                "psst, only for you", a.account_id, 1)
            page = await b.messages.conversation(view.id)
            assert [(m.text, m.author, m.own) for m in page.items] == [
                ("psst, only for you", a.account_id, False)]
            await c.messages.scan()
            assert await c.messages.conversations() == []  # carried, not read
            for node in (b, c):
                assert await node.feeds.verify(full=True) == []

    run(scenario, timeout=45)


def test_a_group_of_three_goes_on_while_one_member_is_offline(tmp_path: Path) -> None:
    """A creates a group with B and C while B is away; A and C talk in it, A leaves,
    and B, back, meets only C: B reads the key and both messages, in order."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as a, \
                Node.init(Home(tmp_path / "b"), "Bob") as b, \
                Node.init(Home(tmp_path / "c"), "Carol") as c:
            for one, others in ((a, (b, c)), (b, (a, c)), (c, (a, b))):
                for other in others:
                    await one.posts.follow(other.account_id)
            for one, other in ((b, a), (c, a)):
                await carry(one, other)  # A knows both keys
            group = await a.groups.create("Friday dinner", [b.account_id, c.account_id])
            first = await a.groups.post(group, "Pizza or pasta?")
            async with service(c) as sc:
                async with service(a) as sa:
                    await sa.connect(device(c), sc.listen_addrs)
                    await until(c, lambda: holds(c, first.id))
                    await c.messages.scan()
                    answer = await c.groups.post(group, "Pasta!", reply_to=first.id)
                    await until(a, lambda: holds(a, answer.id))
                async with service(b) as sb:  # A is gone: B meets C alone
                    await sb.connect(device(c), sc.listen_addrs)
                    await until(b, lambda: holds_all(b, first.id, answer.id))
                    assert device(a) not in [p.device for p in sb.peers()]
            assert await b.messages.scan() == 2
            [view] = await b.groups.list()
            assert (view.id, view.name, view.admin, view.member) == (
                group, "Friday dinner", a.account_id, True)
            assert set(view.members) == {a.account_id, b.account_id, c.account_id}
            assert view.unread == 2
            page = await b.groups.messages(group)
            assert [(m.author, m.text, m.reply_to) for m in reversed(page.items)] == [
                (a.account_id, "Pizza or pasta?", None),
                (c.account_id, "Pasta!", first.id)]

    run(scenario, timeout=45)
