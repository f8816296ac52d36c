"""Delivery states of direct messages (store/holders.py, migration 13): what a peer's
clock says it holds of our log makes a message "carried" or "delivered", never what
anything weaker says; and what peers can make us store is bounded."""

from __future__ import annotations

from pathlib import Path

import pytest
from netkit import carry, device, run

from p2psocial.events import HeldByPeer
from p2psocial.home import Home
from p2psocial.node import Node
from p2psocial.store import holders
from p2psocial.store.views import Delivery


async def states(node: Node, conversation: bytes) -> list[tuple[str, str | None]]:
    """(text, delivery state) of a conversation, oldest first."""
    page = await node.messages.conversation(conversation)
    return [(m.text, m.delivery.state if m.delivery else None) for m in reversed(page.items)]


def seq_of(node: Node) -> int:
    return node.store.head(device(node))[0]  # type: ignore[index]


def test_a_message_is_sent_then_carried_then_delivered(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as a, \
                Node.init(Home(tmp_path / "b"), "Bob") as b, \
                Node.init(Home(tmp_path / "f"), "Fay") as f:
            for other in (b, f):
                await a.posts.follow(other.account_id)
                await carry(other, a)  # A holds their logs: their devices are placed
            first = await a.messages.send([b.account_id], "first")
            first_seq = seq_of(a)
            second = await a.messages.send([b.account_id], "second")
            [view] = await a.messages.conversations()
            assert await states(a, view.id) == [("first", "sent"), ("second", "sent")]

            with a.subscribe() as events:
                await a.replication.peer_holds(device(f), {device(a): first_seq})
                event = events.receive_nowait()
            assert isinstance(event, HeldByPeer)
            assert (event.device, event.account, event.heads) == (
                device(f), f.account_id, ((device(a), first_seq),))
            assert await states(a, view.id) == [("first", "carried"), ("second", "sent")]

            await a.replication.peer_holds(device(b), {device(a): seq_of(a)})
            assert await states(a, view.id) == [("first", "delivered"),
                                                ("second", "delivered")]
            page = await a.messages.conversation(view.id)
            assert page.items[1].delivery == Delivery((b.account_id,), (b.account_id,), True)
            assert page.items[0].delivery == Delivery((b.account_id,), (b.account_id,), False)
            assert first.id != second.id

            # nothing new: no event, and a lower seq never lowers a row
            with a.subscribe() as events:
                await a.replication.peer_holds(device(b), {device(a): 1})
                assert events.statistics().current_buffer_used == 0
            assert await states(a, view.id) == [("first", "delivered"),
                                                ("second", "delivered")]

    run(scenario)


def test_a_group_message_says_how_many_recipients_have_it(tmp_path: Path) -> None:
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as a, \
                Node.init(Home(tmp_path / "b"), "Bob") as b, \
                Node.init(Home(tmp_path / "c"), "Carol") as c:
            for other in (b, c):
                await a.posts.follow(other.account_id)
                await carry(other, a)
            await a.messages.send([b.account_id, c.account_id], "dinner?")
            [view] = await a.messages.conversations()
            await a.replication.peer_holds(device(c), {device(a): seq_of(a)})
            [message] = (await a.messages.conversation(view.id)).items
            assert message.delivery is not None
            assert message.delivery.state == "partly_delivered"
            assert message.delivery.delivered_to == (c.account_id,)
            assert len(message.delivery.recipients) == 2
            assert not message.delivery.carried  # C is a recipient, not a carrier

    run(scenario)


def test_only_the_clocks_of_placed_and_related_devices_of_our_logs_are_kept(
        tmp_path: Path) -> None:
    """A device whose log we do not hold (a stranger: its account is unproven), our own
    device, an account we neither follow nor talk to, and logs that are not ours are
    never recorded; the messages of others have no delivery state."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as a, \
                Node.init(Home(tmp_path / "b"), "Bob") as b, \
                Node.init(Home(tmp_path / "s"), "Sam") as s:
            await a.posts.follow(b.account_id)
            await carry(b, a)
            await carry(s, a)  # A holds Sam's log but has nothing to do with Sam
            await b.posts.follow(a.account_id)
            await carry(a, b)
            await a.messages.send([b.account_id], "hi")
            head = seq_of(a)
            await a.replication.peer_holds(bytes(32), {device(a): head})  # unknown device
            await a.replication.peer_holds(device(a), {device(a): head})  # ourselves
            await a.replication.peer_holds(device(s), {device(a): head})  # unrelated
            await a.replication.peer_holds(device(b), {device(b): 5, bytes(32): 9})  # not our logs
            assert a.store.holder_rows() == []
            await a.replication.peer_holds(device(b), {device(a): head})
            assert [(r[0], r[1], r[2]) for r in a.store.holder_rows()] == [
                (device(a), device(b), head)]

            # Bob's side: Alice's message has no state (not his), his own has one
            await carry(a, b)
            await b.messages.scan()
            [view] = await b.messages.conversations()
            await b.messages.send([a.account_id], "hello back")
            items = (await b.messages.conversation(view.id)).items
            assert [(m.text, m.delivery is None) for m in reversed(items)] == [
                ("hi", True), ("hello back", False)]

    run(scenario)


def test_a_claim_past_our_head_covers_nothing_written_later(tmp_path: Path) -> None:
    """A device that says it holds our log far past its head (it cannot: those entries
    do not exist yet) is taken to hold it up to the head only."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as a, \
                Node.init(Home(tmp_path / "b"), "Bob") as b:
            await a.posts.follow(b.account_id)
            await carry(b, a)
            await a.messages.send([b.account_id], "before")
            await a.replication.peer_holds(device(b), {device(a): 2**40})
            assert [r[2] for r in a.store.holder_rows()] == [seq_of(a)]
            await a.messages.send([b.account_id], "after")
            [view] = await a.messages.conversations()
            assert await states(a, view.id) == [("before", "delivered"), ("after", "sent")]

    run(scenario)


def test_the_table_is_capped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``HOLDERS_MAX`` rows a new row is refused; a known row still grows."""
    async def scenario() -> None:
        with Node.init(Home(tmp_path / "a"), "Alice") as a, \
                Node.init(Home(tmp_path / "b"), "Bob") as b, \
                Node.init(Home(tmp_path / "c"), "Carol") as c:
            for other in (b, c):
                await a.posts.follow(other.account_id)
                await carry(other, a)
            await a.posts.post("one")
            monkeypatch.setattr(holders, "HOLDERS_MAX", 1)
            await a.replication.peer_holds(device(b), {device(a): 1})
            await a.replication.peer_holds(device(c), {device(a): 1})
            await a.replication.peer_holds(device(b), {device(a): 2})
            assert [(r[1], r[2]) for r in a.store.holder_rows()] == [(device(b), 2)]

    run(scenario)
